//! All integration tests, compiled into one binary. Each module is named after what it checks.

mod api;
mod api_features;
mod browser;
mod cli;
mod eval;
mod ingest_report;
mod input_formats;
mod ingest_jsonl;
mod parse_seed;
mod search_quality;
mod search_seed;
mod support;

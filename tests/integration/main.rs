//! All integration tests, compiled into one binary. Each module is named after what it checks.

mod api;
mod api_features;
mod api_fixes;
mod bad_corpus;
mod browser;
mod cli;
mod cli_ingestion;
mod crash_safety;
mod eval;
mod hostile_queries;
mod ingest_jsonl;
mod ingest_outside_files;
mod ingest_report;
mod input_formats;
mod parse_seed;
mod properties;
mod query_fixes;
mod reader_field_checks;
mod report_damage;
mod search_quality;
mod search_seed;
mod security;
mod server_timeouts;
mod support;

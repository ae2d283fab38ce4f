//! All integration tests, compiled into one binary. Each module is named after what it checks.

mod api;
mod parse_seed;
mod search_seed;
mod support;

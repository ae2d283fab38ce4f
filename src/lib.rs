//! abstract-search: full-text search over scientific conference contributions (Indico
//! contribution reports and exports), with French and English analysis, facets and
//! highlighted snippets, served as a JSON API.
//!
//! Data flows one way, and the modules are listed in that order: each uses only those above.
//! `corpus` parses input files into the `model`; `analysis` defines how text becomes terms;
//! `index` writes records into tantivy; `ingest` runs those steps over a corpus folder; `search` answers requests; `web` is the search page and widget;
//! `api` serves it all over HTTP; the binary's `main` is the CLI.

pub mod analysis;
pub mod api;
pub mod corpus;
pub mod index;
pub mod ingest;
pub mod model;
pub mod search;
pub mod text;
pub mod web;

pub use model::{Contribution, Event, Language, Person};
pub use search::{Engine, SearchError, SearchRequest, SearchResponse};

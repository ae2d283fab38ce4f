//! abstract-search: full-text search over scientific conference contributions (Indico
//! contribution reports and exports), with French and English analysis, facets and
//! highlighted snippets, served as a JSON API.
//!
//! Data flows one way, and the modules are listed in that order: each uses only those above.
//! `text` holds the folding shared by all; `corpus` parses input files into the `model`;
//! `analysis` defines how text becomes terms; `index` writes records into tantivy; `ingest`
//! runs those steps over a corpus folder; `search` answers requests and `eval` measures its
//! relevance; `web` is the search page and widget; `api` serves it all over HTTP; the
//! binary's `main` is the CLI.

pub mod text;
pub mod model;
pub mod corpus;
pub mod analysis;
pub mod index;
pub mod ingest;
pub mod search;
pub mod eval;
pub mod web;
pub mod api;
#[cfg(test)]
mod testing;

pub use model::{Contribution, Event, Language, Person};
pub use search::{Engine, SearchError, SearchRequest, SearchResponse};

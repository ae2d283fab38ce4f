//! The response contract of a search, field by field. These are the JSON shapes of the API.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::model::{Language, Person};

/// One facet value with the number of matching records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// Facet name (`theme`, `lab`, `day`, `language`, `event`, `type`) → values sorted by count
/// (descending) then value.
pub type FacetCounts = BTreeMap<&'static str, Vec<FacetCount>>;

/// One result.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Hit {
    /// Event slug; with `id`, the record key (`/api/contributions/{event}/{id}`).
    pub event: String,
    pub event_title: String,
    pub id: u64,
    /// The input's own identifier when it is not a number (`arXiv:hep-th/9301001`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub title: String,
    /// The title, HTML-escaped, with matches in `<mark>…</mark>` (the only markup).
    pub title_html: String,
    /// A window of the abstract, HTML-escaped, with matches in `<mark>`; the start of the
    /// abstract when only other fields matched; empty when there is no abstract.
    pub snippet_html: String,
    pub speakers: Vec<Person>,
    pub authors: Vec<Person>,
    pub coauthors: Vec<Person>,
    pub labs: Vec<String>,
    pub theme: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub day: Option<NaiveDate>,
    pub start: Option<NaiveDateTime>,
    pub duration_minutes: Option<u32>,
    pub language: Option<Language>,
    /// Relevance score (BM25 with field weights); `null` when sorted by start.
    pub score: Option<f32>,
}

/// A page of results.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchResponse {
    /// Exact number of matching records (the same on every page).
    pub total: u64,
    pub page: usize,
    pub per_page: usize,
    /// Time spent in the engine, milliseconds.
    pub took_ms: f64,
    /// The query as received.
    pub query: String,
    /// `all` when every word had to match; `any` when no record had them all and the
    /// results are those matching some of the words; `none` when the query was not searched
    /// (only common words, or no word at all: see `notice`).
    #[schema(value_type = String, example = "all")]
    pub matching: &'static str,
    /// A remark for the user (query too generic, words ignored), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
    pub hits: Vec<Hit>,
    /// Facet name → values with counts.
    #[schema(value_type = std::collections::BTreeMap<String, Vec<FacetCount>>)]
    pub facets: FacetCounts,
}

//! The shared vocabulary: plain serde data that every reader produces and every later step
//! (analysis, index, search, API) consumes. The JSON names are the `parse` output contract.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// The event (workshop, conference) a contribution belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Event {
    /// URL-safe key: the title accent-folded, lowercased, other characters turned into `-`.
    pub slug: String,
    /// The event title as printed in the export.
    pub title: String,
}

/// An author, co-author or speaker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
pub struct Person {
    pub first_name: String,
    pub last_name: String,
    /// Honorific such as `Dr` or `Prof.`, when the export prints one.
    pub title: Option<String>,
    /// Affiliation exactly as printed (`LPSC Grenoble; IN2P3-CNRS`).
    pub affiliation: Option<String>,
}

impl Person {
    /// `LAST First`, the way the report prints names, for terminal output and search text.
    pub fn display_name(&self) -> String {
        match (self.last_name.is_empty(), self.first_name.is_empty()) {
            (false, false) => format!("{} {}", self.last_name, self.first_name),
            (false, true) => self.last_name.clone(),
            (true, _) => self.first_name.clone(),
        }
    }
}

/// Where a record came from, for warnings and for users who want to check the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
pub struct SourceLocation {
    pub file: String,
    /// 1-based line of the record's first line (for JSON inputs: the line of the object, or 1).
    pub line: usize,
}

/// Language of a record's text, as detected at ingest time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    En,
    Fr,
}

impl Language {
    /// Both languages we analyze, in a fixed order.
    pub const ALL: [Language; 2] = [Language::En, Language::Fr];

    /// ISO 639-1 code used in the API and the facet.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Fr => "fr",
        }
    }

    /// Inverse of [`Language::code`].
    pub fn from_code(code: &str) -> Option<Language> {
        match code {
            "en" => Some(Language::En),
            "fr" => Some(Language::Fr),
            _ => None,
        }
    }
}

/// One talk, poster or other contribution of an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Contribution {
    pub event: Event,
    /// The number printed as "Contribution ID"; unique within its event only. Inputs whose
    /// ids are not numbers (`arXiv:hep-th/9301001`) get their 1-based line or row number here
    /// and keep the original in [`Contribution::external_id`].
    pub id: u64,
    /// The input's own identifier when it is not the numeric `id` (searchable, returned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub title: String,
    /// Contribution type (`Non spécifié`, `Talk`, `Poster`…), when the export has one.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Scheduled start, local time of the event.
    pub start: Option<NaiveDateTime>,
    pub day: Option<NaiveDate>,
    pub duration_minutes: Option<u32>,
    /// The abstract as readable text (may be empty).
    #[serde(rename = "abstract")]
    pub abstract_text: String,
    pub authors: Vec<Person>,
    pub coauthors: Vec<Person>,
    pub speakers: Vec<Person>,
    /// Thematic classification (track), the part before ` : `.
    pub theme: Option<String>,
    /// The part of the classification after ` : `.
    pub theme_description: Option<String>,
    /// Session the contribution was scheduled in, when the export says.
    #[serde(default)]
    pub session: Option<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Canonical lab names of every person, from `corpus/labs.toml`.
    pub labs: Vec<String>,
    pub language: Option<Language>,
    pub source: SourceLocation,
}

impl Contribution {
    /// A record with only its identity set; readers fill in the rest.
    pub fn new(event: Event, id: u64, title: String, source: SourceLocation) -> Contribution {
        Contribution {
            event,
            id,
            external_id: None,
            title,
            kind: None,
            start: None,
            day: None,
            duration_minutes: None,
            abstract_text: String::new(),
            authors: Vec::new(),
            coauthors: Vec::new(),
            speakers: Vec::new(),
            theme: None,
            theme_description: None,
            session: None,
            keywords: Vec::new(),
            labs: Vec::new(),
            language: None,
            source,
        }
    }

    /// Every person of the record: authors, co-authors, then speakers.
    pub fn persons(&self) -> impl Iterator<Item = &Person> {
        self.authors
            .iter()
            .chain(&self.coauthors)
            .chain(&self.speakers)
    }

    /// The document key: ids are unique per event only.
    pub fn key(&self) -> String {
        format!("{}/{}", self.event.slug, self.id)
    }
}

//! The response contract of a search, field by field. These are the JSON shapes of the API.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

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
    #[schema(value_type = Vec<Person>)]
    pub speakers: People,
    #[schema(value_type = Vec<Person>)]
    pub authors: People,
    #[schema(value_type = Vec<Person>)]
    pub coauthors: People,
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

/// The speakers, authors or co-authors of a hit: the JSON array of the stored record, which
/// the index wrote with the same serializer, copied into the answer as it is. Parsing the
/// people of ten records and serializing them again was half of reading the records and
/// two thirds of the answer's bytes (papers of the 50k corpus have hundreds of authors).
/// Read as persons (`len`, `iter`, indexing), the array is parsed once, on first use, and
/// from then on serialized from the parsed persons (so pretty printing lays them out).
#[derive(Debug, Clone)]
pub struct People {
    json: Box<RawValue>,
    persons: OnceLock<Vec<Person>>,
}

impl People {
    /// People from the JSON array of a stored record's field.
    pub fn from_stored(json: Box<RawValue>) -> People {
        People {
            json,
            persons: OnceLock::new(),
        }
    }

    /// The persons (parsed on the first call; an array that does not parse is empty).
    pub fn persons(&self) -> &[Person] {
        self.persons
            .get_or_init(|| serde_json::from_str(self.json.get()).unwrap_or_default())
    }
}

impl std::ops::Deref for People {
    type Target = [Person];

    fn deref(&self) -> &[Person] {
        self.persons()
    }
}

impl Serialize for People {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.persons.get() {
            Some(persons) => persons.serialize(serializer),
            None => self.json.serialize(serializer),
        }
    }
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

#[cfg(test)]
mod tests {
    use crate::search::{Engine, SearchRequest};
    use crate::testing::seed_records;

    /// The people of a hit, copied from the stored record, serialize to exactly the bytes
    /// the parsed persons did, and read as the record's persons.
    #[test]
    fn stored_people_serialize_as_the_persons_they_hold() {
        let records = seed_records();
        let engine = Engine::from_records(&records).expect("the seed indexes");
        let mut request = SearchRequest::query("");
        request.per_page = 100;
        let response = engine.search(&request).expect("browsing works");
        assert_eq!(response.hits.len(), 30);
        let mut persons = 0;
        for hit in &response.hits {
            let record = records.iter().find(|r| r.id == hit.id).expect("a seed id");
            for (people, expected) in [
                (&hit.speakers, &record.speakers),
                (&hit.authors, &record.authors),
                (&hit.coauthors, &record.coauthors),
            ] {
                let expected_json = serde_json::to_string(expected).unwrap();
                assert_eq!(serde_json::to_string(people).unwrap(), expected_json);
                assert_eq!(people.persons(), expected.as_slice(), "record {}", hit.id);
                assert_eq!(serde_json::to_string(people).unwrap(), expected_json);
                persons += people.len();
            }
        }
        assert!(persons > 40, "{persons} persons compared");
        assert_eq!(
            response
                .hits
                .iter()
                .find(|h| h.id == 17)
                .unwrap()
                .speakers
                .len(),
            2
        );
    }
}

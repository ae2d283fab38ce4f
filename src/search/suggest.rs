//! Search-as-you-type suggestions: completions of the last word from the term dictionaries
//! of titles and abstracts (ranked by how many records use them), and titles that match what
//! was typed so far. Cheap enough for every keystroke: a range scan of the dictionary and one
//! small query.

use std::collections::HashMap;

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::Term;

use super::{Engine, SearchError};
use crate::analysis;

/// Most dictionary terms scanned per field and segment for one prefix.
const MAX_SCANNED_TERMS: usize = 5_000;
/// Most suggestions of each kind.
pub const MAX_SUGGESTIONS: usize = 20;

/// A completion of the word being typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TermSuggestion {
    /// The completed word, lowercased and accent-folded as indexed.
    pub term: String,
    /// Number of records (titles or abstracts) containing it.
    pub count: u64,
}

/// A record whose title matches what was typed.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TitleSuggestion {
    pub event: String,
    pub id: u64,
    pub title: String,
    /// The title, HTML-escaped, with the typed words in `<mark>`.
    pub title_html: String,
}

/// The answer to `/api/suggest`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Suggestions {
    pub query: String,
    pub terms: Vec<TermSuggestion>,
    pub titles: Vec<TitleSuggestion>,
}

impl Engine {
    /// Completions of the last word of `q` and matching titles, `limit` of each.
    pub fn suggest(&self, q: &str, limit: usize) -> Result<Suggestions, SearchError> {
        let limit = limit.clamp(1, MAX_SUGGESTIONS);
        let mut analyzer = self.analyzers.plain.clone();
        let words: Vec<String> = analysis::analyze(&mut analyzer, q)
            .into_iter()
            .filter(|token| token.position_length <= 1)
            .map(|token| token.text)
            .collect();
        let mut suggestions = Suggestions {
            query: q.to_string(),
            terms: Vec::new(),
            titles: Vec::new(),
        };
        let Some((prefix, previous)) = words.split_last() else {
            return Ok(suggestions);
        };
        let searcher = self.reader.searcher();
        let text_fields = [self.fields.title_plain, self.fields.abstract_plain];

        // Completions: terms starting with the prefix, by document frequency.
        let mut counts: HashMap<String, u64> = HashMap::new();
        for segment in searcher.segment_readers() {
            for field in text_fields {
                let inverted = segment.inverted_index(field)?;
                let mut stream = inverted
                    .terms()
                    .range()
                    .ge(prefix.as_bytes())
                    .into_stream()
                    .map_err(|error| SearchError::Index(error.into()))?;
                let mut scanned = 0;
                while stream.advance() && scanned < MAX_SCANNED_TERMS {
                    scanned += 1;
                    let Ok(term) = std::str::from_utf8(stream.key()) else {
                        continue;
                    };
                    if !term.starts_with(prefix.as_str()) {
                        break;
                    }
                    *counts.entry(term.to_string()).or_default() +=
                        u64::from(stream.value().doc_freq);
                }
            }
        }
        let mut terms: Vec<TermSuggestion> = counts
            .into_iter()
            .map(|(term, count)| TermSuggestion { term, count })
            .collect();
        terms.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.term.cmp(&b.term)));
        terms.truncate(limit);
        suggestions.terms = terms;

        // Titles: every earlier word, and the last one as a prefix.
        let title = self.fields.title_plain;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = previous
            .iter()
            .map(|word| -> (Occur, Box<dyn Query>) {
                let term = Term::from_field_text(title, word);
                (
                    Occur::Must,
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
                )
            })
            .collect();
        // The word being typed: its completions, the most used first (scored, so a title with
        // `calorimeter` ranks above one with `calorimetry` for `calo`), or any completion.
        let mut completions: Vec<(Occur, Box<dyn Query>)> = suggestions
            .terms
            .iter()
            .enumerate()
            .map(|(rank, suggestion)| -> (Occur, Box<dyn Query>) {
                let term = Term::from_field_text(title, &suggestion.term);
                let query = TermQuery::new(term, IndexRecordOption::WithFreqs);
                let weight = 1.0 + (suggestions.terms.len() - rank) as f32 / 4.0;
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(query), weight)),
                )
            })
            .collect();
        let any_completion =
            FuzzyTermQuery::new_prefix(Term::from_field_text(title, prefix), 0, true);
        completions.push((
            Occur::Should,
            Box::new(BoostQuery::new(Box::new(any_completion), 0.1)),
        ));
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(completions))));
        let query = BooleanQuery::new(clauses);
        let top = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        let patterns = vec![super::query::Pattern::Prefix {
            prefix: prefix.clone(),
        }]
        .into_iter()
        .chain(previous.iter().map(|word| super::query::Pattern::Terms {
            analyzer: super::query::AnalyzerKind::Plain,
            terms: vec![(0, word.clone())],
        }))
        .collect::<Vec<_>>();
        let mut highlighter = super::highlight::Highlighter::new(&patterns, self.analyzers.clone());
        for (_, address) in top {
            let record = self.record_of(&searcher, address)?;
            let title_html = highlighter.highlight_all(&record.title, record.language);
            suggestions.titles.push(TitleSuggestion {
                event: record.event.slug,
                id: record.id,
                title: record.title,
                title_html,
            });
        }
        Ok(suggestions)
    }
}

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

/// Candidate completions checked per suggestion returned (the others are stop words or
/// joined compounds).
const CANDIDATES_PER_SUGGESTION: usize = 4;
/// Records of a candidate read to check that the word is written as such somewhere.
const RECORDS_CHECKED: usize = 5;

/// True when `text` has `term` (a plain-analyzed form) as a word of its own, not only as
/// the joined form of a hyphenated compound.
fn has_word(text: &str, term: &str, plain: &mut tantivy::tokenizer::TextAnalyzer) -> bool {
    let mut tokens = Vec::new();
    analysis::tokenize_words(text, &mut tokens);
    let mut form = String::new();
    tokens
        .iter()
        .filter(|t| t.position_length <= 1)
        .any(|token| analysis::plain_form(&token.text, plain, &mut form) && form == term)
}

/// A completion of the word being typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TermSuggestion {
    /// The completed word, lowercased and accent-folded as indexed.
    pub term: String,
    /// Number of records whose title or abstract contains it.
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
        // The summed document frequencies of the two fields only rank the candidates (a
        // record with the word in its title and abstract counts twice); the best ones are
        // then checked and counted exactly.
        let mut candidates: Vec<(String, u64)> = counts.into_iter().collect();
        candidates.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut terms: Vec<TermSuggestion> = Vec::with_capacity(limit);
        let mut analyzers = self.analyzers.clone();
        for (term, _) in candidates
            .into_iter()
            .take(limit * CANDIDATES_PER_SUGGESTION)
        {
            if terms.len() == limit {
                break;
            }
            // `a` must not complete to `and`, `at`, `an`: words no search looks for.
            let is_stop_word = [&mut analyzers.english, &mut analyzers.french]
                .into_iter()
                .any(|analyzer| analysis::analyze(analyzer, &term).is_empty());
            if is_stop_word {
                continue;
            }
            let in_text: Vec<(Occur, Box<dyn Query>)> = text_fields
                .iter()
                .map(|&field| -> (Occur, Box<dyn Query>) {
                    let term = Term::from_field_text(field, &term);
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                    )
                })
                .collect();
            let (count, some) = searcher.search(
                &BooleanQuery::new(in_text),
                &(
                    tantivy::collector::Count,
                    TopDocs::with_limit(RECORDS_CHECKED).order_by_score(),
                ),
            )?;
            if count == 0 {
                continue;
            }
            // The index also holds hyphenated compounds joined (`gamma-ray` → `gammaray`),
            // so a search for the joined spelling finds them; nobody types those.
            let mut typed_somewhere = false;
            for (_, address) in some {
                let record =
                    self.stored_record::<crate::model::Contribution>(&searcher, address)?;
                if has_word(&record.title, &term, &mut analyzers.plain)
                    || has_word(&record.abstract_text, &term, &mut analyzers.plain)
                {
                    typed_somewhere = true;
                    break;
                }
            }
            if typed_somewhere {
                terms.push(TermSuggestion {
                    term,
                    count: count as u64,
                });
            }
        }
        terms.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.term.cmp(&b.term)));
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
            let record = self.stored_record::<crate::model::Contribution>(&searcher, address)?;
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

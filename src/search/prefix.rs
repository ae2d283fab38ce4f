//! Search-as-you-type: the documents having a term that starts with the word typed so far,
//! all with the same score (the query's boost).
//!
//! tantivy's prefix search (`FuzzyTermQuery::new_prefix`) builds a Levenshtein automaton for
//! the word and walks the term dictionary with it; the terms starting with a prefix are one
//! contiguous range of the sorted dictionary, read here directly (a tenth of a one-word
//! search went into the automaton). A very short prefix can start thousands of terms
//! (`co`): only the [`MAX_PREFIX_TERMS`] most frequent ones are expanded, so one keystroke
//! cannot make a search read most of the index.

use tantivy::query::{
    BitSetDocSet, ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term};
use tantivy_common::BitSet;

/// Most dictionary terms one prefix expands to (the most frequent ones).
pub const MAX_PREFIX_TERMS: usize = 200;

/// The documents with a term of `field` starting with `prefix`, scored 1 (times the boost).
#[derive(Debug, Clone)]
pub struct PrefixQuery {
    field: Field,
    prefix: Vec<u8>,
}

impl PrefixQuery {
    /// Terms of `term`'s field starting with `term`'s text.
    pub fn new(term: &Term) -> PrefixQuery {
        PrefixQuery {
            field: term.field(),
            prefix: term.serialized_value_bytes().to_vec(),
        }
    }
}

impl Query for PrefixQuery {
    fn weight(&self, _enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(PrefixWeight(self.clone())))
    }
}

struct PrefixWeight(PrefixQuery);

/// The first byte string after every string starting with `prefix` (`None`: no bound).
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

impl Weight for PrefixWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let PrefixQuery { field, prefix } = &self.0;
        let inverted_index = reader.inverted_index(*field)?;
        let dictionary = inverted_index.terms();
        let mut range = dictionary.range().ge(prefix);
        if let Some(end) = prefix_end(prefix) {
            range = range.lt(end);
        }
        let mut stream = range.into_stream()?;
        let mut term_infos = Vec::new();
        while stream.advance() {
            term_infos.push(stream.value().clone());
        }
        if term_infos.len() > MAX_PREFIX_TERMS {
            term_infos
                .select_nth_unstable_by(MAX_PREFIX_TERMS - 1, |a, b| b.doc_freq.cmp(&a.doc_freq));
            term_infos.truncate(MAX_PREFIX_TERMS);
        }
        let mut documents = BitSet::with_max_value(reader.max_doc());
        for term_info in &term_infos {
            let mut postings = inverted_index
                .read_block_postings_from_terminfo(term_info, IndexRecordOption::Basic)?;
            loop {
                let docs = postings.docs();
                if docs.is_empty() {
                    break;
                }
                for &doc in docs {
                    documents.insert(doc);
                }
                postings.advance();
            }
        }
        Ok(Box::new(ConstScorer::new(
            BitSetDocSet::from(documents),
            boost,
        )))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        Ok(Explanation::new("prefix", 1.0))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use tantivy::collector::DocSetCollector;
    use tantivy::query::{FuzzyTermQuery, TermQuery};
    use tantivy::{DocAddress, Searcher};

    use super::*;
    use crate::index::Fields;
    use crate::testing::seed_records;

    fn seed_searcher() -> (Searcher, Fields) {
        let index = crate::index::build_in_ram(&seed_records()).expect("seed indexes");
        let fields = Fields::from_schema(&index.schema()).expect("fields");
        (index.reader().expect("reader").searcher(), fields)
    }

    fn documents(searcher: &Searcher, query: &dyn Query) -> HashSet<DocAddress> {
        searcher.search(query, &DocSetCollector).expect("search")
    }

    /// The documents of tantivy's automaton prefix search, for every prefix that expands to
    /// at most the cap; beyond it, those of the most frequent terms.
    #[test]
    fn matches_the_automaton_prefix_search() {
        let (searcher, fields) = seed_searcher();
        let mut compared = 0;
        for prefix in ["calori", "calo", "sim", "neur", "donn", "d", "zzz", "é"] {
            let term = Term::from_field_text(fields.abstract_plain, prefix);
            let expected = documents(
                &searcher,
                &FuzzyTermQuery::new_prefix(term.clone(), 0, true),
            );
            let found = documents(&searcher, &PrefixQuery::new(&term));
            assert_eq!(found, expected, "{prefix}");
            compared += found.len();
        }
        assert!(compared > 40, "{compared} documents compared");

        // The empty prefix starts every term, more than the cap: the most frequent ones are
        // expanded.
        let segment = &searcher.segment_readers()[0];
        let inverted_index = segment.inverted_index(fields.abstract_plain).unwrap();
        let mut stream = inverted_index.terms().range().into_stream().unwrap();
        let mut terms = Vec::new();
        while stream.advance() {
            terms.push((stream.value().doc_freq, stream.key().to_vec()));
        }
        assert!(terms.len() > 2 * MAX_PREFIX_TERMS, "{} terms", terms.len());
        terms.sort_by_key(|&(frequency, _)| std::cmp::Reverse(frequency));
        let kept_frequency = terms[MAX_PREFIX_TERMS - 1].0;
        let term = Term::from_field_text(fields.abstract_plain, "");
        let found = documents(&searcher, &PrefixQuery::new(&term));
        let all = documents(&searcher, &FuzzyTermQuery::new_prefix(term, 0, true));
        assert!(found.is_subset(&all));
        let mut checked = 0;
        for (frequency, bytes) in &terms {
            let word = std::str::from_utf8(bytes).unwrap();
            let exact = TermQuery::new(
                Term::from_field_text(fields.abstract_plain, word),
                IndexRecordOption::Basic,
            );
            let with_word = documents(&searcher, &exact);
            if *frequency > kept_frequency {
                assert!(with_word.is_subset(&found), "{word} ({frequency} records)");
                checked += 1;
            }
        }
        assert!(checked > 50, "{checked} frequent terms checked");
    }

    #[test]
    fn prefix_end_is_the_next_byte_string() {
        assert_eq!(prefix_end(b"calo"), Some(b"calp".to_vec()));
        assert_eq!(prefix_end(&[b'a', 0xff]), Some(b"b".to_vec()));
        assert_eq!(prefix_end(&[0xff, 0xff]), None);
    }
}

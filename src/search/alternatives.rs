//! The alternatives of one query word (the word under each analyzer and in each field, its
//! prefix, typo, synonym and compound forms): a document matches when any alternative does
//! and scores the sum of theirs, as a `BooleanQuery` of `Should` clauses would.
//!
//! Why not that `BooleanQuery`: tantivy runs it as a buffered union that scores every
//! posting of every alternative in windows of 4,096 documents, ahead of need. When the word
//! is one of several required ones, most of those documents are then dropped by the
//! intersection: `jet energy scale` (40 matches) scored every record with `energy` or
//! `scale` in any of eight fields, half of the search. This union moves its alternatives
//! only as far as it is asked (`seek` skips whole posting blocks) and scores a document only
//! when the enclosing query asks for its score, that is when it matched everything.

use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term, TERMINATED};

/// Any of `alternatives`; score: the sum of the matching ones' scores.
#[derive(Debug)]
pub struct AlternativesQuery {
    alternatives: Vec<Box<dyn Query>>,
}

impl AlternativesQuery {
    /// A union of `alternatives` (at least one).
    pub fn new(alternatives: Vec<Box<dyn Query>>) -> AlternativesQuery {
        AlternativesQuery { alternatives }
    }
}

impl Clone for AlternativesQuery {
    fn clone(&self) -> Self {
        AlternativesQuery {
            alternatives: self.alternatives.iter().map(|q| q.box_clone()).collect(),
        }
    }
}

impl Query for AlternativesQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weights = self
            .alternatives
            .iter()
            .map(|query| query.weight(enable_scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(AlternativesWeight { weights }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for query in &self.alternatives {
            query.query_terms(visitor);
        }
    }
}

struct AlternativesWeight {
    weights: Vec<Box<dyn Weight>>,
}

impl Weight for AlternativesWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut scorers = Vec::with_capacity(self.weights.len());
        for weight in &self.weights {
            let scorer = weight.scorer(reader, boost)?;
            // An alternative without a document in this segment costs nothing more.
            if !scorer.is::<EmptyScorer>() && scorer.doc() != TERMINATED {
                scorers.push(scorer);
            }
        }
        Ok(match scorers.len() {
            0 => Box::new(EmptyScorer),
            1 => scorers.pop().expect("one scorer"),
            _ => Box::new(AlternativesScorer::new(scorers)),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        let mut explanation = Explanation::new("sum of the matching alternatives", scorer.score());
        for weight in &self.weights {
            if let Ok(detail) = weight.explain(reader, doc) {
                explanation.add_detail(detail);
            }
        }
        Ok(explanation)
    }
}

/// The union itself: every alternative is on its own current document, the union on the
/// smallest of them.
struct AlternativesScorer {
    /// Alternatives not yet exhausted, in the query's order (the order scores are summed in).
    scorers: Vec<Box<dyn Scorer>>,
    /// `scorers[i].doc()`, kept here: reading it through the trait object costs a call.
    docs: Vec<DocId>,
    doc: DocId,
}

impl AlternativesScorer {
    fn new(scorers: Vec<Box<dyn Scorer>>) -> AlternativesScorer {
        let docs: Vec<DocId> = scorers.iter().map(|s| s.doc()).collect();
        let doc = docs.iter().copied().min().unwrap_or(TERMINATED);
        AlternativesScorer { scorers, docs, doc }
    }

    /// Drop the exhausted alternatives (rare: once per alternative).
    fn drop_exhausted(&mut self) {
        let mut index = 0;
        while index < self.docs.len() {
            if self.docs[index] == TERMINATED {
                self.docs.remove(index);
                self.scorers.remove(index);
            } else {
                index += 1;
            }
        }
    }
}

impl DocSet for AlternativesScorer {
    fn advance(&mut self) -> DocId {
        let current = self.doc;
        let mut smallest = TERMINATED;
        let mut exhausted = false;
        for (doc, scorer) in self.docs.iter_mut().zip(&mut self.scorers) {
            if *doc == current {
                *doc = scorer.advance();
                exhausted |= *doc == TERMINATED;
            }
            smallest = smallest.min(*doc);
        }
        if exhausted {
            self.drop_exhausted();
        }
        self.doc = smallest;
        smallest
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        let mut smallest = TERMINATED;
        let mut exhausted = false;
        for (doc, scorer) in self.docs.iter_mut().zip(&mut self.scorers) {
            if *doc < target {
                *doc = scorer.seek(target);
                exhausted |= *doc == TERMINATED;
            }
            smallest = smallest.min(*doc);
        }
        if exhausted {
            self.drop_exhausted();
        }
        self.doc = smallest;
        smallest
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.scorers
            .iter()
            .map(|s| s.size_hint())
            .fold(0u32, u32::saturating_add)
    }

    fn cost(&self) -> u64 {
        self.scorers.iter().map(|s| s.cost()).sum()
    }
}

impl Scorer for AlternativesScorer {
    fn score(&mut self) -> Score {
        let mut total = 0.0;
        for (&doc, scorer) in self.docs.iter().zip(&mut self.scorers) {
            if doc == self.doc {
                total += scorer.score();
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::{DocSetCollector, TopDocs};
    use tantivy::query::{BooleanQuery, BoostQuery, Occur, TermQuery};
    use tantivy::schema::IndexRecordOption;
    use tantivy::{DocAddress, Searcher};

    use super::*;
    use crate::index::Fields;
    use crate::search::prefix::PrefixQuery;
    use crate::testing::seed_records;

    fn seed_searcher() -> (Searcher, Fields) {
        let index = crate::index::build_in_ram(&seed_records()).expect("seed indexes");
        let fields = Fields::from_schema(&index.schema()).expect("fields");
        (index.reader().expect("reader").searcher(), fields)
    }

    /// A word in the fields a query word is searched in, some boosted, and its prefix.
    fn alternatives_of(word: &str, fields: &Fields) -> Vec<Box<dyn Query>> {
        let term = |field| Term::from_field_text(field, word);
        let mut alternatives: Vec<Box<dyn Query>> = Vec::new();
        for (field, boost) in [
            (fields.title_plain, 3.0),
            (fields.abstract_plain, 1.0),
            (fields.title_en, 3.0),
            (fields.abstract_en, 1.0),
            (fields.people, 1.5),
        ] {
            let query = TermQuery::new(term(field), IndexRecordOption::WithFreqs);
            alternatives.push(Box::new(BoostQuery::new(Box::new(query), boost)));
        }
        alternatives.push(Box::new(BoostQuery::new(
            Box::new(PrefixQuery::new(&term(fields.abstract_plain))),
            0.4,
        )));
        alternatives
    }

    fn should(alternatives: Vec<Box<dyn Query>>) -> Box<dyn Query> {
        Box::new(BooleanQuery::new(
            alternatives
                .into_iter()
                .map(|q| (Occur::Should, q))
                .collect(),
        ))
    }

    fn ranked(searcher: &Searcher, query: &dyn Query) -> Vec<(f32, DocAddress)> {
        searcher
            .search(query, &TopDocs::with_limit(100).order_by_score())
            .expect("search")
    }

    /// Same documents and scores as tantivy's `Should` union, alone and intersected.
    #[test]
    fn matches_and_scores_like_a_boolean_union() {
        let (searcher, fields) = seed_searcher();
        let words = [
            "learning",
            "calorimeter",
            "neural",
            "simulation",
            "detector",
            "xyzzy",
        ];
        let mut compared = 0;
        for (index, word) in words.iter().enumerate() {
            let other = words[(index + 1) % words.len()];
            let ours: Box<dyn Query> =
                Box::new(AlternativesQuery::new(alternatives_of(word, &fields)));
            let theirs = should(alternatives_of(word, &fields));
            let both = |first: Box<dyn Query>, second: Box<dyn Query>| -> Box<dyn Query> {
                Box::new(BooleanQuery::new(vec![
                    (Occur::Must, first),
                    (Occur::Must, second),
                ]))
            };
            let other_ours: Box<dyn Query> =
                Box::new(AlternativesQuery::new(alternatives_of(other, &fields)));
            let pairs = [
                (ours.box_clone(), theirs.box_clone()),
                (
                    both(ours.box_clone(), other_ours),
                    both(theirs.box_clone(), should(alternatives_of(other, &fields))),
                ),
            ];
            for (ours, theirs) in pairs {
                let expected_docs = searcher.search(theirs.as_ref(), &DocSetCollector).unwrap();
                let found_docs = searcher.search(ours.as_ref(), &DocSetCollector).unwrap();
                assert_eq!(found_docs, expected_docs, "{word} / {other}");
                let mut expected = ranked(&searcher, theirs.as_ref());
                let mut found = ranked(&searcher, ours.as_ref());
                expected.sort_by_key(|&(_, address)| address);
                found.sort_by_key(|&(_, address)| address);
                assert_eq!(found.len(), expected.len());
                for ((score, address), (expected_score, expected_address)) in
                    found.iter().zip(&expected)
                {
                    assert_eq!(address, expected_address);
                    assert!(
                        (score - expected_score).abs() <= 1e-5 * expected_score.abs(),
                        "{word}: {score} vs {expected_score}"
                    );
                }
                compared += found.len();
            }
        }
        assert!(compared > 40, "{compared} documents compared");
    }
}

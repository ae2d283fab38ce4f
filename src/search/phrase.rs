//! Phrase queries that tantivy 0.26 can run in every build. Its `PhraseScorer::seek_danger`
//! asserts (debug builds only) that the target is not before its current document, but
//! after a miss `seek_danger` may leave a docset past the next target, and exclusion
//! (`-"is a"`) or intersection then trips the assertion: found by the `query` fuzz target,
//! `cargo test` and `cargo run` answered a 500. The wrapper's scorer keeps tantivy's default
//! `seek_danger`, which seeks only forward and never leaves the phrase scorer invalid.

use tantivy::query::{EnableScoring, Explanation, PhraseQuery, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term};

/// A [`PhraseQuery`] whose scorer is only ever seeked forward.
#[derive(Clone, Debug)]
pub struct ForwardPhraseQuery(PhraseQuery);

impl ForwardPhraseQuery {
    /// Terms at their relative positions (at least two).
    pub fn new_with_offset(terms: Vec<(usize, Term)>) -> ForwardPhraseQuery {
        ForwardPhraseQuery(PhraseQuery::new_with_offset(terms))
    }
}

impl Query for ForwardPhraseQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(ForwardWeight(self.0.weight(enable_scoring)?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor);
    }
}

struct ForwardWeight(Box<dyn Weight>);

impl Weight for ForwardWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(ForwardScorer(self.0.scorer(reader, boost)?)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

struct ForwardScorer(Box<dyn Scorer>);

impl DocSet for ForwardScorer {
    fn advance(&mut self) -> DocId {
        self.0.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.0.seek(target)
    }

    // `seek_danger` is tantivy's default: `seek` only when behind the target.

    fn doc(&self) -> DocId {
        self.0.doc()
    }

    fn size_hint(&self) -> u32 {
        self.0.size_hint()
    }
}

impl Scorer for ForwardScorer {
    fn score(&mut self) -> Score {
        self.0.score()
    }
}

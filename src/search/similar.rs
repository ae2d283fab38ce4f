//! Related talks: more-like-this over the title and abstract of one contribution, in the
//! fields of its language, excluding the contribution itself.

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, MoreLikeThisQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, OwnedValue};
use tantivy::Term;

use super::highlight::Highlighter;
use super::{make_hit, Engine, Hit, SearchError};
use crate::model::Language;

/// Most related contributions returned.
pub const MAX_SIMILAR: usize = 50;

impl Engine {
    /// Up to `limit` contributions most similar to `event/id`.
    pub fn similar(&self, event: &str, id: &str, limit: usize) -> Result<Vec<Hit>, SearchError> {
        let record = self.contribution(event, id)?;
        let languages: Vec<Language> = match record.language {
            Some(language) => vec![language],
            None => Language::ALL.to_vec(),
        };
        // The language fields drop stop words; the plain abstract would let `will`, `talk`
        // and `present` decide what is similar.
        let mut document_fields = vec![(
            self.fields.title_plain,
            vec![OwnedValue::Str(record.title.clone())],
        )];
        for language in languages {
            document_fields.push((
                self.fields.abstract_field(language),
                vec![OwnedValue::Str(record.abstract_text.clone())],
            ));
            document_fields.push((
                self.fields.title_field(language),
                vec![OwnedValue::Str(record.title.clone())],
            ));
        }
        let more_like_this = MoreLikeThisQuery::builder()
            .with_min_doc_frequency(1)
            .with_max_doc_frequency(self.document_count().max(4) / 2)
            .with_min_term_frequency(1)
            .with_min_word_length(3)
            .with_max_query_terms(30)
            .with_document_fields(document_fields);
        let itself = TermQuery::new(
            Term::from_field_text(self.fields.key, &record.key()),
            IndexRecordOption::Basic,
        );
        let query = BooleanQuery::new(vec![
            (Occur::Must, Box::new(more_like_this) as Box<dyn Query>),
            (Occur::MustNot, Box::new(itself)),
        ]);
        let searcher = self.reader.searcher();
        let limit = limit.clamp(1, MAX_SIMILAR);
        let top = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        let mut highlighter = Highlighter::new(&[], self.analyzers.clone());
        top.into_iter()
            .map(|(score, address)| {
                let record = self.stored_record::<super::HitRecord>(&searcher, address)?;
                Ok(make_hit(record, Some(score), &mut highlighter))
            })
            .collect()
    }
}

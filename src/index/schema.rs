//! The tantivy schema: one [`Fields`] struct holding every field handle, and the mapping from
//! a [`Contribution`] to a tantivy document.

use tantivy::schema::{
    Facet, FacetOptions, Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing,
    TextOptions, STORED, STRING,
};
use tantivy::TantivyDocument;

use crate::analysis;
use crate::model::{Contribution, Language};

/// Bumped whenever the schema or the analysis changes, so `serve` rebuilds stale indexes.
pub const SCHEMA_VERSION: u32 = 3;

/// Every field of the index.
#[derive(Debug, Clone)]
pub struct Fields {
    /// `event-slug/id`, the document key.
    pub key: Field,
    pub id: Field,
    /// The whole record as JSON, for display.
    pub record: Field,
    pub title_en: Field,
    pub title_fr: Field,
    pub title_plain: Field,
    pub abstract_en: Field,
    pub abstract_fr: Field,
    pub abstract_plain: Field,
    /// Names and affiliations of every person.
    pub people: Field,
    /// Speaker names only, for the `speaker` filter.
    pub speaker: Field,
    /// Theme, theme description, session, type, keywords and the input's own id.
    pub extra: Field,
    pub theme: Field,
    pub lab: Field,
    pub day: Field,
    pub language: Field,
    pub event: Field,
    pub kind: Field,
    /// Start as Unix seconds (only scheduled records), for range filters.
    pub start: Field,
    /// Programme order: start as Unix seconds, unscheduled records last.
    pub programme_order: Field,
    /// The build that wrote the document, so an update can replace an event's older
    /// documents without touching the ones it just added.
    pub build: Field,
}

impl Fields {
    /// The title field analyzed for `language`.
    pub fn title_field(&self, language: Language) -> Field {
        match language {
            Language::En => self.title_en,
            Language::Fr => self.title_fr,
        }
    }

    /// The abstract field analyzed for `language`.
    pub fn abstract_field(&self, language: Language) -> Field {
        match language {
            Language::En => self.abstract_en,
            Language::Fr => self.abstract_fr,
        }
    }

    /// Look the handles up in an opened index's schema.
    pub fn from_schema(schema: &Schema) -> tantivy::Result<Fields> {
        let get = |name: &str| schema.get_field(name);
        Ok(Fields {
            key: get("key")?,
            id: get("id")?,
            record: get("record")?,
            title_en: get("title_en")?,
            title_fr: get("title_fr")?,
            title_plain: get("title_plain")?,
            abstract_en: get("abstract_en")?,
            abstract_fr: get("abstract_fr")?,
            abstract_plain: get("abstract_plain")?,
            people: get("people")?,
            speaker: get("speaker")?,
            extra: get("extra")?,
            theme: get("theme")?,
            lab: get("lab")?,
            day: get("day")?,
            language: get("language")?,
            event: get("event")?,
            kind: get("type")?,
            start: get("start")?,
            programme_order: get("programme_order")?,
            build: get("build")?,
        })
    }
}

fn text_options(analyzer: &str) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyzer)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    )
}

/// Build the schema.
pub fn build_schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    builder.add_text_field("key", STRING | STORED);
    builder.add_u64_field("id", NumericOptions::default().set_indexed().set_fast());
    builder.add_text_field("record", STORED);
    builder.add_text_field("title_en", text_options(analysis::ENGLISH));
    builder.add_text_field("title_fr", text_options(analysis::FRENCH));
    builder.add_text_field("title_plain", text_options(analysis::PLAIN));
    builder.add_text_field("abstract_en", text_options(analysis::ENGLISH));
    builder.add_text_field("abstract_fr", text_options(analysis::FRENCH));
    builder.add_text_field("abstract_plain", text_options(analysis::PLAIN));
    builder.add_text_field("people", text_options(analysis::PLAIN));
    builder.add_text_field("speaker", text_options(analysis::PLAIN));
    builder.add_text_field("extra", text_options(analysis::PLAIN));
    for facet in ["theme", "lab", "day", "language", "event", "type"] {
        builder.add_facet_field(facet, FacetOptions::default());
    }
    builder.add_i64_field("start", NumericOptions::default().set_indexed().set_fast());
    builder.add_i64_field("programme_order", NumericOptions::default().set_fast());
    builder.add_u64_field("build", NumericOptions::default().set_indexed());
    let schema = builder.build();
    let fields = Fields::from_schema(&schema).expect("fields just added");
    (schema, fields)
}

/// A facet with a single path component; `/` inside the value is escaped, never split.
pub fn facet_value(value: &str) -> Facet {
    Facet::from_path([value])
}

/// The tantivy document of one record.
pub fn document_of(record: &Contribution, fields: &Fields) -> TantivyDocument {
    let mut document = TantivyDocument::default();
    document.add_text(fields.key, record.key());
    document.add_u64(fields.id, record.id);
    document.add_text(
        fields.record,
        serde_json::to_string(record).expect("records serialize"),
    );
    let languages: Vec<Language> = match record.language {
        Some(language) => vec![language],
        None => Language::ALL.to_vec(),
    };
    for language in languages {
        document.add_text(fields.title_field(language), &record.title);
        document.add_text(fields.abstract_field(language), &record.abstract_text);
    }
    document.add_text(fields.title_plain, &record.title);
    document.add_text(fields.abstract_plain, &record.abstract_text);
    for person in record.persons() {
        let mut text = format!("{} {}", person.first_name, person.last_name);
        if let Some(affiliation) = &person.affiliation {
            text.push_str(" (");
            text.push_str(affiliation);
            text.push(')');
        }
        document.add_text(fields.people, text);
    }
    for speaker in &record.speakers {
        document.add_text(
            fields.speaker,
            format!("{} {}", speaker.first_name, speaker.last_name),
        );
    }
    let extras = record
        .theme
        .iter()
        .chain(&record.theme_description)
        .chain(&record.session)
        .chain(&record.keywords)
        .chain(&record.external_id);
    for extra in extras {
        document.add_text(fields.extra, extra);
    }
    if let Some(theme) = &record.theme {
        document.add_facet(fields.theme, facet_value(theme));
    }
    for lab in &record.labs {
        document.add_facet(fields.lab, facet_value(lab));
    }
    if let Some(day) = record.day {
        document.add_facet(fields.day, facet_value(&day.to_string()));
    }
    if let Some(language) = record.language {
        document.add_facet(fields.language, facet_value(language.code()));
    }
    document.add_facet(fields.event, facet_value(&record.event.slug));
    if let Some(kind) = &record.kind {
        document.add_facet(fields.kind, facet_value(kind));
    }
    let start = record.start.map(|start| start.and_utc().timestamp());
    if let Some(start) = start {
        document.add_i64(fields.start, start);
    }
    document.add_i64(fields.programme_order, start.unwrap_or(i64::MAX));
    document
}

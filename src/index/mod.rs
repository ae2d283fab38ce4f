//! The index: its schema, how records become documents, how a build is written into a fresh
//! generation folder and atomically swapped in, so a failed build never destroys the index
//! that is being served.

pub mod schema;
pub mod store;

pub use schema::{build_schema, document_of, facet_value, Fields, SCHEMA_VERSION};
pub use store::{CorpusStamp, IndexStore, Manifest};

use tantivy::Index;

use crate::analysis::register_analyzers;
use crate::model::Contribution;

/// Heap given to the index writer: enough for tens of thousands of abstracts per segment.
const WRITER_HEAP_BYTES: usize = 200_000_000;

/// Write `records` into `index` (which has the crate's schema) and commit.
pub fn write_records(index: &Index, records: &[Contribution]) -> tantivy::Result<()> {
    let fields = Fields::from_schema(&index.schema())?;
    let mut writer: tantivy::IndexWriter = index.writer(WRITER_HEAP_BYTES)?;
    for record in records {
        writer.add_document(document_of(record, &fields))?;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    Ok(())
}

/// A complete in-memory index of `records` (tests, benches, `parse`-then-search tools).
pub fn build_in_ram(records: &[Contribution]) -> tantivy::Result<Index> {
    let (schema, _) = build_schema();
    let index = Index::create_in_ram(schema);
    register_analyzers(index.tokenizers());
    write_records(&index, records)?;
    Ok(index)
}

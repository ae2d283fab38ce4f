//! The index: its schema, how records become documents, how a build is written into a fresh
//! generation folder and atomically swapped in, so a failed build never destroys the index
//! that is being served.

pub mod schema;
pub mod store;

pub use schema::{build_schema, document_of, facet_value, Fields, SCHEMA_VERSION};
pub use store::{
    stamp_path, CorpusStamp, FileStamp, GenerationBuilder, IndexStore, IngestedFile, Manifest,
};

use rayon::prelude::*;
use tantivy::indexer::NoMergePolicy;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Index, IndexSettings, IndexWriter, TantivyDocument, Term};

use crate::analysis::register_analyzers;
use crate::model::Contribution;

/// Heap given to the index writer: enough for tens of thousands of abstracts per segment,
/// and the bound on what an ingest holds in memory however large its input.
const WRITER_HEAP_BYTES: usize = 200_000_000;

/// Adds records to an index. Documents are built on all cores (JSON of the record, text of
/// every field); tantivy's own threads then index them.
pub struct RecordWriter {
    writer: IndexWriter,
    fields: Fields,
    build: u64,
}

impl RecordWriter {
    /// A writer on `index` (which has the crate's schema) whose documents carry `build`.
    pub fn new(index: &Index, build: u64) -> tantivy::Result<RecordWriter> {
        let writer: IndexWriter = index.writer(WRITER_HEAP_BYTES)?;
        // No background merges: `commit` merges every segment once, with this same writer.
        writer.set_merge_policy(Box::new(NoMergePolicy));
        Ok(RecordWriter {
            fields: Fields::from_schema(&index.schema())?,
            writer,
            build,
        })
    }

    /// Add `records` (not committed yet).
    pub fn add(&self, records: &[Contribution]) -> tantivy::Result<()> {
        let documents: Vec<TantivyDocument> = records
            .par_iter()
            .map(|record| {
                let mut document = document_of(record, &self.fields);
                document.add_u64(self.fields.build, self.build);
                document
            })
            .collect();
        for document in documents {
            self.writer.add_document(document)?;
        }
        Ok(())
    }

    /// Delete the documents of the events `slugs` that earlier builds wrote; those added by
    /// this writer stay.
    pub fn delete_older_documents_of_events(&self, slugs: &[String]) -> tantivy::Result<()> {
        for slug in slugs {
            let event = Term::from_facet(self.fields.event, &facet_value(slug));
            let this_build = Term::from_field_u64(self.fields.build, self.build);
            let older: Box<dyn Query> = Box::new(BooleanQuery::new(vec![
                (
                    Occur::Must,
                    Box::new(TermQuery::new(event, IndexRecordOption::Basic)),
                ),
                (
                    Occur::MustNot,
                    Box::new(TermQuery::new(this_build, IndexRecordOption::Basic)),
                ),
            ]));
            self.writer.delete_query(older)?;
        }
        Ok(())
    }

    /// Commit, merge every segment into one, and wait for the merge, so the folder is
    /// complete when this returns. A served generation is never written again, and one
    /// segment makes every search cheaper: each segment costs a term lookup per query term, a
    /// scorer tree and union buffers (~10% of the query mix's instructions on the 50k
    /// corpus's two segments); the merge costs about 1.5 s per 50k records once. The writer
    /// has no merge policy, so no background merge competes for the segments, and it merges
    /// them itself: a second writer would take the index lock again, and that failed once
    /// (LockBusy) in the test suite, most likely while a child process forked elsewhere in
    /// the process, not yet exec'd, still held a copy of the first writer's lock descriptor.
    pub fn commit(mut self) -> tantivy::Result<()> {
        self.writer.commit()?;
        let segments = self.writer.index().searchable_segment_ids()?;
        if segments.len() > 1 {
            self.writer.merge(&segments).wait()?;
        }
        self.writer.wait_merging_threads()
    }
}

/// Write `records` into `index` (which has the crate's schema) and commit.
pub fn write_records(index: &Index, records: &[Contribution]) -> tantivy::Result<()> {
    let writer = RecordWriter::new(index, 0)?;
    writer.add(records)?;
    writer.commit()
}

/// Size of a block of the document store, before compression. A hit reads (and
/// decompresses) the whole block holding its record, and a block is closed once it holds
/// more than this: tantivy's default of 16 KiB is ten records here, 4 KiB three (4.8 kB to
/// decompress for one record of 1.6 kB), 1 KiB makes nearly every record its own block.
const DOCSTORE_BLOCK_BYTES: usize = 1_024;

/// The settings every index of ours is created with.
pub fn index_settings() -> IndexSettings {
    IndexSettings {
        docstore_blocksize: DOCSTORE_BLOCK_BYTES,
        ..IndexSettings::default()
    }
}

/// A complete in-memory index of `records` (tests, benches, `parse`-then-search tools).
pub fn build_in_ram(records: &[Contribution]) -> tantivy::Result<Index> {
    let (schema, _) = build_schema();
    let index = Index::builder()
        .schema(schema)
        .settings(index_settings())
        .create_in_ram()?;
    register_analyzers(index.tokenizers());
    write_records(&index, records)?;
    Ok(index)
}

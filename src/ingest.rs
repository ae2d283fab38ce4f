//! Ingestion of a corpus folder: read every file (format detected from content), detect each
//! record's language, build a new index generation and swap it in. Produces a report of what
//! was taken and what was skipped, file by file.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::analysis::annotate_languages;
use crate::corpus::{self, labs::LabTableError, Format, LabTable, Warning};
use crate::index::store::StoreError;
use crate::index::{CorpusStamp, IndexStore};
use crate::model::Contribution;

/// The lab alias table inside a corpus folder.
pub const LABS_FILE: &str = "labs.toml";
/// The query synonyms table inside a corpus folder (read at query time, not indexed).
pub const SYNONYMS_FILE: &str = "synonyms.toml";

/// Why an ingest could not run at all (single bad files are reported, not errors).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("corpus folder {path}: {source}")]
    Corpus {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Labs(#[from] LabTableError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What happened to one input file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub path: String,
    /// `None` when the file could not be read or recognised.
    pub format: Option<Format>,
    pub records: usize,
    /// Records skipped and other problems, each `file:line: reason`.
    pub warnings: Vec<Warning>,
    /// Why the whole file was skipped, if it was.
    pub error: Option<String>,
}

/// What an ingest did.
#[derive(Debug, Clone, Serialize)]
pub struct IngestReport {
    pub corpus: String,
    pub files: Vec<FileReport>,
    /// Records indexed.
    pub records: usize,
    /// Warnings over all files.
    pub warnings: usize,
    /// Files skipped whole.
    pub failed_files: usize,
    pub seconds: f64,
    /// Generation folder written, when an index was built.
    pub generation: Option<String>,
}

impl IngestReport {
    /// True when anything was skipped or warned about.
    pub fn is_clean(&self) -> bool {
        self.warnings == 0 && self.failed_files == 0
    }
}

/// The files whose change means the index is stale: inputs and configuration.
fn stamped_files(corpus_dir: &Path) -> Result<Vec<PathBuf>, IngestError> {
    let mut files = corpus::corpus_files(corpus_dir).map_err(|source| IngestError::Corpus {
        path: corpus_dir.display().to_string(),
        source,
    })?;
    files.push(corpus_dir.join(LABS_FILE));
    Ok(files)
}

/// The stamp of a corpus folder as it is now.
pub fn corpus_stamp(corpus_dir: &Path) -> Result<CorpusStamp, IngestError> {
    Ok(CorpusStamp::of_files(&stamped_files(corpus_dir)?))
}

/// Read and parse every file of a corpus folder, without indexing.
pub fn load_corpus(corpus_dir: &Path) -> Result<(Vec<Contribution>, Vec<FileReport>), IngestError> {
    let labs = LabTable::load(&corpus_dir.join(LABS_FILE))?;
    let files = corpus::corpus_files(corpus_dir).map_err(|source| IngestError::Corpus {
        path: corpus_dir.display().to_string(),
        source,
    })?;
    load_files(&files, &labs)
}

/// Read and parse the given files. Records whose (event, id) was already taken from an
/// earlier file are reported and skipped.
pub fn load_files(
    files: &[PathBuf],
    labs: &LabTable,
) -> Result<(Vec<Contribution>, Vec<FileReport>), IngestError> {
    let mut records = Vec::new();
    let mut reports = Vec::new();
    let mut keys = HashSet::new();
    for path in files {
        match corpus::read_file(path, labs) {
            Ok(parsed) => {
                let mut warnings = parsed.warnings;
                let mut taken = 0;
                for record in parsed.records {
                    if keys.insert(record.key()) {
                        records.push(record);
                        taken += 1;
                    } else {
                        warnings.push(Warning {
                            file: record.source.file.clone(),
                            line: record.source.line,
                            message: format!(
                                "contribution {} of event `{}` was already read from another file, record skipped",
                                record.id, record.event.slug
                            ),
                        });
                    }
                }
                reports.push(FileReport {
                    path: parsed.path,
                    format: Some(parsed.format),
                    records: taken,
                    warnings,
                    error: None,
                });
            }
            Err(error) => reports.push(FileReport {
                path: path.display().to_string(),
                format: None,
                records: 0,
                warnings: Vec::new(),
                error: Some(error.to_string()),
            }),
        }
    }
    annotate_languages(&mut records);
    Ok((records, reports))
}

/// Parse the corpus and build a new index generation from it.
pub fn ingest(corpus_dir: &Path, store: &IndexStore) -> Result<IngestReport, IngestError> {
    let started = Instant::now();
    let stamp = corpus_stamp(corpus_dir)?;
    let (records, files) = load_corpus(corpus_dir)?;
    let generation = store.build(&records, stamp)?;
    let warnings = files.iter().map(|f| f.warnings.len()).sum();
    let failed_files = files.iter().filter(|f| f.error.is_some()).count();
    let report = IngestReport {
        corpus: corpus_dir.display().to_string(),
        records: records.len(),
        files,
        warnings,
        failed_files,
        seconds: started.elapsed().as_secs_f64(),
        generation: Some(generation.display().to_string()),
    };
    tracing::info!(
        corpus = %report.corpus,
        records = report.records,
        warnings = report.warnings,
        failed_files = report.failed_files,
        seconds = report.seconds,
        "ingest finished"
    );
    Ok(report)
}

/// Build the index when it is missing or was built from other inputs; `None` when it was
/// up to date.
pub fn ensure_index(
    corpus_dir: &Path,
    store: &IndexStore,
) -> Result<Option<IngestReport>, IngestError> {
    let stamp = corpus_stamp(corpus_dir)?;
    if !store.is_stale(&stamp) {
        return Ok(None);
    }
    ingest(corpus_dir, store).map(Some)
}

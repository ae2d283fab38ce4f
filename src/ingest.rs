//! Ingestion: read input files (format detected from content), detect each record's language
//! and write the records into a new index generation, then swap it in. Records are streamed
//! from the readers into the index writer in batches, so memory stays bounded by the batch
//! and tantivy's writer heap, not by the corpus. Produces a report of what was taken and what
//! was skipped, file by file.
//!
//! Two ways in: [`rebuild`] indexes a whole corpus folder from scratch (what `serve` does when
//! the index is missing or stale); [`ingest_files`] updates the current index with some files,
//! each replacing the events it held before and nothing else.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::analysis::annotate_languages;
use crate::corpus::{
    self, labs::LabTableError, Format, LabTable, ReadOptions, RecordSink, Warning,
};
use crate::index::store::StoreError;
use crate::index::{
    stamp_path, CorpusStamp, FileStamp, GenerationBuilder, IndexStore, IngestedFile, Manifest,
    SCHEMA_VERSION,
};
use crate::model::Contribution;

/// The lab alias table inside a corpus folder.
pub const LABS_FILE: &str = "labs.toml";
/// The query synonyms table inside a corpus folder (read at query time, not indexed).
pub const SYNONYMS_FILE: &str = "synonyms.toml";

/// Records handed to the index writer at once (language detection runs over a batch on all
/// cores).
const BATCH_RECORDS: usize = 1_024;
/// Warnings listed per file; the rest are only counted.
pub const MAX_LISTED_WARNINGS: usize = 1_000;

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
    /// Slugs of the events its records belong to.
    pub events: Vec<String>,
    /// Records indexed.
    pub records: usize,
    /// Records dropped (each has a warning).
    pub skipped: usize,
    /// Size of the file.
    pub bytes: u64,
    /// Number of warnings, including those not listed.
    pub warning_count: usize,
    /// Records skipped and other problems, each `file:line: reason` (the first
    /// [`MAX_LISTED_WARNINGS`]).
    pub warnings: Vec<Warning>,
    /// Why the whole file was skipped, if it was.
    pub error: Option<String>,
}

impl FileReport {
    fn new(path: &Path) -> FileReport {
        FileReport {
            path: path.display().to_string(),
            format: None,
            events: Vec::new(),
            records: 0,
            skipped: 0,
            bytes: std::fs::metadata(path).map_or(0, |m| m.len()),
            warning_count: 0,
            warnings: Vec::new(),
            error: None,
        }
    }

    fn warn(&mut self, warning: Warning) {
        self.warning_count += 1;
        if warning.skipped {
            self.skipped += 1;
        }
        if self.warnings.len() < MAX_LISTED_WARNINGS {
            self.warnings.push(warning);
        }
    }
}

/// What an ingest did.
#[derive(Debug, Clone, Serialize)]
pub struct IngestReport {
    pub corpus: String,
    pub files: Vec<FileReport>,
    /// Records indexed by this run.
    pub records: usize,
    /// Records skipped over all files.
    pub skipped: usize,
    /// Warnings over all files.
    pub warnings: usize,
    /// Files skipped whole.
    pub failed_files: usize,
    /// Bytes of input read.
    pub bytes: u64,
    pub seconds: f64,
    pub records_per_second: f64,
    pub megabytes_per_second: f64,
    /// Documents in the index after the run (all events).
    pub documents: u64,
    /// Generation folder written, when an index was built.
    pub generation: Option<String>,
}

impl IngestReport {
    /// True when no record and no file was skipped (notes about ignored fields do not count).
    pub fn is_clean(&self) -> bool {
        self.skipped == 0 && self.failed_files == 0
    }

    fn new(corpus: &Path, files: Vec<FileReport>, started: Instant) -> IngestReport {
        let seconds = started.elapsed().as_secs_f64();
        let records = files.iter().map(|f| f.records).sum();
        let bytes = files.iter().map(|f| f.bytes).sum();
        let per_second = |amount: f64| if seconds > 0.0 { amount / seconds } else { 0.0 };
        IngestReport {
            corpus: corpus.display().to_string(),
            records,
            skipped: files.iter().map(|f| f.skipped).sum(),
            warnings: files.iter().map(|f| f.warning_count).sum(),
            failed_files: files.iter().filter(|f| f.error.is_some()).count(),
            bytes,
            seconds,
            records_per_second: per_second(records as f64),
            megabytes_per_second: per_second(bytes as f64 / 1e6),
            documents: 0,
            generation: None,
            files,
        }
    }
}

/// Told how far an ingest is (a progress bar in the CLI). Every method has a no-op default.
pub trait IngestProgress {
    /// The ingest will read `total_bytes` over all files.
    fn begin(&self, _total_bytes: u64) {}
    /// Reading `path` starts.
    fn file(&self, _path: &Path) {}
    /// `bytes` more were read.
    fn advance(&self, _bytes: u64) {}
    /// Reading is over (committing follows).
    fn end(&self) {}
}

/// No progress reporting.
pub struct Quiet;

impl IngestProgress for Quiet {}

/// The files whose change means the index is stale: inputs and configuration.
fn stamped_files(corpus_dir: &Path) -> Result<Vec<PathBuf>, IngestError> {
    let mut files = corpus_inputs(corpus_dir)?;
    files.push(corpus_dir.join(LABS_FILE));
    Ok(files)
}

fn corpus_inputs(corpus_dir: &Path) -> Result<Vec<PathBuf>, IngestError> {
    corpus::corpus_files(corpus_dir).map_err(|source| IngestError::Corpus {
        path: corpus_dir.display().to_string(),
        source,
    })
}

/// The stamp of a corpus folder as it is now.
pub fn corpus_stamp(corpus_dir: &Path) -> Result<CorpusStamp, IngestError> {
    Ok(CorpusStamp::of_files(&stamped_files(corpus_dir)?))
}

/// Read and parse every file of a corpus folder, without indexing.
pub fn load_corpus(corpus_dir: &Path) -> Result<(Vec<Contribution>, Vec<FileReport>), IngestError> {
    let labs = LabTable::load(&corpus_dir.join(LABS_FILE))?;
    load_files(&corpus_inputs(corpus_dir)?, &labs)
}

/// Read and parse the given files into memory, with languages detected. Records whose
/// (event, id) was already taken from an earlier file are reported and skipped.
pub fn load_files(
    files: &[PathBuf],
    labs: &LabTable,
) -> Result<(Vec<Contribution>, Vec<FileReport>), IngestError> {
    load_files_with(files, &ReadOptions::default(), labs)
}

/// [`load_files`] with per-file options (event override).
pub fn load_files_with(
    files: &[PathBuf],
    options: &ReadOptions,
    labs: &LabTable,
) -> Result<(Vec<Contribution>, Vec<FileReport>), IngestError> {
    let mut records = Vec::new();
    let mut reports = Vec::new();
    let mut keys = HashSet::new();
    for path in files {
        let mut sink = KeepNew {
            keys: &mut keys,
            records: &mut records,
            report: FileReport::new(path),
            events: BTreeSet::new(),
        };
        match corpus::read_into(path, options, labs, &mut sink) {
            Ok(format) => sink.report.format = Some(format),
            Err(error) => sink.report.error = Some(error.to_string()),
        }
        let mut report = sink.report;
        report.events = sink.events.into_iter().collect();
        reports.push(report);
    }
    annotate_languages(&mut records);
    Ok((records, reports))
}

/// The warning for a record whose key an earlier file (or line) already gave.
fn duplicate_warning(record: &Contribution) -> Warning {
    Warning::skipped(
        &record.source.file,
        record.source.line,
        format!(
            "contribution {} of event `{}` was already read, record skipped",
            record.id, record.event.slug
        ),
    )
}

/// Claim `record`'s (event, id) key for this ingest and note its event; a key already taken by
/// an earlier file is reported and the record is to be dropped (`false`).
fn take_key(
    keys: &mut HashSet<String>,
    events: &mut BTreeSet<String>,
    report: &mut FileReport,
    record: &Contribution,
) -> bool {
    if !keys.insert(record.key()) {
        report.warn(duplicate_warning(record));
        return false;
    }
    if !events.contains(&record.event.slug) {
        events.insert(record.event.slug.clone());
    }
    true
}

/// Collects the records of one file whose key is new.
struct KeepNew<'a> {
    keys: &'a mut HashSet<String>,
    records: &'a mut Vec<Contribution>,
    report: FileReport,
    events: BTreeSet<String>,
}

impl RecordSink for KeepNew<'_> {
    fn record(&mut self, record: Contribution) {
        if !take_key(self.keys, &mut self.events, &mut self.report, &record) {
            return;
        }
        self.report.records += 1;
        self.records.push(record);
    }

    fn warning(&mut self, warning: Warning) {
        self.report.warn(warning);
    }
}

/// Streams the records of one file into a generation, a batch at a time.
struct IndexingSink<'a> {
    builder: &'a GenerationBuilder,
    keys: &'a mut HashSet<String>,
    progress: &'a dyn IngestProgress,
    batch: Vec<Contribution>,
    report: FileReport,
    events: BTreeSet<String>,
    /// Events another file owns in this build (event → that file): records in them are left
    /// out, counted per event in `left_out`.
    owned_elsewhere: &'a HashMap<String, String>,
    left_out: BTreeMap<String, usize>,
    error: Option<StoreError>,
}

impl IndexingSink<'_> {
    fn flush(&mut self) {
        if self.batch.is_empty() || self.error.is_some() {
            self.batch.clear();
            return;
        }
        annotate_languages(&mut self.batch);
        match self.builder.add(&self.batch) {
            Ok(()) => self.report.records += self.batch.len(),
            Err(error) => self.error = Some(error),
        }
        self.batch.clear();
    }
}

impl RecordSink for IndexingSink<'_> {
    fn record(&mut self, record: Contribution) {
        if self.owned_elsewhere.contains_key(&record.event.slug) {
            *self.left_out.entry(record.event.slug).or_default() += 1;
            return;
        }
        if !take_key(self.keys, &mut self.events, &mut self.report, &record) {
            return;
        }
        self.batch.push(record);
        if self.batch.len() >= BATCH_RECORDS {
            self.flush();
        }
    }

    fn warning(&mut self, warning: Warning) {
        self.report.warn(warning);
    }

    fn progress(&mut self, bytes: u64) {
        self.progress.advance(bytes);
    }
}

/// Read `path` into `builder`; the file's report and the events its records belong to.
/// Records of the events in `owned_elsewhere` are left out, with one note per event.
fn index_file(
    path: &Path,
    options: &ReadOptions,
    labs: &LabTable,
    builder: &GenerationBuilder,
    keys: &mut HashSet<String>,
    owned_elsewhere: &HashMap<String, String>,
    progress: &dyn IngestProgress,
) -> Result<FileReport, IngestError> {
    progress.file(path);
    let mut sink = IndexingSink {
        builder,
        keys,
        progress,
        batch: Vec::with_capacity(BATCH_RECORDS),
        report: FileReport::new(path),
        events: BTreeSet::new(),
        owned_elsewhere,
        left_out: BTreeMap::new(),
        error: None,
    };
    let result = corpus::read_into(path, options, labs, &mut sink);
    sink.flush();
    if let Some(error) = sink.error {
        return Err(error.into());
    }
    let mut report = sink.report;
    report.events = sink.events.into_iter().collect();
    for (event, count) in sink.left_out {
        let owner = &owned_elsewhere[&event];
        report.warn(Warning::note(
            &report.path.clone(),
            1,
            format!(
                "{count} records of event `{event}` left out: {owner}, added with `ingest FILE`, replaces that event"
            ),
        ));
    }
    match result {
        Ok(format) => report.format = Some(format),
        Err(error) => {
            tracing::warn!(file = %path.display(), error = %error, "file skipped");
            report.error = Some(error.to_string());
        }
    }
    Ok(report)
}

fn total_bytes(files: &[PathBuf]) -> u64 {
    files
        .iter()
        .filter_map(|path| std::fs::metadata(path).ok())
        .map(|metadata| metadata.len())
        .sum()
}

fn log_report(report: &IngestReport) {
    tracing::info!(
        corpus = %report.corpus,
        records = report.records,
        skipped = report.skipped,
        warnings = report.warnings,
        failed_files = report.failed_files,
        documents = report.documents,
        seconds = report.seconds,
        records_per_second = report.records_per_second,
        "ingest finished"
    );
}

/// Parse the corpus and build a new index generation from it.
pub fn ingest(corpus_dir: &Path, store: &IndexStore) -> Result<IngestReport, IngestError> {
    rebuild(corpus_dir, store, &Quiet)
}

/// Build a new generation from scratch: every file of the corpus folder, plus the files
/// outside it that were added with [`ingest_files`]. As with `ingest FILE`, such a file
/// replaces the events it holds: it is read first, and corpus records in its events are
/// left out (with a note). A remembered file that no longer exists is reported as a failed
/// file naming it, and forgotten.
pub fn rebuild(
    corpus_dir: &Path,
    store: &IndexStore,
    progress: &dyn IngestProgress,
) -> Result<IngestReport, IngestError> {
    let started = Instant::now();
    let labs = LabTable::load(&corpus_dir.join(LABS_FILE))?;
    let stamp = corpus_stamp(corpus_dir)?;
    let corpus_files = corpus_inputs(corpus_dir)?;
    let known: HashSet<String> = corpus_files.iter().map(|path| stamp_path(path)).collect();
    let (extras, missing): (Vec<FileStamp>, Vec<FileStamp>) = store
        .current_manifest()
        .map(|manifest| manifest.extra)
        .unwrap_or_default()
        .into_iter()
        .filter(|extra| !known.contains(&extra.path))
        .partition(|extra| Path::new(&extra.path).is_file());
    let extra_paths: Vec<PathBuf> = extras.iter().map(|e| PathBuf::from(&e.path)).collect();
    let missing_paths: Vec<PathBuf> = missing.iter().map(|e| PathBuf::from(&e.path)).collect();

    let builder = store.begin(false)?;
    let all_inputs: Vec<PathBuf> = extra_paths.iter().chain(&corpus_files).cloned().collect();
    progress.begin(total_bytes(&all_inputs));
    let mut keys = HashSet::new();
    let mut extra_reports = Vec::with_capacity(extra_paths.len());
    let mut owned_by_extras: HashMap<String, String> = HashMap::new();
    for (path, stamp) in extra_paths.iter().zip(&extras) {
        // Read as `ingest FILE` read it, with its `--event` and `--mapping`.
        let options = ReadOptions {
            event_title: stamp.event_title.clone(),
            mapping: stamp.mapping.as_ref().map(PathBuf::from),
        };
        let report = index_file(
            path,
            &options,
            &labs,
            &builder,
            &mut keys,
            &owned_by_extras,
            progress,
        )?;
        for event in &report.events {
            owned_by_extras
                .entry(event.clone())
                .or_insert_with(|| report.path.clone());
        }
        extra_reports.push(report);
    }
    let mut reports = Vec::with_capacity(corpus_files.len() + extra_paths.len());
    for path in &corpus_files {
        reports.push(index_file(
            path,
            &ReadOptions::default(),
            &labs,
            &builder,
            &mut keys,
            &owned_by_extras,
            progress,
        )?);
    }
    progress.end();
    reports.extend(extra_reports);
    for path in &missing_paths {
        tracing::warn!(file = %path.display(), "file added with `ingest FILE` no longer exists; its records are no longer indexed");
        let mut report = FileReport::new(path);
        report.error = Some(format!(
            "{}: added with `ingest FILE` but no longer exists; its records are no longer indexed",
            path.display()
        ));
        reports.push(report);
    }
    let extra: Vec<FileStamp> = extras
        .into_iter()
        .filter_map(|old| {
            FileStamp::of(Path::new(&old.path)).map(|now| FileStamp {
                event_title: old.event_title,
                mapping: old.mapping,
                ..now
            })
        })
        .collect();
    let ingested = ingested_files(&reports);
    let generation = builder.finish(stamp, extra, ingested)?;
    let mut report = IngestReport::new(corpus_dir, reports, started);
    report.documents = store.current_manifest().map_or(0, |m| m.documents);
    report.generation = Some(generation.display().to_string());
    log_report(&report);
    Ok(report)
}

fn ingested_files(reports: &[FileReport]) -> Vec<IngestedFile> {
    reports
        .iter()
        .filter(|report| report.error.is_none())
        .map(|report| IngestedFile {
            path: stamp_path(Path::new(&report.path)),
            events: report.events.clone(),
            records: report.records as u64,
        })
        .collect()
}

fn is_inside(path: &str, dir: &str) -> bool {
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.starts_with(std::path::MAIN_SEPARATOR))
}

/// Update the current generation with `files`: each file's records replace the events it
/// held before and the events its records name now; every other event is kept. `options`
/// apply to each of the files. Labs come from the corpus folder's `labs.toml`.
pub fn ingest_files(
    files: &[PathBuf],
    options: &ReadOptions,
    corpus_dir: &Path,
    store: &IndexStore,
    progress: &dyn IngestProgress,
) -> Result<IngestReport, IngestError> {
    let started = Instant::now();
    // Into an index that does not exist yet, the files come on top of the corpus, as they
    // would into the default index: without this the new index held the files alone.
    let base_reports = if store.current_generation().is_none() {
        rebuild(corpus_dir, store, progress)?.files
    } else {
        Vec::new()
    };
    let labs = LabTable::load(&corpus_dir.join(LABS_FILE))?;
    let previous: Option<Manifest> = store
        .current_manifest()
        .filter(|manifest| manifest.stamp.schema_version == SCHEMA_VERSION);
    if previous.is_none() && store.current_generation().is_some() {
        tracing::warn!(
            index = %store.root().display(),
            "the current index was built by another version; the new one holds only these files"
        );
    }
    let builder = store.begin(previous.is_some())?;
    let Manifest {
        mut stamp,
        mut extra,
        files: mut ingested,
        ..
    } = previous.unwrap_or_else(|| Manifest {
        stamp: CorpusStamp::of_files(&[]),
        documents: 0,
        built_at_ms: 0,
        extra: Vec::new(),
        files: Vec::new(),
    });

    progress.begin(total_bytes(files));
    let corpus_root = stamp_path(corpus_dir);
    let mut keys = HashSet::new();
    let mut reports = Vec::with_capacity(files.len());
    for path in files {
        let mut report = index_file(
            path,
            options,
            &labs,
            &builder,
            &mut keys,
            &HashMap::new(),
            progress,
        )?;
        if report.error.is_none() {
            let absolute = stamp_path(path);
            let mut replaced: BTreeSet<String> = report.events.iter().cloned().collect();
            if let Some(position) = ingested.iter().position(|file| file.path == absolute) {
                replaced.extend(ingested.remove(position).events);
            }
            // An event is replaced whole: say so when another file had records in it.
            for other in &mut ingested {
                let shared: Vec<String> = other
                    .events
                    .iter()
                    .filter(|event| replaced.contains(*event))
                    .cloned()
                    .collect();
                for event in &shared {
                    report.warn(Warning::note(
                        &report.path.clone(),
                        1,
                        format!(
                            "event `{event}` also held records of {}; they were replaced by this file's",
                            other.path
                        ),
                    ));
                }
                other.events.retain(|event| !shared.contains(event));
            }
            builder.replace_events(&replaced.into_iter().collect::<Vec<_>>())?;
            ingested.push(IngestedFile {
                path: absolute.clone(),
                events: report.events.clone(),
                records: report.records as u64,
            });
            if let Some(file_stamp) = FileStamp::of(path) {
                if is_inside(&absolute, &corpus_root) {
                    stamp.update(file_stamp);
                } else {
                    extra.retain(|e| e.path != absolute);
                    extra.push(FileStamp {
                        event_title: options.event_title.clone(),
                        mapping: options.mapping.as_deref().map(stamp_path),
                        ..file_stamp
                    });
                }
            }
        }
        reports.push(report);
    }
    progress.end();
    let generation = builder.finish(stamp, extra, ingested)?;
    let reports = base_reports.into_iter().chain(reports).collect();
    let mut report = IngestReport::new(corpus_dir, reports, started);
    report.documents = store.current_manifest().map_or(0, |m| m.documents);
    report.generation = Some(generation.display().to_string());
    log_report(&report);
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

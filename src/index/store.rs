//! The index folder on disk. Each build goes into its own generation folder
//! (`gen-<unix-ms>-<pid>`) with a `manifest.json` written last; the symlink `current` names
//! the generation being served and is replaced atomically (rename of a new symlink over it).
//!
//! Crash safety, whatever point a build is killed at: a generation without its manifest is
//! never made current, so `current` always names a complete index; the swap is one rename;
//! readers holding an older generation keep working. Builds take an exclusive lock on
//! `.build.lock` (released by the kernel when the process dies), so two builds never delete
//! each other's work, and each build removes what killed builds left behind. The current
//! and the newest previous *complete* generation are kept; older ones are removed.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tantivy::Index;

use super::{build_schema, RecordWriter, SCHEMA_VERSION};
use crate::analysis::register_analyzers;
use crate::model::Contribution;

const CURRENT: &str = "current";
const MANIFEST: &str = "manifest.json";
const BUILD_LOCK: &str = ".build.lock";
const GENERATION_PREFIX: &str = "gen-";
const TEMPORARY_LINK_PREFIX: &str = ".current-";

/// Size and modification time of one input file: a change to either means a rebuild.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    pub path: String,
    pub len: u64,
    pub modified_ns: u128,
    /// For a file added with `ingest FILE --event TITLE`: the title, so a rebuild reads it
    /// the same way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_title: Option<String>,
    /// For a file added with `ingest FILE --mapping M`: the mapping file (absolute).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<String>,
}

/// What a build was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorpusStamp {
    pub schema_version: u32,
    pub files: Vec<FileStamp>,
}

impl CorpusStamp {
    /// Stamp the given input and configuration files (missing files are simply absent).
    pub fn of_files(paths: &[PathBuf]) -> CorpusStamp {
        let mut files: Vec<FileStamp> = paths
            .iter()
            .filter_map(|path| FileStamp::of(path))
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.dedup_by(|a, b| a.path == b.path);
        CorpusStamp {
            schema_version: SCHEMA_VERSION,
            files,
        }
    }

    /// Record `file` as it is now, replacing an older stamp of the same path.
    pub fn update(&mut self, file: FileStamp) {
        match self.files.binary_search_by(|f| f.path.cmp(&file.path)) {
            Ok(index) => self.files[index] = file,
            Err(index) => self.files.insert(index, file),
        }
    }
}

impl FileStamp {
    /// The stamp of one file as it is now (`None` when it does not exist). The path is made
    /// absolute, so `corpus/x.md` and `./corpus/x.md` are one file.
    pub fn of(path: &Path) -> Option<FileStamp> {
        let metadata = std::fs::metadata(path).ok()?;
        let modified_ns = metadata
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        Some(FileStamp {
            path: stamp_path(path),
            len: metadata.len(),
            modified_ns,
            event_title: None,
            mapping: None,
        })
    }
}

/// The absolute form of `path` under which stamps and manifests know a file.
pub fn stamp_path(path: &Path) -> String {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// What one input file put into a generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IngestedFile {
    /// The absolute path ([`stamp_path`]).
    pub path: String,
    /// Slugs of the events its records belong to.
    pub events: Vec<String>,
    pub records: u64,
}

/// Written beside each generation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// The corpus folder's inputs the generation reflects (a change means a rebuild).
    pub stamp: CorpusStamp,
    pub documents: u64,
    /// Unix milliseconds of the build.
    pub built_at_ms: u128,
    /// Input files outside the corpus folder that were ingested on their own
    /// (`ingest FILE`); a full rebuild reads them again.
    #[serde(default)]
    pub extra: Vec<FileStamp>,
    /// Every input file that is in the generation, with its events.
    #[serde(default)]
    pub files: Vec<IngestedFile>,
}

/// Errors of the index folder.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("index folder {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("index in {path}: {source}")]
    Tantivy {
        path: String,
        #[source]
        source: tantivy::TantivyError,
    },
    #[error("index folder {path} has no built index yet (run `abstract-search ingest`)")]
    Missing { path: String },
}

/// An index folder holding generations.
#[derive(Debug, Clone)]
pub struct IndexStore {
    root: PathBuf,
}

impl IndexStore {
    /// The store rooted at `root` (created on first build).
    pub fn new(root: impl Into<PathBuf>) -> IndexStore {
        IndexStore { root: root.into() }
    }

    /// The folder this store lives in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn io_error(&self, path: &Path) -> impl FnOnce(std::io::Error) -> StoreError {
        let path = path.display().to_string();
        move |source| StoreError::Io { path, source }
    }

    /// The generation folder `current` points at, if any.
    pub fn current_generation(&self) -> Option<PathBuf> {
        let link = self.root.join(CURRENT);
        let target = std::fs::read_link(&link).ok()?;
        let generation = self.root.join(target);
        generation.join(MANIFEST).is_file().then_some(generation)
    }

    /// The manifest of the current generation.
    pub fn current_manifest(&self) -> Option<Manifest> {
        let generation = self.current_generation()?;
        let text = std::fs::read_to_string(generation.join(MANIFEST)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// True when there is no current generation or it was built from other inputs.
    pub fn is_stale(&self, stamp: &CorpusStamp) -> bool {
        self.current_manifest()
            .is_none_or(|manifest| &manifest.stamp != stamp)
    }

    /// Open the current generation with the analyzers registered.
    pub fn open_current(&self) -> Result<(Index, PathBuf), StoreError> {
        let generation = self
            .current_generation()
            .ok_or_else(|| StoreError::Missing {
                path: self.root.display().to_string(),
            })?;
        let index = Index::open_in_dir(&generation).map_err(|source| StoreError::Tantivy {
            path: generation.display().to_string(),
            source,
        })?;
        register_analyzers(index.tokenizers());
        Ok((index, generation))
    }

    /// Build `records` into a new generation and make it current. Blocking: call it off the
    /// async runtime. On error the current generation is untouched.
    pub fn build(
        &self,
        records: &[Contribution],
        stamp: CorpusStamp,
    ) -> Result<PathBuf, StoreError> {
        let builder = self.begin(false)?;
        builder.add(records)?;
        builder.finish(stamp, Vec::new(), Vec::new())
    }

    /// Start a new generation: empty, or (`from_current`) holding what the current one
    /// holds. Its segment files are hard links, since tantivy never changes a written file.
    /// Nothing is visible until [`GenerationBuilder::finish`]; dropping the builder removes
    /// the folder.
    /// Waits while another process builds into the same folder.
    pub fn begin(&self, from_current: bool) -> Result<GenerationBuilder, StoreError> {
        std::fs::create_dir_all(&self.root).map_err(self.io_error(&self.root))?;
        let lock_path = self.root.join(BUILD_LOCK);
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(self.io_error(&lock_path))?;
        lock.lock().map_err(self.io_error(&lock_path))?;
        // Holding the lock, nobody else is building: anything unfinished is a crash leftover.
        self.remove_leftovers();
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let mut name = format!("{GENERATION_PREFIX}{now_ms}-{}", std::process::id());
        let mut suffix = 0;
        while self.root.join(&name).exists() {
            suffix += 1;
            name = format!(
                "{GENERATION_PREFIX}{now_ms}-{}-{suffix}",
                std::process::id()
            );
        }
        let generation = self.root.join(&name);
        let base = if from_current {
            self.current_generation()
        } else {
            None
        };
        let mut builder = GenerationBuilder {
            store: self.clone(),
            name,
            path: generation.clone(),
            writer: None,
            built_at_ms: now_ms,
            finished: false,
            _lock: lock,
        };
        std::fs::create_dir_all(&generation).map_err(self.io_error(&generation))?;
        let tantivy_error = |source| StoreError::Tantivy {
            path: generation.display().to_string(),
            source,
        };
        let index = match base {
            Some(base) => {
                link_index_files(&base, &generation).map_err(self.io_error(&generation))?;
                Index::open_in_dir(&generation).map_err(tantivy_error)?
            }
            None => {
                let (schema, _) = build_schema();
                Index::builder()
                    .schema(schema)
                    .settings(super::index_settings())
                    .create_in_dir(&generation)
                    .map_err(tantivy_error)?
            }
        };
        register_analyzers(index.tokenizers());
        let build_marker = u64::try_from(now_ms).unwrap_or(u64::MAX);
        builder.writer = Some(RecordWriter::new(&index, build_marker).map_err(tantivy_error)?);
        Ok(builder)
    }

    /// Replace the `current` symlink atomically.
    fn point_current_at(&self, name: &str) -> Result<(), StoreError> {
        let temporary = self
            .root
            .join(format!("{TEMPORARY_LINK_PREFIX}{}", std::process::id()));
        let _ = std::fs::remove_file(&temporary);
        std::os::unix::fs::symlink(name, &temporary).map_err(self.io_error(&temporary))?;
        let link = self.root.join(CURRENT);
        std::fs::rename(&temporary, &link).map_err(|error| {
            let _ = std::fs::remove_file(&temporary);
            StoreError::Io {
                path: link.display().to_string(),
                source: error,
            }
        })?;
        sync_dir(&self.root);
        Ok(())
    }

    /// Generation folder names, oldest first, with whether each is complete (has its
    /// manifest).
    fn generations(&self) -> Vec<(String, bool)> {
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return Vec::new();
        };
        let mut generations: Vec<(String, bool)> = entries
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| name.starts_with(GENERATION_PREFIX))
            .map(|name| {
                let complete = self.root.join(&name).join(MANIFEST).is_file();
                (name, complete)
            })
            .collect();
        generations.sort_by_key(|(name, _)| (generation_time(name), name.clone()));
        generations
    }

    /// What killed builds leave: generations without a manifest and temporary links. Only
    /// called with the build lock held.
    fn remove_leftovers(&self) {
        let current = self.current_generation();
        for (name, complete) in self.generations() {
            let path = self.root.join(&name);
            if !complete && current.as_ref() != Some(&path) {
                tracing::info!(generation = %path.display(), "removing an unfinished generation left by an interrupted build");
                let _ = std::fs::remove_dir_all(path);
            }
        }
        if let Ok(entries) = std::fs::read_dir(&self.root) {
            for entry in entries.flatten() {
                if entry
                    .file_name()
                    .to_str()
                    .is_some_and(|name| name.starts_with(TEMPORARY_LINK_PREFIX))
                {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
    }

    /// Keep the current and the newest previous complete generation (a running `serve` may
    /// still be answering from it); remove the others.
    fn remove_old_generations(&self, current: &str) {
        let mut previous_kept = false;
        for (name, complete) in self.generations().into_iter().rev() {
            if name == current {
                continue;
            }
            if complete && !previous_kept {
                previous_kept = true;
                continue;
            }
            let _ = std::fs::remove_dir_all(self.root.join(name));
        }
    }
}

/// A generation being written (see [`IndexStore::begin`]).
pub struct GenerationBuilder {
    store: IndexStore,
    name: String,
    path: PathBuf,
    writer: Option<RecordWriter>,
    built_at_ms: u128,
    finished: bool,
    /// The build lock, held until the builder is finished or dropped (declared last, so it
    /// is released after `drop` removed an unfinished folder).
    _lock: std::fs::File,
}

impl GenerationBuilder {
    /// The folder being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn tantivy_error(&self) -> impl FnOnce(tantivy::TantivyError) -> StoreError {
        let path = self.path.display().to_string();
        move |source| StoreError::Tantivy { path, source }
    }

    fn writer(&self) -> &RecordWriter {
        self.writer.as_ref().expect("writer lives until finish")
    }

    /// Add records.
    pub fn add(&self, records: &[Contribution]) -> Result<(), StoreError> {
        self.writer().add(records).map_err(self.tantivy_error())
    }

    /// Remove what earlier generations held of the events `slugs` (what this builder added
    /// stays): re-ingesting a file replaces its events and nothing else.
    pub fn replace_events(&self, slugs: &[String]) -> Result<(), StoreError> {
        self.writer()
            .delete_older_documents_of_events(slugs)
            .map_err(self.tantivy_error())
    }

    /// Commit, write the manifest and make this generation current.
    pub fn finish(
        mut self,
        stamp: CorpusStamp,
        extra: Vec<FileStamp>,
        files: Vec<IngestedFile>,
    ) -> Result<PathBuf, StoreError> {
        let writer = self.writer.take().expect("writer lives until finish");
        writer.commit().map_err(self.tantivy_error())?;
        let index = Index::open_in_dir(&self.path).map_err(self.tantivy_error())?;
        let documents = index
            .reader()
            .map_err(self.tantivy_error())?
            .searcher()
            .num_docs();
        let manifest = Manifest {
            stamp,
            documents,
            built_at_ms: self.built_at_ms,
            extra,
            files,
        };
        let manifest_path = self.path.join(MANIFEST);
        let text = serde_json::to_string_pretty(&manifest).expect("manifest serializes");
        // Written last and flushed to disk: its presence means the generation is complete.
        let write_manifest = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&manifest_path)?;
            std::io::Write::write_all(&mut file, text.as_bytes())?;
            file.sync_all()
        };
        write_manifest().map_err(self.store.io_error(&manifest_path))?;
        sync_dir(&self.path);
        self.store.point_current_at(&self.name)?;
        self.finished = true;
        self.store.remove_old_generations(&self.name);
        Ok(self.path.clone())
    }
}

impl Drop for GenerationBuilder {
    fn drop(&mut self) {
        if !self.finished {
            self.writer.take();
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Give `to` the index files of `from`: hard links for the immutable segment files, copies
/// of the metadata that tantivy rewrites. Lock files and our manifest are left behind.
fn link_index_files(from: &Path, to: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if !entry.file_type()?.is_file() {
            continue;
        }
        let name = entry.file_name();
        let Some(name_text) = name.to_str() else {
            continue;
        };
        if name_text == MANIFEST || name_text.ends_with(".lock") {
            continue;
        }
        let target = to.join(&name);
        let is_metadata = name_text == "meta.json" || name_text.starts_with('.');
        if is_metadata || std::fs::hard_link(entry.path(), &target).is_err() {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

fn generation_time(name: &str) -> u128 {
    name.trim_start_matches(GENERATION_PREFIX)
        .split('-')
        .next()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(0)
}

fn sync_dir(path: &Path) {
    if let Ok(dir) = std::fs::File::open(path) {
        let _ = dir.sync_all();
    }
}

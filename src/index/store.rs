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

use super::{build_schema, write_records, SCHEMA_VERSION};
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
            .filter_map(|path| {
                let metadata = std::fs::metadata(path).ok()?;
                let modified_ns = metadata
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                Some(FileStamp {
                    path: path.display().to_string(),
                    len: metadata.len(),
                    modified_ns,
                })
            })
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        CorpusStamp {
            schema_version: SCHEMA_VERSION,
            files,
        }
    }
}

/// Written beside each generation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub stamp: CorpusStamp,
    pub documents: u64,
    /// Unix milliseconds of the build.
    pub built_at_ms: u128,
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
    /// async runtime; waits while another process builds into the same folder. On error the
    /// current generation is untouched.
    pub fn build(
        &self,
        records: &[Contribution],
        stamp: CorpusStamp,
    ) -> Result<PathBuf, StoreError> {
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
        let base = format!("{GENERATION_PREFIX}{now_ms}-{}", std::process::id());
        let mut name = base.clone();
        for attempt in 1.. {
            if !self.root.join(&name).exists() {
                break;
            }
            name = format!("{base}-{attempt}");
        }
        let generation = self.root.join(&name);
        let result = self.write_generation(&generation, records, stamp, now_ms);
        if let Err(error) = result {
            let _ = std::fs::remove_dir_all(&generation);
            return Err(error);
        }
        if let Err(error) = self.point_current_at(&name) {
            let _ = std::fs::remove_dir_all(&generation);
            return Err(error);
        }
        self.remove_old_generations(&name);
        drop(lock);
        Ok(generation)
    }

    fn write_generation(
        &self,
        generation: &Path,
        records: &[Contribution],
        stamp: CorpusStamp,
        now_ms: u128,
    ) -> Result<(), StoreError> {
        std::fs::create_dir_all(generation).map_err(self.io_error(generation))?;
        let tantivy_error = |source| StoreError::Tantivy {
            path: generation.display().to_string(),
            source,
        };
        let (schema, _) = build_schema();
        let index = Index::create_in_dir(generation, schema).map_err(tantivy_error)?;
        register_analyzers(index.tokenizers());
        write_records(&index, records).map_err(tantivy_error)?;
        let manifest = Manifest {
            stamp,
            documents: records.len() as u64,
            built_at_ms: now_ms,
        };
        let manifest_path = generation.join(MANIFEST);
        let text = serde_json::to_string_pretty(&manifest).expect("manifest serializes");
        // Written last and flushed to disk: its presence means the generation is complete.
        let write_manifest = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&manifest_path)?;
            std::io::Write::write_all(&mut file, text.as_bytes())?;
            file.sync_all()
        };
        write_manifest().map_err(self.io_error(&manifest_path))?;
        sync_dir(generation);
        Ok(())
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

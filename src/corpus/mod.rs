//! Readers of input files, one file per format, and the format detection that picks one from
//! the content (never the file name). Every reader turns text into [`Contribution`]s plus
//! [`Warning`]s that name `file:line`; a malformed record is reported and skipped, never fatal.

pub mod dates;
pub mod labs;
pub mod latex;
pub mod person;
pub mod report;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::model::Contribution;
pub use labs::LabTable;

/// Something wrong with one record or line; the rest of the file is still read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// The input formats we recognise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Indico "Rapport sur les contributions" / "Contribution report", PDF converted to text.
    ContributionReport,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Format::ContributionReport => "contribution-report",
        };
        f.write_str(name)
    }
}

/// A whole file that could not be read at all (the other files are still indexed).
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not UTF-8 text (byte offset {offset}); convert it to UTF-8")]
    NotUtf8 { path: String, offset: usize },
    #[error("{path}: format not recognised (expected an Indico contribution report)")]
    UnknownFormat { path: String },
}

/// What one file gave.
#[derive(Debug, Clone, Serialize)]
pub struct ParsedFile {
    pub path: String,
    pub format: Format,
    pub records: Vec<Contribution>,
    pub warnings: Vec<Warning>,
}

/// Pick the reader from the content.
pub fn detect_format(text: &str) -> Option<Format> {
    if report::looks_like_report(text) {
        return Some(Format::ContributionReport);
    }
    None
}

/// Read, detect and parse one file; labs are assigned from `labs`.
pub fn read_file(path: &Path, labs: &LabTable) -> Result<ParsedFile, FileError> {
    let display = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| FileError::Io {
        path: display.clone(),
        source,
    })?;
    let text = decode_utf8(&bytes).map_err(|offset| FileError::NotUtf8 {
        path: display.clone(),
        offset,
    })?;
    parse_text(&text, &display, labs)
}

/// Parse text already in memory (tests, fuzzing, stdin).
pub fn parse_text(text: &str, file: &str, labs: &LabTable) -> Result<ParsedFile, FileError> {
    let format = detect_format(text).ok_or_else(|| FileError::UnknownFormat {
        path: file.to_string(),
    })?;
    let (mut records, warnings) = match format {
        Format::ContributionReport => report::parse(text, file),
    };
    for record in &mut records {
        record.labs = labs.labs_of(record.persons());
    }
    Ok(ParsedFile {
        path: file.to_string(),
        format,
        records,
        warnings,
    })
}

/// UTF-8 with or without BOM; CRLF is left to the readers (they split on lines).
fn decode_utf8(bytes: &[u8]) -> Result<String, usize> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(error) => Err(error.valid_up_to()),
    }
}

/// The input files of a corpus folder, sorted, skipping the configuration files that live
/// beside them (`labs.toml`, `synonyms.toml`, hidden files).
pub fn corpus_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') || name.ends_with(".toml") || !path.is_file() {
            continue;
        }
        files.push(path);
    }
    files.sort();
    Ok(files)
}

//! Readers of input files, one file per format, and the format detection that picks one from
//! the content (never the file name). Every reader turns text into [`Contribution`]s plus
//! [`Warning`]s that name `file:line`; a malformed record is reported and skipped, never fatal.
//!
//! Readers hand records to a [`RecordSink`] one by one, so a large JSON Lines file is streamed
//! into the index without ever holding all its records; formats that are one document (a
//! report, a JSON export) are parsed whole and then handed over.

pub mod dates;
pub mod jsonl;
pub mod labs;
pub mod latex;
pub mod person;
pub mod report;

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::model::{Contribution, Event};
use crate::text::{slugify, squash_whitespace};
pub use labs::LabTable;
use latex::math_to_text;

/// How much of a file format detection looks at.
const DETECTION_PREFIX_BYTES: usize = 64 * 1024;

/// Something wrong with one record or line; the rest of the file is still read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub file: String,
    pub line: usize,
    pub message: String,
    /// True when a whole record was dropped (as opposed to a field or a stray line).
    pub skipped: bool,
}

impl Warning {
    /// A record that was dropped.
    pub fn skipped(file: &str, line: usize, message: impl Into<String>) -> Warning {
        Warning {
            file: file.to_string(),
            line,
            message: message.into(),
            skipped: true,
        }
    }

    /// Something ignored inside a record that was kept.
    pub fn note(file: &str, line: usize, message: impl Into<String>) -> Warning {
        Warning {
            file: file.to_string(),
            line,
            message: message.into(),
            skipped: false,
        }
    }
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
    /// One JSON object per line, fields of the `parse` record shape.
    JsonLines,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Format::ContributionReport => "contribution-report",
            Format::JsonLines => "json-lines",
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
    #[error("{path}:{line}: not UTF-8 text (byte offset {offset}); convert it to UTF-8")]
    NotUtf8 {
        path: String,
        line: usize,
        offset: usize,
    },
    #[error("{path}:{line}: binary data (NUL byte at offset {offset}), not a text export")]
    Binary {
        path: String,
        line: usize,
        offset: usize,
    },
    #[error("{path}: empty file")]
    Empty { path: String },
    #[error("{path}: format not recognised (expected an Indico contribution report or JSON Lines records)")]
    UnknownFormat { path: String },
}

/// Per-file choices that the content cannot tell.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Event title for the file's records, replacing the title found in the file (or the
    /// file stem when it has none). Records that name their own event keep it.
    pub event_title: Option<String>,
}

/// Where readers put what they read.
pub trait RecordSink {
    /// One record, labs already assigned.
    fn record(&mut self, record: Contribution);
    /// One problem, with its `file:line`.
    fn warning(&mut self, warning: Warning);
    /// `bytes` more of the current file were read (for progress bars).
    fn progress(&mut self, _bytes: u64) {}
}

/// What one file gave.
#[derive(Debug, Clone, Serialize)]
pub struct ParsedFile {
    pub path: String,
    pub format: Format,
    pub records: Vec<Contribution>,
    pub warnings: Vec<Warning>,
}

/// A sink that keeps everything in memory.
#[derive(Debug, Default)]
struct Collect {
    records: Vec<Contribution>,
    warnings: Vec<Warning>,
}

impl RecordSink for Collect {
    fn record(&mut self, record: Contribution) {
        self.records.push(record);
    }
    fn warning(&mut self, warning: Warning) {
        self.warnings.push(warning);
    }
}

/// Pick the reader from the first bytes of a file, already checked to be UTF-8 text.
pub fn detect_format(text: &str) -> Option<Format> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if jsonl::looks_like_json_lines(text) {
        return Some(Format::JsonLines);
    }
    if report::looks_like_report(text) {
        return Some(Format::ContributionReport);
    }
    None
}

/// The event of a file that does not name one: the override, else `fallback_title`, else
/// the file stem.
pub fn file_event(file: &str, options: &ReadOptions, fallback_title: Option<&str>) -> Event {
    let stem = || {
        Path::new(file)
            .file_stem()
            .and_then(|stem| stem.to_str())
            .unwrap_or("event")
            .to_string()
    };
    let title = options
        .event_title
        .clone()
        .or_else(|| fallback_title.map(str::to_string))
        .filter(|title| !slugify(title).is_empty())
        .unwrap_or_else(stem);
    let slug = slugify(&title);
    Event {
        slug: if slug.is_empty() {
            "event".to_string()
        } else {
            slug
        },
        title,
    }
}

/// Read, detect and parse one file into memory; labs are assigned from `labs`.
pub fn read_file(path: &Path, labs: &LabTable) -> Result<ParsedFile, FileError> {
    read_file_with(path, &ReadOptions::default(), labs)
}

/// [`read_file`] with per-file options.
pub fn read_file_with(
    path: &Path,
    options: &ReadOptions,
    labs: &LabTable,
) -> Result<ParsedFile, FileError> {
    let mut collect = Collect::default();
    let format = read_into(path, options, labs, &mut collect)?;
    Ok(ParsedFile {
        path: path.display().to_string(),
        format,
        records: collect.records,
        warnings: collect.warnings,
    })
}

/// Read, detect and parse one file, handing each record to `sink` as soon as it is read.
pub fn read_into(
    path: &Path,
    options: &ReadOptions,
    labs: &LabTable,
    sink: &mut dyn RecordSink,
) -> Result<Format, FileError> {
    let display = path.display().to_string();
    let io_error = |source| FileError::Io {
        path: display.clone(),
        source,
    };
    let mut file = File::open(path).map_err(io_error)?;
    let mut prefix = Vec::with_capacity(DETECTION_PREFIX_BYTES);
    (&mut file)
        .take(DETECTION_PREFIX_BYTES as u64)
        .read_to_end(&mut prefix)
        .map_err(io_error)?;
    let complete = prefix.len() < DETECTION_PREFIX_BYTES;
    let prefix_text = check_text(&prefix, complete, &display)?;
    if prefix_text.trim_start_matches('\u{feff}').trim().is_empty() && complete {
        return Err(FileError::Empty { path: display });
    }
    let format = detect_format(prefix_text).ok_or_else(|| FileError::UnknownFormat {
        path: display.clone(),
    })?;
    file.rewind().map_err(io_error)?;
    let mut labelled = LabelSink { labs, sink };
    match format {
        Format::JsonLines => {
            let reader = BufReader::with_capacity(256 * 1024, file);
            jsonl::read(reader, &display, options, &mut labelled).map_err(io_error)?;
        }
        Format::ContributionReport => {
            let text = read_text(file, &display)?;
            let (records, warnings) = report::parse(&text, &display, options);
            labelled.sink.progress(text.len() as u64);
            for warning in warnings {
                labelled.warning(warning);
            }
            for record in records {
                labelled.record(record);
            }
        }
    }
    Ok(format)
}

/// Parse text already in memory (tests, fuzzing, stdin).
pub fn parse_text(text: &str, file: &str, labs: &LabTable) -> Result<ParsedFile, FileError> {
    let options = ReadOptions::default();
    check_text(text.as_bytes(), true, file)?;
    let format = detect_format(text).ok_or_else(|| FileError::UnknownFormat {
        path: file.to_string(),
    })?;
    let mut collect = Collect::default();
    let mut labelled = LabelSink {
        labs,
        sink: &mut collect,
    };
    match format {
        Format::JsonLines => {
            jsonl::read(text.as_bytes(), file, &options, &mut labelled).map_err(|source| {
                FileError::Io {
                    path: file.to_string(),
                    source,
                }
            })?;
        }
        Format::ContributionReport => {
            let (records, warnings) = report::parse(text, file, &options);
            collect.warnings.extend(warnings);
            for mut record in records {
                assign_labs(&mut record, labs);
                collect.records.push(record);
            }
        }
    }
    Ok(ParsedFile {
        path: file.to_string(),
        format,
        records: collect.records,
        warnings: collect.warnings,
    })
}

/// Add the canonical labs of every person to those the record already names.
fn assign_labs(record: &mut Contribution, labs: &LabTable) {
    let found = labs.labs_of(record.persons());
    if record.labs.is_empty() {
        record.labs = found;
        return;
    }
    for lab in found {
        if !record.labs.contains(&lab) {
            record.labs.push(lab);
        }
    }
}

/// Assigns labs on the way to the real sink.
struct LabelSink<'a> {
    labs: &'a LabTable,
    sink: &'a mut dyn RecordSink,
}

impl RecordSink for LabelSink<'_> {
    fn record(&mut self, mut record: Contribution) {
        assign_labs(&mut record, self.labs);
        self.sink.record(record);
    }
    fn warning(&mut self, warning: Warning) {
        self.sink.warning(warning);
    }
    fn progress(&mut self, bytes: u64) {
        self.sink.progress(bytes);
    }
}

/// 1-based line of byte `offset`.
fn line_of(bytes: &[u8], offset: usize) -> usize {
    1 + bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// Text as people read it: line ends normalised, inline LaTeX made readable, whitespace
/// squashed inside each paragraph, paragraphs separated by one blank line.
pub fn readable_text(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut flush = |current: &mut Vec<&str>| {
        if !current.is_empty() {
            let paragraph = squash_whitespace(&math_to_text(&current.join(" ")));
            if !paragraph.is_empty() {
                paragraphs.push(paragraph);
            }
            current.clear();
        }
    };
    for line in text.split(['\n', '\r']) {
        if line.trim().is_empty() {
            flush(&mut current);
        } else {
            current.push(line);
        }
    }
    flush(&mut current);
    paragraphs.join("\n\n")
}

/// The text of `bytes` (BOM kept for the readers to skip), or why it is not text. When
/// `complete` is false the bytes are a prefix, which may end inside a character.
fn check_text<'a>(bytes: &'a [u8], complete: bool, path: &str) -> Result<&'a str, FileError> {
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(FileError::Binary {
            path: path.to_string(),
            line: line_of(bytes, offset),
            offset,
        });
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text),
        // A prefix cut inside a character: keep what is whole.
        Err(error) if !complete && error.error_len().is_none() => {
            Ok(std::str::from_utf8(&bytes[..error.valid_up_to()]).unwrap_or(""))
        }
        Err(error) => Err(FileError::NotUtf8 {
            path: path.to_string(),
            line: line_of(bytes, error.valid_up_to()),
            offset: error.valid_up_to(),
        }),
    }
}

/// A whole file as UTF-8 text without BOM.
fn read_text(mut file: File, path: &str) -> Result<String, FileError> {
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|source| FileError::Io {
            path: path.to_string(),
            source,
        })?;
    check_text(&bytes, true, path)?;
    let start = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    bytes.drain(..start);
    String::from_utf8(bytes).map_err(|error| FileError::NotUtf8 {
        path: path.to_string(),
        line: 0,
        offset: error.utf8_error().valid_up_to(),
    })
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

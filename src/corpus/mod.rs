//! Readers of input files, one file per format, and the format detection that picks one from
//! the content (never the file name). Every reader turns text into [`Contribution`]s plus
//! [`Warning`]s that name `file:line`; a malformed record is reported and skipped, never fatal.
//!
//! Readers hand records to a [`RecordSink`] one by one, so a large JSON Lines file is streamed
//! into the index without ever holding all its records; formats that are one document (a
//! report, a JSON export) are parsed whole and then handed over.

pub mod dates;
pub mod indico_csv;
pub mod indico_json;
pub mod jsonl;
pub mod labs;
pub mod latex;
pub mod mapped_csv;
pub mod markup;
pub mod person;
pub mod report;

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::model::{Contribution, Event};
use crate::text::{fold_accents, slugify, squash_whitespace};
pub use labs::LabTable;
use latex::math_to_text;

/// Largest report or JSON export read (they are parsed whole; JSON Lines and CSV are
/// streamed and have no limit).
pub const MAX_DOCUMENT_BYTES: u64 = 1 << 30;

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
    /// Indico HTTP export API JSON (`detail=contributions` or `detail=sessions`).
    IndicoJson,
    /// A JSON array of records in the `parse` record shape (what `parse` prints).
    JsonRecords,
    /// Indico contribution-list CSV.
    IndicoCsv,
    /// Any other CSV, through a mapping file beside it.
    MappedCsv,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Format::ContributionReport => "contribution-report",
            Format::JsonLines => "json-lines",
            Format::IndicoJson => "indico-json",
            Format::JsonRecords => "json-records",
            Format::IndicoCsv => "indico-csv",
            Format::MappedCsv => "mapped-csv",
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
    #[error("{path}: format not recognised (expected an Indico contribution report, Indico JSON or CSV export, or JSON Lines records)")]
    UnknownFormat { path: String },
    #[error("{path}: CSV columns not recognised as an Indico contribution list; describe them in a mapping file {mapping}")]
    UnmappedCsv { path: String, mapping: String },
    #[error("{path}:{line}: {message}")]
    Malformed {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Mapping { path: String, message: String },
    #[error("{path}: larger than {limit_mib} MiB, too large for a {format} (split it, or export JSON Lines)")]
    TooLarge {
        path: String,
        format: Format,
        limit_mib: u64,
    },
}

/// Per-file choices that the content cannot tell.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Event title for the file's records, replacing the title found in the file (or the
    /// file stem when it has none). Records that name their own event keep it.
    pub event_title: Option<String>,
    /// Mapping file of a CSV, instead of the one beside it (`talks.mapping.toml`).
    pub mapping: Option<PathBuf>,
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
pub(crate) struct Collect {
    pub(crate) records: Vec<Contribution>,
    pub(crate) warnings: Vec<Warning>,
}

impl RecordSink for Collect {
    fn record(&mut self, record: Contribution) {
        self.records.push(record);
    }
    fn warning(&mut self, warning: Warning) {
        self.warnings.push(warning);
    }
}

/// Pick the reader from the first bytes of a file, already checked to be UTF-8 text (no
/// CSV mapping file applies).
pub fn detect_format(text: &str) -> Option<Format> {
    detect_format_with(text, false)
}

/// [`detect_format`]; `has_mapping` says whether a CSV mapping file applies.
pub fn detect_format_with(text: &str, has_mapping: bool) -> Option<Format> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if jsonl::looks_like_json_lines(text) {
        return Some(Format::JsonLines);
    }
    if indico_json::looks_like_export(text) {
        if indico_json::looks_like_record_array(text) {
            return Some(Format::JsonRecords);
        }
        return Some(Format::IndicoJson);
    }
    if let Some(header) = CsvHeader::of_first_line(text) {
        if indico_csv::is_indico_header(&header) {
            return Some(Format::IndicoCsv);
        }
        if has_mapping {
            return Some(Format::MappedCsv);
        }
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
    let mapping = options
        .mapping
        .clone()
        .or_else(|| Some(mapped_csv::mapping_path_for(path)).filter(|m| m.is_file()));
    let format = match check_text(&prefix, complete, &display) {
        Ok(prefix_text) => {
            if prefix_text.trim_start_matches('\u{feff}').trim().is_empty() && complete {
                return Err(FileError::Empty { path: display });
            }
            detect(prefix_text, &display, mapping.as_deref())?
        }
        // A bad byte in a JSON Lines file spoils one line, which its reader reports and
        // skips; for whole-document formats it spoils the file.
        Err(error) => match text_before_bad_byte(&prefix, &error) {
            Some(text) if detect(text, &display, None).ok() == Some(Format::JsonLines) => {
                Format::JsonLines
            }
            _ => return Err(error),
        },
    };
    file.rewind().map_err(io_error)?;
    let input = BufReader::with_capacity(256 * 1024, file);
    let mut labelled = LabelSink { labs, sink };
    read_format(
        format,
        input,
        &display,
        options,
        mapping.as_deref(),
        &mut labelled,
    )?;
    Ok(format)
}

/// [`detect_format`], with the error saying what is missing.
fn detect(text: &str, path: &str, mapping: Option<&Path>) -> Result<Format, FileError> {
    if let Some(format) = detect_format_with(text, mapping.is_some()) {
        return Ok(format);
    }
    // A `.csv` or `.tsv` file, or a first line of three comma-separated columns or more
    // (a prose line with one comma is not taken for a header), whatever its delimiter.
    let csv_name = Path::new(path)
        .extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| ["csv", "tsv"].contains(&extension.to_ascii_lowercase().as_str()));
    let looks_like_csv =
        csv_name || CsvHeader::of_first_line(text).is_some_and(|header| header.len() >= 3);
    if looks_like_csv {
        return Err(FileError::UnmappedCsv {
            path: path.to_string(),
            mapping: mapped_csv::mapping_path_for(Path::new(path))
                .display()
                .to_string(),
        });
    }
    Err(FileError::UnknownFormat {
        path: path.to_string(),
    })
}

/// Run the reader of `format` over `input`.
fn read_format(
    format: Format,
    mut input: impl std::io::BufRead,
    file: &str,
    options: &ReadOptions,
    mapping: Option<&Path>,
    sink: &mut dyn RecordSink,
) -> Result<(), FileError> {
    let io_error = |source| FileError::Io {
        path: file.to_string(),
        source,
    };
    let malformed = |error: CsvError| FileError::Malformed {
        path: file.to_string(),
        line: error.line,
        message: error.message,
    };
    match format {
        Format::JsonLines => jsonl::read(input, file, options, sink).map_err(io_error)?,
        Format::IndicoCsv => indico_csv::read(input, file, options, sink).map_err(malformed)?,
        Format::MappedCsv => {
            let mapping_path = mapping.ok_or_else(|| FileError::UnknownFormat {
                path: file.to_string(),
            })?;
            let loaded =
                mapped_csv::Mapping::load(mapping_path).map_err(|error| FileError::Mapping {
                    path: error.path,
                    message: error.message,
                })?;
            let mapping_display = mapping_path.display().to_string();
            mapped_csv::read(input, file, &loaded, &mapping_display, options, sink)
                .map_err(malformed)?
        }
        Format::ContributionReport | Format::IndicoJson | Format::JsonRecords => {
            let mut limited = (&mut input).take(MAX_DOCUMENT_BYTES + 1);
            let text = read_text(&mut limited, file)?;
            if text.len() as u64 > MAX_DOCUMENT_BYTES {
                return Err(FileError::TooLarge {
                    path: file.to_string(),
                    format,
                    limit_mib: MAX_DOCUMENT_BYTES >> 20,
                });
            }
            sink.progress(text.len() as u64);
            let malformed_json = |error: indico_json::ExportError| FileError::Malformed {
                path: file.to_string(),
                line: error.line,
                message: error.message,
            };
            let (records, warnings) = match format {
                Format::ContributionReport => report::parse(&text, file, options),
                Format::JsonRecords => {
                    indico_json::parse_record_array(&text, file, options).map_err(malformed_json)?
                }
                _ => indico_json::parse(&text, file, options).map_err(malformed_json)?,
            };
            for warning in warnings {
                sink.warning(warning);
            }
            for record in records {
                sink.record(record);
            }
        }
    }
    Ok(())
}

/// Parse text already in memory (tests, fuzzing, stdin).
pub fn parse_text(text: &str, file: &str, labs: &LabTable) -> Result<ParsedFile, FileError> {
    parse_text_with(text, file, &ReadOptions::default(), labs)
}

/// [`parse_text`] with per-file options (a CSV mapping comes only from `options`).
pub fn parse_text_with(
    text: &str,
    file: &str,
    options: &ReadOptions,
    labs: &LabTable,
) -> Result<ParsedFile, FileError> {
    check_text(text.as_bytes(), true, file)?;
    if text.trim_start_matches('\u{feff}').trim().is_empty() {
        return Err(FileError::Empty {
            path: file.to_string(),
        });
    }
    let format = detect(text, file, options.mapping.as_deref())?;
    let mut collect = Collect::default();
    let mut labelled = LabelSink {
        labs,
        sink: &mut collect,
    };
    read_format(
        format,
        text.as_bytes(),
        file,
        options,
        options.mapping.as_deref(),
        &mut labelled,
    )?;
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

/// The whole lines of `bytes` before the first bad byte (the one `error` reports, or an
/// earlier byte that is not UTF-8).
fn text_before_bad_byte<'a>(bytes: &'a [u8], error: &FileError) -> Option<&'a str> {
    let offset = match error {
        FileError::NotUtf8 { offset, .. } | FileError::Binary { offset, .. } => *offset,
        _ => return None,
    };
    let before = &bytes[..offset.min(bytes.len())];
    let valid = match std::str::from_utf8(before) {
        Ok(text) => text,
        Err(error) => std::str::from_utf8(&before[..error.valid_up_to()]).ok()?,
    };
    Some(valid.rfind('\n').map_or("", |newline| &valid[..=newline]))
}

/// A whole input as UTF-8 text without BOM.
fn read_text(input: &mut impl Read, path: &str) -> Result<String, FileError> {
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
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

/// A CSV header row, its names folded (case, accents, spacing, BOM) for lookup by name.
#[derive(Debug, Clone)]
pub struct CsvHeader {
    names: Vec<String>,
}

fn column_key(name: &str) -> String {
    squash_whitespace(&fold_accents(name.trim_start_matches('\u{feff}'))).to_lowercase()
}

impl CsvHeader {
    /// The header of these column names.
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> CsvHeader {
        CsvHeader {
            names: names.into_iter().map(column_key).collect(),
        }
    }

    /// The header of a text's first line, when it has at least two comma-separated
    /// columns.
    pub fn of_first_line(text: &str) -> Option<CsvHeader> {
        let first_line = text.lines().next()?;
        if first_line.trim_start().starts_with(['#', '{', '[']) {
            return None;
        }
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(first_line.as_bytes());
        let record = reader.records().next()?.ok()?;
        (record.len() >= 2).then(|| CsvHeader::new(record.iter()))
    }

    /// Index of the column called `name` (case, accents and spacing ignored).
    pub fn position(&self, name: &str) -> Option<usize> {
        let key = column_key(name);
        self.names.iter().position(|n| *n == key)
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when there are no columns.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// Why a CSV could not be read on (the rows before it were).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    pub line: usize,
    pub message: String,
}

/// Byte offsets of the `\n`s read so far, forgotten once rows start after them.
#[derive(Debug, Default)]
struct NewlineOffsets {
    before: usize,
    pending: std::collections::VecDeque<u64>,
}

impl NewlineOffsets {
    /// 1-based line of the row starting at byte `start` (a row starts after any `\n` at
    /// `start`: csv may point at the `\n` of a `\r\n`).
    fn line_of(&mut self, start: u64) -> usize {
        while self.pending.front().is_some_and(|&offset| offset <= start) {
            self.pending.pop_front();
            self.before += 1;
        }
        self.before + 1
    }
}

/// Notes where the `\n`s of the input are, for row line numbers.
struct CountNewlines<R> {
    inner: R,
    offset: u64,
    newlines: std::rc::Rc<std::cell::RefCell<NewlineOffsets>>,
}

impl<R: Read> Read for CountNewlines<R> {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buffer)?;
        let mut newlines = self.newlines.borrow_mut();
        for (index, _) in buffer[..read]
            .iter()
            .enumerate()
            .filter(|(_, &b)| b == b'\n')
        {
            newlines.pending.push_back(self.offset + index as u64);
        }
        self.offset += read as u64;
        Ok(read)
    }
}

/// Stream the rows of a CSV: the first row is the header, then `on_row` gets each row with
/// its 1-based line. A row that is not UTF-8 is reported and skipped; blank rows are
/// ignored; `on_row` may stop the file with an error.
pub fn read_csv_rows(
    input: impl Read,
    delimiter: u8,
    file: &str,
    sink: &mut dyn RecordSink,
    mut on_row: impl FnMut(&CsvHeader, &[&str], usize, &mut dyn RecordSink) -> Result<(), CsvError>,
) -> Result<(), CsvError> {
    let newlines = std::rc::Rc::new(std::cell::RefCell::new(NewlineOffsets::default()));
    let counted = CountNewlines {
        inner: input,
        offset: 0,
        newlines: newlines.clone(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(counted);
    let mut row = csv::ByteRecord::new();
    let mut header: Option<CsvHeader> = None;
    let mut offset = 0u64;
    loop {
        match reader.read_byte_record(&mut row) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(error) => {
                let line = error
                    .position()
                    .map_or(0, |position| position.line() as usize);
                return Err(CsvError {
                    line,
                    message: format!("unreadable CSV: {error}"),
                });
            }
        }
        // csv's own line count lags behind after `\r\n` row ends, so lines are counted here.
        let start = row.position().map_or(0, |position| position.byte());
        let line = newlines.borrow_mut().line_of(start);
        let end = reader.position().byte();
        sink.progress(end.saturating_sub(offset));
        offset = end;
        let fields: Result<Vec<&str>, _> = row.iter().map(std::str::from_utf8).collect();
        let Ok(fields) = fields else {
            if header.is_none() {
                return Err(CsvError {
                    line,
                    message: "header row is not UTF-8; convert the file to UTF-8".to_string(),
                });
            }
            sink.warning(Warning::skipped(
                file,
                line,
                "row is not UTF-8, record skipped",
            ));
            continue;
        };
        match &header {
            None => header = Some(CsvHeader::new(fields.iter().copied())),
            Some(header) => {
                if fields.iter().all(|field| field.trim().is_empty()) {
                    continue;
                }
                on_row(header, &fields, line, sink)?;
            }
        }
    }
}

/// The input files of a corpus folder, sorted, skipping the configuration files that live
/// beside them (`labs.toml`, `synonyms.toml`, CSV mappings, hidden files) and folders.
/// Entries that cannot be followed (a broken symlink, a symlink loop) are kept, so reading
/// them reports why.
pub fn corpus_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') || name.ends_with(".toml") {
            continue;
        }
        let is_input = match std::fs::metadata(&path) {
            Ok(metadata) => metadata.is_file(),
            Err(_) => true,
        };
        if is_input {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

//! Indico's contribution-list CSV export: header `Id, Title, Description, Date, Duration,
//! Type, Session, Track, Presenters, …, Authors, Authors (affiliation), Co-Authors, …`. The
//! columns after `Track` vary by version, so every column is found by name. UTF-8 with a
//! BOM; persons are `First Last` joined by `; `, the `(affiliation)` columns say
//! `First Last (Affiliation)` and are preferred; line breaks inside a cell became four
//! spaces; `Duration` is text (`20 minutes`, `1h 30m`); `Date` is
//! `2022-08-22 13:10:00+00:00` (the wall-clock time is kept). Rows are streamed.

use std::io::Read;

use super::dates::{duration_cell, parse_datetime};
use super::markup::description_text;
use super::person::parse_person_list;
use super::{file_event, CsvError, CsvHeader, ReadOptions, RecordSink, Warning};
use crate::model::{Contribution, SourceLocation};
use crate::text::squash_whitespace;

/// Columns that make a header an Indico contribution list.
pub const REQUIRED_COLUMNS: [&str; 2] = ["id", "title"];

/// True when `header` names the columns of an Indico contribution list.
pub fn is_indico_header(header: &CsvHeader) -> bool {
    REQUIRED_COLUMNS
        .iter()
        .all(|name| header.position(name).is_some())
}

/// Undo the export's flattening of line breaks: eight spaces were a blank line, four a
/// line break.
pub fn unflatten_line_breaks(cell: &str) -> String {
    cell.replace("        ", "\n\n").replace("    ", "\n")
}

/// Stream the rows of an Indico contribution list into `sink`.
pub fn read(
    input: impl Read,
    file: &str,
    options: &ReadOptions,
    sink: &mut dyn RecordSink,
) -> Result<(), CsvError> {
    let event = file_event(file, options, None);
    super::read_csv_rows(input, b',', file, sink, |header, row, line, sink| {
        let cell = |name: &str| -> Option<&str> {
            let value = row.get(header.position(name)?)?.trim();
            (!value.is_empty()).then_some(value)
        };
        let Some(id_text) = cell("id") else {
            sink.warning(Warning::skipped(file, line, "no `Id`, record skipped"));
            return Ok(());
        };
        let Ok(id) = id_text.parse::<u64>() else {
            sink.warning(Warning::skipped(
                file,
                line,
                format!("`Id` `{id_text}` is not a number, record skipped"),
            ));
            return Ok(());
        };
        let Some(title) = cell("title").map(squash_whitespace) else {
            sink.warning(Warning::skipped(
                file,
                line,
                format!("contribution {id} has no title, record skipped"),
            ));
            return Ok(());
        };
        let source = SourceLocation {
            file: file.to_string(),
            line,
        };
        let mut record = Contribution::new(event.clone(), id, title, source);
        if let Some(description) = cell("description") {
            record.abstract_text = description_text(&unflatten_line_breaks(description));
        }
        if let Some(date) = cell("date") {
            match parse_datetime(date) {
                Some(start) => {
                    record.start = Some(start);
                    record.day = Some(start.date());
                }
                None => sink.warning(Warning::note(
                    file,
                    line,
                    format!("`Date` `{date}` is not a date and time, ignored"),
                )),
            }
        }
        if let Some(text) = cell("duration") {
            match duration_cell(text) {
                Ok(minutes) => record.duration_minutes = Some(minutes),
                Err(problem) => sink.warning(Warning::note(
                    file,
                    line,
                    format!("`Duration` `{text}` ignored: {problem}"),
                )),
            }
        }
        record.kind = cell("type").map(squash_whitespace);
        record.session = cell("session").map(squash_whitespace);
        record.theme = cell("track").map(squash_whitespace);
        let mut persons = |plain: &str, with_affiliation: &str, role: &str| {
            let list = cell(with_affiliation)
                .or_else(|| cell(plain))
                .map(|text| parse_person_list(&squash_whitespace(text)))
                .unwrap_or_default();
            if let Some(message) = list.rejected_message(role) {
                sink.warning(Warning::note(file, line, message));
            }
            list.persons
        };
        record.speakers = persons("presenters", "presenters (affiliation)", "presenter");
        record.authors = persons("authors", "authors (affiliation)", "author");
        record.coauthors = persons("co-authors", "co-authors (affiliation)", "co-author");
        if let Some(keywords) = cell("keywords") {
            record.keywords = keywords
                .split([',', ';'])
                .map(squash_whitespace)
                .filter(|k| !k.is_empty())
                .collect();
        }
        for name in ["code", "board number"] {
            if let Some(value) = cell(name) {
                record.keywords.push(squash_whitespace(value));
            }
        }
        sink.record(record);
        Ok(())
    })
}

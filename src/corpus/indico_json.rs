//! The Indico HTTP export API JSON (`/export/event/<id>.json?detail=contributions` or
//! `detail=sessions`): an envelope `{"count", "_type": "HTTPAPIResult", "results": [event…]}`.
//!
//! Each event gives its contributions, and with `detail=sessions` also session *blocks*, each
//! with its own `contributions`; a session with several blocks appears several times and a
//! contribution may be listed both at the top and in a block, so contributions are
//! deduplicated on `db_id` (or their id). The record id is `friendly_id` (the number printed
//! as "Contribution ID"); older exports only have a string `id`. Descriptions are plain text,
//! Markdown or HTML, reduced to text by [`super::markup`]. Dates are `{"date", "time", "tz"}`
//! in the event's time zone (kept as printed) or `null` when unscheduled.

use std::collections::HashSet;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde_json::{Map, Value};

use super::dates::checked_duration;
use super::markup::description_text;
use super::person::parse_person;
use super::{file_event, ReadOptions, Warning};
use crate::model::{Contribution, Event, Person, SourceLocation};
use crate::text::squash_whitespace;

/// Why a JSON file could not be read as an export at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportError {
    pub line: usize,
    pub message: String,
}

/// True when `text` starts like a JSON object or array that is not JSON Lines.
pub fn looks_like_export(text: &str) -> bool {
    let text = text.trim_start_matches('\u{feff}').trim_start();
    text.starts_with('{') || text.starts_with('[')
}

/// True when `text` (a JSON start, see [`looks_like_export`]) is an array of records (what
/// `parse` prints) rather than of Indico events.
pub fn looks_like_record_array(text: &str) -> bool {
    let text = text.trim_start_matches('\u{feff}').trim_start();
    text.starts_with('[')
        && !text.contains("\"contributions\"")
        && !text.contains("\"sessions\"")
        && !text.contains("\"HTTPAPIResult\"")
}

/// The JSON value of a whole file (a BOM allowed); a syntax error names its line.
fn parse_json(text: &str) -> Result<Value, ExportError> {
    serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|error| ExportError {
        line: error.line(),
        message: format!("invalid JSON: {error}"),
    })
}

/// Parse a JSON array of records in the `parse` record shape (the JSON Lines fields).
pub fn parse_record_array(
    text: &str,
    file: &str,
    options: &ReadOptions,
) -> Result<(Vec<Contribution>, Vec<Warning>), ExportError> {
    let root = parse_json(text)?;
    let Value::Array(items) = root else {
        return Err(ExportError {
            line: 1,
            message: "not a JSON array of records".to_string(),
        });
    };
    let default_event = file_event(file, options, None);
    let mut finder = LineFinder { text, cursor: 0 };
    let mut records = Vec::with_capacity(items.len());
    let mut warnings = Vec::new();
    for item in items {
        let line = match item.get("id") {
            Some(id) => finder.line_of("id", &id.to_string()),
            None => finder.line_of("title", ""),
        };
        let Value::Object(object) = item else {
            warnings.push(Warning::skipped(
                file,
                line,
                "not a JSON object, record skipped",
            ));
            continue;
        };
        let mut notes = Vec::new();
        match super::jsonl::record_from_object(object, file, line, &default_event, &mut notes) {
            Ok(record) => {
                warnings.extend(
                    notes
                        .into_iter()
                        .map(|note| Warning::note(file, line, note)),
                );
                records.push(record);
            }
            Err(reason) => warnings.push(Warning::skipped(
                file,
                line,
                format!("{reason}, record skipped"),
            )),
        }
    }
    Ok((records, warnings))
}

/// Finds the line of each contribution in the source text, walking forward as the
/// contributions are read in order (JSON values do not remember where they were).
struct LineFinder<'a> {
    text: &'a str,
    cursor: usize,
}

impl LineFinder<'_> {
    /// Line of the next `"key": value` after the cursor (whitespace around `:` allowed).
    fn line_of(&mut self, key: &str, value: &str) -> usize {
        let needle = format!("\"{key}\"");
        let mut from = self.cursor;
        for _ in 0..2 {
            let mut search = from;
            while let Some(found) = self.text[search..].find(&needle) {
                let at = search + found;
                let after = self.text[at + needle.len()..].trim_start();
                let after = after.strip_prefix(':').map(str::trim_start);
                if after.is_some_and(|rest| {
                    rest.strip_prefix(value)
                        .is_some_and(|tail| !tail.starts_with(|c: char| c.is_ascii_alphanumeric()))
                }) {
                    self.cursor = at + needle.len();
                    return 1 + self.text[..at].bytes().filter(|&b| b == b'\n').count();
                }
                search = at + needle.len();
            }
            // Not after the cursor: blocks may list contributions again; look from the top.
            from = 0;
        }
        1 + self.text[..self.cursor]
            .bytes()
            .filter(|&b| b == b'\n')
            .count()
    }
}

/// Parse an export. `Err` when the text is not JSON (truncated, invalid) or not an export.
pub fn parse(
    text: &str,
    file: &str,
    options: &ReadOptions,
) -> Result<(Vec<Contribution>, Vec<Warning>), ExportError> {
    let root = parse_json(text)?;
    let events: Vec<Value> =
        match root {
            Value::Object(mut object) => match object.remove("results") {
                Some(Value::Array(events)) => events,
                Some(Value::Object(event)) => vec![Value::Object(event)],
                Some(_) => {
                    return Err(ExportError {
                        line: 1,
                        message: "`results` is not a list of events".to_string(),
                    })
                }
                None if object.contains_key("contributions") || object.contains_key("sessions") => {
                    vec![Value::Object(object)]
                }
                None => return Err(ExportError {
                    line: 1,
                    message:
                        "a JSON object without `results` or `contributions`: not an Indico export"
                            .to_string(),
                }),
            },
            Value::Array(events) => events,
            _ => {
                return Err(ExportError {
                    line: 1,
                    message: "not an Indico export (expected a JSON object)".to_string(),
                })
            }
        };
    let mut finder = LineFinder { text, cursor: 0 };
    let mut records = Vec::new();
    let mut warnings = Vec::new();
    for event in events {
        let Value::Object(event) = event else {
            warnings.push(Warning::note(
                file,
                1,
                "an entry of `results` is not an event, ignored",
            ));
            continue;
        };
        read_event(
            event,
            file,
            options,
            &mut finder,
            &mut records,
            &mut warnings,
        );
    }
    Ok((records, warnings))
}

fn read_event(
    mut event: Map<String, Value>,
    file: &str,
    options: &ReadOptions,
    finder: &mut LineFinder,
    records: &mut Vec<Contribution>,
    warnings: &mut Vec<Warning>,
) {
    let title = text_of(event.get("title"));
    let event_key = file_event(file, options, title.as_deref());
    let mut contributions: Vec<(Map<String, Value>, Option<String>)> = Vec::new();
    if let Some(Value::Array(items)) = event.remove("contributions") {
        for item in items {
            if let Value::Object(item) = item {
                contributions.push((item, None));
            }
        }
    }
    if let Some(Value::Array(blocks)) = event.remove("sessions") {
        for block in blocks {
            let Value::Object(mut block) = block else {
                continue;
            };
            let session_title = block
                .get("session")
                .and_then(|session| text_of(session.get("title")))
                .or_else(|| text_of(block.get("title")));
            if let Some(Value::Array(items)) = block.remove("contributions") {
                for item in items {
                    if let Value::Object(item) = item {
                        contributions.push((item, session_title.clone()));
                    }
                }
            }
        }
    }
    let mut seen = HashSet::new();
    for (contribution, block_session) in contributions {
        let identity = contribution
            .get("db_id")
            .or_else(|| contribution.get("id"))
            .or_else(|| contribution.get("friendly_id"))
            .map(Value::to_string);
        if let Some(identity) = identity {
            if !seen.insert(identity) {
                continue;
            }
        }
        match contribution_of(contribution, block_session, &event_key, file, finder) {
            Ok((record, notes)) => {
                for note in notes {
                    warnings.push(Warning::note(file, record.source.line, note));
                }
                records.push(record);
            }
            Err((line, reason)) => warnings.push(Warning::skipped(
                file,
                line,
                format!("{reason}, record skipped"),
            )),
        }
    }
}

/// A string value, trimmed; `None` when absent, null, empty or not text.
fn text_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) => {
            let text = squash_whitespace(text);
            (!text.is_empty()).then_some(text)
        }
        Value::Number(number) => Some(number.to_string()),
        Value::Object(object) => text_of(object.get("title").or_else(|| object.get("name"))),
        _ => None,
    }
}

fn contribution_of(
    mut item: Map<String, Value>,
    block_session: Option<String>,
    event: &Event,
    file: &str,
    finder: &mut LineFinder,
) -> Result<(Contribution, Vec<String>), (usize, String)> {
    let (id, line) = match (item.get("friendly_id"), item.get("id")) {
        (Some(Value::Number(number)), _) => (
            number.as_u64(),
            finder.line_of("friendly_id", &number.to_string()),
        ),
        (_, Some(Value::Number(number))) => {
            (number.as_u64(), finder.line_of("id", &number.to_string()))
        }
        (_, Some(Value::String(id))) => (
            id.trim().parse::<u64>().ok(),
            finder.line_of("id", &serde_json::to_string(id).unwrap_or_default()),
        ),
        _ => (None, finder.line_of("title", "")),
    };
    let Some(id) = id else {
        return Err((line, "no numeric `friendly_id` or `id`".to_string()));
    };
    let Some(title) = text_of(item.get("title")) else {
        return Err((line, format!("contribution {id} has no title")));
    };
    let mut notes = Vec::new();
    let source = SourceLocation {
        file: file.to_string(),
        line,
    };
    let mut record = Contribution::new(event.clone(), id, title, source);
    if let Some(Value::String(description)) = item.get("description") {
        record.abstract_text = description_text(description);
    }
    record.start = item.get("startDate").and_then(date_time_of);
    record.day = record.start.map(|start| start.date());
    let mut duration = match item.get("duration") {
        Some(Value::Number(number)) => number.as_u64().and_then(|m| u32::try_from(m).ok()),
        _ => None,
    };
    if duration.is_none() {
        if let (Some(start), Some(end)) = (record.start, item.get("endDate").and_then(date_time_of))
        {
            duration = u32::try_from((end - start).num_minutes()).ok();
        }
    }
    match duration.map(checked_duration) {
        Some(Ok(minutes)) => record.duration_minutes = Some(minutes),
        Some(Err(problem)) => notes.push(format!("duration ignored: {problem}")),
        None => {}
    }
    record.kind = text_of(item.get("type"));
    record.theme = text_of(item.get("track"));
    record.session = text_of(item.get("session")).or(block_session);
    record.authors = persons_of(item.remove("primaryauthors"), &mut notes, "primaryauthors");
    record.coauthors = persons_of(item.remove("coauthors"), &mut notes, "coauthors");
    record.speakers = persons_of(item.remove("speakers"), &mut notes, "speakers");
    if let Some(Value::Array(keywords)) = item.get("keywords") {
        record.keywords = keywords.iter().filter_map(|k| text_of(Some(k))).collect();
    }
    for key in ["code", "board_number"] {
        if let Some(value) = text_of(item.get(key)) {
            if !record.keywords.contains(&value) {
                record.keywords.push(value);
            }
        }
    }
    Ok((record, notes))
}

/// `{"date": "2011-06-23", "time": "08:20:00", "tz": "Europe/Zurich"}` as printed.
fn date_time_of(value: &Value) -> Option<NaiveDateTime> {
    let date = NaiveDate::parse_from_str(value.get("date")?.as_str()?, "%Y-%m-%d").ok()?;
    let time = value
        .get("time")
        .and_then(Value::as_str)
        .and_then(|time| {
            NaiveTime::parse_from_str(time, "%H:%M:%S%.f")
                .or_else(|_| NaiveTime::parse_from_str(time, "%H:%M"))
                .ok()
        })
        .unwrap_or_default();
    Some(NaiveDateTime::new(date, time))
}

fn persons_of(value: Option<Value>, notes: &mut Vec<String>, key: &str) -> Vec<Person> {
    let Some(Value::Array(items)) = value else {
        return Vec::new();
    };
    let mut persons = Vec::with_capacity(items.len());
    for item in items {
        match person_of(&item) {
            Some(person) => persons.push(person),
            None => notes.push(format!("a person of `{key}` has no name, ignored")),
        }
    }
    persons
}

/// `{first_name, last_name, fullName ("Last, First"), affiliation ("" when none)}`.
fn person_of(value: &Value) -> Option<Person> {
    let field = |key: &str| text_of(value.get(key));
    let affiliation = field("affiliation");
    let title = field("title");
    let (first_name, last_name) = match (field("first_name"), field("last_name")) {
        (None, None) => {
            let full = field("fullName").or_else(|| field("full_name"))?;
            let person = parse_person(&full)?;
            (person.first_name, person.last_name)
        }
        (first, last) => (first.unwrap_or_default(), last.unwrap_or_default()),
    };
    Some(Person {
        first_name,
        last_name,
        title,
        affiliation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_json_names_its_line() {
        let error = parse(
            "{\n  \"results\": [\n    {\"title\": \"x\"",
            "t.json",
            &ReadOptions::default(),
        )
        .unwrap_err();
        assert_eq!(error.line, 3);
        assert!(
            error.message.starts_with("invalid JSON: EOF"),
            "{}",
            error.message
        );
    }

    #[test]
    fn line_finder_walks_forward() {
        let text = "{\n\"id\": \"1\",\n\"x\": {\"id\": \"10\"},\n\"id\": \"1\"\n}";
        let mut finder = LineFinder { text, cursor: 0 };
        assert_eq!(finder.line_of("id", "\"1\""), 2);
        assert_eq!(finder.line_of("id", "\"1\""), 4);
        assert_eq!(finder.line_of("id", "\"10\""), 3);
    }
}

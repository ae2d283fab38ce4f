//! JSON Lines of records: one JSON object per line with the fields of the `parse` record shape,
//! for bulk data (`arxiv-physics-50k.jsonl`) and for re-ingesting `parse --jsonl` output.
//!
//! `id` and `title` are required. A numeric `id` (or a string of digits) is the record id; any
//! other string (`arXiv:hep-th/9301001`) is kept as `external_id` and the 1-based line number
//! becomes the id, so the document key (event, id) stays numeric. Persons are objects
//! (`first_name`, `last_name`, `title`, `affiliation`) or strings `"Last, First (Affiliation)"`
//! / `"First Last"`. `date` gives the day; other unknown string fields (`category`,
//! `categories`) become keywords. A record without `event` belongs to the file's event (the
//! file stem unless overridden). The file is streamed line by line: memory does not grow with
//! its size, and a bad line (invalid JSON, invalid UTF-8, missing title) is reported with its
//! line number and skipped.

use std::io::{self, BufRead};

use serde_json::{Map, Value};

use super::dates::{checked_duration, parse_date, parse_datetime};
use super::person::{parse_person, parse_person_list, PersonList};
use super::{file_event, readable_text, ReadOptions, RecordSink, Warning};
use crate::model::{Contribution, Event, Language, Person, SourceLocation};
use crate::text::{slugify, squash_whitespace};

/// Longer lines are skipped (and reported) instead of being held in memory.
pub const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

/// A first line cut off at least this long is taken for a record longer than the detection
/// prefix.
const LONG_FIRST_LINE_BYTES: usize = 16 * 1024;

/// Fields of the record shape that are not copied into keywords when their value is unusable.
const IGNORED_FIELDS: &[&str] = &["source", "_type", "_fossil"];

/// True when the first lines of `text` are JSON objects, one per line (and not a one-line
/// Indico export, whose object has `results`).
pub fn looks_like_json_lines(text: &str) -> bool {
    let mut lines = text.split('\n').peekable();
    let mut looked_at = 0;
    while let Some(line) = lines.next() {
        let is_last = lines.peek().is_none();
        let line = line.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        if line.is_empty() {
            continue;
        }
        if !line.starts_with('{') {
            return false;
        }
        match serde_json::from_str::<Map<String, Value>>(line) {
            Ok(object) => return !object.contains_key("results"),
            // A first record longer than the detection prefix (a short cut-off line is a
            // truncated file, which the JSON export reader reports with its line).
            Err(error) if is_last && error.is_eof() && line.len() >= LONG_FIRST_LINE_BYTES => {
                return line.starts_with("{\"")
                    && !line.contains("\"HTTPAPIResult\"")
                    && !line.contains("\"results\"");
            }
            Err(_) => {}
        }
        looked_at += 1;
        if looked_at == 5 {
            return false;
        }
    }
    false
}

/// Read one line without its `\n` into `line`. Returns the bytes consumed (0 at the end) and
/// whether the line was longer than `max` (then `line` holds only its first `max` bytes).
fn read_line_bounded(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    max: usize,
) -> io::Result<(usize, bool)> {
    let mut consumed = 0;
    let mut overlong = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if available.is_empty() {
            return Ok((consumed, overlong));
        }
        let (chunk, used, done) = match available.iter().position(|&b| b == b'\n') {
            Some(end) => (&available[..end], end + 1, true),
            None => (available, available.len(), false),
        };
        let room = max.saturating_sub(line.len());
        if chunk.len() > room {
            overlong = true;
        }
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        reader.consume(used);
        consumed += used;
        if done {
            return Ok((consumed, overlong));
        }
    }
}

/// Stream the records of a JSON Lines input into `sink`. Only an I/O error stops the read.
pub fn read(
    mut reader: impl BufRead,
    file: &str,
    options: &ReadOptions,
    sink: &mut dyn RecordSink,
) -> io::Result<()> {
    let default_event = file_event(file, options, None);
    let mut line = Vec::new();
    let mut line_number = 0usize;
    loop {
        line.clear();
        let (consumed, overlong) = read_line_bounded(&mut reader, &mut line, MAX_LINE_BYTES)?;
        if consumed == 0 {
            return Ok(());
        }
        line_number += 1;
        sink.progress(consumed as u64);
        if overlong {
            sink.warning(Warning::skipped(
                file,
                line_number,
                format!(
                    "line longer than {} MiB, record skipped",
                    MAX_LINE_BYTES >> 20
                ),
            ));
            continue;
        }
        let mut bytes = line.as_slice();
        if line_number == 1 {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        let bytes = bytes.trim_ascii();
        if bytes.is_empty() {
            continue;
        }
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => {
                sink.warning(Warning::skipped(
                    file,
                    line_number,
                    format!(
                        "not UTF-8 (byte {} of the line), record skipped",
                        error.valid_up_to() + 1
                    ),
                ));
                continue;
            }
        };
        let mut notes = Vec::new();
        match record_of(text, file, line_number, &default_event, &mut notes) {
            Ok(record) => {
                for note in notes {
                    sink.warning(Warning::note(file, line_number, note));
                }
                sink.record(record);
            }
            Err(reason) => sink.warning(Warning::skipped(
                file,
                line_number,
                format!("{reason}, record skipped"),
            )),
        }
    }
}

/// The record of one line; `Err` says why it must be skipped, `notes` what was ignored.
fn record_of(
    text: &str,
    file: &str,
    line: usize,
    default_event: &Event,
    notes: &mut Vec<String>,
) -> Result<Contribution, String> {
    let object: Map<String, Value> = match serde_json::from_str(text) {
        Ok(object) => object,
        Err(error) if error.is_data() => return Err("not a JSON object".to_string()),
        Err(error) => return Err(format!("invalid JSON: {error}")),
    };
    record_from_object(object, file, line, default_event, notes)
}

/// The record of one JSON object of the record shape (a JSON Lines line, or an element of
/// the array `parse` prints); `Err` says why it must be skipped, `notes` what was ignored.
pub fn record_from_object(
    mut object: Map<String, Value>,
    file: &str,
    line: usize,
    default_event: &Event,
    notes: &mut Vec<String>,
) -> Result<Contribution, String> {
    let (id, mut external_id) = match object.remove("id") {
        Some(Value::Number(number)) => match number.as_u64() {
            Some(id) => (id, None),
            None => return Err(format!("`id` {number} is not a non-negative integer")),
        },
        Some(Value::String(id)) => {
            let id = id.trim();
            match id.parse::<u64>() {
                Ok(number) => (number, None),
                Err(_) if id.is_empty() => return Err("`id` is empty".to_string()),
                Err(_) => (line as u64, Some(id.to_string())),
            }
        }
        Some(_) => return Err("`id` is neither a number nor a string".to_string()),
        None => return Err("no `id`".to_string()),
    };
    let title = match object.remove("title") {
        Some(Value::String(title)) => readable_text(&title).replace("\n\n", " "),
        Some(_) => return Err("`title` is not a string".to_string()),
        None => return Err("no `title`".to_string()),
    };
    if title.is_empty() {
        return Err("empty `title`".to_string());
    }
    if let Some(value) = object.remove("external_id") {
        match value {
            Value::String(given) if !given.trim().is_empty() => {
                external_id = Some(given.trim().to_string())
            }
            Value::Null | Value::String(_) => {}
            _ => notes.push("`external_id` is not a string, ignored".to_string()),
        }
    }
    let event = match object.remove("event") {
        None | Some(Value::Null) => default_event.clone(),
        Some(value) => event_of(value).unwrap_or_else(|| {
            notes.push("`event` is neither a title nor {slug, title}, file event used".into());
            default_event.clone()
        }),
    };
    let source = SourceLocation {
        file: file.to_string(),
        line,
    };
    let mut record = Contribution::new(event, id, title, source);
    record.external_id = external_id;

    let mut take_string = |object: &mut Map<String, Value>, key: &str| -> Option<String> {
        match object.remove(key)? {
            Value::String(text) => {
                let text = squash_whitespace(&text);
                (!text.is_empty()).then_some(text)
            }
            Value::Null => None,
            Value::Number(number) => Some(number.to_string()),
            _ => {
                notes.push(format!("`{key}` is not a string, ignored"));
                None
            }
        }
    };
    record.kind = take_string(&mut object, "type").or_else(|| take_string(&mut object, "kind"));
    record.theme = take_string(&mut object, "theme");
    record.theme_description = take_string(&mut object, "theme_description");
    record.session = take_string(&mut object, "session");
    let start = take_string(&mut object, "start");
    let day = take_string(&mut object, "day");
    let date = take_string(&mut object, "date");
    let language = take_string(&mut object, "language");

    for key in ["abstract", "description"] {
        match object.remove(key) {
            Some(Value::String(text)) if record.abstract_text.is_empty() => {
                record.abstract_text = readable_text(&text)
            }
            Some(Value::String(_)) | Some(Value::Null) | None => {}
            Some(_) => notes.push(format!("`{key}` is not a string, ignored")),
        }
    }
    record.authors = persons_of(&mut object, "authors", notes);
    record.coauthors = persons_of(&mut object, "coauthors", notes);
    record.speakers = persons_of(&mut object, "speakers", notes);
    record.labs = strings_of(&mut object, "labs", notes);
    let mut keywords = strings_of(&mut object, "keywords", notes);

    if let Some(start) = start {
        match parse_datetime(&start) {
            Some(start) => record.start = Some(start),
            None => notes.push(format!("`start` `{start}` is not a date and time, ignored")),
        }
    }
    record.day = record.start.map(|start| start.date());
    for (key, value) in [("day", day), ("date", date)] {
        let Some(value) = value else { continue };
        if record.day.is_some() {
            continue;
        }
        match parse_date(&value) {
            Some(day) => record.day = Some(day),
            None => notes.push(format!("`{key}` `{value}` is not a date, ignored")),
        }
    }
    match object.remove("duration_minutes") {
        None | Some(Value::Null) => {}
        Some(Value::Number(number)) => match number.as_u64().map(u32::try_from) {
            Some(Ok(minutes)) => match checked_duration(minutes) {
                Ok(minutes) => record.duration_minutes = Some(minutes),
                Err(problem) => notes.push(format!("`duration_minutes` ignored: {problem}")),
            },
            _ => notes.push(format!(
                "`duration_minutes` {number} is out of range, ignored"
            )),
        },
        Some(_) => notes.push("`duration_minutes` is not a number, ignored".to_string()),
    }
    record.language = language.as_deref().and_then(Language::from_code);

    // Whatever else the line carries (`category`, `categories`, `doi`) is searchable text.
    for (key, value) in object {
        if IGNORED_FIELDS.contains(&key.as_str()) {
            continue;
        }
        match value {
            Value::String(text) => keywords.push(squash_whitespace(&text)),
            Value::Array(items) => keywords.extend(
                items
                    .into_iter()
                    .filter_map(|item| item.as_str().map(squash_whitespace)),
            ),
            _ => {}
        }
    }
    keywords.retain(|keyword| !keyword.is_empty());
    let mut seen = std::collections::HashSet::new();
    keywords.retain(|keyword| seen.insert(keyword.to_lowercase()));
    record.keywords = keywords;
    Ok(record)
}

fn event_of(value: Value) -> Option<Event> {
    match value {
        Value::String(title) => {
            let slug = slugify(&title);
            (!slug.is_empty()).then(|| Event {
                slug,
                title: title.trim().to_string(),
            })
        }
        Value::Object(mut object) => {
            let title = object
                .remove("title")
                .and_then(|t| t.as_str().map(str::to_string));
            let slug = object.remove("slug").and_then(|s| s.as_str().map(slugify));
            let slug = slug
                .filter(|slug| !slug.is_empty())
                .or_else(|| title.as_deref().map(slugify))?;
            if slug.is_empty() {
                return None;
            }
            Some(Event {
                title: title.unwrap_or_else(|| slug.clone()),
                slug,
            })
        }
        _ => None,
    }
}

/// A list of strings (or one string split on `,`/`;`).
fn strings_of(object: &mut Map<String, Value>, key: &str, notes: &mut Vec<String>) -> Vec<String> {
    match object.remove(key) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(text)) => text
            .split([',', ';'])
            .map(squash_whitespace)
            .filter(|item| !item.is_empty())
            .collect(),
        Some(Value::Array(items)) => items
            .into_iter()
            .filter_map(|item| match item {
                Value::String(text) => Some(squash_whitespace(&text)),
                _ => None,
            })
            .filter(|item| !item.is_empty())
            .collect(),
        Some(_) => {
            notes.push(format!("`{key}` is not a list of strings, ignored"));
            Vec::new()
        }
    }
}

/// Persons given as objects, strings, or one `;`-separated string. Entries that hold no
/// name (`.`, `:`, `10`) are left out and named in a note.
fn persons_of(object: &mut Map<String, Value>, key: &str, notes: &mut Vec<String>) -> Vec<Person> {
    let role = match key {
        "authors" => "author",
        "coauthors" => "co-author",
        "speakers" => "speaker",
        _ => key,
    };
    let items = match object.remove(key) {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::String(text)) => {
            let list = parse_person_list(&text);
            notes.extend(list.rejected_message(role));
            return list.persons;
        }
        Some(Value::Array(items)) => items,
        Some(_) => {
            notes.push(format!("`{key}` is not a list of persons, ignored"));
            return Vec::new();
        }
    };
    let mut list = PersonList {
        persons: Vec::with_capacity(items.len()),
        rejected: Vec::new(),
    };
    for item in items {
        let person = match &item {
            Value::String(text) => parse_person(text),
            Value::Object(fields) => person_object(fields.clone()),
            _ => None,
        };
        match (person, item) {
            (Some(person), _) => list.persons.push(person),
            (None, Value::String(text)) => list.rejected.push(text),
            (None, other) => list.rejected.push(other.to_string()),
        }
    }
    notes.extend(list.rejected_message(role));
    list.persons
}

fn person_object(mut fields: Map<String, Value>) -> Option<Person> {
    let mut text = |key: &str| -> Option<String> {
        let value = squash_whitespace(fields.remove(key)?.as_str()?);
        (!value.is_empty()).then_some(value)
    };
    let first_name = text("first_name");
    let last_name = text("last_name");
    let title = text("title");
    let affiliation = text("affiliation");
    let full_name = text("name").or_else(|| text("full_name"));
    if first_name.is_none() && last_name.is_none() {
        let mut person = parse_person(&full_name?)?;
        person.title = title.or(person.title);
        person.affiliation = affiliation.or(person.affiliation);
        return Some(person);
    }
    Some(Person {
        first_name: first_name.unwrap_or_default(),
        last_name: last_name.unwrap_or_default(),
        title,
        affiliation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    use crate::corpus::Collect;

    fn read_str(text: &str) -> Collect {
        let mut collect = Collect::default();
        read(
            text.as_bytes(),
            "bench/arxiv-sample.jsonl",
            &ReadOptions::default(),
            &mut collect,
        )
        .unwrap();
        collect
    }

    #[test]
    fn arxiv_line_keeps_its_id_and_becomes_keywords_and_day() {
        let line = r#"{"id": "arXiv:hep-th/9301001", "title": "Gonihedric String and Asymptotic Freedom", "abstract": "Few natural basic principles allow to extend Feynman integral. ", "authors": ["G. K. Savvidy", "K. G. Savvidy"], "category": "hep-th", "categories": ["hep-th"], "date": "1993-01-01", "source": "staeiou/arxiv_archive:processed_data/20200101/per_year/1993.tsv.zip"}"#;
        let collect = read_str(&format!("{line}\n"));
        assert_eq!(collect.warnings, []);
        let record = &collect.records[0];
        assert_eq!(record.id, 1);
        assert_eq!(record.external_id.as_deref(), Some("arXiv:hep-th/9301001"));
        assert_eq!(record.event.slug, "arxiv-sample");
        assert_eq!(record.authors[0].first_name, "G. K.");
        assert_eq!(record.authors[0].last_name, "Savvidy");
        assert_eq!(record.keywords, ["hep-th"]);
        assert_eq!(record.day, NaiveDate::from_ymd_opt(1993, 1, 1));
        assert_eq!(
            record.abstract_text,
            "Few natural basic principles allow to extend Feynman integral."
        );
    }

    #[test]
    fn bad_lines_are_skipped_with_their_line_numbers() {
        let text = "{\"id\": 1, \"title\": \"Kept\"}\n\n{\"id\": 2}\n{\"id\": 3, \"title\": \"Cut\n[1, 2]\n{\"id\": -4, \"title\": \"Negative\"}\n{\"id\": 5, \"title\": \"Kept too\", \"start\": \"soon\"}\r\n";
        let collect = read_str(text);
        let ids: Vec<u64> = collect.records.iter().map(|r| r.id).collect();
        assert_eq!(ids, [1, 5]);
        let lines: Vec<(usize, bool)> = collect
            .warnings
            .iter()
            .map(|w| (w.line, w.skipped))
            .collect();
        assert_eq!(
            lines,
            [(3, true), (4, true), (5, true), (6, true), (7, false)]
        );
        assert_eq!(collect.warnings[0].message, "no `title`, record skipped");
        assert_eq!(
            collect.warnings[2].message,
            "not a JSON object, record skipped"
        );
    }

    #[test]
    fn invalid_utf8_line_is_skipped_not_the_file() {
        let mut bytes = b"{\"id\": 1, \"title\": \"caf".to_vec();
        bytes.push(0xE9);
        bytes.extend_from_slice(b"\"}\n{\"id\": 2, \"title\": \"ok\"}\n");
        let mut collect = Collect::default();
        read(
            bytes.as_slice(),
            "latin1.jsonl",
            &ReadOptions::default(),
            &mut collect,
        )
        .unwrap();
        assert_eq!(collect.records.len(), 1);
        assert_eq!(collect.records[0].id, 2);
        assert_eq!(collect.warnings[0].line, 1);
        assert!(collect.warnings[0]
            .message
            .starts_with("not UTF-8 (byte 24"));
    }

    #[test]
    fn overlong_line_is_consumed_and_skipped() {
        let mut reader = "abcdefgh\nxy\n".as_bytes();
        let mut line = Vec::new();
        assert_eq!(
            read_line_bounded(&mut reader, &mut line, 4).unwrap(),
            (9, true)
        );
        assert_eq!(line, b"abcd");
        line.clear();
        assert_eq!(
            read_line_bounded(&mut reader, &mut line, 4).unwrap(),
            (3, false)
        );
        assert_eq!(line, b"xy");
    }

    #[test]
    fn detection_tells_records_from_an_indico_export() {
        assert!(looks_like_json_lines("{\"id\": 1, \"title\": \"x\"}\n"));
        let long_first_line = format!("{{\"id\": 1, \"title\": \"{}", "x".repeat(20_000));
        assert!(looks_like_json_lines(&long_first_line));
        assert!(!looks_like_json_lines("{\"id\": 1, \"title\": \"cut"));
        assert!(!looks_like_json_lines(
            "{\"count\": 1, \"_type\": \"HTTPAPIResult\", \"results\": []}\n"
        ));
        assert!(!looks_like_json_lines("{\n    \"count\": 1,\n"));
        assert!(!looks_like_json_lines("ID de Contribution: 3\n"));
    }

    #[test]
    fn persons_as_objects_strings_and_parse_output() {
        let line = r#"{"id": 7, "title": "T", "authors": [{"first_name": "Aishik", "last_name": "GHOSH", "title": null, "affiliation": "LAL"}, "ROUSSEAU, David (LAL-Orsay)"], "speakers": "DONINI, Julien (UBP/LPC/IN2P3); VASLIN, Louis", "event": {"slug": "ml-2020", "title": "ML 2020"}, "start": "2020-01-22T11:55:00", "duration_minutes": 30}"#;
        let collect = read_str(line);
        let record = &collect.records[0];
        assert_eq!(record.event.slug, "ml-2020");
        assert_eq!(record.authors[0].affiliation.as_deref(), Some("LAL"));
        assert_eq!(record.authors[1].last_name, "ROUSSEAU");
        assert_eq!(record.speakers.len(), 2);
        assert_eq!(record.day, NaiveDate::from_ymd_opt(2020, 1, 22));
        assert_eq!(record.duration_minutes, Some(30));
    }
}

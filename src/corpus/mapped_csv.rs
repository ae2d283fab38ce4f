//! Any other CSV layout, read through a small TOML mapping file beside it
//! (`talks.csv` → `talks.mapping.toml`) that names the columns holding the title, abstract,
//! keywords, theme and persons. Column names are matched ignoring case, accents and spacing.
//!
//! ```toml
//! event = "Congrès SFT 2021"        # optional: else the file stem
//! id = "SUBMISSION ID"              # optional: else the 1-based row number
//! title = "TITRE"
//! abstract = "RÉSUMÉ"
//! keywords = "MOTS CLÉS"            # split on `,` and `;`
//! theme = "TOPICS"                  # first value of a `,` list is the theme, the rest keywords
//!
//! [[persons]]                       # numbered columns: {n} = 1, 2, … while they exist
//! role = "authors"                  # authors | coauthors | speakers
//! first_name = "AUTHOR {n} PRÉNOM"
//! last_name = "AUTHOR {n} NOM"
//! affiliation = "AUTHOR {n} AFFILIATION"
//!
//! [[persons]]                       # or one column of `;`-separated names
//! role = "speakers"
//! names = "Presenters"
//! ```

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::dates::{duration_cell, parse_date, parse_datetime};
use super::markup::description_text;
use super::person::parse_person_list;
use super::{file_event, CsvHeader, ReadOptions, RecordSink, Warning};
use crate::model::{Contribution, Person, SourceLocation};
use crate::text::squash_whitespace;

/// Highest `{n}` tried for numbered person columns.
const MAX_NUMBERED_PERSONS: usize = 1_000;

/// Which list of the record a person column fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Authors,
    Coauthors,
    Speakers,
}

impl Role {
    /// One person of the role, for messages (`speaker`).
    pub fn noun(self) -> &'static str {
        match self {
            Role::Authors => "author",
            Role::Coauthors => "co-author",
            Role::Speakers => "speaker",
        }
    }
}

/// Columns of one group of persons.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonColumns {
    pub role: Role,
    /// One column of `;`-separated `Last, First (Affiliation)` or `First Last` names.
    pub names: Option<String>,
    /// Numbered columns, `{n}` standing for 1, 2, …
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub affiliation: Option<String>,
}

/// The mapping file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Event title of the file's records.
    pub event: Option<String>,
    /// Field delimiter (default `,`).
    pub delimiter: Option<char>,
    pub id: Option<String>,
    pub title: String,
    #[serde(rename = "abstract")]
    pub abstract_column: Option<String>,
    pub keywords: Option<String>,
    pub theme: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub session: Option<String>,
    pub start: Option<String>,
    pub day: Option<String>,
    pub duration: Option<String>,
    #[serde(default)]
    pub persons: Vec<PersonColumns>,
}

/// Why a mapping cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingError {
    pub path: String,
    pub message: String,
}

/// The mapping file that belongs beside `csv`: `talks.csv` → `talks.mapping.toml`.
pub fn mapping_path_for(csv: &Path) -> PathBuf {
    let stem = csv
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or("mapping");
    csv.with_file_name(format!("{stem}.mapping.toml"))
}

impl Mapping {
    /// Load and check a mapping file.
    pub fn load(path: &Path) -> Result<Mapping, MappingError> {
        let display = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|error| MappingError {
            path: display.clone(),
            message: format!("cannot read: {error}"),
        })?;
        let mapping: Mapping = toml::from_str(&text).map_err(|error| MappingError {
            path: display.clone(),
            message: error.to_string().trim().to_string(),
        })?;
        for (index, persons) in mapping.persons.iter().enumerate() {
            let numbered = persons.first_name.is_some() || persons.last_name.is_some();
            if numbered == persons.names.is_some() {
                return Err(MappingError {
                    path: display,
                    message: format!(
                        "persons entry {} needs either `names` or `first_name`/`last_name`",
                        index + 1
                    ),
                });
            }
        }
        if mapping.delimiter.is_some_and(|d| !d.is_ascii()) {
            return Err(MappingError {
                path: display,
                message: "`delimiter` must be one ASCII character".to_string(),
            });
        }
        Ok(mapping)
    }

    /// The delimiter byte.
    pub fn delimiter_byte(&self) -> u8 {
        self.delimiter.map_or(b',', |d| d as u8)
    }

    /// Every single column the mapping names (numbered person columns excluded).
    fn named_columns(&self) -> Vec<&str> {
        [
            &self.id,
            &self.abstract_column,
            &self.keywords,
            &self.theme,
            &self.kind,
            &self.session,
            &self.start,
            &self.day,
            &self.duration,
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .chain(std::iter::once(self.title.as_str()))
        .chain(self.persons.iter().filter_map(|p| p.names.as_deref()))
        .collect()
    }
}

/// Stream the rows of a CSV into `sink` through `mapping`. A column the mapping names but
/// the header lacks stops the file, with the column's name.
pub fn read(
    input: impl Read,
    file: &str,
    mapping: &Mapping,
    mapping_path: &str,
    options: &ReadOptions,
    sink: &mut dyn RecordSink,
) -> Result<(), super::CsvError> {
    let event = file_event(file, options, mapping.event.as_deref());
    let mut checked = false;
    super::read_csv_rows(
        input,
        mapping.delimiter_byte(),
        file,
        sink,
        |header, row, line, sink| {
            if !checked {
                if let Some(missing) = mapping
                    .named_columns()
                    .into_iter()
                    .find(|name| header.position(name).is_none())
                {
                    return Err(super::CsvError {
                        line: 1,
                        message: format!(
                            "the mapping {mapping_path} names column `{missing}`, which the header lacks"
                        ),
                    });
                }
                checked = true;
            }
            read_row(header, row, line, file, mapping, &event, sink);
            Ok(())
        },
    )
}

fn read_row(
    header: &CsvHeader,
    row: &[&str],
    line: usize,
    file: &str,
    mapping: &Mapping,
    event: &crate::model::Event,
    sink: &mut dyn RecordSink,
) {
    let cell = |name: &Option<String>| -> Option<&str> {
        let value = row.get(header.position(name.as_deref()?)?)?.trim();
        (!value.is_empty()).then_some(value)
    };
    let id = match cell(&mapping.id) {
        None if mapping.id.is_none() => line as u64,
        None => {
            sink.warning(Warning::skipped(file, line, "no id, record skipped"));
            return;
        }
        Some(text) => match text.parse::<u64>() {
            Ok(id) => id,
            Err(_) => {
                sink.warning(Warning::skipped(
                    file,
                    line,
                    format!("id `{text}` is not a number, record skipped"),
                ));
                return;
            }
        },
    };
    let Some(title) = cell(&Some(mapping.title.clone())).map(squash_whitespace) else {
        sink.warning(Warning::skipped(
            file,
            line,
            "empty title, record skipped".to_string(),
        ));
        return;
    };
    let source = SourceLocation {
        file: file.to_string(),
        line,
    };
    let mut record = Contribution::new(event.clone(), id, title, source);
    if let Some(text) = cell(&mapping.abstract_column) {
        record.abstract_text = description_text(text);
    }
    let split = |text: &str| -> Vec<String> {
        text.split([',', ';'])
            .map(squash_whitespace)
            .filter(|item| !item.is_empty())
            .collect()
    };
    if let Some(text) = cell(&mapping.keywords) {
        record.keywords = split(text);
    }
    if let Some(text) = cell(&mapping.theme) {
        let mut themes = split(text).into_iter();
        record.theme = themes.next();
        record.keywords.extend(themes);
    }
    record.kind = cell(&mapping.kind).map(squash_whitespace);
    record.session = cell(&mapping.session).map(squash_whitespace);
    if let Some(text) = cell(&mapping.start) {
        record.start = parse_datetime(text);
        if record.start.is_none() {
            sink.warning(Warning::note(
                file,
                line,
                format!("start `{text}` is not a date and time, ignored"),
            ));
        }
    }
    record.day = record
        .start
        .map(|start| start.date())
        .or_else(|| cell(&mapping.day).and_then(parse_date));
    if let Some(text) = cell(&mapping.duration) {
        match duration_cell(text) {
            Ok(minutes) => record.duration_minutes = Some(minutes),
            Err(problem) => sink.warning(Warning::note(
                file,
                line,
                format!("duration `{text}` ignored: {problem}"),
            )),
        }
    }
    for columns in &mapping.persons {
        let persons = persons_of(header, row, columns, line, file, sink);
        match columns.role {
            Role::Authors => record.authors.extend(persons),
            Role::Coauthors => record.coauthors.extend(persons),
            Role::Speakers => record.speakers.extend(persons),
        }
    }
    sink.record(record);
}

fn persons_of(
    header: &CsvHeader,
    row: &[&str],
    columns: &PersonColumns,
    line: usize,
    file: &str,
    sink: &mut dyn RecordSink,
) -> Vec<Person> {
    let cell = |name: &str| -> Option<String> {
        let value = squash_whitespace(row.get(header.position(name)?)?);
        (!value.is_empty()).then_some(value)
    };
    if let Some(names) = &columns.names {
        let list = cell(names)
            .map(|text| parse_person_list(&text))
            .unwrap_or_default();
        if let Some(message) = list.rejected_message(columns.role.noun()) {
            sink.warning(Warning::note(file, line, message));
        }
        return list.persons;
    }
    let numbered = |pattern: &Option<String>, n: usize| -> Option<String> {
        pattern.as_ref().map(|p| p.replace("{n}", &n.to_string()))
    };
    let mut persons = Vec::new();
    for n in 1..=MAX_NUMBERED_PERSONS {
        let first_column = numbered(&columns.first_name, n);
        let last_column = numbered(&columns.last_name, n);
        let exists = |column: &Option<String>| {
            column
                .as_deref()
                .is_some_and(|c| header.position(c).is_some())
        };
        if !exists(&first_column) && !exists(&last_column) {
            break;
        }
        let first_name = first_column.as_deref().and_then(cell);
        let last_name = last_column.as_deref().and_then(cell);
        if first_name.is_none() && last_name.is_none() {
            continue;
        }
        let affiliation = numbered(&columns.affiliation, n).as_deref().and_then(cell);
        persons.push(Person {
            first_name: first_name.unwrap_or_default(),
            last_name: last_name.unwrap_or_default(),
            title: None,
            affiliation,
        });
        // A pattern without `{n}` names one person only.
        let patterns = [&columns.first_name, &columns.last_name];
        if !patterns
            .iter()
            .any(|p| p.as_deref().is_some_and(|p| p.contains("{n}")))
        {
            break;
        }
    }
    persons
}

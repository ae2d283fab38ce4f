//! The Indico contribution report ("Rapport sur les contributions", "Contribution report",
//! "Book of abstracts") converted from PDF to text or Markdown-ish text.
//!
//! A record starts at an id line (`ID de Contribution: 10`, `#### Contribution ID : 10`), then
//! comes `Type:`, the title, an optional schedule line, the abstract paragraphs and labelled
//! lines (authors, co-authors, speakers, classification), any of them decorated or missing.
//! Page furniture (running header, running title of the next record, `Page N`) is dropped.
//! Labels are a closed set, so a title such as `GammaLearn: Deep learning…` is never a label.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::dates::{is_date_footer, read_schedule_line, ScheduleLine};
use super::latex::math_to_text;
use super::person::parse_person_list;
use super::{file_event, ReadOptions, Warning};
use crate::model::{Contribution, Event, SourceLocation};
use crate::text::{fold_accents, squash_whitespace};

/// What a labelled line holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Id,
    Type,
    Authors,
    Coauthors,
    Speakers,
    Theme,
    Session,
    Keywords,
}

/// Closed set of labels, accent-folded and lower-cased, `(s)` plural markers removed.
fn label_of(name: &str) -> Option<Label> {
    let name = fold_accents(name).to_lowercase().replace("(s)", "");
    let name = squash_whitespace(&name);
    Some(match name.as_str() {
        "id de contribution"
        | "contribution id"
        | "identifiant de la contribution"
        | "identifiant de la presentation"
        | "id de la contribution" => Label::Id,
        "type" => Label::Type,
        "author" | "authors" | "primary author" | "primary authors" | "auteur" | "auteurs"
        | "auteur principal" | "auteurs principaux" => Label::Authors,
        "co-author" | "co-authors" | "co-auteur" | "co-auteurs" | "coauthor" | "coauthors"
        | "coauteur" | "coauteurs" => Label::Coauthors,
        "orateur" | "orateurs" | "presenter" | "presenters" | "speaker" | "speakers"
        | "presentateur" | "presentateurs" | "intervenant" | "intervenants" => Label::Speakers,
        "classification de thematique"
        | "classification des thematiques"
        | "thematiques affectees"
        | "thematique affectee"
        | "track classification" => Label::Theme,
        "session classification" | "classification par session" | "classification de session" => {
            Label::Session
        }
        "keywords" | "mots-cles" | "mots cles" => Label::Keywords,
        _ => return None,
    })
}

/// Remove Markdown heading marks and emphasis around a whole line.
fn strip_decoration(line: &str) -> &str {
    let line = line.trim().trim_start_matches('#').trim();
    let line = line.trim_matches('*').trim_matches('_').trim();
    line
}

/// `**Orateur:** X`, `#### Author: X`, `Contribution ID : 12` → (label, value).
fn parse_label_line(line: &str) -> Option<(Label, String)> {
    let line = line.trim().trim_start_matches('#').trim();
    let colon = line.find(':')?;
    let name = line[..colon].replace('*', "").replace("__", "");
    if name.len() > 40 {
        return None;
    }
    let label = label_of(name.trim())?;
    let value = line[colon + 1..].trim().trim_matches('*').trim();
    Some((label, value.to_string()))
}

static RUNNING_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)/\s*(rapport sur les contributions|contribution report|book of abstracts|livre des résumés)\s*$")
        .expect("valid regex")
});
static PAGE_FOOTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(page\s+\d+(\s*(/|of|sur)\s*\d+)?|\d+\s*/\s*\d+)$|^(page\s+\d+\s+)?(generated|généré)\b")
        .expect("valid regex")
});
static REPORT_TITLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(rapport sur les contributions|contribution report|book of abstracts|livre des résumés)$")
        .expect("valid regex")
});

/// True when `text` has at least one record-start line.
pub fn looks_like_report(text: &str) -> bool {
    text.lines()
        .take(5_000)
        .any(|line| matches!(parse_label_line(line), Some((Label::Id, _))))
}

/// Comparable form of a title for running-title detection.
fn title_key(text: &str) -> String {
    squash_whitespace(&strip_decoration(text).replace("**", "")).to_lowercase()
}

/// A running title is the (possibly truncated with `...`) title of the record on that page.
fn is_running_title(line: &str, titles: &[&str]) -> bool {
    let key = title_key(line);
    if key.is_empty() {
        return false;
    }
    let truncated = key
        .strip_suffix("...")
        .or_else(|| key.strip_suffix('…'))
        .map(str::trim_end);
    titles.iter().any(|title| {
        let title = title_key(title);
        match truncated {
            Some(prefix) => !prefix.is_empty() && title.starts_with(prefix),
            None => title == key,
        }
    })
}

fn is_page_furniture(line: &str) -> bool {
    let line = strip_decoration(line);
    RUNNING_HEADER.is_match(line)
        || PAGE_FOOTER.is_match(line)
        || REPORT_TITLE.is_match(line)
        || is_date_footer(line)
}

/// True when a paragraph's text ends a sentence (so a page break after it is also a
/// paragraph break).
fn ends_sentence(paragraph: &[&str]) -> bool {
    paragraph
        .last()
        .is_some_and(|line| line.trim_end().ends_with(['.', '!', '?', ':', ';', '…']))
}

/// One record's lines: (1-based line number, text).
type Chunk<'a> = Vec<(usize, &'a str)>;

/// Parse a whole report.
pub fn parse(text: &str, file: &str, options: &ReadOptions) -> (Vec<Contribution>, Vec<Warning>) {
    let mut warnings = Vec::new();
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line.trim_matches(['\u{feff}', '\u{c}', '\r'])))
        .collect();
    let starts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, (_, line))| matches!(parse_label_line(line), Some((Label::Id, _))))
        .map(|(index, _)| index)
        .collect();
    let Some(&first_start) = starts.first() else {
        return (Vec::new(), warnings);
    };
    let event = event_of(&lines[..first_start], file, options);
    let chunks: Vec<Chunk> = starts
        .iter()
        .enumerate()
        .map(|(k, &start)| {
            let end = starts.get(k + 1).copied().unwrap_or(lines.len());
            lines[start..end].to_vec()
        })
        .collect();
    let titles: Vec<Option<String>> = chunks.iter().map(|chunk| title_of(chunk)).collect();

    let mut records = Vec::new();
    let mut seen_ids = HashSet::new();
    for (k, chunk) in chunks.iter().enumerate() {
        let own_title = titles[k].as_deref().unwrap_or("");
        let next_title = titles.get(k + 1).and_then(|t| t.as_deref()).unwrap_or("");
        let furniture_titles = [own_title, next_title];
        match parse_record(chunk, &event, file, &furniture_titles, &mut warnings) {
            Some(record) => {
                if seen_ids.insert(record.id) {
                    records.push(record);
                } else {
                    warnings.push(Warning::skipped(
                        file,
                        chunk[0].0,
                        format!(
                            "duplicate contribution id {} in this event, record skipped",
                            record.id
                        ),
                    ));
                }
            }
            None => continue,
        }
    }
    (records, warnings)
}

/// The event title is the first `# ` heading (or first plain line) before the first record.
fn event_of(preamble: &[(usize, &str)], file: &str, options: &ReadOptions) -> Event {
    let candidates = preamble
        .iter()
        .map(|(_, line)| line.trim())
        .filter(|line| !line.is_empty() && !is_page_furniture(line));
    let heading = preamble
        .iter()
        .map(|(_, line)| line.trim())
        .find(|line| line.starts_with("# ") && !is_page_furniture(line))
        .map(strip_decoration);
    let title = heading.or_else(|| candidates.map(strip_decoration).next());
    file_event(file, options, title)
}

/// The title of a chunk: first heading, else first paragraph that is not a label.
fn title_of(chunk: &[(usize, &str)]) -> Option<String> {
    let mut paragraph: Vec<&str> = Vec::new();
    for (_, line) in chunk.iter().skip(1) {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            if !paragraph.is_empty() {
                break;
            }
            continue;
        }
        if parse_label_line(trimmed).is_some() || is_page_furniture(trimmed) {
            if !paragraph.is_empty() {
                break;
            }
            continue;
        }
        if paragraph.is_empty() && read_schedule_line(strip_decoration(trimmed)).is_some() {
            // The title line is missing: the date line that follows it is no title.
            return None;
        }
        if trimmed.starts_with('#') {
            if paragraph.is_empty() {
                return Some(clean_title(trimmed));
            }
            break;
        }
        paragraph.push(trimmed);
    }
    (!paragraph.is_empty()).then(|| clean_title(&paragraph.join(" ")))
}

fn clean_title(text: &str) -> String {
    squash_whitespace(&math_to_text(&strip_decoration(text).replace("**", "")))
}

/// Where the parser is inside one record.
#[derive(Debug, PartialEq, Eq)]
enum Phase {
    BeforeTitle,
    AfterTitle,
    Abstract,
    Labels,
}

fn parse_record(
    chunk: &[(usize, &str)],
    event: &Event,
    file: &str,
    furniture_titles: &[&str],
    warnings: &mut Vec<Warning>,
) -> Option<Contribution> {
    let (id_line, id_text) = chunk[0];
    let skip = |warnings: &mut Vec<Warning>, line: usize, message: String| {
        warnings.push(Warning::skipped(file, line, message))
    };
    let note = |warnings: &mut Vec<Warning>, line: usize, message: String| {
        warnings.push(Warning::note(file, line, message))
    };
    let id_value = parse_label_line(id_text).map(|(_, value)| value)?;
    let Ok(id) = id_value.trim().parse::<u64>() else {
        skip(
            warnings,
            id_line,
            format!("contribution id `{id_value}` is not a number, record skipped"),
        );
        return None;
    };
    let mut record = Contribution::new(
        event.clone(),
        id,
        String::new(),
        SourceLocation {
            file: file.to_string(),
            line: id_line,
        },
    );
    let mut phase = Phase::BeforeTitle;
    let mut title_lines: Vec<&str> = Vec::new();
    let mut paragraphs: Vec<Vec<&str>> = Vec::new();
    let mut current_label: Option<(Label, String, usize)> = None;
    let mut previous_blank = true;
    let mut after_page_break = false;

    for &(line_number, raw) in &chunk[1..] {
        let line = raw.trim();
        let blank = line.is_empty();
        if blank {
            previous_blank = true;
            if phase == Phase::BeforeTitle && !title_lines.is_empty() {
                phase = Phase::AfterTitle;
            }
            continue;
        }
        if is_page_furniture(line) || (previous_blank && is_running_title(line, furniture_titles)) {
            // A running title equal to this record's own title is only furniture once the
            // title itself has been read.
            let is_own_title_line = phase == Phase::BeforeTitle && title_lines.is_empty();
            if !is_own_title_line || is_page_furniture(line) {
                after_page_break = true;
                continue;
            }
        }
        let continues_across_page = std::mem::take(&mut after_page_break);
        if let Some((label, value)) = parse_label_line(line) {
            flush_label(&mut record, current_label.take(), warnings, file);
            if label == Label::Type {
                record.kind = (!value.is_empty()).then_some(value);
                previous_blank = false;
                continue;
            }
            phase = Phase::Labels;
            current_label = Some((label, value, line_number));
            previous_blank = false;
            continue;
        }
        let schedule_line = matches!(phase, Phase::BeforeTitle | Phase::AfterTitle)
            .then(|| read_schedule_line(strip_decoration(line)))
            .flatten();
        if let Some(schedule_line) = schedule_line {
            if title_lines.is_empty() {
                // Taking the date line as the title would lose the schedule and invent a
                // title: the record is reported instead.
                skip(
                    warnings,
                    line_number,
                    format!(
                        "contribution {id} has no title (its date line comes first), record skipped"
                    ),
                );
                return None;
            }
            match schedule_line {
                ScheduleLine::Valid {
                    schedule,
                    duration_problem,
                } => {
                    record.start = Some(schedule.start);
                    record.day = Some(schedule.start.date());
                    record.duration_minutes = schedule.duration_minutes;
                    if let Some(problem) = duration_problem {
                        note(
                            warnings,
                            line_number,
                            format!("duration of contribution {id} ignored: {problem}"),
                        );
                    }
                }
                ScheduleLine::Invalid { reason } => note(
                    warnings,
                    line_number,
                    format!(
                        "date line `{}` of contribution {id} ignored ({reason}), record kept without a start",
                        truncate(strip_decoration(line), 60)
                    ),
                ),
            }
            phase = Phase::Abstract;
            previous_blank = false;
            continue;
        }
        match phase {
            Phase::BeforeTitle => {
                if line.starts_with('#') && title_lines.is_empty() {
                    title_lines.push(line);
                    phase = Phase::AfterTitle;
                } else if line.starts_with('#') || !previous_blank || title_lines.is_empty() {
                    title_lines.push(line);
                } else {
                    phase = Phase::Abstract;
                    paragraphs.push(vec![line]);
                }
            }
            Phase::AfterTitle => {
                phase = Phase::Abstract;
                paragraphs.push(vec![line]);
            }
            Phase::Abstract => {
                // A paragraph cut by a page break goes on after the footer and header; PDF
                // conversion also leaves a blank line where a page broke a sentence, seen as
                // a lowercase start after a paragraph that ends no sentence.
                let unfinished = paragraphs.last().is_some_and(|last| !ends_sentence(last));
                let cut_by_page = unfinished && (continues_across_page || starts_lowercase(line));
                if (previous_blank && !cut_by_page) || paragraphs.is_empty() {
                    paragraphs.push(vec![line]);
                } else if let Some(last) = paragraphs.last_mut() {
                    last.push(line);
                }
            }
            Phase::Labels => {
                // A wrapped label value continues on the next line; anything after a blank
                // line is stray text the parser cannot place.
                match (&mut current_label, previous_blank) {
                    (Some((_, value, _)), false) => {
                        value.push(' ');
                        value.push_str(line);
                    }
                    _ => note(
                        warnings,
                        line_number,
                        format!(
                            "text after the labelled fields of contribution {id} ignored: `{}`",
                            truncate(line, 60)
                        ),
                    ),
                }
            }
        }
        previous_blank = false;
    }
    flush_label(&mut record, current_label.take(), warnings, file);

    record.title = clean_title(&title_lines.join(" "));
    if record.title.is_empty() {
        skip(
            warnings,
            id_line,
            format!("contribution {id} has no title, record skipped"),
        );
        return None;
    }
    record.abstract_text = paragraphs
        .iter()
        .map(|lines| squash_whitespace(&math_to_text(&lines.join(" "))))
        .filter(|paragraph| !paragraph.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    Some(record)
}

fn flush_label(
    record: &mut Contribution,
    label: Option<(Label, String, usize)>,
    warnings: &mut Vec<Warning>,
    file: &str,
) {
    let Some((label, value, line)) = label else {
        return;
    };
    if label == Label::Id {
        warnings.push(Warning::note(file, line, "unexpected second id line"));
        return;
    }
    let value = squash_whitespace(&value);
    let mut persons = |role: &str| {
        let list = parse_person_list(&value);
        if let Some(message) = list.rejected_message(role) {
            warnings.push(Warning::note(file, line, message));
        }
        list.persons
    };
    match label {
        Label::Id => {}
        Label::Authors => record.authors.extend(persons("author")),
        Label::Coauthors => record.coauthors.extend(persons("co-author")),
        Label::Speakers => record.speakers.extend(persons("speaker")),
        Label::Theme => {
            let (theme, description) = match value.split_once(" : ") {
                Some((theme, description)) => (theme.trim(), Some(description.trim())),
                None => (value.trim(), None),
            };
            record.theme = (!theme.is_empty()).then(|| theme.to_string());
            record.theme_description = description.filter(|d| !d.is_empty()).map(str::to_string);
        }
        Label::Session => record.session = (!value.is_empty()).then_some(value),
        Label::Keywords => record.keywords.extend(
            value
                .split([',', ';'])
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(str::to_string),
        ),
        Label::Type => record.kind = (!value.is_empty()).then_some(value),
    }
}

/// True when `line` starts with a lowercase letter (a sentence going on).
fn starts_lowercase(line: &str) -> bool {
    line.chars().next().is_some_and(char::is_lowercase)
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((index, _)) => format!("{}…", &text[..index]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_with_colons_are_not_labels() {
        assert!(parse_label_line("### GammaLearn: Deep learning applied").is_none());
        assert_eq!(
            parse_label_line("**Orateurs:** DONINI, Julien (UBP/LPC/IN2P3)"),
            Some((
                Label::Speakers,
                "DONINI, Julien (UBP/LPC/IN2P3)".to_string()
            ))
        );
        assert_eq!(
            parse_label_line("#### ID de Contribution: 10"),
            Some((Label::Id, "10".to_string()))
        );
        assert_eq!(
            parse_label_line("Contribution ID : 12"),
            Some((Label::Id, "12".to_string()))
        );
    }

    #[test]
    fn running_titles_match_truncated_prefixes() {
        let titles = ["Measuring Quantum Interference in the Off-shell Higgs", ""];
        assert!(is_running_title(
            "Measuring Quantum Interference i ...",
            &titles
        ));
        assert!(!is_running_title("Measuring something else ...", &titles));
        assert!(is_page_furniture(
            "IN2P3/IRFU Mac ... / Rapport sur les contributions"
        ));
        assert!(is_page_furniture("Page 12"));
    }
}

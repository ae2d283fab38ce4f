//! The seed report with one line damaged, as a person editing or converting it might: the
//! parser names each damage with `file:line` and never turns it into a wrong field
//! (a date line taken as the title, a date moved into the abstract, `(LAL` as a speaker).

use abstract_search::corpus::{self, ParsedFile};

use crate::support::{labs, seed, seed_path};

const FILE: &str = "damaged.md";

/// The seed report with its 1-based line `number` replaced by `replacement`.
fn seed_with_line(number: usize, replacement: &str) -> ParsedFile {
    let text = std::fs::read_to_string(seed_path()).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .enumerate()
        .map(|(index, line)| {
            if index + 1 == number {
                replacement
            } else {
                line
            }
        })
        .collect();
    corpus::parse_text(&lines.join("\n"), FILE, &labs()).unwrap()
}

fn warnings(parsed: &ParsedFile) -> Vec<String> {
    parsed.warnings.iter().map(ToString::to_string).collect()
}

#[test]
fn a_record_without_its_title_line_is_reported_and_skipped() {
    // Line 117 is `#### Waveform Processing using Artificial Neural Networks`, line 119 its
    // date line `mercredi 22 janvier 2020 14:25 (25 minutes)`.
    let parsed = seed_with_line(117, "");
    // The running title of 9's page (line 111) no longer matches any title, so it is
    // reported too: it is the one trace of the lost title.
    assert_eq!(
        warnings(&parsed),
        [
            "damaged.md:111: text after the labelled fields of contribution 8 ignored: \
             `Waveform Processing using Artifi...`",
            "damaged.md:119: contribution 9 has no title (its date line comes first), record skipped"
        ]
    );
    assert!(!parsed.warnings[0].skipped);
    assert!(parsed.warnings[1].skipped);
    let ids: Vec<u64> = parsed.records.iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), 29);
    assert!(!ids.contains(&9));
    assert!(parsed
        .records
        .iter()
        .all(|record| !record.title.contains("janvier 2020")));
    // The neighbours keep their own titles and schedules.
    let record_8 = parsed.records.iter().find(|r| r.id == 8).unwrap();
    assert_eq!(record_8.title, seed(8).title);
    assert_eq!(record_8.start, seed(8).start);
}

#[test]
fn an_impossible_date_line_is_reported_and_the_record_kept_without_a_start() {
    let parsed = seed_with_line(119, "mercredi 32 janvier 2020 25:99");
    assert_eq!(
        warnings(&parsed),
        [
            "damaged.md:119: date line `mercredi 32 janvier 2020 25:99` of contribution 9 ignored \
          (there is no day 32 in janvier 2020), record kept without a start"
        ]
    );
    assert!(!parsed.warnings[0].skipped);
    let record = parsed.records.iter().find(|r| r.id == 9).unwrap();
    assert_eq!(
        record.title,
        "Waveform Processing using Artificial Neural Networks"
    );
    assert_eq!(record.start, None);
    assert_eq!(record.day, None);
    assert_eq!(record.abstract_text, seed(9).abstract_text);
    assert!(!record.abstract_text.contains("32 janvier"));
}

#[test]
fn an_absurd_duration_is_reported_and_left_out() {
    let parsed = seed_with_line(119, "mercredi 22 janvier 2020 14:25 (99999 minutes)");
    assert_eq!(
        warnings(&parsed),
        [
            "damaged.md:119: duration of contribution 9 ignored: a duration of 99999 minutes is \
          longer than 24 hours"
        ]
    );
    let record = parsed.records.iter().find(|r| r.id == 9).unwrap();
    assert_eq!(record.start, seed(9).start);
    assert_eq!(record.duration_minutes, None);
}

#[test]
fn speaker_entries_without_a_name_are_reported_not_made_persons() {
    // Line 137 is `Orateur: STEZOWSKI, Olivier (IP2I)`.
    let parsed = seed_with_line(137, "Orateur: ; , () ;; (LAL");
    assert_eq!(
        warnings(&parsed),
        ["damaged.md:137: 2 speaker entries are not names, ignored: `, ()`, `(LAL`"]
    );
    let record = parsed.records.iter().find(|r| r.id == 9).unwrap();
    assert_eq!(record.speakers, []);
    assert_eq!(record.authors, seed(9).authors);
    let parsed = seed_with_line(137, "Orateur: STEZOWSKI, Olivier (IP2I); (LAL");
    let record = parsed.records.iter().find(|r| r.id == 9).unwrap();
    assert_eq!(record.speakers.len(), 1);
    assert_eq!(record.speakers[0].last_name, "STEZOWSKI");
    assert_eq!(
        warnings(&parsed),
        ["damaged.md:137: 1 speaker entry is not a name, ignored: `(LAL`"]
    );
}

#[test]
fn sentences_split_by_a_pdf_page_break_are_joined() {
    let abstract_9 = &seed(9).abstract_text;
    assert!(
        abstract_9.contains("tracking array AGATA and the neutron detector NEDA."),
        "{abstract_9}"
    );
    assert!(
        abstract_9.contains("AGATA/NEDA/DIAMANT experiment , data on which"),
        "{abstract_9}"
    );
    // Real paragraph breaks stay: 9 has five paragraphs.
    assert_eq!(abstract_9.split("\n\n").count(), 5, "{abstract_9}");
    let abstract_20 = &seed(20).abstract_text;
    assert!(
        abstract_20.contains("identify the presence of a source in a mixture"),
        "{abstract_20}"
    );
    assert_eq!(abstract_20.split("\n\n").count(), 2, "{abstract_20}");
    for record in crate::support::seed_records() {
        for paragraph in record.abstract_text.split("\n\n") {
            assert!(!paragraph.contains("  "), "{}: {paragraph:?}", record.id);
            assert!(!paragraph.contains('\n'), "{}: {paragraph:?}", record.id);
            assert!(
                !paragraph.starts_with(char::is_lowercase),
                "{}: {paragraph:?}",
                record.id
            );
        }
    }
}

#[test]
fn snippets_over_a_joined_page_break_read_as_one_sentence() {
    let response = crate::support::search(&abstract_search::SearchRequest::query(
        "neutron detector NEDA",
    ));
    let hit = response.hits.iter().find(|hit| hit.id == 9).unwrap();
    assert!(
        hit.snippet_html
            .contains("tracking array AGATA and the <mark>neutron</mark> <mark>detector</mark> <mark>NEDA</mark>."),
        "{}",
        hit.snippet_html
    );
    assert!(
        hit.snippet_html
            .contains("AGATA/<mark>NEDA</mark>/DIAMANT experiment ,"),
        "{}",
        hit.snippet_html
    );
    assert!(!hit.snippet_html.contains("  "), "{}", hit.snippet_html);
}

//! Property tests (issue 8, item 1) with proptest: the invariants every input must keep.
//! - parsing never panics, on any UTF-8 and on reports cut, shuffled and spliced;
//! - every parsed record round-trips through the index unchanged;
//! - a snippet (and a highlighted title) is HTML whose text, with `<mark>` removed and
//!   entities decoded, is a piece of the stored field, whatever the text and the query.
//!
//! Failing cases are shrunk by proptest and printed; add them to the regression tests.

use std::collections::HashSet;
use std::sync::OnceLock;

use proptest::prelude::*;

use abstract_search::analysis::annotate_languages;
use abstract_search::corpus::{parse_text, LabTable};
use abstract_search::search::SearchRequest;
use abstract_search::{Contribution, Engine};

use crate::support::{labs, seed_path, seed_records};

fn lab_table() -> &'static LabTable {
    static LABS: OnceLock<LabTable> = OnceLock::new();
    LABS.get_or_init(labs)
}

/// The lines of the bundled report, the raw material of report-shaped inputs.
fn seed_lines() -> &'static [String] {
    static LINES: OnceLock<Vec<String>> = OnceLock::new();
    LINES.get_or_init(|| {
        std::fs::read_to_string(seed_path())
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    })
}

/// Text with what PDF conversion and people put in reports: accents, ligatures, math,
/// hyphens, apostrophes, markup, control characters, line breaks.
fn messy_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => "[a-zA-Z]{1,12}",
            1 => "[éèàçœæßÉ]{1,3}[a-z]{0,5}",
            1 => Just("-".to_string()),
            1 => Just("l'".to_string()),
            1 => Just("’".to_string()),
            1 => Just("$\\sqrt{s}$".to_string()),
            1 => Just("<b>&amp;\"'</b>".to_string()),
            1 => Just("\n".to_string()),
            1 => Just("\n\n".to_string()),
            1 => Just("\r\n".to_string()),
            1 => "[\u{0}-\u{1f}\u{7f}]",
            1 => "\\PC{1,3}",
            3 => Just(" ".to_string()),
        ],
        0..80,
    )
    .prop_map(|pieces| pieces.concat())
}

/// A report: lines of the seed report, some dropped, repeated, cut or swapped for other
/// text, so the parser meets records broken in every way.
fn report_like() -> impl Strategy<Value = String> {
    let line_count = seed_lines().len();
    prop::collection::vec(
        prop_oneof![
            6 => (0..line_count).prop_map(|i| seed_lines()[i].clone()),
            2 => (0..line_count, 0usize..200).prop_map(|(i, cut)| {
                let line = &seed_lines()[i];
                line.chars().take(cut).collect()
            }),
            1 => messy_text(),
            1 => Just(String::new()),
        ],
        0..120,
    )
    .prop_map(|lines| lines.join("\n"))
}

/// Keep the first record of each key, as `ingest` does.
fn first_of_each_key(records: Vec<Contribution>) -> Vec<Contribution> {
    let mut keys = HashSet::new();
    records
        .into_iter()
        .filter(|record| keys.insert(record.key()))
        .collect()
}

/// Undo our HTML: drop `<mark>`/`</mark>`, decode the five entities we write.
fn html_text(html: &str) -> String {
    html.replace("<mark>", "")
        .replace("</mark>", "")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The stored text as a snippet shows it: paragraph breaks read as spaces, tabs and
/// carriage returns as spaces, other control characters dropped.
fn as_displayed(text: &str, keep_line_feeds: bool) -> String {
    let text = if keep_line_feeds {
        text.to_string()
    } else {
        text.replace("\n\n", " ").replace('\n', " ")
    };
    text.chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\t' | '\r' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

fn assert_piece_of(html: &str, stored: &str, keep_line_feeds: bool) -> Result<(), TestCaseError> {
    let without_markup = html.replace("<mark>", "").replace("</mark>", "");
    prop_assert!(
        !without_markup.contains('<') && !without_markup.contains('>'),
        "markup other than <mark> in {html:?}"
    );
    let text = html_text(html);
    let text = text.strip_prefix("… ").unwrap_or(&text);
    let text = text.strip_suffix(" …").unwrap_or(text);
    let stored = as_displayed(stored, keep_line_feeds);
    prop_assert!(
        stored.contains(text),
        "{text:?} is not a piece of {stored:?}"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parsing_any_text_never_panics(text in "\\PC*") {
        let _ = parse_text(&text, "any.md", lab_table());
    }

    #[test]
    fn parsing_broken_reports_never_panics(text in report_like()) {
        if let Ok(parsed) = parse_text(&text, "broken.md", lab_table()) {
            for record in &parsed.records {
                prop_assert!(!record.title.trim().is_empty(), "record {} has no title", record.id);
            }
            for warning in &parsed.warnings {
                prop_assert_eq!(&warning.file, "broken.md");
                prop_assert!(warning.line >= 1);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_parsed_record_round_trips_through_the_index(text in report_like()) {
        let Ok(parsed) = parse_text(&text, "broken.md", lab_table()) else {
            return Ok(());
        };
        let mut records = first_of_each_key(parsed.records);
        annotate_languages(&mut records);
        let engine = Engine::from_records(&records).unwrap();
        prop_assert_eq!(engine.document_count(), records.len() as u64);
        for record in &records {
            let stored = engine
                .contribution(&record.event.slug, &record.id.to_string())
                .unwrap();
            prop_assert_eq!(&stored, record);
        }
    }

    #[test]
    fn snippets_are_pieces_of_the_stored_text(
        abstract_text in messy_text(),
        title in messy_text(),
        query_words in prop::collection::vec(prop_oneof!["[a-zA-Zé]{1,8}", messy_text()], 1..4),
        pick in prop::collection::vec(any::<prop::sample::Index>(), 0..3),
    ) {
        let mut record = seed_records()[0].clone();
        record.abstract_text = abstract_text.clone();
        record.title = if title.trim().is_empty() { "t".to_string() } else { title.clone() };
        let mut records = vec![record];
        annotate_languages(&mut records);
        let engine = Engine::from_records(&records).unwrap();
        // Words of the text itself, so the query matches, beside arbitrary ones.
        let words: Vec<&str> = abstract_text.split_whitespace().collect();
        let mut query = query_words.join(" ");
        if !words.is_empty() {
            for index in &pick {
                query.push(' ');
                query.push_str(words[index.index(words.len())]);
            }
        }
        let query: String = query.chars().take(1_000).collect();
        let mut request = SearchRequest::query(query);
        request.per_page = 10;
        let response = engine.search(&request).unwrap();
        for hit in &response.hits {
            assert_piece_of(&hit.snippet_html, &records[0].abstract_text, false)?;
            assert_piece_of(&hit.title_html, &records[0].title, false)?;
        }
        let suggestions = engine.suggest(&request.q, 8).unwrap();
        for title in &suggestions.titles {
            assert_piece_of(&title.title_html, &records[0].title, false)?;
        }
    }
}

#[test]
fn a_phrase_mark_across_a_line_break_kept_the_line_break() {
    // Found by `snippets_are_pieces_of_the_stored_text`: the text around marks was flattened
    // to one line, the marked text was not.
    let mut record = seed_records()[0].clone();
    record.abstract_text = "deep\nlearning for calorimeters".to_string();
    let engine = Engine::from_records(&[record]).unwrap();
    let response = engine
        .search(&SearchRequest::query("\"deep learning\""))
        .unwrap();
    assert_eq!(
        response.hits[0].snippet_html,
        "<mark>deep learning</mark> for calorimeters"
    );
}

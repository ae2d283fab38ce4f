//! Every input format parses to the records a person reads in it: the Indico documentation's
//! export example, a `detail=sessions` export with nested blocks, the contribution report
//! with English labels, older French labels and as plain pdftotext output (all rewritten
//! from the seed, so they must give the seed's records), Indico's contribution-list CSV,
//! and a French CSV read through a mapping file. Formats are detected from the content.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use abstract_search::corpus::{self, FileError, Format};
use abstract_search::search::SearchRequest;
use abstract_search::{Contribution, Engine, Language};

use crate::support::{labs, repo, seed, sorted};

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures").join(name)
}

/// A file of `../shared`, or `None` (with a message) when this checkout has none.
fn shared(relative: &str) -> Option<PathBuf> {
    let path = repo().join("..").join("shared").join(relative);
    if path.is_file() {
        Some(path)
    } else {
        eprintln!("skipped: ../shared/{relative} is absent");
        None
    }
}

fn read(path: &Path) -> corpus::ParsedFile {
    corpus::read_file(path, &labs()).unwrap_or_else(|e| panic!("{e}"))
}

fn record(records: &[Contribution], id: u64) -> &Contribution {
    records
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("record {id}"))
}

#[test]
fn indico_documentation_example_gives_its_four_contributions() {
    let Some(path) = shared("fixtures/indico-export-event137346-contributions.json") else {
        return;
    };
    let parsed = read(&path);
    assert_eq!(parsed.format, Format::IndicoJson);
    assert_eq!(parsed.warnings, []);
    let found: Vec<(u64, &str)> = parsed
        .records
        .iter()
        .map(|r| (r.id, r.title.as_str()))
        .collect();
    assert_eq!(
        found,
        [(1, "d1c2"), (0, "d1c1"), (3, "d2s1c1"), (2, "d2c1")]
    );
    let d2s1c1 = record(&parsed.records, 3);
    assert_eq!(d2s1c1.event.title, "Export Test");
    assert_eq!(d2s1c1.event.slug, "export-test");
    assert_eq!(d2s1c1.session.as_deref(), Some("d2s1"));
    assert_eq!(
        d2s1c1.start,
        NaiveDate::from_ymd_opt(2011, 6, 24).and_then(|d| d.and_hms_opt(14, 0, 0))
    );
    assert_eq!(record(&parsed.records, 2).duration_minutes, Some(120));
}

#[test]
fn sessions_export_yields_each_contribution_once() {
    let parsed = read(&fixture("indico-export-sessions.json"));
    assert_eq!(parsed.format, Format::IndicoJson);
    assert_eq!(parsed.warnings, []);
    // 3 is listed at the top and in both blocks of its session; 4 and 12 only in blocks.
    let ids: Vec<u64> = parsed.records.iter().map(|r| r.id).collect();
    assert_eq!(sorted(ids), [3, 4, 12, 34]);
    assert_eq!(parsed.records[0].source.line, 34);

    let gan = record(&parsed.records, 3);
    assert_eq!(gan.event.slug, "in2p3-irfu-machine-learning-workshop");
    assert_eq!(gan.session.as_deref(), Some("Simulation"));
    assert_eq!(
        gan.theme.as_deref(),
        Some("ML for simulation and surrogate model")
    );
    assert_eq!(gan.kind.as_deref(), Some("Talk"));
    assert_eq!(gan.keywords, ["GAN", "fast simulation", "SIM-1"]);
    assert_eq!(gan.authors[1].last_name, "ROUSSEAU");
    assert_eq!(gan.authors[1].affiliation.as_deref(), Some("LAL-Orsay"));
    assert_eq!(gan.labs, ["LAL"]);
    // HTML reduced: paragraphs kept, tags gone, entities decoded.
    assert_eq!(
        gan.abstract_text,
        "Accurate simulations of showers in the ATLAS calorimeter are incredibly resource intensive, consuming the largest fraction of CPU time on the CERN computing grid.\n\nGenerative Adversarial Networks are investigated as a scalable solution for modelling the response of the electromagnetic calorimeter & its photons."
    );

    // Markdown markers and LaTeX do not leak.
    let higgs = record(&parsed.records, 4);
    assert_eq!(
        higgs.abstract_text,
        "Motivation\n\nThe traditional methods of training a classifier break down in the context of quantum interference.\n\nWe use Madminer methods for the off-shell Higgs to four leptons signal strength, with √s = 13 TeV data."
    );
    assert_eq!(higgs.coauthors[0].title.as_deref(), Some("Dr"));
    assert_eq!(higgs.coauthors[0].affiliation, None);

    // Unscheduled, person known only by `fullName`.
    let vbs = record(&parsed.records, 34);
    assert_eq!((vbs.start, vbs.day), (None, None));
    assert_eq!(vbs.duration_minutes, Some(20));
    assert_eq!(vbs.authors[0].last_name, "COVARELLI");
    assert_eq!(vbs.authors[0].first_name, "Roberto");

    // A poster found in a block of the `Posters` session, `\r\n` and entities in plain text.
    let poster = record(&parsed.records, 12);
    assert_eq!(poster.session.as_deref(), Some("Posters"));
    assert_eq!(
        poster.abstract_text,
        "Tracking with graph neural networks. Line two of the abstract.\n\nSecond paragraph: pT > 1 GeV & |eta| < 2.5."
    );
    assert_eq!(poster.keywords, ["tracking", "GNN", "P-12"]);
}

#[test]
fn html_never_reaches_snippets() {
    let parsed = read(&fixture("indico-export-sessions.json"));
    let engine = Engine::from_records(&parsed.records).unwrap();
    let response = engine
        .search(&SearchRequest::query("resource intensive"))
        .unwrap();
    assert_eq!(response.hits[0].id, 3);
    let snippet = response.hits[0]
        .snippet_html
        .replace("<mark>", "")
        .replace("</mark>", "");
    assert!(!snippet.contains('<'), "{snippet}");
    assert!(
        snippet.contains("incredibly resource intensive"),
        "{snippet}"
    );
    let response = engine.search(&SearchRequest::query("madminer")).unwrap();
    assert_eq!(response.hits[0].id, 4);
    assert!(!response.hits[0].snippet_html.contains("**"));
    assert!(!response.hits[0].snippet_html.contains("]("));
}

/// Everything a report variant must give exactly as the seed does (the `Type` value is
/// printed in the export's language, and the source is another file).
fn comparable(record: &Contribution) -> Contribution {
    let mut record = record.clone();
    record.kind = None;
    record.source = Default::default();
    record
}

fn assert_same_records_as_seed(file: &str) {
    let parsed = read(&fixture(file));
    assert_eq!(parsed.format, Format::ContributionReport);
    assert_eq!(parsed.warnings, [], "{file}");
    let ids: Vec<u64> = parsed.records.iter().map(|r| r.id).collect();
    assert_eq!(ids, (3..=10).collect::<Vec<u64>>(), "{file}");
    let mut records = parsed.records.clone();
    abstract_search::analysis::annotate_languages(&mut records);
    for record in &records {
        assert_eq!(comparable(record), comparable(seed(record.id)), "{file}");
    }
}

#[test]
fn english_report_parses_to_the_seed_records() {
    assert_same_records_as_seed("report-en.md");
    let parsed = read(&fixture("report-en.md"));
    assert_eq!(parsed.records[0].kind.as_deref(), Some("not specified"));
}

#[test]
fn old_french_labels_parse_to_the_seed_records() {
    assert_same_records_as_seed("report-fr-old.txt");
}

#[test]
fn pdftotext_output_parses_to_the_seed_records() {
    // Form feeds, running headers, `January 20, 2020   Page N` footers, and the abstract of
    // contribution 10 cut by a page break mid-sentence.
    assert_same_records_as_seed("report-pdftotext.txt");
}

#[test]
fn indico_csv_finds_columns_by_name() {
    let parsed = read(&fixture("indico-contributions.csv"));
    assert_eq!(parsed.format, Format::IndicoCsv);
    let ids: Vec<u64> = parsed.records.iter().map(|r| r.id).collect();
    assert_eq!(ids, [3, 5, 6, 34]);
    let skipped: Vec<(usize, &str)> = parsed
        .warnings
        .iter()
        .map(|w| (w.line, w.message.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            (6, "`Id` `x12` is not a number, record skipped"),
            (7, "contribution 40 has no title, record skipped")
        ]
    );
    for record in &parsed.records {
        let expected = seed(record.id);
        assert_eq!(record.title, expected.title);
        // Paragraphs survive the export's four-space line breaks.
        assert_eq!(record.abstract_text, expected.abstract_text);
        assert_eq!(record.start, expected.start);
        assert_eq!(record.speakers, expected.speakers);
        assert_eq!(record.theme, expected.theme);
        assert_eq!(record.labs, expected.labs);
    }
    // `Duration` is text: `30 minutes`, and `1h 30m` for 5 in this fixture.
    assert_eq!(record(&parsed.records, 3).duration_minutes, Some(30));
    assert_eq!(record(&parsed.records, 5).duration_minutes, Some(90));
    let authors = &record(&parsed.records, 6).authors;
    assert_eq!(authors.len(), 3);
    assert_eq!(authors[2].first_name, "Ioan");
    assert_eq!(authors[2].last_name, "DINU");
    assert_eq!(authors[2].affiliation.as_deref(), Some("INFIN-HH / LPC"));
}

#[test]
fn format_is_detected_from_content_not_name() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "indico-export-sessions.json",
            "notes.txt",
            Format::IndicoJson,
        ),
        ("indico-contributions.csv", "export.json", Format::IndicoCsv),
        ("report-en.md", "report.csv", Format::ContributionReport),
    ];
    for (source, name, format) in cases {
        let path = dir.path().join(name);
        std::fs::copy(fixture(source), &path).unwrap();
        assert_eq!(read(&path).format, format, "{source} as {name}");
    }
}

/// The French CSV and its mapping side by side in a folder of their own.
fn french_csv_folder() -> Option<(tempfile::TempDir, PathBuf)> {
    let csv = shared("fixtures/sft2021-resumes-fr.csv")?;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sft2021-resumes-fr.csv");
    std::fs::copy(csv, &path).unwrap();
    std::fs::copy(
        fixture("sft2021-resumes-fr.mapping.toml"),
        dir.path().join("sft2021-resumes-fr.mapping.toml"),
    )
    .unwrap();
    Some((dir, path))
}

#[test]
fn french_csv_through_its_mapping_gives_80_french_records() {
    let Some((_dir, path)) = french_csv_folder() else {
        return;
    };
    let parsed = read(&path);
    assert_eq!(parsed.format, Format::MappedCsv);
    assert_eq!(parsed.warnings, []);
    assert_eq!(parsed.records.len(), 80);
    let first = &parsed.records[0];
    assert_eq!(first.id, 1);
    assert_eq!(
        first.title,
        "Modélisation et intégration temporelle d’un problème thermique couplé par la méthode de Monte Carlo"
    );
    assert_eq!(first.event.slug, "congres-sft-2021");
    assert_eq!(first.theme.as_deref(), Some("Habitat"));
    assert_eq!(
        first.keywords,
        [
            "Méthode de Monte Carlo",
            "Couplage",
            "Conduction",
            "Rayonnement",
            "Convection",
            "Modélisation"
        ]
    );
    assert_eq!(first.authors.len(), 5);
    assert_eq!(first.authors[1].first_name, "Olivier");
    assert_eq!(first.authors[1].last_name, "Farges");
    assert_eq!(first.day, NaiveDate::from_ymd_opt(2020, 11, 16));
    // Multi-line quoted cells keep their paragraphs.
    assert_eq!(first.abstract_text.matches("\n\n").count(), 3);

    let mut records = parsed.records.clone();
    abstract_search::analysis::annotate_languages(&mut records);
    let english: Vec<u64> = records
        .iter()
        .filter(|r| r.language == Some(Language::En))
        .map(|r| r.id)
        .collect();
    let french = records
        .iter()
        .filter(|r| r.language == Some(Language::Fr))
        .count();
    // The seven abstracts written in English are the only ones not detected as French.
    assert_eq!(english, [3, 13, 35, 45, 54, 66, 83]);
    assert_eq!(french, 73);
}

#[test]
fn french_queries_find_the_french_csv_records() {
    let Some((_dir, path)) = french_csv_folder() else {
        return;
    };
    let (records, reports) = abstract_search::ingest::load_files(&[path], &labs()).unwrap();
    assert_eq!(reports[0].records, 80);
    let engine = Engine::from_records(&records).unwrap();
    for (query, top_id, total) in [
        ("transfert thermique", 69, 35),
        ("échangeur de chaleur", 21, 15),
        ("l’écoulement", 46, 22),
    ] {
        let response = engine.search(&SearchRequest::query(query)).unwrap();
        assert_eq!(response.total, total, "{query}");
        assert_eq!(response.hits[0].id, top_id, "{query}");
        assert_eq!(response.hits[0].language, Some(Language::Fr), "{query}");
    }
    let response = engine
        .search(&SearchRequest::query("échangeur de chaleur"))
        .unwrap();
    assert!(response.hits[0]
        .title
        .starts_with("Optimisation des paramètres d'un échangeur de chaleur"));
}

#[test]
fn csv_without_mapping_names_the_mapping_file_to_write() {
    let Some(csv) = shared("fixtures/sft2021-resumes-fr.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("talks.csv");
    std::fs::copy(csv, &path).unwrap();
    let error = corpus::read_file(&path, &labs()).unwrap_err();
    assert!(matches!(error, FileError::UnmappedCsv { .. }));
    assert!(error.to_string().ends_with("talks.mapping.toml"), "{error}");
}

#[test]
fn a_two_column_or_semicolon_csv_got_no_mapping_hint() {
    // Found by a fresh-clone check: only a comma header of three columns was taken for CSV.
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("pairs.csv", "a,b\n1,2\n"),
        (
            "resumes.csv",
            "TITRE;RÉSUMÉ;AUTEUR\nUn titre;Un résumé;Marie Curie\n",
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let error = corpus::read_file(&path, &labs()).unwrap_err();
        let mapping = name.replace(".csv", ".mapping.toml");
        assert!(
            matches!(error, FileError::UnmappedCsv { .. }),
            "{name}: {error}"
        );
        assert!(error.to_string().ends_with(&mapping), "{error}");
    }
    // Prose whose first line has one comma is still not taken for a CSV.
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "Hello, world\nnothing to index here\n").unwrap();
    let error = corpus::read_file(&path, &labs()).unwrap_err();
    assert!(matches!(error, FileError::UnknownFormat { .. }), "{error}");
}

#[test]
fn mapping_naming_a_missing_column_stops_the_file_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("talks.csv");
    std::fs::write(&path, "Name,Summary\nA talk,Its abstract\n").unwrap();
    std::fs::write(
        dir.path().join("talks.mapping.toml"),
        "title = \"Name\"\nabstract = \"Résumé\"\n",
    )
    .unwrap();
    let error = corpus::read_file(&path, &labs()).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("names column `Résumé`, which the header lacks"),
        "{message}"
    );
}

#[test]
fn malformed_files_are_errors_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let truncated = std::fs::read(fixture("indico-export-sessions.json")).unwrap();
    let truncated = write("truncated.json", &truncated[..truncated.len() / 2]);
    let message = corpus::read_file(&truncated, &labs())
        .unwrap_err()
        .to_string();
    assert!(message.contains("truncated.json:"), "{message}");
    assert!(
        message.contains("invalid JSON: EOF while parsing"),
        "{message}"
    );

    let binary = write("image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR");
    assert!(matches!(
        corpus::read_file(&binary, &labs()),
        Err(FileError::Binary { line: 3, .. })
    ));
    let latin1 = write(
        "latin1.md",
        b"ID de Contribution: 3\n\nType: Non sp\xe9cifi\xe9\n",
    );
    assert!(matches!(
        corpus::read_file(&latin1, &labs()),
        Err(FileError::NotUtf8 { line: 3, .. })
    ));
    let empty = write("empty.jsonl", b"\xEF\xBB\xBF\n\n");
    assert!(matches!(
        corpus::read_file(&empty, &labs()),
        Err(FileError::Empty { .. })
    ));
}

/// Deterministic xorshift, so a failure names a reproducible case.
fn next_random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn readers_never_panic_on_mangled_input() {
    const FRAGMENTS: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        "\"id\": 1,",
        "\"id\": \"arXiv:x\",",
        "\"title\": \"T\"",
        "\"results\": [",
        "\"contributions\": [",
        "\"sessions\": [{\"contributions\": [",
        "\"startDate\": {\"date\": \"2020-01-22\"}",
        "\"speakers\": [{}]",
        "\"description\": \"<p>a",
        "<p>",
        "</",
        "<script>",
        "<!--",
        "&amp;",
        "&#x",
        "$\\mu$",
        "$",
        "^{",
        "_",
        "\\",
        "ID de Contribution: 3\n",
        "Contribution ID : x\n",
        "Type: x\n",
        "Authors: A, B (C; D\n",
        "Orateur: ",
        "\n",
        "\r\n",
        "\n\n",
        ",",
        ";",
        "\"",
        "Id,Title,Description\n",
        "Id,Title\n1,",
        "é",
        "\u{feff}",
        "**",
        "[a](b)",
        "# ",
        "## ",
        "* ",
        "January 20, 2020",
        "Page 3",
        "\u{c}",
        "(",
        ")",
        "mercredi 22 janvier 2020 11:55 (",
        "99999999999999999999999",
        "null",
        "-1",
    ];
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let fixtures: Vec<String> = [
        "indico-export-sessions.json",
        "indico-contributions.csv",
        "report-pdftotext.txt",
        "report-en.md",
    ]
    .iter()
    .map(|name| std::fs::read_to_string(fixture(name)).unwrap())
    .collect();
    let labs = labs();
    for case in 0..4_000 {
        let mut text = String::new();
        if case % 4 == 0 {
            // A real file cut anywhere, with a fragment spliced in.
            let source = &fixtures[(next_random(&mut state) % 4) as usize];
            let mut cut = (next_random(&mut state) as usize) % source.len();
            while !source.is_char_boundary(cut) {
                cut -= 1;
            }
            text.push_str(&source[..cut]);
        }
        for _ in 0..(next_random(&mut state) % 40) {
            text.push_str(FRAGMENTS[(next_random(&mut state) as usize) % FRAGMENTS.len()]);
        }
        // Only panics fail the test; errors and warnings are the expected outcomes.
        let _ = corpus::parse_text(&text, "mangled", &labs);
    }
}

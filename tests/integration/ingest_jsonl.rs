//! JSON Lines input: `parse --jsonl` output re-ingests to the same records, the 50k arXiv
//! bench file reads completely, and ingesting a file into an index holding other events
//! replaces that file's event and nothing else.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use abstract_search::corpus::{self, Format, LabTable, ReadOptions, RecordSink, Warning};
use abstract_search::index::IndexStore;
use abstract_search::ingest::{self, Quiet};
use abstract_search::search::{FacetName, SearchRequest};
use abstract_search::{Contribution, Engine};

use crate::support::{labs, repo, seed_path, seed_records};

const ARXIV: &str = "../shared/bench/arxiv-physics-50k.jsonl";

/// The bench file, or `None` (with a message) when this checkout has no `../shared`.
fn arxiv_path() -> Option<PathBuf> {
    let path = repo().join(ARXIV);
    if path.is_file() {
        Some(path)
    } else {
        eprintln!("skipped: {ARXIV} is absent");
        None
    }
}

/// The first `lines` lines of the bench file, as a file of its own in `dir`.
fn arxiv_sample(dir: &Path, name: &str, lines: usize) -> Option<PathBuf> {
    let source = BufReader::new(std::fs::File::open(arxiv_path()?).unwrap());
    let path = dir.join(name);
    let mut out = std::fs::File::create(&path).unwrap();
    for line in source.lines().take(lines) {
        writeln!(out, "{}", line.unwrap()).unwrap();
    }
    Some(path)
}

fn without_source(records: &[Contribution]) -> Vec<Contribution> {
    records
        .iter()
        .cloned()
        .map(|mut record| {
            record.source = Default::default();
            record
        })
        .collect()
}

#[test]
fn parse_output_as_jsonl_reingests_to_the_same_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed-records.jsonl");
    let mut out = std::fs::File::create(&path).unwrap();
    for record in seed_records() {
        writeln!(out, "{}", serde_json::to_string(record).unwrap()).unwrap();
    }
    drop(out);
    let parsed = corpus::read_file(&path, &labs()).unwrap();
    assert_eq!(parsed.format, Format::JsonLines);
    assert_eq!(parsed.warnings, []);
    assert_eq!(parsed.records.len(), 30);
    assert_eq!(
        without_source(&parsed.records),
        without_source(seed_records())
    );
    // The source is where the record was read this time: line 5 holds the fifth record.
    assert_eq!(parsed.records[4].source.line, 5);
    assert_eq!(parsed.records[4].id, 7);
}

/// Counts what a reader produces without keeping it.
#[derive(Default)]
struct Count {
    records: usize,
    first: Option<Contribution>,
    last: Option<Contribution>,
    warnings: Vec<Warning>,
    keys: std::collections::HashSet<String>,
}

impl RecordSink for Count {
    fn record(&mut self, record: Contribution) {
        self.records += 1;
        self.keys.insert(record.key());
        if self.first.is_none() {
            self.first = Some(record);
        } else {
            self.last = Some(record);
        }
    }
    fn warning(&mut self, warning: Warning) {
        self.warnings.push(warning);
    }
}

#[test]
fn arxiv_50k_reads_completely_with_string_ids_kept() {
    let Some(path) = arxiv_path() else { return };
    let mut count = Count::default();
    let format = corpus::read_into(
        &path,
        &ReadOptions::default(),
        &LabTable::default(),
        &mut count,
    )
    .unwrap();
    assert_eq!(format, Format::JsonLines);
    assert_eq!(count.records, 50_000);
    assert_eq!(count.keys.len(), 50_000);
    // Nothing skipped; the only notes are author entries that are no names (`.`, `:`, `10`).
    assert!(
        count.warnings.iter().all(|w| !w.skipped),
        "{:?}",
        count.warnings
    );
    assert_eq!(count.warnings.len(), 60);
    assert_eq!(count.warnings[0].line, 523);
    assert_eq!(
        count.warnings[0].message,
        "1 author entry is not a name, ignored: `10`"
    );
    let first = count.first.unwrap();
    assert_eq!(first.id, 1);
    assert_eq!(first.external_id.as_deref(), Some("arXiv:hep-th/9301001"));
    assert_eq!(first.title, "Gonihedric String and Asymptotic Freedom");
    assert_eq!(first.event.slug, "arxiv-physics-50k");
    assert_eq!(first.keywords, ["hep-th"]);
    assert_eq!(first.authors[0].last_name, "Savvidy");
    assert_eq!(count.last.unwrap().id, 50_000);
}

fn engine_of(store: &IndexStore) -> Engine {
    let (index, generation) = store.open_current().unwrap();
    Engine::new(index, Some(generation)).unwrap()
}

fn event_total(engine: &Engine, event: &str) -> u64 {
    let request = SearchRequest::query("")
        .with_filter(FacetName::Event, event)
        .unwrap();
    engine.search(&request).unwrap().total
}

#[test]
fn reingesting_a_file_replaces_its_event_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let corpus_dir = dir.path().join("corpus");
    std::fs::create_dir(&corpus_dir).unwrap();
    std::fs::copy(seed_path(), corpus_dir.join("seed.md")).unwrap();
    std::fs::copy(
        repo().join("corpus/labs.toml"),
        corpus_dir.join("labs.toml"),
    )
    .unwrap();
    let store = IndexStore::new(dir.path().join("index"));
    let report = ingest::rebuild(&corpus_dir, &store, &Quiet).unwrap();
    assert_eq!(report.documents, 30);

    let Some(sample) = arxiv_sample(dir.path(), "arxiv.jsonl", 300) else {
        return;
    };
    let options = ReadOptions::default();
    let report = ingest::ingest_files(
        std::slice::from_ref(&sample),
        &options,
        &corpus_dir,
        &store,
        &Quiet,
    )
    .unwrap();
    assert_eq!(report.records, 300);
    assert_eq!(report.documents, 330);
    assert_eq!(report.files[0].events, ["arxiv"]);
    let engine = engine_of(&store);
    assert_eq!(event_total(&engine, "arxiv"), 300);
    assert_eq!(
        event_total(&engine, "in2p3-irfu-machine-learning-workshop"),
        30
    );

    // The external id is searchable and returned.
    let response = engine
        .search(&SearchRequest::query("hep-th/9301001"))
        .unwrap();
    assert_eq!(response.hits[0].id, 1);
    assert_eq!(
        response.hits[0].external_id.as_deref(),
        Some("arXiv:hep-th/9301001")
    );
    assert_eq!(
        engine
            .contribution("arxiv", "1")
            .unwrap()
            .external_id
            .as_deref(),
        Some("arXiv:hep-th/9301001")
    );

    // The file shrinks to 100 lines: its event holds 100 records, the seed still 30.
    arxiv_sample(dir.path(), "arxiv.jsonl", 100).unwrap();
    let report = ingest::ingest_files(&[sample], &options, &corpus_dir, &store, &Quiet).unwrap();
    assert_eq!(report.records, 100);
    assert_eq!(report.documents, 130);
    let engine = engine_of(&store);
    assert_eq!(event_total(&engine, "arxiv"), 100);
    assert_eq!(
        event_total(&engine, "in2p3-irfu-machine-learning-workshop"),
        30
    );
    assert!(engine.contribution("arxiv", "101").is_err());

    // The corpus did not change, so `serve` would not rebuild; a rebuild keeps the file.
    assert!(!store.is_stale(&ingest::corpus_stamp(&corpus_dir).unwrap()));
    let report = ingest::rebuild(&corpus_dir, &store, &Quiet).unwrap();
    assert_eq!(report.documents, 130);
}

#[test]
fn a_file_naming_another_files_event_replaces_it_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let corpus_dir = dir.path().join("corpus");
    std::fs::create_dir(&corpus_dir).unwrap();
    std::fs::copy(seed_path(), corpus_dir.join("seed.md")).unwrap();
    let store = IndexStore::new(dir.path().join("index"));
    ingest::rebuild(&corpus_dir, &store, &Quiet).unwrap();
    let update = dir.path().join("corrections.jsonl");
    std::fs::write(
        &update,
        "{\"id\": 3, \"title\": \"GANs for fast simulation (corrected)\"}\n{\"id\": 4, \"title\": \"Quantum interference (corrected)\"}\n",
    )
    .unwrap();
    let options = ReadOptions {
        event_title: Some("IN2P3/IRFU Machine Learning workshop".to_string()),
        mapping: None,
    };
    let report = ingest::ingest_files(&[update], &options, &corpus_dir, &store, &Quiet).unwrap();
    assert_eq!(report.documents, 2);
    let note = report.files[0].warnings[0].to_string();
    assert!(
        note.contains("event `in2p3-irfu-machine-learning-workshop` also held records of")
            && note.contains("seed.md; they were replaced by this file's"),
        "{note}"
    );
    let engine = engine_of(&store);
    let record = engine
        .contribution("in2p3-irfu-machine-learning-workshop", "3")
        .unwrap();
    assert_eq!(record.title, "GANs for fast simulation (corrected)");
}

#[test]
fn parse_output_as_a_json_array_reingests_to_the_same_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seed-records.json");
    std::fs::write(&path, serde_json::to_string_pretty(seed_records()).unwrap()).unwrap();
    let parsed = corpus::read_file(&path, &labs()).unwrap();
    assert_eq!(parsed.format, Format::JsonRecords);
    assert_eq!(parsed.warnings, []);
    assert_eq!(
        without_source(&parsed.records),
        without_source(seed_records())
    );
    // Each record's line is the line of its id.
    let text = std::fs::read_to_string(&path).unwrap();
    let line = parsed.records[4].source.line;
    assert_eq!(text.lines().nth(line - 1).unwrap().trim(), "\"id\": 7,");
}

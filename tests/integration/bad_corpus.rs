//! Bad corpus input (issue 8, item 2) not covered by `ingest_report` and `input_formats`
//! (empty, binary, Latin-1, truncated JSON, symlink loop, two files of one event are there):
//! a BOM and CRLF line ends change nothing, a 200 MB file streams in bounded memory, a
//! record with 10,000 authors is indexed and served, bad lines of a JSON Lines file are
//! reported by line and the rest indexed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use abstract_search::corpus::{self, Format};
use abstract_search::index::IndexStore;
use abstract_search::ingest::{self, Quiet};
use abstract_search::search::SearchRequest;
use abstract_search::Engine;

use crate::support::{labs, repo, seed_path, seed_records};

const BINARY: &str = env!("CARGO_BIN_EXE_abstract-search");

fn corpus_folder(dir: &Path) -> PathBuf {
    let corpus = dir.join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::copy(repo().join("corpus/labs.toml"), corpus.join("labs.toml")).unwrap();
    corpus
}

#[test]
fn bom_and_crlf_report_gives_the_seed_records() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(seed_path()).unwrap();
    let path = dir.path().join("windows.md");
    let windows = format!("\u{feff}{}", text.replace('\n', "\r\n"));
    std::fs::write(&path, windows).unwrap();
    let parsed = corpus::read_file(&path, &labs()).unwrap();
    assert_eq!(parsed.format, Format::ContributionReport);
    assert_eq!(parsed.records.len(), 30);
    for (read, seed) in parsed.records.iter().zip(seed_records()) {
        assert_eq!(read.id, seed.id);
        assert_eq!(read.title, seed.title, "record {}", seed.id);
        assert_eq!(read.abstract_text, seed.abstract_text, "record {}", seed.id);
        assert_eq!(read.speakers, seed.speakers, "record {}", seed.id);
        assert!(!read.abstract_text.contains('\r'));
    }
}

/// Peak resident memory of a child process, polled from `/proc` until it exits.
/// mimalloc returns freed memory at once (as `serve` configures it), so the peak measures
/// what is held, not what the allocator has yet to give back.
fn run_measuring_peak_rss(command: &mut Command) -> (std::process::ExitStatus, u64, String) {
    let mut child = command
        .env("MIMALLOC_PURGE_DELAY", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    let status = loop {
        if let Ok(status) = std::fs::read_to_string(&status_path) {
            if let Some(kb) = status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            {
                peak_kb = peak_kb.max(kb);
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut stdout).unwrap();
    (status, peak_kb, stdout)
}

#[test]
fn a_200_mb_file_streams_in_bounded_memory() {
    // 200 MB of JSON Lines: records at both ends, a 100 MB line in the middle (over the
    // 64 MiB line bound) and 100 MB of other long lines. Reading it whole would take more
    // than 200 MB; streaming keeps the reader near one line bound.
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus_folder(dir.path());
    let path = corpus.join("big.jsonl");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let record = |id: usize| {
        format!(
            "{{\"id\": {id}, \"title\": \"Streaming record {id}\", \"abstract\": \"calorimeter number {id}\", \"event\": \"big\"}}\n"
        )
    };
    for id in 1..=500 {
        file.write_all(record(id).as_bytes()).unwrap();
    }
    let filler = vec![b'x'; 1 << 20];
    file.write_all(b"{\"id\": 0, \"title\": \"").unwrap();
    for _ in 0..100 {
        file.write_all(&filler).unwrap();
    }
    file.write_all(b"\"}\n").unwrap();
    // 99 lines of 1 MiB of spaces inside a string: valid JSON, missing title.
    for _ in 0..99 {
        file.write_all(b"{\"id\": 9, \"abstract\": \"").unwrap();
        file.write_all(&vec![b' '; (1 << 20) - 40]).unwrap();
        file.write_all(b"\"}\n").unwrap();
    }
    for id in 501..=1_000 {
        file.write_all(record(id).as_bytes()).unwrap();
    }
    file.flush().unwrap();
    drop(file);
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size > 200_000_000, "{size} bytes");

    // The same records without the 200 MB of long lines: the memory an ingest needs anyway
    // (writer heap, allocator), which the big file may exceed by one line bound at most.
    let small = dir.path().join("small");
    std::fs::create_dir_all(&small).unwrap();
    std::fs::copy(corpus.join("labs.toml"), small.join("labs.toml")).unwrap();
    let records: String = (1..=1_000).map(record).collect();
    std::fs::write(small.join("big.jsonl"), records).unwrap();
    let (status, baseline_kb, _) = run_measuring_peak_rss(
        Command::new(BINARY)
            .args(["ingest", "--json", "--corpus"])
            .arg(&small)
            .arg("--index")
            .arg(dir.path().join("small-index")),
    );
    assert!(status.success());

    let index = dir.path().join("index");
    let (status, peak_kb, stdout) = run_measuring_peak_rss(
        Command::new(BINARY)
            .args(["ingest", "--json", "--corpus"])
            .arg(&corpus)
            .arg("--index")
            .arg(&index),
    );
    assert_eq!(
        status.code(),
        Some(2),
        "records were skipped: exit status 2"
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["records"], 1_000);
    let file = &report["files"][0];
    let warnings = file["warnings"].as_array().unwrap();
    let overlong = warnings
        .iter()
        .find(|w| {
            w["message"]
                .as_str()
                .unwrap_or_default()
                .contains("line longer than 64 MiB")
        })
        .unwrap_or_else(|| panic!("{warnings:?}"));
    assert_eq!(overlong["line"], 501, "{overlong}");
    assert!(
        overlong["file"].as_str().unwrap().ends_with("big.jsonl"),
        "{overlong}"
    );
    assert_eq!(file["skipped"], 100, "{file}");
    let (peak_mb, baseline_mb) = (peak_kb / 1024, baseline_kb / 1024);
    eprintln!(
        "bad_corpus: ingest of {size} bytes: peak RSS {peak_mb} MB; same records alone: {baseline_mb} MB"
    );
    // One line buffer of at most 64 MiB (MAX_LINE_BYTES) above the baseline (measured:
    // 152 MB against 75-80; once 20 MB more under a loaded machine, so the slack is one more
    // line bound); reading the file whole would add its 200 MB.
    let line_bound_mb = (abstract_search::corpus::jsonl::MAX_LINE_BYTES >> 20) as u64;
    assert!(
        peak_mb < baseline_mb + 2 * line_bound_mb,
        "ingest of a {} MB file held {peak_mb} MB, {baseline_mb} MB without its long lines: not streamed",
        size >> 20
    );
    let (opened, generation) = IndexStore::new(&index).open_current().unwrap();
    let engine = Engine::new(opened, Some(generation)).unwrap();
    assert_eq!(engine.document_count(), 1_000);
    assert_eq!(
        engine.contribution("big", "1000").unwrap().title,
        "Streaming record 1000"
    );
}

#[test]
fn a_record_with_10000_authors_is_indexed_and_served() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus_folder(dir.path());
    std::fs::copy(seed_path(), corpus.join("in2p3-irfu-ml-workshop-2020.md")).unwrap();
    let authors: Vec<String> = (0..10_000)
        .map(|i| format!("\"Author{i}, Given{i} (Lab{})\"", i % 37))
        .collect();
    let line = format!(
        "{{\"id\": 1, \"title\": \"The ten thousand author paper\", \"abstract\": \"A collaboration measures the calorimeter response.\", \"event\": \"collaboration\", \"authors\": [{}]}}\n",
        authors.join(", ")
    );
    std::fs::write(corpus.join("collaboration.jsonl"), line).unwrap();
    let store = IndexStore::new(dir.path().join("index"));
    let report = ingest::rebuild(&corpus, &store, &Quiet).unwrap();
    assert_eq!(report.records, 31);
    let (index, generation) = store.open_current().unwrap();
    let engine = Engine::new(index, Some(generation)).unwrap();
    let record = engine.contribution("collaboration", "1").unwrap();
    assert_eq!(record.authors.len(), 10_000);
    assert_eq!(record.authors[9_999].last_name, "Author9999");
    // The 9,999th author's name finds the record, and a search answers it whole.
    let response = engine.search(&SearchRequest::query("Author9998")).unwrap();
    assert_eq!(response.total, 1);
    assert_eq!(response.hits[0].authors.len(), 10_000);
    let response = engine.search(&SearchRequest::query("calorimeter")).unwrap();
    assert!(response.hits.iter().any(|h| h.event == "collaboration"));
}

#[test]
fn one_bad_byte_early_in_a_json_lines_file_dropped_the_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus_folder(dir.path());
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"\xEF\xBB\xBF{\"id\": 1, \"title\": \"First, after a BOM\"}\r\n");
    bytes.extend_from_slice(b"{\"id\": 2, \"title\": \"Latin-1 \xe9t\xe9\"}\n");
    bytes.extend_from_slice(b"{\"id\": 3, \"title\": \"Third\"}\r\n");
    bytes.extend_from_slice(b"{\"id\": 4, \"title\": \"truncated\n");
    bytes.extend_from_slice(b"\x00\x01\x02binary\n");
    bytes.extend_from_slice(b"{\"id\": 6, \"title\": \"Sixth\"}");
    std::fs::write(corpus.join("mixed.jsonl"), bytes).unwrap();
    let store = IndexStore::new(dir.path().join("index"));
    let report = ingest::rebuild(&corpus, &store, &Quiet).unwrap();
    let file = &report.files[0];
    assert_eq!(file.format, Some(Format::JsonLines));
    assert_eq!(file.records, 3);
    let lines: Vec<usize> = file.warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, [2, 4, 5], "{:?}", file.warnings);
    for warning in &file.warnings {
        assert!(warning.file.ends_with("mixed.jsonl"), "{warning}");
    }
    assert!(
        file.warnings[0].message.contains("UTF-8"),
        "{}",
        file.warnings[0]
    );
    let (index, generation) = store.open_current().unwrap();
    let engine = Engine::new(index, Some(generation)).unwrap();
    let titles: Vec<String> = ["1", "3", "6"]
        .iter()
        .map(|id| engine.contribution("mixed", id).unwrap().title)
        .collect();
    assert_eq!(titles, ["First, after a BOM", "Third", "Sixth"]);
}

//! What `ingest` reports and how it survives bad files: a folder with good, partly bad and
//! unreadable files indexes everything it can, names every skip with `file:line: reason`,
//! keeps many events apart in one index, exits 2 when something was skipped; and a running
//! `serve` picks up a rebuilt index without a restart, answering every request meanwhile.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use abstract_search::corpus::{Format, ReadOptions};
use abstract_search::index::IndexStore;
use abstract_search::ingest::{self, Quiet};
use abstract_search::Engine;

use crate::support::{repo, seed_path};

const SEED_EVENT: &str = "in2p3-irfu-machine-learning-workshop";

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures").join(name)
}

/// A corpus folder holding the seed, the given fixtures (renamed) and extra raw files.
fn corpus_with(dir: &Path, fixtures: &[(&str, &str)], raw: &[(&str, &[u8])]) -> PathBuf {
    let corpus = dir.join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::copy(seed_path(), corpus.join("in2p3-irfu-ml-workshop-2020.md")).unwrap();
    std::fs::copy(repo().join("corpus/labs.toml"), corpus.join("labs.toml")).unwrap();
    for (name, target) in fixtures {
        std::fs::copy(fixture(name), corpus.join(target)).unwrap();
    }
    for (name, bytes) in raw {
        std::fs::write(corpus.join(name), bytes).unwrap();
    }
    corpus
}

#[test]
fn bad_files_are_reported_and_the_others_indexed() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus_with(
        dir.path(),
        &[
            ("indico-export-sessions.json", "indico-export-sessions.json"),
            ("indico-contributions.csv", "indico-contributions.csv"),
        ],
        &[
            (
                "truncated.json",
                b"{\"results\": [{\"title\": \"x\", \"contr",
            ),
            ("photo.md", b"\xff\xd8\xff\xe0\x00\x10JFIF"),
        ],
    );
    std::os::unix::fs::symlink("loop.md", corpus.join("loop.md")).unwrap();
    let store = IndexStore::new(dir.path().join("index"));
    let report = ingest::rebuild(&corpus, &store, &Quiet).unwrap();
    let by_name = |name: &str| {
        report
            .files
            .iter()
            .find(|f| f.path.ends_with(name))
            .unwrap_or_else(|| panic!("{name} reported"))
    };
    let seed = by_name("in2p3-irfu-ml-workshop-2020.md");
    assert_eq!(
        (seed.format, seed.records, seed.skipped),
        (Some(Format::ContributionReport), 30, 0)
    );
    // The export is of the seed's event: 3, 4, 12 and 34 were already read from the report.
    let export = by_name("indico-export-sessions.json");
    assert_eq!(export.format, Some(Format::IndicoJson));
    assert_eq!((export.records, export.skipped), (0, 4));
    assert!(export.events.is_empty());
    assert!(export.warnings[0]
        .to_string()
        .ends_with("indico-export-sessions.json:34: contribution 3 of event `in2p3-irfu-machine-learning-workshop` was already read, record skipped"));
    let csv = by_name("indico-contributions.csv");
    assert_eq!((csv.records, csv.skipped), (4, 2));
    assert_eq!(csv.events, ["indico-contributions"]);
    let truncated = by_name("truncated.json");
    assert_eq!(truncated.format, None);
    assert!(truncated
        .error
        .as_deref()
        .unwrap()
        .contains("truncated.json:1: invalid JSON: EOF while parsing"));
    assert!(by_name("photo.md")
        .error
        .as_deref()
        .unwrap()
        .contains("binary data"));

    let symlink_loop = by_name("loop.md").error.as_deref().unwrap();
    assert!(
        symlink_loop.contains("loop.md: cannot read"),
        "{symlink_loop}"
    );

    assert_eq!(report.records, 34);
    assert_eq!(report.skipped, 6);
    assert_eq!(report.failed_files, 3);
    assert_eq!(report.documents, 34);
    assert!(!report.is_clean());

    // Many events in one index, each with its count, keyed by (event, id).
    let (index, generation) = store.open_current().unwrap();
    let engine = Engine::new(index, Some(generation)).unwrap();
    let (total, facets) = engine.facets(&Default::default()).unwrap();
    assert_eq!(total, 34);
    let events: Vec<(&str, u64)> = facets["event"]
        .iter()
        .map(|c| (c.value.as_str(), c.count))
        .collect();
    assert_eq!(events, [(SEED_EVENT, 30), ("indico-contributions", 4)]);
    // The same id in two events is two records.
    let in_seed = engine.contribution(SEED_EVENT, "3").unwrap();
    let in_csv = engine.contribution("indico-contributions", "3").unwrap();
    assert_eq!(in_seed.title, in_csv.title);
    assert_eq!(in_csv.source.line, 2);
}

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_abstract-search"))
}

#[test]
fn ingest_command_prints_json_report_and_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus_with(dir.path(), &[], &[]);
    let index = dir.path().join("index");
    let output = binary()
        .args(["ingest", "--json", "--corpus"])
        .arg(&corpus)
        .arg("--index")
        .arg(&index)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["records"], 30);
    assert_eq!(report["files"][0]["format"], "contribution-report");
    // Not a terminal: no progress bar drawn on stderr.
    assert!(!String::from_utf8_lossy(&output.stderr).contains('\r'));

    // Adding a file with skipped rows: its event joins the index, exit status 2.
    let output = binary()
        .arg("ingest")
        .arg(fixture("indico-contributions.csv"))
        .args(["--event", "Contribution list", "--corpus"])
        .arg(&corpus)
        .arg("--index")
        .arg(&index)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("indico-contributions.csv: indico-csv, 4 records indexed, 2 skipped, 2 warnings, events: contribution-list"),
        "{stdout}"
    );
    assert!(
        stdout.contains("indico-contributions.csv:6: `Id` `x12` is not a number, record skipped"),
        "{stdout}"
    );
    assert!(stdout.contains("34 documents in the index"), "{stdout}");
}

/// A `serve` child process, killed when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(corpus: &Path, index: &Path) -> Server {
    let mut child = binary()
        .args(["serve", "--addr", "127.0.0.1:0", "--corpus"])
        .arg(corpus)
        .arg("--index")
        .arg(index)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("serve logs its address")
            .expect("stderr is text");
        if let Some(rest) = line.split("serving on http://").nth(1) {
            break rest.split('/').next().unwrap_or_default().to_string();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, addr }
}

/// Status and body of `GET path` (HTTP/1.1, one connection per request).
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    (status, body)
}

fn documents(addr: &str) -> u64 {
    let (status, body) = get(addr, "/healthz");
    assert_eq!(status, 200, "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    body["documents"].as_u64().unwrap()
}

#[test]
fn serve_swaps_in_a_rebuilt_index_without_failing_requests() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus_with(dir.path(), &[], &[]);
    let index = dir.path().join("index");
    let server = start_server(&corpus, &index);
    assert_eq!(documents(&server.addr), 30);

    // Searches keep running while another process (here: the library) rebuilds.
    let addr = server.addr.clone();
    let searcher = std::thread::spawn(move || {
        let mut statuses = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let (status, body) = get(&addr, "/api/search?q=calorimeter&per_page=5");
            statuses.push(status);
            let body: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            if body["facets"]["event"]
                .as_array()
                .is_some_and(|e| e.len() == 2)
            {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        statuses
    });
    let store = IndexStore::new(&index);
    let options = ReadOptions::default();
    let csv = fixture("indico-contributions.csv");
    ingest::ingest_files(&[csv], &options, &corpus, &store, &Quiet).unwrap();

    let statuses = searcher.join().unwrap();
    assert!(statuses.len() > 1);
    assert!(statuses.iter().all(|&s| s == 200), "{statuses:?}");
    assert_eq!(documents(&server.addr), 34);
    let (status, body) = get(&server.addr, "/api/contributions/indico-contributions/5");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Using DNNs and Keras for the W mass precise measurement"));
}

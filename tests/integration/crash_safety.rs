//! Crash safety of the index folder (issue 8, item 4), with the real binary: `ingest` is
//! killed with SIGKILL at random points many times while `serve` answers from the same
//! folder; every answer stays complete, the folder always holds a complete current index,
//! and the next ingest succeeds with every record exactly once. A full disk (a small tmpfs,
//! when this runs as root) fails a build without touching the index being served.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use abstract_search::index::IndexStore;
use abstract_search::search::SearchRequest;
use abstract_search::Engine;

use crate::support::{repo, seed_records};

const BINARY: &str = env!("CARGO_BIN_EXE_abstract-search");

/// A corpus folder holding the bundled corpus (seed report and configuration).
fn corpus_copy(root: &Path) -> PathBuf {
    let corpus = root.join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    for name in [
        "in2p3-irfu-ml-workshop-2020.md",
        "labs.toml",
        "synonyms.toml",
    ] {
        std::fs::copy(repo().join("corpus").join(name), corpus.join(name)).unwrap();
    }
    corpus
}

fn ingest_command(corpus: &Path, index: &Path) -> Command {
    let mut command = Command::new(BINARY);
    command
        .args(["ingest", "--json", "--corpus"])
        .arg(corpus)
        .arg("--index")
        .arg(index)
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    command
}

/// Run an ingest to the end; its JSON report.
fn ingest(corpus: &Path, index: &Path) -> serde_json::Value {
    let output = ingest_command(corpus, index).output().unwrap();
    assert!(
        output.status.success(),
        "ingest failed: {:?}",
        output.status
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The sorted ids of seed records.
fn seed_ids() -> Vec<u64> {
    let mut ids: Vec<u64> = seed_records().iter().map(|r| r.id).collect();
    ids.sort_unstable();
    ids
}

/// Open the current generation the way `serve` does and check it holds every seed record
/// exactly once.
fn assert_current_index_is_whole(index: &Path, context: &str) {
    let store = IndexStore::new(index);
    let (opened, generation) = store
        .open_current()
        .unwrap_or_else(|e| panic!("{context}: no openable current index: {e}"));
    let engine = Engine::new(opened, Some(generation.clone())).unwrap();
    let request = SearchRequest {
        per_page: 100,
        ..SearchRequest::default()
    };
    let response = engine.search(&request).unwrap();
    let keys: Vec<(String, u64)> = response
        .hits
        .iter()
        .map(|h| (h.event.clone(), h.id))
        .collect();
    let distinct: BTreeSet<&(String, u64)> = keys.iter().collect();
    assert_eq!(response.total, 30, "{context}: {}", generation.display());
    assert_eq!(distinct.len(), keys.len(), "{context}: duplicated records");
    let mut ids: Vec<u64> = keys.iter().map(|(_, id)| *id).collect();
    ids.sort_unstable();
    assert_eq!(ids, seed_ids(), "{context}");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET path` over a fresh connection: status and body.
fn http_get(port: u16, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_string());
    Ok((status, body))
}

/// A running `serve`, stopped on drop.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(corpus: &Path, index: &Path, port: u16) -> Server {
    let child = Command::new(BINARY)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--corpus"])
        .arg(corpus)
        .arg("--index")
        .arg(index)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    let started = Instant::now();
    while http_get(port, "/healthz").is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "serve did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

/// Deterministic pseudo-random numbers (xorshift), seeded from the clock and printed so a
/// failing run can be replayed with `CRASH_SEED`.
struct Random(u64);

impl Random {
    fn from_env_or_clock() -> Random {
        let seed = std::env::var("CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("crash_safety: CRASH_SEED={seed}");
        Random(seed)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound.max(1)
    }
}

/// Ask `serve` continuously, recording every answer that is not complete.
struct Prober {
    stop: Arc<AtomicBool>,
    answers: Arc<AtomicUsize>,
    failures: Arc<Mutex<Vec<String>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Prober {
    fn start(port: u16) -> Prober {
        let stop = Arc::new(AtomicBool::new(false));
        let answers = Arc::new(AtomicUsize::new(0));
        let failures = Arc::new(Mutex::new(Vec::new()));
        let thread = std::thread::spawn({
            let (stop, answers, failures) = (stop.clone(), answers.clone(), failures.clone());
            move || {
                while !stop.load(Ordering::Relaxed) {
                    let checks = [
                        ("/healthz", "\"documents\":30"),
                        ("/api/search?per_page=100", "\"total\":30"),
                        ("/api/search?q=calorimeter", "\"total\":3"),
                    ];
                    for (path, expected) in checks {
                        match http_get(port, path) {
                            Ok((200, body)) if body.contains(expected) => {
                                answers.fetch_add(1, Ordering::Relaxed);
                            }
                            other => failures.lock().unwrap().push(format!("{path}: {other:?}")),
                        }
                    }
                }
            }
        });
        Prober {
            stop,
            answers,
            failures,
            thread: Some(thread),
        }
    }

    fn finish(mut self) -> (usize, Vec<String>) {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().unwrap().join().unwrap();
        let failures = std::mem::take(&mut *self.failures.lock().unwrap());
        (self.answers.load(Ordering::Relaxed), failures)
    }
}

fn entries(index: &Path, prefix: &str) -> Vec<String> {
    std::fs::read_dir(index)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with(prefix))
        .collect()
}

#[test]
fn sigkilled_ingests_never_break_the_served_index() {
    let root = tempfile::tempdir().unwrap();
    let corpus = corpus_copy(root.path());
    let index = root.path().join("index");
    let first = ingest(&corpus, &index);
    assert_eq!(first["records"], 30);
    // How long a whole ingest takes here: kill points are drawn over a bit more than that.
    let started = Instant::now();
    ingest(&corpus, &index);
    let full_ingest = started.elapsed();
    assert_current_index_is_whole(&index, "before the kills");

    let port = free_port();
    let _server = serve(&corpus, &index, port);
    let prober = Prober::start(port);
    let mut random = Random::from_env_or_clock();
    let kills = 16;
    let window_ms = (full_ingest.as_millis() as u64 * 5 / 4).max(20);
    for round in 0..kills {
        let mut child = ingest_command(&corpus, &index).spawn().unwrap();
        let delay = random.below(window_ms);
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill(); // SIGKILL; may find it already finished
        let _ = child.wait();
        assert_current_index_is_whole(&index, &format!("after kill {round} at {delay} ms"));
    }
    let last = ingest(&corpus, &index);
    assert_eq!(last["records"], 30);
    assert_eq!(last["failed_files"], 0);
    assert_current_index_is_whole(&index, "after the last ingest");
    let current = IndexStore::new(&index).current_generation().unwrap();
    assert_eq!(
        last["generation"].as_str().unwrap(),
        current.display().to_string()
    );
    // Killed builds leave nothing behind once a build has run: the current generation and
    // the previous one, no temporary link.
    let generations = entries(&index, "gen-");
    assert!(generations.len() <= 2, "{generations:?}");
    assert_eq!(entries(&index, ".current-"), Vec::<String>::new());

    // `serve` swaps in the last generation and answers from it.
    let started = Instant::now();
    loop {
        let (_, metrics) = http_get(port, "/metrics").unwrap();
        let served: u64 = metrics
            .lines()
            .find(|l| l.starts_with("abstract_search_index_generation "))
            .and_then(|l| l.split(' ').nth(1)?.parse().ok())
            .unwrap_or(0);
        if served >= 2 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "serve never swapped in a new generation"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let (answers, failures) = prober.finish();
    assert!(
        failures.is_empty(),
        "{} incomplete answers of {}: {:?}",
        failures.len(),
        answers + failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert!(answers > 0);
    eprintln!("crash_safety: {kills} ingests killed, {answers} complete answers meanwhile");
}

/// A tmpfs mounted for the test, unmounted on drop.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(path: &Path, size: &str) -> Option<SmallDisk> {
        std::fs::create_dir_all(path).ok()?;
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(path)
            .stderr(Stdio::null())
            .status()
            .ok()?;
        status.success().then(|| SmallDisk(path.to_path_buf()))
    }

    fn resize(&self, size: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_fails_the_build_and_keeps_the_served_index() {
    let root = tempfile::tempdir().unwrap();
    let corpus = corpus_copy(root.path());
    let index = root.path().join("index");
    // One generation of the seed takes about 110 kB and twice that while its segments are
    // merged: room for one build, not for a second beside it.
    let Some(disk) = SmallDisk::mount(&index, "300k") else {
        eprintln!(
            "skipped: cannot mount a tmpfs at {} (needs root)",
            index.display()
        );
        return;
    };
    let first = ingest(&corpus, &index);
    assert_eq!(first["records"], 30);
    let served = IndexStore::new(&index).current_generation().unwrap();
    let port = free_port();
    let _server = serve(&corpus, &index, port);

    let output = ingest_command(&corpus, &index)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        !output.status.success(),
        "an ingest on a full disk succeeded"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("No space left on device"),
        "the error does not say the disk is full: {stderr}"
    );
    assert_eq!(
        IndexStore::new(&index).current_generation().unwrap(),
        served
    );
    assert_current_index_is_whole(&index, "after the failed build");
    assert_eq!(
        entries(&index, "gen-").len(),
        1,
        "the failed build left files"
    );
    let (status, body) = http_get(port, "/api/search?q=calorimeter").unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("\"total\":3"), "{body}");

    // With room again, the next ingest succeeds.
    disk.resize("1m");
    let next = ingest(&corpus, &index);
    assert_eq!(next["records"], 30);
    assert_ne!(
        IndexStore::new(&index).current_generation().unwrap(),
        served
    );
    assert_current_index_is_whole(&index, "after the disk was enlarged");
}

fn stamp() -> abstract_search::index::CorpusStamp {
    abstract_search::index::CorpusStamp::of_files(&[])
}

fn generation_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn previous_generation_was_deleted_when_a_killed_build_left_a_newer_one() {
    let root = tempfile::tempdir().unwrap();
    let store = IndexStore::new(root.path());
    let records = seed_records();
    store.build(records, stamp()).unwrap();
    let previous = store.build(records, stamp()).unwrap();
    // What a build killed before its manifest leaves: a newer generation, incomplete, and
    // its temporary link.
    let killed = root.path().join("gen-99999999999999-1");
    std::fs::create_dir_all(&killed).unwrap();
    std::fs::write(killed.join("meta.json"), "{").unwrap();
    std::os::unix::fs::symlink("gen-99999999999999-1", root.path().join(".current-1")).unwrap();
    std::thread::sleep(Duration::from_millis(2));
    let current = store.build(records, stamp()).unwrap();
    let mut kept = entries(root.path(), "gen-");
    kept.sort();
    let mut expected = vec![generation_name(&previous), generation_name(&current)];
    expected.sort();
    // The previous complete generation (a running serve may still answer from it) is kept;
    // the killed build's leftovers are gone.
    assert_eq!(kept, expected);
    assert_eq!(entries(root.path(), ".current-"), Vec::<String>::new());
    assert_current_index_is_whole(root.path(), "after the build");
}

#[test]
fn concurrent_builds_deleted_each_others_generations() {
    let root = tempfile::tempdir().unwrap();
    let store = IndexStore::new(root.path());
    let builders: Vec<_> = (0..2)
        .map(|_| {
            let store = store.clone();
            std::thread::spawn(move || {
                for _ in 0..4 {
                    store.build(seed_records(), stamp()).map(|_| ())?;
                }
                Ok::<(), abstract_search::index::store::StoreError>(())
            })
        })
        .collect();
    for builder in builders {
        builder.join().unwrap().expect("every build succeeds");
    }
    assert_current_index_is_whole(root.path(), "after concurrent builds");
    assert!(entries(root.path(), "gen-").len() <= 2);
}

//! The `abstract-search` binary as a user runs it: `parse`, `ingest`, `search` and `serve`
//! (environment variables, JSON logs, graceful shutdown on SIGTERM).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{repo, seed_path};

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_abstract-search"));
    command.env_remove("RUST_LOG").current_dir(repo());
    command
}

fn run(args: &[&str]) -> Output {
    binary().args(args).output().expect("binary runs")
}

fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "stdout is not JSON ({error}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// A corpus folder holding the seed report and the bundled lab table.
fn seed_corpus(dir: &Path) -> std::path::PathBuf {
    let corpus = dir.join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::copy(seed_path(), corpus.join("seed.md")).unwrap();
    std::fs::copy(repo().join("corpus/labs.toml"), corpus.join("labs.toml")).unwrap();
    corpus
}

#[test]
fn parse_prints_the_record_contract_as_a_json_array() {
    let output = run(&["parse", "corpus/in2p3-irfu-ml-workshop-2020.md"]);
    assert!(output.status.success(), "{output:?}");
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let records = stdout_json(&output);
    let records = records.as_array().expect("a JSON array");
    assert_eq!(records.len(), 30);
    let third = records
        .iter()
        .find(|r| r["id"] == 3)
        .expect("contribution 3");
    assert_eq!(
        third["event"]["slug"],
        "in2p3-irfu-machine-learning-workshop"
    );
    assert_eq!(
        third["event"]["title"],
        "IN2P3/IRFU Machine Learning workshop"
    );
    assert_eq!(third["start"], "2020-01-22T11:55:00");
    assert_eq!(third["day"], "2020-01-22");
    assert_eq!(third["duration_minutes"], 30);
    assert_eq!(third["speakers"][0]["last_name"], "GHOSH");
    assert_eq!(third["speakers"][0]["first_name"], "Aishik");
    assert_eq!(third["speakers"][0]["affiliation"], "LAL");
    assert_eq!(third["theme"], "ML for simulation and surrogate model");
    assert_eq!(third["labs"], serde_json::json!(["LAL"]));
    assert_eq!(third["source"]["line"], 5);
    for key in [
        "title",
        "type",
        "abstract",
        "authors",
        "coauthors",
        "theme_description",
        "language",
    ] {
        assert!(third.get(key).is_some(), "record lacks `{key}`");
    }
}

#[test]
fn parse_names_the_file_it_cannot_read() {
    let output = run(&["parse", "no/such/file.md"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no/such/file.md"), "{stderr}");
}

#[test]
fn ingest_then_search_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = seed_corpus(dir.path());
    let index = dir.path().join("index");
    let output = binary()
        .args(["ingest", "--json"])
        .env("ABSTRACT_SEARCH_CORPUS", &corpus)
        .env("ABSTRACT_SEARCH_INDEX", &index)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let report = stdout_json(&output);
    assert_eq!(report["records"], 30);
    assert_eq!(report["warnings"], 0);
    assert!(index.join("current").exists());

    let output = binary()
        .args(["search", "calorimeter", "--json", "--index"])
        .arg(&index)
        .arg("--corpus")
        .arg(&corpus)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let response = stdout_json(&output);
    let ids: Vec<u64> = response["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_u64().unwrap())
        .collect();
    assert!(ids.contains(&3) && ids.contains(&31), "{ids:?}");

    let output = binary()
        .args(["search", "calorimeter", "--lab", "IJCLab", "--index"])
        .arg(&index)
        .arg("--corpus")
        .arg(&corpus)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.starts_with("1 results"), "{table}");
    assert!(
        table.contains("Calorimeter reconstruction with computer vision at LHCb"),
        "{table}"
    );
}

#[test]
fn ingest_exits_2_and_names_the_line_of_a_skipped_record() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = seed_corpus(dir.path());
    // A record whose id is not a number, between two good ones.
    let seed = std::fs::read_to_string(seed_path()).unwrap();
    let broken = seed.replacen("ID de Contribution: 4", "ID de Contribution: quatre", 1);
    std::fs::write(corpus.join("seed.md"), broken).unwrap();
    let output = binary()
        .args(["ingest", "--corpus"])
        .arg(&corpus)
        .arg("--index")
        .arg(dir.path().join("index"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("29 records"), "{stdout}");
    assert!(stdout.contains("seed.md:"), "{stdout}");
}

#[test]
fn help_lists_every_setting_with_its_environment_variable() {
    let output = run(&["serve", "--help"]);
    let help = String::from_utf8_lossy(&output.stdout);
    for variable in [
        "ABSTRACT_SEARCH_ADDR",
        "ABSTRACT_SEARCH_CORPUS",
        "ABSTRACT_SEARCH_INDEX",
        "ABSTRACT_SEARCH_CORS_ORIGINS",
        "ABSTRACT_SEARCH_REQUEST_TIMEOUT",
        "ABSTRACT_SEARCH_MAX_IN_FLIGHT",
        "ABSTRACT_SEARCH_LOG_FORMAT",
    ] {
        assert!(
            help.contains(variable),
            "`serve --help` lacks {variable}:\n{help}"
        );
    }
}

/// A `serve` process on a free port, with its JSON log lines.
struct Server {
    child: Child,
    addr: String,
    logs: std::sync::mpsc::Receiver<Value>,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let corpus = seed_corpus(dir);
        let mut child = binary()
            .args(["serve", "--addr", "127.0.0.1:0", "--log-format", "json"])
            .env("ABSTRACT_SEARCH_CORPUS", &corpus)
            .env("ABSTRACT_SEARCH_INDEX", dir.join("index"))
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let (sender, logs) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                let value = serde_json::from_str(&line)
                    .unwrap_or_else(|_| panic!("log line is not JSON: {line}"));
                if sender.send(value).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child,
            addr: String::new(),
            logs,
        };
        let started = server.wait_for_log(|line| {
            line["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("serving on http://"))
        });
        server.addr = started["fields"]["addr"].as_str().unwrap().to_string();
        server
    }

    fn wait_for_log(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.logs.recv_timeout(left) {
                Ok(line) if wanted(&line) => return line,
                Ok(_) => continue,
                Err(error) => panic!("expected log line never came: {error}"),
            }
        }
    }

    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http_get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn serve_logs_requests_as_json_and_finishes_in_flight_requests_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path());
    let health = http_get(&server.addr, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.contains(r#""documents":30"#), "{health}");

    let request_log = server.wait_for_log(|line| line["span"]["path"] == "/healthz");
    assert_eq!(request_log["span"]["method"], "GET");
    assert_eq!(request_log["fields"]["status"], 200);
    assert!(request_log["fields"]["latency"].is_string());

    // A request whose head has arrived but not its end is in flight when SIGTERM comes: it is
    // answered, and only then does the server stop.
    let mut in_flight = TcpStream::connect(&server.addr).unwrap();
    write!(
        in_flight,
        "GET /api/search?q=calorimeter HTTP/1.1\r\nHost: {}\r\n",
        server.addr
    )
    .unwrap();
    in_flight.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    server.terminate();
    server.wait_for_log(|line| {
        line["fields"]["message"] == "shutting down: finishing requests in flight"
    });
    write!(in_flight, "Connection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    in_flight.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains("Calorimeter reconstruction"),
        "{response}"
    );

    let status = server.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

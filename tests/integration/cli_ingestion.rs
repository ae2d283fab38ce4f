//! The binary's ingestion-side behaviour as a user sees it: `serve` names bad records when
//! it rebuilds, and the `search`, `serve` and `eval` flags are checked before anything runs.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support::{repo, seed_path};

fn binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_abstract-search"));
    command.env_remove("RUST_LOG").current_dir(repo());
    command
}

/// A corpus folder holding the seed report with contribution 9's title line (117) removed.
fn damaged_corpus(dir: &Path) -> PathBuf {
    let corpus = dir.join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    let text = std::fs::read_to_string(seed_path()).unwrap();
    let damaged: Vec<&str> = text
        .lines()
        .enumerate()
        .map(|(index, line)| if index + 1 == 117 { "" } else { line })
        .collect();
    std::fs::write(corpus.join("seed.md"), damaged.join("\n")).unwrap();
    std::fs::copy(repo().join("corpus/labs.toml"), corpus.join("labs.toml")).unwrap();
    corpus
}

#[test]
fn serve_names_each_bad_record_when_it_rebuilds() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = damaged_corpus(dir.path());
    let mut child = binary()
        .args(["serve", "--addr", "127.0.0.1:0", "--corpus"])
        .arg(&corpus)
        .arg("--index")
        .arg(dir.path().join("index"))
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut lines = Vec::new();
    for line in stderr.lines().map_while(Result::ok) {
        let serving = line.contains("serving on http://");
        lines.push(line);
        if serving {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let logs = lines.join("\n");
    let seed = corpus.join("seed.md").display().to_string();
    assert!(
        logs.contains(&format!(
            "{seed}:119: contribution 9 has no title (its date line comes first), record skipped"
        )),
        "{logs}"
    );
    assert!(logs.contains("record_skipped=true"), "{logs}");
    assert!(logs.contains("skipped=1"), "{logs}");
    // Logs to a pipe carry no colour codes.
    assert!(!logs.contains('\u{1b}'), "{logs:?}");
}

fn run(args: &[&str]) -> Output {
    binary().args(args).output().expect("binary runs")
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// An index of the seed report in `dir/index`.
fn seed_index(dir: &Path) -> String {
    let corpus = dir.join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::copy(seed_path(), corpus.join("seed.md")).unwrap();
    std::fs::copy(repo().join("corpus/labs.toml"), corpus.join("labs.toml")).unwrap();
    let index = dir.join("index");
    let output = binary()
        .args(["ingest", "--corpus"])
        .arg(&corpus)
        .arg("--index")
        .arg(&index)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    index.display().to_string()
}

/// The ids of the hits of `search --json` with `args`.
fn search_ids(index: &str, args: &[&str]) -> Vec<u64> {
    let output = run(&[&["search", "--json", "--index", index][..], args].concat());
    assert!(output.status.success(), "{}", stderr_of(&output));
    let response: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    response["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["id"].as_u64().unwrap())
        .collect()
}

#[test]
fn search_limit_out_of_range_is_refused_like_the_api() {
    for limit in ["0", "1000"] {
        let output = run(&["search", "calorimeter", "--limit", limit]);
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        assert!(
            stderr_of(&output).contains(&format!(
                "invalid value '{limit}' for '--limit <LIMIT>': {limit} is not in 1..=100"
            )),
            "{}",
            stderr_of(&output)
        );
    }
}

#[test]
fn search_filters_on_type_speaker_time_and_sorts() {
    let dir = tempfile::tempdir().unwrap();
    let index = seed_index(dir.path());
    // GHOSH speaks in 3 (22 January 11:55) and 4 (23 January 15:15).
    assert_eq!(search_ids(&index, &["", "--speaker", "ghosh"]).len(), 2);
    assert_eq!(
        search_ids(&index, &["", "--speaker", "ghosh", "--sort", "start"]),
        [3, 4]
    );
    assert_eq!(
        search_ids(&index, &["", "--speaker", "ghosh", "--sort", "-start"]),
        [4, 3]
    );
    assert_eq!(
        search_ids(&index, &["", "--speaker", "ghosh", "--from", "2020-01-23"]),
        [4]
    );
    assert_eq!(
        search_ids(&index, &["", "--speaker", "ghosh", "--to", "2020-01-22"]),
        [3]
    );
    assert_eq!(
        search_ids(
            &index,
            &["", "--speaker", "ghosh", "--type", "Non spécifié"]
        )
        .len(),
        2
    );
    assert_eq!(
        search_ids(&index, &["", "--speaker", "ghosh", "--type", "Poster"]),
        [] as [u64; 0]
    );
    let output = run(&["search", "", "--index", &index, "--sort", "newest"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr_of(&output)
            .contains("invalid value for `sort`: `newest` is not one of relevance, start, -start"),
        "{}",
        stderr_of(&output)
    );
    // Every filter flag says what it does.
    let help = String::from_utf8_lossy(&run(&["search", "--help"]).stdout).into_owned();
    for flag in [
        "--theme",
        "--lab",
        "--day",
        "--lang",
        "--event",
        "--type",
        "--speaker",
        "--from",
        "--to",
        "--sort",
        "--limit",
    ] {
        let line = help
            .lines()
            .find(|line| line.trim_start().starts_with(flag))
            .unwrap_or_else(|| panic!("{flag} missing:\n{help}"));
        let described = line.trim_start()[flag.len()..]
            .split_once('>')
            .is_some_and(|(_, text)| text.trim().len() > 10);
        assert!(described, "{flag} has no help text: {line}");
    }
}

#[test]
fn search_into_a_closed_pipe_exits_0_quietly_and_prints_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let index = seed_index(dir.path());
    let mut child = binary()
        .args(["search", "calorimeter", "--index", &index])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(stderr_of(&output), "");
    let output = run(&["search", "calorimeter", "--index", &index]);
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.starts_with("3 results"), "{table}");
    assert!(!table.contains('\u{1b}'), "{table:?}");
}

#[test]
fn search_with_a_missing_corpus_folder_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let index = seed_index(dir.path());
    let output = run(&[
        "search",
        "calorimeter",
        "--index",
        &index,
        "--corpus",
        "/nonexistent",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr_of(&output),
        "abstract-search: error: corpus folder /nonexistent does not exist\n"
    );
}

#[test]
fn eval_names_a_missing_file_once_and_warns_about_unknown_judged_ids() {
    let output = run(&["eval", "/nonexistent"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr_of(&output),
        "abstract-search: error: /nonexistent: cannot read: No such file or directory (os error 2)\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let judged = dir.path().join("judged.tsv");
    std::fs::write(&judged, "calorimeter\t31,999\n").unwrap();
    let output = run(&["eval", judged.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        stderr_of(&output),
        format!(
            "{}:1: judged id 999 is not a contribution of corpus\n",
            judged.display()
        )
    );
}

#[test]
fn serve_refuses_nonsense_settings_before_starting() {
    for (args, message) in [
        (
            ["--request-timeout", "0"],
            "invalid value '0' for '--request-timeout <REQUEST_TIMEOUT>': must be at least 1",
        ),
        (
            ["--max-in-flight", "0"],
            "invalid value '0' for '--max-in-flight <MAX_IN_FLIGHT>': must be at least 1",
        ),
        (
            ["--cors-origin", "not a url"],
            "invalid value 'not a url' for '--cors-origin <CORS_ORIGINS>': `not a url` is not an origin",
        ),
        (
            ["--cors-origin", "ftp://example.org"],
            "`ftp://example.org`: the scheme must be http or https",
        ),
        (
            ["--cors-origin", "https://example.org/path"],
            "`https://example.org/path` is not an origin",
        ),
        (
            ["--header-timeout", "0"],
            "invalid value '0' for '--header-timeout <HEADER_TIMEOUT>': must be at least 1",
        ),
        (
            ["--public-url", "search.example.org"],
            "invalid value 'search.example.org' for '--public-url <PUBLIC_URL>': expected an absolute http:// or https:// URL",
        ),
        (
            ["--time-zone", "Mars/Olympus"],
            "invalid value 'Mars/Olympus' for '--time-zone <TIME_ZONE>'",
        ),
    ] {
        let output = run(&[&["serve", "--addr", "127.0.0.1:0"][..], &args[..]].concat());
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        assert!(
            stderr_of(&output).contains(message),
            "{args:?}: {}",
            stderr_of(&output)
        );
    }
}

//! The binary's ingestion-side behaviour as a user sees it: `serve` names bad records when
//! it rebuilds, and the `search`, `serve` and `eval` flags are checked before anything runs.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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

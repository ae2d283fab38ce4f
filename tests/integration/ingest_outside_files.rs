//! Files added with `ingest FILE` from outside the corpus folder: a later full rebuild reads
//! them again and they keep replacing the events they hold; one that disappeared is named;
//! `ingest --index NEW FILE` starts from the corpus instead of losing it.

use std::path::{Path, PathBuf};

use abstract_search::index::IndexStore;
use abstract_search::ingest::{self, Quiet};
use abstract_search::Engine;

use crate::support::{repo, seed_path};

const SEED_EVENT: &str = "in2p3-irfu-machine-learning-workshop";
const SEED_TITLE_3: &str = "Generative Adversarial Networks for Fast Simulation in ATLAS";
const NEW_TITLE_3: &str = "Generative Adversarial Networks for Faster Simulation in ATLAS";

fn corpus_in(dir: &Path) -> PathBuf {
    let corpus = dir.join("corpus");
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::copy(seed_path(), corpus.join("in2p3-irfu-ml-workshop-2020.md")).unwrap();
    std::fs::copy(repo().join("corpus/labs.toml"), corpus.join("labs.toml")).unwrap();
    corpus
}

/// The seed report with `from` replaced by `to`, written to `path`.
fn seed_edited(path: &Path, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(seed_path()).unwrap();
    assert!(text.contains(from));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
    path.to_path_buf()
}

fn engine_of(store: &IndexStore) -> Engine {
    let (index, generation) = store.open_current().unwrap();
    Engine::new(index, Some(generation)).unwrap()
}

fn title_3(store: &IndexStore) -> String {
    engine_of(store)
        .contribution(SEED_EVENT, "3")
        .unwrap()
        .title
}

#[test]
fn an_outside_update_survives_a_rebuild_and_a_deleted_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus_in(dir.path());
    let store = IndexStore::new(dir.path().join("index"));
    ingest::rebuild(&corpus, &store, &Quiet).unwrap();
    let outside = seed_edited(
        &dir.path().join("outside/same-event.md"),
        SEED_TITLE_3,
        NEW_TITLE_3,
    );
    let report = ingest::ingest_files(
        std::slice::from_ref(&outside),
        &Default::default(),
        &corpus,
        &store,
        &Quiet,
    )
    .unwrap();
    assert_eq!(report.records, 30);
    assert_eq!(title_3(&store), NEW_TITLE_3);

    // A full rebuild (what `serve` does when a corpus file changed) keeps the update.
    let report = ingest::rebuild(&corpus, &store, &Quiet).unwrap();
    assert_eq!(title_3(&store), NEW_TITLE_3);
    assert_eq!(report.documents, 30);
    assert_eq!(report.skipped, 0, "{:?}", report.files);
    assert!(report.is_clean());
    let corpus_file = &report.files[0];
    assert!(corpus_file.path.ends_with("in2p3-irfu-ml-workshop-2020.md"));
    assert_eq!(corpus_file.records, 0);
    assert_eq!(
        corpus_file.warnings[0].message,
        format!(
            "30 records of event `{SEED_EVENT}` left out: {}, added with `ingest FILE`, replaces that event",
            outside.display()
        )
    );
    assert_eq!(report.files[1].records, 30);

    // Deleted, it is named, and the corpus version comes back.
    std::fs::remove_file(&outside).unwrap();
    let report = ingest::rebuild(&corpus, &store, &Quiet).unwrap();
    assert_eq!(title_3(&store), SEED_TITLE_3);
    assert_eq!(report.documents, 30);
    assert_eq!(report.failed_files, 1);
    assert!(!report.is_clean());
    let missing = report.files.last().unwrap();
    assert_eq!(
        missing.error.as_deref(),
        Some(
            format!(
                "{}: added with `ingest FILE` but no longer exists; its records are no longer indexed",
                outside.display()
            )
            .as_str()
        )
    );
    // Named once: the next rebuild has forgotten it.
    let report = ingest::rebuild(&corpus, &store, &Quiet).unwrap();
    assert_eq!(report.failed_files, 0);
    assert_eq!(report.files.len(), 1);
}

#[test]
fn ingest_into_a_new_index_keeps_the_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus_in(dir.path());
    let other = seed_edited(
        &dir.path().join("outside/other-event.md"),
        "# IN2P3/IRFU Machine Learning workshop",
        "# Another workshop",
    );
    let store = IndexStore::new(dir.path().join("new-index"));
    let report =
        ingest::ingest_files(&[other], &Default::default(), &corpus, &store, &Quiet).unwrap();
    assert_eq!(report.documents, 60);
    assert_eq!(report.records, 60);
    let engine = engine_of(&store);
    assert_eq!(
        engine.contribution(SEED_EVENT, "3").unwrap().title,
        SEED_TITLE_3
    );
    assert_eq!(
        engine.contribution("another-workshop", "3").unwrap().title,
        SEED_TITLE_3
    );
}

#[test]
fn a_rebuild_reads_an_outside_file_with_the_event_title_it_was_added_with() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = corpus_in(dir.path());
    let store = IndexStore::new(dir.path().join("index"));
    ingest::rebuild(&corpus, &store, &Quiet).unwrap();
    let outside = seed_edited(
        &dir.path().join("outside/copy.md"),
        SEED_TITLE_3,
        NEW_TITLE_3,
    );
    let options = abstract_search::corpus::ReadOptions {
        event_title: Some("Renamed workshop".to_string()),
        mapping: None,
    };
    let report = ingest::ingest_files(&[outside], &options, &corpus, &store, &Quiet).unwrap();
    assert_eq!(report.documents, 60);
    let report = ingest::rebuild(&corpus, &store, &Quiet).unwrap();
    assert_eq!(report.documents, 60, "{:?}", report.files);
    assert!(report.is_clean());
    let engine = engine_of(&store);
    assert_eq!(
        engine.contribution("renamed-workshop", "3").unwrap().title,
        NEW_TITLE_3
    );
    assert_eq!(title_3(&store), SEED_TITLE_3);
}

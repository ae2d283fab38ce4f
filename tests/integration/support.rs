//! Shared fixtures: the bundled seed report parsed once, and an engine over it.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use abstract_search::corpus::LabTable;
use abstract_search::ingest::load_files;
use abstract_search::search::{SearchRequest, SearchResponse};
use abstract_search::{Contribution, Engine};

/// The repository root.
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `corpus/in2p3-irfu-ml-workshop-2020.md`.
pub fn seed_path() -> PathBuf {
    repo().join("corpus/in2p3-irfu-ml-workshop-2020.md")
}

/// The lab table of the bundled corpus.
pub fn labs() -> LabTable {
    LabTable::load(&repo().join("corpus/labs.toml")).expect("corpus/labs.toml loads")
}

/// Parse files with the bundled lab table and language detection, as `ingest` does.
pub fn parse_files(paths: &[PathBuf]) -> Vec<Contribution> {
    let (records, reports) = load_files(paths, &labs()).expect("files load");
    for report in &reports {
        assert!(report.error.is_none(), "{:?}", report.error);
    }
    records
}

/// The 30 seed records.
pub fn seed_records() -> &'static [Contribution] {
    static RECORDS: OnceLock<Vec<Contribution>> = OnceLock::new();
    RECORDS.get_or_init(|| parse_files(&[seed_path()]))
}

/// A seed record by id.
pub fn seed(id: u64) -> &'static Contribution {
    seed_records()
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("seed has contribution {id}"))
}

/// An engine over the seed, built once per test binary.
pub fn seed_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::from_records(seed_records()).expect("seed indexes"))
}

/// Run `request` on the seed engine.
pub fn search(request: &SearchRequest) -> SearchResponse {
    seed_engine().search(request).expect("search succeeds")
}

/// Every hit id of `q` (up to 100).
pub fn ids(engine: &Engine, q: &str) -> Vec<u64> {
    let mut request = SearchRequest::query(q);
    request.per_page = 100;
    engine
        .search(&request)
        .expect("search succeeds")
        .hits
        .iter()
        .map(|h| h.id)
        .collect()
}

/// Sorted ids.
pub fn sorted(mut ids: Vec<u64>) -> Vec<u64> {
    ids.sort_unstable();
    ids
}

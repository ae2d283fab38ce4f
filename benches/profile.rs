//! Runs the query mix against a built index, in-process, for profilers: callgrind counts the
//! instructions of `run_mix` alone (robust on a shared, noisy machine), perf samples it.
//!
//! ```sh
//! cargo build --release --example query-mix
//! valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*run_mix*' \
//!     target/release/examples/query-mix INDEX_DIR ../shared/bench/queries.txt 3 facet_limit=10
//! ```
//! INDEX_DIR is an index folder (`abstract-search ingest --index INDEX_DIR`); the queries are
//! searched as `/api/search?q=…` would search them, with the bundled synonyms; extra
//! `name=value` arguments are added to every request. Prints the totals it found.

use std::borrow::Cow;
use std::hint::black_box;
use std::path::Path;

use abstract_search::index::IndexStore;
use abstract_search::search::{SearchRequest, Synonyms};
use abstract_search::Engine;

/// The same allocator as the server (src/main.rs), so the comparison holds.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [index, queries, rest @ ..] = args.as_slice() else {
        anyhow::bail!("usage: query-mix INDEX_DIR QUERIES.txt [ROUNDS] [name=value]…");
    };
    let rounds: usize = rest.first().and_then(|r| r.parse().ok()).unwrap_or(1);
    let extra: Vec<(String, String)> = rest
        .iter()
        .filter_map(|arg| arg.split_once('='))
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    let (opened, _) = IndexStore::new(index).open_current()?;
    let synonyms =
        Synonyms::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/synonyms.toml"))?;
    let engine = Engine::new(opened, None)?.with_synonyms(synonyms);
    let mut requests = Vec::new();
    for line in std::fs::read_to_string(queries)?.lines() {
        let q = line.trim();
        if q.is_empty() {
            continue;
        }
        let mut pairs = vec![(Cow::Borrowed("q"), Cow::Owned(q.to_string()))];
        pairs.extend(
            extra
                .iter()
                .map(|(n, v)| (Cow::Owned(n.clone()), Cow::Owned(v.clone()))),
        );
        requests.push(SearchRequest::from_params(pairs)?);
    }
    // One round outside `run_mix` first: the per-thread caches a running server has warm
    // (stemmed words, the allocator's pages) are filled before anything is counted.
    warm_up(&engine, &requests)?;
    let totals = run_mix(&engine, &requests, rounds)?;
    println!(
        "{} queries x {rounds} rounds, totals {totals:?}",
        requests.len()
    );
    Ok(())
}

/// Every request once, not counted by callgrind's `--toggle-collect='*run_mix*'`.
#[inline(never)]
fn warm_up(engine: &Engine, requests: &[SearchRequest]) -> anyhow::Result<()> {
    for request in requests {
        black_box(engine.search(black_box(request))?);
    }
    Ok(())
}

/// Every request `rounds` times; the totals of the last round.
#[inline(never)]
fn run_mix(engine: &Engine, requests: &[SearchRequest], rounds: usize) -> anyhow::Result<Vec<u64>> {
    let mut totals = Vec::new();
    for _ in 0..rounds {
        totals.clear();
        for request in requests {
            let response = engine.search(black_box(request))?;
            totals.push(response.total);
        }
    }
    Ok(totals)
}

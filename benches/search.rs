//! Criterion benches of each step of the pipeline on the bundled seed report: report parsing
//! (MB/s), analysis per analyzer (MB/s), index build (records/s) and engine-level query
//! latency for a fixed query mix, with snippets and facet counts on exactly as the API
//! computes them. When `../shared/bench/arxiv-physics-50k.jsonl` is present, the same
//! index build and query mix also run over that corpus.
//!
//! Every measured closure asserts what it produced (record count, token count, hit count),
//! so a bench cannot silently measure an empty result.
//!
//! Run: `cargo bench --bench search` (all), `cargo bench --bench search -- query/seed` (one group).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

use abstract_search::analysis::{self, analyze};
use abstract_search::corpus::{self, LabTable};
use abstract_search::ingest::load_files;
use abstract_search::search::{FacetName, SearchRequest, Synonyms};
use abstract_search::{Contribution, Engine, Language};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn seed_path() -> PathBuf {
    repo().join("corpus/in2p3-irfu-ml-workshop-2020.md")
}

fn labs() -> LabTable {
    LabTable::load(&repo().join("corpus/labs.toml")).expect("corpus/labs.toml loads")
}

/// The engine over `records` with the bundled synonyms, as `serve` configures it.
fn engine_of(records: &[Contribution]) -> Engine {
    let synonyms =
        Synonyms::load(&repo().join("corpus/synonyms.toml")).expect("corpus/synonyms.toml loads");
    Engine::from_records(records)
        .expect("records index")
        .with_synonyms(synonyms)
}

fn seed_records() -> Vec<Contribution> {
    let (records, _) = load_files(&[seed_path()], &labs()).expect("seed loads");
    assert_eq!(records.len(), 30, "the seed report has 30 contributions");
    records
}

/// The 50k-abstract corpus, when the shared bench folder is there and our readers take it.
fn arxiv_records() -> Option<Vec<Contribution>> {
    let path = repo().join("../shared/bench/arxiv-physics-50k.jsonl");
    if !path.is_file() {
        eprintln!("skipping the 50k benches: {} is absent", path.display());
        return None;
    }
    let (records, reports) =
        load_files(std::slice::from_ref(&path), &labs()).expect("corpus loads");
    if let Some(error) = reports.iter().find_map(|r| r.error.as_ref()) {
        eprintln!("skipping the 50k benches: {error}");
        return None;
    }
    Some(records)
}

/// One query of the mix: what it is, the request, and the `total` it must find.
struct MixQuery {
    name: &'static str,
    request: SearchRequest,
    total: u64,
}

fn request(q: &str) -> SearchRequest {
    SearchRequest::query(q)
}

/// The query mix over the seed report; totals are those of the 30 seed records.
fn seed_mix() -> Vec<MixQuery> {
    let filtered = request("")
        .with_filter(FacetName::Lab, "LAL")
        .and_then(|r| r.with_filter(FacetName::Day, "2020-01-22"))
        .expect("valid filters");
    let mut deep = request("");
    deep.page = 3;
    vec![
        MixQuery {
            name: "single_term",
            request: request("calorimeter "),
            total: 3,
        },
        MixQuery {
            name: "two_terms",
            request: request("neural network "),
            total: 11,
        },
        MixQuery {
            name: "phrase",
            request: request("\"machine learning\""),
            total: 16,
        },
        MixQuery {
            name: "french",
            request: request("apprentissage automatique "),
            total: 19,
        },
        MixQuery {
            name: "typo",
            request: request("calorimter "),
            total: 4,
        },
        MixQuery {
            name: "prefix",
            request: request("calorimetr"),
            total: 4,
        },
        MixQuery {
            name: "empty_two_filters",
            request: filtered,
            total: 3,
        },
        MixQuery {
            name: "deep_page",
            request: deep,
            total: 30,
        },
    ]
}

fn bench_parse(c: &mut Criterion) {
    let text = std::fs::read_to_string(seed_path()).expect("seed report reads");
    let labs = labs();
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("seed_report", |b| {
        b.iter(|| {
            let parsed = corpus::parse_text(black_box(&text), "seed.md", &labs).expect("parses");
            assert_eq!(parsed.records.len(), 30);
            parsed
        })
    });
    group.finish();
}

fn bench_analysis(c: &mut Criterion) {
    let records = seed_records();
    let text: String = records
        .iter()
        .map(|r| format!("{}\n{}\n", r.title, r.abstract_text))
        .collect();
    let mut group = c.benchmark_group("analysis");
    group.throughput(Throughput::Bytes(text.len() as u64));
    let analyzers = [
        ("english", analysis::language_analyzer(Language::En)),
        ("french", analysis::language_analyzer(Language::Fr)),
        ("plain", analysis::plain_analyzer()),
    ];
    for (name, mut analyzer) in analyzers {
        let expected = analyze(&mut analyzer, &text).len();
        assert!(expected > 1_000, "{name} yields the seed's tokens");
        group.bench_function(name, |b| {
            b.iter(|| {
                let tokens = analyze(&mut analyzer, black_box(&text));
                assert_eq!(tokens.len(), expected);
                tokens
            })
        });
    }
    group.bench_function("language_detection", |b| {
        b.iter(|| {
            let detected = records
                .iter()
                .filter(|r| analysis::detect_language(&r.title, &r.abstract_text).is_some())
                .count();
            assert_eq!(detected, 25);
            detected
        })
    });
    group.finish();
}

fn bench_index_build(c: &mut Criterion, label: &str, records: &[Contribution], samples: usize) {
    let mut group = c.benchmark_group("index_build");
    group.throughput(Throughput::Elements(records.len() as u64));
    group.sample_size(samples);
    group.bench_function(label, |b| {
        b.iter_batched(
            || (),
            |()| {
                let engine = Engine::from_records(records).expect("index builds");
                assert_eq!(engine.document_count(), records.len() as u64);
                engine
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn bench_queries(c: &mut Criterion, label: &str, engine: &Engine, mix: &[MixQuery]) {
    let mut group = c.benchmark_group(format!("query/{label}"));
    for query in mix {
        let first = engine.search(&query.request).expect("search succeeds");
        assert_eq!(first.total, query.total, "{}: total", query.name);
        assert!(!first.hits.is_empty(), "{}: hits", query.name);
        group.bench_function(query.name, |b| {
            b.iter(|| {
                let response = engine.search(black_box(&query.request)).expect("search");
                assert_eq!(response.total, query.total);
                response
            })
        });
    }
    group.finish();
}

fn seed(c: &mut Criterion) {
    bench_parse(c);
    bench_analysis(c);
    let records = seed_records();
    bench_index_build(c, "seed", &records, 20);
    let engine = engine_of(&records);
    bench_queries(c, "seed", &engine, &seed_mix());
}

fn arxiv(c: &mut Criterion) {
    let Some(records) = arxiv_records() else {
        return;
    };
    bench_index_build(c, "arxiv_50k", &records, 10);
    let engine = engine_of(&records);
    let mix = arxiv_mix(&engine);
    bench_queries(c, "arxiv_50k", &engine, &mix);
}

/// The shared query mix (`../shared/bench/queries.txt`) over the 50k corpus; totals are
/// taken from a first run and then asserted on every iteration.
fn arxiv_mix(engine: &Engine) -> Vec<MixQuery> {
    let path = repo().join("../shared/bench/queries.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let request = request(line.trim());
            let total = engine.search(&request).expect("search").total;
            let name: &'static str = Box::leak(line.trim().replace(' ', "_").into_boxed_str());
            MixQuery {
                name,
                request,
                total,
            }
        })
        .collect()
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = seed, arxiv
}
criterion_main!(benches);

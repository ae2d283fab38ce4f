//! Relevance regression guard: the judged queries keep their measured quality.

use abstract_search::eval::{evaluate, read_judgements, Baseline};
use abstract_search::search::Synonyms;
use abstract_search::Engine;

use crate::support::{repo, seed_records};

fn rows(path: &std::path::Path) -> Vec<abstract_search::eval::EvalRow> {
    let judgements = read_judgements(path).expect("judgements load");
    let synonyms = Synonyms::load(&repo().join("corpus/synonyms.toml")).unwrap();
    let engine = Engine::from_records(seed_records())
        .unwrap()
        .with_synonyms(synonyms);
    let baseline = Baseline::new(seed_records()).unwrap();
    evaluate(&engine, &baseline, &judgements)
}

#[test]
fn own_judged_queries_stay_above_the_measured_quality() {
    let rows = rows(&repo().join("tests/fixtures/eval-seed.tsv"));
    assert_eq!(rows.len(), 21);
    let mean = rows.last().unwrap();
    assert_eq!(mean.query, "MEAN");
    // Measured 0.990 / 1.000 / 0.988 (tantivy defaults: 0.514 / 0.550 / 0.498).
    assert!(mean.ours.ndcg >= 0.98, "{mean:?}");
    assert!(mean.ours.mrr >= 0.99, "{mean:?}");
    assert!(mean.ours.recall >= 0.98, "{mean:?}");
    assert!(mean.baseline.ndcg < 0.6, "{mean:?}");
    for row in &rows {
        assert!(row.ours.mrr == 1.0, "{row:?}");
    }
}

#[test]
fn shared_dev_set_stays_above_the_measured_quality() {
    let path = repo().join("../shared/eval/seed-dev-queries.tsv");
    if !path.exists() {
        eprintln!("skipped: {} is absent", path.display());
        return;
    }
    let rows = rows(&path);
    let mean = rows.last().unwrap();
    // Measured 0.999 / 1.000 / 1.000 (tantivy defaults: 0.910 / 0.912 / 0.926).
    assert!(mean.ours.ndcg >= 0.99, "{mean:?}");
    assert!(mean.ours.recall >= 0.99, "{mean:?}");
    assert!(mean.ours.ndcg > mean.baseline.ndcg);
}

//! Relevance measurement: nDCG@10, MRR@10 and recall@10 over judged queries (a TSV of
//! `query<TAB>relevant ids`), for our engine and, side by side, for plain tantivy defaults
//! (default tokenizer, no stemming, no synonyms, no typo tolerance), so relevance changes are
//! measured rather than guessed.

use std::path::Path;

use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::query::QueryParser;
use tantivy::schema::{Schema, Value, STORED, TEXT};
use tantivy::{doc, Index, TantivyDocument};

use crate::model::Contribution;
use crate::search::{Engine, SearchRequest};

/// Rank cut-off of every measure.
pub const CUTOFF: usize = 10;

/// One judged query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    pub query: String,
    pub relevant: Vec<u64>,
    /// 1-based line in the TSV.
    pub line: usize,
}

/// A malformed judgements file.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    // The cause is printed by the caller's error chain, so it is not repeated here.
    #[error("{path}: cannot read")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Syntax {
        path: String,
        line: usize,
        message: String,
    },
}

/// Read `query<TAB>id,id,…` lines; `#` starts a comment line.
pub fn read_judgements(path: &Path) -> Result<Vec<Judgement>, EvalError> {
    let display = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| EvalError::Io {
        path: display.clone(),
        source,
    })?;
    parse_judgements(&text, &display)
}

/// Parse the TSV text of judgements.
pub fn parse_judgements(text: &str, path: &str) -> Result<Vec<Judgement>, EvalError> {
    let mut judgements = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let syntax = |message: String| EvalError::Syntax {
            path: path.to_string(),
            line: line_number,
            message,
        };
        let (query, ids) = line
            .split_once('\t')
            .ok_or_else(|| syntax("expected `query<TAB>ids`".to_string()))?;
        let relevant = ids
            .split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(|id| {
                id.parse::<u64>()
                    .map_err(|_| syntax(format!("`{id}` is not a contribution id")))
            })
            .collect::<Result<Vec<u64>, EvalError>>()?;
        if relevant.is_empty() {
            return Err(syntax("no relevant ids".to_string()));
        }
        judgements.push(Judgement {
            query: query.trim().to_string(),
            relevant,
            line: line_number,
        });
    }
    Ok(judgements)
}

/// The measures of one ranking.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Scores {
    pub ndcg: f64,
    pub mrr: f64,
    pub recall: f64,
}

/// nDCG@10, MRR@10, recall@10 of `ranking` against binary judgements `relevant`.
pub fn score(ranking: &[u64], relevant: &[u64]) -> Scores {
    let top = &ranking[..ranking.len().min(CUTOFF)];
    let gain = |rank: usize| 1.0 / ((rank + 2) as f64).log2();
    let dcg: f64 = top
        .iter()
        .enumerate()
        .filter(|(_, id)| relevant.contains(id))
        .map(|(rank, _)| gain(rank))
        .sum();
    let ideal: f64 = (0..relevant.len().min(CUTOFF)).map(gain).sum();
    let mrr = top
        .iter()
        .position(|id| relevant.contains(id))
        .map_or(0.0, |rank| 1.0 / (rank + 1) as f64);
    let found = relevant.iter().filter(|id| top.contains(id)).count();
    Scores {
        ndcg: if ideal > 0.0 { dcg / ideal } else { 0.0 },
        mrr,
        recall: found as f64 / relevant.len() as f64,
    }
}

/// Mean of several scores.
pub fn mean(scores: &[Scores]) -> Scores {
    if scores.is_empty() {
        return Scores::default();
    }
    let n = scores.len() as f64;
    Scores {
        ndcg: scores.iter().map(|s| s.ndcg).sum::<f64>() / n,
        mrr: scores.iter().map(|s| s.mrr).sum::<f64>() / n,
        recall: scores.iter().map(|s| s.recall).sum::<f64>() / n,
    }
}

/// Our ranking of `query`: the ids of the first [`CUTOFF`] hits.
pub fn engine_ranking(engine: &Engine, query: &str) -> Vec<u64> {
    let mut request = SearchRequest::query(query);
    request.per_page = CUTOFF;
    engine
        .search(&request)
        .map(|response| response.hits.iter().map(|hit| hit.id).collect())
        .unwrap_or_default()
}

/// Plain tantivy defaults over the same records: title and abstract as `TEXT` fields with the
/// default tokenizer, the stock query parser (lenient), OR of the words, BM25.
pub struct Baseline {
    index: Index,
    parser: QueryParser,
}

impl Baseline {
    /// Index `records` the plain way.
    pub fn new(records: &[Contribution]) -> tantivy::Result<Baseline> {
        let mut builder = Schema::builder();
        let id = builder.add_u64_field("id", STORED);
        let title = builder.add_text_field("title", TEXT);
        let abstract_text = builder.add_text_field("abstract", TEXT);
        let index = Index::create_in_ram(builder.build());
        let mut writer: tantivy::IndexWriter = index.writer(50_000_000)?;
        for record in records {
            writer.add_document(doc!(
                id => record.id,
                title => record.title.as_str(),
                abstract_text => record.abstract_text.as_str(),
            ))?;
        }
        writer.commit()?;
        let parser = QueryParser::for_index(&index, vec![title, abstract_text]);
        Ok(Baseline { index, parser })
    }

    /// The baseline's first [`CUTOFF`] ids for `query`.
    pub fn ranking(&self, query: &str) -> Vec<u64> {
        let (query, _errors) = self.parser.parse_query_lenient(query);
        let Ok(reader) = self.index.reader() else {
            return Vec::new();
        };
        let searcher = reader.searcher();
        let id_field = self.index.schema().get_field("id").expect("id field");
        let Ok(top) = searcher.search(&query, &TopDocs::with_limit(CUTOFF).order_by_score()) else {
            return Vec::new();
        };
        top.into_iter()
            .filter_map(|(_, address)| {
                let document: TantivyDocument = searcher.doc(address).ok()?;
                document.get_first(id_field).and_then(|v| v.as_u64())
            })
            .collect()
    }
}

/// Per-query and mean scores of ours and of the baseline.
#[derive(Debug, Clone, Serialize)]
pub struct EvalRow {
    pub query: String,
    pub ours: Scores,
    pub baseline: Scores,
}

/// Evaluate both rankers over `judgements`; the last row is the mean (`query` = `MEAN`).
pub fn evaluate(engine: &Engine, baseline: &Baseline, judgements: &[Judgement]) -> Vec<EvalRow> {
    let mut rows: Vec<EvalRow> = judgements
        .iter()
        .map(|judgement| EvalRow {
            query: judgement.query.clone(),
            ours: score(
                &engine_ranking(engine, &judgement.query),
                &judgement.relevant,
            ),
            baseline: score(&baseline.ranking(&judgement.query), &judgement.relevant),
        })
        .collect();
    let ours: Vec<Scores> = rows.iter().map(|r| r.ours).collect();
    let plain: Vec<Scores> = rows.iter().map(|r| r.baseline).collect();
    rows.push(EvalRow {
        query: "MEAN".to_string(),
        ours: mean(&ours),
        baseline: mean(&plain),
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_of_known_rankings() {
        let perfect = score(&[1, 2, 9], &[1, 2]);
        assert!((perfect.ndcg - 1.0).abs() < 1e-9);
        assert_eq!(perfect.mrr, 1.0);
        assert_eq!(perfect.recall, 1.0);
        let second = score(&[9, 1], &[1, 2]);
        assert_eq!(second.mrr, 0.5);
        assert_eq!(second.recall, 0.5);
        let ideal = 1.0 + 1.0 / 3f64.log2();
        assert!((second.ndcg - (1.0 / 3f64.log2()) / ideal).abs() < 1e-9);
        assert_eq!(score(&[], &[1]).ndcg, 0.0);
    }

    #[test]
    fn judgement_errors_name_the_line() {
        let error = parse_judgements("# header\nok\t1,2\nbad line\n", "q.tsv").unwrap_err();
        assert_eq!(error.to_string(), "q.tsv:3: expected `query<TAB>ids`");
        let error = parse_judgements("q\t1,x\n", "q.tsv").unwrap_err();
        assert_eq!(error.to_string(), "q.tsv:1: `x` is not a contribution id");
    }
}

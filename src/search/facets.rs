//! Facet filters and disjunctive facet counts: the counts of a facet are computed with every
//! *other* active filter applied but not its own, so ticking a second value of a facet shows
//! what it would add (OR within a facet, AND across facets).

use tantivy::collector::{FacetCollector, MultiCollector};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};

use super::request::{FacetName, Filters};
use super::response::{FacetCount, FacetCounts};
use crate::index::{facet_value, Fields};

/// The index field of a facet.
pub fn facet_field(facet: FacetName, fields: &Fields) -> Field {
    match facet {
        FacetName::Theme => fields.theme,
        FacetName::Lab => fields.lab,
        FacetName::Day => fields.day,
        FacetName::Language => fields.language,
        FacetName::Event => fields.event,
        FacetName::Type => fields.kind,
    }
}

/// OR of the values of one facet.
fn facet_filter(facet: FacetName, values: &[String], fields: &Fields) -> Box<dyn Query> {
    let field = facet_field(facet, fields);
    let clauses = values
        .iter()
        .map(|value| -> (Occur, Box<dyn Query>) {
            let term = Term::from_facet(field, &facet_value(value));
            (
                Occur::Should,
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
            )
        })
        .collect();
    Box::new(BooleanQuery::new(clauses))
}

/// `base` AND every active filter except `skip`'s.
pub fn filtered(
    base: &dyn Query,
    filters: &Filters,
    skip: Option<FacetName>,
    fields: &Fields,
) -> Box<dyn Query> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, base.box_clone())];
    for facet in filters.active().filter(|f| Some(*f) != skip) {
        clauses.push((Occur::Must, facet_filter(facet, filters.get(facet), fields)));
    }
    if clauses.len() == 1 {
        return base.box_clone();
    }
    Box::new(BooleanQuery::new(clauses))
}

/// Disjunctive counts for every facet. One pass for all facets without an active filter,
/// one more per facet that has one.
pub fn count_facets(
    searcher: &Searcher,
    base: &dyn Query,
    filters: &Filters,
    fields: &Fields,
) -> tantivy::Result<FacetCounts> {
    let mut counts = FacetCounts::new();
    let active: Vec<FacetName> = filters.active().collect();
    let inactive: Vec<FacetName> = FacetName::ALL
        .into_iter()
        .filter(|f| !active.contains(f))
        .collect();
    let mut passes: Vec<(Option<FacetName>, Vec<FacetName>)> = Vec::new();
    if !inactive.is_empty() {
        passes.push((None, inactive));
    }
    passes.extend(active.iter().map(|&facet| (Some(facet), vec![facet])));
    for (skip, facets) in passes {
        let query = filtered(base, filters, skip, fields);
        let mut multi = MultiCollector::new();
        let handles: Vec<_> = facets
            .iter()
            .map(|&facet| {
                let mut collector = FacetCollector::for_field(
                    searcher.schema().get_field_name(facet_field(facet, fields)),
                );
                collector.add_facet("/");
                (facet, multi.add_collector(collector))
            })
            .collect();
        let mut fruits = searcher.search(&query, &multi)?;
        for (facet, handle) in handles {
            let facet_counts = handle.extract(&mut fruits);
            let mut values: Vec<FacetCount> = facet_counts
                .get("/")
                .map(|(facet, count)| FacetCount {
                    value: facet
                        .to_path()
                        .first()
                        .map_or(String::new(), |v| v.to_string()),
                    count,
                })
                .collect();
            values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            counts.insert(facet.as_str(), values);
        }
    }
    Ok(counts)
}

/// Values of one facet whose folded text contains the folded `contains` (all when `None`).
pub fn matching_values(values: Vec<FacetCount>, contains: Option<&str>) -> Vec<FacetCount> {
    let Some(needle) = contains.map(|c| crate::text::fold_accents(c).to_lowercase()) else {
        return values;
    };
    values
        .into_iter()
        .filter(|value| {
            crate::text::fold_accents(&value.value)
                .to_lowercase()
                .contains(&needle)
        })
        .collect()
}

//! Facet filters and disjunctive facet counts: the counts of a facet are computed with every
//! *other* active filter applied but not its own, so ticking a second value of a facet shows
//! what it would add (OR within a facet, AND across facets).

use tantivy::collector::{
    FacetCollector, FacetCounts as TantivyFacetCounts, FruitHandle, MultiCollector, MultiFruit,
};
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

/// The facets without an active filter: their counts come from the main query itself.
pub fn unfiltered_facets(filters: &Filters) -> Vec<FacetName> {
    let active: Vec<FacetName> = filters.active().collect();
    FacetName::ALL
        .into_iter()
        .filter(|f| !active.contains(f))
        .collect()
}

/// Where each facet's counts are in the fruit of the collector made with them.
pub struct FacetHandles(Vec<(FacetName, FruitHandle<TantivyFacetCounts>)>);

/// One collector counting several facets, to run beside other collectors in one pass, and
/// the handles to read its fruit with.
pub fn facet_counters(
    searcher: &Searcher,
    facets: &[FacetName],
    fields: &Fields,
) -> (MultiCollector<'static>, FacetHandles) {
    let mut collector = MultiCollector::new();
    let handles = facets
        .iter()
        .map(|&facet| {
            let mut counter = FacetCollector::for_field(
                searcher.schema().get_field_name(facet_field(facet, fields)),
            );
            counter.add_facet("/");
            (facet, collector.add_collector(counter))
        })
        .collect();
    (collector, FacetHandles(handles))
}

impl FacetHandles {
    /// Add what the collector found to `counts`, values sorted by count then value.
    pub fn extract(self, mut fruits: MultiFruit, counts: &mut FacetCounts) {
        for (facet, handle) in self.0 {
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
}

/// Disjunctive counts of the facets that have an active filter: one pass per such facet,
/// with every filter but its own.
pub fn count_filtered_facets(
    searcher: &Searcher,
    base: &dyn Query,
    filters: &Filters,
    fields: &Fields,
    counts: &mut FacetCounts,
) -> tantivy::Result<()> {
    for facet in filters.active() {
        let query = filtered(base, filters, Some(facet), fields);
        let (counters, handles) = facet_counters(searcher, &[facet], fields);
        let fruits = searcher.search(&query, &counters)?;
        handles.extract(fruits, counts);
    }
    Ok(())
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
    let unfiltered = unfiltered_facets(filters);
    if !unfiltered.is_empty() {
        let query = filtered(base, filters, None, fields);
        let (counters, handles) = facet_counters(searcher, &unfiltered, fields);
        let fruits = searcher.search(&query, &counters)?;
        handles.extract(fruits, &mut counts);
    }
    count_filtered_facets(searcher, base, filters, fields, &mut counts)?;
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

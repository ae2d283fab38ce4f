//! Facet filters and disjunctive facet counts: the counts of a facet are computed with every
//! *other* active filter applied but not its own, so ticking a second value of a facet shows
//! what it would add (OR within a facet, AND across facets).

use std::collections::HashMap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::fastfield::FacetReader;
use tantivy::index::SegmentId;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{Facet, Field, IndexRecordOption};
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader, Term};

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

/// The values of every facet, read once per engine, and for each segment the value indexes
/// of every document. Counting then touches nothing but integers in memory: tantivy's
/// `FacetCollector` re-reads the facet dictionary of every segment on every search (and
/// decompresses a dictionary block for every value it reports), which on the 50k corpus,
/// whose `day` facet has thousands of values, cost most of a search; and reading a
/// document's ordinals from the facet column costs ~300 instructions per facet, a quarter of
/// a one-word search that matches 2,800 records.
pub struct FacetTable {
    facets: Vec<FacetValues>,
}

/// One facet's values and, per segment, the values of each document.
struct FacetValues {
    name: FacetName,
    /// Distinct values (first path component), sorted.
    values: Vec<String>,
    /// Segment id → value indexes of each document.
    documents: HashMap<SegmentId, Arc<DocumentValues>>,
}

const NO_VALUE: u32 = u32::MAX;
const NO_SMALL_VALUE: u16 = u16::MAX;

/// The value indexes of each document of a segment (each document's distinct values once).
enum DocumentValues {
    /// Every document has this one value (the `event` of a corpus of one file, the
    /// `language` of an English corpus): counting a match reads no per-document memory.
    Same(u32),
    /// No document has more than one value, and the facet has fewer than `u16::MAX`
    /// values: `NO_SMALL_VALUE` or the value of each document, in half the memory of `One`
    /// (fewer cache lines read per match: the `day` facet of 1M records).
    OneSmall(Vec<u16>),
    /// No document has more than one value: `NO_VALUE` or the value of each document.
    One(Vec<u32>),
    /// The values of document `d` are `values[starts[d]..starts[d + 1]]`.
    Several { starts: Vec<u32>, values: Vec<u32> },
}

impl DocumentValues {
    /// Read the facet column of `segment`; `ordinals` maps its facet ordinals to values.
    fn read(
        reader: &FacetReader,
        ordinals: &[u32],
        value_count: usize,
        max_doc: DocId,
    ) -> DocumentValues {
        let mut starts = Vec::with_capacity(max_doc as usize + 1);
        let mut values = Vec::with_capacity(max_doc as usize);
        for doc in 0..max_doc {
            starts.push(values.len() as u32);
            // Ordinals come sorted: a value reached twice in a row is counted once, as
            // tantivy's FacetCollector does.
            let mut previous = NO_VALUE;
            for ordinal in reader.facet_ords(doc) {
                let value = ordinals[ordinal as usize];
                if value != NO_VALUE && value != previous {
                    values.push(value);
                }
                previous = value;
            }
        }
        starts.push(values.len() as u32);
        let at_most_one = starts.windows(2).all(|pair| pair[1] - pair[0] <= 1);
        if !at_most_one {
            return DocumentValues::Several { starts, values };
        }
        if values.len() == max_doc as usize && values.windows(2).all(|pair| pair[0] == pair[1]) {
            if let Some(&value) = values.first() {
                return DocumentValues::Same(value);
            }
        }
        let one = starts.windows(2).map(|pair| {
            if pair[1] > pair[0] {
                values[pair[0] as usize]
            } else {
                NO_VALUE
            }
        });
        if value_count < usize::from(NO_SMALL_VALUE) {
            let small = one.map(|value| u16::try_from(value).unwrap_or(NO_SMALL_VALUE));
            return DocumentValues::OneSmall(small.collect());
        }
        DocumentValues::One(one.collect())
    }
}

impl FacetTable {
    /// Read the facet values of every segment `searcher` sees.
    pub fn new(searcher: &Searcher, fields: &Fields) -> tantivy::Result<FacetTable> {
        let mut facets = Vec::with_capacity(FacetName::ALL.len());
        for name in FacetName::ALL {
            let field_name = searcher
                .schema()
                .get_field_name(facet_field(name, fields))
                .to_string();
            let mut per_segment: Vec<(&SegmentReader, FacetReader, Vec<Option<String>>)> =
                Vec::new();
            for segment in searcher.segment_readers() {
                let reader = segment.facet_reader(&field_name)?;
                let mut values = Vec::with_capacity(reader.num_facets());
                let mut stream = reader.facet_dict().stream()?;
                while stream.advance() {
                    let value = Facet::from_encoded(stream.key().to_vec())
                        .ok()
                        .and_then(|facet| facet.to_path().first().map(|v| v.to_string()));
                    values.push(value);
                }
                per_segment.push((segment, reader, values));
            }
            let mut values: Vec<String> = per_segment
                .iter()
                .flat_map(|(_, _, values)| values.iter().flatten().cloned())
                .collect();
            values.sort();
            values.dedup();
            let mut documents = HashMap::new();
            if !values.is_empty() {
                for (segment, reader, segment_values) in &per_segment {
                    let ordinals: Vec<u32> = segment_values
                        .iter()
                        .map(|value| match value {
                            Some(value) => values
                                .binary_search(value)
                                .map_or(NO_VALUE, |index| index as u32),
                            None => NO_VALUE,
                        })
                        .collect();
                    let document_values =
                        DocumentValues::read(reader, &ordinals, values.len(), segment.max_doc());
                    documents.insert(segment.segment_id(), Arc::new(document_values));
                }
            }
            facets.push(FacetValues {
                name,
                values,
                documents,
            });
        }
        Ok(FacetTable { facets })
    }

    /// `filters` with each ticked value that is no value of its facet replaced by the one
    /// value it equals with case and accents ignored (`lab=lal` is `LAL`); values that
    /// match none, or several, stay as given (and match nothing, or exactly).
    pub fn canonical_filters(&self, filters: &Filters) -> Filters {
        let fold = |text: &str| crate::text::fold_accents(text).to_lowercase();
        let mut canonical = Filters::default();
        for facet in FacetName::ALL {
            let values = &self.of(facet).values;
            for value in filters.get(facet) {
                if values.binary_search(value).is_ok() {
                    canonical.push(facet, value.clone());
                    continue;
                }
                let folded = fold(value);
                let mut equal = values.iter().filter(|known| fold(known) == folded);
                match (equal.next(), equal.next()) {
                    (Some(only), None) => canonical.push(facet, only.clone()),
                    _ => canonical.push(facet, value.clone()),
                }
            }
        }
        canonical
    }

    fn of(&self, name: FacetName) -> &FacetValues {
        self.facets
            .iter()
            .find(|facet| facet.name == name)
            .expect("every facet has a table")
    }
}

/// Counts the values of several facets, beside other collectors in the same pass.
#[derive(Clone)]
pub struct FacetCounter {
    table: Arc<FacetTable>,
    facets: Vec<FacetName>,
}

impl FacetCounter {
    /// A counter of `facets`.
    pub fn new(table: Arc<FacetTable>, facets: &[FacetName]) -> FacetCounter {
        FacetCounter {
            table,
            facets: facets.to_vec(),
        }
    }

    /// Add what the counter found to `counts`: per facet its values sorted by count then
    /// value, at most `limit` of them (only those get their text copied), and beyond the
    /// limit the values ticked in `ticked`, which a user must always see to untick.
    pub fn extract(
        &self,
        fruit: FacetFruit,
        counts: &mut FacetCounts,
        limit: Option<usize>,
        ticked: &Filters,
    ) {
        for (&facet, value_counts) in self.facets.iter().zip(fruit) {
            let values = &self.table.of(facet).values;
            let mut found: Vec<(u64, usize)> = value_counts
                .into_iter()
                .map(|(index, count)| (count, index as usize))
                .collect();
            // Values are sorted, so the index orders like the value.
            let order = |a: &(u64, usize), b: &(u64, usize)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
            if let Some(limit) = limit.filter(|&limit| limit < found.len()) {
                if limit > 0 {
                    found.select_nth_unstable_by(limit - 1, order);
                }
                let ticked_beyond: Vec<(u64, usize)> = found[limit..]
                    .iter()
                    .filter(|(_, index)| ticked.get(facet).contains(&values[*index]))
                    .copied()
                    .collect();
                found.truncate(limit);
                found.extend(ticked_beyond);
            }
            found.sort_unstable_by(order);
            let found = found
                .into_iter()
                .map(|(count, index)| FacetCount {
                    value: values[index].clone(),
                    count,
                })
                .collect();
            counts.insert(facet.as_str(), found);
        }
    }
}

/// What a [`FacetCounter`] found: per facet, the (value index, count) of every value
/// counted at least once, in no particular order.
pub type FacetFruit = Vec<Vec<(u32, u64)>>;

/// Most count buffers a thread keeps for reuse.
const MAX_POOLED_COUNTS: usize = 8;

thread_local! {
    /// Count buffers, all zeros, for reuse: the `day` facet of the 50k corpus has 7,413
    /// values, and zeroing (then scanning) a buffer that large on every search cost more
    /// than counting the matches of most queries. Only the counted values are reset.
    static POOLED_COUNTS: std::cell::RefCell<Vec<Vec<u32>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A zeroed count buffer of at least `len` entries.
fn pooled_counts(len: usize) -> Vec<u32> {
    let mut counts = POOLED_COUNTS
        .with_borrow_mut(|pool| pool.pop())
        .unwrap_or_default();
    if counts.len() < len {
        counts.resize(len, 0);
    }
    counts
}

/// Give back a buffer whose non-zero entries are all in `touched`.
fn return_counts(mut counts: Vec<u32>, touched: &[u32]) {
    for &value in touched {
        counts[value as usize] = 0;
    }
    POOLED_COUNTS.with_borrow_mut(|pool| {
        if pool.len() < MAX_POOLED_COUNTS {
            pool.push(counts);
        }
    });
}

/// One facet being counted in one segment.
struct SegmentFacet {
    /// Index in the counter's facets.
    position: usize,
    documents: Arc<DocumentValues>,
    /// Counts by value index (a pooled buffer, possibly longer than the facet's values).
    counts: Vec<u32>,
    /// The value indexes counted, each once, in the order first met.
    touched: Vec<u32>,
}

/// Count one more record with `value`.
#[inline]
fn count_value(counts: &mut [u32], touched: &mut Vec<u32>, value: u32) {
    let count = &mut counts[value as usize];
    if *count == 0 {
        touched.push(value);
    }
    *count += 1;
}

/// [`FacetCounter`] in one segment.
pub struct SegmentFacetCounter {
    /// The facets that have values at all.
    facets: Vec<SegmentFacet>,
    /// How many facets the counter counts (those without values get an empty list).
    facet_count: usize,
}

impl Collector for FacetCounter {
    type Fruit = FacetFruit;
    type Child = SegmentFacetCounter;

    fn for_segment(
        &self,
        _segment_ordinal: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentFacetCounter> {
        let mut facets = Vec::with_capacity(self.facets.len());
        for (position, &facet) in self.facets.iter().enumerate() {
            let values = self.table.of(facet);
            if values.values.is_empty() {
                // Nothing to count (no record has this facet).
                continue;
            }
            let Some(documents) = values.documents.get(&segment.segment_id()) else {
                return Err(tantivy::TantivyError::InternalError(format!(
                    "facet table has no segment {}",
                    segment.segment_id()
                )));
            };
            facets.push(SegmentFacet {
                position,
                documents: documents.clone(),
                counts: pooled_counts(values.values.len()),
                touched: Vec::new(),
            });
        }
        Ok(SegmentFacetCounter {
            facets,
            facet_count: self.facets.len(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetFruit>) -> tantivy::Result<FacetFruit> {
        let mut total: FacetFruit = vec![Vec::new(); self.facets.len()];
        let several = fruits.len() > 1;
        for fruit in fruits {
            for (sums, counts) in total.iter_mut().zip(fruit) {
                sums.extend(counts);
            }
        }
        if several {
            for sums in &mut total {
                sums.sort_unstable_by_key(|&(value, _)| value);
                sums.dedup_by(|later, earlier| {
                    let same = later.0 == earlier.0;
                    if same {
                        earlier.1 += later.1;
                    }
                    same
                });
            }
        }
        Ok(total)
    }
}

impl SegmentCollector for SegmentFacetCounter {
    type Fruit = FacetFruit;

    fn collect(&mut self, doc: DocId, _score: Score) {
        for SegmentFacet {
            documents,
            counts,
            touched,
            ..
        } in &mut self.facets
        {
            match documents.as_ref() {
                DocumentValues::Same(value) => count_value(counts, touched, *value),
                DocumentValues::OneSmall(values) => {
                    let value = values[doc as usize];
                    if value != NO_SMALL_VALUE {
                        count_value(counts, touched, u32::from(value));
                    }
                }
                DocumentValues::One(values) => {
                    let value = values[doc as usize];
                    if value != NO_VALUE {
                        count_value(counts, touched, value);
                    }
                }
                DocumentValues::Several { starts, values } => {
                    let range = starts[doc as usize] as usize..starts[doc as usize + 1] as usize;
                    for &value in &values[range] {
                        count_value(counts, touched, value);
                    }
                }
            }
        }
    }

    fn harvest(self) -> FacetFruit {
        let mut fruit: FacetFruit = vec![Vec::new(); self.facet_count];
        for facet in self.facets {
            fruit[facet.position] = facet
                .touched
                .iter()
                .map(|&value| (value, u64::from(facet.counts[value as usize])))
                .collect();
            return_counts(facet.counts, &facet.touched);
        }
        fruit
    }
}

/// Disjunctive counts of the facets that have an active filter: one pass per such facet,
/// with every filter but its own.
pub fn count_filtered_facets(
    searcher: &Searcher,
    table: &Arc<FacetTable>,
    base: &dyn Query,
    filters: &Filters,
    fields: &Fields,
    counts: &mut FacetCounts,
    limit: Option<usize>,
) -> tantivy::Result<()> {
    for facet in filters.active() {
        let query = filtered(base, filters, Some(facet), fields);
        let counter = FacetCounter::new(table.clone(), &[facet]);
        let fruit = searcher.search(&query, &counter)?;
        counter.extract(fruit, counts, limit, filters);
    }
    Ok(())
}

/// Disjunctive counts for every facet, at most `limit` values each (ticked values kept).
/// One pass for all facets without an active filter, one more per facet that has one.
pub fn count_facets(
    searcher: &Searcher,
    table: &Arc<FacetTable>,
    base: &dyn Query,
    filters: &Filters,
    fields: &Fields,
    limit: Option<usize>,
) -> tantivy::Result<FacetCounts> {
    let mut counts = FacetCounts::new();
    let unfiltered = unfiltered_facets(filters);
    if !unfiltered.is_empty() {
        let query = filtered(base, filters, None, fields);
        let counter = FacetCounter::new(table.clone(), &unfiltered);
        let fruit = searcher.search(&query, &counter)?;
        counter.extract(fruit, &mut counts, limit, filters);
    }
    count_filtered_facets(searcher, table, base, filters, fields, &mut counts, limit)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::FacetCollector;
    use tantivy::query::AllQuery;

    use crate::corpus::{parse_text, LabTable};
    use crate::model::Contribution;
    use crate::search::query::{build_query, parse_user_query, Analyzers};
    use crate::search::Synonyms;

    /// tantivy's own facet counts: the oracle of `counts_equal_tantivy_facet_collector`.
    fn tantivy_counts(
        searcher: &Searcher,
        query: &dyn Query,
        facet: FacetName,
        fields: &Fields,
    ) -> Vec<FacetCount> {
        let mut collector =
            FacetCollector::for_field(searcher.schema().get_field_name(facet_field(facet, fields)));
        collector.add_facet("/");
        let counts = searcher.search(query, &collector).expect("facet search");
        let mut values: Vec<FacetCount> = counts
            .get("/")
            .map(|(facet, count)| FacetCount {
                value: facet.to_path()[0].to_string(),
                count,
            })
            .collect();
        values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        values
    }

    fn seed_records() -> Vec<Contribution> {
        let root = env!("CARGO_MANIFEST_DIR");
        let path = format!("{root}/corpus/in2p3-irfu-ml-workshop-2020.md");
        let labs = LabTable::load(std::path::Path::new(&format!("{root}/corpus/labs.toml")))
            .expect("labs load");
        let text = std::fs::read_to_string(&path).expect("seed reads");
        let mut records = parse_text(&text, &path, &labs)
            .expect("seed parses")
            .records;
        crate::analysis::annotate_languages(&mut records);
        records
    }

    /// Compare every facet count of a few queries with tantivy's; the number compared.
    fn compare_with_tantivy(index: &tantivy::Index) -> usize {
        let fields = Fields::from_schema(&index.schema()).expect("fields");
        let searcher = index.reader().expect("reader").searcher();
        let table = Arc::new(FacetTable::new(&searcher, &fields).expect("facet table"));
        let mut compared = 0;
        for q in [
            "",
            "learning",
            "calorimeter",
            "réseaux de neurones",
            "simulation",
        ] {
            let query: Box<dyn Query> = if q.is_empty() {
                Box::new(AllQuery)
            } else {
                build_query(
                    &parse_user_query(q),
                    &fields,
                    &mut Analyzers::default(),
                    &searcher,
                    &Synonyms::default(),
                )
                .all_words
            };
            let counts = count_facets(
                &searcher,
                &table,
                query.as_ref(),
                &Filters::default(),
                &fields,
                None,
            )
            .expect("counts");
            for facet in FacetName::ALL {
                let expected = tantivy_counts(&searcher, query.as_ref(), facet, &fields);
                assert_eq!(counts[facet.as_str()], expected, "{q:?} {facet:?}");
                compared += expected.len();
            }
            let limited = FacetCounter::new(table.clone(), &[FacetName::Lab]);
            let fruit = searcher.search(query.as_ref(), &limited).expect("search");
            let mut top = FacetCounts::new();
            limited.extract(fruit, &mut top, Some(3), &Filters::default());
            let all = &counts["lab"];
            assert_eq!(top["lab"], all[..all.len().min(3)], "{q:?} top 3 labs");
        }
        compared
    }

    #[test]
    fn counts_equal_tantivy_facet_collector() {
        let index = crate::index::build_in_ram(&seed_records()).expect("seed indexes");
        let compared = compare_with_tantivy(&index);
        assert!(compared > 40, "{compared} facet values compared");
    }

    /// The values of `doc` as `documents` holds them.
    fn values_of(documents: &DocumentValues, doc: DocId) -> Vec<u32> {
        match documents {
            DocumentValues::Same(value) => vec![*value],
            DocumentValues::OneSmall(values) => Some(values[doc as usize])
                .filter(|&v| v != NO_SMALL_VALUE)
                .map(u32::from)
                .into_iter()
                .collect(),
            DocumentValues::One(values) => Some(values[doc as usize])
                .filter(|&v| v != NO_VALUE)
                .into_iter()
                .collect(),
            DocumentValues::Several { starts, values } => {
                values[starts[doc as usize] as usize..starts[doc as usize + 1] as usize].to_vec()
            }
        }
    }

    /// Each facet of the seed gets the compact form that fits it, and it holds each
    /// document's values as tantivy's facet column has them; so does the general `One`
    /// form, which no seed facet needs (forced by claiming 70,000 values).
    #[test]
    fn compact_forms_hold_the_values_of_the_facet_column() {
        let index = crate::index::build_in_ram(&seed_records()).expect("seed indexes");
        let fields = Fields::from_schema(&index.schema()).expect("fields");
        let searcher = index.reader().expect("reader").searcher();
        let table = FacetTable::new(&searcher, &fields).expect("facet table");
        let segment = &searcher.segment_readers()[0];
        let form = |documents: &DocumentValues| match documents {
            DocumentValues::Same(_) => "same",
            DocumentValues::OneSmall(_) => "one small",
            DocumentValues::One(_) => "one",
            DocumentValues::Several { .. } => "several",
        };
        let mut forms = Vec::new();
        for facet in [
            FacetName::Event,
            FacetName::Day,
            FacetName::Lab,
            FacetName::Language,
        ] {
            let values = table.of(facet);
            let chosen: &DocumentValues = &values.documents[&segment.segment_id()];
            forms.push((facet, form(chosen)));
            let field_name = searcher
                .schema()
                .get_field_name(facet_field(facet, &fields));
            let reader = segment.facet_reader(field_name).expect("facet reader");
            let mut ordinals = Vec::new();
            let mut stream = reader.facet_dict().stream().expect("facet dictionary");
            while stream.advance() {
                let value = Facet::from_encoded(stream.key().to_vec()).expect("facet");
                let value = value.to_path()[0].to_string();
                ordinals.push(values.values.binary_search(&value).expect("known value") as u32);
            }
            let general = DocumentValues::read(&reader, &ordinals, 70_000, segment.max_doc());
            if form(chosen) == "one small" {
                assert_eq!(form(&general), "one", "{facet:?}");
            }
            for doc in 0..segment.max_doc() {
                let mut column: Vec<u32> = reader
                    .facet_ords(doc)
                    .map(|ordinal| ordinals[ordinal as usize])
                    .collect();
                column.dedup();
                assert_eq!(values_of(chosen, doc), column, "{facet:?} doc {doc}");
                assert_eq!(values_of(&general, doc), column, "{facet:?} doc {doc}");
            }
        }
        assert_eq!(
            forms,
            [
                (FacetName::Event, "same"),
                (FacetName::Day, "one small"),
                (FacetName::Lab, "several"),
                (FacetName::Language, "one small"),
            ]
        );
    }

    /// Two segments: each counts its own records, the fruits are summed by value.
    #[test]
    fn counts_add_up_across_segments() {
        let records = seed_records();
        let (first, second) = records.split_at(records.len() / 2);
        let index = crate::index::build_in_ram(first).expect("first half indexes");
        let fields = Fields::from_schema(&index.schema()).expect("fields");
        let mut writer: tantivy::IndexWriter = index
            .writer_with_num_threads(1, 15_000_000)
            .expect("writer");
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        for record in second {
            writer
                .add_document(crate::index::document_of(record, &fields))
                .expect("document added");
        }
        writer.commit().expect("second half commits");
        let segments = index
            .reader()
            .expect("reader")
            .searcher()
            .segment_readers()
            .len();
        assert_eq!(segments, 2);
        let compared = compare_with_tantivy(&index);
        assert!(compared > 40, "{compared} facet values compared");
    }
}

//! The search core: `Engine::search(&SearchRequest) -> Result<SearchResponse, SearchError>`,
//! record lookup and facet listing. No HTTP types in here: the API, the CLI, tests and benches
//! all call this directly.

pub mod alternatives;
pub mod error;
pub mod facets;
pub mod highlight;
pub mod phrase;
pub mod prefix;
pub mod query;
pub mod request;
pub mod response;
pub mod similar;
pub mod suggest;
pub mod synonyms;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use std::ops::Bound;
use tantivy::collector::{Count, TopDocs};

use tantivy::query::{AllQuery, BooleanQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::document::{DeserializeError, DocumentDeserialize, DocumentDeserializer};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, Searcher, Term};

pub use error::SearchError;
pub use request::{FacetName, Filters, SearchRequest, Sort};
pub use response::{FacetCount, FacetCounts, Hit, People, SearchResponse};
pub use synonyms::Synonyms;

use crate::index::Fields;
use crate::model::Contribution;
use highlight::Highlighter;
use query::{build_query, parse_user_query, Analyzers};

/// Notice of a query whose every word is a stop word in every language that has it.
pub const STOP_WORDS_NOTICE: &str =
    "the query has only very common words; add a more specific word";
/// Notice of a query that holds no word at all (punctuation, symbols, invisible characters).
pub const NO_WORD_NOTICE: &str =
    "the query has no word to search (only punctuation, symbols or invisible characters)";

/// A searchable index generation.
pub struct Engine {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    analyzers: Analyzers,
    /// Facet values and per-segment ordinal maps, read once.
    facet_table: Arc<facets::FacetTable>,
    synonyms: Synonyms,
    generation: Option<PathBuf>,
    /// Identifies this engine's immutable content, for HTTP caching (ETag).
    tag: String,
}

impl Engine {
    /// Wrap an opened index (analyzers already registered).
    pub fn new(index: Index, generation: Option<PathBuf>) -> Result<Engine, SearchError> {
        let fields = Fields::from_schema(&index.schema())?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let facet_table = Arc::new(facets::FacetTable::new(&reader.searcher(), &fields)?);
        Ok(Engine {
            index,
            reader,
            fields,
            analyzers: Analyzers::default(),
            facet_table,
            synonyms: Synonyms::default(),
            tag: content_tag(generation.as_ref()),
            generation,
        })
    }

    /// A short string that changes whenever the served content may change (a new index
    /// generation, another process): part of every ETag.
    pub fn content_tag(&self) -> &str {
        &self.tag
    }

    /// Expand queries with `synonyms` (see `corpus/synonyms.toml`).
    pub fn with_synonyms(mut self, synonyms: Synonyms) -> Engine {
        self.synonyms = synonyms;
        self
    }

    /// An engine over records held in memory (tests, benches).
    pub fn from_records(records: &[Contribution]) -> Result<Engine, SearchError> {
        Engine::new(crate::index::build_in_ram(records)?, None)
    }

    /// The generation folder this engine serves, when on disk.
    pub fn generation(&self) -> Option<&PathBuf> {
        self.generation.as_ref()
    }

    /// The tantivy index (for tools that need more than search).
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Number of records.
    pub fn document_count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The stored JSON record at `address`, read as `T`: all of it ([`Contribution`]) or
    /// what a hit shows ([`HitRecord`], its people unparsed).
    fn stored_record<T: serde::de::DeserializeOwned>(
        &self,
        searcher: &Searcher,
        address: DocAddress,
    ) -> Result<T, SearchError> {
        let StoredTexts(texts) = searcher.doc(address)?;
        let json = texts
            .iter()
            .find(|(field, _)| *field == self.fields.record)
            .map_or("{}", |(_, text)| text.as_str());
        Ok(serde_json::from_str(json)?)
    }

    /// The record `event/id`.
    pub fn contribution(&self, event: &str, id: &str) -> Result<Contribution, SearchError> {
        let not_found = || SearchError::NotFound {
            event: request::escape_for_message(event),
            id: request::escape_for_message(id),
        };
        let numeric_id: u64 = id.parse().map_err(|_| not_found())?;
        let searcher = self.reader.searcher();
        let key = Term::from_field_text(self.fields.key, &format!("{event}/{numeric_id}"));
        let query = TermQuery::new(key, IndexRecordOption::Basic);
        let top = searcher.search(&query, &TopDocs::with_limit(1).order_by_score())?;
        let (_, address) = top.into_iter().next().ok_or_else(not_found)?;
        self.stored_record::<Contribution>(&searcher, address)
    }

    /// Facet counts of the records matching the filters, time window and speakers of
    /// `request` (its text, page and sort are not used), at most `facet_limit` values
    /// per facet as in a search.
    pub fn facets(&self, request: &SearchRequest) -> Result<(u64, FacetCounts), SearchError> {
        let request = &*self.canonical_request(request);
        let searcher = self.reader.searcher();
        let base = self.with_request_filters(Box::new(AllQuery), request);
        let query = facets::filtered(base.as_ref(), &request.filters, None, &self.fields);
        let total = searcher.search(&query, &Count)? as u64;
        let counts = facets::count_facets(
            &searcher,
            &self.facet_table,
            base.as_ref(),
            &request.filters,
            &self.fields,
            request.facet_limit,
        )?;
        Ok((total, counts))
    }

    /// The values of one facet (disjunctive counts under the filters, time window and
    /// speakers of `request`), those containing `contains` (accents and case ignored), at
    /// most `limit`, ticked values kept.
    pub fn facet_values(
        &self,
        facet: FacetName,
        request: &SearchRequest,
        contains: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Vec<FacetCount>, SearchError> {
        let request = &*self.canonical_request(request);
        let searcher = self.reader.searcher();
        let base = self.with_request_filters(Box::new(AllQuery), request);
        let mut counts = facets::count_facets(
            &searcher,
            &self.facet_table,
            base.as_ref(),
            &request.filters,
            &self.fields,
            None,
        )?;
        let values = counts.remove(facet.as_str()).unwrap_or_default();
        let mut values = facets::matching_values(values, contains);
        if let Some(limit) = limit.filter(|&limit| limit < values.len()) {
            let ticked = request.filters.get(facet);
            let mut kept = 0;
            values.retain(|value| {
                kept += 1;
                kept <= limit || ticked.contains(&value.value)
            });
        }
        Ok(values)
    }

    /// Run a search.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse, SearchError> {
        let started = Instant::now();
        request.validate_window()?;
        let request = &*self.canonical_request(request);
        let searcher = self.reader.searcher();
        let parsed = parse_user_query(&request.q);
        let mut analyzers = self.analyzers.clone();
        let built = build_query(
            &parsed,
            &self.fields,
            &mut analyzers,
            &searcher,
            &self.synonyms,
        );
        let mut notice = parsed.truncated.then(|| {
            format!(
                "only the first {} words of the query were used",
                query::MAX_QUERY_CLAUSES
            )
        });
        // Text that is not only blanks but holds no word (`"`, `±`, an emoji, a zero-width
        // space, NUL) is a search that finds nothing, not a request to browse.
        if (parsed.is_empty() && !request.q.trim().is_empty()) || built.no_searchable_word {
            return Ok(self.empty_response(request, started, Some(NO_WORD_NOTICE.to_string())));
        }
        if built.nothing_to_search {
            return Ok(self.empty_response(request, started, Some(STOP_WORDS_NOTICE.to_string())));
        }
        if !built.overlong_words.is_empty() {
            let overlong = format!(
                "words of {} characters or more are not indexed and match nothing: {}",
                crate::analysis::MAX_TOKEN_BYTES,
                built
                    .overlong_words
                    .iter()
                    .map(|word| request::escape_for_message(word))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            notice = Some(match notice {
                Some(earlier) => format!("{earlier}; {overlong}"),
                None => overlong,
            });
        }
        // One pass collects the total, the page and the counts of every facet without an
        // active filter; each filtered facet needs a pass of its own (disjunctive counts).
        let browsing = parsed.is_empty();
        let unfiltered = facets::unfiltered_facets(&request.filters);
        let pass_context = Pass {
            searcher: &searcher,
            statistics: query::SearchStatistics::new(&searcher, &built.doc_freqs),
        };
        // The words' query with the request's filters, and its main pass.
        let run = |words: Box<dyn Query>| -> Result<(Box<dyn Query>, MainPass), SearchError> {
            let text_query = self.with_request_filters(words, request);
            let filtered =
                facets::filtered(text_query.as_ref(), &request.filters, None, &self.fields);
            let pass = self.main_pass(
                &pass_context,
                filtered.as_ref(),
                request,
                browsing,
                &unfiltered,
            )?;
            Ok((text_query, pass))
        };
        let mut matching = "all";
        let (mut text_query, mut pass) = run(built.all_words)?;
        if pass.total == 0 {
            if let Some(any_word) = built.any_word {
                (text_query, pass) = run(any_word)?;
                matching = "any";
            }
        }
        if pass.total == 0 && built.only_stop_words {
            return Ok(self.empty_response(request, started, Some(STOP_WORDS_NOTICE.to_string())));
        }
        let MainPass {
            total,
            top,
            facets: mut facet_counts,
        } = pass;
        facets::count_filtered_facets(
            &searcher,
            &self.facet_table,
            text_query.as_ref(),
            &request.filters,
            &self.fields,
            &mut facet_counts,
            request.facet_limit,
        )?;
        let mut highlighter = Highlighter::new(&built.highlight, analyzers);
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let record = self.stored_record::<HitRecord>(&searcher, address)?;
            hits.push(make_hit(record, score, &mut highlighter));
        }
        Ok(SearchResponse {
            total,
            page: request.page,
            per_page: request.per_page,
            took_ms: elapsed_ms(started),
            query: request.q.clone(),
            matching,
            notice,
            hits,
            facets: facet_counts,
        })
    }

    /// `request` with its facet values as the index spells them (`lab=lal` → `LAL`).
    fn canonical_request<'r>(
        &self,
        request: &'r SearchRequest,
    ) -> std::borrow::Cow<'r, SearchRequest> {
        if request.filters.active().next().is_none() {
            return std::borrow::Cow::Borrowed(request);
        }
        std::borrow::Cow::Owned(SearchRequest {
            filters: self.facet_table.canonical_filters(&request.filters),
            ..request.clone()
        })
    }

    /// `query` AND the time window AND the speaker names of `request`.
    fn with_request_filters(
        &self,
        query: Box<dyn Query>,
        request: &SearchRequest,
    ) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if request.from.is_some() || request.to.is_some() {
            let bound = |time: Option<chrono::NaiveDateTime>| match time {
                Some(time) => Bound::Included(tantivy::Term::from_field_i64(
                    self.fields.start,
                    time.and_utc().timestamp(),
                )),
                None => Bound::Unbounded,
            };
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(bound(request.from), bound(request.to))),
            ));
        }
        if !request.speakers.is_empty() {
            let mut analyzer = self.analyzers.plain.clone();
            let names: Vec<(Occur, Box<dyn Query>)> = request
                .speakers
                .iter()
                .map(|name| -> (Occur, Box<dyn Query>) {
                    // `GHOSH, Aishik`, the report's own format, is indexed `Aishik GHOSH`.
                    let name = match name.split_once(',') {
                        Some((last, first)) => format!("{first} {last}"),
                        None => name.clone(),
                    };
                    let terms: Vec<(usize, Term)> = crate::analysis::analyze(&mut analyzer, &name)
                        .into_iter()
                        .filter(|token| token.position_length <= 1)
                        .map(|token| {
                            (
                                token.position,
                                Term::from_field_text(self.fields.speaker, &token.text),
                            )
                        })
                        .collect();
                    let query: Box<dyn Query> = match terms.len() {
                        0 => Box::new(tantivy::query::EmptyQuery),
                        1 => Box::new(TermQuery::new(terms[0].1.clone(), IndexRecordOption::Basic)),
                        _ => {
                            let first = terms[0].0;
                            Box::new(phrase::ForwardPhraseQuery::new_with_offset(
                                terms.into_iter().map(|(p, t)| (p - first, t)).collect(),
                            ))
                        }
                    };
                    (Occur::Should, query)
                })
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(names))));
        }
        if clauses.is_empty() {
            return query;
        }
        clauses.insert(0, (Occur::Must, query));
        Box::new(BooleanQuery::new(clauses))
    }

    /// Total, page of hits in the requested order, and the counts of `facets`, in one pass
    /// over `query`. Browsing (no text) defaults to programme order, since every score
    /// would be equal.
    fn main_pass(
        &self,
        pass: &Pass<'_>,
        query: &dyn Query,
        request: &SearchRequest,
        browsing: bool,
        facets: &[FacetName],
    ) -> Result<MainPass, SearchError> {
        let collector = TopDocs::with_limit(request.per_page).and_offset(request.offset());
        let counter = facets::FacetCounter::new(self.facet_table.clone(), facets);
        let sort = match (request.sort, browsing) {
            (Sort::Relevance, true) => Sort::Start,
            (sort, _) => sort,
        };
        let (total, top, fruits) = if sort == Sort::Relevance {
            let (total, top, fruits) = pass.searcher.search_with_statistics_provider(
                query,
                &(Count, collector.order_by_score(), counter.clone()),
                &pass.statistics,
            )?;
            let top = top
                .into_iter()
                .map(|(score, address)| (Some(score), address))
                .collect();
            (total, top, fruits)
        } else {
            let descending = sort == Sort::StartDescending;
            let by_programme = collector.tweak_score(move |segment: &tantivy::SegmentReader| {
                let order = segment
                    .fast_fields()
                    .i64("programme_order")
                    .ok()
                    .map(|column| column.first_or_default_col(i64::MAX));
                move |doc: tantivy::DocId, _score: tantivy::Score| -> i64 {
                    let start = order
                        .as_ref()
                        .map_or(i64::MAX, |column| column.get_val(doc));
                    // Highest key first: unscheduled records (i64::MAX) always last.
                    match (start, descending) {
                        (i64::MAX, _) => i64::MIN,
                        (start, true) => start,
                        (start, false) => -start,
                    }
                }
            });
            let (total, top, fruits) = pass.searcher.search_with_statistics_provider(
                query,
                &(Count, by_programme, counter.clone()),
                &pass.statistics,
            )?;
            let top = top
                .into_iter()
                .map(|(_, address)| (None, address))
                .collect();
            (total, top, fruits)
        };
        let mut counts = FacetCounts::new();
        counter.extract(fruits, &mut counts, request.facet_limit, &request.filters);
        Ok(MainPass {
            total: total as u64,
            top,
            facets: counts,
        })
    }

    fn empty_response(
        &self,
        request: &SearchRequest,
        started: Instant,
        notice: Option<String>,
    ) -> SearchResponse {
        let facets = FacetName::ALL
            .into_iter()
            .map(|facet| (facet.as_str(), Vec::new()))
            .collect();
        SearchResponse {
            total: 0,
            page: request.page,
            per_page: request.per_page,
            took_ms: elapsed_ms(started),
            query: request.q.clone(),
            matching: "none",
            notice,
            hits: Vec::new(),
            facets,
        }
    }
}

/// The stored fields of a document, read without building a `TantivyDocument` (which copies
/// each value once more into its own arena). Every stored field of our schema (`key`,
/// `record`) is text; a stored field of another type would fail here, in every test that
/// fetches a record.
struct StoredTexts(Vec<(Field, String)>);

impl DocumentDeserialize for StoredTexts {
    fn deserialize<'de, D>(mut deserializer: D) -> Result<Self, DeserializeError>
    where
        D: DocumentDeserializer<'de>,
    {
        let mut texts = Vec::with_capacity(deserializer.size_hint());
        while let Some(field_text) = deserializer.next_field::<String>()? {
            texts.push(field_text);
        }
        Ok(StoredTexts(texts))
    }
}

/// The fields of a stored record (a [`Contribution`] as JSON) that a [`Hit`] shows; the
/// others (`theme_description`, `session`, `keywords`, `source`) are skipped unparsed.
#[derive(serde::Deserialize)]
pub(crate) struct HitRecord {
    event: crate::model::Event,
    id: u64,
    #[serde(default)]
    external_id: Option<String>,
    title: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    start: Option<chrono::NaiveDateTime>,
    day: Option<chrono::NaiveDate>,
    duration_minutes: Option<u32>,
    #[serde(rename = "abstract")]
    abstract_text: String,
    authors: Box<serde_json::value::RawValue>,
    coauthors: Box<serde_json::value::RawValue>,
    speakers: Box<serde_json::value::RawValue>,
    theme: Option<String>,
    labs: Vec<String>,
    language: Option<crate::model::Language>,
}

/// The searcher of a search and the BM25 statistics its built query looked up.
struct Pass<'a> {
    searcher: &'a Searcher,
    statistics: query::SearchStatistics<'a>,
}

/// What the main pass of a search collects.
struct MainPass {
    total: u64,
    top: Vec<(Option<f32>, DocAddress)>,
    facets: FacetCounts,
}

/// Tag of an engine's content: the generation folder name on disk, else a per-process value.
fn content_tag(generation: Option<&PathBuf>) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    match generation {
        Some(path) => path.hash(&mut hasher),
        None => {
            std::process::id().hash(&mut hasher);
            std::time::SystemTime::now().hash(&mut hasher);
        }
    }
    format!("{:016x}", hasher.finish())
}

fn elapsed_ms(started: Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 1e6).round() / 1e3
}

pub(crate) fn make_hit(
    record: HitRecord,
    score: Option<f32>,
    highlighter: &mut Highlighter,
) -> Hit {
    let title_html = highlighter.highlight_all(&record.title, record.language);
    let snippet_html = highlighter.snippet(&record.abstract_text, record.language);
    Hit {
        event: record.event.slug,
        event_title: record.event.title,
        id: record.id,
        external_id: record.external_id,
        title: record.title,
        title_html,
        snippet_html,
        speakers: People::from_stored(record.speakers),
        authors: People::from_stored(record.authors),
        coauthors: People::from_stored(record.coauthors),
        labs: record.labs,
        theme: record.theme,
        kind: record.kind,
        day: record.day,
        start: record.start,
        duration_minutes: record.duration_minutes,
        language: record.language,
        score,
    }
}

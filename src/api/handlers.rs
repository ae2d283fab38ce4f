//! The route handlers: each converts the request, calls the search core off the async
//! runtime, and converts the answer. The `#[utoipa::path]` annotations are the OpenAPI
//! description, generated from the same code that routes, so the two cannot drift.

use std::borrow::Cow;
use std::sync::Arc;

use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;

use super::error::{ApiError, ErrorBody};
use super::metrics::Metrics;
use super::{ics, SharedEngine};
use crate::model::Contribution;
use crate::search::request::{parse_positive, MAX_PER_PAGE};
use crate::search::suggest::Suggestions;
use crate::search::{
    Engine, FacetCount, FacetName, Hit, SearchError, SearchRequest, SearchResponse, Sort,
};

/// The filters of every search and facets route, for the OpenAPI document only: requests
/// are read by [`SearchRequest::from_params`]. Repeat one for OR within its facet.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct Filters {
    /// Theme filter; repeat for OR within the facet
    #[param(style = Form, explode)]
    theme: Option<Vec<String>>,
    /// Canonical lab filter (labs.toml); repeatable
    #[param(style = Form, explode)]
    lab: Option<Vec<String>>,
    /// Day filter, YYYY-MM-DD; repeatable
    #[param(style = Form, explode)]
    day: Option<Vec<String>>,
    /// Language filter, `en` or `fr` (alias `language`); repeatable
    #[param(style = Form, explode)]
    lang: Option<Vec<String>>,
    /// Event slug filter; repeatable
    #[param(style = Form, explode)]
    event: Option<Vec<String>>,
    /// Contribution type filter; repeatable
    #[param(rename = "type", style = Form, explode)]
    kind: Option<Vec<String>>,
    /// Speaker name (accents and case ignored); repeatable
    #[param(style = Form, explode)]
    speaker: Option<Vec<String>>,
    /// Only talks starting at or after: YYYY-MM-DD or YYYY-MM-DDTHH:MM (programme time)
    from: Option<String>,
    /// Only talks starting at or before: YYYY-MM-DD (whole day) or YYYY-MM-DDTHH:MM
    to: Option<String>,
}

/// Query-string pairs, percent-decoded.
type Pairs<'a> = Vec<(Cow<'a, str>, Cow<'a, str>)>;

/// The pairs of the query string; a name or value that is not UTF-8 once percent-decoded
/// (`q=%FF`) is a 400 naming the parameter, rather than a search for U+FFFD.
fn query_pairs(raw: &Option<String>) -> Result<Pairs<'_>, ApiError> {
    let Some(query) = raw.as_deref() else {
        return Ok(Vec::new());
    };
    for piece in query.split('&').filter(|piece| !piece.is_empty()) {
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        let decoded_name = percent_encoding::percent_decode_str(name).decode_utf8();
        let valid_value = percent_encoding::percent_decode_str(value)
            .decode_utf8()
            .is_ok();
        if decoded_name.is_err() || !valid_value {
            let shown = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
            let shown: String = shown.chars().filter(|c| !c.is_control()).take(80).collect();
            let part = if decoded_name.is_err() {
                "name"
            } else {
                "value"
            };
            return Err(ApiError::invalid(
                &shown,
                &format!("the {part} is not valid UTF-8 once percent-decoded"),
            ));
        }
    }
    Ok(form_urlencoded::parse(query.as_bytes()).collect())
}

/// Take the parameters named in `names` out of `pairs`.
fn take_parameters<'a>(
    pairs: &mut Vec<(Cow<'a, str>, Cow<'a, str>)>,
    names: &[&str],
) -> Vec<(Cow<'a, str>, Cow<'a, str>)> {
    let (taken, kept) = std::mem::take(pairs)
        .into_iter()
        .partition(|(name, _)| names.contains(&name.as_ref()));
    *pairs = kept;
    taken
}

/// Path parameters. axum's own `Path` answers a malformed one (`%FF` is not UTF-8) with a
/// plain-text 400; this one answers with our JSON error naming the parameter.
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(rejection) => Err(path_error(&rejection)),
        }
    }
}

fn path_error(rejection: &PathRejection) -> ApiError {
    let PathRejection::FailedToDeserializePathParams(error) = rejection else {
        tracing::error!(error = %rejection, "path parameters missing from a matched route");
        return ApiError::internal();
    };
    match error.kind() {
        ErrorKind::InvalidUtf8InPathParam { key } => {
            ApiError::invalid(key, "not valid UTF-8 once percent-decoded")
        }
        ErrorKind::ParseErrorAtKey {
            key, expected_type, ..
        } => ApiError::invalid(key, &format!("expected {expected_type}")),
        _ => ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "invalid path parameter",
        ),
    }
}

/// Run engine work once a search slot is free (where: `SharedEngine::run_search`).
async fn with_engine<T, F>(state: &SharedEngine, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Engine) -> Result<T, SearchError> + Send + 'static,
{
    state
        .run_search(work)
        .await
        .map_err(|join_error| {
            tracing::error!(error = %join_error, "search task failed");
            ApiError::internal()
        })?
        .map_err(ApiError::from)
}

/// Search contributions.
#[utoipa::path(
    get,
    path = "/api/search",
    tag = "search",
    params(
        Filters,
        ("q" = Option<String>, Query, description = "Search-box text: words, \"phrases\", +required, -excluded; anything else is literal text. Empty lists everything matching the filters. At most 2,000 bytes."),
        ("page" = Option<usize>, Query, description = "1-based page; page × per_page ≤ 10,000", minimum = 1),
        ("per_page" = Option<usize>, Query, description = "Hits per page, 1–100 (default 10)", minimum = 1, maximum = 100),
        ("sort" = Option<String>, Query, description = "`relevance` (default; `start` when q is empty), `start` (programme order) or `-start`"),
        ("facet_limit" = Option<usize>, Query, description = "At most this many values per facet, 1–1000; ticked values are always listed", minimum = 1, maximum = 1000),
    ),
    responses(
        (status = 200, description = "A page of hits with highlights and disjunctive facet counts", body = SearchResponse),
        (status = 304, description = "Not modified: `If-None-Match` names this answer's ETag, or is `*` and the request is valid"),
        (status = 400, description = "A parameter is invalid, unknown or given twice", body = ErrorBody),
        (status = 405, description = "Not GET or HEAD: the API is read-only", body = ErrorBody),
        (status = 503, description = "Overloaded (more than --max-in-flight requests) or slower than --request-timeout", body = ErrorBody),
    )
)]
pub async fn search(
    State(state): State<SharedEngine>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SearchResponse>, ApiError> {
    let request = SearchRequest::from_params(query_pairs(&raw)?)?;
    Ok(Json(
        with_engine(&state, move |engine| engine.search(&request)).await?,
    ))
}

/// The same search as an iCalendar feed (scheduled contributions only, programme order).
#[utoipa::path(
    get,
    path = "/api/search.ics",
    tag = "search",
    params(
        Filters,
        ("q" = Option<String>, Query, description = "Search-box text, as for /api/search"),
        ("page" = Option<usize>, Query, description = "1-based page; page × per_page ≤ 10,000", minimum = 1),
        ("per_page" = Option<usize>, Query, description = "Events per feed, 1–100 (default 100)", minimum = 1, maximum = 100),
        ("sort" = Option<String>, Query, description = "`start` (default: programme order), `-start` or `relevance`"),
        ("facet_limit" = Option<usize>, Query, description = "Accepted as on /api/search (the feed has no facets)", minimum = 1, maximum = 1000),
    ),
    responses(
        (status = 200, description = "text/calendar feed, one VEVENT per scheduled contribution, times in UTC, URL the record on the search page", content_type = "text/calendar"),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "A parameter is invalid, unknown or given twice", body = ErrorBody),
        (status = 503, description = "Overloaded or too slow", body = ErrorBody),
    )
)]
pub async fn search_ics(
    State(state): State<SharedEngine>,
    State(calendar): State<Arc<ics::CalendarSettings>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(&raw)?;
    let has_per_page = pairs.iter().any(|(name, _)| name == "per_page");
    let has_sort = pairs.iter().any(|(name, _)| name == "sort");
    let mut request = SearchRequest::from_params(pairs)?;
    if !has_per_page {
        request.per_page = MAX_PER_PAGE;
    }
    if !has_sort {
        request.sort = Sort::Start;
    }
    request.validate_window()?;
    let name = if request.q.is_empty() {
        "abstract-search".to_string()
    } else {
        format!("abstract-search: {}", request.q)
    };
    let response = with_engine(&state, move |engine| engine.search(&request)).await?;
    let body = ics::calendar_of(&response.hits, &name, &calendar);
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/calendar; charset=utf-8"),
        )],
        body,
    )
        .into_response())
}

/// One whole contribution.
#[utoipa::path(
    get,
    path = "/api/contributions/{event}/{id}",
    tag = "contributions",
    params(("event" = String, Path, description = "Event slug"), ("id" = u64, Path, description = "Contribution id within the event")),
    responses(
        (status = 200, description = "The record", body = Contribution),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "A path parameter is not UTF-8, or a query parameter was given (the route takes none)", body = ErrorBody),
        (status = 404, description = "No such contribution", body = ErrorBody),
    )
)]
pub async fn contribution(
    State(state): State<SharedEngine>,
    Path((event, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Contribution>, ApiError> {
    reject_any_parameter(&raw)?;
    let mut record = with_engine(&state, move |engine| engine.contribution(&event, &id)).await?;
    // The source file by name only: where the server keeps its corpus is not the client's
    // business.
    if let Some(name) = std::path::Path::new(&record.source.file).file_name() {
        record.source.file = name.to_string_lossy().into_owned();
    }
    Ok(Json(record))
}

/// Related contributions (more-like-this on title and abstract).
#[utoipa::path(
    get,
    path = "/api/contributions/{event}/{id}/similar",
    tag = "contributions",
    params(
        ("event" = String, Path, description = "Event slug"),
        ("id" = u64, Path, description = "Contribution id within the event"),
        ("limit" = Option<usize>, Query, description = "How many, 1–50 (default 5)", minimum = 1, maximum = 50),
    ),
    responses(
        (status = 200, description = "The most similar contributions, best first", body = SimilarResponse),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "A parameter is invalid or unknown", body = ErrorBody),
        (status = 404, description = "No such contribution", body = ErrorBody),
    )
)]
pub async fn similar(
    State(state): State<SharedEngine>,
    Path((event, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SimilarResponse>, ApiError> {
    let mut pairs = query_pairs(&raw)?;
    let limit = single_number(&mut pairs, "limit", 5, crate::search::similar::MAX_SIMILAR)?;
    reject_unknown(&pairs, "limit")?;
    let hits = with_engine(&state, move |engine| engine.similar(&event, &id, limit)).await?;
    Ok(Json(SimilarResponse { hits }))
}

/// Answer of `/api/contributions/{event}/{id}/similar`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SimilarResponse {
    pub hits: Vec<Hit>,
}

/// Facet counts over every record matching the filters.
#[utoipa::path(
    get,
    path = "/api/facets",
    tag = "facets",
    params(
        Filters,
        ("facet_limit" = Option<usize>, Query, description = "At most this many values per facet, 1–1000 (ticked values always listed)", minimum = 1, maximum = 1000),
    ),
    responses(
        (status = 200, description = "Total and facet counts", body = FacetsResponse),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "A parameter is invalid or unknown; `q`, `page`, `per_page` and `sort` are refused", body = ErrorBody),
    )
)]
pub async fn facets(
    State(state): State<SharedEngine>,
    RawQuery(raw): RawQuery,
) -> Result<Json<FacetsResponse>, ApiError> {
    let pairs = query_pairs(&raw)?;
    reject_hit_parameters(&pairs, "/api/facets")?;
    let request = filters_only(pairs, "q (refused: use /api/search for text), ")?;
    if !request.q.is_empty() {
        return Err(ApiError::invalid(
            "q",
            "/api/facets takes only filters; use /api/search for text",
        ));
    }
    let (total, facets) = with_engine(&state, move |engine| engine.facets(&request)).await?;
    let facets = facets
        .into_iter()
        .map(|(name, values)| (name.to_string(), values))
        .collect();
    Ok(Json(FacetsResponse { total, facets }))
}

/// Answer of `/api/facets`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FacetsResponse {
    pub total: u64,
    pub facets: std::collections::BTreeMap<String, Vec<FacetCount>>,
}

/// The values of one facet, optionally those containing some text (`lab?q=lp`).
#[utoipa::path(
    get,
    path = "/api/facets/{facet}",
    tag = "facets",
    params(
        ("facet" = String, Path, description = "theme, lab, day, language, event or type"),
        ("q" = Option<String>, Query, description = "Only values containing this text (accents and case ignored)"),
        ("limit" = Option<usize>, Query, description = "At most this many values, 1–1000 (ticked values always listed); `facet_limit` is the same limit, the smaller applies", minimum = 1, maximum = 1000),
        ("facet_limit" = Option<usize>, Query, description = "The same limit as `limit`, as /api/search names it", minimum = 1, maximum = 1000),
        Filters,
    ),
    responses(
        (status = 200, description = "Values sorted by count then name", body = FacetValuesResponse),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "A parameter is invalid or unknown", body = ErrorBody),
        (status = 404, description = "No such facet", body = ErrorBody),
    )
)]
pub async fn facet_values(
    State(state): State<SharedEngine>,
    Path(facet_name): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<FacetValuesResponse>, ApiError> {
    // The facet's name (`language`) or its filter parameter (`lang`).
    let facet = FacetName::ALL
        .into_iter()
        .find(|f| f.as_str() == facet_name)
        .or_else(|| FacetName::from_parameter(&facet_name))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!(
                    "no such facet `{}` (theme, lab, day, language, event, type)",
                    crate::search::request::escape_for_message(&facet_name)
                ),
            )
        })?;
    let mut pairs = query_pairs(&raw)?;
    reject_hit_parameters(&pairs, "/api/facets/{facet}")?;
    let contains = single_text(&mut pairs, "q")?.filter(|v| !v.trim().is_empty());
    if contains
        .as_ref()
        .is_some_and(|q| q.len() > crate::search::request::MAX_QUERY_BYTES)
    {
        return Err(ApiError::invalid("q", "longer than 2000 bytes"));
    }
    let limit = match single_text(&mut pairs, "limit")? {
        Some(value) => Some(parse_positive("limit", &value, 1_000)?),
        None => None,
    };
    let request = filters_only(pairs, "q, limit, ")?;
    let limit = match (limit, request.facet_limit) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let values = with_engine(&state, move |engine| {
        engine.facet_values(facet, &request, contains.as_deref(), limit)
    })
    .await?;
    Ok(Json(FacetValuesResponse {
        facet: facet.as_str().to_string(),
        values,
    }))
}

/// Answer of `/api/facets/{facet}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FacetValuesResponse {
    pub facet: String,
    pub values: Vec<FacetCount>,
}

/// Completions for search-as-you-type.
#[utoipa::path(
    get,
    path = "/api/suggest",
    tag = "search",
    params(
        ("q" = String, Query, description = "What was typed so far"),
        ("limit" = Option<usize>, Query, description = "Suggestions of each kind, 1–20 (default 8)", minimum = 1, maximum = 20),
    ),
    responses(
        (status = 200, description = "Completed words and matching titles", body = Suggestions),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "A parameter is invalid or unknown", body = ErrorBody),
    )
)]
pub async fn suggest(
    State(state): State<SharedEngine>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Suggestions>, ApiError> {
    let mut pairs = query_pairs(&raw)?;
    let limit = single_number(
        &mut pairs,
        "limit",
        8,
        crate::search::suggest::MAX_SUGGESTIONS,
    )?;
    let q = single_text(&mut pairs, "q")?.unwrap_or_default();
    if q.len() > crate::search::request::MAX_QUERY_BYTES {
        return Err(ApiError::invalid("q", "longer than 2000 bytes"));
    }
    reject_unknown(&pairs, "q, limit")?;
    Ok(Json(
        with_engine(&state, move |engine| engine.suggest(&q, limit)).await?,
    ))
}

/// Take the value of `name`, given at most once (a repeated one is refused, as by
/// /api/search, rather than the last silently winning).
fn single_text<'a>(pairs: &mut Pairs<'a>, name: &str) -> Result<Option<String>, ApiError> {
    match take_parameters(pairs, &[name]).as_slice() {
        [] => Ok(None),
        [(_, value)] => Ok(Some(value.to_string())),
        _ => Err(ApiError::invalid(name, "given more than once")),
    }
}

/// Refuse the parameters of a page of hits on a route that returns counts only.
fn reject_hit_parameters(
    pairs: &[(Cow<'_, str>, Cow<'_, str>)],
    route: &str,
) -> Result<(), ApiError> {
    for name in ["page", "per_page", "sort"] {
        if pairs.iter().any(|(given, _)| given == name) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_parameter",
                format!(
                    "`{name}` does not apply to {route}: it counts every matching record, \
                     it returns no page of hits"
                ),
            ));
        }
    }
    Ok(())
}

/// The filters of a facets route, as `/api/search` reads them; an unknown parameter is
/// refused with the list of what this route takes (`own`, then the filters).
fn filters_only(pairs: Pairs<'_>, own: &str) -> Result<SearchRequest, ApiError> {
    SearchRequest::from_params(pairs).map_err(|error| match error {
        SearchError::UnknownParameter { parameter, .. } => SearchError::UnknownParameter {
            parameter,
            known: format!(
                "{own}theme, lab, day, lang, event, type, speaker, from, to, facet_limit"
            ),
        }
        .into(),
        other => other.into(),
    })
}

fn single_number<'a>(
    pairs: &mut Vec<(Cow<'a, str>, Cow<'a, str>)>,
    name: &str,
    default: usize,
    max: usize,
) -> Result<usize, ApiError> {
    match take_parameters(pairs, &[name]).as_slice() {
        [] => Ok(default),
        [(_, value)] => Ok(parse_positive(name, value, max)?),
        _ => Err(ApiError::invalid(name, "given more than once")),
    }
}

/// Refuse any query parameter on a route that takes none, as routes with parameters refuse
/// unknown ones: a typo must not pass for a parameter that was applied.
pub fn reject_any_parameter(raw: &Option<String>) -> Result<(), ApiError> {
    reject_unknown(&query_pairs(raw)?, "none")
}

fn reject_unknown(pairs: &[(Cow<'_, str>, Cow<'_, str>)], known: &str) -> Result<(), ApiError> {
    match pairs.first() {
        Some((name, _)) => Err(SearchError::UnknownParameter {
            parameter: name.chars().filter(|c| !c.is_control()).take(80).collect(),
            known: known.to_string(),
        }
        .into()),
        None => Ok(()),
    }
}

/// Liveness and size of the index.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses(
        (status = 200, description = "`{\"documents\":30,\"status\":\"ok\"}`", body = serde_json::Value),
        (status = 400, description = "A query parameter was given (the route takes none)", body = ErrorBody),
    )
)]
pub async fn healthz(
    State(state): State<SharedEngine>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    reject_any_parameter(&raw)?;
    let documents = state.current().document_count();
    let mut response = Json(json!({"status": "ok", "documents": documents})).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Prometheus metrics.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses(
        (status = 200, description = "Prometheus text exposition format", content_type = "text/plain"),
        (status = 400, description = "A query parameter was given (the route takes none)", body = ErrorBody),
    )
)]
pub async fn metrics(
    State(metrics): State<Arc<Metrics>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    reject_any_parameter(&raw)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        metrics.render(),
    )
        .into_response())
}

/// Any other path.
pub async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

/// A known path with a method other than GET (nothing in this API writes).
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this API is read-only: use GET",
    )
}

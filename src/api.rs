//! The HTTP API: an axum `Router` of thin handlers over the search core, JSON errors with a
//! stable `code`, and the tower-http layers (CORS, compression, request logs, timeout).
//! Handlers only convert the request, call [`Engine`] off the async runtime, and convert back.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_http::LatencyUnit;
use tracing::Level;

use crate::search::{Engine, FacetName, SearchError, SearchRequest};
use crate::web;

/// The engine being served; replaced whole when a new index generation appears.
#[derive(Clone)]
pub struct SharedEngine(Arc<RwLock<Arc<Engine>>>);

impl SharedEngine {
    /// Serve `engine`.
    pub fn new(engine: Engine) -> SharedEngine {
        SharedEngine(Arc::new(RwLock::new(Arc::new(engine))))
    }

    /// The current engine; searches in flight keep the one they started with.
    pub fn current(&self) -> Arc<Engine> {
        match self.0.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Swap in a new engine.
    pub fn replace(&self, engine: Engine) {
        let engine = Arc::new(engine);
        match self.0.write() {
            Ok(mut guard) => *guard = engine,
            Err(poisoned) => *poisoned.into_inner() = engine,
        }
    }
}

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct ApiOptions {
    /// Origins allowed to read the API from a browser; empty means any origin.
    pub cors_origins: Vec<HeaderValue>,
    /// Longest time a request may take.
    pub request_timeout: Duration,
}

impl Default for ApiOptions {
    fn default() -> Self {
        ApiOptions {
            cors_origins: Vec::new(),
            request_timeout: Duration::from_secs(10),
        }
    }
}

/// A JSON error response: `{"error": {"code", "message"}}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
}

impl From<SearchError> for ApiError {
    fn from(error: SearchError) -> ApiError {
        let status = match &error {
            SearchError::InvalidParameter { .. } | SearchError::UnknownParameter { .. } => {
                StatusCode::BAD_REQUEST
            }
            SearchError::NotFound { .. } => StatusCode::NOT_FOUND,
            SearchError::Index(_) | SearchError::StoredRecord(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        if !error.is_client_error() {
            // Details (paths, tantivy internals) go to the log, never to the client.
            tracing::error!(error = %error, "search failed");
            return ApiError::new(status, error.code(), "internal error");
        }
        ApiError::new(status, error.code(), error.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"code": self.code, "message": self.message}});
        (self.status, Json(body)).into_response()
    }
}

/// Query-string pairs, percent-decoded (invalid UTF-8 becomes U+FFFD, never an error).
fn query_pairs(
    raw: &Option<String>,
) -> Vec<(std::borrow::Cow<'_, str>, std::borrow::Cow<'_, str>)> {
    raw.as_deref()
        .map(|query| form_urlencoded::parse(query.as_bytes()).collect())
        .unwrap_or_default()
}

/// Run blocking engine work on the blocking pool.
async fn with_engine<T, F>(state: &SharedEngine, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&Engine) -> Result<T, SearchError> + Send + 'static,
{
    let engine = state.current();
    tokio::task::spawn_blocking(move || work(&engine))
        .await
        .map_err(|join_error| {
            tracing::error!(error = %join_error, "search task failed");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error",
            )
        })?
        .map_err(ApiError::from)
}

async fn search(
    State(state): State<SharedEngine>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let request = SearchRequest::from_params(query_pairs(&raw))?;
    let response = with_engine(&state, move |engine| engine.search(&request)).await?;
    Ok(Json(response).into_response())
}

async fn contribution(
    State(state): State<SharedEngine>,
    Path((event, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let record = with_engine(&state, move |engine| engine.contribution(&event, &id)).await?;
    Ok(Json(record).into_response())
}

async fn facets(
    State(state): State<SharedEngine>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let request = SearchRequest::from_params(query_pairs(&raw))?;
    if !request.q.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_parameter",
            "invalid value for `q`: /api/facets takes only facet filters; use /api/search for text",
        ));
    }
    let (total, counts) =
        with_engine(&state, move |engine| engine.facets(&request.filters)).await?;
    Ok(Json(json!({"total": total, "facets": counts})).into_response())
}

async fn healthz(State(state): State<SharedEngine>) -> Response {
    let documents = state.current().document_count();
    Json(json!({"status": "ok", "documents": documents})).into_response()
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

/// The facet names, for documentation and the search page.
pub fn facet_names() -> Vec<&'static str> {
    FacetName::ALL.iter().map(|f| f.as_str()).collect()
}

/// The whole application.
pub fn app(state: SharedEngine, options: &ApiOptions) -> Router {
    let allow_origin = if options.cors_origins.is_empty() {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(options.cors_origins.clone())
    };
    let cors = CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS])
        .allow_headers([header::CONTENT_TYPE, header::IF_NONE_MATCH])
        .max_age(Duration::from_secs(3600));
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &axum::http::Request<_>| {
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
        })
        .on_request(())
        .on_response(
            DefaultOnResponse::new()
                .level(Level::INFO)
                .latency_unit(LatencyUnit::Micros),
        );
    Router::new()
        .route("/api/search", get(search))
        .route("/api/contributions/{event}/{id}", get(contribution))
        .route("/api/facets", get(facets))
        .route("/healthz", get(healthz))
        .route("/", get(web::index_page))
        .route("/assets/app.js", get(web::app_js))
        .route("/assets/style.css", get(web::style_css))
        .route("/embed.js", get(web::embed_js))
        .fallback(not_found)
        .with_state(state)
        .layer(CompressionLayer::new())
        .layer(cors)
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            options.request_timeout,
        ))
        .layer(trace)
}

//! The HTTP API: an axum `Router` of thin handlers over the search core, generated together
//! with its OpenAPI description (utoipa), JSON errors with a stable `code`, and the layers
//! every answer goes through: request logs, metrics, overload protection, CORS, compression
//! and HTTP caching.

pub mod cache;
pub mod error;
pub mod handlers;
pub mod ics;
pub mod limits;
pub mod metrics;
pub mod placement;
pub mod server;

use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use axum::extract::{FromRef, State};
use axum::http::{header, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_http::LatencyUnit;
use tracing::Level;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use error::ApiError;
pub use metrics::Metrics;

use crate::search::Engine;
use crate::web;

/// The engine being served, replaced whole when a new index generation appears, the bound
/// on how many searches run at once, and where they run (see [`placement`]).
///
/// The request timeout answers the client but cannot stop a search already running: without
/// this bound, requests that time out would leave their work running and new ones would
/// pile more on top, until every core is busy with searches nobody waits for. A search
/// holds its slot until it really ends.
#[derive(Clone)]
pub struct SharedEngine {
    engine: Arc<RwLock<Arc<Engine>>>,
    /// One permit per core: searches beyond that wait here, on the async side, instead of
    /// all running at once. At 64 connections on 2 cores, unbounded
    /// searches meant 64 threads sharing 2 cores (throughput fell 7x, memory grew to 2 GB).
    search_slots: Arc<Semaphore>,
    /// Whether searches run on the async worker or on the blocking pool.
    placement: Arc<placement::SearchPlacement>,
}

impl SharedEngine {
    /// Serve `engine`, with [`default_search_slots`] searches at once.
    pub fn new(engine: Engine) -> SharedEngine {
        SharedEngine::with_search_slots(engine, default_search_slots())
    }

    /// Serve `engine`, running at most `slots` searches at once (at least one).
    pub fn with_search_slots(engine: Engine, slots: usize) -> SharedEngine {
        SharedEngine {
            engine: Arc::new(RwLock::new(Arc::new(engine))),
            search_slots: Arc::new(Semaphore::new(slots.max(1))),
            placement: Arc::default(),
        }
    }

    /// The current engine; searches in flight keep the one they started with.
    pub fn current(&self) -> Arc<Engine> {
        match self.engine.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Swap in a new engine.
    pub fn replace(&self, engine: Engine) {
        let engine = Arc::new(engine);
        match self.engine.write() {
            Ok(mut guard) => *guard = engine,
            Err(poisoned) => *poisoned.into_inner() = engine,
        }
    }

    /// Wait for a free search slot (held until the permit is dropped).
    pub async fn search_slot(&self) -> OwnedSemaphorePermit {
        self.search_slots
            .clone()
            .acquire_owned()
            .await
            .expect("the search semaphore is never closed")
    }

    /// Run `work` on the current engine on the blocking pool, once a search slot is free.
    /// Waiting for the slot is async (the request timeout still applies to it); the slot is
    /// released when `work` returns, even if the request was answered or dropped before.
    pub async fn run_blocking<T, F>(&self, work: F) -> Result<T, tokio::task::JoinError>
    where
        T: Send + 'static,
        F: FnOnce(&Engine) -> T + Send + 'static,
    {
        let slot = self.search_slot().await;
        let engine = self.current();
        let placement = self.placement.clone();
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            timed(&placement, || work(&engine))
        })
        .await
    }

    /// Run the search `work` on the current engine once a search slot is free: on this async
    /// worker while recent searches were short, else on the blocking pool
    /// ([`placement`] says why).
    pub async fn run_search<T, F>(&self, work: F) -> Result<T, tokio::task::JoinError>
    where
        T: Send + 'static,
        F: FnOnce(&Engine) -> T + Send + 'static,
    {
        if !self.placement.inline() {
            return self.run_blocking(work).await;
        }
        let _slot = self.search_slot().await;
        let engine = self.current();
        Ok(timed(&self.placement, || work(&engine)))
    }

    /// The moving average of search durations that decides where searches run.
    pub fn recent_search_time(&self) -> Duration {
        self.placement.mean()
    }
}

/// `work()`, its duration recorded in `placement`.
fn timed<T>(placement: &placement::SearchPlacement, work: impl FnOnce() -> T) -> T {
    let started = std::time::Instant::now();
    let result = work();
    placement.record(started.elapsed());
    result
}

/// Searches run at once by default: one per core. More only share the cores (at 64
/// connections on 2 cores, 64 searches at once cut throughput 7x and grew memory to GBs).
pub fn default_search_slots() -> usize {
    std::thread::available_parallelism().map_or(2, |cores| cores.get())
}

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct ApiOptions {
    /// Origins allowed to read the API from a browser; empty means any origin.
    pub cors_origins: Vec<HeaderValue>,
    /// Longest time a request may take.
    pub request_timeout: Duration,
    /// Most requests in flight; more get a 503 at once.
    pub max_in_flight: usize,
    /// Public address and programme time zone, for the iCalendar feed.
    pub calendar: ics::CalendarSettings,
}

impl Default for ApiOptions {
    fn default() -> Self {
        ApiOptions {
            cors_origins: Vec::new(),
            request_timeout: Duration::from_secs(10),
            max_in_flight: 512,
            calendar: ics::CalendarSettings::default(),
        }
    }
}

/// Everything the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub engine: SharedEngine,
    pub metrics: Arc<Metrics>,
    pub calendar: Arc<ics::CalendarSettings>,
    openapi: Arc<OnceLock<String>>,
}

impl FromRef<AppState> for Arc<ics::CalendarSettings> {
    fn from_ref(state: &AppState) -> Arc<ics::CalendarSettings> {
        state.calendar.clone()
    }
}

impl FromRef<AppState> for SharedEngine {
    fn from_ref(state: &AppState) -> SharedEngine {
        state.engine.clone()
    }
}

impl FromRef<AppState> for Arc<Metrics> {
    fn from_ref(state: &AppState) -> Arc<Metrics> {
        state.metrics.clone()
    }
}

/// The OpenAPI document's header; the paths come from the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "abstract-search",
        description = "Full-text search over conference contributions (Indico exports), with highlighted snippets and facets. Every route is GET and readable from any origin (CORS) unless the server restricts origins.",
        license(name = "MIT OR Apache-2.0")
    ),
    tags(
        (name = "search", description = "Searching and suggestions"),
        (name = "contributions", description = "Single records"),
        (name = "facets", description = "Facet values and counts"),
        (name = "operations", description = "Health, metrics, documentation"),
        (name = "pages", description = "The search page and the embeddable widget"),
    )
)]
struct ApiDoc;

/// The OpenAPI 3 document of the API.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "operations",
    responses(
        (status = 200, description = "This OpenAPI document", body = serde_json::Value),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "A query parameter was given (the route takes none)", body = crate::api::error::ErrorBody),
    )
)]
async fn openapi_json(
    State(state): State<AppState>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, ApiError> {
    handlers::reject_any_parameter(&raw)?;
    let body = state.openapi.get().cloned().unwrap_or_default();
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response())
}

/// Routes and their OpenAPI description, built from the same annotations.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(handlers::search))
        .routes(routes!(handlers::search_ics))
        .routes(routes!(handlers::suggest))
        .routes(routes!(handlers::contribution))
        .routes(routes!(handlers::similar))
        .routes(routes!(handlers::facets))
        .routes(routes!(handlers::facet_values))
        .routes(routes!(handlers::healthz))
        .routes(routes!(handlers::metrics))
        .routes(routes!(openapi_json))
        .routes(routes!(web::index_page))
        .routes(routes!(web::app_js))
        .routes(routes!(web::style_css))
        .routes(routes!(web::embed_js))
}

/// The OpenAPI document, as served at `/api/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().split_for_parts().1
}

/// The whole application. `metrics` is shared with whoever updates the index gauges.
pub fn app_with_metrics(
    engine: SharedEngine,
    options: &ApiOptions,
    metrics: Arc<Metrics>,
) -> Router {
    metrics
        .documents
        .set(engine.current().document_count() as i64);
    let state = AppState {
        engine: engine.clone(),
        metrics: metrics.clone(),
        calendar: Arc::new(options.calendar.clone()),
        openapi: Arc::new(OnceLock::new()),
    };
    let (router, document) = routes().split_for_parts();
    let _ = state
        .openapi
        .set(document.to_pretty_json().unwrap_or_default());
    let allow_origin = if options.cors_origins.is_empty() {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(options.cors_origins.clone())
    };
    let cors = CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS])
        .allow_headers([header::CONTENT_TYPE, header::IF_NONE_MATCH])
        .expose_headers([header::ETAG])
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
    let limits = limits::Limits::new(options.max_in_flight, options.request_timeout);
    router
        .fallback(handlers::not_found)
        .method_not_allowed_fallback(handlers::method_not_allowed)
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(
            engine,
            cache::conditional_get,
        ))
        // A panic is a bug, but the client still gets our JSON 500 and the connection
        // lives on, instead of a reset; the panic goes to the log.
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(CompressionLayer::new())
        // JSON holding record text must never be sniffed as HTML by a browser.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(cors)
        .layer(axum::middleware::from_fn_with_state(limits, limits::guard))
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            metrics::record,
        ))
        .layer(trace)
}

fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = message, "request handler panicked");
    ApiError::internal().into_response()
}

/// The whole application with its own metrics.
pub fn app(engine: SharedEngine, options: &ApiOptions) -> Router {
    app_with_metrics(engine, options, Arc::new(Metrics::default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_handler_dropped_the_connection() {
        let router: Router = Router::new()
            .route(
                "/boom",
                axum::routing::get(|| async {
                    panic!("handler bug");
                    #[allow(unreachable_code)]
                    ""
                }),
            )
            .layer(CatchPanicLayer::custom(panic_response));
        let response = router
            .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let bytes = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(
            &bytes[..],
            br#"{"error":{"code":"internal","message":"internal error"}}"#
        );
    }
}

//! The search page (`GET /`) and the embeddable widget (`GET /embed.js`): plain HTML, CSS and
//! JavaScript from `assets/`, compiled into the binary so there is no build step and nothing
//! to deploy beside it.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

/// The page's Content-Security-Policy: nothing by default; our own script, style sheet and
/// API; the `data:` icon that stops browsers asking for `/favicon.ico`. No inline script or
/// style, no frames, fonts, plugins or other origins; the page cannot be framed.
pub const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const INDEX_HTML: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const STYLE_CSS: &str = include_str!("../assets/style.css");
const EMBED_JS: &str = include_str!("../assets/embed.js");

const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        body,
    )
        .into_response()
}

/// The search page.
#[utoipa::path(get, path = "/", tag = "pages", responses((status = 200, description = "HTML search page", content_type = "text/html"), (status = 304, description = "Not modified (If-None-Match)")))]
pub async fn index_page() -> Response {
    let mut response = asset(INDEX_HTML, "text/html; charset=utf-8");
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_CSP),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// The search page's script.
#[utoipa::path(get, path = "/assets/app.js", tag = "pages", responses((status = 200, description = "JavaScript", content_type = "text/javascript"), (status = 304, description = "Not modified (If-None-Match)")))]
pub async fn app_js() -> Response {
    asset(APP_JS, JAVASCRIPT)
}

/// The search page's style sheet.
#[utoipa::path(get, path = "/assets/style.css", tag = "pages", responses((status = 200, description = "CSS", content_type = "text/css"), (status = 304, description = "Not modified (If-None-Match)")))]
pub async fn style_css() -> Response {
    asset(STYLE_CSS, "text/css; charset=utf-8")
}

/// The embeddable widget: `<div id="talks"></div><script src="https://SERVER/embed.js" data-target="#talks"></script>`.
/// Loaded by other sites, so readable cross-origin.
#[utoipa::path(get, path = "/embed.js", tag = "pages", responses((status = 200, description = "JavaScript widget", content_type = "text/javascript"), (status = 304, description = "Not modified (If-None-Match)")))]
pub async fn embed_js() -> Response {
    let mut response = asset(EMBED_JS, JAVASCRIPT);
    response.headers_mut().insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    response
}

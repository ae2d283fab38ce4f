//! HTTP caching of API answers. An index generation never changes, so an answer is fully
//! determined by (generation, URL): the ETag is derived from both, and a matching
//! `If-None-Match` gets a 304 without running the search at all.

use std::hash::{Hash, Hasher};

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::SharedEngine;

/// How long clients and proxies may reuse an answer without asking.
pub const MAX_AGE_SECONDS: u32 = 60;

fn etag_for(content_tag: &str, uri: &str) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    uri.hash(&mut hasher);
    // Weak: the compressed and plain encodings of one answer share it.
    format!("W/\"{content_tag}-{:016x}\"", hasher.finish())
}

/// What an `If-None-Match` header says of the answer to come.
#[derive(Debug, PartialEq, Eq)]
enum Condition {
    /// One of the tags is ours: 304 without running the request.
    MatchesTag,
    /// `*`: 304 when there is an answer at all (a 200); an invalid request stays a 400.
    AnyAnswer,
    NoMatch,
}

fn condition(if_none_match: &HeaderValue, etag: &str) -> Condition {
    let Ok(value) = if_none_match.to_str() else {
        return Condition::NoMatch;
    };
    let candidates = || value.split(',').map(str::trim);
    if candidates().any(|candidate| {
        candidate != "*" && candidate.trim_start_matches("W/") == etag.trim_start_matches("W/")
    }) {
        Condition::MatchesTag
    } else if candidates().any(|candidate| candidate == "*") {
        Condition::AnyAnswer
    } else {
        Condition::NoMatch
    }
}

/// ETag, Cache-Control and conditional GET for `/api/*` answers.
pub async fn conditional_get(
    State(engine): State<SharedEngine>,
    request: Request,
    next: Next,
) -> Response {
    let cacheable = matches!(*request.method(), Method::GET | Method::HEAD)
        && request.uri().path().starts_with("/api/");
    if !cacheable {
        return next.run(request).await;
    }
    let etag = etag_for(engine.current().content_tag(), &request.uri().to_string());
    let cache_control = HeaderValue::from_str(&format!("public, max-age={MAX_AGE_SECONDS}"))
        .expect("valid header value");
    let etag_value = HeaderValue::from_str(&etag).expect("hex and quotes are valid");
    let not_modified = |etag_value, cache_control| {
        (
            StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, etag_value),
                (header::CACHE_CONTROL, cache_control),
            ],
        )
            .into_response()
    };
    let condition = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .map_or(Condition::NoMatch, |value| condition(value, &etag));
    if condition == Condition::MatchesTag {
        return not_modified(etag_value, cache_control);
    }
    let mut response = next.run(request).await;
    if condition == Condition::AnyAnswer && response.status() == StatusCode::OK {
        return not_modified(etag_value, cache_control);
    }
    if response.status() == StatusCode::OK {
        let headers = response.headers_mut();
        headers.insert(header::ETAG, etag_value);
        headers.insert(header::CACHE_CONTROL, cache_control);
    }
    response
}

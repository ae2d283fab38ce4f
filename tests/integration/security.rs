//! Security (issue 8, item 6): record text holding HTML, JavaScript URLs and control
//! characters is inert in every output (JSON, search page, widget, iCalendar); no route
//! writes; errors and records never show the server's files or internals to clients.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use abstract_search::api::{app, ApiError, ApiOptions, SharedEngine};
use abstract_search::search::SearchError;
use abstract_search::{Contribution, Engine, Person};

use crate::support::{repo, seed_records};

const SCRIPT_TITLE: &str = "<script>alert('t')</script> Calorimeter <img src=x onerror=alert(1)>";
const HOSTILE_ABSTRACT: &str = "Click <a href=\"javascript:alert(1)\">here</a> &amp; \u{7}\u{1b}[31m \
     javascript:alert(document.cookie) calorimeter </textarea><svg onload=alert(2)> \"quoted\" 'single'\r\nEND:VEVENT\r\nBEGIN:VEVENT";

/// The seed with record 31 rewritten to carry markup, script URLs and control characters in
/// every text field that reaches an output.
fn hostile_records() -> Vec<Contribution> {
    let mut records = seed_records().to_vec();
    let record = records.iter_mut().find(|r| r.id == 31).unwrap();
    record.title = SCRIPT_TITLE.to_string();
    record.abstract_text = HOSTILE_ABSTRACT.to_string();
    record.theme = Some("<b>theme</b>\u{0}".to_string());
    record.speakers = vec![Person {
        first_name: "<i>Eve</i>".to_string(),
        last_name: "\u{1b}]0;pwned\u{7}".to_string(),
        title: None,
        affiliation: Some("javascript:alert(3)".to_string()),
    }];
    record.source.file = "/srv/secret/corpus/in2p3-irfu-ml-workshop-2020.md".to_string();
    records
}

fn router() -> axum::Router {
    let engine = Engine::from_records(&hostile_records()).unwrap();
    app(SharedEngine::new(engine), &ApiOptions::default())
}

async fn get(router: &axum::Router, uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = router
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
}

/// `html` with our own `<mark>` tags removed holds no markup at all.
fn assert_inert_html(html: &str, context: &str) {
    let without_marks = html.replace("<mark>", "").replace("</mark>", "");
    assert!(
        !without_marks.contains('<') && !without_marks.contains('>'),
        "{context}: markup survives in {html}"
    );
    assert!(
        !without_marks.chars().any(|c| c.is_control() && c != '\n'),
        "{context}: control characters in {html:?}"
    );
}

#[tokio::test]
async fn highlighted_html_carried_raw_control_characters() {
    let router = router();
    let (status, headers, body) = get(&router, "/api/search?q=calorimeter").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let body: Value = serde_json::from_str(&body).unwrap();
    let hit = body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == 31)
        .expect("the hostile record matches calorimeter");
    let title_html = hit["title_html"].as_str().unwrap();
    assert_inert_html(title_html, "title_html");
    assert!(
        title_html.starts_with(
            "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt; <mark>Calorimeter</mark>"
        ),
        "{title_html}"
    );
    let snippet_html = hit["snippet_html"].as_str().unwrap();
    assert_inert_html(snippet_html, "snippet_html");
    assert!(
        snippet_html.contains("&lt;a href=&quot;javascript:alert(1)&quot;&gt;"),
        "{snippet_html}"
    );
    // The plain fields are JSON strings, as given: a client must treat them as text.
    assert_eq!(hit["title"], SCRIPT_TITLE);
    let (_, _, suggest) = get(&router, "/api/suggest?q=calori").await;
    let suggest: Value = serde_json::from_str(&suggest).unwrap();
    for title in suggest["titles"].as_array().unwrap() {
        assert_inert_html(title["title_html"].as_str().unwrap(), "suggest title_html");
    }
}

#[tokio::test]
async fn icalendar_name_let_a_query_inject_events() {
    let router = router();
    // The query lands in the calendar's name; the record's text in SUMMARY and DESCRIPTION.
    let (status, headers, body) = get(
        &router,
        "/api/search.ics?q=calorimeter%0D%0AEND:VCALENDAR%0D%0ABEGIN:VEVENT%0D%0ASUMMARY:injected",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    let lines: Vec<&str> = body.split("\r\n").collect();
    let begins = lines.iter().filter(|l| **l == "BEGIN:VEVENT").count();
    let ends = lines.iter().filter(|l| **l == "END:VEVENT").count();
    let events = lines.iter().filter(|l| l.starts_with("UID:")).count();
    assert_eq!(begins, events, "{body}");
    assert_eq!(ends, events, "{body}");
    assert_eq!(lines.iter().filter(|l| **l == "END:VCALENDAR").count(), 1);
    assert!(
        !lines.iter().any(|l| l.starts_with("SUMMARY:injected")),
        "{body}"
    );
    assert!(
        !body
            .chars()
            .any(|c| c.is_control() && c != '\r' && c != '\n'),
        "control characters in the feed"
    );
}

#[tokio::test]
async fn contribution_json_showed_the_server_path_of_its_source() {
    let router = router();
    let (status, _, body) = get(
        &router,
        "/api/contributions/in2p3-irfu-machine-learning-workshop/31",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!body.contains("/srv/secret"), "{body}");
    let record: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        record["source"]["file"], "in2p3-irfu-ml-workshop-2020.md",
        "the source is named by file name only"
    );
}

#[tokio::test]
async fn not_found_echoed_a_path_parameter_unbounded() {
    let router = router();
    let event = "e".repeat(20_000);
    let (status, _, body) = get(&router, &format!("/api/contributions/{event}/1")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let body: Value = serde_json::from_str(&body).unwrap();
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.chars().count() < 300,
        "{} characters",
        message.len()
    );
    let (_, _, body) = get(&router, "/api/contributions/a%1B%5B2J/1").await;
    assert!(
        !body.contains('\u{1b}') && !body.contains("\\u001b"),
        "{body}"
    );
}

#[tokio::test]
async fn internal_errors_tell_clients_nothing() {
    for error in [
        SearchError::Index(tantivy::TantivyError::SystemError(
            "cannot open /srv/secret/index/gen-1/meta.json".into(),
        )),
        SearchError::StoredRecord(serde_json::from_str::<Value>("{").unwrap_err()),
    ] {
        let response = axum::response::IntoResponse::into_response(ApiError::from(error));
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(
            &bytes[..],
            br#"{"error":{"code":"internal","message":"internal error"}}"#
        );
    }
}

#[test]
fn page_scripts_insert_server_html_only_through_an_inert_template() {
    // The page and the widget put record text in the DOM as text nodes; the two
    // server-highlighted fields go through a <template> whose content is copied as text and
    // <mark> only. Nothing else may parse HTML or run strings as code.
    for asset in ["assets/app.js", "assets/embed.js"] {
        let source = std::fs::read_to_string(repo().join(asset)).unwrap();
        for (number, line) in source.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") || code.starts_with('*') || code.starts_with("/*") {
                continue;
            }
            for sink in [
                "innerHTML",
                "outerHTML",
                "insertAdjacentHTML",
                "document.write",
                "eval(",
                "new Function",
                "setTimeout('",
                "setTimeout(\"",
            ] {
                if code.contains(sink) {
                    assert!(
                        sink == "innerHTML" && code.starts_with("tpl.innerHTML = "),
                        "{asset}:{}: `{sink}` in {code}",
                        number + 1
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn the_search_page_forbids_inline_script() {
    let router = router();
    let (status, headers, _) = get(&router, "/").await;
    assert_eq!(status, StatusCode::OK);
    let policy = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"));
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
}

#[test]
fn no_route_handler_touches_the_file_system() {
    // Reads of the index happen in `index`, off the request path; the HTTP layer and the
    // search core open no file themselves (the assets are compiled in).
    for folder in ["src/api", "src/search"] {
        for entry in std::fs::read_dir(repo().join(folder)).unwrap() {
            let path = entry.unwrap().path();
            let source = std::fs::read_to_string(&path).unwrap();
            // Unit tests at the end of a file may read fixtures.
            let source = source.split("#[cfg(test)]").next().unwrap_or_default();
            for call in [
                "std::fs::",
                "fs::write",
                "File::create",
                "File::open",
                "OpenOptions",
                "remove_file",
                "remove_dir",
                "tokio::fs",
            ] {
                // synonyms.rs loads corpus/synonyms.toml once at startup, from the CLI.
                if path.ends_with("synonyms.rs") && call == "std::fs::" {
                    continue;
                }
                assert!(!source.contains(call), "{} uses {call}", path.display());
            }
        }
    }
}

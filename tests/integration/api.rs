//! The HTTP API over the seed, driven with `tower::ServiceExt::oneshot` (no socket).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use abstract_search::api::{app, ApiOptions, SharedEngine};
use abstract_search::Engine;

use crate::support::seed_records;

fn router() -> axum::Router {
    let engine = Engine::from_records(seed_records()).expect("seed indexes");
    app(SharedEngine::new(engine), &ApiOptions::default())
}

async fn get(uri: &str) -> (StatusCode, Value) {
    let response = router()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, body)
}

fn hit_ids(body: &Value) -> Vec<u64> {
    body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn search_calorimeter_over_http() {
    let (status, body) = get("/api/search?q=calorimeter").await;
    assert_eq!(status, StatusCode::OK);
    let ids = hit_ids(&body);
    assert!(ids.contains(&3) && ids.contains(&31), "{ids:?}");
    assert_eq!(body["page"], 1);
    assert_eq!(body["per_page"], 10);
    assert!(body["took_ms"].is_number());
    for facet in ["theme", "lab", "day", "language", "event"] {
        assert!(body["facets"][facet].is_array(), "facet {facet}");
    }
    let hit = &body["hits"][0];
    for field in [
        "event",
        "id",
        "title",
        "title_html",
        "snippet_html",
        "speakers",
        "authors",
        "coauthors",
        "labs",
        "theme",
        "day",
        "start",
        "duration_minutes",
        "language",
        "score",
    ] {
        assert!(hit.get(field).is_some(), "hit field {field}");
    }
}

#[tokio::test]
async fn repeated_facet_parameters_over_http() {
    let (status, body) = get(
        "/api/search?theme=ML%20for%20particle%20accelerators&theme=ML%20for%20astroparticle&per_page=50",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let mut ids = hit_ids(&body);
    ids.sort_unstable();
    assert_eq!(ids, [15, 17, 33]);
    let (_, body) = get("/api/search?lab=LAL&per_page=50").await;
    let mut ids = hit_ids(&body);
    ids.sort_unstable();
    assert_eq!(ids, [3, 4, 7, 17, 22]);
}

#[tokio::test]
async fn bad_parameters_are_json_400s_naming_the_parameter() {
    for (uri, parameter) in [
        ("/api/search?per_page=0", "per_page"),
        ("/api/search?per_page=1000", "per_page"),
        ("/api/search?page=0", "page"),
        ("/api/search?page=abc", "page"),
        ("/api/search?day=tomorrow", "day"),
        ("/api/search?lang=xx", "lang"),
        ("/api/search?theme=", "theme"),
        ("/api/search?q=a&q=b", "q"),
        ("/api/search?page=101&per_page=100", "page"),
    ] {
        let (status, body) = get(uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(body["error"]["code"], "invalid_parameter", "{uri}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(&format!("`{parameter}`")),
            "{uri}: {message}"
        );
    }
    let (status, body) = get("/api/search?per_pgae=5").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "unknown_parameter");
}

#[tokio::test]
async fn any_search_box_text_is_a_200() {
    for q in [
        "-",
        "%22",
        "(machine%20learning",
        "ttH(H-%3Ebb)",
        "sqrt(s)%3D13TeV",
        "theme%3A",
        "a%2Fb%3Fc",
        "--help",
        "ERROR%3A%20This",
        "%EF%BF%BD",
        "%00",
    ] {
        let (status, body) = get(&format!("/api/search?q={q}")).await;
        assert_eq!(status, StatusCode::OK, "q={q}: {body}");
    }
}

#[tokio::test]
async fn contribution_route_and_404() {
    let (status, body) = get("/api/contributions/in2p3-irfu-machine-learning-workshop/3").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["id"], 3);
    assert_eq!(body["speakers"][0]["last_name"], "GHOSH");
    assert_eq!(body["start"], "2020-01-22T11:55:00");
    let (status, body) = get("/api/contributions/in2p3-irfu-machine-learning-workshop/77").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    let (status, _) = get("/api/contributions/x/not-a-number").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = get("/no/such/route").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn healthz_and_facets() {
    let (status, body) = get("/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, serde_json::json!({"status": "ok", "documents": 30}));
    let (status, body) = get("/api/facets").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"], 30);
    let lal = body["facets"]["lab"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["value"] == "LAL")
        .unwrap();
    assert_eq!(lal["count"], 5);
}

#[tokio::test]
async fn search_page_and_widget_are_served() {
    let response = router()
        .oneshot(Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'self'"));
    let response = router()
        .oneshot(Request::get("/embed.js").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
}

//! The API other sites build on (issue 5): disjunctive facets, sorting and paging, programme
//! filters and iCalendar, suggestions, related talks, CORS, caching, OpenAPI, operations.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::response::Response;
use chrono::NaiveDate;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use abstract_search::api::{app, app_with_metrics, ApiOptions, Metrics, SharedEngine};
use abstract_search::{Contribution, Engine, Event};

use crate::support::seed_records;

fn seed_app(options: &ApiOptions) -> axum::Router {
    app(
        SharedEngine::new(Engine::from_records(seed_records()).unwrap()),
        options,
    )
}

async fn send(router: axum::Router, request: Request<Body>) -> (Response<()>, Vec<u8>) {
    let response = router.oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes().to_vec();
    (Response::from_parts(parts, ()), bytes)
}

async fn get_json(router: axum::Router, uri: &str) -> (StatusCode, Value) {
    let (response, bytes) = send(router, Request::get(uri).body(Body::empty()).unwrap()).await;
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (response.status(), value)
}

fn facet(body: &Value, name: &str) -> Vec<(String, u64)> {
    body["facets"][name]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["value"].as_str().unwrap().to_string(),
                v["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn ids(body: &Value) -> Vec<u64> {
    body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_u64().unwrap())
        .collect()
}

/// The worked example of the issue: four records containing `mesure`.
fn facet_example_app() -> axum::Router {
    let event = Event {
        slug: "exemple".into(),
        title: "Exemple".into(),
    };
    let monday = NaiveDate::from_ymd_opt(2024, 3, 4).unwrap();
    let tuesday = NaiveDate::from_ymd_opt(2024, 3, 5).unwrap();
    let rows = [
        (1, "Détecteurs", "CPPM", monday),
        (2, "Détecteurs", "LAPP", tuesday),
        (3, "Théorie", "CPPM", tuesday),
        (4, "Détecteurs", "CPPM", tuesday),
    ];
    let records: Vec<Contribution> = rows
        .iter()
        .map(|&(id, theme, lab, day)| {
            let mut record = Contribution::new(
                event.clone(),
                id,
                format!("Une mesure {id}"),
                Default::default(),
            );
            record.abstract_text = "Une mesure de précision.".into();
            record.theme = Some(theme.into());
            record.labs = vec![lab.into()];
            record.day = Some(day);
            record.start = Some(day.and_hms_opt(9 + id as u32, 0, 0).unwrap());
            record
        })
        .collect();
    app(
        SharedEngine::new(Engine::from_records(&records).unwrap()),
        &ApiOptions::default(),
    )
}

#[tokio::test]
async fn facet_counts_are_disjunctive() {
    let (status, body) = get_json(
        facet_example_app(),
        "/api/search?q=mesure&theme=D%C3%A9tecteurs",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"], 3);
    assert_eq!(
        facet(&body, "lab"),
        [("CPPM".into(), 2), ("LAPP".into(), 1)]
    );
    assert_eq!(
        facet(&body, "day"),
        [("2024-03-05".into(), 2), ("2024-03-04".into(), 1)]
    );
    assert_eq!(
        facet(&body, "theme"),
        [("Détecteurs".into(), 3), ("Théorie".into(), 1)]
    );
    let (_, body) = get_json(
        facet_example_app(),
        "/api/search?q=mesure&theme=D%C3%A9tecteurs&lab=CPPM",
    )
    .await;
    assert_eq!(body["total"], 2);
    let mut hit_ids = ids(&body);
    hit_ids.sort_unstable();
    assert_eq!(hit_ids, [1, 4]);
    // lab counts ignore the lab filter, theme counts ignore the theme filter
    assert_eq!(
        facet(&body, "lab"),
        [("CPPM".into(), 2), ("LAPP".into(), 1)]
    );
    assert_eq!(
        facet(&body, "theme"),
        [("Détecteurs".into(), 2), ("Théorie".into(), 1)]
    );
}

#[tokio::test]
async fn facet_values_top_n_and_search_within() {
    let (_, body) = get_json(seed_app(&ApiOptions::default()), "/api/facets/lab?q=lp").await;
    assert_eq!(body["facet"], "lab");
    let values: Vec<(String, u64)> = body["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["value"].as_str().unwrap().into(),
                v["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(values, [("LPC".into(), 3), ("LPSC".into(), 3)]);
    let (_, body) = get_json(seed_app(&ApiOptions::default()), "/api/facets/lab?limit=2").await;
    assert_eq!(body["values"].as_array().unwrap().len(), 2);
    assert_eq!(body["values"][0]["value"], "LAL");
    let (_, body) = get_json(
        seed_app(&ApiOptions::default()),
        "/api/search?facet_limit=1",
    )
    .await;
    assert_eq!(facet(&body, "lab"), [("LAL".into(), 5)]);
    // The language facet by its name and by its filter parameter: 25 records have one.
    for path in ["/api/facets/language", "/api/facets/lang"] {
        let (status, body) = get_json(seed_app(&ApiOptions::default()), path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(body["facet"], "language", "{path}");
        let counted: u64 = body["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["count"].as_u64().unwrap())
            .sum();
        assert_eq!(counted, 25, "{path}");
    }
    let (status, body) = get_json(seed_app(&ApiOptions::default()), "/api/facets/colour").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("`colour`"), "{message}");
}

#[tokio::test]
async fn paging_past_the_end_and_beyond_the_window() {
    let (status, body) = get_json(
        seed_app(&ApiOptions::default()),
        "/api/search?page=4&per_page=10",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"], 30);
    assert_eq!(body["hits"].as_array().unwrap().len(), 0);
    let (status, body) = get_json(
        seed_app(&ApiOptions::default()),
        "/api/search?page=101&per_page=100",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"].as_str().unwrap().contains("10000"));
}

#[tokio::test]
async fn programme_filters_and_sorting() {
    let options = ApiOptions::default();
    let (_, body) = get_json(
        seed_app(&options),
        "/api/search?from=2020-01-23&per_page=50",
    )
    .await;
    assert_eq!(body["total"], 15);
    let (_, body) = get_json(
        seed_app(&options),
        "/api/search?from=2020-01-22T16:00&to=2020-01-22&sort=start",
    )
    .await;
    assert_eq!(ids(&body), [29, 18, 21, 13]);
    let (_, body) = get_json(
        seed_app(&options),
        "/api/search?from=2020-01-22T16:00&to=2020-01-22&sort=-start",
    )
    .await;
    assert_eq!(ids(&body), [13, 21, 18, 29]);
    let (_, body) = get_json(seed_app(&options), "/api/search?speaker=ghosh&sort=start").await;
    assert_eq!(ids(&body), [3, 4]);
    let (_, body) = get_json(
        seed_app(&options),
        "/api/search?speaker=sabine%20crepe-renaudin",
    )
    .await;
    assert_eq!(ids(&body), [14]);
    let (status, body) = get_json(seed_app(&options), "/api/search?from=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("`from`"));
}

#[tokio::test]
async fn search_as_an_icalendar_feed() {
    let (response, bytes) = send(
        seed_app(&ApiOptions::default()),
        Request::get("/api/search.ics?q=calorimeter")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    let text = String::from_utf8(bytes).unwrap();
    let unfolded = icalendar::parser::unfold(&text);
    let calendar = icalendar::parser::read_calendar(&unfolded).unwrap();
    let events: Vec<_> = calendar
        .components
        .iter()
        .filter(|c| c.name == "VEVENT")
        .collect();
    assert_eq!(events.len(), 3);
    let property = |event: &icalendar::parser::Component, name: &str| {
        event
            .properties
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.val.to_string())
    };
    // programme order: 3 (22 Jan 11:55), 31 (22 Jan 15:15), 5 (23 Jan 14:50), Paris
    // times (UTC+1 in January) given in UTC.
    let starts: Vec<String> = events
        .iter()
        .filter_map(|e| property(e, "DTSTART"))
        .collect();
    assert_eq!(
        starts,
        ["20200122T105500Z", "20200122T141500Z", "20200123T135000Z"]
    );
    assert_eq!(property(events[1], "DTEND").unwrap(), "20200122T143500Z");
    assert_eq!(
        property(events[1], "SUMMARY").unwrap(),
        "Calorimeter reconstruction with computer vision at LHCb"
    );
}

#[tokio::test]
async fn suggestions_complete_words_and_titles() {
    let (status, body) = get_json(seed_app(&ApiOptions::default()), "/api/suggest?q=Calo").await;
    assert_eq!(status, StatusCode::OK);
    let terms: Vec<&str> = body["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["term"].as_str().unwrap())
        .collect();
    assert_eq!(terms[0], "calorimeter");
    assert!(terms.contains(&"calorimetry"), "{terms:?}");
    assert_eq!(body["titles"][0]["id"], 31);
    assert_eq!(
        body["titles"][0]["title_html"],
        "<mark>Calorimeter</mark> reconstruction with computer vision at LHCb"
    );
    let (_, body) = get_json(
        seed_app(&ApiOptions::default()),
        "/api/suggest?q=%C3%A9cole%20mach",
    )
    .await;
    assert_eq!(body["titles"][0]["id"], 27);
}

#[tokio::test]
async fn related_talks() {
    let (status, body) = get_json(
        seed_app(&ApiOptions::default()),
        "/api/contributions/in2p3-irfu-machine-learning-workshop/21/similar?limit=3",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let related = ids(&body);
    assert_eq!(related.len(), 3);
    assert!(!related.contains(&21));
    // `Status and plan of the GPU farms of CC-IN2P3` ↔ `Status and Plans of GPU farms at CEA`
    assert_eq!(related[0], 26, "{related:?}");
    let (status, _) = get_json(
        seed_app(&ApiOptions::default()),
        "/api/contributions/in2p3-irfu-machine-learning-workshop/999/similar",
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

fn with_origin(uri: &str, origin: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::ORIGIN, origin)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn cors_any_origin_by_default_and_a_list_when_restricted() {
    let (response, _) = send(
        seed_app(&ApiOptions::default()),
        with_origin("/api/search?q=ml", "https://lab.example"),
    )
    .await;
    assert_eq!(response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    let options = ApiOptions {
        cors_origins: vec![HeaderValue::from_static("https://lab.example")],
        ..ApiOptions::default()
    };
    let (response, _) = send(
        seed_app(&options),
        with_origin("/api/search?q=ml", "https://lab.example"),
    )
    .await;
    assert_eq!(
        response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://lab.example"
    );
    let vary: Vec<&str> = response
        .headers()
        .get_all(header::VARY)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        vary.iter()
            .any(|v| v.to_ascii_lowercase().contains("origin")),
        "{vary:?}"
    );
    assert!(response
        .headers()
        .get(header::ACCESS_CONTROL_ALLOW_CREDENTIALS)
        .is_none());
    let (response, _) = send(
        seed_app(&options),
        with_origin("/api/search?q=ml", "https://evil.example"),
    )
    .await;
    assert!(response
        .headers()
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .is_none());
    let preflight = Request::builder()
        .method("OPTIONS")
        .uri("/api/search")
        .header(header::ORIGIN, "https://lab.example")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
        .body(Body::empty())
        .unwrap();
    let (response, _) = send(seed_app(&options), preflight).await;
    assert!(response.status().is_success());
    assert_eq!(
        response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
        "https://lab.example"
    );
}

#[tokio::test]
async fn etag_gives_304_and_answers_are_compressed() {
    let router = seed_app(&ApiOptions::default());
    let (response, body) = send(
        router.clone(),
        Request::get("/api/search?q=calorimeter")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(!body.is_empty());
    let etag = response.headers()[header::ETAG].clone();
    assert!(response.headers()[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("max-age"));
    let conditional = Request::get("/api/search?q=calorimeter")
        .header(header::IF_NONE_MATCH, etag.clone())
        .body(Body::empty())
        .unwrap();
    let (response, body) = send(router.clone(), conditional).await;
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    let other = Request::get("/api/search?q=detector")
        .header(header::IF_NONE_MATCH, etag)
        .body(Body::empty())
        .unwrap();
    let (response, _) = send(router.clone(), other).await;
    assert_eq!(response.status(), StatusCode::OK);
    let gzip = Request::get("/api/search?q=learning&per_page=30")
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .unwrap();
    let (response, _) = send(router, gzip).await;
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
}

fn collect_references(value: &Value, references: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(reference)) => references.push(reference.clone()),
                    _ => collect_references(value, references),
                }
            }
        }
        Value::Array(values) => values
            .iter()
            .for_each(|v| collect_references(v, references)),
        _ => {}
    }
}

#[tokio::test]
async fn openapi_documents_every_route_the_router_serves() {
    let (status, document) = get_json(seed_app(&ApiOptions::default()), "/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    // the document reads as an OpenAPI 3.1 specification, and every `$ref` resolves
    let text = serde_json::to_string(&document).unwrap();
    let spec = oas3::from_json(&text).expect("a valid OpenAPI 3.1 document");
    assert_eq!(spec.info.title, "abstract-search");
    let mut references = Vec::new();
    collect_references(&document, &mut references);
    assert!(!references.is_empty());
    for reference in references {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("external $ref {reference}"));
        assert!(
            document.pointer(pointer).is_some(),
            "$ref {reference} does not resolve"
        );
    }
    let paths: Vec<&str> = document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for route in [
        "/api/search",
        "/api/search.ics",
        "/api/suggest",
        "/api/contributions/{event}/{id}",
        "/api/contributions/{event}/{id}/similar",
        "/api/facets",
        "/api/facets/{facet}",
        "/healthz",
        "/metrics",
        "/api/openapi.json",
        "/",
        "/embed.js",
        "/assets/app.js",
        "/assets/style.css",
    ] {
        assert!(paths.contains(&route), "{route} missing from {paths:?}");
    }
    // every documented path is served (none falls through to the 404 fallback)
    for path in paths {
        let uri = path
            .replace("{event}", "in2p3-irfu-machine-learning-workshop")
            .replace("{id}", "3")
            .replace("{facet}", "lab");
        let (response, _) = send(
            seed_app(&ApiOptions::default()),
            Request::get(&uri).body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK, "{uri}");
        // the statuses it answers to a revalidation and to an unknown parameter are documented
        let documented = &document["paths"][path]["get"]["responses"];
        let (response, _) = send(
            seed_app(&ApiOptions::default()),
            Request::get(&uri)
                .header(header::IF_NONE_MATCH, "*")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        let revalidated = response.status().as_u16().to_string();
        assert!(
            documented.get(&revalidated).is_some(),
            "{path}: {revalidated} not documented"
        );
        let with_unknown = format!("{uri}?unknown_parameter=1");
        let (response, _) = send(
            seed_app(&ApiOptions::default()),
            Request::get(&with_unknown).body(Body::empty()).unwrap(),
        )
        .await;
        let refused = response.status().as_u16().to_string();
        assert!(
            documented.get(&refused).is_some(),
            "{path}: {refused} not documented"
        );
    }
    // every search parameter is documented
    let parameters: Vec<&str> = document["paths"]["/api/search"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in abstract_search::search::request::KNOWN_PARAMETERS.split(", ") {
        assert!(parameters.contains(&name), "{name} undocumented");
    }
}

#[tokio::test]
async fn overload_and_timeouts_are_json_503s() {
    use abstract_search::api::limits::{guard, Limits};
    let slow = axum::Router::new()
        .route(
            "/slow",
            axum::routing::get(|| async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                "done"
            }),
        )
        .layer(axum::middleware::from_fn_with_state(
            Limits::new(1, Duration::from_millis(100)),
            guard,
        ));
    let (response, body) = send(
        slow.clone(),
        Request::get("/slow").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"]["code"], "timeout");
    let busy = axum::Router::new()
        .route(
            "/slow",
            axum::routing::get(|| async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                "done"
            }),
        )
        .layer(axum::middleware::from_fn_with_state(
            Limits::new(1, Duration::from_secs(5)),
            guard,
        ));
    let first = tokio::spawn(send(
        busy.clone(),
        Request::get("/slow").body(Body::empty()).unwrap(),
    ));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (response, body) = send(busy, Request::get("/slow").body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"]["code"], "overloaded");
    assert_eq!(first.await.unwrap().0.status(), StatusCode::OK);
}

#[tokio::test]
async fn long_queries_are_refused_with_the_limit() {
    let q = "a".repeat(2_001);
    let (status, body) = get_json(
        seed_app(&ApiOptions::default()),
        &format!("/api/search?q={q}"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"]["message"].as_str().unwrap().contains("2000"));
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let metrics = Arc::new(Metrics::default());
    let engine = SharedEngine::new(Engine::from_records(seed_records()).unwrap());
    let router = app_with_metrics(engine, &ApiOptions::default(), metrics);
    send(
        router.clone(),
        Request::get("/api/search?q=ml")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    send(
        router.clone(),
        Request::get("/api/search?page=0")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let (_, bytes) = send(
        router,
        Request::get("/metrics").body(Body::empty()).unwrap(),
    )
    .await;
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains(
            "abstract_search_http_requests_total{route=\"/api/search\",status=\"200\"} 1"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "abstract_search_http_requests_total{route=\"/api/search\",status=\"400\"} 1"
        ),
        "{text}"
    );
    assert!(text.contains("abstract_search_documents 30"), "{text}");
    assert!(
        text.contains("abstract_search_http_request_duration_seconds_bucket"),
        "{text}"
    );
}

//! Regression tests for the fresh-user findings on the HTTP API (report of 2026-12-04):
//! facet routes that ignored filters, repeated parameters, ticked facet values hidden by
//! `facet_limit`. Seed report through the real router (`oneshot`, no socket).

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

use abstract_search::api::{app, ApiOptions, SharedEngine};
use abstract_search::Engine;

use crate::support::seed_records;

fn router() -> axum::Router {
    static ROUTER: OnceLock<axum::Router> = OnceLock::new();
    ROUTER
        .get_or_init(|| {
            let engine = Engine::from_records(seed_records()).expect("seed indexes");
            app(SharedEngine::new(engine), &ApiOptions::default())
        })
        .clone()
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

fn values(facet: &Value) -> Vec<(String, u64)> {
    facet
        .as_array()
        .unwrap_or_else(|| panic!("an array: {facet}"))
        .iter()
        .map(|v| {
            (
                v["value"].as_str().unwrap().to_string(),
                v["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn facets_honour_speaker_and_time_window_as_search_does() {
    for filter in [
        "speaker=crepe",
        "to=2020-01-22",
        "from=2020-01-23",
        "speaker=ghosh",
    ] {
        let (status, search) = get(&format!("/api/search?{filter}")).await;
        assert_eq!(status, StatusCode::OK, "{filter}");
        let (status, facets) = get(&format!("/api/facets?{filter}")).await;
        assert_eq!(status, StatusCode::OK, "{filter}: {facets}");
        assert_eq!(facets["total"], search["total"], "{filter}");
        for facet in ["theme", "lab", "day", "language", "event", "type"] {
            assert_eq!(
                values(&facets["facets"][facet]),
                values(&search["facets"][facet]),
                "{filter} {facet}"
            );
        }
        let (status, labs) = get(&format!("/api/facets/lab?{filter}")).await;
        assert_eq!(status, StatusCode::OK, "{filter}");
        assert_eq!(
            values(&labs["values"]),
            values(&search["facets"]["lab"]),
            "{filter}"
        );
    }
    let (_, crepe) = get("/api/facets?speaker=crepe").await;
    assert_eq!(crepe["total"], 1);
    let (_, until_22) = get("/api/facets?to=2020-01-22").await;
    assert_eq!(until_22["total"], 14);
    assert_eq!(
        values(&until_22["facets"]["day"]),
        [("2020-01-22".into(), 14)]
    );
}

#[tokio::test]
async fn facets_honour_facet_limit() {
    let (status, body) = get("/api/facets?facet_limit=1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(values(&body["facets"]["lab"]), [("LAL".into(), 5)]);
    for facet in ["theme", "lab", "day", "language", "event", "type"] {
        assert_eq!(
            body["facets"][facet].as_array().unwrap().len(),
            1,
            "{facet}"
        );
    }
    let (_, search) = get("/api/search?facet_limit=1").await;
    assert_eq!(body["facets"], search["facets"]);
    let (_, labs) = get("/api/facets/lab?facet_limit=2").await;
    assert_eq!(labs["values"].as_array().unwrap().len(), 2);
    let (status, body) = get("/api/facets?facet_limit=0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn facets_refuse_page_per_page_and_sort_naming_them() {
    for (route, parameter) in [
        ("/api/facets", "page=2"),
        ("/api/facets", "per_page=5"),
        ("/api/facets", "sort=start"),
        ("/api/facets/lab", "page=1"),
        ("/api/facets/theme", "sort=-start"),
    ] {
        let (status, body) = get(&format!("{route}?{parameter}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{route}?{parameter}");
        assert_eq!(body["error"]["code"], "invalid_parameter");
        let name = parameter.split('=').next().unwrap();
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(&format!("`{name}`")), "{message}");
    }
}

#[tokio::test]
async fn a_ticked_value_stays_listed_beyond_facet_limit() {
    // The lab facet's top value is LAL (5); IJCLab has fewer records.
    let (status, body) = get("/api/search?lab=IJCLab&facet_limit=1").await;
    assert_eq!(status, StatusCode::OK);
    let labs = values(&body["facets"]["lab"]);
    assert_eq!(labs[0], ("LAL".into(), 5), "{labs:?}");
    assert!(labs.iter().any(|(value, _)| value == "IJCLab"), "{labs:?}");
    assert_eq!(labs.len(), 2, "{labs:?}");
    let (_, facets) = get("/api/facets?lab=IJCLab&facet_limit=1").await;
    assert_eq!(values(&facets["facets"]["lab"]), labs);
    let (_, values_route) = get("/api/facets/lab?lab=IJCLab&limit=1").await;
    assert_eq!(values(&values_route["values"]), labs);
}

#[tokio::test]
async fn repeated_single_parameters_are_refused_on_every_route() {
    for uri in [
        "/api/search?q=calo&q=neur",
        "/api/suggest?q=calo&q=neur",
        "/api/suggest?q=calo&limit=1&limit=5",
        "/api/facets/lab?q=lp&q=ij",
        "/api/facets/lab?limit=1&limit=5",
        "/api/facets?facet_limit=1&facet_limit=2",
        "/api/contributions/in2p3-irfu-machine-learning-workshop/3/similar?limit=1&limit=2",
    ] {
        let (status, body) = get(uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("given more than once"), "{uri}: {message}");
    }
}

#[tokio::test]
async fn routes_without_parameters_refuse_any() {
    for uri in [
        "/healthz?verbose=1",
        "/metrics?x",
        "/api/openapi.json?format=yaml",
        "/api/contributions/in2p3-irfu-machine-learning-workshop/3?fields=title",
    ] {
        let (status, body) = get(uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert_eq!(body["error"]["code"], "unknown_parameter", "{uri}");
    }
    // The same routes without a parameter still answer.
    let (status, body) = get("/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["documents"], 30);
    let (status, body) = get("/api/contributions/in2p3-irfu-machine-learning-workshop/3").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["id"], 3);
}

async fn get_if_none_match(uri: &str, tag: &str) -> StatusCode {
    router()
        .oneshot(
            Request::get(uri)
                .header("if-none-match", tag)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn if_none_match_star_does_not_hide_an_invalid_request() {
    // `*` matches any current answer; an invalid request has none: it stays a 400.
    assert_eq!(
        get_if_none_match("/api/search?per_page=0", "*").await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get_if_none_match("/api/search?bogus=1", "*").await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get_if_none_match("/api/search?q=calorimeter", "*").await,
        StatusCode::NOT_MODIFIED
    );
    assert_eq!(
        get_if_none_match("/api/search?q=calorimeter", "\"other\"").await,
        StatusCode::OK
    );
}

/// The body of `/api/search.ics?q=calorimeter` from `router`, sent with `Host: host`.
async fn calorimeter_feed(router: axum::Router, host: &str) -> String {
    let response = router
        .oneshot(
            Request::get("/api/search.ics?q=calorimeter")
                .header("host", host)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    icalendar::parser::unfold(std::str::from_utf8(&bytes).unwrap())
}

#[tokio::test]
async fn the_calendar_feed_links_the_search_page_in_utc_whatever_the_host_header() {
    let feed = calorimeter_feed(router(), "evil.example").await;
    assert!(!feed.contains("evil.example"), "{feed}");
    assert!(
        feed.contains("PRODID:-//abstract-search//abstract-search//EN"),
        "{feed}"
    );
    assert!(!feed.contains("ICALENDAR-RS"));
    // Contribution 3, 22 January 2020 11:55 in Paris (UTC+1), 25 minutes.
    assert!(
        feed.contains("URL:http://127.0.0.1:3000/?record=in2p3-irfu-machine-learning-workshop/3"),
        "{feed}"
    );
    assert!(feed.contains("DTSTART:20200122T105500Z"), "{feed}");
    // A configured public URL and another zone.
    let options = ApiOptions {
        calendar: abstract_search::api::ics::CalendarSettings {
            public_url: "https://search.example.org".to_string(),
            time_zone: chrono_tz::UTC,
        },
        ..ApiOptions::default()
    };
    let engine = Engine::from_records(seed_records()).expect("seed indexes");
    let feed = calorimeter_feed(app(SharedEngine::new(engine), &options), "evil.example").await;
    assert!(
        feed.contains(
            "URL:https://search.example.org/?record=in2p3-irfu-machine-learning-workshop/3"
        ),
        "{feed}"
    );
    assert!(feed.contains("DTSTART:20200122T115500Z"), "{feed}");
}

fn parameter_names(openapi: &Value, path: &str) -> Vec<String> {
    openapi["paths"][path]["get"]["parameters"]
        .as_array()
        .unwrap_or_else(|| panic!("{path} has parameters"))
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn openapi_describes_every_parameter_and_status() {
    let (status, openapi) = get("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let search = parameter_names(&openapi, "/api/search");
    assert!(search.contains(&"type".to_string()), "{search:?}");
    for path in ["/api/search.ics", "/api/facets", "/api/facets/{facet}"] {
        let names = parameter_names(&openapi, path);
        for name in &search {
            // `/api/facets/{facet}` has a `q` of its own (text within the values).
            let refused_here = path.starts_with("/api/facets")
                && ["page", "per_page", "sort"].contains(&name.as_str())
                || path == "/api/facets" && name == "q";
            assert_eq!(names.contains(name), !refused_here, "{path} {name}");
        }
    }
    let contribution = &openapi["paths"]["/api/contributions/{event}/{id}"]["get"]["responses"];
    assert!(contribution["400"].is_object() && contribution["404"].is_object());
    let parameters = openapi["paths"]["/api/search"]["get"]["parameters"]
        .as_array()
        .unwrap();
    for name in ["page", "per_page", "facet_limit"] {
        let parameter = parameters.iter().find(|p| p["name"] == name).unwrap();
        assert_eq!(parameter["schema"]["minimum"], 1, "{name}");
    }
    let lang = parameters.iter().find(|p| p["name"] == "lang").unwrap();
    assert!(lang["description"].as_str().unwrap().contains("`language`"));
    let responses = &openapi["paths"]["/api/search"]["get"]["responses"];
    for code in ["200", "304", "400", "405", "503"] {
        assert!(responses[code].is_object(), "{code}");
    }
    let matching = openapi["components"]["schemas"]["SearchResponse"]["properties"]["matching"]
        ["description"]
        .as_str()
        .unwrap();
    assert!(matching.contains("`none`"), "{matching}");
}

fn sorted_hit_ids(body: &Value) -> Vec<u64> {
    let mut ids: Vec<u64> = body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["id"].as_u64().unwrap())
        .collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn facet_values_and_speaker_names_as_people_type_them() {
    // The five LAL contributions, whatever the case of `lal`.
    for uri in [
        "/api/search?lab=LAL",
        "/api/search?lab=lal",
        "/api/search?lab=Lal",
    ] {
        let (status, body) = get(uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(sorted_hit_ids(&body), [3, 4, 7, 17, 22], "{uri}");
    }
    let (_, facets) = get("/api/facets?lab=lal").await;
    assert_eq!(facets["total"], 5);
    // The report prints speakers `GHOSH, Aishik`; the filter takes that form too.
    let (_, by_name) = get("/api/search?speaker=Aishik+Ghosh").await;
    let (_, as_printed) = get("/api/search?speaker=GHOSH%2C+Aishik").await;
    assert!(by_name["total"].as_u64().unwrap() > 0);
    assert_eq!(sorted_hit_ids(&as_printed), sorted_hit_ids(&by_name));
}

#[tokio::test]
async fn facets_routes_listed_search_parameters_they_refuse_as_known() {
    // `/api/facets?x=1` answered "known: q, …, page, per_page, sort, facet_limit", and the
    // route refuses q, page, per_page and sort.
    let (status, body) = get("/api/facets?x=1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "unknown_parameter");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("theme, lab, day, lang, event, type, speaker, from, to, facet_limit"),
        "{message}"
    );
    assert!(
        !message.contains("per_page") && !message.contains("sort"),
        "{message}"
    );
    let (status, body) = get("/api/facets/lab?x=1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("known: q, limit, theme,"), "{message}");
    assert!(!message.contains("per_page"), "{message}");
    // Filters are still read as filters.
    let (status, body) = get("/api/facets/lab?lab=LAL").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

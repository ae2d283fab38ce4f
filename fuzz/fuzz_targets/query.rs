//! The query path on any bytes: the input is a raw query string (`q=...&theme=...`),
//! validated as `/api/search` does, then searched on an in-memory index of the bundled
//! seed report; suggestions and facet values get the same text. Nothing may panic; a
//! rejected request names a parameter; an accepted one answers without an index error and
//! with HTML holding no markup but `<mark>`.
#![no_main]

use std::sync::LazyLock;

use abstract_search::corpus::{parse_text, LabTable};
use abstract_search::search::{FacetName, SearchError, SearchRequest};
use abstract_search::Engine;
use libfuzzer_sys::fuzz_target;

static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
    let report = include_str!("../../corpus/in2p3-irfu-ml-workshop-2020.md");
    let labs = LabTable::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../corpus/labs.toml"
    )))
    .expect("corpus/labs.toml loads");
    let mut records = parse_text(report, "seed.md", &labs)
        .expect("the seed parses")
        .records;
    abstract_search::analysis::annotate_languages(&mut records);
    Engine::from_records(&records).expect("the seed indexes")
});

fn assert_inert(html: &str) {
    let rest = html.replace("<mark>", "").replace("</mark>", "");
    assert!(!rest.contains('<') && !rest.contains('>'), "{html}");
}

fuzz_target!(|data: &[u8]| {
    let engine = &*ENGINE;
    let pairs = form_urlencoded::parse(data);
    match SearchRequest::from_params(pairs) {
        Ok(request) => {
            let response = engine.search(&request).expect("a valid request searches");
            assert!(response.hits.len() <= request.per_page);
            for hit in &response.hits {
                assert_inert(&hit.title_html);
                assert_inert(&hit.snippet_html);
            }
            let suggestions = engine.suggest(&request.q, 8).expect("suggest answers");
            for title in &suggestions.titles {
                assert_inert(&title.title_html);
            }
            let q = (!request.q.trim().is_empty()).then_some(request.q.as_str());
            engine
                .facet_values(FacetName::Lab, &request, q, Some(10))
                .expect("facet values answer");
        }
        Err(SearchError::InvalidParameter { parameter, .. }) => assert!(!parameter.is_empty()),
        Err(SearchError::UnknownParameter { .. }) => {}
        Err(other) => panic!("a request was refused with {other}"),
    }
});

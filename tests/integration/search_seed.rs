//! Searching the seed report through the search core, as the API does.

use abstract_search::search::{FacetName, SearchRequest, Sort};

use crate::support::{ids, search, seed_engine, seed_records, sorted};

fn filtered(facet: FacetName, value: &str) -> SearchRequest {
    let mut request = SearchRequest::query("").with_filter(facet, value).unwrap();
    request.per_page = 100;
    request
}

#[test]
fn calorimeter_finds_3_and_31_with_marks() {
    let response = search(&SearchRequest::query("calorimeter"));
    let hit_ids: Vec<u64> = response.hits.iter().map(|h| h.id).collect();
    assert!(hit_ids.contains(&3) && hit_ids.contains(&31), "{hit_ids:?}");
    // The title match ranks first.
    assert_eq!(hit_ids[0], 31);
    let top = &response.hits[0];
    assert_eq!(
        top.title_html,
        "<mark>Calorimeter</mark> reconstruction with computer vision at LHCb"
    );
    let hit_3 = response.hits.iter().find(|h| h.id == 3).unwrap();
    assert!(
        hit_3.snippet_html.contains("<mark>calorimeter</mark>"),
        "{}",
        hit_3.snippet_html
    );
    assert_eq!(response.total, hit_ids.len() as u64);
}

#[test]
fn theme_filter_gives_15_and_17() {
    let response = search(&filtered(FacetName::Theme, "ML for particle accelerators"));
    assert_eq!(
        sorted(response.hits.iter().map(|h| h.id).collect()),
        [15, 17]
    );
    assert_eq!(response.total, 2);
}

#[test]
fn lab_filter_gives_the_five_lal_contributions() {
    let response = search(&filtered(FacetName::Lab, "LAL"));
    assert_eq!(
        sorted(response.hits.iter().map(|h| h.id).collect()),
        [3, 4, 7, 17, 22]
    );
}

#[test]
fn day_facet_count_equals_records_of_that_day() {
    let day = chrono::NaiveDate::from_ymd_opt(2020, 1, 22).unwrap();
    let on_day = seed_records().iter().filter(|r| r.day == Some(day)).count() as u64;
    assert_eq!(on_day, 14);
    let response = search(&SearchRequest::query(""));
    assert_eq!(response.total, 30);
    let count = response.facets["day"]
        .iter()
        .find(|f| f.value == "2020-01-22")
        .map(|f| f.count);
    assert_eq!(count, Some(on_day));
    let filtered_response = search(&filtered(FacetName::Day, "2020-01-22"));
    assert_eq!(filtered_response.total, on_day);
}

#[test]
fn repeated_facet_values_are_or_and_facets_are_and() {
    let request = SearchRequest::query("")
        .with_filter(FacetName::Theme, "ML for particle accelerators")
        .unwrap()
        .with_filter(FacetName::Theme, "ML for astroparticle")
        .unwrap();
    assert_eq!(
        sorted(search(&request).hits.iter().map(|h| h.id).collect()),
        [15, 17, 33]
    );
    let request = request.with_filter(FacetName::Lab, "LAL").unwrap();
    assert_eq!(
        search(&request)
            .hits
            .iter()
            .map(|h| h.id)
            .collect::<Vec<_>>(),
        [17]
    );
}

#[test]
fn accents_do_not_matter() {
    let engine = seed_engine();
    assert_eq!(ids(engine, "données"), ids(engine, "donnees"));
    assert_eq!(ids(engine, "Étude"), ids(engine, "etude"));
    assert_eq!(ids(engine, "CRÉPÉ"), [14]);
    assert_eq!(ids(engine, "crepe"), [14]);
}

#[test]
fn empty_query_lists_everything_in_programme_order() {
    let mut request = SearchRequest::query("");
    request.per_page = 100;
    let response = search(&request);
    assert_eq!(response.total, 30);
    let first: Vec<u64> = response.hits.iter().take(3).map(|h| h.id).collect();
    // 22 Jan 10:30, 10:50, 11:10
    assert_eq!(first, [22, 23, 15]);
    // Unscheduled 34 comes last.
    assert_eq!(response.hits.last().map(|h| h.id), Some(34));
    request.sort = Sort::StartDescending;
    let response = search(&request);
    // 23 Jan 16:05 is the last scheduled talk.
    assert_eq!(response.hits.first().map(|h| h.id), Some(35));
    assert_eq!(response.hits.last().map(|h| h.id), Some(34));
}

#[test]
fn paging_keeps_total_and_splits_hits() {
    let mut request = SearchRequest::query("");
    request.per_page = 7;
    let mut seen = Vec::new();
    for page in 1..=5 {
        request.page = page;
        let response = search(&request);
        assert_eq!(response.total, 30);
        seen.extend(response.hits.iter().map(|h| h.id));
    }
    assert_eq!(seen.len(), 30);
    assert_eq!(
        sorted(seen),
        sorted(seed_records().iter().map(|r| r.id).collect())
    );
}

#[test]
fn search_box_text_is_always_answered() {
    for q in [
        "-",
        ":",
        "following:",
        "theme:",
        "\"",
        "(machine learning",
        "ttH(H->bb)",
        "sqrt(s)=13TeV",
        "a/b?c",
        "--help",
        "ERROR: This",
        "(^",
        "a:(^",
    ] {
        let response = seed_engine()
            .search(&SearchRequest::query(q))
            .unwrap_or_else(|e| panic!("`{q}` failed: {e}"));
        assert!(response.total <= 30, "{q}");
    }
    assert_eq!(ids(seed_engine(), "ttH(H->bb)"), [11]);
    assert!(ids(seed_engine(), "(machine learning").contains(&33));
}

#[test]
fn excluded_words_remove_records() {
    let engine = seed_engine();
    let with_atlas = ids(engine, "ATLAS");
    assert_eq!(sorted(with_atlas.clone()), [3, 4, 11, 19]);
    let without = ids(engine, "-ATLAS");
    assert_eq!(without.len(), 26);
    assert!(without.iter().all(|id| !with_atlas.contains(id)));
}

#[test]
fn only_common_words_is_too_generic() {
    let response = search(&SearchRequest::query("de la les"));
    assert_eq!(response.total, 0);
    assert!(response.notice.is_some());
}

#[test]
fn hits_carry_the_record_fields() {
    let response = search(&SearchRequest::query("MYRRHA"));
    assert_eq!(response.hits.len(), 1);
    let hit = &response.hits[0];
    assert_eq!(hit.id, 15);
    assert_eq!(hit.event, "in2p3-irfu-machine-learning-workshop");
    assert_eq!(hit.labs, ["LPSC", "SCK CEN"]);
    assert_eq!(hit.speakers[0].last_name, "DEBONGNIE");
    assert_eq!(hit.duration_minutes, Some(30));
    assert_eq!(hit.theme.as_deref(), Some("ML for particle accelerators"));
    assert!(hit.title_html.contains("<mark>MYRRHA</mark>"));
}

#[test]
fn record_lookup_by_event_and_id() {
    let record = seed_engine()
        .contribution("in2p3-irfu-machine-learning-workshop", "14")
        .unwrap();
    assert_eq!(record.title, "School of Statistics 2020");
    assert!(seed_engine()
        .contribution("in2p3-irfu-machine-learning-workshop", "99")
        .is_err());
    assert!(seed_engine().contribution("other-event", "14").is_err());
}

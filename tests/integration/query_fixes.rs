//! Regression tests for the fresh-user findings on query handling (report of 2026-12-04):
//! exclusions that missed what synonyms match, long words silently dropped, queries without
//! a word listing the whole corpus, and `AI` taken for a stop word. Seed report, with the
//! shipped `corpus/synonyms.toml`, as `serve` runs it.

use std::sync::OnceLock;

use abstract_search::search::{SearchRequest, SearchResponse, Synonyms};
use abstract_search::Engine;

use crate::support::{repo, seed_records, sorted};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let synonyms = Synonyms::load(&repo().join("corpus/synonyms.toml")).expect("synonyms load");
        Engine::from_records(seed_records())
            .expect("seed indexes")
            .with_synonyms(synonyms)
    })
}

fn answer(q: &str) -> SearchResponse {
    let mut request = SearchRequest::query(q);
    request.per_page = 100;
    engine().search(&request).expect("search succeeds")
}

fn hit_ids(q: &str) -> Vec<u64> {
    sorted(answer(q).hits.iter().map(|hit| hit.id).collect())
}

#[test]
fn excluding_gan_excludes_what_its_synonyms_match() {
    // Contribution 3 says "generative adversarial network", never `GAN` alone as its title.
    assert!(hit_ids("GAN").contains(&3));
    assert!(hit_ids("simulation").contains(&3));
    assert!(!hit_ids("simulation -GAN").contains(&3));
    assert!(!hit_ids("-GAN").contains(&3));
    // The phrase of the group excludes what `GAN` matches, too.
    let without_phrase = hit_ids("-\"generative adversarial network\"");
    assert_eq!(without_phrase, hit_ids("-GAN"));
}

#[test]
fn excluding_dnn_excludes_every_record_dnn_finds() {
    let with_dnn = hit_ids("DNN");
    for id in [5, 10, 19] {
        assert!(with_dnn.contains(&id), "DNN finds {id}: {with_dnn:?}");
    }
    let without = hit_ids("-DNN");
    assert_eq!(without.len(), 30 - with_dnn.len(), "{without:?}");
    assert!(
        without.iter().all(|id| !with_dnn.contains(id)),
        "{without:?}"
    );
}

#[test]
fn a_word_too_long_to_be_indexed_matches_nothing_and_says_so() {
    let long_a = "a".repeat(60);
    let response = answer(&long_a);
    assert_eq!(response.total, 0);
    let notice = response.notice.expect("a notice");
    assert!(
        notice.contains("60 characters or more") && notice.contains(&long_a),
        "{notice}"
    );
    // With another word, as with any word no record has: all words match nothing, the
    // fallback (any word) finds the records of the other one, and the notice stays.
    let long_b = "b".repeat(80);
    let response = answer(&format!("calorimeter {long_b}"));
    assert_eq!(response.matching, "any");
    assert_eq!(response.total, 3);
    assert!(response.notice.unwrap().contains(&long_b));
    let response = answer(&format!("+calorimeter +{long_b}"));
    assert_eq!(response.total, 0);
    // Excluded, it excludes nothing: every record but none dropped silently.
    let response = answer(&format!("-{long_b}"));
    assert_eq!(response.total, 30);
    assert!(response.notice.unwrap().contains(&long_b));
    // 59 characters is still a word the analyzers keep: no notice.
    assert!(answer(&"c".repeat(59)).notice.is_none());
}

#[test]
fn a_query_without_a_word_finds_nothing_instead_of_everything() {
    for q in [
        "\"", "-", "(", "*", "?", "±", "😀", "\u{200b}", "\u{0}", "\u{fffd}", "- ( * ?",
    ] {
        let response = answer(q);
        assert_eq!(response.total, 0, "{q:?}");
        assert_eq!(response.matching, "none", "{q:?}");
        assert_eq!(
            response.notice.as_deref(),
            Some(abstract_search::search::NO_WORD_NOTICE),
            "{q:?}"
        );
    }
    // Blanks only are the empty query: browse everything.
    for q in ["", "   ", "\t\n"] {
        let response = answer(q);
        assert_eq!(response.total, 30, "{q:?}");
        assert!(response.notice.is_none(), "{q:?}");
    }
}

#[test]
fn stop_words_only_still_answer_with_the_notice() {
    let response = answer("de la les");
    assert_eq!(response.total, 0);
    assert_eq!(
        response.notice.as_deref(),
        Some(abstract_search::search::STOP_WORDS_NOTICE)
    );
}

#[test]
fn ai_typed_in_capitals_is_an_acronym_not_a_stop_word() {
    // 32: "Illustration of AI use in research projects…".
    let response = answer("AI");
    assert!(response.notice.is_none(), "{:?}", response.notice);
    assert!(hit_ids("AI").contains(&32), "{:?}", hit_ids("AI"));
    assert!(hit_ids("IA").contains(&32));
    // Lowercase `ai` is French "have", kept in English records: still finds the English 32.
    assert!(hit_ids("ai").contains(&32));
}

fn completions(q: &str, limit: usize) -> Vec<(String, u64)> {
    engine()
        .suggest(q, limit)
        .expect("suggest succeeds")
        .terms
        .into_iter()
        .map(|t| (t.term, t.count))
        .collect()
}

#[test]
fn suggestion_counts_are_numbers_of_contributions() {
    let calo = completions("calo", 8);
    let calorimeter = calo.iter().find(|(term, _)| term == "calorimeter");
    // Titles or abstracts of 3, 5 and 31: a record with the word in both counts once.
    assert_eq!(
        calorimeter,
        Some(&("calorimeter".to_string(), 3)),
        "{calo:?}"
    );
    assert_eq!(hit_ids("+calorimeter").len(), 3);
}

#[test]
fn suggestions_offer_no_joined_compound_and_no_stop_word() {
    for (q, joined) in [("gamma", "gammaray"), ("autoencoder", "autoencoderbased")] {
        // The joined form is indexed (a search for it finds the hyphenated compound).
        assert!(!hit_ids(joined).is_empty(), "{joined}");
        let offered = completions(q, 20);
        assert!(
            !offered.iter().any(|(term, _)| term == joined),
            "{q}: {offered:?}"
        );
    }
    let offered = completions("a", 20);
    for stop_word in ["and", "a", "at", "are", "an", "as"] {
        assert!(
            !offered.iter().any(|(term, _)| term == stop_word),
            "{stop_word}: {offered:?}"
        );
    }
    assert!(!offered.is_empty());
    // A real completion is still offered.
    assert!(completions("gamma", 20)
        .iter()
        .any(|(term, _)| term == "gamma"));
}

fn title_html_of(q: &str, id: u64) -> String {
    answer(q)
        .hits
        .into_iter()
        .find(|hit| hit.id == id)
        .unwrap_or_else(|| panic!("{q} finds {id}"))
        .title_html
}

#[test]
fn marks_never_span_an_unbalanced_parenthesis() {
    // 16: "(Machine) Learning the production cross sections of the Inert Doublet Model."
    let html = title_html_of("apprentissage automatique", 16);
    assert!(
        html.starts_with("(<mark>Machine</mark>) <mark>Learning</mark> the production"),
        "{html}"
    );
    // 11: "Deep learning in ATLAS ttH(H->bb) analysis"
    let html = title_html_of("ttH(H->bb)", 11);
    assert!(
        html.contains("<mark>ttH</mark>(<mark>H-&gt;bb</mark>) analysis"),
        "{html}"
    );
    // A phrase without brackets is still one mark.
    let html = title_html_of("\"deep learning\"", 11);
    assert!(
        html.starts_with("<mark>Deep learning</mark> in ATLAS"),
        "{html}"
    );
}

#[test]
fn a_dotted_acronym_is_the_acronym_not_its_letters() {
    // `A.I.` matched the pronoun "I" as a word; it is `AI` (32's title).
    assert_eq!(hit_ids("A.I."), hit_ids("AI"));
    assert!(hit_ids("A.I.").contains(&32));
}

#[test]
fn words_joined_by_a_colon_slash_or_comma_matched_nothing() {
    // `calorimeter/detector` was one term sequence no record holds: 0 hits, `matching: all`.
    assert_eq!(hit_ids("calorimeter/detector"), vec![3, 31]);
    assert_eq!(
        hit_ids("calorimeter/detector"),
        hit_ids("calorimeter detector")
    );
    for (joined, spaced) in [
        ("theme:calorimeter", "theme calorimeter"),
        ("lab:LAL", "lab LAL"),
        ("energy=calorimeter", "energy calorimeter"),
        ("generative,adversarial", "generative adversarial"),
    ] {
        assert_eq!(hit_ids(joined), hit_ids(spaced), "{joined}");
        assert!(!hit_ids(joined).is_empty(), "{joined}");
    }
    // An exclusion keeps its sequence: `-calorimeter/detector` excludes neither word alone.
    assert_eq!(
        hit_ids("calorimeter -calorimeter/detector"),
        hit_ids("calorimeter")
    );
}

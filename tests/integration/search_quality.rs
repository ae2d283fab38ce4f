//! Search quality in French and English (issue 3): each test is a kind of fault users reported
//! against comparable engines, checked on the seed plus small records quoted from the issue.

use std::sync::OnceLock;

use abstract_search::analysis::annotate_languages;
use abstract_search::search::{SearchRequest, Synonyms};
use abstract_search::{Contribution, Engine, Event};

use crate::support::{ids, repo, seed_records};

/// Quoted records, ids from 1000 in their own event so they never collide with the seed.
const QUOTED: &[(u64, &str, &str)] = &[
    (1001, "Apprentissage supervisé des jets de quarks b", ""),
    (1002, "Vers l'apprentissage par renforcement", ""),
    (1003, "Électron secondaire", ""),
    (1004, "electron beam test", ""),
    (1005, "ÉLECTRONS ET PHOTONS", ""),
    (1006, "Mesure de précision", "La masse a été mesurée avec une précision inégalée au collisionneur."),
    (1007, "Événements rares", "Nous cherchons un événement rare puis deux évènements corrélés dans les données."),
    (1008, "Conjecture de Poincaré", "Une démonstration géométrique de la conjecture de Poincaré."),
    (1009, "Identification des jets b", "Nous appliquons le deep learning à l'identification des jets b au LHC avec ATLAS."),
    (1010, "Parton distribution functions at small x", "We fit the parton distribution functions of the proton at small Bjorken x with new data."),
    (1011, "Fonctions de distribution des partons", "Nous déterminons les fonctions de distribution des partons du proton à petit x."),
    (1012, "Semi supervised anomaly search", "A semisupervised method finds anomalies in dijet events."),
    (1013, "W-boson mass", "The W-boson mass is measured in Run-2 data with Geant4 simulation."),
    (1014, "Image compression", "We compress calorimeter images with auto encoders trained on simulation."),
    (1015, "Sensor pitch", "The pixel pitch is 625 $\\mu$ m and the resolution $\\pm 0.01$ at $10^{-2}$ occupancy."),
    (1016, "Détection de la matière noire", "Une expérience souterraine pour la détection directe."),
    (1017, "La matière des étoiles", "Une nuit noire sans lune pour observer la matière interstellaire."),
    (1018, "Mesure de ttH(H->bb) avec ATLAS à sqrt(s)=13TeV", "Analyse du canal ttH avec le détecteur ATLAS."),
    (1019, "Neutrino oscillations", "Long-baseline neutrino oscillation measurements."),
    (1020, "Le chat de Schrödinger", "Un chat quantique."),
    (1021, "Le châtiment", "Crime et châtiment en physique."),
    (1022, "Detectors for the future", "Silicon detectors and calorimeters."),
    (1023, "Nouveaux détecteurs", "Les détecteurs à pixels du trajectographe."),
    (1024, "Désintégrations du Higgs", "Le boson de Higgs se désintègre en quarks b. Un boson W accompagne parfois le Higgs."),
    (1025, "Mesure \"R&D\" < 1 nm", "Résultats <img src=x onerror=alert(1)> du calorimètre en R&D."),
    (1026, "Santé", "Je lève mon verre : à ma santé, à mon futur et à la physique."),
    (1027, "Generative models", "Generative adversarial networks (GANs) for fast shower simulation."),
    (1029, "Shower simulation", "Showers in the AT-LAS calorimeter are simulated with a generative model."),
    (1028, "Long snippet « énergie »", "Un texte « énergie » — ≥ √s calorimètre “final” qui se répète. « énergie » — ≥ √s calorimètre “final” qui se répète. « énergie » — ≥ √s calorimètre “final” qui se répète. « énergie » — ≥ √s “final” qui se répète encore et encore pour dépasser la fenêtre du fragment, « énergie » — ≥ √s “final” et la fin."),
];

fn quoted_records() -> Vec<Contribution> {
    let event = Event {
        slug: "quoted".to_string(),
        title: "Quoted".to_string(),
    };
    let mut records: Vec<Contribution> = QUOTED
        .iter()
        .map(|&(id, title, abstract_text)| {
            let mut record =
                Contribution::new(event.clone(), id, title.to_string(), Default::default());
            record.abstract_text = abstract_corpus_text(abstract_text);
            record
        })
        .collect();
    annotate_languages(&mut records);
    records
}

/// Abstract text as the readers clean it (inline LaTeX made readable).
fn abstract_corpus_text(text: &str) -> String {
    abstract_search::corpus::latex::math_to_text(text)
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut records = seed_records().to_vec();
        records.extend(quoted_records());
        let synonyms = Synonyms::load(&repo().join("corpus/synonyms.toml")).expect("synonyms load");
        Engine::from_records(&records)
            .expect("index builds")
            .with_synonyms(synonyms)
    })
}

fn found(q: &str) -> Vec<u64> {
    ids(engine(), q)
}

fn finds_all(q: &str, expected: &[u64]) {
    let hits = found(q);
    for id in expected {
        assert!(hits.contains(id), "`{q}` should find {id}, found {hits:?}");
    }
}

fn first_hit(q: &str) -> abstract_search::search::Hit {
    let response = engine().search(&SearchRequest::query(q)).unwrap();
    response
        .hits
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("`{q}` found nothing"))
}

fn hit(q: &str, id: u64) -> abstract_search::search::Hit {
    let mut request = SearchRequest::query(q);
    request.per_page = 100;
    engine()
        .search(&request)
        .unwrap()
        .hits
        .into_iter()
        .find(|h| h.id == id)
        .unwrap_or_else(|| panic!("`{q}` did not find {id}"))
}

fn rank(q: &str, id: u64) -> usize {
    found(q)
        .iter()
        .position(|&h| h == id)
        .unwrap_or_else(|| panic!("`{q}` did not find {id}"))
}

#[test]
fn french_elision_with_both_apostrophes() {
    for q in [
        "apprentissage",
        "l'apprentissage",
        "l’apprentissage",
        "d'apprentissage",
    ] {
        finds_all(q, &[1001, 1002]);
    }
}

#[test]
fn accents_and_case_both_ways() {
    for q in ["electron", "électron", "Électrons", "ELECTRON"] {
        finds_all(q, &[1003, 1004, 1005]);
    }
    assert_eq!(
        hit("electron", 1003).title_html,
        "<mark>Électron</mark> secondaire"
    );
    assert_eq!(
        hit("electron", 1005).title_html,
        "<mark>ÉLECTRONS</mark> ET PHOTONS"
    );
    finds_all("mesuree", &[1006]);
    assert!(hit("mesuree", 1006)
        .snippet_html
        .contains("<mark>mesurée</mark>"));
    finds_all("evenement", &[1007]);
    let snippet = hit("evenement", 1007).snippet_html;
    assert!(
        snippet.contains("<mark>événement</mark>") && snippet.contains("<mark>évènements</mark>"),
        "{snippet}"
    );
    finds_all("poincare", &[1008]);
}

#[test]
fn french_record_found_by_its_english_terms() {
    for q in ["deep learning", "learning", "ATLAS"] {
        finds_all(q, &[1009]);
    }
    finds_all("distribution", &[1010, 1011]);
}

#[test]
fn hyphens_and_joined_words_meet() {
    let expected = [6, 1012];
    for q in ["semi-supervised", "semi supervised", "semisupervised"] {
        finds_all(q, &expected);
    }
    finds_all("W-boson", &[1013]);
    finds_all("W boson", &[1013]);
    finds_all("Run-2", &[1013]);
    finds_all("Run 2", &[1013]);
    assert_eq!(found("Geant4"), found("geant4"));
    assert!(found("Geant4").contains(&1013) && found("Geant4").contains(&3));
    // split compounds, both ways
    finds_all("autoencoders", &[1014]);
    finds_all("auto encoders", &[1014, 6]);
}

#[test]
fn pdf_line_break_hyphenation_does_not_hide_words() {
    // `AT-LAS` in 3, `to-talling` in 19, `signal-tonoise` in 10
    assert!(crate::support::seed(3).abstract_text.contains("AT-LAS"));
    finds_all("ATLAS", &[1029]);
    assert!(hit("ATLAS", 1029)
        .snippet_html
        .contains("<mark>AT-LAS</mark>"));
    finds_all("totalling", &[19]);
    finds_all("signal to noise", &[10]);
    finds_all("signal-to-noise", &[10]);
    let snippet = hit("totalling", 19).snippet_html;
    assert!(snippet.contains("<mark>to-talling</mark>"), "{snippet}");
}

#[test]
fn inline_latex_is_readable_and_searchable() {
    let snippet = first_hit("pitch").snippet_html;
    assert!(snippet.contains("625 μm"), "{snippet}");
    assert!(snippet.contains("± 0.01"), "{snippet}");
    assert!(!snippet.contains('$'));
    finds_all("625 μm", &[1015]);
}

#[test]
fn stop_words_do_not_match_everything() {
    let response = engine().search(&SearchRequest::query("de la les")).unwrap();
    assert_eq!(response.total, 0);
    assert!(response.notice.unwrap().contains("common words"));
    assert_eq!(found("la matière noire")[0], 1016);
    assert_eq!(found("\"détection de la matière\""), [1016]);
}

#[test]
fn synonyms_expand_without_swamping_literal_matches() {
    // VBS literally in 34 (title) and 35; `vector boson scattering` only in 19.
    let vbs = found("VBS");
    assert!(vbs.contains(&19), "{vbs:?}");
    assert!(rank("VBS", 34) < rank("VBS", 19) && rank("VBS", 35) < rank("VBS", 19));
    let phrase = found("vector boson scattering");
    assert!(phrase.contains(&34), "{phrase:?}");
    assert!(rank("vector boson scattering", 35) < rank("vector boson scattering", 34));
    // DNN ↔ deep neural network
    finds_all("DNN", &[5, 16, 28, 34, 35]);
    // apprentissage automatique ↔ machine learning
    finds_all("apprentissage automatique", &[4, 17, 33]);
    // ML ↔ machine learning: the literal `ML` titles first
    let ml = found("ML");
    assert!(ml.contains(&33), "{ml:?}");
    assert!(rank("ML", 17) < rank("ML", 33));
}

#[test]
fn acronyms_match_any_case_and_keep_theirs() {
    assert_eq!(
        first_hit("lhcb").title_html,
        "Calorimeter reconstruction with computer vision at <mark>LHCb</mark>"
    );
    finds_all("GAN", &[1027]);
    assert!(hit("GAN", 1027).snippet_html.contains("<mark>GANs</mark>"));
}

#[test]
fn meaningful_search_box_text_finds_its_record() {
    finds_all("ttH(H->bb)", &[11, 1018]);
    finds_all("sqrt(s)=13TeV", &[1018]);
    assert_eq!(found("theme:"), found("theme"));
    let without = found("-ATLAS");
    assert!(!without.contains(&1018) && !without.contains(&3) && without.contains(&1016));
    assert_eq!(found("+boson -Higgs"), found("boson -higgs"));
    assert!(!found("+boson -Higgs").contains(&1024));
}

#[test]
fn typos_are_tolerated_below_exact_matches() {
    for q in ["calorimetre", "calorimter"] {
        finds_all(q, &[3, 31]);
    }
    finds_all("neutrno", &[1019]);
    // two edits from 9 characters on (`calorimtr`), only one below (`nutrino` is one, `nutrno` two)
    finds_all("calorimtr", &[3, 31]);
    finds_all("nutrino", &[1019]);
    assert!(!found("nutrno").contains(&1019));
    assert!(hit("neutrno", 1019)
        .title_html
        .contains("<mark>Neutrino</mark>"));
    assert!(hit("calorimter", 3)
        .snippet_html
        .contains("<mark>calorimeter</mark>"));
    // an exact match of the typo's neighbour is not outranked by fuzzy ones
    assert_eq!(found("calorimeter")[0], 31);
}

#[test]
fn last_word_is_a_prefix_while_typing() {
    finds_all("calori", &[3, 31]);
    assert!(hit("calori", 31)
        .title_html
        .contains("<mark>Calorimeter</mark>"));
}

#[test]
fn ranking_prefers_titles_and_exact_forms() {
    // title match (31) above abstract-only matches (3, 5, 7)
    assert_eq!(found("calorimeter")[0], 31);
    let chat = found("chat");
    assert_eq!(chat[0], 1020, "{chat:?}");
}

#[test]
fn whole_surface_words_are_highlighted() {
    assert!(hit("détecteur", 1023)
        .title_html
        .contains("<mark>détecteurs</mark>"));
    assert!(hit("detector", 1022)
        .title_html
        .contains("<mark>Detectors</mark>"));
    // matched through a speaker name only: the snippet falls back to the abstract start
    let hit = hit("CALVET", 28);
    assert!(
        hit.snippet_html.starts_with("Many of the searches"),
        "{}",
        hit.snippet_html
    );
}

#[test]
fn phrases_highlight_only_the_phrase() {
    let snippet = hit("\"boson de Higgs\"", 1024).snippet_html;
    assert_eq!(snippet.matches("<mark>").count(), 1, "{snippet}");
    assert!(
        snippet.contains("Le <mark>boson de Higgs</mark> se désintègre"),
        "{snippet}"
    );
}

#[test]
fn snippets_are_utf8_escaped_once_and_keep_accents() {
    let hit_1025 = hit("calorimètre", 1025);
    assert_eq!(hit_1025.title_html, "Mesure &quot;R&amp;D&quot; &lt; 1 nm");
    assert!(
        hit_1025
            .snippet_html
            .contains("&lt;img src=x onerror=alert(1)&gt; du <mark>calorimètre</mark>"),
        "{}",
        hit_1025.snippet_html
    );
    let santé = hit("futur", 1026).snippet_html;
    assert!(
        santé.contains("à ma santé, à mon <mark>futur</mark>"),
        "{santé}"
    );
    for q in ["calorimètre", "final", "énergie", "fin"] {
        let snippet = hit(q, 1028).snippet_html;
        let text = snippet.replace("<mark>", "").replace("</mark>", "");
        let text = text.trim_start_matches("… ").trim_end_matches(" …");
        assert!(
            QUOTED
                .iter()
                .any(|(id, _, a)| *id == 1028 && a.contains(text)),
            "`{q}`: {snippet}"
        );
    }
}

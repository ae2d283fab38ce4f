//! The bundled contribution report parses to the records a person reads in it.

use chrono::{NaiveDate, NaiveTime};

use abstract_search::corpus::{self, report, Format};
use abstract_search::Language;

use crate::support::{labs, seed, seed_path, seed_records};

#[test]
fn seed_has_the_thirty_contribution_ids() {
    let ids: Vec<u64> = seed_records().iter().map(|r| r.id).collect();
    let expected: Vec<u64> = (3..=23).chain(26..=29).chain(31..=35).collect();
    assert_eq!(ids, expected);
}

#[test]
fn seed_event_title_and_slug() {
    let event = &seed(3).event;
    assert_eq!(event.title, "IN2P3/IRFU Machine Learning workshop");
    assert_eq!(event.slug, "in2p3-irfu-machine-learning-workshop");
}

#[test]
fn contribution_3_schedule_speaker_and_theme() {
    let record = seed(3);
    assert_eq!(
        record.title,
        "Generative Adversarial Networks for Fast Simulation in ATLAS"
    );
    assert_eq!(record.day, NaiveDate::from_ymd_opt(2020, 1, 22));
    assert_eq!(
        record.start.map(|s| s.time()),
        NaiveTime::from_hms_opt(11, 55, 0)
    );
    assert_eq!(record.duration_minutes, Some(30));
    assert_eq!(record.speakers.len(), 1);
    assert_eq!(record.speakers[0].last_name, "GHOSH");
    assert_eq!(record.speakers[0].first_name, "Aishik");
    assert_eq!(record.speakers[0].affiliation.as_deref(), Some("LAL"));
    assert_eq!(
        record.theme.as_deref(),
        Some("ML for simulation and surrogate model")
    );
    assert_eq!(
        record.theme_description.as_deref(),
        Some("Application of Machine Learning to simulation or other cases where it is deemed to replace an existing complex model")
    );
    assert_eq!(record.kind.as_deref(), Some("Non spécifié"));
    assert_eq!(record.language, Some(Language::En));
    assert_eq!(record.authors.len(), 2);
    assert_eq!(record.authors[1].affiliation.as_deref(), Some("LAL-Orsay"));
}

#[test]
fn contribution_34_is_unscheduled() {
    let record = seed(34);
    assert_eq!(record.title, "DNN for VBS (TBC)");
    assert_eq!(record.start, None);
    assert_eq!(record.day, None);
    assert_eq!(record.duration_minutes, None);
}

#[test]
fn records_without_abstract() {
    for id in [22, 23, 26, 27, 34] {
        assert_eq!(seed(id).abstract_text, "", "contribution {id}");
    }
    let with_abstract = seed_records()
        .iter()
        .filter(|r| !r.abstract_text.is_empty())
        .count();
    assert_eq!(with_abstract, 25);
}

#[test]
fn contribution_17_has_two_speakers() {
    let names: Vec<&str> = seed(17)
        .speakers
        .iter()
        .map(|p| p.last_name.as_str())
        .collect();
    assert_eq!(names, ["GULER", "KUBYTSKYI"]);
    assert_eq!(seed(17).speakers[1].affiliation, None);
}

#[test]
fn semicolon_in_affiliation_of_14_stays_one_person() {
    let speakers = &seed(14).speakers;
    assert_eq!(speakers.len(), 1);
    assert_eq!(speakers[0].last_name, "CRÉPÉ-RENAUDIN");
    assert_eq!(
        speakers[0].affiliation.as_deref(),
        Some("LPSC Grenoble; IN2P3-CNRS")
    );
}

#[test]
fn page_furniture_never_reaches_an_abstract_or_title() {
    for record in seed_records() {
        for furniture in [
            "Rapport sur les contributions",
            "IN2P3/IRFU Mac",
            "Measuring Quantum Interference i",
            "Using DNNs and Keras for the W...",
            "InTheArt",
        ] {
            assert!(
                !record.abstract_text.contains(furniture),
                "contribution {} abstract contains `{furniture}`",
                record.id
            );
        }
    }
    // The running title `Search for New Physics using semi- ...` sits after record 5.
    assert!(seed(5)
        .abstract_text
        .ends_with("precision in both W mass and W pT spectrum measurement."));
    assert_eq!(seed(22).title, "IN2P3ML");
}

#[test]
fn titles_with_colons_and_bold_are_titles() {
    assert_eq!(
        seed(8).title,
        "GammaLearn: Deep learning applied to the Cherenkov Telescope Array data analysis"
    );
    assert_eq!(seed(14).title, "School of Statistics 2020");
    assert_eq!(seed(27).title, "Ecole Machine Learning IN2P3/IRFU");
}

#[test]
fn decorated_labels_are_read() {
    // `#### Author: TROVATO, Agata (APC-CNRS)` and bold `**Co-auteurs:**`
    let record = seed(33);
    assert_eq!(record.authors[0].last_name, "TROVATO");
    assert_eq!(record.coauthors.len(), 3);
    assert_eq!(record.coauthors[2].last_name, "BEJGER");
    assert_eq!(record.speakers.len(), 2);
    assert_eq!(record.theme.as_deref(), Some("ML for astroparticle"));
    assert_eq!(record.theme_description, None);
    // `**Co-auteurs:**` with honorifics and a person without affiliation
    let record = seed(8);
    assert_eq!(record.coauthors.len(), 4);
    assert_eq!(record.coauthors[1].title.as_deref(), Some("Prof."));
    assert_eq!(record.coauthors[0].affiliation, None);
}

#[test]
fn inline_latex_reads_as_text() {
    let text = &seed(10).abstract_text;
    assert!(text.contains("between ± 0.01 and"), "{text}");
    assert!(text.contains("under 10⁻² in"), "{text}");
    assert!(!text.contains('$'));
}

#[test]
fn lab_lal_is_exactly_the_five_contributions() {
    let lal: Vec<u64> = seed_records()
        .iter()
        .filter(|r| r.labs.iter().any(|l| l == "LAL"))
        .map(|r| r.id)
        .collect();
    assert_eq!(lal, [3, 4, 7, 17, 22]);
    assert_eq!(seed(31).labs, ["IJCLab"]);
    assert_eq!(seed(6).labs, ["LPC"]);
}

#[test]
fn format_is_detected_from_content_and_sources_point_at_the_id_line() {
    let text = std::fs::read_to_string(seed_path()).unwrap();
    assert_eq!(
        corpus::detect_format(&text),
        Some(Format::ContributionReport)
    );
    assert!(report::looks_like_report("ID de Contribution: 1\n"));
    let record = seed(10);
    let line = text.lines().nth(record.source.line - 1).unwrap();
    assert_eq!(line, "#### ID de Contribution: 10");
    let parsed = corpus::parse_text("no records here", "notes.txt", &labs());
    assert!(parsed.is_err());
}

#[test]
fn malformed_record_is_reported_and_the_rest_kept() {
    let text = "# Event\n\nID de Contribution: 1\n\nType: Talk\n\n# First\n\nAbstract one.\n\n\
                ID de Contribution: x2\n\n# Broken\n\nID de Contribution: 3\n\n# Third\n\n\
                ID de Contribution: 1\n\n# Duplicate\n";
    let parsed = corpus::parse_text(text, "events/x.md", &labs()).unwrap();
    let ids: Vec<u64> = parsed.records.iter().map(|r| r.id).collect();
    assert_eq!(ids, [1, 3]);
    let warnings: Vec<String> = parsed.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings[0].starts_with("events/x.md:11: contribution id `x2`"),
        "{warnings:?}"
    );
    assert!(
        warnings[1].starts_with("events/x.md:19: duplicate contribution id 1"),
        "{warnings:?}"
    );
}

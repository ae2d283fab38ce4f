//! Every reader, not only the report parser, warns with `file:line` about a person entry
//! that holds no name and a duration longer than a day, and keeps the rest of the record.

use abstract_search::corpus;

use crate::support::labs;

#[test]
fn indico_csv_row_with_nameless_presenter_and_absurd_duration() {
    let csv = "Id,Title,Duration,Presenters\n\
               3,Generative Adversarial Networks for Fast Simulation in ATLAS,30,\"GHOSH, Aishik (LAL)\"\n\
               4,Measuring Quantum Interference,99999,\"; , () ;; (LAL\"\n";
    let parsed = corpus::parse_text(csv, "contributions.csv", &labs()).unwrap();
    let warnings: Vec<String> = parsed.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "contributions.csv:3: `Duration` `99999` ignored: a duration of 99999 minutes is longer than 24 hours",
            "contributions.csv:3: 2 presenter entries are not names, ignored: `, ()`, `(LAL`",
        ]
    );
    assert_eq!(parsed.records.len(), 2);
    assert_eq!(parsed.records[0].duration_minutes, Some(30));
    assert_eq!(parsed.records[0].speakers[0].last_name, "GHOSH");
    assert_eq!(parsed.records[1].duration_minutes, None);
    assert_eq!(parsed.records[1].speakers, []);
    assert_eq!(parsed.records[1].title, "Measuring Quantum Interference");
}

#[test]
fn json_lines_record_with_nameless_author_and_absurd_duration() {
    let jsonl = concat!(
        r#"{"id": 3, "title": "Generative Adversarial Networks", "duration_minutes": 30, "authors": ["GHOSH, Aishik (LAL)", "10"]}"#,
        "\n",
        r#"{"id": 4, "title": "Measuring Quantum Interference", "duration_minutes": 99999, "speakers": "; (LAL"}"#,
        "\n"
    );
    let parsed = corpus::parse_text(jsonl, "records.jsonl", &labs()).unwrap();
    let warnings: Vec<String> = parsed.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(parsed.records.len(), 2, "{warnings:?}");
    assert!(
        warnings
            .contains(&"records.jsonl:1: 1 author entry is not a name, ignored: `10`".to_string()),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|w| w.starts_with("records.jsonl:2:")
            && w.contains(
                "`duration_minutes` ignored: a duration of 99999 minutes is longer than 24 hours"
            )),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|w| w.starts_with("records.jsonl:2:")
            && w.contains("1 speaker entry is not a name, ignored: `(LAL`")),
        "{warnings:?}"
    );
    assert_eq!(parsed.records[0].authors.len(), 1);
    assert_eq!(parsed.records[0].duration_minutes, Some(30));
    assert_eq!(parsed.records[1].duration_minutes, None);
    assert_eq!(parsed.records[1].speakers, []);
}

//! What the unit tests of several modules start from.

use crate::analysis::annotate_languages;
use crate::corpus::{parse_text, LabTable};
use crate::model::Contribution;

/// The 30 records of the bundled report, their languages detected as `ingest` does.
pub(crate) fn seed_records() -> Vec<Contribution> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/corpus/in2p3-irfu-ml-workshop-2020.md"
    );
    let text = std::fs::read_to_string(path).expect("the seed report is in corpus/");
    let mut records = parse_text(&text, path, &LabTable::default())
        .expect("the seed parses")
        .records;
    annotate_languages(&mut records);
    assert_eq!(records.len(), 30);
    records
}

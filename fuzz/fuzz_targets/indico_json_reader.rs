//! The Indico export API JSON reader (and the JSON array of records beside it) on any
//! bytes, lossily decoded as `ingest` would refuse nothing more: never a panic; a refusal
//! names a line of the input; every record has a title.
#![no_main]

use abstract_search::corpus::{indico_json, ReadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines = text.lines().count().max(1);
    let options = ReadOptions::default();
    let results = [
        indico_json::parse(&text, "fuzz.json", &options),
        indico_json::parse_record_array(&text, "fuzz.json", &options),
    ];
    for result in results {
        match result {
            Ok((records, warnings)) => {
                for record in &records {
                    assert!(!record.title.trim().is_empty(), "record {}", record.id);
                }
                for warning in &warnings {
                    assert_eq!(warning.file, "fuzz.json");
                    assert!(warning.line >= 1 && warning.line <= lines + 1, "{warning}");
                }
            }
            Err(error) => assert!(
                error.line <= lines + 1,
                "line {} of {lines}: {}",
                error.line,
                error.message
            ),
        }
    }
});

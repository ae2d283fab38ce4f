//! The contribution-report reader on any bytes: text as `ingest` would get it (UTF-8, else
//! the same bytes lossily decoded, so no input is wasted), parsed whole. It must never
//! panic; every warning names the file and a line inside it.
#![no_main]

use abstract_search::corpus::{report, ReadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (records, warnings) = report::parse(&text, "fuzz.md", &ReadOptions::default());
    let lines = text.lines().count().max(1);
    for warning in &warnings {
        assert_eq!(warning.file, "fuzz.md");
        assert!(warning.line >= 1 && warning.line <= lines + 1, "{warning}");
    }
    for record in &records {
        assert!(
            !record.title.trim().is_empty(),
            "record {} without a title",
            record.id
        );
    }
});

//! The JSON Lines reader on any bytes (invalid UTF-8 included, as a file may hold): it
//! must never panic nor fail (only I/O stops it), and every record or warning it gives
//! comes from a line of the input.
#![no_main]

use abstract_search::corpus::{jsonl, ReadOptions, RecordSink, Warning};
use abstract_search::Contribution;
use libfuzzer_sys::fuzz_target;

#[derive(Default)]
struct Count {
    records: usize,
    warnings: Vec<Warning>,
}

impl RecordSink for Count {
    fn record(&mut self, record: Contribution) {
        assert!(!record.title.trim().is_empty());
        self.records += 1;
    }
    fn warning(&mut self, warning: Warning) {
        self.warnings.push(warning);
    }
}

fuzz_target!(|data: &[u8]| {
    let mut sink = Count::default();
    jsonl::read(data, "fuzz.jsonl", &ReadOptions::default(), &mut sink)
        .expect("reading from memory never fails");
    let lines = data.split(|&b| b == b'\n').count();
    assert!(sink.records <= lines);
    for warning in &sink.warnings {
        assert_eq!(warning.file, "fuzz.jsonl");
        assert!(warning.line >= 1 && warning.line <= lines, "{warning}");
    }
});

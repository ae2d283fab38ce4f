//! The Indico contribution-list CSV reader on any bytes: never a panic; a refusal and
//! every warning name a line of the input; every record has a title.
#![no_main]

use abstract_search::corpus::{indico_csv, ReadOptions, RecordSink, Warning};
use abstract_search::Contribution;
use libfuzzer_sys::fuzz_target;

#[derive(Default)]
struct Collect {
    records: usize,
    warnings: Vec<Warning>,
}

impl RecordSink for Collect {
    fn record(&mut self, record: Contribution) {
        assert!(!record.title.trim().is_empty(), "record {}", record.id);
        self.records += 1;
    }
    fn warning(&mut self, warning: Warning) {
        self.warnings.push(warning);
    }
}

fuzz_target!(|data: &[u8]| {
    // CSV ends records at `\n`, `\r\n` or a lone `\r` (old Mac files): all count as lines.
    let lone_returns = data
        .windows(2)
        .filter(|pair| pair[0] == b'\r' && pair[1] != b'\n')
        .count()
        + usize::from(data.last() == Some(&b'\r'));
    let lines = data.split(|&b| b == b'\n').count() + lone_returns;
    let mut sink = Collect::default();
    let result = indico_csv::read(data, "fuzz.csv", &ReadOptions::default(), &mut sink);
    if let Err(error) = result {
        assert!(
            error.line <= lines + 1,
            "line {} of {lines}: {}",
            error.line,
            error.message
        );
    }
    assert!(sink.records <= lines);
    for warning in &sink.warnings {
        assert_eq!(warning.file, "fuzz.csv");
        assert!(warning.line >= 1 && warning.line <= lines + 1, "{warning}");
    }
});

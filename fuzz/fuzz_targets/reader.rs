//! Any bytes through the reader, both bad-row policies: no panic, and every row accounted for.
#![no_main]

use flo_rfm::core::table::customers::{BadRows, Duplicates};
use flo_rfm::core::io::schema::customers::{read_from, ReadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for (bad_rows, duplicates) in [
        (BadRows::Raise, Duplicates::Error),
        (BadRows::Skip, Duplicates::Error),
        (BadRows::Skip, Duplicates::Merge),
    ] {
        let opts = ReadOptions {
            bad_rows,
            duplicates,
            ..ReadOptions::default()
        };
        if let Ok(frame) = read_from(data, "fuzz.csv", &opts) {
            let r = &frame.report;
            assert_eq!(r.rows_read, frame.len() as u64 + r.skipped.len() as u64 + r.merged);
            assert_eq!(frame.lines.len(), frame.len());
            for k in 0..4 {
                assert_eq!(frame.dates[k].len(), frame.len());
            }
        }
    }
});

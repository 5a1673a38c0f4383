//! Every input a fuzz target crashed on, run again: no panic, and every row accounted for.

use flo_rfm::core::frame::{BadRows, Duplicates};
use flo_rfm::core::io::read::engine::CsvOptions;
use flo_rfm::core::io::schema::customers::{read_from, ReadOptions};
use flo_rfm::core::io::schema::orders::{self, OrderOptions};
use flo_rfm::core::translog::LogColumns;

#[test]
fn reader_crashes_found_by_fuzzing_stay_fixed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if !path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("reader-")
        {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        for bad_rows in [BadRows::Raise, BadRows::Skip] {
            let opts = ReadOptions {
                bad_rows,
                duplicates: Duplicates::Error,
                ..ReadOptions::default()
            };
            if let Ok(f) = read_from(&data[..], "fuzz.csv", &opts) {
                let r = &f.report;
                assert_eq!(
                    r.rows_read,
                    f.len() as u64 + r.skipped.len() as u64 + r.merged
                );
            }
        }
        seen += 1;
    }
    assert!(seen > 0, "no regression inputs found");
}

#[test]
fn order_log_inputs_found_by_fuzzing_stay_fixed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if !path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("orders-")
        {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        for bad_rows in [BadRows::Raise, BadRows::Skip] {
            let opts = OrderOptions {
                columns: LogColumns {
                    customer: "id".into(),
                    datetime: "date".into(),
                    amount: Some("amount".into()),
                    channel: Some("channel".into()),
                    order: Some("order".into()),
                },
                online: vec![],
                offline: vec![],
                bad_rows,
                csv: CsvOptions::default(),
            };
            if let Ok(log) = orders::read_from(&data[..], "fuzz.csv", &opts) {
                let r = &log.report;
                assert_eq!(r.rows_read, log.time.len() as u64 + r.skipped.len() as u64);
            }
        }
        seen += 1;
    }
    assert!(seen > 0, "no order-log regression inputs found");
}

//! Every input a fuzz target crashed on (or flagged), run again: no panic, and every row
//! accounted for.

use flo_rfm::core::io::read::engine::CsvOptions;
use flo_rfm::core::io::schema::customers::{read_from, ReadOptions};
use flo_rfm::core::io::schema::orders::{self, OrderOptions};
use flo_rfm::core::table::customers::{BadRows, Duplicates};
use flo_rfm::core::table::orders::OrderColumns;

/// The saved inputs whose names start with `target-`.
fn inputs(target: &str) -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let prefix = format!("{target}-");
    let found: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&prefix)
        })
        .map(|path| std::fs::read(path).unwrap())
        .collect();
    assert!(!found.is_empty(), "no {target} regression inputs found");
    found
}

#[test]
fn reader_crashes_found_by_fuzzing_stay_fixed() {
    for data in inputs("reader") {
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
    }
}

#[test]
fn order_log_inputs_found_by_fuzzing_stay_fixed() {
    for data in inputs("orders") {
        for bad_rows in [BadRows::Raise, BadRows::Skip] {
            let opts = OrderOptions {
                columns: OrderColumns {
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
    }
}

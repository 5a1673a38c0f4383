use super::*;
use crate::core::io::read::engine::CsvOptions;
use crate::core::io::schema::customers::{self, ReadOptions};
use crate::core::io::schema::orders::{self, OrderOptions};
use crate::core::synth::{sample_bytes, write_order_log};
use crate::core::table::customers::{BadRows, Duplicates};
use crate::core::table::orders::OrderColumns;

/// A sample with an extra column, a repeated id merged and a bad row skipped.
fn frame() -> CustomerFrame {
    let text = String::from_utf8(sample_bytes(300, 7)).unwrap();
    let mut lines: Vec<String> = text.lines().map(|l| format!("{l},x{}", l.len())).collect();
    lines[0] = text.lines().next().unwrap().to_string() + ",note";
    lines.push(lines[5].clone());
    lines.push(lines[6].replacen(",", ",,", 1));
    let opts = ReadOptions {
        bad_rows: BadRows::Skip,
        duplicates: Duplicates::Merge,
        ..ReadOptions::default()
    };
    customers::read_from((lines.join("\n") + "\n").as_bytes(), "s.csv", &opts).unwrap()
}

fn log() -> OrderLog {
    let mut text = Vec::new();
    write_order_log(&mut text, 2_000, 3).unwrap();
    let opts = OrderOptions {
        columns: OrderColumns {
            customer: "customer_id".into(),
            datetime: "date".into(),
            amount: Some("amount".into()),
            channel: Some("channel".into()),
            order: None,
        },
        online: vec!["Mobile".into()],
        offline: vec!["Offline".into()],
        bad_rows: BadRows::Raise,
        csv: CsvOptions::default(),
    };
    orders::read_from(&text[..], "log.csv", &opts).unwrap()
}

#[test]
fn a_customer_table_crosses_whole() {
    let f = frame();
    assert!(f.report.merged == 1 && f.report.skipped.len() == 1 && f.extra.len() == 1);
    let bytes = f.to_bytes();
    let back = CustomerFrame::from_bytes(&bytes).unwrap();
    assert_eq!(back.to_bytes(), bytes);
    assert_eq!(back.master_id, f.master_id);
    assert_eq!(back.order_channel, f.order_channel);
    assert_eq!(back.categories, f.categories);
    assert_eq!(back.money[1], f.money[1]);
}

#[test]
fn an_order_log_crosses_whole() {
    let l = log();
    let bytes = l.to_bytes();
    let back = OrderLog::from_bytes(&bytes).unwrap();
    assert_eq!(back.to_bytes(), bytes);
    assert_eq!(back.ids, l.ids);
    assert_eq!(back.time, l.time);
    assert_eq!(back.channel, l.channel);
}

#[test]
fn cut_or_altered_bytes_are_an_error_not_a_panic() {
    let bytes = frame().to_bytes();
    for n in (0..bytes.len()).step_by(97) {
        assert!(
            CustomerFrame::from_bytes(&bytes[..n]).is_err(),
            "cut at {n}"
        );
    }
    for at in (8..bytes.len()).step_by(89) {
        let mut b = bytes.clone();
        b[at] ^= 0xA5;
        let _ = CustomerFrame::from_bytes(&b);
    }
    assert!(OrderLog::from_bytes(&bytes).is_err());
    let log = log().to_bytes();
    for n in (0..log.len()).step_by(101) {
        assert!(OrderLog::from_bytes(&log[..n]).is_err(), "cut at {n}");
    }
}

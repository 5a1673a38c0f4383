//! Order logs: read as their CSV (timestamps, dates, text), bad lines and missing columns as
//! in the CSV.

use std::path::Path;
use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::TimestampSecondArray;
use arrow_array::{ArrayRef, Date32Array, DictionaryArray, Float64Array, Int64Array};
use parquet::basic::Compression;

use super::{bits, csv_columns, temp, text, write_with};
use crate::core::error::Result;
use crate::core::io::parse::parse_date;
use crate::core::io::read::engine::CsvOptions;
use crate::core::io::read::parquet::orders::read_orders_in;
use crate::core::io::schema::orders::{self, OrderOptions};
use crate::core::io::write::push_date;
use crate::core::table::customers::BadRows;
use crate::core::table::orders::{OrderColumns, OrderLog};

fn read_orders(
    path: &Path,
    columns: &OrderColumns,
    online: &[String],
    offline: &[String],
    bad_rows: BadRows,
) -> Result<OrderLog> {
    read_orders_in(path, columns, online, offline, bad_rows, None)
}

/// The same log read from CSV bytes, by the CSV engine.
fn read_log_bytes(
    bytes: &[u8],
    source: &str,
    columns: &OrderColumns,
    delimiter: Option<u8>,
    online: &[String],
    offline: &[String],
    bad_rows: BadRows,
) -> Result<OrderLog> {
    let opts = OrderOptions {
        columns: columns.clone(),
        online: online.to_vec(),
        offline: offline.to_vec(),
        bad_rows,
        csv: CsvOptions {
            delimiter,
            ..CsvOptions::default()
        },
    };
    orders::read_from(bytes, source, &opts)
}

fn log_columns(order: bool) -> OrderColumns {
    OrderColumns {
        customer: "customer_id".into(),
        datetime: "date".into(),
        amount: Some("amount".into()),
        channel: Some("channel".into()),
        order: order.then(|| "order".into()),
    }
}

fn assert_same_log(a: &OrderLog, b: &OrderLog) {
    assert_eq!(a.source, b.source);
    assert_eq!(a.ids, b.ids);
    assert_eq!(a.customer, b.customer);
    assert_eq!(a.time, b.time);
    assert_eq!(bits(&a.amount), bits(&b.amount));
    assert_eq!(a.side, b.side);
    assert_eq!(a.channel.codes, b.channel.codes);
    assert_eq!(a.channel.levels, b.channel.levels);
    assert_eq!(a.order, b.order);
    assert_eq!(a.lines, b.lines);
    assert_eq!(a.report, b.report);
    assert_eq!(a.has_amount, b.has_amount);
}

#[test]
fn logs_read_as_their_csv() {
    let mut bytes = Vec::new();
    crate::core::synth::write_order_log(&mut bytes, 30_000, 9).unwrap();
    let (_, cols) = csv_columns(&bytes);
    let refs = |k: usize| cols[k].iter().map(|v| v.as_deref()).collect::<Vec<_>>();
    let n = cols[0].len();
    // Times of day, so the seconds count; an order id shared by neighbouring lines.
    let seconds: Vec<i64> = refs(1)
        .iter()
        .enumerate()
        .map(|(i, d)| parse_date(d.unwrap()).unwrap() as i64 * 86_400 + (i as i64 * 7_919) % 86_400)
        .collect();
    let orders: Vec<i64> = (0..n as i64).map(|i| i / 2).collect();
    let mut csv = String::from("customer_id,date,amount,channel,order\n");
    let fields = |k: usize, i: usize| cols[k][i].clone().unwrap_or_default();
    for i in 0..n {
        let (s, t) = (seconds[i].div_euclid(86_400), seconds[i].rem_euclid(86_400));
        let mut day = Vec::new();
        push_date(s as i32, &mut day);
        csv.push_str(&format!(
            "{},{} {:02}:{:02}:{:02},{},{},{}\n",
            fields(0, i),
            String::from_utf8(day).unwrap(),
            t / 3600,
            t / 60 % 60,
            t % 60,
            fields(2, i),
            fields(3, i),
            orders[i]
        ));
    }
    let channel: DictionaryArray<Int32Type> = refs(3).into_iter().collect();
    let amounts: Vec<Option<f64>> = refs(2)
        .iter()
        .map(|v| v.map(|s| s.parse().unwrap()))
        .collect();
    let path = temp("log.parquet");
    write_with(
        &path,
        vec![
            ("customer_id", text(&refs(0))),
            (
                "date",
                Arc::new(TimestampSecondArray::from(seconds.clone())),
            ),
            ("amount", Arc::new(Float64Array::from(amounts))),
            ("channel", Arc::new(channel)),
            ("order", Arc::new(Int64Array::from(orders))),
        ],
        7_000,
        Compression::SNAPPY,
    );
    let source = path.display().to_string();
    let online = vec!["Mobile".to_string(), "Android App".to_string()];
    let offline = vec!["Offline".to_string()];
    for order in [false, true] {
        let cols = log_columns(order);
        let want = read_log_bytes(
            csv.as_bytes(),
            &source,
            &cols,
            None,
            &online,
            &offline,
            BadRows::Raise,
        )
        .unwrap();
        for unit in [None, Some(1_000), Some(4_321)] {
            let got =
                read_orders_in(&path, &cols, &online, &offline, BadRows::Raise, unit).unwrap();
            assert_same_log(&got, &want);
        }
        assert_eq!(want.report.rows_read, n as u64);
    }
    // Dates alone, as Date32 and as text.
    let mut day_csv = String::from("customer_id,date,amount,channel\n");
    for i in 0..n {
        day_csv.push_str(&format!(
            "{},{},{},{}\n",
            fields(0, i),
            fields(1, i),
            fields(2, i),
            fields(3, i)
        ));
    }
    let want = read_log_bytes(
        day_csv.as_bytes(),
        &source,
        &log_columns(false),
        None,
        &online,
        &offline,
        BadRows::Raise,
    )
    .unwrap();
    let days: Date32Array = refs(1)
        .iter()
        .map(|v| v.map(|s| parse_date(s).unwrap()))
        .collect();
    for date in [Arc::new(days) as ArrayRef, text(&refs(1))] {
        write_with(
            &path,
            vec![
                ("channel", text(&refs(3))),
                ("customer_id", text(&refs(0))),
                ("date", date),
                ("amount", text(&refs(2))),
            ],
            10_000,
            Compression::SNAPPY,
        );
        let got = read_orders(
            &path,
            &log_columns(false),
            &online,
            &offline,
            BadRows::Raise,
        )
        .unwrap();
        assert_same_log(&got, &want);
    }
}

#[test]
fn log_bad_lines_and_missing_columns_as_in_the_csv() {
    let csv = "customer_id,date,amount,channel\nc1,2021-01-01,10.5,Web\n,2021-01-02,1,Web\nc2,,2,Web\nc1,2021-01-03,,Web\nc3,2021-01-04,3,\nc4,10000-01-01,1,Web\nc5,2021-01-05,inf,Web\n";
    let (_, cols) = csv_columns(csv.as_bytes());
    let refs = |k: usize| cols[k].iter().map(|v| v.as_deref()).collect::<Vec<_>>();
    // 10000-01-01 is day 2_932_897, one past the last four-digit year.
    let days: Date32Array = refs(1)
        .iter()
        .map(|v| v.map(|s| parse_date(s).unwrap_or(2_932_897)))
        .collect();
    let amounts: Float64Array = refs(2)
        .iter()
        .map(|v| v.map(|s| s.parse::<f64>().unwrap()))
        .collect();
    let path = temp("badlog.parquet");
    write_with(
        &path,
        vec![
            ("customer_id", text(&refs(0))),
            ("date", Arc::new(days)),
            ("amount", Arc::new(amounts)),
            ("channel", text(&refs(3))),
        ],
        2,
        Compression::SNAPPY,
    );
    let source = path.display().to_string();
    let cols = log_columns(false);
    for bad_rows in [BadRows::Raise, BadRows::Skip] {
        let want = read_log_bytes(csv.as_bytes(), &source, &cols, None, &[], &[], bad_rows);
        let got = read_orders(&path, &cols, &[], &[], bad_rows);
        match (got, want) {
            (Ok(g), Ok(w)) => {
                assert_same_log(&g, &w);
                assert_eq!(g.report.skipped.len(), 5);
            }
            (Err(g), Err(w)) => assert_eq!(g.to_string(), w.to_string()),
            (g, w) => panic!("{:?} vs {:?}", g.map(|t| t.lines), w.map(|t| t.lines)),
        }
    }
    let e = read_orders(&path, &log_columns(true), &[], &[], BadRows::Raise).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("{source}: missing required column(s): order")
    );
}

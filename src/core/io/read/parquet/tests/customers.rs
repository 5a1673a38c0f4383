//! The customer file: read as its CSV whatever the column types, nulls as the CSV's missing
//! values, missing columns and bad types named, bad values and duplicated ids as in the CSV.

use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{Array, BooleanArray};

use super::{assert_same, csv_frame, temp, text, typed, write_typed, CountAs, DateAs, ROWS};
use crate::core::error::FloError;
use crate::core::io::read::parquet::read_customers;
use crate::core::io::schema::customers::ReadOptions;
use crate::core::table::customers::{BadRows, Duplicates};

#[test]
fn sample_reads_as_its_csv_whatever_the_types() {
    let bytes = crate::core::synth::sample_bytes(20_000, 11);
    for (n, (dates, counts)) in [
        (DateAs::Date32, CountAs::Int64),
        (DateAs::Date32, CountAs::Float64),
        (DateAs::Text, CountAs::Int64),
        (DateAs::Text, CountAs::Float64),
        (DateAs::Stamp, CountAs::Float64),
    ]
    .into_iter()
    .enumerate()
    {
        let path = temp(&format!("sample_{n}.parquet"));
        write_typed(&path, &typed(&bytes, dates, counts), 1 << 20);
        let opts = ReadOptions::default();
        let want = csv_frame(&bytes, &path, &opts).unwrap();
        let got = read_customers(&path, &opts).unwrap();
        assert_eq!(got.len(), 20_000);
        assert_same(&got, &want);
    }
}

#[test]
fn nulls_are_the_csv_missing_values() {
    let path = temp("nulls.parquet");
    let columns = typed(ROWS.as_bytes(), DateAs::Date32, CountAs::Float64);
    assert_eq!(columns[3].1.null_count(), 1);
    write_typed(&path, &columns, 2);
    let opts = ReadOptions::default();
    let want = csv_frame(ROWS.as_bytes(), &path, &opts).unwrap();
    let got = read_customers(&path, &opts).unwrap();
    assert_same(&got, &want);
    let m = got.missing_values();
    assert_eq!(m.customers, 2);
    assert_eq!(m.lines[0], ("first_order_date", vec![3]));
    assert_eq!(m.lines[1], ("last_order_date", vec![4]));
    assert_eq!(got.order_channel.get(1), None);
    assert_eq!(got.categories.raw(2), "");
    // A null id is an empty id, as the CSV's empty field is.
    let mut cols = columns.clone();
    cols[0].1 = text(&[Some("a"), None, Some("c"), Some("d")]);
    write_typed(&path, &cols, 2);
    let e = read_customers(&path, &opts).unwrap_err().to_string();
    assert_eq!(
        e,
        format!(
            "{}:3: column master_id: \"\" is an empty id",
            path.display()
        )
    );
}

#[test]
fn missing_columns_named_together_and_bad_types_named() {
    let path = temp("missing.parquet");
    let mut columns = typed(ROWS.as_bytes(), DateAs::Date32, CountAs::Int64);
    columns.retain(|(n, _)| n != "master_id" && n != "interested_in_categories_12");
    write_typed(&path, &columns, 10);
    let e = read_customers(&path, &ReadOptions::default()).unwrap_err();
    assert!(matches!(e, FloError::MissingColumns { .. }));
    assert_eq!(
        e.to_string(),
        format!(
            "{}: missing required column(s): master_id, interested_in_categories_12",
            path.display()
        )
    );
    // A list of numbers for a date.
    let mut columns = typed(ROWS.as_bytes(), DateAs::Date32, CountAs::Int64);
    let mut b = ListBuilder::new(StringBuilder::new());
    for _ in 0..4 {
        b.values().append_value("2021-01-01");
        b.append(true);
    }
    columns[4].1 = Arc::new(b.finish());
    write_typed(&path, &columns, 10);
    let e = read_customers(&path, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with(&format!(
            "{}:1: column \"last_order_date\" has Arrow type List(",
            path.display()
        )),
        "{e}"
    );
    assert!(e.ends_with("which cannot be read as dates"), "{e}");
    // Booleans for a count.
    let mut columns = typed(ROWS.as_bytes(), DateAs::Date32, CountAs::Int64);
    columns[7].1 = Arc::new(BooleanArray::from(vec![true; 4]));
    write_typed(&path, &columns, 10);
    let e = read_customers(&path, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("column \"order_num_total_ever_online\" has Arrow type Boolean, which cannot be read as numbers"), "{e}");
}

#[test]
fn bad_values_raise_or_skip_as_in_the_csv() {
    let bad = ROWS
        .replace(
            "d,Mobile,Offline,2020-10-30,2021-02-26,2021-02-21,2021-02-26,2.0",
            "d,Mobile,Offline,2020-10-30,2021-02-26,2021-02-21,2021-02-26,-2.0",
        )
        .replace(
            "c,Mobile,,2020-10-30,,2021-02-21,,4.0",
            "c,Mobile,,2020-10-30,,2021-02-21,,4.5",
        );
    let path = temp("bad.parquet");
    for counts in [CountAs::Float64, CountAs::Int64] {
        let columns = match counts {
            CountAs::Float64 => typed(bad.as_bytes(), DateAs::Date32, counts),
            // Whole counts only: the negative one stays.
            CountAs::Int64 => typed(
                bad.replace(",4.5,", ",4.0,").as_bytes(),
                DateAs::Date32,
                counts,
            ),
        };
        let csv = match counts {
            CountAs::Float64 => bad.clone(),
            CountAs::Int64 => bad.replace(",4.5,", ",4.0,"),
        };
        write_typed(&path, &columns, 3);
        for bad_rows in [BadRows::Raise, BadRows::Skip] {
            let opts = ReadOptions {
                bad_rows,
                ..Default::default()
            };
            let want = csv_frame(csv.as_bytes(), &path, &opts);
            let got = read_customers(&path, &opts);
            match (got, want) {
                (Ok(g), Ok(w)) => assert_same(&g, &w),
                (Err(g), Err(w)) => assert_eq!(g.to_string(), w.to_string()),
                (g, w) => panic!("{:?} vs {:?}", g.map(|f| f.len()), w.map(|f| f.len())),
            }
        }
    }
    // The messages themselves.
    let columns = typed(bad.as_bytes(), DateAs::Date32, CountAs::Float64);
    write_typed(&path, &columns, 3);
    let e = read_customers(&path, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        format!("{}:4: column order_num_total_ever_online: cannot parse \"4.5\" as a whole-number count", path.display())
    );
    let skip = ReadOptions {
        bad_rows: BadRows::Skip,
        ..Default::default()
    };
    let f = read_customers(&path, &skip).unwrap();
    assert_eq!(f.report.rows_read, 4);
    assert_eq!(f.report.skipped.len(), 2);
    assert_eq!(f.report.skipped[1].line, 5);
    assert!(f.report.skipped[1]
        .message
        .ends_with("\"-2\" is a negative count"));
    assert_eq!(f.lines, vec![2, 3]);
    assert_eq!(f.positions, vec![0, 1]);
}

#[test]
fn duplicated_ids_as_in_the_csv() {
    let dup = ROWS.replace("\nd,", "\na,");
    let path = temp("dup.parquet");
    write_typed(
        &path,
        &typed(dup.as_bytes(), DateAs::Text, CountAs::Int64),
        2,
    );
    for (bad_rows, duplicates) in [
        (BadRows::Raise, Duplicates::Error),
        (BadRows::Skip, Duplicates::Error),
        (BadRows::Raise, Duplicates::Merge),
    ] {
        let opts = ReadOptions {
            bad_rows,
            duplicates,
            ..Default::default()
        };
        let want = csv_frame(dup.as_bytes(), &path, &opts);
        let got = read_customers(&path, &opts);
        match (got, want) {
            (Ok(g), Ok(w)) => assert_same(&g, &w),
            (Err(g), Err(w)) => {
                assert_eq!(g.to_string(), w.to_string());
                assert!(g
                    .to_string()
                    .contains("is a duplicated id (first seen on line 2)"));
            }
            (g, w) => panic!("{:?} vs {:?}", g.map(|f| f.len()), w.map(|f| f.len())),
        }
    }
}

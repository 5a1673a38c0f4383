//! Values of other Arrow types read as the text pandas prints for them: dictionaries, lists,
//! zoned timestamps, floats as numpy prints them, integer columns holding a null.

use std::fs::File;
use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BooleanArray, DictionaryArray, Float32Array, Float64Array, Int64Array, RecordBatch,
    TimestampMillisecondArray, TimestampSecondArray,
};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};

use super::{assert_same, csv_frame, temp, typed, write_with, CountAs, DateAs, ROWS};
use crate::core::io::parse::parse_date;
use crate::core::io::read::parquet::print::{push_numpy_float, shortest_f16, shortest_f32, F16};
use crate::core::io::read::parquet::read_customers;
use crate::core::io::schema::customers::ReadOptions;

#[test]
fn other_types_read_as_pandas_prints_them() {
    // Dictionary text, float32 money, zoned timestamps, extra columns of many types. The
    // extra columns' text is what pandas 3.1 / pyarrow 26 print for the same Arrow table
    // (`pd.read_parquet(p).to_csv(index=False)`); an int column with a null is float64 there.
    let path = temp("types.parquet");
    let mut columns = typed(ROWS.as_bytes(), DateAs::Date32, CountAs::Int64);
    let channels: DictionaryArray<Int32Type> =
        vec![Some("Mobile"), None, Some("Mobile"), Some("Mobile")]
            .into_iter()
            .collect();
    columns[1].1 = Arc::new(channels);
    columns[9].1 = Arc::new(Float32Array::from(vec![
        Some(139.99f32),
        None,
        Some(139.99),
        Some(10.5),
    ]));
    // 2021-02-25 22:30 UTC is 2021-02-26 01:30 in Istanbul: pandas prints the local time.
    let utc = 1_614_292_200i64;
    assert_eq!(
        utc.div_euclid(86_400),
        parse_date("2021-02-25").unwrap() as i64
    );
    let stamps = TimestampSecondArray::from(vec![Some(utc), Some(utc), None, Some(utc)])
        .with_timezone("Europe/Istanbul");
    columns[4].1 = Arc::new(stamps);
    let fixed = TimestampSecondArray::from(vec![Some(utc), Some(utc), None, Some(utc)])
        .with_timezone("+03:00");
    columns[6].1 = Arc::new(fixed);
    let mut cats = ListBuilder::new(StringBuilder::new());
    for list in [&["KADIN", "ERKEK"][..], &[], &[], &["KADIN"]] {
        for t in list {
            cats.values().append_value(t);
        }
        cats.append(true);
    }
    columns[11].1 = Arc::new(cats.finish());
    let extras: Vec<(&str, ArrayRef)> = vec![
        (
            "n",
            Arc::new(Int64Array::from(vec![Some(1), None, Some(-3), Some(40)])),
        ),
        (
            "x",
            Arc::new(Float64Array::from(vec![
                Some(2.5),
                None,
                Some(1e-5),
                Some(f64::NAN),
            ])),
        ),
        (
            "flag",
            Arc::new(BooleanArray::from(vec![
                Some(true),
                Some(false),
                None,
                Some(true),
            ])),
        ),
        (
            "day",
            Arc::new(TimestampSecondArray::from(vec![
                Some(0),
                Some(86_400),
                None,
                Some(172_800),
            ])),
        ),
        (
            "at",
            Arc::new(TimestampMillisecondArray::from(vec![
                Some(1_500),
                Some(86_400_000),
                None,
                Some(0),
            ])),
        ),
        (
            "zoned",
            Arc::new(
                TimestampSecondArray::from(vec![Some(utc), None, Some(utc + 1), Some(0)])
                    .with_timezone("Europe/Istanbul"),
            ),
        ),
        (
            "x",
            Arc::new(Float32Array::from(vec![
                Some(0.1f32),
                Some(1e20),
                None,
                Some(3.0),
            ])),
        ),
        (
            "__index_level_0__",
            Arc::new(Int64Array::from(vec![7, 8, 9, 10])),
        ),
    ];
    let mut cols: Vec<(&str, ArrayRef)> = columns
        .iter()
        .map(|(n, a)| (n.as_str(), a.clone()))
        .collect();
    cols.extend(extras);
    write_with(&path, cols, 3, Compression::SNAPPY);
    let csv = format!(
        "{},n,x,flag,day,at,zoned,x
a,Mobile,Offline,2020-10-30,2021-02-26,2021-02-21,2021-02-26,4,1,139.99,799.38,\"[KADIN, ERKEK]\",1.0,2.5,True,1970-01-01,1970-01-01 00:00:01.500,2021-02-26 01:30:00+03:00,0.1
b,,Offline,,2021-02-26,,2021-02-26,,1,,799.38,[],,,False,1970-01-02,1970-01-02 00:00:00.000,,1e+20
c,Mobile,,2020-10-30,,2021-02-21,,4,,139.99,,[],-3.0,1e-05,,,,2021-02-26 01:30:01+03:00,
d,Mobile,Offline,2020-10-30,2021-02-26,2021-02-21,2021-02-26,2,1,10.5,20.25,[KADIN],40.0,,True,1970-01-03,1970-01-01 00:00:00.000,1970-01-01 02:00:00+02:00,3.0
",
        ROWS.lines().next().unwrap()
    );
    let opts = ReadOptions::default();
    let want = csv_frame(csv.as_bytes(), &path, &opts).unwrap();
    let got = read_customers(&path, &opts).unwrap();
    assert_same(&got, &want);
    assert_eq!(
        got.extra_names,
        vec!["n", "x", "flag", "day", "at", "zoned", "x.1"]
    );
    assert_eq!(got.money[0][0], 139.99);
    assert_eq!(got.dates[1][0], parse_date("2021-02-26").unwrap());
}

#[test]
fn small_floats_print_as_numpy_prints_them() {
    // numpy 2 / pandas 3.1's `str` of each value.
    let f32s: [(f32, &str); 10] = [
        (123_456_789.0, "1.2345679e+08"),
        (1e8, "1e+08"),
        (12_345_678.0, "1.2345678e+07"),
        (999_999.0, "999999.0"),
        (1e6, "1e+06"),
        (123_456.7, "123456.7"),
        (1e-4, "1e-04"),
        (1.0001e-4, "0.00010001"),
        (1e-5, "1e-05"),
        (139.99, "139.99"),
    ];
    for (v, want) in f32s {
        let mut out = Vec::new();
        push_numpy_float(v as f64, shortest_f32(v), 1e6, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), want, "{v}");
    }
    let f16s: [(f32, &str); 8] = [
        (999.0, "999.0"),
        (1000.0, "1e+03"),
        (2048.0, "2.048e+03"),
        (65504.0, "6.55e+04"),
        (1e-4, "0.0001"),
        (0.1, "0.1"),
        (2.7, "2.7"),
        (999.9, "1e+03"),
    ];
    for (v, want) in f16s {
        let h = F16::from_f32(v);
        let mut out = Vec::new();
        push_numpy_float(h.to_f64(), shortest_f16(h), 1e3, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), want, "{v}");
    }
}

#[test]
fn integer_columns_print_as_floats_when_they_hold_a_null() {
    let mut columns = typed(ROWS.as_bytes(), DateAs::Date32, CountAs::Int64);
    columns[0].1 = Arc::new(Int64Array::from(vec![11, 12, 13, 14]));
    columns.push((
        "k".into(),
        Arc::new(Int64Array::from(vec![Some(5), Some(6), Some(7), None])),
    ));
    columns.push(("m".into(), Arc::new(Int64Array::from(vec![5, 6, 7, 8]))));
    let path = temp("ints.parquet");
    for stats in [EnabledStatistics::Page, EnabledStatistics::None] {
        // Two row groups: the null is in the second, the first prints as floats all the same.
        let batch = RecordBatch::try_from_iter(columns.clone()).unwrap();
        let props = WriterProperties::builder()
            .set_max_row_group_size(2)
            .set_statistics_enabled(stats)
            .build();
        let mut w = ArrowWriter::try_new(File::create(&path).unwrap(), batch.schema(), Some(props))
            .unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        let f = read_customers(&path, &ReadOptions::default()).unwrap();
        assert_eq!(
            f.master_id.iter().collect::<Vec<_>>(),
            ["11", "12", "13", "14"]
        );
        assert_eq!(
            f.extra[0].iter().collect::<Vec<_>>(),
            ["5.0", "6.0", "7.0", ""]
        );
        assert_eq!(f.extra[1].iter().collect::<Vec<_>>(), ["5", "6", "7", "8"]);
    }
}

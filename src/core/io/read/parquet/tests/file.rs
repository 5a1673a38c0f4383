//! The file itself: its magic bytes, row groups and ranges of rows read in file order,
//! compression codecs, a cancelled read, and files that cannot be read.

use std::sync::Arc;

use parquet::basic::{Compression, GzipLevel, ZstdLevel};

use super::{assert_same, csv_frame, temp, typed, write_typed, write_with, CountAs, DateAs};
use crate::core::error::FloError;
use crate::core::io::read::parquet::{
    customers::read_customers_in, is_parquet, read_customers, ParquetFile,
};
use crate::core::io::schema::customers::ReadOptions;

#[test]
fn magic_bytes() {
    assert!(is_parquet(b"PAR1\x15\x04"));
    assert!(!is_parquet(b"master_id,"));
    assert!(!is_parquet(b"PAR"));
}

#[test]
fn row_groups_and_ranges_keep_file_order() {
    let bytes = crate::core::synth::sample_bytes(10_000, 5);
    let path = temp("groups.parquet");
    write_typed(&path, &typed(&bytes, DateAs::Date32, CountAs::Int64), 3_000);
    let opts = ReadOptions::default();
    let want = csv_frame(&bytes, &path, &opts).unwrap();
    // Units of 777 rows: ranges that start and end inside the row groups.
    for unit in [None, Some(777), Some(3_000), Some(1)] {
        let got = read_customers_in(&path, &opts, unit).unwrap();
        assert_same(&got, &want);
        assert_eq!(got.positions, (0..10_000).collect::<Vec<u64>>());
        assert_eq!(got.lines, (2..10_002).collect::<Vec<u64>>());
    }
    let meta = ParquetFile::open(&path).unwrap();
    assert_eq!(meta.meta.metadata().num_row_groups(), 4);
}

#[test]
fn a_cancelled_read_stops() {
    let bytes = crate::core::synth::sample_bytes(1_000, 4);
    let path = temp("cancel.parquet");
    write_typed(
        &path,
        &typed(&bytes, DateAs::Date32, CountAs::Int64),
        1 << 20,
    );
    let watch = Arc::new(crate::core::watch::Watch::default());
    watch.cancel();
    let opts = ReadOptions {
        progress: Some(watch),
        ..Default::default()
    };
    let e = read_customers(&path, &opts).unwrap_err();
    assert!(matches!(e, FloError::Cancelled { .. }), "{e}");
}

#[test]
fn compressed_files_read() {
    let bytes = crate::core::synth::sample_bytes(2_000, 2);
    let columns = typed(&bytes, DateAs::Date32, CountAs::Int64);
    let opts = ReadOptions::default();
    for (n, c) in [
        Compression::UNCOMPRESSED,
        Compression::GZIP(GzipLevel::default()),
        Compression::ZSTD(ZstdLevel::default()),
    ]
    .into_iter()
    .enumerate()
    {
        let path = temp(&format!("codec_{n}.parquet"));
        let cols = columns
            .iter()
            .map(|(n, a)| (n.as_str(), a.clone()))
            .collect();
        write_with(&path, cols, 700, c);
        let want = csv_frame(&bytes, &path, &opts).unwrap();
        assert_same(&read_customers(&path, &opts).unwrap(), &want);
    }
}

#[test]
fn unreadable_files_say_so() {
    let bytes = crate::core::synth::sample_bytes(2_000, 3);
    let path = temp("whole.parquet");
    write_typed(&path, &typed(&bytes, DateAs::Date32, CountAs::Int64), 500);
    let whole = std::fs::read(&path).unwrap();
    let opts = ReadOptions::default();
    for (n, broken) in [
        whole[..whole.len() / 2].to_vec(),
        b"PAR1 not really".to_vec(),
        // The footer kept, the data pages overwritten.
        {
            let mut b = whole.clone();
            for x in &mut b[4..whole.len() / 2] {
                *x = 0x55;
            }
            b
        },
    ]
    .into_iter()
    .enumerate()
    {
        let bad = temp(&format!("broken_{n}.parquet"));
        std::fs::write(&bad, broken).unwrap();
        let e = read_customers(&bad, &opts).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!(
                "{}:0: is not a readable Parquet file",
                bad.display()
            )),
            "{e}"
        );
    }
    let gone = temp("no_such_file.parquet");
    let e = read_customers(&gone, &opts).unwrap_err();
    let csv = crate::core::io::schema::customers::read_path(&gone, &opts).unwrap_err();
    assert_eq!(e.to_string(), csv.to_string());
    let folder = std::env::temp_dir();
    let e = read_customers(&folder, &opts).unwrap_err();
    let csv = crate::core::io::schema::customers::read_path(&folder, &opts).unwrap_err();
    assert_eq!(e.to_string(), csv.to_string());
}

//! Tables as Parquet (Snappy, a row group per million rows), through the same atomic file as CSV:
//! readable by pandas, Polars, DuckDB and Spark.

use std::path::Path;
use std::sync::Arc;

use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::core::error::Result;
use crate::core::io::write::atomic::write_atomically;
use crate::core::io::write::csv::Table;

const ROWS_PER_GROUP: usize = 1 << 20;

fn io(e: impl std::error::Error + Send + Sync + 'static) -> std::io::Error {
    std::io::Error::other(e)
}

/// Writes `table` to `path` as Parquet, atomically, refusing to replace any of `inputs`. Rows
/// are converted a row group at a time, so memory stays at one group whatever the table's size.
pub fn write_parquet(path: &Path, inputs: &[&Path], table: &Table<'_>) -> Result<()> {
    write_atomically(path, inputs, |w| {
        let first = table
            .arrow_rows(0..table.rows().min(ROWS_PER_GROUP))
            .map_err(io)?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_size(ROWS_PER_GROUP)
            .build();
        let mut writer =
            ArrowWriter::try_new(w, Arc::clone(&first.schema()), Some(props)).map_err(io)?;
        writer.write(&first).map_err(io)?;
        let mut start = first.num_rows();
        while start < table.rows() {
            let end = (start + ROWS_PER_GROUP).min(table.rows());
            writer
                .write(&table.arrow_rows(start..end).map_err(io)?)
                .map_err(io)?;
            start = end;
        }
        writer.close().map_err(io)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::io::write::Column;
    use crate::core::table::columns::StrColumn;
    use parquet::file::reader::{FileReader, SerializedFileReader};

    #[test]
    fn writes_a_readable_file() {
        let mut ids = StrColumn::default();
        for i in 0..1000 {
            ids.push(&format!("id{i}"));
        }
        let v: Vec<f64> = (0..1000).map(|i| i as f64 / 3.0).collect();
        let t = Table::new(vec![
            ("master_id".into(), Column::text(&ids)),
            ("v".into(), Column::Float(&v)),
        ]);
        let dir = std::env::temp_dir().join(format!("flo_rfm_parquet_{}", std::process::id()));
        let path = dir.join("t.parquet");
        write_parquet(&path, &[], &t).unwrap();
        let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
        assert_eq!(reader.metadata().file_metadata().num_rows(), 1000);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

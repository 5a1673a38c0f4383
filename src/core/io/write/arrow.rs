//! Tables as Arrow record batches: what crosses to Python (the C stream interface) and what the
//! Parquet writer stores. Cells keep their raw values (no formula neutralisation: that is a
//! spreadsheet concern of CSV); missing values are Arrow nulls.

use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;

use arrow_array::builder::LargeStringBuilder;
use arrow_array::types::Int32Type;
use arrow_array::Array;
use arrow_array::{
    ArrayRef, Date32Array, DictionaryArray, Float64Array, Int32Array, Int64Array, RecordBatch,
    StringArray,
};
use arrow_schema::{ArrowError, Field, Schema};

use crate::core::io::write::csv::{Column, Table};
use crate::core::table::customers::NULL_DATE;

fn floats(values: impl Iterator<Item = f64>) -> ArrayRef {
    Arc::new(Float64Array::from_iter(
        values.map(|v| (!v.is_nan()).then_some(v)),
    ))
}

impl Column<'_> {
    /// Rows `range` of the column as an Arrow array, and the field that describes it.
    pub fn to_arrow(&self, name: &str, range: Range<usize>) -> (Field, ArrayRef) {
        let array: ArrayRef = match self {
            Column::Text { values, rows } => {
                let n = range.len();
                let mut b = LargeStringBuilder::with_capacity(n, n * 16);
                for i in range {
                    b.append_value(values.get(rows.map_or(i, |r| r[i])));
                }
                Arc::new(b.finish())
            }
            Column::Coded {
                codes,
                levels,
                categorical,
                ..
            } => {
                let keys = Int32Array::from_iter(range.map(|i| codes.get(i).map(|c| c as i32)));
                let values = Arc::new(StringArray::from_iter_values(levels));
                let dict = DictionaryArray::<Int32Type>::try_new(keys, values)
                    .expect("codes index their levels");
                let field = Field::new(name, dict.data_type().clone(), true)
                    .with_dict_is_ordered(*categorical);
                return (field, Arc::new(dict));
            }
            Column::Float(v) => floats(v[range].iter().copied()),
            Column::FloatSum(a, b) => floats(range.map(|i| a[i] + b[i])),
            Column::Whole(v) => Arc::new(Int64Array::from_iter(
                v[range].iter().map(|&x| (!x.is_nan()).then_some(x as i64)),
            )),
            Column::Count(v) => Arc::new(Int64Array::from_iter_values(
                v[range].iter().map(|&c| c as i64),
            )),
            Column::Date(v) => Arc::new(Date32Array::from_iter(
                v[range].iter().map(|&d| (d != NULL_DATE).then_some(d)),
            )),
        };
        (Field::new(name, array.data_type().clone(), true), array)
    }
}

impl Table<'_> {
    /// The table as one record batch, columns in order.
    pub fn to_arrow(&self) -> Result<RecordBatch, ArrowError> {
        self.arrow_rows(0..self.rows())
    }

    /// Rows `range` of the table as a record batch, its columns built on all cores.
    pub fn arrow_rows(&self, range: Range<usize>) -> Result<RecordBatch, ArrowError> {
        let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = self
            .columns
            .par_iter()
            .map(|(name, col)| col.to_arrow(name, range.clone()))
            .unzip();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::io::write::Codes;
    use crate::core::table::columns::StrColumn;

    #[test]
    fn columns_become_arrow_with_nulls() {
        let mut ids = StrColumn::default();
        ids.push("a");
        ids.push("=b");
        let t = Table::new(vec![
            ("id".into(), Column::text(&ids)),
            ("f".into(), Column::Float(&[1.0, f64::NAN])),
            (
                "s".into(),
                Column::categorical(Codes::Bins(&[1, -1]), &["5", "4"]),
            ),
            ("d".into(), Column::Date(&[0, NULL_DATE])),
        ]);
        let b = t.to_arrow().unwrap();
        assert_eq!(b.num_rows(), 2);
        assert_eq!(b.column(1).null_count(), 1);
        assert_eq!(b.column(2).null_count(), 1);
        assert_eq!(b.column(3).null_count(), 1);
        assert!(b.schema().field(2).dict_is_ordered().unwrap());
        let id = b
            .column(0)
            .as_any()
            .downcast_ref::<arrow_array::LargeStringArray>()
            .unwrap();
        assert_eq!(id.value(1), "=b", "raw values, not neutralised");
    }
}

//! Tables as CSV, byte for byte what pandas' `DataFrame.to_csv` gives for the same table after
//! formula neutralisation: rows formatted in parallel blocks, written in order.

use std::io::Write;
use std::path::Path;

use rayon::prelude::*;

use crate::core::error::Result;
use crate::core::io::write::atomic::write_atomically;
use crate::core::io::write::text::{push_date, push_field, push_float, push_text_cell, push_whole};
use crate::core::table::columns::{CategoryColumn, DictColumn, StrColumn, NULL_CODE};
use crate::core::table::customers::NULL_DATE;

/// One column of a table: what the CSV, Parquet and Arrow outputs are all made from.
pub enum Column<'a> {
    /// Text cells (ids, pass-through columns), optionally only at some rows.
    Text {
        values: &'a StrColumn,
        rows: Option<&'a [usize]>,
    },
    /// Codes into levels (a missing code writes nothing): text stored once per distinct value,
    /// or a pandas Categorical (`categorical`), whose cells pandas never neutralises.
    Coded {
        codes: Codes<'a>,
        levels: Vec<String>,
        /// Each level as its CSV cell.
        cells: Vec<Vec<u8>>,
        categorical: bool,
    },
    Float(&'a [f64]),
    /// `a[i] + b[i]` (the prepared table's totals).
    FloatSum(&'a [f64], &'a [f64]),
    /// Whole numbers held as floats, written as an int64 column.
    Whole(&'a [f64]),
    /// Counts written as an int64 column.
    Count(&'a [u64]),
    /// Days since 1970-01-01; `NULL_DATE` is missing.
    Date(&'a [i32]),
}

/// The code layouts the core's columns use.
pub enum Codes<'a> {
    /// `NULL_CODE` is missing.
    Dense(&'a [u32]),
    Optional(&'a [Option<u32>]),
    /// `-1` is missing (quantile bins).
    Bins(&'a [i32]),
    /// Row `i` has code `i` (an index of distinct names, e.g. segments).
    Identity(usize),
}

impl Codes<'_> {
    pub(super) fn len(&self) -> usize {
        match self {
            Codes::Dense(c) => c.len(),
            Codes::Optional(c) => c.len(),
            Codes::Bins(c) => c.len(),
            Codes::Identity(n) => *n,
        }
    }

    pub fn get(&self, i: usize) -> Option<usize> {
        match self {
            Codes::Dense(c) => (c[i] != NULL_CODE).then_some(c[i] as usize),
            Codes::Optional(c) => c[i].map(|c| c as usize),
            Codes::Bins(c) => (c[i] >= 0).then_some(c[i] as usize),
            Codes::Identity(_) => Some(i),
        }
    }
}

impl<'a> Column<'a> {
    pub fn text(values: &'a StrColumn) -> Self {
        Column::Text { values, rows: None }
    }

    pub fn text_at(values: &'a StrColumn, rows: &'a [usize]) -> Self {
        Column::Text {
            values,
            rows: Some(rows),
        }
    }

    /// A text column stored as codes into levels (channels, score strings, segments).
    pub fn coded_text<S: AsRef<str>>(codes: Codes<'a>, levels: &[S]) -> Self {
        Column::coded(codes, levels, false)
    }

    pub fn dict(col: &'a DictColumn) -> Self {
        Column::coded_text(Codes::Dense(&col.codes), &col.levels)
    }

    pub fn categories(col: &'a CategoryColumn) -> Self {
        let raw: Vec<&str> = col.sets.iter().map(|s| s.raw.as_str()).collect();
        Column::coded_text(Codes::Dense(&col.codes), &raw)
    }

    /// A pandas Categorical: labels are written as they are (pandas neutralises no
    /// categorical cell), quoted only where CSV needs it.
    pub fn categorical<S: AsRef<str>>(codes: Codes<'a>, labels: &[S]) -> Self {
        Column::coded(codes, labels, true)
    }

    fn coded<S: AsRef<str>>(codes: Codes<'a>, levels: &[S], categorical: bool) -> Self {
        let levels: Vec<String> = levels.iter().map(|l| l.as_ref().to_string()).collect();
        let cell = if categorical {
            push_field
        } else {
            push_text_cell
        };
        let cells = levels
            .iter()
            .map(|l| {
                let mut out = Vec::new();
                cell(l, &mut out);
                out
            })
            .collect();
        Column::Coded {
            codes,
            levels,
            cells,
            categorical,
        }
    }

    pub(super) fn len(&self) -> usize {
        match self {
            Column::Text { values, rows } => rows.map_or(values.len(), |r| r.len()),
            Column::Coded { codes, .. } => codes.len(),
            Column::Float(v) | Column::Whole(v) => v.len(),
            Column::FloatSum(a, _) => a.len(),
            Column::Count(v) => v.len(),
            Column::Date(v) => v.len(),
        }
    }

    /// Appends row `i`'s cell (nothing for a missing value).
    fn push(&self, i: usize, out: &mut Vec<u8>) {
        match self {
            Column::Text { values, rows } => {
                let row = rows.map_or(i, |r| r[i]);
                push_text_cell(values.get(row), out)
            }
            Column::Coded { codes, cells, .. } => {
                if let Some(c) = codes.get(i) {
                    out.extend_from_slice(&cells[c]);
                }
            }
            Column::Float(v) => push_float(v[i], out),
            Column::FloatSum(a, b) => push_float(a[i] + b[i], out),
            Column::Whole(v) => {
                if !v[i].is_nan() {
                    push_whole(v[i], out)
                }
            }
            Column::Count(v) => out.extend_from_slice(itoa::Buffer::new().format(v[i]).as_bytes()),
            Column::Date(v) => {
                if v[i] != NULL_DATE {
                    push_date(v[i], out)
                }
            }
        }
    }
}

/// Named columns of equal length.
pub struct Table<'a> {
    pub columns: Vec<(String, Column<'a>)>,
}

impl<'a> Table<'a> {
    pub fn new(columns: Vec<(String, Column<'a>)>) -> Self {
        Table { columns }
    }

    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, c)| c.len())
    }

    fn header(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (k, (name, _)) in self.columns.iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            push_text_cell(name, &mut out);
        }
        if self.columns.len() == 1 && out.is_empty() {
            out.extend_from_slice(b"\"\"");
        }
        out.push(b'\n');
        out
    }

    fn push_rows(&self, rows: std::ops::Range<usize>, out: &mut Vec<u8>) {
        let single = self.columns.len() == 1;
        for i in rows {
            let start = out.len();
            for (k, (_, col)) in self.columns.iter().enumerate() {
                if k > 0 {
                    out.push(b',');
                }
                col.push(i, out);
            }
            // Python's csv writes a lone empty field as `""` so the row is not blank.
            if single && out.len() == start {
                out.extend_from_slice(b"\"\"");
            }
            out.push(b'\n');
        }
    }

    /// The whole CSV text (for tests and small tables).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_to(&mut out).expect("writing to memory");
        out
    }

    /// Formats blocks of rows on all cores and writes them in order, the writing of one round
    /// of blocks overlapping the formatting of the next; memory stays at a few blocks per core
    /// whatever the table's size.
    pub fn write_to(&self, w: &mut (impl Write + Send)) -> std::io::Result<()> {
        const BLOCK: usize = 16_384;
        w.write_all(&self.header())?;
        let n = self.rows();
        let per_round = BLOCK * 4 * rayon::current_num_threads().max(1);
        std::thread::scope(|scope| {
            let (send, receive) = std::sync::mpsc::sync_channel::<Vec<Vec<u8>>>(1);
            let writer = scope.spawn(move || -> std::io::Result<()> {
                for round in receive {
                    for block in &round {
                        w.write_all(block)?;
                    }
                }
                Ok(())
            });
            let mut start = 0;
            while start < n {
                let end = (start + per_round).min(n);
                let blocks: Vec<Vec<u8>> = (start..end)
                    .step_by(BLOCK)
                    .collect::<Vec<_>>()
                    .into_par_iter()
                    .map(|b| {
                        let mut out = Vec::with_capacity(BLOCK * 64);
                        self.push_rows(b..(b + BLOCK).min(end), &mut out);
                        out
                    })
                    .collect();
                if send.send(blocks).is_err() {
                    break; // the writer stopped on an error: it is returned below
                }
                start = end;
            }
            drop(send);
            writer.join().expect("the writer thread does not panic")
        })
    }
}

/// Writes `table` to `path` atomically, refusing to replace any of `inputs`.
pub fn write_csv(path: &Path, inputs: &[&Path], table: &Table<'_>) -> Result<()> {
    write_atomically(path, inputs, |w| table.write_to(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_as_pandas_writes_it() {
        let mut ids = StrColumn::default();
        for s in ["a", "=b", "c,d"] {
            ids.push(s);
        }
        let f = [1.0, f64::NAN, 0.5];
        let w = [148.0, 2.0, 0.0];
        let bins = [0, -1, 2];
        let t = Table::new(vec![
            ("master_id".into(), Column::text(&ids)),
            ("f".into(), Column::Float(&f)),
            ("w".into(), Column::Whole(&w)),
            (
                "s".into(),
                Column::categorical(Codes::Bins(&bins), &["5", "4", "3"]),
            ),
            ("d".into(), Column::Date(&[0, NULL_DATE, 1])),
        ]);
        let text = String::from_utf8(t.to_bytes()).unwrap();
        assert_eq!(
            text,
            "master_id,f,w,s,d\na,1.0,148,5,1970-01-01\n'=b,,2,,\n\"c,d\",0.5,0,3,1970-01-02\n"
        );
    }

    #[test]
    fn lone_empty_cell_is_quoted() {
        let t = Table::new(vec![(
            "x".into(),
            Column::coded_text(Codes::Optional(&[None, Some(0)]), &["a"]),
        )]);
        assert_eq!(t.to_bytes(), b"x\n\"\"\na\n");
    }

    #[test]
    fn blocks_join_in_order() {
        let v: Vec<f64> = (0..100_000).map(|i| i as f64).collect();
        let t = Table::new(vec![("v".into(), Column::Float(&v))]);
        let text = String::from_utf8(t.to_bytes()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 100_001);
        assert_eq!(lines[99_999], "99998.0");
    }
}

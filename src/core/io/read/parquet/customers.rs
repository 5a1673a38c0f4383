//! The customer file: where its required and extra columns are, and its rows parsed unit by
//! unit into part frames joined in file order, as the CSV reader builds the same table.

use std::path::Path;

use arrow_array::RecordBatch;
use rayon::prelude::*;

use super::columns::{check_column, is_pandas_index, prints, Role};
use super::parsed::{Dates, Numbers};
use super::print::{Cells, Print};
use super::{window, ParquetFile};
use crate::core::error::{FloError, Location, Result};
use crate::core::io::read::sniff::{find_columns, numbered_names};
use crate::core::io::schema::customers::ReadOptions;
use crate::core::table::customers::{
    BadRows, CustomerFrame, Record, COUNT_COLUMNS, DATE_COLUMNS, MONEY_COLUMNS, NULL_DATE,
    REQUIRED_COLUMNS,
};

/// Where the required and extra columns sit in the projected batches.
struct CustomerPlan {
    /// Field index (in the file's schema) of each column read, in file order.
    roots: Vec<usize>,
    /// Batch column of each required column.
    index: [usize; 12],
    /// How the text columns print: `REQUIRED_COLUMNS` 0, 1, 2 and 11, in that order.
    text: [Print; 4],
    /// Batch column of each extra column, and how it prints.
    extra: Vec<(usize, Print)>,
    extra_names: Vec<String>,
}

impl CustomerPlan {
    fn new(file: &ParquetFile<'_>) -> Result<CustomerPlan> {
        let source = file.name.as_str();
        let fields = file.fields();
        let roots: Vec<usize> = (0..fields.len())
            .filter(|&i| !is_pandas_index(&fields[i].0))
            .collect();
        let header: Vec<String> = roots.iter().map(|&i| fields[i].0.clone()).collect();
        let found = find_columns(source, &header, &REQUIRED_COLUMNS.map(Some))?;
        let index: [usize; 12] =
            std::array::from_fn(|k| found[k].expect("find_columns found every column"));
        for (k, name) in REQUIRED_COLUMNS.iter().enumerate() {
            let role = match k {
                3..=6 => Role::Date,
                7..=10 => Role::Number,
                _ => Role::Text,
            };
            check_column(source, name, &fields[roots[index[k]]].1, role)?;
        }
        let extra: Vec<usize> = (0..header.len()).filter(|i| !index.contains(i)).collect();
        for &i in &extra {
            check_column(source, &header[i], &fields[roots[i]].1, Role::Text)?;
        }
        let extra_names = numbered_names(&header, &extra, &REQUIRED_COLUMNS);
        let text_columns = [0, 1, 2, 11].map(|k| index[k]);
        let printed: Vec<usize> = text_columns
            .iter()
            .chain(&extra)
            .map(|&i| roots[i])
            .collect();
        let print = prints(file, &printed)?;
        Ok(CustomerPlan {
            roots,
            index,
            text: [print[0], print[1], print[2], print[3]],
            extra: extra.into_iter().zip(print[4..].iter().copied()).collect(),
            extra_names,
        })
    }
}

/// What every unit's parser needs.
struct CustomerContext<'a> {
    source: &'a str,
    plan: &'a CustomerPlan,
    bad_rows: BadRows,
}

impl CustomerContext<'_> {
    /// The rows of one unit as a part frame (positions from 0, lines from the file's row
    /// numbers). Under `BadRows::Raise` the first error stops the part and is kept as
    /// `first_error`, as `reader::PieceContext::parse` does.
    fn part(&self, batches: Result<Vec<RecordBatch>>, first_row: u64) -> CustomerFrame {
        let mut part = CustomerFrame::new(self.source, self.plan.extra_names.clone());
        let batches = match batches {
            Ok(b) => b,
            Err(e) => {
                part.first_error = Some(Box::new(e));
                return part;
            }
        };
        let mut row = first_row;
        for batch in &batches {
            if !self.batch(batch, &mut row, &mut part) {
                break;
            }
        }
        part
    }

    /// Parses one batch into `part`; false if it stopped at a bad row.
    fn batch(&self, batch: &RecordBatch, row: &mut u64, part: &mut CustomerFrame) -> bool {
        let p = self.plan;
        let col = |k: usize| batch.column(p.index[k]).as_ref();
        let ids = Cells::new(col(0), p.text[0]);
        let channels = Cells::new(col(1), p.text[1]);
        let last_channels = Cells::new(col(2), p.text[2]);
        let dates: [Dates; 4] = std::array::from_fn(|d| Dates::new(col(3 + d)));
        let counts: [Numbers; 2] = std::array::from_fn(|k| Numbers::new(col(7 + k)));
        let money: [Numbers; 2] = std::array::from_fn(|k| Numbers::new(col(9 + k)));
        let categories = Cells::new(col(11), p.text[3]);
        let extra: Vec<Cells> = p
            .extra
            .iter()
            .map(|&(c, print)| Cells::new(batch.column(c).as_ref(), print))
            .collect();
        let (mut b_id, mut b_ch, mut b_last, mut b_cat, mut scratch) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in 0..batch.num_rows() {
            let line = *row + 2;
            *row += 1;
            let position = part.report.rows_read;
            part.report.rows_read += 1;
            let parse_error = |k: usize, (text, expected): (String, String)| FloError::Parse {
                location: Location {
                    source: self.source.to_string(),
                    line,
                    column: REQUIRED_COLUMNS[k].to_string(),
                },
                text,
                expected,
            };
            // The CSV reader's order: dates, counts, money are parsed, then the row rules run.
            let outcome = (|| -> Result<()> {
                let mut days = [NULL_DATE; 4];
                for (d, slot) in days.iter_mut().enumerate() {
                    debug_assert_eq!(REQUIRED_COLUMNS[3 + d], DATE_COLUMNS[d]);
                    *slot = dates[d]
                        .get(i, &mut scratch)
                        .map_err(|e| parse_error(3 + d, e))?;
                }
                debug_assert_eq!(REQUIRED_COLUMNS[7..9], COUNT_COLUMNS);
                debug_assert_eq!(REQUIRED_COLUMNS[9..11], MONEY_COLUMNS);
                let c0 = counts[0]
                    .count(i, &mut scratch)
                    .map_err(|e| parse_error(7, e))?;
                let c1 = counts[1]
                    .count(i, &mut scratch)
                    .map_err(|e| parse_error(8, e))?;
                let m0 = money[0]
                    .money(i, &mut scratch)
                    .map_err(|e| parse_error(9, e))?;
                let m1 = money[1]
                    .money(i, &mut scratch)
                    .map_err(|e| parse_error(10, e))?;
                let rec = Record {
                    master_id: ids.text(i, &mut b_id),
                    order_channel: channels.text(i, &mut b_ch),
                    last_order_channel: last_channels.text(i, &mut b_last),
                    dates: days,
                    counts: [c0, c1],
                    money: [m0, m1],
                    categories: categories.text(i, &mut b_cat),
                };
                part.push(&rec, line, position)?;
                for (column, cells) in part.extra.iter_mut().zip(&extra) {
                    column.push(cells.text(i, &mut scratch));
                }
                Ok(())
            })();
            if let Err(e) = outcome {
                if !part.reject(line, e, self.bad_rows) {
                    return false;
                }
            }
        }
        true
    }
}

fn cancelled(opts: &ReadOptions) -> bool {
    opts.progress.as_ref().is_some_and(|p| p.is_cancelled())
}

pub(super) fn read_customers_in(
    path: &Path,
    opts: &ReadOptions,
    unit_rows: Option<usize>,
) -> Result<CustomerFrame> {
    let file = ParquetFile::open(path)?;
    let plan = CustomerPlan::new(&file)?;
    let mask = file.mask(&plan.roots);
    let ctx = CustomerContext {
        source: &file.name,
        plan: &plan,
        bad_rows: opts.bad_rows,
    };
    let mut frame = CustomerFrame::new(&file.name, plan.extra_names.clone());
    for units in file.units(unit_rows).chunks(window()) {
        if cancelled(opts) {
            return Err(FloError::Cancelled {
                path: file.name.clone(),
            });
        }
        let parts: Vec<CustomerFrame> = units
            .par_iter()
            .map(|u| ctx.part(file.read(&mask, u), u.first_row))
            .collect();
        for part in parts {
            frame.append(part)?;
        }
    }
    frame.resolve_duplicates(opts.duplicates, opts.bad_rows)?;
    Ok(frame)
}

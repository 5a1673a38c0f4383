//! Building a `CustomerFrame` from columns already in memory (a pandas DataFrame), with the same
//! parsing and row rules as the file reader. Lines are numbered as in the CSV the frame was read
//! from: data row `i` (0-based) is line `i + 2`.

use crate::core::error::{FloError, Location, Result};
use crate::core::io::parse::{parse_count, parse_date, parse_money};
use crate::core::table::customers::{
    BadRows, CustomerFrame, Duplicates, Record, SkippedRow, COUNT_COLUMNS, DATE_COLUMNS,
    MONEY_COLUMNS, NULL_DATE,
};

pub enum DateInput {
    /// Days since 1970-01-01, `NULL_DATE` for missing.
    Days(Vec<i32>),
    Text(Vec<Option<String>>),
}

pub enum NumberInput {
    Values(Vec<f64>),
    Text(Vec<Option<String>>),
}

pub struct Columns {
    pub master_id: Vec<Option<String>>,
    pub order_channel: Vec<Option<String>>,
    pub last_order_channel: Vec<Option<String>>,
    pub dates: [DateInput; 4],
    pub counts: [NumberInput; 2],
    pub money: [NumberInput; 2],
    pub categories: Vec<Option<String>>,
}

fn text(v: &[Option<String>], i: usize) -> &str {
    v[i].as_deref().unwrap_or("")
}

fn parse_error(source: &str, line: u64, column: &str, text: &str, expected: String) -> FloError {
    FloError::Parse {
        location: Location {
            source: source.to_string(),
            line,
            column: column.to_string(),
        },
        text: text.to_string(),
        expected,
    }
}

fn number(
    col: &NumberInput,
    i: usize,
    parse: fn(&str) -> std::result::Result<f64, String>,
    at: impl Fn(&str, String) -> FloError,
) -> Result<f64> {
    match col {
        NumberInput::Values(v) => Ok(v[i]),
        NumberInput::Text(t) => parse(text(t, i)).map_err(|e| at(text(t, i), e)),
    }
}

pub fn frame_from_columns(
    source: &str,
    c: &Columns,
    bad_rows: BadRows,
    duplicates: Duplicates,
) -> Result<CustomerFrame> {
    let n = c.master_id.len();
    let mut frame = CustomerFrame::new(source, vec![]);
    for i in 0..n {
        let line = i as u64 + 2;
        frame.report.rows_read += 1;
        let outcome = (|| -> Result<()> {
            let mut dates = [NULL_DATE; 4];
            for (k, slot) in dates.iter_mut().enumerate() {
                *slot = match &c.dates[k] {
                    DateInput::Days(d) => d[i],
                    DateInput::Text(t) => parse_date(text(t, i))
                        .map_err(|e| parse_error(source, line, DATE_COLUMNS[k], text(t, i), e))?,
                };
            }
            let mut counts = [0.0; 2];
            let mut money = [0.0; 2];
            for k in 0..2 {
                counts[k] = number(&c.counts[k], i, parse_count, |t, e| {
                    parse_error(source, line, COUNT_COLUMNS[k], t, e)
                })?;
                money[k] = number(&c.money[k], i, parse_money, |t, e| {
                    parse_error(source, line, MONEY_COLUMNS[k], t, e)
                })?;
            }
            let rec = Record {
                master_id: text(&c.master_id, i),
                order_channel: text(&c.order_channel, i),
                last_order_channel: text(&c.last_order_channel, i),
                dates,
                counts,
                money,
                categories: text(&c.categories, i),
            };
            frame.push(&rec, line, i as u64)
        })();
        if let Err(e) = outcome {
            match bad_rows {
                BadRows::Raise => return Err(e),
                BadRows::Skip => frame.report.skipped.push(SkippedRow {
                    line,
                    message: e.to_string(),
                }),
            }
        }
    }
    frame.resolve_duplicates(duplicates, bad_rows)?;
    Ok(frame)
}

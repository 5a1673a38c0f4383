//! The typed customer table and the rules every row must meet, whatever it was read from.

use crate::core::choice::Choice;
use rayon::prelude::*;

use crate::core::error::{FloError, Result};
use crate::core::table::columns::{hash_text, retain_vec, CategoryColumn, DictColumn, StrColumn};

/// Dates are days since 1970-01-01; this marks a missing date.
pub const NULL_DATE: i32 = i32::MIN;

/// The required columns, in the order of the FLO file.
pub const REQUIRED_COLUMNS: [&str; 12] = [
    "master_id",
    "order_channel",
    "last_order_channel",
    "first_order_date",
    "last_order_date",
    "last_order_date_online",
    "last_order_date_offline",
    "order_num_total_ever_online",
    "order_num_total_ever_offline",
    "customer_value_total_ever_offline",
    "customer_value_total_ever_online",
    "interested_in_categories_12",
];

pub const DATE_COLUMNS: [&str; 4] = [
    "first_order_date",
    "last_order_date",
    "last_order_date_online",
    "last_order_date_offline",
];
pub const COUNT_COLUMNS: [&str; 2] = [
    "order_num_total_ever_online",
    "order_num_total_ever_offline",
];
pub const MONEY_COLUMNS: [&str; 2] = [
    "customer_value_total_ever_offline",
    "customer_value_total_ever_online",
];

/// The columns the studies read whose values may be missing: without `last_order_date`,
/// the order counts or the money a customer gets no full RFM score (pandas gives NaN scores
/// and no segment); without `first_order_date`, no tenure for the CLTV study.
pub const STUDY_COLUMNS: [&str; 6] = [
    DATE_COLUMNS[0],
    DATE_COLUMNS[1],
    COUNT_COLUMNS[0],
    COUNT_COLUMNS[1],
    MONEY_COLUMNS[0],
    MONEY_COLUMNS[1],
];

/// Missing values in the [`STUDY_COLUMNS`]: the customers are kept (as pandas keeps them), and
/// counted and reported here.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MissingValues {
    /// Per column of `STUDY_COLUMNS` (in that order), the lines whose value is missing.
    pub lines: Vec<(&'static str, Vec<u64>)>,
    /// Customers with at least one missing value.
    pub customers: u64,
}

impl MissingValues {
    /// The first missing value in file order: (line, column).
    pub fn first(&self) -> Option<(u64, &'static str)> {
        self.lines
            .iter()
            .filter_map(|(c, l)| l.first().map(|&line| (line, *c)))
            .min_by_key(|&(line, _)| line)
    }
}

/// What to do with a row that breaks a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadRows {
    Raise,
    Skip,
}

impl Choice for BadRows {
    const OPTION: &'static str = "on_bad_rows";
    const WORDS: &'static [(&'static str, Self)] =
        &[("raise", BadRows::Raise), ("skip", BadRows::Skip)];
}

/// What to do with a second row for the same `master_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duplicates {
    /// Treat it as a bad row (raise, or skip and report, per `BadRows`).
    Error,
    /// Merge into the first row: max of dates, sum of counts and money (pandas' `groupby(master_id).agg(max/sum)`).
    Merge,
}

impl Choice for Duplicates {
    const OPTION: &'static str = "duplicates";
    const WORDS: &'static [(&'static str, Self)] = &[
        ("raise", Duplicates::Error),
        ("error", Duplicates::Error),
        ("merge", Duplicates::Merge),
    ];
}

/// One row, typed, before the row rules are checked. Null numbers are NaN.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    pub master_id: &'a str,
    pub order_channel: &'a str,
    pub last_order_channel: &'a str,
    pub dates: [i32; 4],
    pub counts: [f64; 2],
    pub money: [f64; 2],
    pub categories: &'a str,
}

/// A row that was skipped, with why.
#[derive(Debug, Clone, PartialEq)]
pub struct SkippedRow {
    pub line: u64,
    pub message: String,
}

/// How the rows in became the rows kept: `rows_read == rows + skipped.len() + merged`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowReport {
    pub rows_read: u64,
    pub skipped: Vec<SkippedRow>,
    pub merged: u64,
}

/// The customer table with typed columns.
#[derive(Debug, Clone, Default)]
pub struct CustomerFrame {
    pub source: String,
    pub master_id: StrColumn,
    pub order_channel: DictColumn,
    pub last_order_channel: DictColumn,
    /// `DATE_COLUMNS` in order.
    pub dates: [Vec<i32>; 4],
    /// `COUNT_COLUMNS` in order.
    pub counts: [Vec<f64>; 2],
    /// `MONEY_COLUMNS` in order.
    pub money: [Vec<f64>; 2],
    pub categories: CategoryColumn,
    /// Columns beyond the required ones, passed through as text.
    pub extra_names: Vec<String>,
    pub extra: Vec<StrColumn>,
    /// 1-based line (file) or row (DataFrame) each kept row came from.
    pub lines: Vec<u64>,
    /// 0-based position of each kept row among the input's data rows.
    pub positions: Vec<u64>,
    pub report: RowReport,
    /// Set by a parser that stopped at a bad row (`BadRows::Raise`); `append` raises it.
    pub first_error: Option<Box<FloError>>,
}

impl CustomerFrame {
    pub fn new(source: &str, extra_names: Vec<String>) -> Self {
        let extra = extra_names.iter().map(|_| StrColumn::default()).collect();
        CustomerFrame {
            source: source.to_string(),
            extra_names,
            extra,
            ..Default::default()
        }
    }

    /// An empty table with room for `rows` rows (ids of about `id_bytes` bytes in all).
    pub fn with_capacity(
        source: &str,
        extra_names: Vec<String>,
        rows: usize,
        id_bytes: usize,
    ) -> Self {
        let mut f = CustomerFrame::new(source, extra_names);
        f.master_id = StrColumn::with_capacity(rows, id_bytes);
        f.order_channel.codes.reserve(rows);
        f.last_order_channel.codes.reserve(rows);
        for k in 0..4 {
            f.dates[k].reserve(rows);
        }
        for k in 0..2 {
            f.counts[k].reserve(rows);
            f.money[k].reserve(rows);
        }
        f.categories.codes.reserve(rows);
        f.lines.reserve(rows);
        f.positions.reserve(rows);
        f
    }

    pub fn len(&self) -> usize {
        self.master_id.len()
    }

    /// The missing values of the columns the studies read (one pass over six columns).
    pub fn missing_values(&self) -> MissingValues {
        // Bit k set: the value of STUDY_COLUMNS[k] is missing.
        let mask = |i: usize| -> u8 {
            let flags = [
                self.dates[0][i] == NULL_DATE,
                self.dates[1][i] == NULL_DATE,
                self.counts[0][i].is_nan(),
                self.counts[1][i].is_nan(),
                self.money[0][i].is_nan(),
                self.money[1][i].is_nan(),
            ];
            flags
                .iter()
                .enumerate()
                .fold(0, |m, (k, &f)| m | (u8::from(f) << k))
        };
        let rows: Vec<(usize, u8)> = (0..self.len())
            .into_par_iter()
            .map(|i| (i, mask(i)))
            .filter(|&(_, m)| m != 0)
            .collect();
        let lines = STUDY_COLUMNS
            .iter()
            .enumerate()
            .map(|(k, &c)| {
                let l = rows
                    .iter()
                    .filter(|(_, m)| m & (1 << k) != 0)
                    .map(|&(i, _)| self.lines[i])
                    .collect();
                (c, l)
            })
            .collect();
        MissingValues {
            lines,
            customers: rows.len() as u64,
        }
    }

    /// `on_missing="raise"`: an error naming the first missing value, if there is one.
    pub fn check_no_missing(&self) -> Result<()> {
        let missing = self.missing_values();
        match missing.first() {
            None => Ok(()),
            Some((line, column)) => Err(FloError::MissingValues {
                location: self.location(line, column),
                count: missing.customers,
            }),
        }
    }

    /// `order_channel` or `last_order_channel` by name.
    pub fn channel(&self, name: &str) -> Result<&DictColumn> {
        match name {
            "order_channel" => Ok(&self.order_channel),
            "last_order_channel" => Ok(&self.last_order_channel),
            _ => Err(FloError::invalid(format!("no channel column {name:?}"))),
        }
    }

    /// Row numbers checked against the table's length.
    pub fn rows(&self, rows: &[u64]) -> Result<Vec<usize>> {
        let n = self.len();
        rows.iter()
            .map(|&r| match usize::try_from(r) {
                Ok(r) if r < n => Ok(r),
                _ => Err(FloError::invalid(format!("row {r} out of range"))),
            })
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.master_id.is_empty()
    }

    /// The four columns the CLTV study caps: online and offline orders, offline and online
    /// value (the order the study's outlier step takes them in).
    pub fn cltv_columns(&self) -> [&[f64]; 4] {
        [
            &self.counts[0],
            &self.counts[1],
            &self.money[0],
            &self.money[1],
        ]
    }

    pub fn order_num_total(&self) -> Vec<f64> {
        add(&self.counts[0], &self.counts[1])
    }

    /// `customer_value_total_ever_online + customer_value_total_ever_offline`.
    pub fn customer_value_total(&self) -> Vec<f64> {
        add(&self.money[1], &self.money[0])
    }

    /// The latest `last_order_date`, if any row has one.
    pub fn max_last_order_date(&self) -> Option<i32> {
        self.dates[1]
            .iter()
            .copied()
            .filter(|&d| d != NULL_DATE)
            .max()
    }
}

fn add(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x + y).collect()
}

/// Days since 1970-01-01 as `YYYY-MM-DD`.
pub fn format_date(days: i32) -> String {
    if days == NULL_DATE {
        return String::new();
    }
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
    (epoch + chrono::Duration::days(days as i64))
        .format("%Y-%m-%d")
        .to_string()
}

mod rows;
#[cfg(test)]
mod tests;

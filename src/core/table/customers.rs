//! The typed customer table and the rules every row must meet, whatever it was read from.

use rayon::prelude::*;

use crate::core::error::{FloError, Location, Result};
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

/// What to do with a second row for the same `master_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duplicates {
    /// Treat it as a bad row (raise, or skip and report, per `BadRows`).
    Error,
    /// Merge into the first row: max of dates, sum of counts and money (the seeds' groupby).
    Merge,
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

    pub fn is_empty(&self) -> bool {
        self.master_id.is_empty()
    }

    fn location(&self, line: u64, column: &str) -> Location {
        Location {
            source: self.source.clone(),
            line,
            column: column.to_string(),
        }
    }

    fn data_error(&self, line: u64, column: &str, text: String, problem: &str) -> FloError {
        FloError::Data {
            location: self.location(line, column),
            text,
            problem: problem.to_string(),
        }
    }

    /// Applies the bad-row policy to a row that failed on `line`: under `BadRows::Raise` the
    /// error is kept as `first_error` (raised by `append`) and `false` says to stop; under
    /// `BadRows::Skip` the row is reported as skipped.
    pub fn reject(&mut self, line: u64, e: FloError, bad_rows: BadRows) -> bool {
        match bad_rows {
            BadRows::Raise => {
                self.first_error = Some(Box::new(e));
                false
            }
            BadRows::Skip => {
                self.report.skipped.push(SkippedRow {
                    line,
                    message: e.to_string(),
                });
                true
            }
        }
    }

    /// Checks the row rules of SPEC.md (non-empty id, whole non-negative counts, non-negative
    /// money, last order not before first) and appends the row if it meets them.
    pub fn push(&mut self, r: &Record<'_>, line: u64, position: u64) -> Result<()> {
        self.check(r, line)?;
        self.master_id.push(r.master_id);
        self.order_channel.push(r.order_channel);
        self.last_order_channel.push(r.last_order_channel);
        for k in 0..4 {
            self.dates[k].push(r.dates[k]);
        }
        for k in 0..2 {
            self.counts[k].push(r.counts[k]);
            self.money[k].push(r.money[k]);
        }
        self.categories.push(r.categories);
        self.lines.push(line);
        self.positions.push(position);
        Ok(())
    }

    fn check(&self, r: &Record<'_>, line: u64) -> Result<()> {
        if r.master_id.trim().is_empty() {
            return Err(self.data_error(line, "master_id", r.master_id.into(), "is an empty id"));
        }
        for (k, name) in COUNT_COLUMNS.iter().enumerate() {
            let v = r.counts[k];
            if v.is_nan() {
                continue;
            }
            if !v.is_finite() || v.fract() != 0.0 {
                return Err(self.data_error(line, name, v.to_string(), "is not a whole count"));
            }
            if v < 0.0 {
                return Err(self.data_error(line, name, v.to_string(), "is a negative count"));
            }
        }
        for (k, name) in MONEY_COLUMNS.iter().enumerate() {
            let v = r.money[k];
            if v.is_nan() {
                continue;
            }
            if !v.is_finite() {
                return Err(self.data_error(line, name, v.to_string(), "is not a finite amount"));
            }
            if v < 0.0 {
                return Err(self.data_error(line, name, v.to_string(), "is a negative amount"));
            }
        }
        let (first, last) = (r.dates[0], r.dates[1]);
        if first != NULL_DATE && last != NULL_DATE && last < first {
            return Err(self.data_error(
                line,
                "last_order_date",
                format_date(last),
                &format!("is before first_order_date {}", format_date(first)),
            ));
        }
        Ok(())
    }

    /// Applies the duplicate-id policy after all rows are in. Returns the rows to drop as skipped
    /// rows (already recorded in the report) or the first duplicate as an error.
    pub fn resolve_duplicates(&mut self, policy: Duplicates, bad_rows: BadRows) -> Result<()> {
        let dups = self.duplicate_pairs();
        if dups.is_empty() {
            return Ok(());
        }
        let mut keep = vec![true; self.len()];
        match policy {
            Duplicates::Error if bad_rows == BadRows::Raise => {
                let (f, i) = dups[0];
                return Err(self.data_error(
                    self.lines[i],
                    "master_id",
                    self.master_id.get(i).to_string(),
                    &format!("is a duplicated id (first seen on line {})", self.lines[f]),
                ));
            }
            Duplicates::Error => {
                for &(f, i) in &dups {
                    keep[i] = false;
                    let message = self
                        .data_error(
                            self.lines[i],
                            "master_id",
                            self.master_id.get(i).to_string(),
                            &format!("is a duplicated id (first seen on line {})", self.lines[f]),
                        )
                        .to_string();
                    self.report.skipped.push(SkippedRow {
                        line: self.lines[i],
                        message,
                    });
                }
                self.report.skipped.sort_by_key(|s| s.line);
            }
            Duplicates::Merge => {
                for &(f, i) in &dups {
                    keep[i] = false;
                    for k in 0..4 {
                        let (a, b) = (self.dates[k][f], self.dates[k][i]);
                        self.dates[k][f] = a.max(b);
                    }
                    for k in 0..2 {
                        self.counts[k][f] = nan_sum(self.counts[k][f], self.counts[k][i]);
                        self.money[k][f] = nan_sum(self.money[k][f], self.money[k][i]);
                    }
                }
                self.report.merged += dups.len() as u64;
            }
        }
        self.retain(&keep);
        Ok(())
    }

    /// Appends the rows of `part` (parsed from the input that follows this frame's rows),
    /// re-coding its dictionaries; then raises the error `part` stopped at, if any.
    pub fn append(&mut self, part: CustomerFrame) -> Result<()> {
        let base = self.report.rows_read;
        self.order_channel.append(&part.order_channel);
        self.last_order_channel.append(&part.last_order_channel);
        self.categories.append(&part.categories);
        self.master_id.extend(&part.master_id);
        for k in 0..4 {
            self.dates[k].extend_from_slice(&part.dates[k]);
        }
        for k in 0..2 {
            self.counts[k].extend_from_slice(&part.counts[k]);
            self.money[k].extend_from_slice(&part.money[k]);
        }
        for (col, other) in self.extra.iter_mut().zip(&part.extra) {
            col.extend(other);
        }
        self.lines.extend_from_slice(&part.lines);
        self.positions
            .extend(part.positions.iter().map(|p| p + base));
        self.report.rows_read += part.report.rows_read;
        self.report.skipped.extend(part.report.skipped);
        match part.first_error {
            Some(e) => Err(*e),
            None => Ok(()),
        }
    }

    /// `(first row, later row)` for every row whose id an earlier row has, in file order.
    /// Ids are hashed and sorted on all cores; equal hashes are then compared as text.
    fn duplicate_pairs(&self) -> Vec<(usize, usize)> {
        let ids = &self.master_id;
        let hashes: Vec<u64> = (0..ids.len())
            .into_par_iter()
            .map(|i| hash_text(ids.get(i)))
            .collect();
        let keyed = sorted_by_hash(&hashes);
        let mut dups = Vec::new();
        let mut i = 0;
        while i < keyed.len() {
            let mut j = i + 1;
            while j < keyed.len() && keyed[j].0 == keyed[i].0 {
                j += 1;
            }
            // Within a group rows are in file order, so the first match is the first occurrence.
            for b in i + 1..j {
                let later = keyed[b].1 as usize;
                if let Some(a) = (i..b).find(|&a| ids.get(keyed[a].1 as usize) == ids.get(later)) {
                    dups.push((keyed[a].1 as usize, later));
                }
            }
            i = j;
        }
        dups.sort_by_key(|d| d.1);
        dups
    }

    fn retain(&mut self, keep: &[bool]) {
        self.master_id.retain(keep);
        retain_vec(&mut self.order_channel.codes, keep);
        retain_vec(&mut self.last_order_channel.codes, keep);
        for k in 0..4 {
            retain_vec(&mut self.dates[k], keep);
        }
        for k in 0..2 {
            retain_vec(&mut self.counts[k], keep);
            retain_vec(&mut self.money[k], keep);
        }
        retain_vec(&mut self.categories.codes, keep);
        for c in &mut self.extra {
            c.retain(keep);
        }
        retain_vec(&mut self.lines, keep);
        retain_vec(&mut self.positions, keep);
    }

    /// `order_num_total_ever_online + order_num_total_ever_offline`.
    /// The four columns the CLTV study caps: online and offline orders, offline and online
    /// value (the seeds' order).
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

/// pandas' `groupby().sum()` treats NaN as missing; so does merging duplicates.
/// `(hash, row)` pairs sorted. Rows are first spread into buckets by the hash's top bits, then
/// each bucket is sorted on its own (in parallel, in cache): the same order as one sort.
fn sorted_by_hash(hashes: &[u64]) -> Vec<(u64, u32)> {
    // About 64 rows a bucket, at most 65,536 buckets: small tables pay for few.
    let bits = (hashes.len() / 64).max(1).ilog2().min(16);
    let bucket = |h: u64| h.checked_shr(64 - bits).unwrap_or(0) as usize;
    let mut starts = vec![0usize; (1 << bits) + 1];
    for &h in hashes {
        starts[bucket(h) + 1] += 1;
    }
    for b in 0..1 << bits {
        starts[b + 1] += starts[b];
    }
    let mut keyed = vec![(0u64, 0u32); hashes.len()];
    let mut next = starts.clone();
    for (row, &h) in hashes.iter().enumerate() {
        let b = bucket(h);
        keyed[next[b]] = (h, row as u32);
        next[b] += 1;
    }
    let mut buckets = Vec::with_capacity(1 << bits);
    let mut rest = &mut keyed[..];
    for b in 0..1 << bits {
        let (this, after) = rest.split_at_mut(starts[b + 1] - starts[b]);
        buckets.push(this);
        rest = after;
    }
    buckets.into_par_iter().for_each(|b| b.sort_unstable());
    keyed
}

fn nan_sum(a: f64, b: f64) -> f64 {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => f64::NAN,
        (true, false) => b,
        (false, true) => a,
        (false, false) => a + b,
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

#[cfg(test)]
mod missing_tests {
    use super::*;

    #[test]
    fn missing_values_are_counted_by_column_with_their_lines() {
        let mut f = CustomerFrame::new("f.csv", vec![]);
        f.dates = [
            vec![1, 2, NULL_DATE],
            vec![1, NULL_DATE, 3],
            vec![0; 3],
            vec![0; 3],
        ];
        f.counts = [vec![1.0, f64::NAN, 1.0], vec![1.0; 3]];
        f.money = [vec![1.0; 3], vec![1.0, 1.0, f64::NAN]];
        f.lines = vec![2, 5, 9];
        for id in ["a", "b", "c"] {
            f.master_id.push(id);
        }
        let m = f.missing_values();
        assert_eq!(m.customers, 2);
        assert_eq!(m.lines[0], ("first_order_date", vec![9]));
        assert_eq!(m.lines[1], ("last_order_date", vec![5]));
        assert_eq!(m.lines[2], ("order_num_total_ever_online", vec![5]));
        assert_eq!(m.lines[5], ("customer_value_total_ever_online", vec![9]));
        assert_eq!(m.first(), Some((5, "last_order_date")));
        let err = f.check_no_missing().unwrap_err();
        assert!(
            err.to_string()
                .starts_with("f.csv:5: column last_order_date: missing value"),
            "{err}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: &str) -> Record<'_> {
        Record {
            master_id: id,
            order_channel: "Mobile",
            last_order_channel: "Offline",
            dates: [100, 200, 150, 200],
            counts: [2.0, 1.0],
            money: [10.5, 20.25],
            categories: "[KADIN]",
        }
    }

    #[test]
    fn rules_name_column_and_text() {
        let mut f = CustomerFrame::new("f.csv", vec![]);
        let mut r = rec("a");
        r.counts[1] = -1.0;
        let e = f.push(&r, 7, 0).unwrap_err().to_string();
        assert_eq!(
            e,
            "f.csv:7: column order_num_total_ever_offline: \"-1\" is a negative count"
        );
        let mut r = rec("a");
        r.dates[1] = 50;
        let e = f.push(&r, 8, 0).unwrap_err().to_string();
        assert!(e.starts_with("f.csv:8: column last_order_date: \"1970-02-20\" is before first_order_date 1970-04-11"), "{e}");
        let e = f.push(&rec(" "), 9, 0).unwrap_err().to_string();
        assert!(e.contains("empty id"), "{e}");
        assert!(f.is_empty());
    }

    #[test]
    fn duplicates_merge_sums_and_maxes() {
        let mut f = CustomerFrame::new("f.csv", vec![]);
        f.push(&rec("a"), 2, 0).unwrap();
        f.push(&rec("b"), 3, 1).unwrap();
        let mut r = rec("a");
        r.dates[1] = 300;
        f.push(&r, 4, 2).unwrap();
        f.resolve_duplicates(Duplicates::Merge, BadRows::Raise)
            .unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f.dates[1], vec![300, 200]);
        assert_eq!(f.counts[0], vec![4.0, 2.0]);
        assert_eq!(f.report.merged, 1);
    }

    #[test]
    fn bucketed_sort_equals_one_sort() {
        let hashes: Vec<u64> = (0..50_000u64)
            .map(|i| (i % 7_919).wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        let mut want: Vec<(u64, u32)> = hashes
            .iter()
            .enumerate()
            .map(|(i, &h)| (h, i as u32))
            .collect();
        want.sort_unstable();
        assert_eq!(sorted_by_hash(&hashes), want);
        let few = [u64::MAX, 3, 1 << 63, 3];
        assert_eq!(
            sorted_by_hash(&few),
            vec![(3, 1), (3, 3), (1 << 63, 2), (u64::MAX, 0)]
        );
        assert!(sorted_by_hash(&[]).is_empty());
    }

    #[test]
    fn duplicates_raise_or_skip() {
        let mut f = CustomerFrame::new("f.csv", vec![]);
        f.push(&rec("a"), 2, 0).unwrap();
        f.push(&rec("a"), 3, 1).unwrap();
        let mut g = f.clone();
        let e = f
            .resolve_duplicates(Duplicates::Error, BadRows::Raise)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "f.csv:3: column master_id: \"a\" is a duplicated id (first seen on line 2)"
        );
        g.resolve_duplicates(Duplicates::Error, BadRows::Skip)
            .unwrap();
        assert_eq!(g.len(), 1);
        assert_eq!(g.report.skipped[0].line, 3);
    }
}

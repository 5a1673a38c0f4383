//! The row rules every customer row must meet, whatever it was read from, and what happens to
//! rows that break them: errors naming line, column and value, the bad-row policy, repeated
//! ids merged or refused, parts appended in file order.

use rayon::prelude::*;

use super::*;
use crate::core::error::{FloError, Location, Result};

impl CustomerFrame {
    pub(super) fn location(&self, line: u64, column: &str) -> Location {
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

    /// Checks the row rules (non-empty id, whole non-negative counts, non-negative
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
}

/// `(hash, row)` pairs sorted. Rows are first spread into buckets by the hash's top bits, then
/// each bucket is sorted on its own (in parallel, in cache): the same order as one sort.
pub(super) fn sorted_by_hash(hashes: &[u64]) -> Vec<(u64, u32)> {
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

/// pandas' `groupby().sum()` treats NaN as missing; so does merging duplicates.
fn nan_sum(a: f64, b: f64) -> f64 {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => f64::NAN,
        (true, false) => b,
        (false, true) => a,
        (false, false) => a + b,
    }
}

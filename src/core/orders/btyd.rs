//! lifetimes' per-customer summaries of an order log: `summary_data_from_transaction_data`
//! (frequency, recency, T, monetary value) and `calibration_and_holdout_data`, exactly as it
//! computes them.

use crate::core::choice::Choice;
use std::collections::HashMap;

use rayon::prelude::*;

use crate::core::error::{FloError, Result};
use crate::core::numeric::stats::{group_sums, Kahan};
use crate::core::table::columns::StrColumn;
use crate::core::table::orders::OrderLog;

/// The period a BTYD summary counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freq {
    /// Calendar days (pandas `"D"`).
    Day,
    /// Weeks starting on Monday (pandas `"W"`, i.e. `W-SUN`).
    Week,
}

impl Choice for Freq {
    const OPTION: &'static str = "freq";
    const WORDS: &'static [(&'static str, Self)] = &[("D", Freq::Day), ("W", Freq::Week)];
}

impl Freq {
    /// The first day (days since 1970-01-01) of the period holding `seconds`.
    pub fn start(self, seconds: i64) -> i64 {
        let day = seconds.div_euclid(86_400);
        match self {
            Freq::Day => day,
            // 1970-01-01 was a Thursday: (day + 3) mod 7 is 0 on Mondays.
            Freq::Week => day - (day + 3).rem_euclid(7),
        }
    }

    pub fn days(self) -> i64 {
        match self {
            Freq::Day => 1,
            Freq::Week => 7,
        }
    }
}

/// lifetimes' per-customer summary, customers in sorted id order.
#[derive(Debug, Clone, PartialEq)]
pub struct Btyd {
    pub customers: Vec<u32>,
    pub frequency: Vec<f64>,
    pub recency: Vec<f64>,
    pub t: Vec<f64>,
    pub monetary: Option<Vec<f64>>,
}

#[derive(Debug, Clone, Copy)]
pub struct BtydOptions {
    pub freq: Freq,
    pub multiplier: f64,
    /// Seconds since 1970-01-01; default: the latest transaction.
    pub observation_end: Option<i64>,
    pub include_first: bool,
}

/// Each string's rank in byte (= code point) order.
fn text_ranks(ids: &StrColumn) -> Vec<u32> {
    let mut by_text: Vec<u32> = (0..ids.len() as u32).collect();
    by_text.par_sort_unstable_by(|&a, &b| ids.get(a as usize).cmp(ids.get(b as usize)));
    let mut rank = vec![0u32; by_text.len()];
    for (r, &c) in by_text.iter().enumerate() {
        rank[c as usize] = r as u32;
    }
    rank
}

/// `summary_data_from_transaction_data` over the rows `rows` of `tx`.
pub fn btyd_summary(tx: &OrderLog, rows: &[usize], opts: &BtydOptions) -> Btyd {
    let freq = opts.freq;
    let obs = opts
        .observation_end
        .unwrap_or_else(|| rows.iter().map(|&r| tx.time[r]).max().unwrap_or(0));
    let obs_start = freq.start(obs);
    // lifetimes sorts by (customer, datetime, amount) before grouping (a stable sort). Ids are
    // ranked once, so rows compare by integers.
    let rank = text_ranks(&tx.ids);
    // One integer key per row, so the sort compares plain tuples; the row index last makes
    // every key unique, which gives a stable order from an unstable sort.
    let amount_key = |x: f64| {
        let b = x.to_bits() as i64;
        b ^ ((((b >> 63) as u64) >> 1) as i64)
    };
    // Rows bucketed by customer rank (a counting sort), then each customer's few rows sorted by
    // (datetime, amount, row): the order of sorting every row by (customer, datetime, amount).
    let kept: Vec<u32> = rows
        .iter()
        .filter(|&&r| freq.start(tx.time[r]) <= obs_start)
        .map(|&r| r as u32)
        .collect();
    let mut next = vec![0usize; rank.len() + 1];
    for &r in &kept {
        next[rank[tx.customer[r as usize] as usize] as usize + 1] += 1;
    }
    for k in 1..next.len() {
        next[k] += next[k - 1];
    }
    let bounds = next.clone();
    let mut bucketed = vec![0u32; kept.len()];
    for &r in &kept {
        let k = rank[tx.customer[r as usize] as usize] as usize;
        bucketed[next[k]] = r;
        next[k] += 1;
    }
    let mut segments: Vec<&mut [u32]> = Vec::with_capacity(rank.len());
    let mut rest = bucketed.as_mut_slice();
    for w in bounds.windows(2) {
        let (segment, tail) = rest.split_at_mut(w[1] - w[0]);
        segments.push(segment);
        rest = tail;
    }
    segments
        .into_par_iter()
        .with_min_len(4096)
        .for_each(|segment| {
            segment.sort_unstable_by_key(|&r| {
                let r = r as usize;
                (tx.time[r], amount_key(tx.amount[r]), r)
            })
        });
    let order: Vec<usize> = bucketed.into_iter().map(|r| r as usize).collect();
    // (customer, period) groups in that order, amounts summed as pandas' groupby sum does.
    let mut groups: Vec<(u32, i64)> = Vec::new();
    let mut sums: Vec<f64> = Vec::new();
    let mut acc = Kahan::default();
    for &r in &order {
        let key = (tx.customer[r], freq.start(tx.time[r]));
        if groups.last() != Some(&key) {
            if !groups.is_empty() {
                sums.push(acc.sum);
            }
            groups.push(key);
            acc = Kahan::default();
        }
        acc.add(tx.amount[r]);
    }
    if !groups.is_empty() {
        sums.push(acc.sum);
    }
    let mut out = Btyd {
        customers: vec![],
        frequency: vec![],
        recency: vec![],
        t: vec![],
        monetary: tx.has_amount.then(Vec::new),
    };
    let mut g = 0;
    while g < groups.len() {
        let c = groups[g].0;
        let mut h = g;
        while h < groups.len() && groups[h].0 == c {
            h += 1;
        }
        let (first, last) = (groups[g].1, groups[h - 1].1);
        let count = (h - g) as f64;
        out.customers.push(c);
        out.frequency.push(if opts.include_first {
            count
        } else {
            count - 1.0
        });
        out.t
            .push((obs_start - first) as f64 / freq.days() as f64 / opts.multiplier);
        out.recency
            .push((last - first) as f64 / freq.days() as f64 / opts.multiplier);
        if let Some(m) = out.monetary.as_mut() {
            // Mean of the period sums after the first (all of them with include_first), 0 if none.
            let skip = if opts.include_first { g } else { g + 1 };
            let mut mean = Kahan::default();
            for &v in &sums[skip..h] {
                mean.add(v);
            }
            m.push(mean.mean_or(0.0));
        }
        g = h;
    }
    out
}

/// `calibration_and_holdout_data`: the calibration summary plus, per calibration customer, the
/// holdout periods with purchases, their mean amount, and the holdout length in periods.
pub struct CalibrationHoldout {
    pub calibration: Btyd,
    pub frequency_holdout: Vec<f64>,
    pub monetary_holdout: Option<Vec<f64>>,
    pub duration_holdout: f64,
}

/// A summary's columns under lifetimes' names, `suffix` added to each (`"_cal"` for a
/// calibration period); `monetary_value` only when the log has amounts.
fn named_columns(b: Btyd, suffix: &str) -> Vec<(String, Vec<f64>)> {
    let mut columns = vec![
        (format!("frequency{suffix}"), b.frequency),
        (format!("recency{suffix}"), b.recency),
        (format!("T{suffix}"), b.t),
    ];
    if let Some(m) = b.monetary {
        columns.push((format!("monetary_value{suffix}"), m));
    }
    columns
}

impl Btyd {
    /// The columns of lifetimes' `summary_data_from_transaction_data`, in its order.
    pub fn into_columns(self) -> Vec<(String, Vec<f64>)> {
        named_columns(self, "")
    }
}

impl CalibrationHoldout {
    /// The columns of lifetimes' `calibration_and_holdout_data`, in its order.
    pub fn into_columns(self) -> Vec<(String, Vec<f64>)> {
        let n = self.frequency_holdout.len();
        let mut columns = named_columns(self.calibration, "_cal");
        columns.push(("frequency_holdout".into(), self.frequency_holdout));
        if let Some(m) = self.monetary_holdout {
            columns.push(("monetary_value_holdout".into(), m));
        }
        columns.push(("duration_holdout".into(), vec![self.duration_holdout; n]));
        columns
    }
}

pub fn calibration_holdout(
    tx: &OrderLog,
    calibration_end: i64,
    observation_end: Option<i64>,
    freq: Freq,
    multiplier: f64,
) -> Result<CalibrationHoldout> {
    let obs = observation_end.unwrap_or_else(|| tx.time.iter().copied().max().unwrap_or(0));
    let cal_rows: Vec<usize> = (0..tx.time.len())
        .filter(|&r| tx.time[r] <= calibration_end)
        .collect();
    let hold_rows: Vec<usize> = (0..tx.time.len())
        .filter(|&r| tx.time[r] > calibration_end && tx.time[r] <= obs)
        .collect();
    if hold_rows.is_empty() {
        return Err(FloError::invalid(
            "no transactions between calibration_period_end and observation_period_end: check both dates",
        ));
    }
    let opts = BtydOptions {
        freq,
        multiplier,
        observation_end: Some(calibration_end),
        include_first: false,
    };
    let calibration = btyd_summary(tx, &cal_rows, &opts);
    let slot: HashMap<u32, usize> = calibration
        .customers
        .iter()
        .enumerate()
        .map(|(i, &c)| (c, i))
        .collect();
    let n = calibration.customers.len();
    let mut periods: Vec<Vec<i64>> = vec![Vec::new(); n];
    let mut amount_group: Vec<Option<usize>> = Vec::with_capacity(hold_rows.len());
    for &r in &hold_rows {
        let s = slot.get(&tx.customer[r]).copied();
        if let Some(s) = s {
            periods[s].push(freq.start(tx.time[r]));
        }
        amount_group.push(s);
    }
    let frequency_holdout = periods
        .iter_mut()
        .map(|p| {
            p.sort_unstable();
            p.dedup();
            p.len() as f64
        })
        .collect();
    let monetary_holdout = tx.has_amount.then(|| {
        let amounts: Vec<f64> = hold_rows.iter().map(|&r| tx.amount[r]).collect();
        let g = group_sums(&amount_group, &amounts, n);
        g.mean()
            .into_iter()
            .map(|v| if v.is_nan() { 0.0 } else { v })
            .collect()
    });
    let duration = (freq.start(obs) - freq.start(calibration_end)) / freq.days();
    Ok(CalibrationHoldout {
        calibration,
        frequency_holdout,
        monetary_holdout,
        duration_holdout: duration as f64 / multiplier,
    })
}

//! Order logs (one line per purchase) read and summarised per customer: the BTYD shape exactly as
//! lifetimes' `summary_data_from_transaction_data` and `calibration_and_holdout_data` compute it,
//! and the FLO customer-summary shape so the RFM and CLTV pipelines run on a log.

use std::collections::HashMap;

use hashbrown::hash_table::{Entry, HashTable};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::columns::{hash_text, DictColumn, StrColumn, NULL_CODE};
use super::error::{FloError, Location, Result};
use super::frame::{BadRows, CustomerFrame, Record, RowReport, SkippedRow, NULL_DATE};
use super::parse::{parse_date, parse_money};
use super::stats::{group_sums, Kahan};

/// The caller's names for the log's columns.
#[derive(Debug, Clone)]
pub struct LogColumns {
    pub customer: String,
    pub datetime: String,
    pub amount: Option<String>,
    pub channel: Option<String>,
    pub order: Option<String>,
}

/// One text value per field (a DataFrame's columns, or a parsed CSV).
pub struct LogInput {
    pub customer: Vec<Option<String>>,
    pub datetime: Vec<Option<String>>,
    pub amount: Option<Vec<Option<String>>>,
    pub channel: Option<Vec<Option<String>>>,
    pub order: Option<Vec<Option<String>>>,
    /// 1-based line of each row.
    pub lines: Vec<u64>,
    /// The columns' names (`amount` given when the amount column is).
    pub columns: LogColumns,
}

/// Channel of a line: which FLO side it counts on.
pub const UNKNOWN: u8 = 0;
pub const ONLINE: u8 = 1;
pub const OFFLINE: u8 = 2;

/// The log, typed. Times are seconds since 1970-01-01.
#[derive(Debug, Clone, Default)]
pub struct Transactions {
    pub source: String,
    pub ids: StrColumn,
    pub customer: Vec<u32>,
    pub time: Vec<i64>,
    pub amount: Vec<f64>,
    pub side: Vec<u8>,
    pub channel: DictColumn,
    pub order: Vec<u32>,
    pub lines: Vec<u64>,
    pub report: RowReport,
    pub has_amount: bool,
}

/// `YYYY-MM-DD`, `DD.MM.YYYY`, optionally followed by ` HH:MM[:SS[.fff]]` (or `T`), in seconds.
pub fn parse_datetime(s: &str) -> std::result::Result<i64, String> {
    let t = s.trim();
    let day = parse_date(t)?;
    if day == NULL_DATE {
        return Err("a date".to_string());
    }
    let rest = if t.len() > 10 { &t[11..] } else { "" };
    let mut secs = 0i64;
    for (k, part) in rest.split(':').enumerate().filter(|(_, p)| !p.is_empty()) {
        let whole = part.split('.').next().unwrap_or("");
        let v: i64 = whole.parse().map_err(|_| "a date and time".to_string())?;
        secs += v * [3600, 60, 1].get(k).copied().unwrap_or(0);
    }
    Ok(day as i64 * 86_400 + secs)
}

/// Adds log lines one at a time, with the reader's rules: a bad line raises, or is skipped and
/// reported (`BadRows`).
pub struct LogBuilder<'a> {
    tx: Transactions,
    /// Customer codes by id: indexes into `tx.ids`, so an id is stored once, as text there.
    id_index: HashTable<u32>,
    /// Order ids as texts, and each order (customer, text) numbered by first appearance.
    order_texts: DictColumn,
    orders: FxHashMap<(u32, u32), u32>,
    order_keys: Vec<(u32, u32)>,
    /// The side of each channel level, found once per level.
    sides: Vec<u8>,
    online: &'a [String],
    offline: &'a [String],
    bad_rows: BadRows,
    /// The customer, date-time and amount columns' names, for errors.
    names: [String; 3],
}

impl<'a> LogBuilder<'a> {
    /// `columns` names the log's columns in errors; whether it has an amount column says
    /// whether lines carry amounts.
    pub fn new(
        source: &str,
        columns: &LogColumns,
        online: &'a [String],
        offline: &'a [String],
        bad_rows: BadRows,
    ) -> Self {
        LogBuilder {
            tx: Transactions {
                source: source.to_string(),
                has_amount: columns.amount.is_some(),
                ..Default::default()
            },
            names: [
                columns.customer.clone(),
                columns.datetime.clone(),
                columns.amount.clone().unwrap_or_default(),
            ],
            id_index: HashTable::new(),
            order_texts: DictColumn::default(),
            orders: FxHashMap::default(),
            order_keys: Vec::new(),
            sides: Vec::new(),
            online,
            offline,
            bad_rows,
        }
    }

    /// One line: customer id, date(-time), amount (if the log has one), channel, order id.
    pub fn push(
        &mut self,
        line: u64,
        id: &str,
        when: &str,
        amount: Option<&str>,
        channel: &str,
        order: Option<&str>,
    ) -> Result<()> {
        match self.parse(line, id, when, amount) {
            Ok((t, value)) => {
                self.tx.report.rows_read += 1;
                self.add(line, id, t, value, channel, order);
                Ok(())
            }
            Err(e) => self.reject(line, e),
        }
    }

    /// One line whose date-time (seconds since 1970) and amount (NaN when the log has none)
    /// are values already, as a Parquet file holds them.
    pub fn push_values(
        &mut self,
        line: u64,
        id: &str,
        seconds: i64,
        amount: f64,
        channel: &str,
        order: Option<&str>,
    ) -> Result<()> {
        if let Err(e) = self.check_id(line, id) {
            return self.reject(line, e);
        }
        self.tx.report.rows_read += 1;
        self.add(line, id, seconds, amount, channel, order);
        Ok(())
    }

    fn check_id(&self, line: u64, id: &str) -> Result<()> {
        if !id.trim().is_empty() {
            return Ok(());
        }
        Err(FloError::Data {
            location: Location {
                source: self.tx.source.clone(),
                line,
                column: self.names[0].clone(),
            },
            text: id.to_string(),
            problem: "is an empty id".to_string(),
        })
    }

    /// A line that breaks a rule: raised, or skipped and reported (`BadRows`).
    pub fn reject(&mut self, line: u64, e: FloError) -> Result<()> {
        self.tx.report.rows_read += 1;
        match self.bad_rows {
            BadRows::Raise => Err(e),
            BadRows::Skip => {
                self.tx.report.skipped.push(SkippedRow {
                    line,
                    message: e.to_string(),
                });
                Ok(())
            }
        }
    }

    fn parse(&self, line: u64, id: &str, when: &str, amount: Option<&str>) -> Result<(i64, f64)> {
        let location = |column: &str| Location {
            source: self.tx.source.clone(),
            line,
            column: column.to_string(),
        };
        self.check_id(line, id)?;
        let parse_err = |column: &str, text: &str, expected: String| FloError::Parse {
            location: location(column),
            text: text.to_string(),
            expected,
        };
        let t = parse_datetime(when).map_err(|e| parse_err(&self.names[1], when, e))?;
        let value = match amount {
            None => f64::NAN,
            Some(s) => {
                let v = parse_money(s).map_err(|e| parse_err(&self.names[2], s, e))?;
                if !v.is_finite() {
                    return Err(parse_err(&self.names[2], s, "a finite number".to_string()));
                }
                v
            }
        };
        Ok((t, value))
    }

    fn add(
        &mut self,
        line: u64,
        id: &str,
        t: i64,
        amount: f64,
        channel: &str,
        order: Option<&str>,
    ) {
        let c = self.customer_code(id);
        let tx = &mut self.tx;
        tx.customer.push(c);
        tx.time.push(t);
        tx.amount.push(amount);
        let code = tx.channel.intern(channel);
        tx.channel.codes.push(code);
        let side = self.side(code, channel);
        self.tx.side.push(side);
        let order = match order {
            None => u32::MAX,
            Some(o) => {
                let text = self.order_texts.intern(o);
                self.order_code(c, text)
            }
        };
        let tx = &mut self.tx;
        tx.order.push(order);
        tx.lines.push(line);
    }

    /// Which side a channel counts on, looked up once per channel level.
    fn side(&mut self, code: u32, channel: &str) -> u8 {
        let by_name = |online: &[String], offline: &[String], name: &str| {
            let is = |names: &[String]| names.iter().any(|n| n == name);
            if is(online) {
                ONLINE
            } else if is(offline) {
                OFFLINE
            } else {
                UNKNOWN
            }
        };
        if code == NULL_CODE {
            return by_name(self.online, self.offline, channel);
        }
        while self.sides.len() <= code as usize {
            let level = &self.tx.channel.levels[self.sides.len()];
            self.sides.push(by_name(self.online, self.offline, level));
        }
        self.sides[code as usize]
    }

    /// The number of the order `(customer, order text)`, a new one if it is new.
    fn order_code(&mut self, customer: u32, text: u32) -> u32 {
        let n = self.order_keys.len() as u32;
        let code = *self.orders.entry((customer, text)).or_insert(n);
        if code == n {
            self.order_keys.push((customer, text));
        }
        code
    }

    /// Appends a builder that read the next lines on its own, renumbering its customers and
    /// orders into this one's (first appearance in file order, as reading them here would).
    pub fn absorb(&mut self, part: LogBuilder<'_>) {
        let p = part.tx;
        let customers: Vec<u32> = p.ids.iter().map(|id| self.customer_code(id)).collect();
        // The part's orders in their order of first appearance, renumbered into this log's.
        let orders: Vec<u32> = part
            .order_keys
            .iter()
            .map(|&(c, text)| {
                let text = match text {
                    NULL_CODE => NULL_CODE,
                    t => self
                        .order_texts
                        .intern(&part.order_texts.levels[t as usize]),
                };
                self.order_code(customers[c as usize], text)
            })
            .collect();
        let tx = &mut self.tx;
        tx.customer
            .extend(p.customer.iter().map(|&c| customers[c as usize]));
        tx.time.extend_from_slice(&p.time);
        tx.amount.extend_from_slice(&p.amount);
        tx.side.extend_from_slice(&p.side);
        tx.channel.append(&p.channel);
        tx.order.extend(
            p.order
                .iter()
                .map(|&o| if o == u32::MAX { o } else { orders[o as usize] }),
        );
        tx.lines.extend_from_slice(&p.lines);
        tx.report.rows_read += p.report.rows_read;
        tx.report.skipped.extend(p.report.skipped);
    }

    fn customer_code(&mut self, id: &str) -> u32 {
        let ids = &mut self.tx.ids;
        let hash = hash_text(id);
        let found = self.id_index.entry(
            hash,
            |&c| ids.get(c as usize) == id,
            |&c| hash_text(ids.get(c as usize)),
        );
        match found {
            Entry::Occupied(e) => *e.get(),
            Entry::Vacant(e) => {
                let c = ids.len() as u32;
                ids.push(id);
                e.insert(c);
                c
            }
        }
    }

    pub fn finish(self) -> Transactions {
        self.tx
    }
}

/// A log from text columns (a DataFrame's). `online` / `offline` list the channel names of each
/// side; data row `i` is line `i + 2`, as in the CSV it came from.
pub fn transactions(
    source: &str,
    input: &LogInput,
    online: &[String],
    offline: &[String],
    bad_rows: BadRows,
) -> Result<Transactions> {
    let mut b = LogBuilder::new(source, &input.columns, online, offline, bad_rows);
    fn text(col: &[Option<String>], i: usize) -> &str {
        col[i].as_deref().unwrap_or("")
    }
    for i in 0..input.customer.len() {
        b.push(
            input.lines[i],
            text(&input.customer, i),
            text(&input.datetime, i),
            input.amount.as_ref().map(|c| text(c, i)),
            input.channel.as_ref().map_or("", |c| text(c, i)),
            input.order.as_ref().map(|c| text(c, i)),
        )?;
    }
    Ok(b.finish())
}

/// The period a BTYD summary counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freq {
    /// Calendar days (pandas `"D"`).
    Day,
    /// Weeks starting on Monday (pandas `"W"`, i.e. `W-SUN`).
    Week,
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
pub fn btyd_summary(tx: &Transactions, rows: &[usize], opts: &BtydOptions) -> Btyd {
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

pub fn calibration_holdout(
    tx: &Transactions,
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

/// The FLO customer summary of a log: dates, order counts and totals per side; `order_channel`
/// is the customer's most used channel (first used on a tie), `last_order_channel` that of the
/// last order. Orders with an order id count once however many lines they have.
pub fn customer_frame(tx: &Transactions) -> Result<CustomerFrame> {
    let n = tx.ids.len();
    let mut first = vec![i64::MAX; n];
    let mut last = vec![i64::MIN; n];
    let mut last_side = [vec![i64::MIN; n], vec![i64::MIN; n]];
    let mut counts = [vec![0f64; n], vec![0f64; n]];
    let mut money = [vec![0f64; n], vec![0f64; n]];
    let mut last_channel = vec![u32::MAX; n];
    let mut channel_use: Vec<HashMap<u32, (u64, usize)>> = vec![HashMap::new(); n];
    let mut seen_orders: std::collections::HashSet<u32> = std::collections::HashSet::new();
    for r in 0..tx.time.len() {
        let c = tx.customer[r] as usize;
        let t = tx.time[r];
        first[c] = first[c].min(t);
        if t >= last[c] {
            last[c] = t;
            last_channel[c] = tx.channel.codes[r];
        }
        let entry = channel_use[c].entry(tx.channel.codes[r]).or_insert((0, r));
        entry.0 += 1;
        let side = match tx.side[r] {
            ONLINE => 0,
            OFFLINE => 1,
            _ => continue,
        };
        last_side[side][c] = last_side[side][c].max(t);
        let new_order = tx.order[r] == u32::MAX || seen_orders.insert(tx.order[r]);
        if new_order {
            counts[side][c] += 1.0;
        }
        if !tx.amount[r].is_nan() {
            money[side][c] += tx.amount[r];
        }
    }
    let mut frame = CustomerFrame::new(&tx.source, vec![]);
    let day = |s: i64| {
        if s == i64::MIN {
            NULL_DATE
        } else {
            s.div_euclid(86_400) as i32
        }
    };
    let name = |code: u32| -> String {
        if code == u32::MAX {
            String::new()
        } else {
            tx.channel
                .levels
                .get(code as usize)
                .cloned()
                .unwrap_or_default()
        }
    };
    for c in 0..n {
        let most_used = channel_use[c]
            .iter()
            .max_by(|a, b| a.1 .0.cmp(&b.1 .0).then(b.1 .1.cmp(&a.1 .1)))
            .map(|(&code, _)| code)
            .unwrap_or(u32::MAX);
        let (oc, lc) = (name(most_used), name(last_channel[c]));
        let rec = Record {
            master_id: tx.ids.get(c),
            order_channel: &oc,
            last_order_channel: &lc,
            dates: [
                day(first[c]),
                day(last[c]),
                day(last_side[0][c]),
                day(last_side[1][c]),
            ],
            counts: [counts[0][c], counts[1][c]],
            money: [money[1][c], money[0][c]],
            categories: "[]",
        };
        frame.report.rows_read += 1;
        frame.push(&rec, c as u64 + 2, c as u64)?;
    }
    Ok(frame)
}

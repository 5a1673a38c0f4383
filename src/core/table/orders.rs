//! The order log (one line per purchase) as a typed table: customer codes, times, amounts,
//! channel sides and order ids, built row by row with the same row rules whatever it was read
//! from (the CSV engine's `io::schema::orders`, or a DataFrame's columns).

use hashbrown::hash_table::{Entry, HashTable};
use rustc_hash::FxHashMap;

use crate::core::error::{FloError, Location, Result};
use crate::core::io::parse::{parse_date, parse_money};
use crate::core::table::columns::{hash_text, DictColumn, StrColumn, NULL_CODE};
use crate::core::table::customers::{BadRows, RowReport, SkippedRow, NULL_DATE};

/// The caller's names for the log's columns.
#[derive(Debug, Clone)]
pub struct OrderColumns {
    pub customer: String,
    pub datetime: String,
    pub amount: Option<String>,
    pub channel: Option<String>,
    pub order: Option<String>,
}

/// One text value per field (a DataFrame's columns, or a parsed CSV).
pub struct OrderInput {
    pub customer: Vec<Option<String>>,
    pub datetime: Vec<Option<String>>,
    pub amount: Option<Vec<Option<String>>>,
    pub channel: Option<Vec<Option<String>>>,
    pub order: Option<Vec<Option<String>>>,
    /// 1-based line of each row.
    pub lines: Vec<u64>,
    /// The columns' names (`amount` given when the amount column is).
    pub columns: OrderColumns,
}

/// Channel of a line: which FLO side it counts on.
pub const UNKNOWN: u8 = 0;
pub const ONLINE: u8 = 1;
pub const OFFLINE: u8 = 2;

/// The log, typed. Times are seconds since 1970-01-01.
#[derive(Debug, Clone, Default)]
pub struct OrderLog {
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
pub struct OrderLogBuilder<'a> {
    tx: OrderLog,
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

impl<'a> OrderLogBuilder<'a> {
    /// `columns` names the log's columns in errors; whether it has an amount column says
    /// whether lines carry amounts.
    pub fn new(
        source: &str,
        columns: &OrderColumns,
        online: &'a [String],
        offline: &'a [String],
        bad_rows: BadRows,
    ) -> Self {
        OrderLogBuilder {
            tx: OrderLog {
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
    pub fn absorb(&mut self, part: OrderLogBuilder<'_>) {
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

    pub fn finish(self) -> OrderLog {
        self.tx
    }
}

impl OrderLog {
    /// The ids of the given customer codes, in their order.
    pub fn ids_of(&self, customers: &[u32]) -> StrColumn {
        let mut ids = StrColumn::with_capacity(customers.len(), 0);
        for &c in customers {
            ids.push(self.ids.get(c as usize));
        }
        ids
    }
}

/// A log from text columns (a DataFrame's). `online` / `offline` list the channel names of each
/// side; data row `i` is line `i + 2`, as in the CSV it came from.
pub fn order_log_from_text(
    source: &str,
    input: &OrderInput,
    online: &[String],
    offline: &[String],
    bad_rows: BadRows,
) -> Result<OrderLog> {
    let mut b = OrderLogBuilder::new(source, &input.columns, online, offline, bad_rows);
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

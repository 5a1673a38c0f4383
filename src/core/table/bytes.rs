//! The tables as bytes and back (Python's `pickle`, Dask moving a parsed partition between
//! workers): every column as it is held, so a table crosses without being parsed again. The
//! layout is private to one build of the core: a magic word and version say whose bytes they are.

use crate::core::error::{FloError, Result};
use crate::core::table::columns::{CategoryColumn, DictColumn, StrColumn};
use crate::core::table::customers::{CustomerFrame, RowReport, SkippedRow};
use crate::core::table::orders::OrderLog;

const CUSTOMERS: &[u8; 8] = b"FLOCUST1";
const ORDERS: &[u8; 8] = b"FLOORDR1";

/// Values appended little-endian, each list after its length.
#[derive(Default)]
struct Out(Vec<u8>);

impl Out {
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn text(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }
    fn texts(&mut self, v: &[String]) {
        self.u64(v.len() as u64);
        v.iter().for_each(|s| self.text(s));
    }
    fn list<T: Copy, const N: usize>(&mut self, v: &[T], bytes: impl Fn(T) -> [u8; N]) {
        self.u64(v.len() as u64);
        self.0.reserve(v.len() * N);
        v.iter().for_each(|&x| self.0.extend_from_slice(&bytes(x)));
    }
    fn strs(&mut self, c: &StrColumn) {
        let (data, ends) = c.parts();
        self.text(data);
        self.list(ends, |e| (e as u64).to_le_bytes());
    }
    fn dict(&mut self, c: &DictColumn) {
        self.texts(&c.levels);
        self.list(&c.codes, u32::to_le_bytes);
    }
    fn report(&mut self, r: &RowReport) {
        self.u64(r.rows_read);
        self.u64(r.merged);
        self.u64(r.skipped.len() as u64);
        for s in &r.skipped {
            self.u64(s.line);
            self.text(&s.message);
        }
    }
}

/// Reads what [`Out`] wrote; running short or a bad length is an error, never a panic.
struct In<'a> {
    bytes: &'a [u8],
}

fn corrupt() -> FloError {
    FloError::invalid("these bytes are not a table saved by this version of flo_rfm")
}

impl<'a> In<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.bytes.len() {
            return Err(corrupt());
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    fn len(&mut self, item: usize) -> Result<usize> {
        let n = usize::try_from(self.u64()?).map_err(|_| corrupt())?;
        match n.checked_mul(item) {
            Some(total) if total <= self.bytes.len() => Ok(n),
            _ => Err(corrupt()),
        }
    }
    fn text(&mut self) -> Result<String> {
        let n = self.len(1)?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| corrupt())
    }
    fn texts(&mut self) -> Result<Vec<String>> {
        let n = self.len(8)?;
        (0..n).map(|_| self.text()).collect()
    }
    fn list<T, const N: usize>(&mut self, from: impl Fn([u8; N]) -> T) -> Result<Vec<T>> {
        let n = self.len(N)?;
        let raw = self.take(n * N)?;
        Ok(raw
            .chunks_exact(N)
            .map(|c| from(c.try_into().expect("N bytes")))
            .collect())
    }
    fn strs(&mut self) -> Result<StrColumn> {
        let data = self.text()?;
        let ends = self.list(u64::from_le_bytes)?;
        let ends = ends
            .into_iter()
            .map(|e| usize::try_from(e).map_err(|_| corrupt()))
            .collect::<Result<_>>()?;
        StrColumn::from_parts(data, ends)
    }
    fn dict(&mut self) -> Result<DictColumn> {
        let levels = self.texts()?;
        DictColumn::from_parts(&levels, self.list(u32::from_le_bytes)?)
    }
    fn report(&mut self) -> Result<RowReport> {
        let rows_read = self.u64()?;
        let merged = self.u64()?;
        let n = self.len(16)?;
        let skipped = (0..n)
            .map(|_| {
                Ok(SkippedRow {
                    line: self.u64()?,
                    message: self.text()?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(RowReport {
            rows_read,
            skipped,
            merged,
        })
    }
    fn magic(&mut self, magic: &[u8; 8]) -> Result<()> {
        match self.take(8)? == magic {
            true => Ok(()),
            false => Err(corrupt()),
        }
    }
    fn end(&self) -> Result<()> {
        match self.bytes.is_empty() {
            true => Ok(()),
            false => Err(corrupt()),
        }
    }
}

/// Every column length equal to the table's rows.
fn same_rows(rows: usize, lengths: &[usize]) -> Result<()> {
    match lengths.iter().all(|&n| n == rows) {
        true => Ok(()),
        false => Err(corrupt()),
    }
}

impl CustomerFrame {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut o = Out::default();
        o.0.extend_from_slice(CUSTOMERS);
        o.text(&self.source);
        o.strs(&self.master_id);
        o.dict(&self.order_channel);
        o.dict(&self.last_order_channel);
        self.dates.iter().for_each(|d| o.list(d, i32::to_le_bytes));
        for v in self.counts.iter().chain(&self.money) {
            o.list(v, f64::to_le_bytes);
        }
        let raws: Vec<String> = self.categories.sets.iter().map(|s| s.raw.clone()).collect();
        o.texts(&raws);
        o.list(&self.categories.codes, u32::to_le_bytes);
        o.texts(&self.extra_names);
        o.u64(self.extra.len() as u64);
        self.extra.iter().for_each(|c| o.strs(c));
        o.list(&self.lines, u64::to_le_bytes);
        o.list(&self.positions, u64::to_le_bytes);
        o.report(&self.report);
        o.0
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut i = In { bytes };
        i.magic(CUSTOMERS)?;
        let source = i.text()?;
        let master_id = i.strs()?;
        let order_channel = i.dict()?;
        let last_order_channel = i.dict()?;
        let mut dates: [Vec<i32>; 4] = Default::default();
        for d in &mut dates {
            *d = i.list(i32::from_le_bytes)?;
        }
        let mut numbers: [Vec<f64>; 4] = Default::default();
        for v in &mut numbers {
            *v = i.list(f64::from_le_bytes)?;
        }
        let raws = i.texts()?;
        let categories = CategoryColumn::from_parts(&raws, i.list(u32::from_le_bytes)?)?;
        let extra_names = i.texts()?;
        let n_extra = i.len(8)?;
        let extra: Vec<StrColumn> = (0..n_extra).map(|_| i.strs()).collect::<Result<_>>()?;
        let lines = i.list(u64::from_le_bytes)?;
        let positions = i.list(u64::from_le_bytes)?;
        let report = i.report()?;
        i.end()?;
        let rows = master_id.len();
        let mut lengths = vec![
            order_channel.len(),
            last_order_channel.len(),
            categories.len(),
            lines.len(),
            positions.len(),
        ];
        lengths.extend(dates.iter().map(Vec::len));
        lengths.extend(numbers.iter().map(Vec::len));
        lengths.extend(extra.iter().map(StrColumn::len));
        same_rows(rows, &lengths)?;
        if extra.len() != extra_names.len() {
            return Err(corrupt());
        }
        let [c0, c1, m0, m1] = numbers;
        Ok(CustomerFrame {
            source,
            master_id,
            order_channel,
            last_order_channel,
            dates,
            counts: [c0, c1],
            money: [m0, m1],
            categories,
            extra_names,
            extra,
            lines,
            positions,
            report,
            first_error: None,
        })
    }
}

impl OrderLog {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut o = Out::default();
        o.0.extend_from_slice(ORDERS);
        o.text(&self.source);
        o.strs(&self.ids);
        o.list(&self.customer, u32::to_le_bytes);
        o.list(&self.time, i64::to_le_bytes);
        o.list(&self.amount, f64::to_le_bytes);
        o.list(&self.side, |s| [s]);
        o.dict(&self.channel);
        o.list(&self.order, u32::to_le_bytes);
        o.list(&self.lines, u64::to_le_bytes);
        o.report(&self.report);
        o.u64(u64::from(self.has_amount));
        o.0
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut i = In { bytes };
        i.magic(ORDERS)?;
        let log = OrderLog {
            source: i.text()?,
            ids: i.strs()?,
            customer: i.list(u32::from_le_bytes)?,
            time: i.list(i64::from_le_bytes)?,
            amount: i.list(f64::from_le_bytes)?,
            side: i.list(|[s]: [u8; 1]| s)?,
            channel: i.dict()?,
            order: i.list(u32::from_le_bytes)?,
            lines: i.list(u64::from_le_bytes)?,
            report: i.report()?,
            has_amount: i.u64()? != 0,
        };
        i.end()?;
        let rows = log.time.len();
        same_rows(
            rows,
            &[
                log.customer.len(),
                log.amount.len(),
                log.side.len(),
                log.channel.len(),
                log.order.len(),
                log.lines.len(),
            ],
        )?;
        if log.customer.iter().any(|&c| c as usize >= log.ids.len()) {
            return Err(corrupt());
        }
        Ok(log)
    }
}

#[cfg(test)]
mod tests;

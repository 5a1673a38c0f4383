//! Timestamps: an Arrow column's unit and zone turned into local wall-clock time, and printed
//! as `parse_date`/`parse_datetime` read it or as pandas' `to_csv` writes it.

use arrow_array::cast::AsArray;
use arrow_array::timezone::Tz;
use arrow_array::types::{
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType,
};
use arrow_array::Array;
use arrow_schema::{DataType, TimeUnit};
use chrono::{Offset, TimeZone};

use crate::core::io::write::push_date;

/// How timestamps are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stamp {
    /// `YYYY-MM-DD HH:MM:SS` of the local wall clock, no zone: what `parse_date` and
    /// `parse_datetime` read.
    WallClock,
    /// As pandas' `to_csv` prints the column: a naive column as dates alone when every value is
    /// at midnight, else with the column's finest fraction (`digits`: 0, 3, 6 or 9); a zoned
    /// column the same way but never as dates alone, each value followed by its offset
    /// (`2021-05-30 10:00:00+03:00`).
    Pandas { dates_only: bool, digits: u8 },
}

/// A timestamp column's unit and zone: values to local wall-clock seconds and nanoseconds.
#[derive(Debug, Clone, Copy)]
pub(super) struct Clock {
    per_second: i64,
    tz: Option<Tz>,
}

impl Clock {
    pub(super) fn new(unit: &TimeUnit, tz: Option<&str>) -> Clock {
        let per_second = match unit {
            TimeUnit::Second => 1,
            TimeUnit::Millisecond => 1_000,
            TimeUnit::Microsecond => 1_000_000,
            TimeUnit::Nanosecond => 1_000_000_000,
        };
        // Zones were checked with the column types (`check_column`).
        Clock {
            per_second,
            tz: tz.and_then(|t| t.parse().ok()),
        }
    }

    /// UTC seconds and nanoseconds.
    pub(super) fn split(&self, v: i64) -> (i64, u32) {
        let secs = v.div_euclid(self.per_second);
        let sub = v.rem_euclid(self.per_second);
        (secs, (sub * (1_000_000_000 / self.per_second)) as u32)
    }

    /// The zone's offset from UTC (seconds) at UTC second `secs`.
    fn offset(&self, secs: i64) -> i32 {
        match &self.tz {
            None => 0,
            Some(tz) => chrono::DateTime::from_timestamp(secs, 0)
                .map(|d| {
                    tz.offset_from_utc_datetime(&d.naive_utc())
                        .fix()
                        .local_minus_utc()
                })
                .unwrap_or(0),
        }
    }

    /// Local wall-clock seconds and nanoseconds, and the offset, of value `v`.
    pub(super) fn local(&self, v: i64) -> (i64, u32, i32) {
        let (secs, nanos) = self.split(v);
        let off = self.offset(secs);
        (secs + off as i64, nanos, off)
    }

    /// The local date of value `v`.
    pub(super) fn day(&self, v: i64) -> i32 {
        let (secs, _, _) = self.local(v);
        secs.div_euclid(86_400)
            .clamp(i32::MIN as i64 + 1, i32::MAX as i64) as i32
    }
}

pub(super) fn stamp_values(array: &dyn Array) -> &[i64] {
    match array.data_type() {
        DataType::Timestamp(TimeUnit::Second, _) => {
            array.as_primitive::<TimestampSecondType>().values()
        }
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            array.as_primitive::<TimestampMillisecondType>().values()
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            array.as_primitive::<TimestampMicrosecondType>().values()
        }
        DataType::Timestamp(TimeUnit::Nanosecond, _) => {
            array.as_primitive::<TimestampNanosecondType>().values()
        }
        _ => &[],
    }
}

fn push_2(v: i64, out: &mut Vec<u8>) {
    out.extend_from_slice(&[b'0' + (v / 10) as u8, b'0' + (v % 10) as u8]);
}

fn push_time(secs_of_day: i64, out: &mut Vec<u8>) {
    push_2(secs_of_day / 3600, out);
    out.push(b':');
    push_2(secs_of_day / 60 % 60, out);
    out.push(b':');
    push_2(secs_of_day % 60, out);
}

fn push_fraction(nanos: u32, digits: u8, out: &mut Vec<u8>) {
    if digits == 0 {
        return;
    }
    let text = format!("{nanos:09}");
    out.push(b'.');
    out.extend_from_slice(&text.as_bytes()[..digits as usize]);
}

/// The digits pandas shows for a fraction of a second (its resolution of the value).
pub(super) fn fraction_digits(nanos: u32) -> u8 {
    if nanos % 1_000 != 0 {
        9
    } else if nanos % 1_000_000 != 0 {
        6
    } else if nanos != 0 {
        3
    } else {
        0
    }
}

pub(super) fn push_stamp(clock: &Clock, v: i64, stamp: Stamp, out: &mut Vec<u8>) {
    let (secs, nanos, off) = clock.local(v);
    let day = secs.div_euclid(86_400);
    push_date(day.clamp(i32::MIN as i64 + 1, i32::MAX as i64) as i32, out);
    let time = secs.rem_euclid(86_400);
    match stamp {
        Stamp::WallClock => {
            out.push(b' ');
            push_time(time, out);
        }
        Stamp::Pandas { digits, .. } if clock.tz.is_some() => {
            out.push(b' ');
            push_time(time, out);
            push_fraction(nanos, digits, out);
            out.push(if off < 0 { b'-' } else { b'+' });
            let a = off.unsigned_abs() as i64;
            push_2(a / 3600, out);
            out.push(b':');
            push_2(a / 60 % 60, out);
            if a % 60 != 0 {
                out.push(b':');
                push_2(a % 60, out);
            }
        }
        Stamp::Pandas {
            dates_only: true, ..
        } => {}
        Stamp::Pandas { digits, .. } => {
            out.push(b' ');
            push_time(time, out);
            push_fraction(nanos, digits, out);
        }
    }
}

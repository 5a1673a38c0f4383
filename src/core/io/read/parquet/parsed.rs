//! The columns that are only parsed (dates, counts, money): taken as values where the Arrow
//! type holds them, else through the text pandas prints and the CSV reader's parsers.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type,
    UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::Array;
use arrow_schema::DataType;

use super::print::{Cells, PARSED};
use super::stamps::{stamp_values, Clock};
use crate::core::io::parse::{parse_count, parse_date, parse_money};
use crate::core::io::write::push_float;
use crate::core::table::customers::NULL_DATE;

/// A date column of a batch: days, or text to parse.
pub(super) enum Dates<'a> {
    Days(Vec<i32>),
    Text(Cells<'a>),
}

impl<'a> Dates<'a> {
    pub(super) fn new(array: &'a dyn Array) -> Dates<'a> {
        let with_nulls = |days: Vec<i32>| -> Vec<i32> {
            match array.nulls() {
                None => days,
                Some(n) => days
                    .into_iter()
                    .zip(n.iter())
                    .map(|(d, valid)| if valid { d } else { NULL_DATE })
                    .collect(),
            }
        };
        match array.data_type() {
            DataType::Date32 => Dates::Days(with_nulls(
                array.as_primitive::<Date32Type>().values().to_vec(),
            )),
            DataType::Date64 => Dates::Days(with_nulls(
                array
                    .as_primitive::<Date64Type>()
                    .values()
                    .iter()
                    .map(|&ms| ms.div_euclid(86_400_000) as i32)
                    .collect(),
            )),
            DataType::Timestamp(unit, tz) => {
                let clock = Clock::new(unit, tz.as_deref());
                Dates::Days(with_nulls(
                    stamp_values(array).iter().map(|&v| clock.day(v)).collect(),
                ))
            }
            _ => Dates::Text(Cells::new(array, PARSED)),
        }
    }

    /// Day `i`, or the text that does not parse and what was expected.
    pub(super) fn get(
        &self,
        i: usize,
        buf: &mut Vec<u8>,
    ) -> std::result::Result<i32, (String, String)> {
        match self {
            Dates::Days(d) => Ok(d[i]),
            Dates::Text(c) => {
                let s = c.text(i, buf);
                parse_date(s).map_err(|e| (s.to_string(), e))
            }
        }
    }
}

/// A count or money column of a batch: numbers (`floats`: from a float column, whose counts
/// must be whole as their printed text must), or text to parse.
pub(super) enum Numbers<'a> {
    Values { values: Vec<f64>, floats: bool },
    Text(Cells<'a>),
}

impl<'a> Numbers<'a> {
    pub(super) fn new(array: &'a dyn Array) -> Numbers<'a> {
        macro_rules! values {
            ($t:ty, $floats:expr) => {{
                let a = array.as_primitive::<$t>();
                let values = match a.nulls() {
                    None => a.values().iter().map(|&v| v as f64).collect(),
                    Some(n) => a
                        .values()
                        .iter()
                        .zip(n.iter())
                        .map(|(&v, valid)| if valid { v as f64 } else { f64::NAN })
                        .collect(),
                };
                Numbers::Values {
                    values,
                    floats: $floats,
                }
            }};
        }
        match array.data_type() {
            DataType::Float64 => values!(Float64Type, true),
            DataType::Int8 => values!(Int8Type, false),
            DataType::Int16 => values!(Int16Type, false),
            DataType::Int32 => values!(Int32Type, false),
            DataType::Int64 => values!(Int64Type, false),
            DataType::UInt8 => values!(UInt8Type, false),
            DataType::UInt16 => values!(UInt16Type, false),
            DataType::UInt32 => values!(UInt32Type, false),
            DataType::UInt64 => values!(UInt64Type, false),
            // float32, float16 and decimals print as their shortest decimal, which is read back.
            _ => Numbers::Text(Cells::new(array, PARSED)),
        }
    }

    pub(super) fn count(
        &self,
        i: usize,
        buf: &mut Vec<u8>,
    ) -> std::result::Result<f64, (String, String)> {
        match self {
            Numbers::Values { values, floats } => {
                let v = values[i];
                if *floats && !(v.is_nan() || (v.is_finite() && v.fract() == 0.0)) {
                    // Not a whole count: the CSV's error for the printed value.
                    buf.clear();
                    push_float(v, buf);
                    let s = std::str::from_utf8(buf).unwrap_or_default();
                    return parse_count(s).map_err(|e| (s.to_string(), e));
                }
                Ok(v)
            }
            Numbers::Text(c) => {
                let s = c.text(i, buf);
                parse_count(s).map_err(|e| (s.to_string(), e))
            }
        }
    }

    /// A double printed as Python's `repr` reads back to itself, so values pass as they are.
    pub(super) fn money(
        &self,
        i: usize,
        buf: &mut Vec<u8>,
    ) -> std::result::Result<f64, (String, String)> {
        match self {
            Numbers::Values { values, .. } => Ok(values[i]),
            Numbers::Text(c) => {
                let s = c.text(i, buf);
                parse_money(s).map_err(|e| (s.to_string(), e))
            }
        }
    }
}

//! Values as text: each Arrow value written as pandas' `to_csv` writes it (Python's `repr` of a
//! float, numpy's `str` of a float32, `True`, ISO dates), so the CSV reader's parsers and row
//! rules apply to it unchanged.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowPrimitiveType, Date32Type, Date64Type, Decimal128Type, Decimal256Type, Decimal32Type,
    Decimal64Type, Float16Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, LargeStringArray, StringArray, StringViewArray};
use arrow_schema::{DataType, TimeUnit};

use super::stamps::{push_stamp, stamp_values, Clock, Stamp};
use crate::core::io::write::{push_date, push_float};

/// How a column's values print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Print {
    pub(super) stamp: Stamp,
    /// An integer column with a null anywhere in the file: pandas reads it as float64, so its
    /// values print as floats (`1.0`).
    pub(super) float_ints: bool,
}

/// The printing of the columns that are only parsed (dates, numbers).
pub(super) const PARSED: Print = Print {
    stamp: Stamp::WallClock,
    float_ints: false,
};

fn push_int(v: impl itoa::Integer, out: &mut Vec<u8>) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

pub(super) type F16 = <Float16Type as ArrowPrimitiveType>::Native;

/// The shortest decimal that reads back to a float16, as a double.
pub(super) fn shortest_f16(v: F16) -> f64 {
    let x = v.to_f64();
    if !x.is_finite() {
        return x;
    }
    for p in 0..6 {
        if let Ok(y) = format!("{x:.p$e}").parse::<f64>() {
            if F16::from_f64(y) == v {
                return y;
            }
        }
    }
    x
}

/// The shortest decimal that reads back to a float32, as a double.
pub(super) fn shortest_f32(v: f32) -> f64 {
    if !v.is_finite() {
        return v as f64;
    }
    ryu::Buffer::new()
        .format_finite(v)
        .parse::<f64>()
        .unwrap_or(v as f64)
}

/// A float32 or float16 as numpy's `str` (which pandas' `to_csv` uses) prints it: the shortest
/// decimal that reads back to the value (`shortest`, a double with those digits), positional
/// when `1e-4 <= |value| < max_positional` (1e6 for float32, 1e3 for float16), else
/// `d.ddde+XX`.
pub(super) fn push_numpy_float(value: f64, shortest: f64, max_positional: f64, out: &mut Vec<u8>) {
    let a = value.abs();
    if !value.is_finite() || a == 0.0 || (1e-4..max_positional).contains(&a) {
        // Positional: Python's repr of the same digits (NaN: nothing).
        push_float(shortest, out);
        return;
    }
    // Rust's `{:e}` writes the shortest digits of the double (`1.2345679e8`), which are the
    // float's shortest digits.
    let sci = format!("{shortest:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    out.extend_from_slice(mantissa.as_bytes());
    out.extend_from_slice(if exp < 0 { b"e-" } else { b"e+" });
    if exp.abs() < 10 {
        out.push(b'0');
    }
    push_int(exp.unsigned_abs(), out);
}

/// Writes value `i` of `array` (a [`printable`] type, not a string, dictionary or list) as
/// pandas prints it; a null writes nothing.
fn push_value(array: &dyn Array, i: usize, clock: &Clock, print: Print, out: &mut Vec<u8>) {
    if array.is_null(i) {
        return;
    }
    macro_rules! int {
        ($t:ty) => {{
            let v = array.as_primitive::<$t>().value(i);
            if print.float_ints {
                push_float(v as f64, out)
            } else {
                push_int(v, out)
            }
        }};
    }
    match array.data_type() {
        DataType::Boolean => out.extend_from_slice(if array.as_boolean().value(i) {
            b"True"
        } else {
            b"False"
        }),
        DataType::Int8 => int!(Int8Type),
        DataType::Int16 => int!(Int16Type),
        DataType::Int32 => int!(Int32Type),
        DataType::Int64 => int!(Int64Type),
        DataType::UInt8 => int!(UInt8Type),
        DataType::UInt16 => int!(UInt16Type),
        DataType::UInt32 => int!(UInt32Type),
        DataType::UInt64 => int!(UInt64Type),
        DataType::Float16 => {
            let v = array.as_primitive::<Float16Type>().value(i);
            push_numpy_float(v.to_f64(), shortest_f16(v), 1e3, out)
        }
        DataType::Float32 => {
            let v = array.as_primitive::<Float32Type>().value(i);
            push_numpy_float(v as f64, shortest_f32(v), 1e6, out)
        }
        DataType::Float64 => push_float(array.as_primitive::<Float64Type>().value(i), out),
        DataType::Decimal32(..) => out.extend_from_slice(
            array
                .as_primitive::<Decimal32Type>()
                .value_as_string(i)
                .as_bytes(),
        ),
        DataType::Decimal64(..) => out.extend_from_slice(
            array
                .as_primitive::<Decimal64Type>()
                .value_as_string(i)
                .as_bytes(),
        ),
        DataType::Decimal128(..) => out.extend_from_slice(
            array
                .as_primitive::<Decimal128Type>()
                .value_as_string(i)
                .as_bytes(),
        ),
        DataType::Decimal256(..) => out.extend_from_slice(
            array
                .as_primitive::<Decimal256Type>()
                .value_as_string(i)
                .as_bytes(),
        ),
        DataType::Date32 => push_date(array.as_primitive::<Date32Type>().value(i), out),
        DataType::Date64 => {
            let ms = array.as_primitive::<Date64Type>().value(i);
            push_date(ms.div_euclid(86_400_000) as i32, out)
        }
        DataType::Timestamp(..) => push_stamp(clock, stamp_values(array)[i], print.stamp, out),
        _ => {}
    }
}

/// One column of a batch, cell by cell as the text pandas' `to_csv` writes (a null: `""`).
pub(super) enum Cells<'a> {
    Null,
    Utf8(&'a StringArray),
    LargeUtf8(&'a LargeStringArray),
    Utf8View(&'a StringViewArray),
    Dict {
        keys: &'a dyn Array,
        index: Vec<usize>,
        values: Box<Cells<'a>>,
    },
    /// A list as `[a, b]` (the FLO file's way of writing category lists).
    List {
        list: &'a dyn Array,
        bounds: Vec<usize>,
        values: Box<Cells<'a>>,
    },
    Value {
        array: &'a dyn Array,
        clock: Clock,
        print: Print,
    },
}

impl<'a> Cells<'a> {
    pub(super) fn new(array: &'a dyn Array, print: Print) -> Cells<'a> {
        match array.data_type() {
            DataType::Null => Cells::Null,
            DataType::Utf8 => Cells::Utf8(array.as_string::<i32>()),
            DataType::LargeUtf8 => Cells::LargeUtf8(array.as_string::<i64>()),
            DataType::Utf8View => Cells::Utf8View(array.as_string_view()),
            DataType::Dictionary(..) => match array.as_any_dictionary_opt() {
                Some(d) if !d.values().is_empty() => Cells::Dict {
                    keys: d.keys(),
                    index: d.normalized_keys(),
                    values: Box::new(Cells::new(d.values().as_ref(), print)),
                },
                _ => Cells::Null,
            },
            DataType::List(_) => {
                let l = array.as_list::<i32>();
                Cells::List {
                    list: array,
                    bounds: l.value_offsets().iter().map(|&o| o as usize).collect(),
                    values: Box::new(Cells::new(l.values().as_ref(), print)),
                }
            }
            DataType::LargeList(_) => {
                let l = array.as_list::<i64>();
                Cells::List {
                    list: array,
                    bounds: l.value_offsets().iter().map(|&o| o as usize).collect(),
                    values: Box::new(Cells::new(l.values().as_ref(), print)),
                }
            }
            DataType::Timestamp(unit, tz) => Cells::Value {
                array,
                clock: Clock::new(unit, tz.as_deref()),
                print,
            },
            _ => Cells::Value {
                array,
                clock: Clock::new(&TimeUnit::Second, None),
                print,
            },
        }
    }

    /// Cell `i`; `buf` holds it when it has to be written out.
    pub(super) fn text<'s>(&'s self, i: usize, buf: &'s mut Vec<u8>) -> &'s str {
        match self {
            Cells::Null => "",
            Cells::Utf8(a) => {
                if a.is_null(i) {
                    ""
                } else {
                    a.value(i)
                }
            }
            Cells::LargeUtf8(a) => {
                if a.is_null(i) {
                    ""
                } else {
                    a.value(i)
                }
            }
            Cells::Utf8View(a) => {
                if a.is_null(i) {
                    ""
                } else {
                    a.value(i)
                }
            }
            _ => {
                buf.clear();
                self.write(i, buf);
                // Every cell is written from UTF-8 text and ASCII.
                std::str::from_utf8(buf).unwrap_or_default()
            }
        }
    }

    fn write(&self, i: usize, out: &mut Vec<u8>) {
        match self {
            Cells::Null => {}
            Cells::Utf8(a) if !a.is_null(i) => out.extend_from_slice(a.value(i).as_bytes()),
            Cells::LargeUtf8(a) if !a.is_null(i) => out.extend_from_slice(a.value(i).as_bytes()),
            Cells::Utf8View(a) if !a.is_null(i) => out.extend_from_slice(a.value(i).as_bytes()),
            Cells::Utf8(_) | Cells::LargeUtf8(_) | Cells::Utf8View(_) => {}
            Cells::Dict {
                keys,
                index,
                values,
            } => {
                if !keys.is_null(i) {
                    values.write(index[i], out);
                }
            }
            Cells::List {
                list,
                bounds,
                values,
            } => {
                if !list.is_null(i) {
                    out.push(b'[');
                    for (k, j) in (bounds[i]..bounds[i + 1]).enumerate() {
                        if k > 0 {
                            out.extend_from_slice(b", ");
                        }
                        values.write(j, out);
                    }
                    out.push(b']');
                }
            }
            Cells::Value {
                array,
                clock,
                print,
            } => push_value(*array, i, clock, *print, out),
        }
    }
}

//! Order logs: the caller's columns found and checked, units decoded on all cores while one
//! thread adds their lines in file order, datetimes and amounts taken as values where the
//! Arrow type allows and through the CSV's text otherwise.

use std::path::Path;
use std::sync::mpsc::sync_channel;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Date64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use rayon::prelude::*;

use super::columns::{check_column, prints, Role};
use super::parsed::Numbers;
use super::print::{Cells, Print, PARSED};
use super::stamps::{stamp_values, Clock};
use super::{window, ParquetFile};
use crate::core::error::Result;
use crate::core::io::read::sniff::find_columns;
use crate::core::table::customers::BadRows;
use crate::core::table::orders::{OrderColumns, OrderLog, OrderLogBuilder};

pub(super) fn read_orders_in(
    path: &Path,
    columns: &OrderColumns,
    online: &[String],
    offline: &[String],
    bad_rows: BadRows,
    unit_rows: Option<usize>,
) -> Result<OrderLog> {
    let file = ParquetFile::open(path)?;
    let source = file.name.as_str();
    let fields = file.fields();
    let wanted = [
        (Some(&columns.customer), Role::Text),
        (Some(&columns.datetime), Role::Date),
        (columns.amount.as_ref(), Role::Number),
        (columns.channel.as_ref(), Role::Text),
        (columns.order.as_ref(), Role::Text),
    ];
    let names: Vec<String> = fields.iter().map(|f| f.0.clone()).collect();
    let found = find_columns(source, &names, &wanted.map(|(n, _)| n.map(String::as_str)))?;
    let field_of: [Option<usize>; 5] = std::array::from_fn(|k| found[k]);
    for (k, (_, role)) in wanted.iter().enumerate() {
        if let Some(f) = field_of[k] {
            check_column(source, &fields[f].0, &fields[f].1, *role)?;
        }
    }
    let mut roots: Vec<usize> = field_of.iter().flatten().copied().collect();
    roots.sort_unstable();
    roots.dedup();
    let batch_column: [Option<usize>; 5] =
        field_of.map(|f| f.and_then(|f| roots.iter().position(|&r| r == f)));
    // The datetime and amount are parsed; the others are text as pandas prints it.
    let printed: Vec<usize> = [0, 3, 4].iter().filter_map(|&k| field_of[k]).collect();
    let mut printed_as = prints(&file, &printed)?.into_iter();
    let print: [Print; 5] = std::array::from_fn(|k| match (k, field_of[k]) {
        (0 | 3 | 4, Some(_)) => printed_as.next().unwrap_or(PARSED),
        _ => PARSED,
    });
    let mask = file.mask(&roots);
    let units = file.units(unit_rows);

    // Units are decoded on all cores, a window at a time, while one thread adds their lines in
    // file order (`OrderLogBuilder` numbers customers and orders by first appearance).
    let mut builder = OrderLogBuilder::new(source, columns, online, offline, bad_rows);
    std::thread::scope(|scope| {
        let (tx, rx) = sync_channel::<Vec<(u64, Result<Vec<RecordBatch>>)>>(1);
        let adder = scope.spawn(move || -> Result<OrderLogBuilder> {
            for window in rx {
                for (first_row, batches) in window {
                    let mut row = first_row;
                    for batch in batches? {
                        add_lines(&mut builder, &batch, &batch_column, &print, &mut row)?;
                    }
                }
            }
            Ok(builder)
        });
        for chunk in units.chunks(window()) {
            let decoded: Vec<(u64, Result<Vec<RecordBatch>>)> = chunk
                .par_iter()
                .map(|u| (u.first_row, file.read(&mask, u)))
                .collect();
            if tx.send(decoded).is_err() {
                break; // the adder stopped at a bad line
            }
        }
        drop(tx);
        adder
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            .map(OrderLogBuilder::finish)
    })
}

/// Days since 1970-01-01 of 0000-01-01 and 9999-12-31: the dates whose text (four-digit years)
/// `parse_date` reads.
const FIRST_DAY: i64 = -719_528;
const LAST_DAY: i64 = 2_932_896;

/// Marks a line whose datetime goes through its text.
const AS_TEXT: i64 = i64::MIN;

/// The datetime column's wall-clock seconds when it holds dates or timestamps, as
/// `parse_datetime` reads them from the text pandas prints (`None`: a text column); a null, or a
/// year that text would not hold, is `AS_TEXT`.
fn wall_seconds(array: &dyn Array) -> Option<Vec<i64>> {
    let seconds: Vec<i64> = match array.data_type() {
        DataType::Date32 => array
            .as_primitive::<Date32Type>()
            .values()
            .iter()
            .map(|&d| d as i64 * 86_400)
            .collect(),
        DataType::Date64 => array
            .as_primitive::<Date64Type>()
            .values()
            .iter()
            .map(|&ms| ms.div_euclid(86_400_000) * 86_400)
            .collect(),
        DataType::Timestamp(unit, tz) => {
            let clock = Clock::new(unit, tz.as_deref());
            stamp_values(array)
                .iter()
                .map(|&v| clock.local(v).0)
                .collect()
        }
        _ => return None,
    };
    Some(
        seconds
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let day = s.div_euclid(86_400);
                if array.is_null(i) || !(FIRST_DAY..=LAST_DAY).contains(&day) {
                    AS_TEXT
                } else {
                    s
                }
            })
            .collect(),
    )
}

/// The lines of one batch, the first of which is the file's row `*row`.
fn add_lines(
    b: &mut OrderLogBuilder<'_>,
    batch: &RecordBatch,
    batch_column: &[Option<usize>; 5],
    print: &[Print; 5],
    row: &mut u64,
) -> Result<()> {
    let cells: [Option<Cells>; 5] = std::array::from_fn(|k| {
        batch_column[k].map(|c| Cells::new(batch.column(c).as_ref(), print[k]))
    });
    let [id, when, amount, channel, order] = &cells;
    // Datetimes and amounts taken as values where the column's type allows.
    let seconds = batch_column[1].and_then(|c| wall_seconds(batch.column(c).as_ref()));
    let amounts = batch_column[2].map(|c| Numbers::new(batch.column(c).as_ref()));
    let (mut b_id, mut b_when, mut b_amount, mut b_channel, mut b_order) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..batch.num_rows() {
        let line = *row + 2;
        *row += 1;
        // A column the log names is always present; a missing optional one is `None`.
        let id = id.as_ref().map_or("", |c| c.text(i, &mut b_id));
        let channel = channel.as_ref().map_or("", |c| c.text(i, &mut b_channel));
        let order = order.as_ref().map(|c| c.text(i, &mut b_order));
        let t = seconds.as_ref().map_or(AS_TEXT, |s| s[i]);
        // `Some(None)`: the log has no amount; `None`: the amount goes through its text.
        let value = match &amounts {
            None => Some(None),
            Some(Numbers::Values { values, .. }) if values[i].is_finite() => Some(Some(values[i])),
            Some(_) => None,
        };
        match value {
            Some(value) if t != AS_TEXT => {
                b.push_values(line, id, t, value.unwrap_or(f64::NAN), channel, order)?
            }
            _ => {
                // A null, an amount that is not finite, a text column: the CSV's text, and its
                // errors.
                let when = when.as_ref().map_or("", |c| c.text(i, &mut b_when));
                let amount = amount.as_ref().map(|c| c.text(i, &mut b_amount));
                b.push(line, id, when, amount, channel, order)?;
            }
        }
    }
    Ok(())
}

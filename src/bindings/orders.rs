//! Order logs as a Python object: read, summarise (BTYD and FLO shapes).

use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use super::arrow::{reduce, Reduced};
use super::customers::Frame;
use super::errors::{choice, run};
use crate::core::io::read::engine::{delimiter_of, CsvOptions};
use crate::core::io::schema::orders::{read_path, read_range, OrderOptions};
use crate::core::io::write::{Column, Table};
use crate::core::orders::btyd::{btyd_summary, calibration_holdout, BtydOptions, Freq};
use crate::core::orders::customers::customer_frame;
use crate::core::orders::shuffle::{concat, split_by_customer};
use crate::core::table::columns::StrColumn;
use crate::core::table::customers::BadRows;
use crate::core::table::orders::{self as core, order_log_from_text, OrderColumns, OrderInput};

/// The order log, parsed and typed by the core.
#[pyclass(frozen, module = "flo_rfm._flo_rfm")]
pub struct OrderLog {
    inner: core::OrderLog,
}

/// A per-customer summary of a log in lifetimes' shape: the customers' ids and named float
/// columns, handed over as an Arrow table (no Python object per customer).
#[pyclass(frozen, module = "flo_rfm._flo_rfm")]
pub struct Summary {
    ids: StrColumn,
    columns: Vec<(String, Vec<f64>)>,
}

#[pymethods]
impl Summary {
    fn __len__(&self) -> usize {
        self.ids.len()
    }

    /// The column names after `id`.
    fn names(&self) -> Vec<String> {
        self.columns.iter().map(|(n, _)| n.clone()).collect()
    }

    /// `id` then the columns, as an Arrow C stream.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let mut columns = vec![("id".to_string(), Column::text(&self.ids))];
        columns.extend(
            self.columns
                .iter()
                .map(|(n, v)| (n.clone(), Column::Float(v))),
        );
        super::arrow::stream(py, &Table::new(columns))
    }
}

/// Builds a log from text columns (a DataFrame's) or reads it from a CSV file.
#[pyfunction]
#[pyo3(signature = (source, customer, datetime, amount=None, channel=None, order=None, online=vec![], offline=vec![], on_bad_rows="raise", names=vec![]))]
#[allow(clippy::too_many_arguments)]
fn log_from_columns(
    py: Python<'_>,
    source: &str,
    customer: Vec<Option<String>>,
    datetime: Vec<Option<String>>,
    amount: Option<Vec<Option<String>>>,
    channel: Option<Vec<Option<String>>>,
    order: Option<Vec<Option<String>>>,
    online: Vec<String>,
    offline: Vec<String>,
    on_bad_rows: &str,
    names: Vec<String>,
) -> PyResult<OrderLog> {
    let bad_rows = choice::<BadRows>(on_bad_rows)?;
    let lines = (0..customer.len() as u64).map(|i| i + 2).collect();
    // The customer, date-time and amount columns' names, for errors.
    let name = |k: usize, default: &str| names.get(k).cloned().unwrap_or_else(|| default.into());
    let columns = OrderColumns {
        customer: name(0, "customer"),
        datetime: name(1, "datetime"),
        amount: amount.as_ref().map(|_| name(2, "amount")),
        channel: None,
        order: None,
    };
    let input = OrderInput {
        customer,
        datetime,
        amount,
        channel,
        order,
        lines,
        columns,
    };
    let inner = run(py, || {
        order_log_from_text(source, &input, &online, &offline, bad_rows)
    })?;
    Ok(OrderLog { inner })
}

/// How to read a log, from `read_log`'s arguments.
#[allow(clippy::too_many_arguments)]
fn log_options(
    customer: String,
    datetime: String,
    amount: Option<String>,
    channel: Option<String>,
    order: Option<String>,
    online: Vec<String>,
    offline: Vec<String>,
    on_bad_rows: &str,
    delimiter: Option<&str>,
    encoding: Option<String>,
) -> PyResult<OrderOptions> {
    Ok(OrderOptions {
        columns: OrderColumns {
            customer,
            datetime,
            amount,
            channel,
            order,
        },
        online,
        offline,
        bad_rows: choice::<BadRows>(on_bad_rows)?,
        csv: CsvOptions {
            delimiter: delimiter_of(delimiter).map_err(super::errors::to_py)?,
            encoding,
            progress: None,
            first_line: None,
        },
    })
}

#[pyfunction]
#[pyo3(signature = (path, customer, datetime, amount=None, channel=None, order=None, online=vec![], offline=vec![], on_bad_rows="raise", delimiter=None, encoding=None))]
#[allow(clippy::too_many_arguments)]
fn read_log(
    py: Python<'_>,
    path: std::path::PathBuf,
    customer: String,
    datetime: String,
    amount: Option<String>,
    channel: Option<String>,
    order: Option<String>,
    online: Vec<String>,
    offline: Vec<String>,
    on_bad_rows: &str,
    delimiter: Option<&str>,
    encoding: Option<String>,
) -> PyResult<OrderLog> {
    let opts = log_options(
        customer,
        datetime,
        amount,
        channel,
        order,
        online,
        offline,
        on_bad_rows,
        delimiter,
        encoding,
    )?;
    let inner = run(py, || read_path(&path, &opts))?;
    Ok(OrderLog { inner })
}

/// The lines that start in bytes `[start, end)` of a plain CSV log (a Dask partition), after
/// ranges whose `count_csv_range` counts are `before`; lines numbered in the whole file.
#[pyfunction]
#[pyo3(signature = (path, start, end, before, customer, datetime, amount=None, on_bad_rows="raise", delimiter=None))]
#[allow(clippy::too_many_arguments)]
fn read_log_range(
    py: Python<'_>,
    path: std::path::PathBuf,
    start: u64,
    end: u64,
    before: Vec<(bool, u64)>,
    customer: String,
    datetime: String,
    amount: Option<String>,
    on_bad_rows: &str,
    delimiter: Option<&str>,
) -> PyResult<OrderLog> {
    let opts = log_options(
        customer,
        datetime,
        amount,
        None,
        None,
        vec![],
        vec![],
        on_bad_rows,
        delimiter,
        None,
    )?;
    let range = super::read::byte_range(start, end, &before);
    let inner = run(py, || read_range(&path, &range, &opts))?;
    Ok(OrderLog { inner })
}

/// The logs one after another as one log, as if read in that order.
#[pyfunction]
fn concat_logs(py: Python<'_>, parts: Vec<Bound<'_, OrderLog>>) -> OrderLog {
    let logs: Vec<&core::OrderLog> = parts.iter().map(|p| &p.get().inner).collect();
    OrderLog {
        inner: py.detach(|| concat(&logs)),
    }
}

/// An order log from `OrderLog.__reduce__`'s bytes (unpickling).
#[pyfunction]
fn log_from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<OrderLog> {
    let inner = run(py, || core::OrderLog::from_bytes(data))?;
    Ok(OrderLog { inner })
}

#[pymethods]
impl OrderLog {
    /// Pickles as the core's own bytes: unpickling does not parse the input again.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Reduced<'py>> {
        reduce(py, "log_from_bytes", || self.inner.to_bytes())
    }

    /// The log split into `buckets` logs by customer id (each keeping its lines' order): the
    /// pieces a shuffle moves so that every customer's lines meet in one place.
    fn split_by_customer(&self, py: Python<'_>, buckets: usize) -> PyResult<Vec<OrderLog>> {
        let parts = run(py, || split_by_customer(&self.inner, buckets))?;
        Ok(parts.into_iter().map(|inner| OrderLog { inner }).collect())
    }

    fn __len__(&self) -> usize {
        self.inner.time.len()
    }

    /// The latest purchase time (seconds since 1970-01-01), if any.
    fn max_time(&self) -> Option<i64> {
        self.inner.time.iter().copied().max()
    }

    /// (rows read, [(line, message)] skipped).
    fn report(&self) -> (u64, Vec<(u64, String)>) {
        let r = &self.inner.report;
        (r.rows_read, super::errors::skipped_rows(r))
    }

    /// lifetimes' `summary_data_from_transaction_data`: (ids, frequency, recency, T, monetary).
    #[pyo3(signature = (freq="D", multiplier=1.0, observation_end=None, include_first=false))]
    fn btyd(
        &self,
        py: Python<'_>,
        freq: &str,
        multiplier: f64,
        observation_end: Option<i64>,
        include_first: bool,
    ) -> PyResult<Summary> {
        let opts = BtydOptions {
            freq: choice::<Freq>(freq)?,
            multiplier,
            observation_end,
            include_first,
        };
        let rows: Vec<usize> = (0..self.inner.time.len()).collect();
        Ok(py.detach(|| {
            let b = btyd_summary(&self.inner, &rows, &opts);
            Summary {
                ids: self.inner.ids_of(&b.customers),
                columns: b.into_columns(),
            }
        }))
    }

    /// lifetimes' `calibration_and_holdout_data`.
    #[pyo3(signature = (calibration_end, observation_end=None, freq="D", multiplier=1.0))]
    fn calibration_holdout(
        &self,
        py: Python<'_>,
        calibration_end: i64,
        observation_end: Option<i64>,
        freq: &str,
        multiplier: f64,
    ) -> PyResult<Summary> {
        let f = choice::<Freq>(freq)?;
        run(py, || {
            let c =
                calibration_holdout(&self.inner, calibration_end, observation_end, f, multiplier)?;
            Ok(Summary {
                ids: self.inner.ids_of(&c.calibration.customers),
                columns: c.into_columns(),
            })
        })
    }

    /// The FLO customer summary of the log, as a customer table.
    fn customers(&self, py: Python<'_>) -> PyResult<Frame> {
        let frame = run(py, || customer_frame(&self.inner))?;
        Ok(Frame {
            inner: std::sync::Arc::new(frame),
        })
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<OrderLog>()?;
    m.add_class::<Summary>()?;
    m.add_function(wrap_pyfunction!(log_from_columns, m)?)?;
    m.add_function(wrap_pyfunction!(read_log, m)?)?;
    m.add_function(wrap_pyfunction!(log_from_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(read_log_range, m)?)?;
    m.add_function(wrap_pyfunction!(concat_logs, m)?)?;
    Ok(())
}

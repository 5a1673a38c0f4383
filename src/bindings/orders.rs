//! Order logs as a Python object: read, summarise (BTYD and FLO shapes).

use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use super::customers::Frame;
use super::errors::run;
use super::rfm::choice;
use crate::core::io::read::engine::{delimiter_of, CsvOptions};
use crate::core::io::schema::orders::{read_path, OrderOptions};
use crate::core::orders::btyd::{btyd_summary, calibration_holdout, Btyd, BtydOptions, Freq};
use crate::core::orders::customers::customer_frame;
use crate::core::table::customers::BadRows;
use crate::core::table::orders::{transactions, OrderColumns, OrderInput, OrderLog};

#[pyclass(frozen, module = "flo_rfm._flo_rfm")]
pub struct Log {
    inner: OrderLog,
}

type F64Out<'py> = Bound<'py, PyArray1<f64>>;
type BtydOut<'py> = (
    Vec<String>,
    F64Out<'py>,
    F64Out<'py>,
    F64Out<'py>,
    Option<F64Out<'py>>,
);

fn btyd_out<'py>(py: Python<'py>, log: &OrderLog, b: Btyd) -> BtydOut<'py> {
    (
        b.customers
            .iter()
            .map(|&c| log.ids.get(c as usize).to_string())
            .collect(),
        PyArray1::from_vec(py, b.frequency),
        PyArray1::from_vec(py, b.recency),
        PyArray1::from_vec(py, b.t),
        b.monetary.map(|m| PyArray1::from_vec(py, m)),
    )
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
) -> PyResult<Log> {
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
        transactions(source, &input, &online, &offline, bad_rows)
    })?;
    Ok(Log { inner })
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
) -> PyResult<Log> {
    let bad_rows = choice::<BadRows>(on_bad_rows)?;
    let opts = OrderOptions {
        columns: OrderColumns {
            customer,
            datetime,
            amount,
            channel,
            order,
        },
        online,
        offline,
        bad_rows,
        csv: CsvOptions {
            delimiter: delimiter_of(delimiter).map_err(super::errors::to_py)?,
            encoding,
            progress: None,
        },
    };
    let inner = run(py, || read_path(&path, &opts))?;
    Ok(Log { inner })
}

/// An order log from `Log.__reduce__`'s bytes (unpickling).
#[pyfunction]
fn log_from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Log> {
    let inner = run(py, || OrderLog::from_bytes(data))?;
    Ok(Log { inner })
}

#[pymethods]
impl Log {
    /// Pickles as the core's own bytes: unpickling does not parse the input again.
    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let rebuild = py.import("flo_rfm._flo_rfm")?.getattr("log_from_bytes")?;
        let bytes = py.detach(|| self.inner.to_bytes());
        Ok((rebuild, (PyBytes::new(py, &bytes),)))
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
    fn btyd<'py>(
        &self,
        py: Python<'py>,
        freq: &str,
        multiplier: f64,
        observation_end: Option<i64>,
        include_first: bool,
    ) -> PyResult<BtydOut<'py>> {
        let opts = BtydOptions {
            freq: choice::<Freq>(freq)?,
            multiplier,
            observation_end,
            include_first,
        };
        let rows: Vec<usize> = (0..self.inner.time.len()).collect();
        let b = py.detach(|| btyd_summary(&self.inner, &rows, &opts));
        Ok(btyd_out(py, &self.inner, b))
    }

    /// lifetimes' `calibration_and_holdout_data`:
    /// (calibration summary, frequency_holdout, monetary_holdout, duration_holdout).
    #[pyo3(signature = (calibration_end, observation_end=None, freq="D", multiplier=1.0))]
    #[allow(clippy::type_complexity)]
    fn calibration_holdout<'py>(
        &self,
        py: Python<'py>,
        calibration_end: i64,
        observation_end: Option<i64>,
        freq: &str,
        multiplier: f64,
    ) -> PyResult<(BtydOut<'py>, F64Out<'py>, Option<F64Out<'py>>, f64)> {
        let f = choice::<Freq>(freq)?;
        let c = run(py, || {
            calibration_holdout(&self.inner, calibration_end, observation_end, f, multiplier)
        })?;
        Ok((
            btyd_out(py, &self.inner, c.calibration),
            PyArray1::from_vec(py, c.frequency_holdout),
            c.monetary_holdout.map(|m| PyArray1::from_vec(py, m)),
            c.duration_holdout,
        ))
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
    m.add_class::<Log>()?;
    m.add_function(wrap_pyfunction!(log_from_columns, m)?)?;
    m.add_function(wrap_pyfunction!(read_log, m)?)?;
    m.add_function(wrap_pyfunction!(log_from_bytes, m)?)?;
    Ok(())
}

//! The one place core errors become Python exceptions (classes live in `flo_rfm.exceptions`).

use pyo3::exceptions::{PyFileNotFoundError, PyIsADirectoryError, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::core::error::FloError;

fn raise(py: Python<'_>, class: &str, message: String, attrs: &[(&str, Py<PyAny>)]) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let module = py.import("flo_rfm.exceptions")?;
        let exc = module.getattr(class)?.call1((message.clone(),))?;
        let dict = PyDict::new(py);
        for (k, v) in attrs {
            dict.set_item(k, v)?;
        }
        for (k, v) in dict.iter() {
            exc.setattr(k.extract::<String>()?.as_str(), v)?;
        }
        Ok(PyErr::from_value(exc))
    };
    build().unwrap_or_else(|_| PyValueError::new_err(message))
}

pub fn to_py(err: FloError) -> PyErr {
    Python::attach(|py| {
        let msg = err.to_string();
        let obj = |v: &str| v.into_pyobject(py).unwrap().into_any().unbind();
        let int = |v: u64| v.into_pyobject(py).unwrap().into_any().unbind();
        match &err {
            FloError::NotFound { .. } => PyFileNotFoundError::new_err(msg),
            FloError::IsFolder { .. } => PyIsADirectoryError::new_err(msg),
            FloError::Io { .. } => PyOSError::new_err(msg),
            FloError::OutputIsInput { path } => {
                raise(py, "OutputIsInputError", msg, &[("path", obj(path))])
            }
            FloError::MissingColumns {
                source_name,
                columns,
            } => {
                let cols = columns
                    .clone()
                    .into_pyobject(py)
                    .unwrap()
                    .into_any()
                    .unbind();
                raise(
                    py,
                    "MissingColumnsError",
                    msg,
                    &[("source", obj(source_name)), ("columns", cols)],
                )
            }
            FloError::Parse { location, text, .. } | FloError::Data { location, text, .. } => {
                raise(
                    py,
                    "InputError",
                    msg,
                    &[
                        ("source", obj(&location.source)),
                        ("line", int(location.line)),
                        ("column", obj(&location.column)),
                        ("text", obj(text)),
                    ],
                )
            }
            FloError::Format {
                source_name, line, ..
            } => raise(
                py,
                "InputError",
                msg,
                &[("source", obj(source_name)), ("line", int(*line))],
            ),
            FloError::BinEdges { .. } => raise(py, "BinEdgesError", msg, &[]),
            FloError::Regex { .. } => raise(py, "SegmentMapError", msg, &[]),
            FloError::InvalidArgument(_) => raise(py, "InvalidArgumentError", msg, &[]),
            FloError::Convergence(_) => raise(py, "ConvergenceError", msg, &[]),
        }
    })
}

/// Runs heavy work with the GIL released and converts its error: every binding goes through here.
pub fn run<T: Send>(
    py: Python<'_>,
    work: impl FnOnce() -> Result<T, FloError> + Send,
) -> PyResult<T> {
    py.detach(work).map_err(to_py)
}

/// Skipped rows as `(line, message)` pairs for Python.
pub fn skipped_rows(report: &crate::core::frame::RowReport) -> Vec<(u64, String)> {
    report
        .skipped
        .iter()
        .map(|s| (s.line, s.message.clone()))
        .collect()
}

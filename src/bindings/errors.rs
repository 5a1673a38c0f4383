//! The one place core errors become Python exceptions (classes live in `flo_rfm.exceptions`).

use crate::core::choice::Choice;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

use crate::core::error::{FloError, IoKind, Location};

/// The classes of `flo_rfm.exceptions` (declared there, once), taken on the first error: no
/// lookup by name when an error is raised.
struct Classes {
    input: Py<PyType>,
    missing_columns: Py<PyType>,
    missing_values: Py<PyType>,
    bin_edges: Py<PyType>,
    segment_map: Py<PyType>,
    invalid_argument: Py<PyType>,
    output_is_input: Py<PyType>,
    convergence: Py<PyType>,
    file: Py<PyType>,
    file_missing: Py<PyType>,
    file_access: Py<PyType>,
    is_a_folder: Py<PyType>,
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

fn classes(py: Python<'_>) -> &Classes {
    CLASSES.get_or_init(py, || {
        let module = py
            .import("flo_rfm.exceptions")
            .expect("flo_rfm.exceptions is part of the package");
        let class = |name: &str| -> Py<PyType> {
            module
                .getattr(name)
                .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from))
                .unwrap_or_else(|e| panic!("flo_rfm.exceptions.{name}: {e}"))
                .unbind()
        };
        Classes {
            input: class("InputError"),
            missing_columns: class("MissingColumnsError"),
            missing_values: class("MissingValuesError"),
            bin_edges: class("BinEdgesError"),
            segment_map: class("SegmentMapError"),
            invalid_argument: class("InvalidArgumentError"),
            output_is_input: class("OutputIsInputError"),
            convergence: class("ConvergenceError"),
            file: class("FileError"),
            file_missing: class("FileMissingError"),
            file_access: class("FileAccessError"),
            is_a_folder: class("IsAFolderError"),
        }
    })
}

/// An instance of `class` built from `args`, with `attrs` set on it.
fn raise<'py>(
    class: &Bound<'py, PyType>,
    args: impl pyo3::call::PyCallArgs<'py>,
    attrs: &[(&str, Bound<'py, PyAny>)],
) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let exc = class.call1(args)?;
        for (k, v) in attrs {
            exc.setattr(*k, v)?;
        }
        Ok(PyErr::from_value(exc))
    };
    build().unwrap_or_else(|e| e)
}

fn location_attrs<'py>(py: Python<'py>, at: &Location) -> Vec<(&'static str, Bound<'py, PyAny>)> {
    vec![
        (
            "source",
            at.source.clone().into_pyobject(py).unwrap().into_any(),
        ),
        ("line", at.line.into_pyobject(py).unwrap().into_any()),
        (
            "column",
            at.column.clone().into_pyobject(py).unwrap().into_any(),
        ),
    ]
}

pub fn to_py(err: FloError) -> PyErr {
    Python::attach(|py| {
        let c = classes(py);
        let msg = err.to_string();
        let text = |v: &str| v.into_pyobject(py).unwrap().into_any();
        match &err {
            FloError::Io {
                path,
                message,
                kind,
                errno,
            } => {
                let class = match kind {
                    IoKind::NotFound => &c.file_missing,
                    IoKind::PermissionDenied => &c.file_access,
                    IoKind::IsFolder => &c.is_a_folder,
                    IoKind::Other => &c.file,
                };
                let class = class.bind(py);
                match errno {
                    // OSError(errno, strerror, filename): str() is "[Errno n] message: 'path'".
                    Some(n) => raise(class, (*n, message.as_str(), path.as_str()), &[]),
                    None => raise(class, (msg,), &[("filename", text(path))]),
                }
            }
            FloError::OutputIsInput { path } => {
                raise(c.output_is_input.bind(py), (msg,), &[("path", text(path))])
            }
            FloError::MissingColumns {
                source_name,
                columns,
                ..
            } => {
                let cols = columns.clone().into_pyobject(py).unwrap().into_any();
                raise(
                    c.missing_columns.bind(py),
                    (msg,),
                    &[("source", text(source_name)), ("columns", cols)],
                )
            }
            FloError::Parse {
                location, text: t, ..
            }
            | FloError::Data {
                location, text: t, ..
            } => {
                let mut attrs = location_attrs(py, location);
                attrs.push(("text", text(t)));
                raise(c.input.bind(py), (msg,), &attrs)
            }
            FloError::MissingValues { location, count } => {
                let mut attrs = location_attrs(py, location);
                attrs.push(("count", count.into_pyobject(py).unwrap().into_any()));
                raise(c.missing_values.bind(py), (msg,), &attrs)
            }
            FloError::Format {
                source_name, line, ..
            } => raise(
                c.input.bind(py),
                (msg,),
                &[
                    ("source", text(source_name)),
                    ("line", line.into_pyobject(py).unwrap().into_any()),
                ],
            ),
            FloError::BinEdges { .. } => raise(c.bin_edges.bind(py), (msg,), &[]),
            FloError::Regex { .. } => raise(c.segment_map.bind(py), (msg,), &[]),
            FloError::InvalidArgument(_) => raise(c.invalid_argument.bind(py), (msg,), &[]),
            FloError::Convergence(_) => raise(c.convergence.bind(py), (msg,), &[]),
            FloError::Cancelled { .. } => pyo3::exceptions::PyKeyboardInterrupt::new_err(msg),
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
pub fn skipped_rows(report: &crate::core::table::customers::RowReport) -> Vec<(u64, String)> {
    report
        .skipped
        .iter()
        .map(|s| (s.line, s.message.clone()))
        .collect()
}

/// A word option read into its core enum (the core names the option and its words).
pub fn choice<T: Choice>(word: &str) -> PyResult<T> {
    T::parse(word).map_err(to_py)
}

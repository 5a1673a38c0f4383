//! Tables handed to Python: through the Arrow C stream interface (`__arrow_c_stream__`), so
//! pyarrow, Polars and DuckDB take them without a copy and without a Python object per row;
//! and to `pickle` as the core's own bytes.

use std::ffi::CString;

use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{RecordBatch, RecordBatchIterator};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyCapsule};

use super::errors::to_py;
use crate::core::error::FloError;
use crate::core::io::write::Table;

/// The table as a `PyCapsule` named `arrow_array_stream`. A `requested_schema` is not honoured
/// (the protocol lets a producer keep its own); consumers cast if they need to.
pub fn stream<'py>(py: Python<'py>, table: &Table<'_>) -> PyResult<Bound<'py, PyCapsule>> {
    let batch = py
        .detach(|| table.to_arrow())
        .map_err(|e| to_py(FloError::invalid(format!("building the Arrow table: {e}"))))?;
    capsule(py, batch)
}

fn capsule(py: Python<'_>, batch: RecordBatch) -> PyResult<Bound<'_, PyCapsule>> {
    let schema = batch.schema();
    let reader = RecordBatchIterator::new(vec![Ok(batch)], schema);
    let ffi = FFI_ArrowArrayStream::new(Box::new(reader));
    let name = CString::new("arrow_array_stream").expect("no NUL in the name");
    // A consumer moves the stream out (its release set to null); an untaken one is released
    // when the capsule is freed, by the struct's own Drop.
    PyCapsule::new(py, ffi, Some(name))
}

/// What `__reduce__` returns: the module function that rebuilds the object, and its bytes.
pub type Reduced<'py> = (Bound<'py, PyAny>, (Bound<'py, PyBytes>,));

/// `__reduce__` of a table held as the core's bytes: `rebuild` is the `_flo_rfm` function that
/// reads them back; `to_bytes` runs without the GIL.
pub fn reduce<'py>(
    py: Python<'py>,
    rebuild: &str,
    to_bytes: impl FnOnce() -> Vec<u8> + Send,
) -> PyResult<Reduced<'py>> {
    let rebuild = py.import("flo_rfm._flo_rfm")?.getattr(rebuild)?;
    let bytes = py.detach(to_bytes);
    Ok((rebuild, (PyBytes::new(py, &bytes),)))
}

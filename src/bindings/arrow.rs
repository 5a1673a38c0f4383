//! Tables handed to Python through the Arrow C stream interface (`__arrow_c_stream__`), so
//! pyarrow, Polars and DuckDB take them without a copy and without a Python object per row.

use std::ffi::CString;

use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{RecordBatch, RecordBatchIterator};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

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

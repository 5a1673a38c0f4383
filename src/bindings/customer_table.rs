//! The customer table (the RFM table joined with the CLTV study) as a Python object: its CLV
//! columns as arrays, the whole table as an Arrow stream, and its file.

use std::path::PathBuf;
use std::sync::Arc;

use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use super::cltv::Cltv;
use super::errors::{run, to_py};
use super::rfm::Rfm;
use crate::core::customer_table::{
    clv_columns, customer_table, write_customer_table, ClvColumns, REASONS,
};
use crate::core::error::FloError;
use crate::core::io::write::Format;

type F64Out<'py> = Bound<'py, PyArray1<f64>>;
type I64Out<'py> = Bound<'py, PyArray1<i64>>;

#[pyclass(frozen, module = "flo_rfm._flo_rfm")]
pub struct CustomerTable {
    rfm: Py<Rfm>,
    cltv: Py<Cltv>,
    clv: ClvColumns,
}

#[pymethods]
impl CustomerTable {
    /// Joins an RFM table and a CLTV study made from the same read customer table.
    #[new]
    fn new(py: Python<'_>, rfm: Py<Rfm>, cltv: Py<Cltv>) -> PyResult<Self> {
        let (r, c) = (rfm.get(), cltv.get());
        if !Arc::ptr_eq(&r.frame, &c.frame) {
            return Err(to_py(FloError::invalid(
                "the RFM table and the CLTV study were made from different customer data"
                    .to_string(),
            )));
        }
        let clv = run(py, || clv_columns(&c.frame, &c.inner))?;
        Ok(CustomerTable { rfm, cltv, clv })
    }

    fn __len__(&self) -> usize {
        self.clv.cltv.len()
    }

    /// The five float columns: p_alive, exp_sales_3_month, exp_sales_6_month,
    /// exp_average_value, cltv (NaN where the study left the customer out).
    fn columns<'py>(&self, py: Python<'py>) -> Vec<F64Out<'py>> {
        self.clv
            .numbers()
            .into_iter()
            .map(|c| PyArray1::from_slice(py, c))
            .collect()
    }

    /// CLV segment bin codes (-1 where left out) and the labels in bin order (worst first).
    fn segment<'py>(&self, py: Python<'py>) -> (I64Out<'py>, Vec<String>) {
        let codes = PyArray1::from_iter(py, self.clv.segment.iter().map(|&c| c as i64));
        (codes, self.cltv.get().inner.labels.clone())
    }

    /// Why each customer was left out: codes into the reasons (-1 when included), the reasons.
    fn reason<'py>(&self, py: Python<'py>) -> (I64Out<'py>, Vec<&'static str>) {
        let codes = self.clv.reason.iter().map(|r| r.map_or(-1, i64::from));
        (PyArray1::from_iter(py, codes), REASONS.to_vec())
    }

    /// The whole table (with `master_id`) as an Arrow C stream.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let (r, c) = (self.rfm.get(), self.cltv.get());
        let table = customer_table(&r.frame, &r.inner, &self.clv, &c.inner.labels);
        super::arrow::stream(py, &table)
    }

    /// Writes the table to `path` (CSV as pandas' `to_csv`, or Parquet), atomically, never
    /// over the input.
    #[pyo3(signature = (path, format="csv"))]
    fn write_table(&self, py: Python<'_>, path: PathBuf, format: &str) -> PyResult<()> {
        let format = Format::parse(format).map_err(to_py)?;
        let (r, c) = (self.rfm.get(), self.cltv.get());
        run(py, || {
            write_customer_table(
                &r.frame,
                &r.inner,
                &self.clv,
                &c.inner.labels,
                &path,
                format,
            )
        })
    }
}

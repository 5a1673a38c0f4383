//! The bootstrap of the CLV: replicates refitted and predicted in the core, the per-customer
//! summary back as one typed result.

use numpy::PyArray1;
use pyo3::prelude::*;

use super::errors::{choice, run};
use super::models::{columns, horizon, F64In, HorizonIn};
use crate::core::clv::bootstrap::{self, BootstrapOptions};
use crate::core::clv::purchases::PurchaseModel;

/// Per customer: the CLV fitted on all customers (`point`), the replicates' `mean` and `std`,
/// the interval's `lower` and `upper` ends; and how many replicates did not converge.
#[pyclass(frozen, module = "flo_rfm._flo_rfm")]
pub struct Bootstrap {
    inner: bootstrap::BootstrapClv,
}

#[pymethods]
impl Bootstrap {
    #[getter]
    fn point<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.inner.point)
    }

    #[getter]
    fn mean<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.inner.mean)
    }

    #[getter]
    fn std<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.inner.std)
    }

    #[getter]
    fn lower<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.inner.lower)
    }

    #[getter]
    fn upper<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.inner.upper)
    }

    #[getter]
    fn failed(&self) -> usize {
        self.inner.failed
    }
}

/// The bootstrapped CLV of every customer; see `flo_rfm.bootstrap_clv`.
#[pyfunction]
#[pyo3(signature = (model, x, t_x, t, m, penalizers, horizon_in, replicates, seed, level, progress=None))]
#[allow(clippy::too_many_arguments)]
fn bootstrap_clv(
    py: Python<'_>,
    model: &str,
    x: F64In<'_>,
    t_x: F64In<'_>,
    t: F64In<'_>,
    m: F64In<'_>,
    penalizers: (f64, f64),
    horizon_in: HorizonIn,
    replicates: usize,
    seed: u64,
    level: f64,
    progress: Option<&super::progress::Progress>,
) -> PyResult<Bootstrap> {
    let cols = columns([&x, &t_x, &t, &m])?;
    let o = BootstrapOptions {
        kind: choice::<PurchaseModel>(model)?,
        purchase_penalizer: penalizers.0,
        spend_penalizer: penalizers.1,
        horizon: horizon(horizon_in),
        replicates,
        seed,
        level,
        watch: progress.map(|p| std::sync::Arc::clone(&p.watch)),
    };
    let inner = run(py, || bootstrap::bootstrap_clv(cols, &o))?;
    Ok(Bootstrap { inner })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Bootstrap>()?;
    m.add_function(wrap_pyfunction!(bootstrap_clv, m)?)?;
    Ok(())
}

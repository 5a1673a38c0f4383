//! Fits whose likelihood is summed part by part (e.g. per partition on a Dask cluster): the
//! parts' order-free sums are merged here, so the fit equals the one-machine fit bit for bit.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use numpy::PyArray1;
use pyo3::prelude::*;

use super::errors::{choice, run, to_py};
use super::models::{F64In, F64Out, Fit};
use crate::core::clv::bgnbd::{self, BgNbdData, BgNbdParams, FitShape};
use crate::core::clv::fit::Ask;
use crate::core::clv::gamma_gamma::{self, GammaGammaData, GammaGammaParams, SpendSums};
use crate::core::clv::history::{time_scale, ScaledHistory};
use crate::core::clv::likelihood::TermSums;
use crate::core::clv::purchases::PurchaseModel;
use crate::core::error::FloError;

/// Per part: the sums of the value and of each gradient component, as exact partials.
type Parts = Vec<Vec<Vec<f64>>>;

fn modified_of(model: &str) -> PyResult<bool> {
    match choice::<PurchaseModel>(model)? {
        PurchaseModel::BgNbd => Ok(false),
        PurchaseModel::ModifiedBgNbd => Ok(true),
        PurchaseModel::ParetoNbd => Err(to_py(FloError::invalid(
            "fitting from partial sums supports \"bgnbd\" and \"mbgnbd\"",
        ))),
    }
}

fn vec_out<'py>(py: Python<'py>, v: Vec<f64>) -> F64Out<'py> {
    PyArray1::from_vec(py, v)
}

/// One part's customers checked, times scaled by `scale` (from the largest T of all parts),
/// identical histories collapsed: `(x, t_x, T, weight)`.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn history_groups<'py>(
    py: Python<'py>,
    x: F64In<'py>,
    t_x: F64In<'py>,
    t: F64In<'py>,
    scale: f64,
) -> PyResult<(F64Out<'py>, F64Out<'py>, F64Out<'py>, F64Out<'py>)> {
    let (x, t_x, t) = (x.as_slice()?, t_x.as_slice()?, t.as_slice()?);
    let h = run(py, || {
        if x.is_empty() {
            return Ok(ScaledHistory {
                x: vec![],
                t_x: vec![],
                t: vec![],
                w: vec![],
                scale,
            });
        }
        ScaledHistory::with_scale(x, t_x, t, None, scale)
    })?;
    Ok((
        vec_out(py, h.x),
        vec_out(py, h.t_x),
        vec_out(py, h.t),
        vec_out(py, h.w),
    ))
}

/// lifetimes' time scale `1 / max(T)`.
#[pyfunction]
fn history_scale(max_t: f64) -> PyResult<f64> {
    time_scale(max_t).map_err(to_py)
}

/// One part's likelihood sums at natural parameters (scaled time), from `history_groups`:
/// with the Hessian's when `hessian`, over the fit's subsample `sample` (a shift) if given.
#[pyfunction]
#[pyo3(signature = (model, params, x, t_x, t, w, hessian=false, sample=None))]
#[allow(clippy::too_many_arguments)]
fn purchases_sums(
    py: Python<'_>,
    model: &str,
    params: [f64; 4],
    x: F64In<'_>,
    t_x: F64In<'_>,
    t: F64In<'_>,
    w: F64In<'_>,
    hessian: bool,
    sample: Option<u32>,
) -> PyResult<Vec<Vec<f64>>> {
    let modified = modified_of(model)?;
    let (x, t_x, t, w) = (x.as_slice()?, t_x.as_slice()?, t.as_slice()?, w.as_slice()?);
    Ok(py.detach(|| {
        let mut data = BgNbdData::new(x.to_vec(), t_x.to_vec(), t.to_vec(), w.to_vec());
        if let Some(shift) = sample {
            data = data.sample(shift);
        }
        let p = BgNbdParams::new(params, modified);
        bgnbd::log_likelihood_sums(&p, &data, hessian).to_parts()
    }))
}

/// One part's spend rows checked and collapsed: `(x, m, weight)`.
#[pyfunction]
fn spend_groups<'py>(
    py: Python<'py>,
    x: F64In<'py>,
    m: F64In<'py>,
) -> PyResult<(F64Out<'py>, F64Out<'py>, F64Out<'py>)> {
    let (x, m) = (x.as_slice()?, m.as_slice()?);
    let d = run(py, || {
        if x.is_empty() {
            return Ok(GammaGammaData::new(vec![], vec![], vec![]));
        }
        gamma_gamma::spend_data(x, m, None)
    })?;
    Ok((vec_out(py, d.x), vec_out(py, d.m), vec_out(py, d.w)))
}

/// One part's Gamma-Gamma likelihood sums at natural parameters, from `spend_groups`: as
/// `purchases_sums`.
#[pyfunction]
#[pyo3(signature = (params, x, m, w, hessian=false, sample=None))]
fn gg_sums(
    py: Python<'_>,
    params: [f64; 3],
    x: F64In<'_>,
    m: F64In<'_>,
    w: F64In<'_>,
    hessian: bool,
    sample: Option<u32>,
) -> PyResult<Vec<Vec<f64>>> {
    let (x, m, w) = (x.as_slice()?, m.as_slice()?, w.as_slice()?);
    Ok(py.detach(|| {
        let mut data = GammaGammaData::new(x.to_vec(), m.to_vec(), w.to_vec());
        if let Some(shift) = sample {
            data = data.sample(shift);
        }
        let p = GammaGammaParams {
            p: params[0],
            q: params[1],
            v: params[2],
        };
        gamma_gamma::log_likelihood_sums(&p, &data, hessian).to_parts()
    }))
}

/// A fit's distinct histories held in the core between likelihood evaluations (on the client,
/// where every evaluation of a fit on gathered histories runs): built once, and each subsample
/// the fit asks for built once, instead of on every evaluation.
#[pyclass(frozen, module = "flo_rfm._flo_rfm")]
pub struct PurchaseHistories {
    data: BgNbdData,
    modified: bool,
    samples: Mutex<HashMap<u32, Arc<BgNbdData>>>,
}

#[pymethods]
impl PurchaseHistories {
    /// Built without the GIL, so the two models' histories can be built side by side.
    #[new]
    fn new(
        py: Python<'_>,
        model: &str,
        x: F64In<'_>,
        t_x: F64In<'_>,
        t: F64In<'_>,
        w: F64In<'_>,
    ) -> PyResult<Self> {
        let modified = modified_of(model)?;
        let (x, t_x, t, w) = (x.as_slice()?, t_x.as_slice()?, t.as_slice()?, w.as_slice()?);
        let data = py.detach(|| BgNbdData::new(x.to_vec(), t_x.to_vec(), t.to_vec(), w.to_vec()));
        Ok(PurchaseHistories {
            data,
            modified,
            samples: Mutex::new(HashMap::new()),
        })
    }

    /// As `purchases_sums` on these histories.
    #[pyo3(signature = (params, hessian=false, sample=None))]
    fn sums(
        &self,
        py: Python<'_>,
        params: [f64; 4],
        hessian: bool,
        sample: Option<u32>,
    ) -> Vec<Vec<f64>> {
        py.detach(|| {
            let p = BgNbdParams::new(params, self.modified);
            match sample {
                None => bgnbd::log_likelihood_sums(&p, &self.data, hessian).to_parts(),
                Some(shift) => {
                    let data = cached(&self.samples, shift, || self.data.sample(shift));
                    bgnbd::log_likelihood_sums(&p, &data, hessian).to_parts()
                }
            }
        })
    }
}

/// Spend histories held in the core between evaluations: as [`PurchaseHistories`].
#[pyclass(frozen, module = "flo_rfm._flo_rfm")]
pub struct SpendHistories {
    data: GammaGammaData,
    samples: Mutex<HashMap<u32, Arc<GammaGammaData>>>,
}

#[pymethods]
impl SpendHistories {
    /// Built without the GIL, as [`PurchaseHistories`].
    #[new]
    fn new(py: Python<'_>, x: F64In<'_>, m: F64In<'_>, w: F64In<'_>) -> PyResult<Self> {
        let (x, m, w) = (x.as_slice()?, m.as_slice()?, w.as_slice()?);
        let data = py.detach(|| GammaGammaData::new(x.to_vec(), m.to_vec(), w.to_vec()));
        Ok(SpendHistories {
            data,
            samples: Mutex::new(HashMap::new()),
        })
    }

    /// As `gg_sums` on these histories.
    #[pyo3(signature = (params, hessian=false, sample=None))]
    fn sums(
        &self,
        py: Python<'_>,
        params: [f64; 3],
        hessian: bool,
        sample: Option<u32>,
    ) -> Vec<Vec<f64>> {
        py.detach(|| {
            let p = GammaGammaParams {
                p: params[0],
                q: params[1],
                v: params[2],
            };
            match sample {
                None => gamma_gamma::log_likelihood_sums(&p, &self.data, hessian).to_parts(),
                Some(shift) => {
                    let data = cached(&self.samples, shift, || self.data.sample(shift));
                    gamma_gamma::log_likelihood_sums(&p, &data, hessian).to_parts()
                }
            }
        })
    }
}

/// The subsample for `shift`, made by `make` the first time it is asked for.
fn cached<T>(cache: &Mutex<HashMap<u32, Arc<T>>>, shift: u32, make: impl FnOnce() -> T) -> Arc<T> {
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    Arc::clone(map.entry(shift).or_insert_with(|| Arc::new(make())))
}

/// Calls `sums(params, hessian, sample)` (Python, returning every part's sums) and merges the
/// parts with `from_parts`; a Python error is kept in `failed` and stops the fit.
fn merged<T>(
    sums: &Bound<'_, PyAny>,
    params: Vec<f64>,
    ask: Ask,
    failed: &RefCell<Option<PyErr>>,
    from_parts: impl Fn(&Parts) -> crate::core::error::Result<T>,
) -> crate::core::error::Result<T> {
    let parts: PyResult<Parts> = sums
        .call1((params, ask.hessian, ask.sample))
        .and_then(|r| r.extract());
    match parts {
        Ok(p) => from_parts(&p),
        Err(e) => {
            failed.replace(Some(e));
            Err(FloError::invalid("the partial sums failed"))
        }
    }
}

fn finish<T>(out: crate::core::error::Result<T>, failed: RefCell<Option<PyErr>>) -> PyResult<T> {
    match failed.into_inner() {
        Some(e) => Err(e),
        None => out.map_err(to_py),
    }
}

/// The BG/NBD (or MBG/NBD) fit from `sums(params, hessian, sample) -> [part sums]` (each part's
/// `purchases_sums` with those arguments): as `fit_purchases`.
#[pyfunction]
#[pyo3(signature = (model, sums, total_weight, groups, scale, penalizer=0.0))]
fn fit_purchases_from_sums(
    model: &str,
    sums: &Bound<'_, PyAny>,
    total_weight: f64,
    groups: usize,
    scale: f64,
    penalizer: f64,
) -> PyResult<Fit> {
    let shape = FitShape {
        total_w: total_weight,
        groups,
        scale,
        modified: modified_of(model)?,
        penalizer,
    };
    let failed = RefCell::new(None);
    let out = bgnbd::fit_from_sums(
        |p, ask| {
            merged(sums, vec![p.r, p.alpha, p.a, p.b], ask, &failed, |q| {
                TermSums::from_parts(q)
            })
        },
        &shape,
    );
    let f = finish(out, failed)?;
    let p = [f.params.r, f.params.alpha, f.params.a, f.params.b];
    Ok(Fit::new(&p, f.scale, &f.info))
}

/// The Gamma-Gamma fit from `sums(params, hessian, sample) -> [part sums]` (each part's `gg_sums`):
/// as `fit_gamma_gamma`.
#[pyfunction]
#[pyo3(signature = (sums, total_weight, groups, penalizer=0.0))]
fn fit_gamma_gamma_from_sums(
    sums: &Bound<'_, PyAny>,
    total_weight: f64,
    groups: usize,
    penalizer: f64,
) -> PyResult<Fit> {
    let failed = RefCell::new(None);
    let out = gamma_gamma::fit_from_sums(
        |p, ask| {
            merged(sums, vec![p.p, p.q, p.v], ask, &failed, |q| {
                SpendSums::from_parts(q)
            })
        },
        total_weight,
        groups,
        penalizer,
    );
    let f = finish(out, failed)?;
    let p = [f.params.p, f.params.q, f.params.v];
    Ok(Fit::new(&p, 1.0, &f.info))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PurchaseHistories>()?;
    m.add_class::<SpendHistories>()?;
    m.add_function(wrap_pyfunction!(history_groups, m)?)?;
    m.add_function(wrap_pyfunction!(history_scale, m)?)?;
    m.add_function(wrap_pyfunction!(purchases_sums, m)?)?;
    m.add_function(wrap_pyfunction!(spend_groups, m)?)?;
    m.add_function(wrap_pyfunction!(gg_sums, m)?)?;
    m.add_function(wrap_pyfunction!(fit_purchases_from_sums, m)?)?;
    m.add_function(wrap_pyfunction!(fit_gamma_gamma_from_sums, m)?)?;
    Ok(())
}

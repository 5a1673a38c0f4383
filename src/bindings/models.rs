//! The CLV models on numpy arrays: fits, predictions and CLV.

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use super::errors::{choice, run, to_py};
use crate::core::clv::fit::{FitControl, FitInfo};
use crate::core::clv::gamma_gamma::{self, GammaGammaParams};
use crate::core::clv::purchases::{self, PurchaseModel, Purchases};
use crate::core::clv::study::predictions;
use crate::core::clv::value::{clv, clv_periods, Horizon};
use crate::core::error::FloError;

pub(super) type F64In<'py> = PyReadonlyArray1<'py, f64>;
pub(super) type F64Out<'py> = Bound<'py, PyArray1<f64>>;

/// The customer columns as slices, checked to have one value per customer each: a clear
/// `InvalidArgumentError` rather than an index panic inside the core.
pub(super) fn columns<'a, const N: usize>(arrays: [&'a F64In<'_>; N]) -> PyResult<[&'a [f64]; N]> {
    let mut out: [&[f64]; N] = [&[]; N];
    for (slot, a) in out.iter_mut().zip(arrays) {
        *slot = a.as_slice()?;
    }
    if out.iter().any(|c| c.len() != out[0].len()) {
        let lens: Vec<String> = out.iter().map(|c| c.len().to_string()).collect();
        return Err(to_py(FloError::invalid(format!(
            "the customer arrays must have the same length, got lengths {}",
            lens.join(", ")
        ))));
    }
    Ok(out)
}

/// Optional weights, checked to have one value per customer.
pub(super) fn weights_for<'a>(x: &[f64], w: Option<&'a F64In<'_>>) -> PyResult<Option<&'a [f64]>> {
    let Some(w) = w else { return Ok(None) };
    let w = w.as_slice()?;
    if w.len() != x.len() {
        return Err(to_py(FloError::invalid(format!(
            "weights must have one value per customer: {} weights for {} customers",
            w.len(),
            x.len()
        ))));
    }
    Ok(Some(w))
}

/// `f` for every customer of three columns, with the GIL released.
pub(super) fn per_customer<'py>(
    py: Python<'py>,
    [a, b, c]: [&[f64]; 3],
    f: impl Fn(f64, f64, f64) -> f64 + Send + Sync,
) -> F64Out<'py> {
    let out: Vec<f64> = py.detach(|| (0..a.len()).map(|i| f(a[i], b[i], c[i])).collect());
    PyArray1::from_vec(py, out)
}

/// A fitted model: its parameters, the time scale the fit ran in (1 when times were not
/// scaled), what the optimiser reported and the parameters' covariance (row by row).
#[pyclass(frozen, get_all, module = "flo_rfm._flo_rfm")]
pub struct Fit {
    params: Vec<f64>,
    scale: f64,
    iterations: usize,
    objective: f64,
    gradient_norm: f64,
    /// Distinct customer rows the likelihood was summed over.
    groups: usize,
    covariance: Vec<f64>,
}

impl Fit {
    pub(super) fn new(params: &[f64], scale: f64, info: &FitInfo) -> Fit {
        Fit {
            params: params.to_vec(),
            scale,
            iterations: info.iterations,
            objective: info.objective,
            gradient_norm: info.gradient_norm,
            groups: info.groups,
            covariance: info.covariance(params),
        }
    }
}

fn gg(p: [f64; 3]) -> GammaGammaParams {
    GammaGammaParams {
        p: p[0],
        q: p[1],
        v: p[2],
    }
}

pub(super) fn purchases(model: &str, params: [f64; 4]) -> PyResult<Purchases> {
    Ok(Purchases::new(choice::<PurchaseModel>(model)?, params))
}

/// The purchase model `model` fitted (parameters in lifetimes' order), from lifetimes'
/// `initial_params` and with its `tol` when given.
#[pyfunction]
#[pyo3(signature = (model, x, t_x, t, weights=None, penalizer=0.0, progress=None, initial_params=None, tol=None))]
#[allow(clippy::too_many_arguments)]
fn fit_purchases(
    py: Python<'_>,
    model: &str,
    x: F64In<'_>,
    t_x: F64In<'_>,
    t: F64In<'_>,
    weights: Option<F64In<'_>>,
    penalizer: f64,
    progress: Option<&super::progress::Progress>,
    initial_params: Option<Vec<f64>>,
    tol: Option<f64>,
) -> PyResult<Fit> {
    let kind = choice::<PurchaseModel>(model)?;
    let [x, t_x, t] = columns([&x, &t_x, &t])?;
    let w = weights_for(x, weights.as_ref())?;
    let watch = progress.map(|p| &*p.watch);
    let start = initial_params
        .map(|p| purchases::start_from_lifetimes(kind, &p))
        .transpose()
        .map_err(to_py)?;
    let control = FitControl { start, gtol: tol };
    let f = run(py, || {
        purchases::fit_with(kind, [x, t_x, t], w, penalizer, watch, &control)
    })?;
    let p = f.model.params();
    Ok(Fit::new(&p, f.scale, &f.info))
}

#[pyfunction]
fn purchases_expected<'py>(
    py: Python<'py>,
    model: &str,
    params: [f64; 4],
    t: f64,
    x: F64In<'py>,
    t_x: F64In<'py>,
    big_t: F64In<'py>,
) -> PyResult<F64Out<'py>> {
    let p = purchases(model, params)?;
    let cols = columns([&x, &t_x, &big_t])?;
    Ok(per_customer(py, cols, |x, t_x, big_t| {
        p.expected_purchases(t, x, t_x, big_t)
    }))
}

#[pyfunction]
fn purchases_expected_new<'py>(
    py: Python<'py>,
    model: &str,
    params: [f64; 4],
    t: F64In<'py>,
) -> PyResult<F64Out<'py>> {
    let p = purchases(model, params)?;
    let out: Vec<f64> = t
        .as_slice()?
        .iter()
        .map(|&ti| p.expected_purchases_new(ti))
        .collect();
    Ok(PyArray1::from_vec(py, out))
}

#[pyfunction]
fn purchases_palive<'py>(
    py: Python<'py>,
    model: &str,
    params: [f64; 4],
    x: F64In<'py>,
    t_x: F64In<'py>,
    big_t: F64In<'py>,
) -> PyResult<F64Out<'py>> {
    let p = purchases(model, params)?;
    let cols = columns([&x, &t_x, &big_t])?;
    Ok(per_customer(py, cols, |x, t_x, big_t| {
        p.probability_alive(x, t_x, big_t)
    }))
}

/// The Gamma-Gamma model fitted, from lifetimes' `initial_params` (log-parameters, as its
/// optimiser's `x0`) and with its `tol` when given.
#[pyfunction]
#[pyo3(signature = (x, m, weights=None, penalizer=0.0, progress=None, initial_params=None, tol=None))]
#[allow(clippy::too_many_arguments)]
fn fit_gamma_gamma(
    py: Python<'_>,
    x: F64In<'_>,
    m: F64In<'_>,
    weights: Option<F64In<'_>>,
    penalizer: f64,
    progress: Option<&super::progress::Progress>,
    initial_params: Option<Vec<f64>>,
    tol: Option<f64>,
) -> PyResult<Fit> {
    let w = weights.as_ref();
    let [x, m] = columns([&x, &m])?;
    let w = weights_for(x, w)?;
    let watch = progress.map(|p| &*p.watch);
    let control = FitControl {
        start: initial_params,
        gtol: tol,
    };
    let f = run(py, || {
        gamma_gamma::fit_with([x, m], w, penalizer, watch, &control)
    })?;
    let p = [f.params.p, f.params.q, f.params.v];
    Ok(Fit::new(&p, 1.0, &f.info))
}

#[pyfunction]
fn gg_expected_profit<'py>(
    py: Python<'py>,
    params: [f64; 3],
    x: F64In<'py>,
    m: F64In<'py>,
) -> PyResult<F64Out<'py>> {
    let p = gg(params);
    let [x, m] = columns([&x, &m])?;
    Ok(per_customer(py, [x, m, m], |x, m, _| {
        p.expected_average_profit(x, m)
    }))
}

/// `months`, the monthly discount rate and model time units per month.
pub(super) type HorizonIn = (usize, f64, f64);

pub(super) fn horizon((months, discount, factor): HorizonIn) -> Horizon {
    Horizon {
        months,
        discount,
        factor,
    }
}

/// Discounted CLV of every customer; with `by_period`, customer by customer per period (a
/// flat array of `months` values each).
#[pyfunction]
#[pyo3(signature = (model, params, gg_params, x, t_x, t, m, horizon_in, by_period=false))]
#[allow(clippy::too_many_arguments)]
fn customer_lifetime_value<'py>(
    py: Python<'py>,
    model: &str,
    params: [f64; 4],
    gg_params: [f64; 3],
    x: F64In<'py>,
    t_x: F64In<'py>,
    t: F64In<'py>,
    m: F64In<'py>,
    horizon_in: HorizonIn,
    by_period: bool,
) -> PyResult<F64Out<'py>> {
    let cols = columns([&x, &t_x, &t, &m])?;
    let (p, g, h) = (
        purchases(model, params)?,
        gg(gg_params),
        horizon(horizon_in),
    );
    let out = py.detach(|| {
        if by_period {
            clv_periods(&p, &g, cols, h)
        } else {
            clv(&p, &g, cols, h)
        }
    });
    Ok(PyArray1::from_vec(py, out))
}

/// The CLTV study's predicted columns under fitted models: 3- and 6-month purchases, expected
/// average value and CLV, in one pass (as one machine's study computes them).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn cltv_predictions<'py>(
    py: Python<'py>,
    model: &str,
    params: [f64; 4],
    gg_params: [f64; 3],
    x: F64In<'py>,
    t_x: F64In<'py>,
    t: F64In<'py>,
    m: F64In<'py>,
    horizon_in: HorizonIn,
) -> PyResult<[F64Out<'py>; 4]> {
    let cols = columns([&x, &t_x, &t, &m])?;
    let (p, g, h) = (
        purchases(model, params)?,
        gg(gg_params),
        horizon(horizon_in),
    );
    let out = py.detach(|| predictions(&p, &g, cols, h));
    Ok(out.map(|c| PyArray1::from_vec(py, c)))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Fit>()?;
    m.add_function(wrap_pyfunction!(fit_purchases, m)?)?;
    m.add_function(wrap_pyfunction!(purchases_expected, m)?)?;
    m.add_function(wrap_pyfunction!(purchases_expected_new, m)?)?;
    m.add_function(wrap_pyfunction!(purchases_palive, m)?)?;
    m.add_function(wrap_pyfunction!(fit_gamma_gamma, m)?)?;
    m.add_function(wrap_pyfunction!(gg_expected_profit, m)?)?;
    m.add_function(wrap_pyfunction!(customer_lifetime_value, m)?)?;
    m.add_function(wrap_pyfunction!(cltv_predictions, m)?)?;
    Ok(())
}

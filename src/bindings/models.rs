//! The CLV models on numpy arrays: fits, predictions and CLV.

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;

use super::errors::{run, to_py};
use crate::core::error::FloError;
use crate::core::models::bgnbd::{self, BgNbdParams};
use crate::core::models::clv::{clv, Horizon};
use crate::core::models::gamma_gamma::{self, GammaGammaParams};
use crate::core::models::FitInfo;

type F64In<'py> = PyReadonlyArray1<'py, f64>;
type F64Out<'py> = Bound<'py, PyArray1<f64>>;
type Info = (usize, f64, f64, usize);

/// The customer columns as slices, checked to have one value per customer each: a clear
/// `InvalidArgumentError` rather than an index panic inside the core.
fn columns<'a, const N: usize>(arrays: [&'a F64In<'_>; N]) -> PyResult<[&'a [f64]; N]> {
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
fn weights_for<'a>(x: &[f64], w: Option<&'a F64In<'_>>) -> PyResult<Option<&'a [f64]>> {
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
fn per_customer<'py>(
    py: Python<'py>,
    [a, b, c]: [&[f64]; 3],
    f: impl Fn(f64, f64, f64) -> f64 + Send + Sync,
) -> F64Out<'py> {
    let out: Vec<f64> = py.detach(|| (0..a.len()).map(|i| f(a[i], b[i], c[i])).collect());
    PyArray1::from_vec(py, out)
}

fn info(i: &FitInfo) -> Info {
    (i.iterations, i.objective, i.gradient_norm, i.groups)
}

fn bg(p: [f64; 4]) -> BgNbdParams {
    BgNbdParams {
        r: p[0],
        alpha: p[1],
        a: p[2],
        b: p[3],
    }
}

fn gg(p: [f64; 3]) -> GammaGammaParams {
    GammaGammaParams {
        p: p[0],
        q: p[1],
        v: p[2],
    }
}

/// ((r, alpha, a, b), time scale, (iterations, objective, gradient norm, groups)).
#[pyfunction]
#[pyo3(signature = (x, t_x, t, weights=None, penalizer=0.0))]
fn fit_bgnbd(
    py: Python<'_>,
    x: F64In<'_>,
    t_x: F64In<'_>,
    t: F64In<'_>,
    weights: Option<F64In<'_>>,
    penalizer: f64,
) -> PyResult<([f64; 4], f64, Info)> {
    let w = weights.as_ref();
    let [x, t_x, t] = columns([&x, &t_x, &t])?;
    let w = weights_for(x, w)?;
    let f = run(py, || bgnbd::fit(x, t_x, t, w, penalizer))?;
    let p = f.params;
    Ok(([p.r, p.alpha, p.a, p.b], f.scale, info(&f.info)))
}

/// lifetimes' BG/NBD objective at `log_params` on times already scaled.
#[pyfunction]
#[pyo3(signature = (log_params, x, t_x, t, weights, penalizer))]
fn bgnbd_objective(
    log_params: [f64; 4],
    x: F64In<'_>,
    t_x: F64In<'_>,
    t: F64In<'_>,
    weights: F64In<'_>,
    penalizer: f64,
) -> PyResult<f64> {
    let [x, t_x, t, w] = columns([&x, &t_x, &t, &weights])?;
    let data = bgnbd::BgNbdData::new(x.to_vec(), t_x.to_vec(), t.to_vec(), w.to_vec());
    let mut g = [0.0; 4];
    Ok(bgnbd::objective(&log_params, &data, penalizer, &mut g))
}

#[pyfunction]
fn bgnbd_expected<'py>(
    py: Python<'py>,
    params: [f64; 4],
    t: f64,
    x: F64In<'py>,
    t_x: F64In<'py>,
    big_t: F64In<'py>,
) -> PyResult<F64Out<'py>> {
    let p = bg(params);
    let cols = columns([&x, &t_x, &big_t])?;
    Ok(per_customer(py, cols, |x, t_x, big_t| {
        p.expected_purchases(t, x, t_x, big_t)
    }))
}

#[pyfunction]
fn bgnbd_expected_new<'py>(
    py: Python<'py>,
    params: [f64; 4],
    t: F64In<'py>,
) -> PyResult<F64Out<'py>> {
    let p = bg(params);
    let out: Vec<f64> = t
        .as_slice()?
        .iter()
        .map(|&ti| p.expected_purchases_new(ti))
        .collect();
    Ok(PyArray1::from_vec(py, out))
}

#[pyfunction]
fn bgnbd_palive<'py>(
    py: Python<'py>,
    params: [f64; 4],
    x: F64In<'py>,
    t_x: F64In<'py>,
    big_t: F64In<'py>,
) -> PyResult<F64Out<'py>> {
    let p = bg(params);
    let cols = columns([&x, &t_x, &big_t])?;
    Ok(per_customer(py, cols, |x, t_x, big_t| {
        p.probability_alive(x, t_x, big_t)
    }))
}

/// ((p, q, v), (iterations, objective, gradient norm, groups)).
#[pyfunction]
#[pyo3(signature = (x, m, weights=None, penalizer=0.0))]
fn fit_gamma_gamma(
    py: Python<'_>,
    x: F64In<'_>,
    m: F64In<'_>,
    weights: Option<F64In<'_>>,
    penalizer: f64,
) -> PyResult<([f64; 3], Info)> {
    let w = weights.as_ref();
    let [x, m] = columns([&x, &m])?;
    let w = weights_for(x, w)?;
    let f = run(py, || gamma_gamma::fit(x, m, w, penalizer))?;
    let p = f.params;
    Ok(([p.p, p.q, p.v], info(&f.info)))
}

#[pyfunction]
fn gg_objective(
    log_params: [f64; 3],
    x: F64In<'_>,
    m: F64In<'_>,
    weights: F64In<'_>,
    penalizer: f64,
) -> PyResult<f64> {
    let mut g = [0.0; 3];
    let [x, m, w] = columns([&x, &m, &weights])?;
    let data = gamma_gamma::GammaGammaData::new(x.to_vec(), m.to_vec(), w.to_vec());
    Ok(gamma_gamma::objective(
        &log_params,
        &data,
        penalizer,
        &mut g,
    ))
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

#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn customer_lifetime_value<'py>(
    py: Python<'py>,
    bg_params: [f64; 4],
    gg_params: [f64; 3],
    x: F64In<'py>,
    t_x: F64In<'py>,
    big_t: F64In<'py>,
    m: F64In<'py>,
    months: usize,
    discount: f64,
    factor: f64,
) -> PyResult<F64Out<'py>> {
    let [x, t_x, big_t, m] = columns([&x, &t_x, &big_t, &m])?;
    let (b, g) = (bg(bg_params), gg(gg_params));
    let h = Horizon {
        months,
        discount,
        factor,
    };
    let out = py.detach(|| clv(&b, &g, x, t_x, big_t, m, h));
    Ok(PyArray1::from_vec(py, out))
}

/// ln Γ, ψ and ln 2F1 elementwise, for validation against scipy.
#[pyfunction]
fn special<'py>(
    py: Python<'py>,
    name: &str,
    a: F64In<'py>,
    b: F64In<'py>,
    c: F64In<'py>,
    z: F64In<'py>,
) -> PyResult<F64Out<'py>> {
    use crate::core::models::special::{digamma, ln_gamma, ln_hyp2f1};
    let (a, b, c, z) = (a.as_slice()?, b.as_slice()?, c.as_slice()?, z.as_slice()?);
    let out: Vec<f64> = match name {
        "ln_gamma" => a.iter().map(|&v| ln_gamma(v)).collect(),
        "digamma" => a.iter().map(|&v| digamma(v)).collect(),
        "ln_hyp2f1" => (0..a.len())
            .map(|i| ln_hyp2f1(a[i], b[i], c[i], z[i]))
            .collect(),
        _ => {
            return Err(super::errors::to_py(crate::core::error::FloError::invalid(
                format!("unknown function {name:?}"),
            )))
        }
    };
    Ok(PyArray1::from_vec(py, out))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(fit_bgnbd, m)?)?;
    m.add_function(wrap_pyfunction!(bgnbd_objective, m)?)?;
    m.add_function(wrap_pyfunction!(bgnbd_expected, m)?)?;
    m.add_function(wrap_pyfunction!(bgnbd_expected_new, m)?)?;
    m.add_function(wrap_pyfunction!(bgnbd_palive, m)?)?;
    m.add_function(wrap_pyfunction!(fit_gamma_gamma, m)?)?;
    m.add_function(wrap_pyfunction!(gg_objective, m)?)?;
    m.add_function(wrap_pyfunction!(gg_expected_profit, m)?)?;
    m.add_function(wrap_pyfunction!(customer_lifetime_value, m)?)?;
    m.add_function(wrap_pyfunction!(special, m)?)?;
    Ok(())
}

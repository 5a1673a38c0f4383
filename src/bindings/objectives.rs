//! The fits' objectives and gradients, and the special functions, bound for the tests that check
//! them against lifetimes, scipy and an mpmath oracle (not part of the public API).

use numpy::PyArray1;
use pyo3::prelude::*;

use super::errors::choice;
use super::models::{columns, F64In, F64Out};
use crate::core::clv::gamma_gamma;
use crate::core::clv::purchases::{self, PurchaseModel};

/// lifetimes' objective of `model` on times already scaled (log-parameters for the BG/NBD
/// family, parameters for the Pareto/NBD, as lifetimes defines each).
#[pyfunction]
#[pyo3(signature = (model, params, x, t_x, t, weights, penalizer))]
#[allow(clippy::too_many_arguments)]
fn purchases_objective(
    model: &str,
    params: [f64; 4],
    x: F64In<'_>,
    t_x: F64In<'_>,
    t: F64In<'_>,
    weights: F64In<'_>,
    penalizer: f64,
) -> PyResult<f64> {
    let kind = choice::<PurchaseModel>(model)?;
    let cols = columns([&x, &t_x, &t, &weights])?;
    Ok(purchases::lifetimes_objective(
        kind, params, cols, penalizer,
    ))
}

/// The fits' mean objective and its gradient in the log-parameters (times already scaled).
#[pyfunction]
#[pyo3(signature = (model, log_params, x, t_x, t, weights, penalizer))]
#[allow(clippy::too_many_arguments)]
fn purchases_objective_gradient(
    model: &str,
    log_params: [f64; 4],
    x: F64In<'_>,
    t_x: F64In<'_>,
    t: F64In<'_>,
    weights: F64In<'_>,
    penalizer: f64,
) -> PyResult<(f64, [f64; 4])> {
    let kind = choice::<PurchaseModel>(model)?;
    let cols = columns([&x, &t_x, &t, &weights])?;
    Ok(purchases::objective_gradient(
        kind, log_params, cols, penalizer,
    ))
}

#[pyfunction]
fn gg_objective(
    log_params: [f64; 3],
    x: F64In<'_>,
    m: F64In<'_>,
    weights: F64In<'_>,
    penalizer: f64,
) -> PyResult<f64> {
    Ok(gg_objective_gradient(log_params, x, m, weights, penalizer)?.0)
}

/// Gamma-Gamma's objective and its gradient in the log-parameters.
#[pyfunction]
fn gg_objective_gradient(
    log_params: [f64; 3],
    x: F64In<'_>,
    m: F64In<'_>,
    weights: F64In<'_>,
    penalizer: f64,
) -> PyResult<(f64, [f64; 3])> {
    let mut g = [0.0; 3];
    let [x, m, w] = columns([&x, &m, &weights])?;
    let data = gamma_gamma::GammaGammaData::new(x.to_vec(), m.to_vec(), w.to_vec());
    let value = gamma_gamma::objective(&log_params, &data, penalizer, &mut g);
    Ok((value, g))
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
    use crate::core::numeric::special::{digamma, ln_gamma, ln_hyp2f1};
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
    m.add_function(wrap_pyfunction!(purchases_objective, m)?)?;
    m.add_function(wrap_pyfunction!(purchases_objective_gradient, m)?)?;
    m.add_function(wrap_pyfunction!(gg_objective, m)?)?;
    m.add_function(wrap_pyfunction!(gg_objective_gradient, m)?)?;
    m.add_function(wrap_pyfunction!(special, m)?)?;
    Ok(())
}

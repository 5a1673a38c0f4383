//! The lifetimes calls beyond the fit and the expectations: probabilities of a number of
//! purchases, and the frequency-monetary correlation Gamma-Gamma assumes away.

use pyo3::prelude::*;

use super::errors::to_py;
use super::models::{columns, per_customer, purchases, weights_for, F64In, F64Out};
use crate::core::error::FloError;
use numpy::PyArray1;

/// P(n purchases in `(0, t]`) for a new customer, at each `t` (BG/NBD family).
#[pyfunction]
fn purchases_probability_new<'py>(
    py: Python<'py>,
    model: &str,
    params: [f64; 4],
    t: F64In<'py>,
    n: u32,
) -> PyResult<F64Out<'py>> {
    let p = purchases(model, params)?;
    let out: Option<Vec<f64>> = t
        .as_slice()?
        .iter()
        .map(|&ti| p.probability_of_purchases(ti, n))
        .collect();
    let out = out.ok_or_else(|| unsupported(model, "probability_of_n_purchases_up_to_time"))?;
    Ok(PyArray1::from_vec(py, out))
}

/// P(n purchases in `(T, T + t]` | history) of every customer (Pareto/NBD).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn purchases_probability_conditional<'py>(
    py: Python<'py>,
    model: &str,
    params: [f64; 4],
    n: u32,
    t: f64,
    x: F64In<'py>,
    t_x: F64In<'py>,
    big_t: F64In<'py>,
) -> PyResult<F64Out<'py>> {
    let p = purchases(model, params)?;
    if p.conditional_probability_of_purchases(n, t, [0.0, 0.0, 1.0])
        .is_none()
    {
        return Err(unsupported(
            model,
            "conditional_probability_of_n_purchases_up_to_time",
        ));
    }
    let cols = columns([&x, &t_x, &big_t])?;
    Ok(per_customer(py, cols, |x, t_x, big_t| {
        p.conditional_probability_of_purchases(n, t, [x, t_x, big_t])
            .unwrap_or(f64::NAN)
    }))
}

fn unsupported(model: &str, what: &str) -> PyErr {
    to_py(FloError::invalid(format!(
        "{what} is not defined for model {model:?} (lifetimes 0.11.3 has it for other models only)"
    )))
}

/// pandas' Pearson correlation of frequency and monetary value (each row counted its weight's
/// times when weighted): the check of Gamma-Gamma's independence assumption.
#[pyfunction]
#[pyo3(signature = (x, m, weights=None))]
fn pearson(x: F64In<'_>, m: F64In<'_>, weights: Option<F64In<'_>>) -> PyResult<f64> {
    let [x, m] = columns([&x, &m])?;
    let w = weights_for(x, weights.as_ref())?;
    Ok(crate::core::numeric::stats::pandas_corr(x, m, w))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(purchases_probability_new, m)?)?;
    m.add_function(wrap_pyfunction!(purchases_probability_conditional, m)?)?;
    m.add_function(wrap_pyfunction!(pearson, m)?)?;
    Ok(())
}

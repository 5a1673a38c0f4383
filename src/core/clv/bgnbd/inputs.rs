//! The checks a BG/NBD-family fit makes of its customers' histories.

use crate::core::error::{FloError, Result};

/// Checks inputs as lifetimes' `_check_inputs` does, with the reasons spelled out.
pub fn check_inputs(x: &[f64], t_x: &[f64], t: &[f64]) -> Result<()> {
    if x.is_empty() {
        return Err(FloError::invalid("no customers to fit"));
    }
    if x.len() != t_x.len() || x.len() != t.len() {
        return Err(FloError::invalid(
            "frequency, recency and T must have the same length",
        ));
    }
    for i in 0..x.len() {
        let bad = |what: &str| {
            Err(FloError::invalid(format!(
                "customer {i}: {what} (frequency={}, recency={}, T={})",
                x[i], t_x[i], t[i]
            )))
        };
        if !(x[i].is_finite() && t_x[i].is_finite() && t[i].is_finite()) {
            return bad("missing or non-finite value");
        }
        if x[i] < 0.0 || x[i].fract() != 0.0 {
            return bad("frequency must be a whole number >= 0");
        }
        if t_x[i] < 0.0 {
            return bad("negative recency (last order before first order)");
        }
        if t_x[i] > t[i] {
            return bad("recency is larger than T");
        }
        if x[i] == 0.0 && t_x[i] != 0.0 {
            return bad("non-zero recency with zero frequency");
        }
    }
    Ok(())
}

//! A small, careful minimiser for smooth objectives of a few parameters: BFGS with a strong-Wolfe
//! line search (Nocedal & Wright, algorithms 3.5 and 3.6), then Newton steps on the objective's
//! analytic Hessian (or one by differences of the analytic gradient) to settle the optimum to
//! machine precision; from a start already near the optimum, Newton steps first.
//!
//! Over 400 lines because the line search, BFGS and the Newton polish share one state and one
//! convergence rule; apart, each would restate them.

// Dense n x n algebra reads best with explicit indices.
#![allow(clippy::needless_range_loop)]

/// `f(x, grad)` returns the value and writes the gradient.
pub trait Objective {
    fn eval(&self, x: &[f64], grad: &mut [f64]) -> f64;

    /// The value (with the same bits as [`Objective::eval`]'s), the gradient and the Hessian,
    /// for an objective that has an analytic Hessian; `None` for one that has not (the
    /// Hessian is then taken by differences of the gradient).
    fn eval_hessian(&self, _x: &[f64], _grad: &mut [f64]) -> Option<(f64, Vec<Vec<f64>>)> {
        None
    }
}

impl<F: Fn(&[f64], &mut [f64]) -> f64> Objective for F {
    fn eval(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        self(x, grad)
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Stop when the largest gradient component is below this.
    pub gtol: f64,
    pub max_iter: usize,
    /// Newton steps first, BFGS only if they stall: for a start already near the optimum.
    pub newton_first: bool,
    /// A Hessian near the start's (e.g. a subsample's at its optimum): BFGS starts from its
    /// inverse instead of a scaled identity.
    pub initial_hessian: Option<Vec<Vec<f64>>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            gtol: 1e-10,
            max_iter: 1000,
            newton_first: false,
            initial_hessian: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Solution {
    pub x: Vec<f64>,
    pub value: f64,
    pub gradient: Vec<f64>,
    pub iterations: usize,
    pub converged: bool,
    /// The last Newton step's Hessian: at `x`, or at the point one step (with a gradient below
    /// 1e-8, so within ~1e-8 of `x`) before it. `None` otherwise.
    pub hessian: Option<Vec<Vec<f64>>>,
}

impl Solution {
    pub fn grad_norm(&self) -> f64 {
        inf_norm(&self.gradient)
    }
}

fn inf_norm(v: &[f64]) -> f64 {
    v.iter().fold(0.0f64, |m, x| m.max(x.abs()))
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

struct Point {
    x: Vec<f64>,
    f: f64,
    g: Vec<f64>,
}

fn eval_at(obj: &dyn Objective, x: Vec<f64>) -> Point {
    let mut g = vec![0.0; x.len()];
    let f = obj.eval(&x, &mut g);
    Point { x, f, g }
}

fn finite(p: &Point) -> bool {
    p.f.is_finite() && p.g.iter().all(|v| v.is_finite())
}

/// Strong-Wolfe line search along `d` from `p`; `None` if no acceptable step was found.
fn line_search(obj: &dyn Objective, p: &Point, d: &[f64], mut step: f64) -> Option<Point> {
    const C1: f64 = 1e-4;
    const C2: f64 = 0.9;
    let slope0 = dot(&p.g, d);
    if slope0 >= 0.0 {
        return None;
    }
    let at = |a: f64| -> Point {
        let x: Vec<f64> = p.x.iter().zip(d).map(|(xi, di)| xi + a * di).collect();
        eval_at(obj, x)
    };
    let (mut lo_a, mut lo_f, mut lo_slope) = (0.0, p.f, slope0);
    // The far end of the bracket and the objective there, once one is found.
    let mut hi: Option<(f64, f64)> = None;
    for _ in 0..60 {
        let q = at(step);
        if !finite(&q) {
            hi = Some((step, f64::INFINITY));
            step = lo_a + 0.5 * (step - lo_a);
            continue;
        }
        let slope = dot(&q.g, d);
        if q.f > p.f + C1 * step * slope0 || (hi.is_none() && q.f >= lo_f && lo_a > 0.0) {
            hi = Some((step, q.f));
        } else if slope.abs() <= -C2 * slope0 {
            return Some(q);
        } else if slope >= 0.0 {
            hi = Some((lo_a, lo_f));
            lo_a = step;
            lo_f = q.f;
            lo_slope = slope;
        } else {
            lo_a = step;
            lo_f = q.f;
            lo_slope = slope;
            if hi.is_none() {
                step *= 2.0;
                continue;
            }
        }
        let Some((hi, f_hi)) = hi else { continue };
        // Zoom: a safeguarded quadratic step from the low end, else bisection.
        let width = hi - lo_a;
        let denom = 2.0 * (f_hi - lo_f - lo_slope * width);
        let mut trial = if denom.is_finite() && denom > 0.0 {
            lo_a - lo_slope * width * width / denom
        } else {
            lo_a + 0.5 * width
        };
        let (a, b) = (lo_a.min(hi), lo_a.max(hi));
        if !(trial > a + 0.1 * (b - a) && trial < b - 0.1 * (b - a)) {
            trial = 0.5 * (a + b);
        }
        if (b - a).abs() < 1e-16 * (1.0 + b.abs()) {
            break;
        }
        step = trial;
    }
    // Accept any decrease found, so that progress is never thrown away.
    let q = at(lo_a);
    (lo_a > 0.0 && finite(&q) && q.f < p.f).then_some(q)
}

/// Solves `a x = b` for a small dense system by Gaussian elimination with partial pivoting.
pub fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let piv = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[piv][col].abs() < 1e-300 {
            return None;
        }
        a.swap(col, piv);
        b.swap(col, piv);
        for row in col + 1..n {
            let factor = a[row][col] / a[col][col];
            for k in col..n {
                a[row][k] -= factor * a[col][k];
            }
            b[row] -= factor * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let s: f64 = (i + 1..n).map(|k| a[i][k] * x[k]).sum();
        x[i] = (b[i] - s) / a[i][i];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// The inverse of a symmetric positive definite matrix (column by column), `None` if it is
/// singular or not positive definite (then no good start for BFGS).
fn inverse(h: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = h.len();
    // Positive definite if and only if Cholesky's factorisation goes through.
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = h[i][i] - s;
                if !(d > 0.0 && d.is_finite()) {
                    return None;
                }
                l[i][i] = d.sqrt();
            } else {
                l[i][j] = (h[i][j] - s) / l[j][j];
            }
        }
    }
    let columns: Vec<Vec<f64>> = (0..n)
        .map(|j| solve(h.to_vec(), (0..n).map(|i| f64::from(i == j)).collect()))
        .collect::<Option<_>>()?;
    let inv: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| 0.5 * (columns[j][i] + columns[i][j]))
                .collect()
        })
        .collect();
    Some(inv)
}

/// The Hessian by central differences of the analytic gradient, symmetrised.
pub fn hessian(obj: &dyn Objective, x: &[f64]) -> Vec<Vec<f64>> {
    let n = x.len();
    let mut h = vec![vec![0.0; n]; n];
    for j in 0..n {
        let step = 1e-5 * (1.0 + x[j].abs());
        let mut xp = x.to_vec();
        let mut xm = x.to_vec();
        xp[j] += step;
        xm[j] -= step;
        let gp = eval_at(obj, xp).g;
        let gm = eval_at(obj, xm).g;
        for i in 0..n {
            h[i][j] = (gp[i] - gm[i]) / (2.0 * step);
        }
    }
    for i in 0..n {
        for j in 0..i {
            let m = 0.5 * (h[i][j] + h[j][i]);
            h[i][j] = m;
            h[j][i] = m;
        }
    }
    h
}

/// The Hessian at `x`: the objective's own, else by differences of the gradient.
pub fn hessian_of(obj: &dyn Objective, x: &[f64]) -> Vec<Vec<f64>> {
    let mut g = vec![0.0; x.len()];
    match obj.eval_hessian(x, &mut g) {
        Some((_, h)) => h,
        None => hessian(obj, x),
    }
}

/// `x` evaluated, with the Hessian when the objective has an analytic one (one pass).
fn eval_with_hessian(obj: &dyn Objective, x: Vec<f64>) -> (Point, Option<Vec<Vec<f64>>>) {
    let mut g = vec![0.0; x.len()];
    match obj.eval_hessian(&x, &mut g) {
        Some((f, h)) => (Point { x, f, g }, Some(h)),
        None => (eval_at(obj, x), None),
    }
}

/// Newton steps while they lower the objective or the gradient. Also returns the last Hessian
/// when it is the one at the returned point (always, for an analytic Hessian), or at a point
/// one step before it whose gradient was already below `HANDOVER` (so within ~1e-8 of it).
fn polish(
    obj: &dyn Objective,
    mut p: Point,
    gtol: f64,
    iterations: &mut usize,
    // The Hessian at `p`, when the evaluation of `p` brought it.
    mut at_p: Option<Vec<Vec<f64>>>,
) -> (Point, Option<Vec<Vec<f64>>>) {
    let mut last = None;
    for _ in 0..20 {
        if inf_norm(&p.g) <= gtol * 1e-2 {
            break;
        }
        let h = at_p.take().unwrap_or_else(|| hessian_of(obj, &p.x));
        let near = inf_norm(&p.g) <= HANDOVER;
        let neg_g: Vec<f64> = p.g.iter().map(|v| -v).collect();
        let Some(d) = solve(h.clone(), neg_g) else {
            return (p, Some(h));
        };
        let (q, hq) = eval_with_hessian(obj, p.x.iter().zip(&d).map(|(x, s)| x + s).collect());
        *iterations += 1;
        if finite(&q)
            && (q.f < p.f
                // Near the optimum the objective changes less than its rounding noise; a
                // smaller gradient then says more than a value a few ulps higher.
                || (q.f <= p.f + 1e-12 * p.f.abs().max(1.0) && inf_norm(&q.g) < inf_norm(&p.g)))
        {
            p = q;
            last = match &hq {
                Some(h) => Some(h.clone()),
                None => near.then_some(h),
            };
            at_p = hq;
        } else {
            return (p, Some(h));
        }
    }
    (p, last)
}

/// The largest gradient component at which BFGS hands over to Newton steps.
const HANDOVER: f64 = 1e-8;

/// Minimises `obj` from `x0`.
pub fn minimize(obj: &dyn Objective, x0: &[f64], opts: &Options) -> Solution {
    let n = x0.len();
    // Newton steps first need the start's Hessian: one evaluation gives both.
    let (mut p, mut start_hessian) = if opts.newton_first {
        eval_with_hessian(obj, x0.to_vec())
    } else {
        (eval_at(obj, x0.to_vec()), None)
    };
    let mut iterations = 0;
    if !finite(&p) {
        return Solution {
            x: p.x,
            value: p.f,
            gradient: p.g,
            iterations,
            converged: false,
            hessian: None,
        };
    }
    // Inverse Hessian approximation.
    let mut hinv: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect();
    if opts.newton_first {
        let (q, h) = polish(obj, p, opts.gtol, &mut iterations, start_hessian.take());
        if finite(&q) && inf_norm(&q.g) <= opts.gtol {
            return Solution {
                x: q.x,
                value: q.f,
                gradient: q.g,
                iterations,
                converged: true,
                hessian: h,
            };
        }
        p = q;
    }
    let mut first = true;
    if let Some(inverse) = opts.initial_hessian.as_ref().and_then(|h| inverse(h)) {
        hinv = inverse;
        first = false;
    }
    // Below HANDOVER the Newton steps of `polish` converge in one or two steps, where BFGS's
    // line search would spend dozens of evaluations on differences lost in rounding.
    while iterations < opts.max_iter && inf_norm(&p.g) > opts.gtol.max(HANDOVER) {
        iterations += 1;
        let d: Vec<f64> = (0..n).map(|i| -dot(&hinv[i], &p.g)).collect();
        let step0 = if first {
            (1.0 / inf_norm(&p.g)).min(1.0)
        } else {
            1.0
        };
        let Some(q) = line_search(obj, &p, &d, step0) else {
            break;
        };
        let s: Vec<f64> = q.x.iter().zip(&p.x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = q.g.iter().zip(&p.g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 1e-300 {
            if first {
                let scale = sy / dot(&y, &y);
                for (i, row) in hinv.iter_mut().enumerate() {
                    row[i] = scale;
                }
                first = false;
            }
            let rho = 1.0 / sy;
            let hy: Vec<f64> = (0..n).map(|i| dot(&hinv[i], &y)).collect();
            let yhy = dot(&y, &hy);
            for i in 0..n {
                for j in 0..n {
                    hinv[i][j] +=
                        (1.0 + rho * yhy) * rho * s[i] * s[j] - rho * (hy[i] * s[j] + s[i] * hy[j]);
                }
            }
        }
        let progress = (p.f - q.f).abs();
        p = q;
        if progress <= 1e-16 * p.f.abs().max(1.0) && inf_norm(&p.g) < opts.gtol * 1e3 {
            break;
        }
    }
    let (p, hessian) = polish(obj, p, opts.gtol, &mut iterations, None);
    // Accepted at a largest gradient component of 1e-6 (objectives here are O(1-10), so the
    // value is then within ~1e-12 of the optimum); the polish usually gets far below that.
    let converged = finite(&p) && inf_norm(&p.g) <= opts.gtol.max(1e-6);
    Solution {
        x: p.x,
        value: p.f,
        gradient: p.g,
        iterations,
        converged,
        hessian,
    }
}

#[cfg(test)]
mod tests;

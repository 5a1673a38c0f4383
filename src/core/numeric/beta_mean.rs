//! The mean of a function of `p` under a Beta(a, b) distribution, by double-exponential
//! (tanh-sinh) quadrature, for any a, b > 0: from 1e-35, where nearly all the mass sits at
//! one end closer than any f64 can say, to 1e4, where it is a narrow peak.
//!
//! The density is never normalised by `B(a, b)`: the function's integral is divided by the
//! density's own integral taken on the same nodes, so no difference of large `ln_gamma`s
//! enters and the quadrature's errors in the two largely cancel. `[0, 1]` is cut at the mean
//! (at 1/2 where an end is singular, a or b below 1), and each piece is integrated by
//! tanh-sinh, whose nodes crowd double-exponentially to both ends of the piece: a singular
//! end `p^(a - 1)` is first taken away by `p = c (1 - tau)^(1/a)` (its density in `tau` is
//! then flat), so a mass far below the smallest f64 at that end is still counted, at the
//! function's value there.

use std::sync::OnceLock;

/// Tanh-sinh nodes on `[0, 1]` out to `t = T_MAX`, where a node's distance from its end is
/// below 1e-270.
const T_MAX: f64 = 6.0;
/// The first level's step; each level halves it.
const FIRST_STEP: f64 = 0.5;
/// The most levels (the last has a step of 2^-9: about 6,000 nodes a piece).
const LEVELS: usize = 10;
/// How far below its piece's largest weight (in logs) a node is left out.
const SKIP: f64 = 80.0;

/// The mean of `f(p, 1 - p)` under Beta(a, b). `f` is given both `p` and `1 - p`, each
/// accurate to the last bits (near either end one of them is tiny), and must be positive and
/// within a factor e^30 of itself over each half (`[0, c]`, `[c, 1]`): nodes whose weight is
/// below e^-80 of their half's largest are left out. `rel` is the relative agreement of two
/// successive levels that ends the quadrature (1e-14 keeps the result within a few ulps of the
/// integral's value for an `f` smooth at the scale of the density).
pub fn beta_mean(a: f64, b: f64, rel: f64, f: impl Fn(f64, f64) -> f64) -> f64 {
    let pieces = Pieces::new(a, b);
    let mut sums = [Sums::default(), Sums::default()];
    let mut previous = f64::NAN;
    for (level, nodes) in levels().iter().enumerate() {
        for node in nodes {
            for (piece, sums) in pieces.0.iter().zip(&mut sums) {
                let (ln_w, p, q) = piece.at(node);
                sums.add(ln_w + node.ln_weight, || f(p, q));
            }
        }
        // Each level's sums are in steps of its h: the estimate is the sums times h, and h
        // cancels in the mean.
        let mean = Sums::mean(&sums);
        if level >= 3 && (mean - previous).abs() <= rel * mean.abs() {
            return mean;
        }
        previous = mean;
    }
    previous
}

/// The nodes each level adds, made once: level 0 every multiple of its step out to `T_MAX`,
/// each further level the odd multiples of its (halved) step.
fn levels() -> &'static [Vec<Node>] {
    static LEVEL_NODES: OnceLock<Vec<Vec<Node>>> = OnceLock::new();
    LEVEL_NODES.get_or_init(|| {
        (0..LEVELS)
            .map(|level| {
                let h = FIRST_STEP / (1u64 << level) as f64;
                let (start, stride) = if level == 0 { (0i64, 1) } else { (1, 2) };
                let last = (T_MAX / h) as i64;
                let mut nodes = Vec::new();
                let mut k = start;
                while k <= last {
                    let t = k as f64 * h;
                    nodes.push(Node::at(t));
                    if k != 0 {
                        nodes.push(Node::at(-t));
                    }
                    k += stride;
                }
                nodes
            })
            .collect()
    })
}

/// A tanh-sinh node `tau = (1 + tanh(pi/2 sinh t)) / 2` as its distances from 0 and from 1,
/// each exact to rounding (`1 - tau` is not formed from `tau`), `ln(1 - tau)`, and the log
/// of `d tau / d t`.
struct Node {
    d0: f64,
    d1: f64,
    ln_one_minus: f64,
    ln_weight: f64,
}

impl Node {
    fn at(t: f64) -> Node {
        let u = std::f64::consts::FRAC_PI_2 * t.sinh();
        let d0 = 1.0 / (1.0 + (-2.0 * u).exp());
        let d1 = 1.0 / (1.0 + (2.0 * u).exp());
        // d tau / dt = pi cosh(t) tau (1 - tau), in logs so the far nodes do not underflow
        // before their density is applied (at T_MAX, 2|u| is about 634: no overflow).
        let ln_d0 = -(-2.0 * u).exp().ln_1p();
        let ln_d1 = -(2.0 * u).exp().ln_1p();
        let ln_weight = std::f64::consts::PI.ln() + t.cosh().ln() + ln_d0 + ln_d1;
        let ln_one_minus = if d0 < 0.5 { (-d0).ln_1p() } else { ln_d1 };
        Node {
            d0,
            d1,
            ln_one_minus,
            ln_weight,
        }
    }
}

/// One of the two pieces `[0, c]` and `[c, 1]`.
#[derive(Debug, Clone, Copy)]
enum Piece {
    /// `p = c tau` (with `1 - p = (1 - c) + c (1 - tau)`): density `p^(a-1) (1-p)^(b-1) c`.
    Lower { c: f64, rest: f64, a: f64, b: f64 },
    /// `p = c (1 - tau)^(1/a)` for `a < 1`: density `(c^a / a) (1 - p)^(b - 1)` in `tau`.
    LowerSingular { c: f64, a: f64, b: f64 },
    /// `p = c + (1 - c) tau`, `1 - p = (1 - c)(1 - tau)`.
    Upper { c: f64, rest: f64, a: f64, b: f64 },
    /// `1 - p = (1 - c)(1 - tau)^(1/b)` for `b < 1`.
    UpperSingular { rest: f64, a: f64, b: f64 },
}

struct Pieces([Piece; 2]);

impl Pieces {
    fn new(a: f64, b: f64) -> Pieces {
        let (c, rest) = if a < 1.0 || b < 1.0 {
            (0.5, 0.5)
        } else {
            (a / (a + b), b / (a + b))
        };
        let lower = if a < 1.0 {
            Piece::LowerSingular { c, a, b }
        } else {
            Piece::Lower { c, rest, a, b }
        };
        let upper = if b < 1.0 {
            Piece::UpperSingular { rest, a, b }
        } else {
            Piece::Upper { c, rest, a, b }
        };
        Pieces([lower, upper])
    }
}

impl Piece {
    /// The log of the density (times the piece's Jacobian) at the node, and `(p, 1 - p)`.
    fn at(&self, node: &Node) -> (f64, f64, f64) {
        match *self {
            Piece::Lower { c, rest, a, b } => {
                let (p, q) = (c * node.d0, rest + c * node.d1);
                (c.ln() + xlny(a - 1.0, p) + xlny(b - 1.0, q), p, q)
            }
            Piece::Upper { c, rest, a, b } => {
                let (p, q) = (c + rest * node.d0, rest * node.d1);
                (rest.ln() + xlny(a - 1.0, p) + xlny(b - 1.0, q), p, q)
            }
            Piece::LowerSingular { c, a, b } => {
                let p = c * (node.ln_one_minus / a).exp();
                let ln_q = (-p).ln_1p();
                (a * c.ln() - a.ln() + (b - 1.0) * ln_q, p, 1.0 - p)
            }
            Piece::UpperSingular { rest, a, b } => {
                let q = rest * (node.ln_one_minus / b).exp();
                let ln_p = (-q).ln_1p();
                (b * rest.ln() - b.ln() + (a - 1.0) * ln_p, 1.0 - q, q)
            }
        }
    }
}

/// `x ln y`, 0 where `x` is 0 (a flat density's `0 * ln 0`).
fn xlny(x: f64, y: f64) -> f64 {
    if x == 0.0 {
        0.0
    } else {
        x * y.ln()
    }
}

/// `sum w f` and `sum w` from the weights' logs, held divided by `exp(scale)` (the largest
/// weight's log so far) so that neither overflows nor loses the small weights next to it.
#[derive(Default)]
struct Sums {
    scale: Option<f64>,
    with_f: f64,
    weight: f64,
}

impl Sums {
    /// Adds a node of weight `exp(ln_w)`; a node whose weight is below e^-80 of the piece's
    /// largest so far is left out, `f` not evaluated (where `f` varies by less than e^30 over
    /// the piece, such a node is below e^-50 of its sum, and the next ones fall
    /// double-exponentially). Kept per piece: a piece can hold e^-80 of the other's weight and
    /// still most of `f`'s (`f = p` at a tiny `a`).
    fn add(&mut self, ln_w: f64, f: impl FnOnce() -> f64) {
        if ln_w.is_nan() || self.scale.is_some_and(|s| ln_w < s - SKIP) {
            return;
        }
        let scale = match self.scale {
            Some(s) if s >= ln_w => s,
            Some(s) => {
                let shrink = (s - ln_w).exp();
                self.with_f *= shrink;
                self.weight *= shrink;
                self.scale = Some(ln_w);
                ln_w
            }
            None => {
                self.scale = Some(ln_w);
                ln_w
            }
        };
        let w = (ln_w - scale).exp();
        self.with_f += w * f();
        self.weight += w;
    }

    /// The mean over the pieces' sums together.
    fn mean(pieces: &[Sums]) -> f64 {
        let top = pieces
            .iter()
            .filter_map(|s| s.scale)
            .fold(f64::NEG_INFINITY, f64::max);
        let (mut with_f, mut weight) = (0.0, 0.0);
        for s in pieces {
            if let Some(scale) = s.scale {
                let k = (scale - top).exp();
                with_f += s.with_f * k;
                weight += s.weight * k;
            }
        }
        with_f / weight
    }
}

#[cfg(test)]
mod tests {
    use super::beta_mean;

    #[test]
    fn moments_of_the_beta() {
        // E[p] = a / (a + b), E[p (1 - p)] = a b / ((a + b)(a + b + 1)).
        // Means of positive functions that keep within e^30 of themselves (beta_mean's
        // contract): E[1 + p] and E[1 + p (1 - p)].
        for &(a, b) in &[
            (1e-35, 2.0),
            (0.3, 0.7),
            (1.0, 1.0),
            (2.5, 1e-20),
            (1e3, 11.0),
            (1e3, 1e4),
            (0.01, 1e4),
        ] {
            let mean = beta_mean(a, b, 1e-14, |p, _| 1.0 + p);
            let exact = 1.0 + a / (a + b);
            assert!(
                (mean - exact).abs() <= 1e-13 * exact,
                "{a} {b}: {mean} vs {exact}"
            );
            let var = beta_mean(a, b, 1e-14, |p, q| 1.0 + p * q);
            let exact = 1.0 + a * b / ((a + b) * (a + b + 1.0));
            assert!(
                (var - exact).abs() <= 1e-12 * exact,
                "{a} {b}: {var} vs {exact}"
            );
        }
    }

    #[test]
    fn a_mean_of_one_over_p() {
        // E[1 / p] = (a + b - 1) / (a - 1) for a > 1.
        for &(a, b) in &[(1.5, 0.2), (3.0, 40.0), (200.0, 2e3)] {
            let mean = beta_mean(a, b, 1e-14, |p, _| 1.0 / p);
            let exact = (a + b - 1.0) / (a - 1.0);
            assert!(
                (mean - exact).abs() <= 1e-12 * exact,
                "{a} {b}: {mean} vs {exact}"
            );
        }
    }
}

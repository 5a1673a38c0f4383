//! The arithmetic the studies share, each exactly as numpy, pandas or the papers define it:
//! quantiles and `qcut`, order-free sums, pandas' means and group sums, special functions and
//! the minimiser behind the model fits.

pub mod beta_mean;
pub mod exact_sum;
pub mod fixed_sum;
pub mod optimize;
pub mod quantile;
pub mod select;
pub mod special;
pub mod stats;
pub mod versions;

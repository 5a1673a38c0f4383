//! PyO3 only: convert in, release the GIL, call the core, convert out.

mod arrow;
mod cltv;
mod errors;
mod frame;
mod functions;
mod models;
mod partials;
mod rfm;
mod translog;

use pyo3::prelude::*;

#[pymodule]
fn _flo_rfm(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("CLTV_STEPS", crate::core::cltv_study::STUDY_STEPS)?;
    m.add(
        "REQUIRED_COLUMNS",
        crate::core::frame::REQUIRED_COLUMNS.to_vec(),
    )?;
    m.add_class::<frame::Frame>()?;
    m.add_class::<frame::Progress>()?;
    m.add_class::<rfm::Rfm>()?;
    m.add_class::<cltv::Cltv>()?;
    frame::register(m)?;
    functions::register(m)?;
    models::register(m)?;
    partials::register(m)?;
    translog::register(m)?;
    Ok(())
}

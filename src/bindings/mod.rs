//! PyO3 only: convert in, release the GIL, call the core, convert out.

mod arrow;
mod bootstrap;
mod cltv;
mod counts;
mod customer_table;
mod customers;
mod errors;
mod functions;
mod models;
mod objectives;
mod orders;
mod partials;
mod progress;
mod read;
mod rfm;

use pyo3::prelude::*;

#[pymodule(gil_used = false)]
fn _flo_rfm(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("CLTV_STEPS", crate::core::clv::study::STUDY_STEPS)?;
    m.add(
        "PERIODS_PER_MONTH",
        crate::core::clv::value::PERIODS_PER_MONTH.to_vec(),
    )?;
    m.add(
        "REQUIRED_COLUMNS",
        crate::core::table::customers::REQUIRED_COLUMNS.to_vec(),
    )?;
    m.add_class::<customers::Frame>()?;
    m.add_class::<progress::Progress>()?;
    m.add_class::<rfm::Rfm>()?;
    m.add_class::<cltv::Cltv>()?;
    m.add_class::<cltv::CltvFrame>()?;
    m.add_class::<customer_table::CustomerTable>()?;
    customers::register(m)?;
    read::register(m)?;
    functions::register(m)?;
    models::register(m)?;
    objectives::register(m)?;
    counts::register(m)?;
    bootstrap::register(m)?;
    partials::register(m)?;
    orders::register(m)?;
    rfm::register(m)?;
    Ok(())
}

#[cfg(feature = "python")]
mod bindings;
pub mod core;

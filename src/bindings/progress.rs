//! Progress of long work shown from Python (a progress bar) and Ctrl-C passed to it.

use std::sync::Arc;

use pyo3::prelude::*;

use crate::core::watch::Watch;

/// A counter of bytes read (or steps done), shared with work running in another thread, which
/// can also stop that work (`cancel`).
#[pyclass(frozen, module = "flo_rfm._flo_rfm")]
pub struct Progress {
    pub(crate) watch: Arc<Watch>,
}

#[pymethods]
impl Progress {
    #[new]
    fn new() -> Self {
        Progress {
            watch: Arc::default(),
        }
    }

    #[getter]
    fn bytes_read(&self) -> u64 {
        self.watch.bytes_read()
    }

    /// Steps done (bootstrap replicates).
    #[getter]
    fn steps_done(&self) -> u64 {
        self.watch.steps_done()
    }

    /// Stops the work at its next block or step: it raises ``KeyboardInterrupt``.
    fn cancel(&self) {
        self.watch.cancel();
    }
}

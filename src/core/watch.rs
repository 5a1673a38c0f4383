//! Long work watched from another thread (a progress bar, Ctrl-C in Python): the bytes read so
//! far, the steps done, and a request to stop.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Watch {
    bytes: AtomicU64,
    steps: AtomicU64,
    cancelled: AtomicBool,
}

impl Watch {
    pub fn bytes_read(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// `n` more bytes read.
    pub fn add_bytes(&self, n: u64) {
        self.bytes.fetch_add(n, Ordering::Relaxed);
    }

    pub fn steps_done(&self) -> u64 {
        self.steps.load(Ordering::Relaxed)
    }

    /// One more step done (e.g. a bootstrap replicate).
    pub fn step(&self) {
        self.steps.fetch_add(1, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// Asks the work to stop: a read ends with [`super::error::FloError::Cancelled`] at its
    /// next block, a fit at its next evaluation.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }
}

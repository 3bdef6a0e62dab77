//! Shared helpers.

use std::sync::Arc;

use fintra_core::ClientBuilder;
use fintra_core::test_util::VirtualTime;

pub use fintra_core::test_util::deterministic_retry as policy;

/// A builder on virtual time pointed at `base`.
pub fn builder(base: &str, time: &Arc<VirtualTime>) -> ClientBuilder {
    fintra_core::test_util::virtual_builder(base, time)
}

pub use fintra_core::test_util::CapturedLogs;

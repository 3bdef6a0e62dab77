//! Shared helpers.

use std::sync::Arc;

use fintra_core::ClientBuilder;
use fintra_core::retry::{
    AttemptOutcome, ClassifyContext, RetryClassifier, RetryDecision, RetryKind,
};
use fintra_core::test_util::VirtualTime;

pub use fintra_core::test_util::deterministic_retry as policy;

/// A builder on virtual time pointed at `base`.
pub fn builder(base: &str, time: &Arc<VirtualTime>) -> ClientBuilder {
    fintra_core::test_util::virtual_builder(base, time)
}

pub use fintra_core::test_util::CapturedLogs;

/// A classifier that always asks to retry (`Always(true)`, which core must still refuse for
/// writes) or never (`Always(false)`), whatever came before it.
#[derive(Debug)]
pub struct Always(pub bool);

impl RetryClassifier for Always {
    fn classify(
        &self,
        _: &ClassifyContext<'_>,
        _: AttemptOutcome<'_>,
        _: RetryDecision,
    ) -> RetryDecision {
        if self.0 {
            RetryDecision::Retry {
                kind: RetryKind::Server,
                after: None,
            }
        } else {
            RetryDecision::DoNotRetry
        }
    }
}

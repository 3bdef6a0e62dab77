//! Injectable wall clock and sleep.
//!
//! Backoff delays, token expiry and request-signature timestamps all read time through these
//! two traits, so tests can run them on virtual time (see `test_util::VirtualTime` behind the
//! `test-util` feature) instead of waiting.

use std::fmt::Debug;
use std::time::{Duration, SystemTime};

use crate::BoxFuture;

/// A source of wall-clock time.
pub trait Clock: Send + Sync + Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// Something that can wait.
pub trait Sleep: Send + Sync + Debug {
    /// A future that completes after `duration` (the wait between retries).
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;

    /// A future that completes once `duration` has passed, raced against an attempt or a
    /// whole call to enforce its deadline. The default is [`Sleep::sleep`]; a virtual clock
    /// whose `sleep` completes at once (like `test_util::VirtualTime`) overrides it so that a
    /// deadline only passes when its clock does.
    fn deadline(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.sleep(duration)
    }
}

/// The operating system clock ([`SystemTime::now`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// Sleeps on the tokio timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleep;

impl Sleep for TokioSleep {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Time elapsed from `earlier` to `later`, or zero if the clock went backwards.
pub(crate) fn elapsed(earlier: SystemTime, later: SystemTime) -> Duration {
    later.duration_since(earlier).unwrap_or_default()
}

/// `at + by`, saturating at a time far in the future instead of panicking when a caller's or
/// a server's duration is past what [`SystemTime`] can hold.
pub(crate) fn saturating_add(at: SystemTime, by: Duration) -> SystemTime {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);
    at.checked_add(by)
        .or_else(|| at.checked_add(CENTURY))
        .unwrap_or(at)
}

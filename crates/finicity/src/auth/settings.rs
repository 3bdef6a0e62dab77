//! Token refresh, refresh-ahead, lockout-budget and backoff settings.

use std::time::Duration;

use fintra_core::Error;

use super::store::Backoff;

/// How long a token lives on Finicity's side.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(2 * 60 * 60);

/// Highest lockout budget accepted: Finicity locks the account at the fifth failure.
pub const MAX_LOCKOUT_THRESHOLD: u32 = 4;

/// Token refresh and lockout-guard settings.
///
/// ```
/// use std::time::Duration;
/// use fintra_finicity::TokenSettings;
/// let settings = TokenSettings::default()
///     .with_refresh_after(Duration::from_secs(60 * 60))
///     .with_lockout_threshold(2);
/// assert_eq!(settings.lockout_threshold(), 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenSettings {
    refresh_after: Duration,
    max_age: Duration,
    lockout_threshold: u32,
    refresh_ahead: Duration,
    failure_backoff: Duration,
    max_failure_backoff: Duration,
    lock_ttl: Duration,
}

impl Default for TokenSettings {
    /// Refresh after 90 minutes (in the background from 75 minutes on), never use after 115
    /// minutes, a budget of 3 failed attempts, a 1 s backoff after a failed refresh doubling
    /// up to 60 s, a 60 s refresh lock.
    fn default() -> Self {
        TokenSettings {
            refresh_after: Duration::from_secs(90 * 60),
            max_age: TOKEN_LIFETIME - Duration::from_secs(5 * 60),
            lockout_threshold: 3,
            refresh_ahead: Duration::from_secs(15 * 60),
            failure_backoff: Duration::from_secs(1),
            max_failure_backoff: Duration::from_secs(60),
            lock_ttl: Duration::from_secs(60),
        }
    }
}

impl TokenSettings {
    /// Replace the token once it is this old (default 90 minutes).
    pub fn with_refresh_after(mut self, age: Duration) -> Self {
        self.refresh_after = age;
        self
    }
    /// Never use a token this old, even when a refresh fails (default 115 minutes; at most
    /// two hours).
    pub fn with_max_age(mut self, age: Duration) -> Self {
        self.max_age = age;
        self
    }
    /// The lockout budget: attempts that may have been failed logins after which
    /// CreateToken and ModifyPartnerSecret are no longer sent (default 3; 1 to 4, Finicity
    /// locks the account at 5).
    pub fn with_lockout_threshold(mut self, failures: u32) -> Self {
        self.lockout_threshold = failures;
        self
    }
    /// How long before [`TokenSettings::refresh_after`] a background refresh starts (default
    /// 15 minutes), so that no call waits for CreateToken in steady state.
    pub fn with_refresh_ahead(mut self, ahead: Duration) -> Self {
        self.refresh_ahead = ahead;
        self
    }
    /// The wait after a failed refresh before the next one is attempted (default 1 s,
    /// doubled after each further failure). Callers in that window get the last failure.
    pub fn with_failure_backoff(mut self, base: Duration) -> Self {
        self.failure_backoff = base;
        self
    }
    /// The longest backoff after repeated failed refreshes (default 60 s).
    pub fn with_max_failure_backoff(mut self, max: Duration) -> Self {
        self.max_failure_backoff = max;
        self
    }
    /// How long the refresh lock is held at most (default 60 s) before another refresher
    /// (in this process or, with a shared store, another one) may take over.
    pub fn with_lock_ttl(mut self, ttl: Duration) -> Self {
        self.lock_ttl = ttl;
        self
    }
    /// The refresh-ahead margin.
    pub fn refresh_ahead(&self) -> Duration {
        self.refresh_ahead
    }
    /// The lock TTL.
    pub fn lock_ttl(&self) -> Duration {
        self.lock_ttl
    }
    /// The backoff after a failed refresh.
    pub fn backoff(&self) -> Backoff {
        Backoff {
            base: self.failure_backoff,
            max: self.max_failure_backoff,
        }
    }
    /// The refresh age.
    pub fn refresh_after(&self) -> Duration {
        self.refresh_after
    }
    /// The maximum age.
    pub fn max_age(&self) -> Duration {
        self.max_age
    }
    /// The lockout threshold.
    pub fn lockout_threshold(&self) -> u32 {
        self.lockout_threshold
    }

    /// Checks `0 < refresh_after <= max_age <= 2 h` and `1 <= lockout_threshold <= 4`.
    pub fn validate(&self) -> Result<(), Error> {
        if self.refresh_after.is_zero() || self.refresh_after > self.max_age {
            return Err(Error::config(
                "token settings: refresh_after must be positive and at most max_age",
            ));
        }
        if self.max_age > TOKEN_LIFETIME {
            return Err(Error::config(
                "token settings: max_age must not exceed the two-hour token lifetime",
            ));
        }
        if self.lock_ttl.is_zero() {
            return Err(Error::config("token settings: lock_ttl must be positive"));
        }
        if !(1..=MAX_LOCKOUT_THRESHOLD).contains(&self.lockout_threshold) {
            return Err(Error::config(
                "token settings: lockout_threshold must be 1 to 4 (Finicity locks the account at 5 failures)",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_validation() {
        assert!(TokenSettings::default().validate().is_ok());
        let hour = Duration::from_secs(3600);
        assert!(
            TokenSettings::default()
                .with_refresh_after(Duration::ZERO)
                .validate()
                .is_err()
        );
        assert!(
            TokenSettings::default()
                .with_refresh_after(2 * hour)
                .validate()
                .is_err()
        );
        assert!(
            TokenSettings::default()
                .with_max_age(3 * hour)
                .validate()
                .is_err()
        );
        assert!(
            TokenSettings::default()
                .with_max_age(2 * hour)
                .validate()
                .is_ok()
        );
        assert!(
            TokenSettings::default()
                .with_lockout_threshold(0)
                .validate()
                .is_err()
        );
        assert!(
            TokenSettings::default()
                .with_lockout_threshold(5)
                .validate()
                .is_err()
        );
        assert!(
            TokenSettings::default()
                .with_lockout_threshold(4)
                .validate()
                .is_ok()
        );
    }
}

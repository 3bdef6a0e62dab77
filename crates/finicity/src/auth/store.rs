//! The state shared by every client of one partner: [`AuthStore`], and its in-process
//! implementation [`InProcessStore`] (the default).
//!
//! A store holds four things: the token (with its issue time and a generation number), the
//! refresh lock (owner value + TTL), the lockout budget, and the rotation record. Every
//! operation that must not race (taking a budget slot, storing a token under the lock) is
//! atomic in the store itself.

use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use fintra_core::BoxFuture;
use fintra_core::secret::SecretString;

use super::failure::BudgetLocation;

/// A store operation failed (e.g. Redis is unreachable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError {
    /// The store, e.g. `redis://127.0.0.1:6379`.
    pub store: String,
    /// What failed.
    pub reason: String,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "token store {} failed: {}", self.store, self.reason)
    }
}

impl std::error::Error for StoreError {}

/// A token as kept in the store.
#[derive(Clone)]
pub struct StoredToken {
    /// The token (sealed at rest by stores outside the process).
    pub value: SecretString,
    /// When CreateToken returned it.
    pub issued_at: SystemTime,
    /// Increases with every token stored for the partner.
    pub generation: u64,
}

impl fmt::Debug for StoredToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredToken")
            .field("value", &fintra_core::secret::REDACTED)
            .field("issued_at", &self.issued_at)
            .field("generation", &self.generation)
            .finish()
    }
}

/// The lockout budget as recorded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BudgetRecord {
    /// Attempts that failed (or may have) since the last success or reset.
    pub failures: u32,
    /// Attempts sent and not settled yet (each counts against the budget).
    pub in_flight: u32,
    /// Finicity answered `24302` (account locked).
    pub locked: bool,
    /// When the last slot was taken.
    pub last_attempt_at: Option<SystemTime>,
}

impl BudgetRecord {
    /// Slots in use: failures plus attempts in flight.
    pub fn used(&self) -> u32 {
        self.failures.saturating_add(self.in_flight)
    }
}

/// A rotation of the partner secret, as recorded by ModifyPartnerSecret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationRecord {
    /// When the new secret was accepted.
    pub rotated_at: SystemTime,
    /// A keyed fingerprint of the new secret (never the secret).
    pub fingerprint: String,
    /// With `immediate: false`: the fingerprint of the old secret, still accepted until
    /// `grace_until`.
    pub previous_fingerprint: Option<String>,
    /// The end of the 30-day grace period (`immediate: false`), if any.
    pub grace_until: Option<SystemTime>,
}

/// The grace period of a rotation with `immediate: false` (30 days, from the spec's
/// description of the flag).
pub const ROTATION_GRACE: Duration = Duration::from_secs(30 * 24 * 60 * 60);

impl RotationRecord {
    /// Whether a secret with `fingerprint` may be used at `now`.
    pub fn accepts(&self, fingerprint: &str, now: SystemTime) -> bool {
        fingerprint == self.fingerprint
            || (self.previous_fingerprint.as_deref() == Some(fingerprint)
                && self.grace_until.is_some_and(|until| now < until))
    }
}

/// The answer to a request for a budget slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotDecision {
    /// A slot was taken: the attempt may be sent.
    Granted,
    /// The budget is spent.
    Spent(BudgetRecord),
    /// The account is recorded as locked.
    Locked,
    /// A previous attempt failed less than the backoff ago.
    BackingOff {
        /// Failures recorded.
        failures: u32,
        /// Time left.
        retry_in: Duration,
    },
}

/// How an attempt that held a slot ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotOutcome {
    /// 200 with a usable token (or 204): the budget is reset.
    Succeeded,
    /// Provably never reached Finicity's authentication service: the slot is given back.
    GivenBack,
    /// May have been a failed login: the slot stays spent.
    Failed,
    /// Finicity answered `24302`.
    AccountLocked,
}

/// Backoff parameters for [`AuthStore::take_slot`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after one failure (doubled per further failure).
    pub base: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Backoff {
    /// The wait after `failures` failures.
    pub fn after(&self, failures: u32) -> Duration {
        if failures == 0 {
            return Duration::ZERO;
        }
        let factor = 1u32 << failures.saturating_sub(1).min(16);
        self.base.saturating_mul(factor).min(self.max)
    }
}

/// Shared authentication state of one partner: token, refresh lock, budget, rotation record.
///
/// Implementations must make [`AuthStore::take_slot`], [`AuthStore::put_token`] and
/// [`AuthStore::unlock`] atomic with respect to every other client using the same store.
pub trait AuthStore: Send + Sync + fmt::Debug {
    /// Where the budget is recorded and the command that resets it.
    fn location(&self) -> BudgetLocation;
    /// Called when this process's partner secret changed (a rotation), for stores that
    /// derive keys from it. Does nothing by default.
    fn rekey(&self, partner_secret: &SecretString) {
        let _ = partner_secret;
    }
    /// A short name, e.g. `in-process` or `redis://host:port`.
    fn name(&self) -> String;
    /// The current token, if any.
    fn token(&self) -> BoxFuture<'_, Result<Option<StoredToken>, StoreError>>;
    /// Stores `value` if `owner` still holds the refresh lock; returns its generation, or
    /// `None` when the lock was lost (a slower, older refresher is fenced out).
    fn put_token<'a>(
        &'a self,
        owner: &'a str,
        value: &'a SecretString,
        issued_at: SystemTime,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<u64>, StoreError>>;
    /// Drops the token of `generation` if it is still the current one.
    fn drop_token(&self, generation: u64) -> BoxFuture<'_, Result<(), StoreError>>;
    /// Takes the refresh lock for `ttl` with the owner value `owner`.
    fn try_lock<'a>(
        &'a self,
        owner: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// Releases the lock if `owner` still holds it (compare-and-delete).
    fn unlock<'a>(&'a self, owner: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Releases the lock from a `Drop` (a cancelled refresh); must not block. If it cannot,
    /// the lock expires after its TTL.
    fn unlock_dropped(&self, owner: String);
    /// Atomically: refuses when locked, spent (`used >= budget`) or backing off; otherwise
    /// counts one attempt in flight and records `now` as the last attempt.
    fn take_slot(
        &self,
        budget: u32,
        now: SystemTime,
        backoff: Option<Backoff>,
    ) -> BoxFuture<'_, Result<SlotDecision, StoreError>>;
    /// Settles a slot taken with [`AuthStore::take_slot`].
    fn settle(&self, outcome: SlotOutcome) -> BoxFuture<'_, Result<BudgetRecord, StoreError>>;
    /// Settles a slot as failed from a `Drop` (a cancelled attempt); must not block. If it
    /// cannot be recorded the slot stays in flight, which still counts.
    fn settle_dropped(&self);
    /// The budget.
    fn budget(&self) -> BoxFuture<'_, Result<BudgetRecord, StoreError>>;
    /// Clears the budget and the account-locked mark (the operator's reset).
    fn reset_budget(&self) -> BoxFuture<'_, Result<(), StoreError>>;
    /// Records a secret rotation.
    fn record_rotation(&self, record: RotationRecord) -> BoxFuture<'_, Result<(), StoreError>>;
    /// The last recorded rotation.
    fn rotation(&self) -> BoxFuture<'_, Result<Option<RotationRecord>, StoreError>>;
}

/// Applies [`AuthStore::take_slot`] to a record (shared by the stores' logic and tests).
pub(crate) fn decide_slot(
    record: &mut BudgetRecord,
    budget: u32,
    now: SystemTime,
    backoff: Option<Backoff>,
) -> SlotDecision {
    if record.locked {
        return SlotDecision::Locked;
    }
    if record.used() >= budget {
        return SlotDecision::Spent(*record);
    }
    if let (Some(backoff), Some(last)) = (backoff, record.last_attempt_at)
        && record.failures > 0
    {
        let wait = backoff.after(record.failures);
        // Never longer than the backoff itself, even if another process's clock is ahead.
        let left = (last + wait)
            .duration_since(now)
            .unwrap_or_default()
            .min(wait);
        if !left.is_zero() {
            return SlotDecision::BackingOff {
                failures: record.failures,
                retry_in: left,
            };
        }
    }
    record.in_flight += 1;
    record.last_attempt_at = Some(now);
    SlotDecision::Granted
}

/// Applies [`AuthStore::settle`] to a record.
pub(crate) fn settle_record(record: &mut BudgetRecord, outcome: SlotOutcome) {
    record.in_flight = record.in_flight.saturating_sub(1);
    match outcome {
        SlotOutcome::Succeeded => record.failures = 0,
        SlotOutcome::GivenBack => {}
        SlotOutcome::Failed => record.failures = record.failures.saturating_add(1),
        SlotOutcome::AccountLocked => {
            record.failures = record.failures.saturating_add(1);
            record.locked = true;
        }
    }
}

#[derive(Debug, Default)]
struct InProcessState {
    token: Option<StoredToken>,
    generation: u64,
    lock: Option<(String, SystemTime)>,
    budget: BudgetRecord,
    rotation: Option<RotationRecord>,
}

/// The default store: the state lives in this process, shared by every `FinicityClient`
/// of the same partner and base URL. It is lost when the process exits (a restart therefore
/// also clears the budget); use the Redis store to share it across processes.
#[derive(Debug, Default)]
pub struct InProcessStore {
    state: Mutex<InProcessState>,
}

impl InProcessStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut InProcessState) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

fn ready<'a, T: Send + 'a>(value: T) -> BoxFuture<'a, Result<T, StoreError>> {
    Box::pin(std::future::ready(Ok(value)))
}

impl AuthStore for InProcessStore {
    fn location(&self) -> BudgetLocation {
        BudgetLocation {
            recorded_in: "in-process (this process only)".to_owned(),
            reset: "FinicityClient::reset_lockout_guard() in this process".to_owned(),
        }
    }

    fn name(&self) -> String {
        "in-process".to_owned()
    }

    fn token(&self) -> BoxFuture<'_, Result<Option<StoredToken>, StoreError>> {
        ready(self.with(|s| s.token.clone()))
    }

    fn put_token<'a>(
        &'a self,
        owner: &'a str,
        value: &'a SecretString,
        issued_at: SystemTime,
        _ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<u64>, StoreError>> {
        ready(self.with(|s| {
            if s.lock.as_ref().map(|(o, _)| o.as_str()) != Some(owner) {
                return None;
            }
            s.generation += 1;
            s.token = Some(StoredToken {
                value: value.clone(),
                issued_at,
                generation: s.generation,
            });
            Some(s.generation)
        }))
    }

    fn drop_token(&self, generation: u64) -> BoxFuture<'_, Result<(), StoreError>> {
        self.with(|s| {
            if s.token.as_ref().is_some_and(|t| t.generation == generation) {
                s.token = None;
            }
        });
        ready(())
    }

    fn try_lock<'a>(
        &'a self,
        owner: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let now = SystemTime::now();
        ready(self.with(|s| {
            if s.lock.as_ref().is_some_and(|(_, until)| *until > now) {
                return false;
            }
            s.lock = Some((owner.to_owned(), now + ttl));
            true
        }))
    }

    fn unlock<'a>(&'a self, owner: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        self.with(|s| {
            if s.lock.as_ref().map(|(o, _)| o.as_str()) == Some(owner) {
                s.lock = None;
            }
        });
        ready(())
    }

    fn unlock_dropped(&self, owner: String) {
        self.with(|s| {
            if s.lock.as_ref().map(|(o, _)| o.as_str()) == Some(owner.as_str()) {
                s.lock = None;
            }
        });
    }

    fn take_slot(
        &self,
        budget: u32,
        now: SystemTime,
        backoff: Option<Backoff>,
    ) -> BoxFuture<'_, Result<SlotDecision, StoreError>> {
        ready(self.with(|s| decide_slot(&mut s.budget, budget, now, backoff)))
    }

    fn settle(&self, outcome: SlotOutcome) -> BoxFuture<'_, Result<BudgetRecord, StoreError>> {
        ready(self.with(|s| {
            settle_record(&mut s.budget, outcome);
            s.budget
        }))
    }

    fn settle_dropped(&self) {
        self.with(|s| settle_record(&mut s.budget, SlotOutcome::Failed));
    }

    fn budget(&self) -> BoxFuture<'_, Result<BudgetRecord, StoreError>> {
        ready(self.with(|s| s.budget))
    }

    fn reset_budget(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        self.with(|s| {
            // Attempts still in flight keep counting until they settle.
            s.budget = BudgetRecord {
                in_flight: s.budget.in_flight,
                ..BudgetRecord::default()
            };
        });
        ready(())
    }

    fn record_rotation(&self, record: RotationRecord) -> BoxFuture<'_, Result<(), StoreError>> {
        self.with(|s| s.rotation = Some(record));
        ready(())
    }

    fn rotation(&self) -> BoxFuture<'_, Result<Option<RotationRecord>, StoreError>> {
        ready(self.with(|s| s.rotation.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Backoff = Backoff {
        base: Duration::from_secs(1),
        max: Duration::from_secs(60),
    };

    #[test]
    fn slots_count_in_flight_and_failures_and_a_success_resets() {
        let mut r = BudgetRecord::default();
        let t = SystemTime::UNIX_EPOCH;
        assert_eq!(decide_slot(&mut r, 2, t, None), SlotDecision::Granted);
        assert_eq!(decide_slot(&mut r, 2, t, None), SlotDecision::Granted);
        assert!(matches!(
            decide_slot(&mut r, 2, t, None),
            SlotDecision::Spent(_)
        ));
        settle_record(&mut r, SlotOutcome::GivenBack);
        settle_record(&mut r, SlotOutcome::Failed);
        assert_eq!((r.failures, r.in_flight), (1, 0));
        // Backing off one second after the failure, then granted.
        assert!(matches!(
            decide_slot(&mut r, 2, t, Some(B)),
            SlotDecision::BackingOff { failures: 1, .. }
        ));
        let later = t + Duration::from_secs(1);
        assert_eq!(
            decide_slot(&mut r, 2, later, Some(B)),
            SlotDecision::Granted
        );
        settle_record(&mut r, SlotOutcome::Succeeded);
        assert_eq!(r.used(), 0);
        assert_eq!(
            decide_slot(&mut r, 1, later, Some(B)),
            SlotDecision::Granted
        );
        settle_record(&mut r, SlotOutcome::AccountLocked);
        assert_eq!(decide_slot(&mut r, 4, later, None), SlotDecision::Locked);
    }

    #[test]
    fn backoff_doubles_and_saturates() {
        assert_eq!(B.after(0), Duration::ZERO);
        assert_eq!(B.after(1), Duration::from_secs(1));
        assert_eq!(B.after(3), Duration::from_secs(4));
        assert_eq!(B.after(40), Duration::from_secs(60));
    }
}

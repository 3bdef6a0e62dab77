//! Finicity authentication, safe for a fleet.
//!
//! [`FinicityAuth`] is the one owner of authentication: it holds the credentials, calls
//! CreateToken and ModifyPartnerSecret itself, keeps the token and the lockout budget in an
//! [`AuthStore`], and signs every other Finicity call with the `Finicity-App-Token`.
//!
//! ## The token
//!
//! * **One token** for all calls (Finicity's advice). Every `FinicityClient` of the same
//!   partner id and base URL in a process shares it (a process-wide registry); with the
//!   Redis store (feature `redis`) the whole fleet shares it.
//! * Replaced once older than [`TokenSettings::refresh_after`] (90 minutes), **in the
//!   background** from [`TokenSettings::refresh_ahead`] earlier (75 minutes), so no call waits
//!   for CreateToken in steady state; never used past [`TokenSettings::max_age`] (115
//!   minutes; the token lives two hours).
//! * Concurrent callers wait for one refresh and all get its outcome, **error included**.
//!   After a failed refresh the next one waits a backoff (1 s, doubling, at most 60 s);
//!   callers in that window get [`AuthFailure::BackingOff`].
//! * A 401 with code `10022`/`10023` drops the token and the call is replayed once.
//!
//! ## The lockout budget
//!
//! Five failed authentications lock a Finicity account until Mastercard support unlocks it.
//!
//! * A **slot is taken before** a CreateToken or ModifyPartnerSecret leaves the process
//!   (default budget 3, configurable 1 to 4 with [`TokenSettings::lockout_threshold`]).
//! * The slot is **given back** only when the attempt provably did not reach Finicity's
//!   authentication service: the connection never opened (refused, DNS, TLS), or the answer
//!   is a 404/405/410/421/3xx **without** a Finicity error body ([`AuthFailure::NotFinicityEndpoint`]:
//!   check the base URL). A 200 with a usable token (or a 204) resets the budget.
//! * **Everything else counts**: timeouts, a cancelled call (recorded from a `Drop` guard),
//!   a connection lost after sending, 400/401/403/404 with a Finicity code, 5xx (with or
//!   without a Finicity body: a gateway may have passed the login on), a 200 without a
//!   usable token.
//! * CreateToken and ModifyPartnerSecret are **never retried** once they may have been sent.
//! * Once the budget is spent nothing is sent ([`AuthFailure::BudgetSpent`]) until an
//!   operator resets it ([`crate::FinicityClient::reset_lockout_guard`], or
//!   `fintra finicity lockout reset` for the Redis store). Code `24302` records the account
//!   as locked ([`AuthFailure::AccountLocked`]).
//!
//! ## Secret rotation
//!
//! ModifyPartnerSecret records the time and a keyed fingerprint of the new secret (never the
//! secret) in the store. A client holding another secret sends nothing with it: it asks its
//! [`CredentialsSource`] for the new one, and otherwise returns
//! [`AuthFailure::SecretRotatedElsewhere`].

mod failure;
mod owner;
#[cfg(feature = "redis")]
mod redis_store;
mod settings;
mod source;
mod store;

pub use failure::{AuthFailure, BudgetLocation, RejectedCredential};
pub(crate) use owner::{AuthParts, shared_state};
pub use owner::{CachedToken, FinicityAuth};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis_store::{RedisAdmin, RedisStore, TokenInfo, budget_key};
pub use settings::{MAX_LOCKOUT_THRESHOLD, TOKEN_LIFETIME, TokenSettings};
pub use source::{CredentialsSource, EnvSecretSource, FileSecretSource, secret_fingerprint};
pub use store::{
    AuthStore, Backoff, BudgetRecord, InProcessStore, ROTATION_GRACE, RotationRecord, SlotDecision,
    SlotOutcome, StoreError, StoredToken,
};

/// The path of both Authentication operations.
pub const AUTHENTICATION_PATH: &str = "/aggregation/v2/partners/authentication";

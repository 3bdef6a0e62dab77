//! The shared Finicity token provider and the lockout guard.
//!
//! Every Finicity call but the two Authentication ones carries a `Finicity-App-Token`. The
//! [`FinicityTokenProvider`] keeps **one** token for all of them (as Finicity recommends):
//!
//! * it is replaced once older than [`TokenSettings::refresh_after`] (default 90 minutes)
//!   and never used once older than [`TokenSettings::max_age`] (default 115 minutes: the
//!   token lives two hours, less a 5-minute margin for latency and clock skew);
//! * concurrent callers wait for a single CreateToken call (single-flight);
//! * a 401 with code `10022`/`10023` drops the token and the call is replayed once with a
//!   new one (see [`crate::error::is_expired_token`]).
//!
//! ## Lockout guard
//!
//! Finicity locks the partner account after five failed authentications, and unlocking it
//! takes a support ticket. So:
//!
//! * CreateToken is never retried on 400/401/404 (it is declared replay-safe, because a second
//!   token is harmless and several may be active at once; only transport failures and 5xx
//!   other than `24302` are retried);
//! * each 401 or 404 from CreateToken or ModifyPartnerSecret counts as a credential failure
//!   and a success resets the count; once the count reaches
//!   [`TokenSettings::lockout_threshold`] (default 3, at most 4) the client refuses to send
//!   the partner secret again and returns [`AuthErrorKind::GuardTripped`] until
//!   [`FinicityTokenProvider::reset_lockout_guard`] is called;
//! * code `24302` ("account locked", HTTP 500) returns [`AuthErrorKind::AccountLocked`], is
//!   never retried, and every later attempt fails the same way without a request until the
//!   guard is reset;
//! * authentication calls are serialized, so concurrent callers cannot overshoot the
//!   threshold.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use fintra_core::auth::{
    AccessToken, CachedTokenProvider, TokenFetcher, TokenLifetime, TokenProvider,
};
use fintra_core::secret::{ExposeSecret, REDACTED, SecretString};
use fintra_core::time::Clock;
use fintra_core::{
    AuthError, AuthErrorKind, BoxFuture, Client, Error, Idempotency, Operation, RequestOptions,
};
use http::StatusCode;

use crate::error::FinicityErrorExt;
use crate::models::{AccessTokenBody, PartnerCredentials, PartnerCredentialsWithNewSecret};

/// The path of both Authentication operations.
pub const AUTHENTICATION_PATH: &str = "/aggregation/v2/partners/authentication";

/// How long a token lives on Finicity's side.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(2 * 60 * 60);

/// Highest lockout threshold accepted: Finicity locks the account at the fifth failure.
pub const MAX_LOCKOUT_THRESHOLD: u32 = 4;

/// Token refresh and lockout-guard settings.
///
/// ```
/// use std::time::Duration;
/// use fintra_finicity::TokenSettings;
/// let settings = TokenSettings::default()
///     .refresh_after(Duration::from_secs(60 * 60))
///     .lockout_threshold(2);
/// assert_eq!(settings.get_lockout_threshold(), 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenSettings {
    refresh_after: Duration,
    max_age: Duration,
    lockout_threshold: u32,
}

impl Default for TokenSettings {
    /// Refresh after 90 minutes, never use after 115 minutes, stop after 3 credential
    /// failures.
    fn default() -> Self {
        TokenSettings {
            refresh_after: Duration::from_secs(90 * 60),
            max_age: TOKEN_LIFETIME - Duration::from_secs(5 * 60),
            lockout_threshold: 3,
        }
    }
}

impl TokenSettings {
    /// Replace the token once it is this old (default 90 minutes).
    pub fn refresh_after(mut self, age: Duration) -> Self {
        self.refresh_after = age;
        self
    }
    /// Never use a token this old, even when a refresh fails (default 115 minutes; at most
    /// two hours).
    pub fn max_age(mut self, age: Duration) -> Self {
        self.max_age = age;
        self
    }
    /// Consecutive credential failures after which CreateToken is no longer called
    /// (default 3; 1 to 4).
    pub fn lockout_threshold(mut self, failures: u32) -> Self {
        self.lockout_threshold = failures;
        self
    }
    /// The refresh age.
    pub fn get_refresh_after(&self) -> Duration {
        self.refresh_after
    }
    /// The maximum age.
    pub fn get_max_age(&self) -> Duration {
        self.max_age
    }
    /// The lockout threshold.
    pub fn get_lockout_threshold(&self) -> u32 {
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
        if !(1..=MAX_LOCKOUT_THRESHOLD).contains(&self.lockout_threshold) {
            return Err(Error::config(
                "token settings: lockout_threshold must be 1 to 4 (Finicity locks the account at 5 failures)",
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Default)]
struct GuardState {
    consecutive_failures: u32,
    locked: bool,
}

/// Counts credential failures and refuses to send the partner secret past a threshold.
#[derive(Debug)]
struct LockoutGuard {
    threshold: u32,
    state: Mutex<GuardState>,
    /// Serializes authentication calls so concurrent callers cannot overshoot the threshold.
    serial: tokio::sync::Mutex<()>,
}

impl LockoutGuard {
    fn new(threshold: u32) -> Self {
        LockoutGuard {
            threshold,
            state: Mutex::new(GuardState::default()),
            serial: tokio::sync::Mutex::new(()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, GuardState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn check(&self) -> Result<(), Error> {
        let state = self.state();
        if state.locked {
            return Err(AuthError::new(
                AuthErrorKind::AccountLocked,
                "Finicity reported the partner account as locked (code 24302); no authentication \
                 is attempted until the account is unlocked by Finicity support and the lockout \
                 guard is reset",
            )
            .into());
        }
        if state.consecutive_failures >= self.threshold {
            return Err(AuthError::new(
                AuthErrorKind::GuardTripped,
                format!(
                    "not calling Finicity CreateToken: the partner credentials were rejected {} \
                     times in a row and five failures lock the account; fix the credentials, \
                     then call reset_lockout_guard()",
                    state.consecutive_failures
                ),
            )
            .into());
        }
        Ok(())
    }

    /// Maps an authentication error, updating the counters.
    fn failed(&self, err: Error) -> Error {
        if err.is_account_locked() {
            self.state().locked = true;
            return AuthError::new(
                AuthErrorKind::AccountLocked,
                "Finicity locked the partner account after too many failed authentications \
                 (code 24302); contact Finicity support, then call reset_lockout_guard()",
            )
            .with_source(err)
            .into();
        }
        let credential_failure = matches!(
            err.status(),
            Some(StatusCode::UNAUTHORIZED | StatusCode::NOT_FOUND)
        );
        if !credential_failure {
            return err;
        }
        let failures = {
            let mut state = self.state();
            state.consecutive_failures = state.consecutive_failures.saturating_add(1);
            state.consecutive_failures
        };
        AuthError::new(
            AuthErrorKind::CredentialsRejected,
            format!(
                "Finicity rejected the partner credentials or app key ({failures} consecutive \
                 failure(s); authentication stops after {})",
                self.threshold
            ),
        )
        .with_source(err)
        .into()
    }

    fn succeeded(&self) {
        self.state().consecutive_failures = 0;
    }

    fn reset(&self) {
        *self.state() = GuardState::default();
    }

    fn failures(&self) -> u32 {
        self.state().consecutive_failures
    }

    fn is_tripped(&self) -> bool {
        let state = self.state();
        state.locked || state.consecutive_failures >= self.threshold
    }
}

/// The Authentication API behind the lockout guard (shared by the client and the token
/// fetcher).
pub(crate) struct AuthApi {
    client: Client,
    partner_id: String,
    partner_secret: RwLock<SecretString>,
    guard: LockoutGuard,
}

impl fmt::Debug for AuthApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthApi")
            .field("partner_id", &self.partner_id)
            .field("partner_secret", &REDACTED)
            .field("guard", &self.guard.state())
            .finish()
    }
}

impl AuthApi {
    pub(crate) fn new(
        client: Client,
        partner_id: String,
        partner_secret: SecretString,
        lockout_threshold: u32,
    ) -> Self {
        AuthApi {
            client,
            partner_id,
            partner_secret: RwLock::new(partner_secret),
            guard: LockoutGuard::new(lockout_threshold),
        }
    }

    pub(crate) fn partner_id(&self) -> &str {
        &self.partner_id
    }

    /// `CreateToken`: `POST /aggregation/v2/partners/authentication` → 200 `AccessToken`.
    pub(crate) async fn create_token(&self, options: &RequestOptions) -> Result<String, Error> {
        let _serial = self.guard.serial.lock().await;
        self.guard.check()?;
        let op = {
            let secret = self
                .partner_secret
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            Operation::post("CreateToken", AUTHENTICATION_PATH)
                .json(&PartnerCredentials {
                    partner_id: &self.partner_id,
                    partner_secret: secret.expose_secret(),
                })?
                .sensitive()
                // A second token is harmless (several may be active), so transport failures
                // and 5xx are retried; 4xx never are, and 24302 is excluded by the classifier.
                .idempotency(Idempotency::Safe)
        };
        match self.client.send_json::<AccessTokenBody>(op, options).await {
            Ok(body) => {
                self.guard.succeeded();
                if body.token.is_empty() {
                    return Err(AuthError::new(
                        AuthErrorKind::TokenUnavailable,
                        "Finicity CreateToken returned an empty token",
                    )
                    .into());
                }
                Ok(body.token)
            }
            Err(err) => Err(self.guard.failed(err)),
        }
    }

    /// `ModifyPartnerSecret`: `PUT /aggregation/v2/partners/authentication` → 204. On success
    /// the new secret replaces the one this client authenticates with.
    pub(crate) async fn modify_partner_secret(
        &self,
        new_secret: SecretString,
        immediate: Option<bool>,
        options: &RequestOptions,
    ) -> Result<(), Error> {
        crate::credentials::validate_partner_secret(&new_secret)?;
        let _serial = self.guard.serial.lock().await;
        self.guard.check()?;
        let op = {
            let secret = self
                .partner_secret
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            Operation::put("ModifyPartnerSecret", AUTHENTICATION_PATH)
                .json(&PartnerCredentialsWithNewSecret {
                    credentials: PartnerCredentials {
                        partner_id: &self.partner_id,
                        partner_secret: secret.expose_secret(),
                    },
                    new_partner_secret: new_secret.expose_secret(),
                    immediate,
                })?
                .sensitive()
            // PUT stays Idempotency::Unsafe: a replay would present the old secret again.
        };
        match self.client.send_empty(op, options).await {
            Ok(()) => {
                self.guard.succeeded();
                *self
                    .partner_secret
                    .write()
                    .unwrap_or_else(PoisonError::into_inner) = new_secret;
                Ok(())
            }
            Err(err) => Err(self.guard.failed(err)),
        }
    }
}

/// Calls CreateToken for the cache.
struct CreateTokenFetcher {
    auth: Arc<AuthApi>,
}

impl fmt::Debug for CreateTokenFetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateTokenFetcher")
            .field("auth", &self.auth)
            .finish()
    }
}

impl TokenFetcher for CreateTokenFetcher {
    fn fetch(&self) -> BoxFuture<'_, Result<SecretString, Error>> {
        Box::pin(async move {
            match self.auth.create_token(&RequestOptions::new()).await {
                Ok(token) => Ok(SecretString::from(token)),
                Err(err @ Error::Auth(_)) => Err(err),
                Err(err) => Err(AuthError::new(
                    AuthErrorKind::TokenUnavailable,
                    "could not obtain a Finicity access token",
                )
                .with_source(err)
                .into()),
            }
        })
    }
}

/// The one `Finicity-App-Token` shared by every Finicity client built from the same
/// [`crate::FinicityClient`] (see the [module docs](self)).
pub struct FinicityTokenProvider {
    cache: CachedTokenProvider<CreateTokenFetcher>,
    settings: TokenSettings,
}

impl FinicityTokenProvider {
    pub(crate) fn new(auth: Arc<AuthApi>, settings: TokenSettings, clock: Arc<dyn Clock>) -> Self {
        let lifetime = TokenLifetime {
            refresh_after: settings.refresh_after,
            expires_after: settings.max_age,
        };
        FinicityTokenProvider {
            cache: CachedTokenProvider::new(CreateTokenFetcher { auth }, lifetime, clock),
            settings,
        }
    }

    /// The settings in use.
    pub fn settings(&self) -> &TokenSettings {
        &self.settings
    }

    /// Re-allows authentication after the lockout guard tripped (or after Finicity reported
    /// the account locked). Call it once the credentials are fixed or the account unlocked.
    pub fn reset_lockout_guard(&self) {
        self.cache.fetcher().auth.guard.reset();
    }

    /// Consecutive credential failures seen since the last success or reset.
    pub fn consecutive_credential_failures(&self) -> u32 {
        self.cache.fetcher().auth.guard.failures()
    }

    /// Whether the guard currently refuses to authenticate.
    pub fn is_guard_tripped(&self) -> bool {
        self.cache.fetcher().auth.guard.is_tripped()
    }
}

impl TokenProvider for FinicityTokenProvider {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, Error>> {
        self.cache.token()
    }

    fn invalidate(&self, token_generation: u64) {
        self.cache.invalidate(token_generation);
    }
}

impl fmt::Debug for FinicityTokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FinicityTokenProvider")
            .field("cache", &self.cache)
            .field("settings", &self.settings)
            .finish()
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
                .refresh_after(Duration::ZERO)
                .validate()
                .is_err()
        );
        assert!(
            TokenSettings::default()
                .refresh_after(2 * hour)
                .validate()
                .is_err()
        );
        assert!(
            TokenSettings::default()
                .max_age(3 * hour)
                .validate()
                .is_err()
        );
        assert!(
            TokenSettings::default()
                .max_age(2 * hour)
                .validate()
                .is_ok()
        );
        assert!(
            TokenSettings::default()
                .lockout_threshold(0)
                .validate()
                .is_err()
        );
        assert!(
            TokenSettings::default()
                .lockout_threshold(5)
                .validate()
                .is_err()
        );
        assert!(
            TokenSettings::default()
                .lockout_threshold(4)
                .validate()
                .is_ok()
        );
    }
}

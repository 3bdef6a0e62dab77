//! [`FinicityAuth`]: the one owner of Finicity authentication (credentials, lockout budget,
//! token cache) and the `Finicity-App-Token` signer.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock, Weak};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use fintra_core::auth::{AccessToken, Rejection, RequestSigner, SignContext};
use fintra_core::secret::{ExposeSecret, REDACTED, SecretString, sensitive_header_value};
use fintra_core::time::Clock;
use fintra_core::{BoxFuture, Client, Error, Idempotency, Operation, RequestOptions};
use http::{HeaderValue, StatusCode};

use super::AUTHENTICATION_PATH;
use super::failure::{AuthFailure, RejectedCredential};
use super::settings::TokenSettings;
use super::source::{CredentialsSource, secret_fingerprint};
use super::store::{
    AuthStore, BudgetRecord, ROTATION_GRACE, RotationRecord, SlotDecision, SlotOutcome, StoreError,
    StoredToken,
};
use crate::client::APP_TOKEN_HEADER;
use crate::error::{FinicityErrorBody, codes, is_expired_token};
use crate::models::{AccessTokenBody, PartnerCredentials, PartnerCredentialsWithNewSecret};

/// The shared `Finicity-App-Token`, as handed to callers: core's [`AccessToken`] (its
/// [`secret`](AccessToken::secret), [`issued_at`](AccessToken::issued_at),
/// [`refresh_at`](AccessToken::refresh_at) (90 minutes after issue by default),
/// [`expires_at`](AccessToken::expires_at) (115 minutes by default) and
/// [`generation`](AccessToken::generation), the store's count of tokens stored, all through
/// `Deref`) plus the moment a background refresh starts. `Debug` redacts the token.
#[derive(Clone)]
pub struct CachedToken {
    token: AccessToken,
    header: HeaderValue,
    refresh_ahead_at: SystemTime,
}

impl CachedToken {
    /// The token as core's [`AccessToken`].
    pub fn token(&self) -> &AccessToken {
        &self.token
    }
    /// When a background refresh starts.
    pub fn refresh_ahead_at(&self) -> SystemTime {
        self.refresh_ahead_at
    }
}

impl std::ops::Deref for CachedToken {
    type Target = AccessToken;

    fn deref(&self) -> &AccessToken {
        &self.token
    }
}

impl fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedToken")
            .field("token", &self.token)
            .field("refresh_ahead_at", &self.refresh_ahead_at)
            .finish()
    }
}

/// State shared by every client of one partner and base URL in this process.
pub(crate) struct Shared {
    store: Arc<dyn AuthStore>,
    local: Mutex<Option<CachedToken>>,
    /// In-process single flight: one refresh at a time, waiters share its outcome.
    flight: tokio::sync::Mutex<()>,
    /// Incremented after every refresh attempt.
    seq: AtomicU64,
    last_failure: Mutex<Option<AuthFailure>>,
    background: AtomicBool,
    /// The highest generation Finicity rejected as invalid/expired: never adopted again.
    rejected: AtomicU64,
}

type Registry = Mutex<HashMap<(String, String), Weak<Shared>>>;

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::default)
}

/// The process-wide shared state for `partner_id` at `base_url`, created with `store` on
/// first use. A second client asking for a different kind of store is refused, so two
/// clients of one partner can never count failures in two places.
pub(crate) fn shared_state(
    partner_id: &str,
    base_url: &str,
    store: impl FnOnce() -> Arc<dyn AuthStore>,
    store_name: Option<String>,
) -> Result<Arc<Shared>, Error> {
    let mut map = registry().lock().unwrap_or_else(PoisonError::into_inner);
    map.retain(|_, w| w.strong_count() > 0);
    let key = (partner_id.to_owned(), base_url.to_owned());
    if let Some(existing) = map.get(&key).and_then(Weak::upgrade) {
        let name = existing.store.name();
        if let Some(wanted) = store_name
            && wanted != name
        {
            return Err(Error::config(format!(
                "another FinicityClient in this process already keeps the token and lockout \
                 budget of partner {partner_id} at {base_url} in {name}; build every client of \
                 that partner with the same store (not {wanted})"
            )));
        }
        return Ok(existing);
    }
    let shared = Arc::new(Shared {
        store: store(),
        local: Mutex::new(None),
        flight: tokio::sync::Mutex::new(()),
        seq: AtomicU64::new(0),
        last_failure: Mutex::new(None),
        background: AtomicBool::new(false),
        rejected: AtomicU64::new(0),
    });
    map.insert(key, Arc::downgrade(&shared));
    Ok(shared)
}

impl Shared {
    fn cached(&self) -> Option<CachedToken> {
        self.local
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
    fn set_cached(&self, token: Option<CachedToken>) {
        *self.local.lock().unwrap_or_else(PoisonError::into_inner) = token;
    }
}

/// The generation of the token a request was signed with (kept in its extensions).
#[derive(Debug, Clone, Copy)]
struct SignedWith(u64);

/// A budget slot; dropped unsettled (a cancelled or panicking attempt) it counts as failed.
struct Slot {
    store: Arc<dyn AuthStore>,
    settled: bool,
}

impl Slot {
    async fn settle(mut self, outcome: SlotOutcome) -> Result<BudgetRecord, StoreError> {
        self.settled = true;
        self.store.settle(outcome).await
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if !self.settled {
            tracing::warn!(
                "a Finicity authentication attempt was cancelled after it may have been sent; \
                 it counts against the lockout budget"
            );
            self.store.settle_dropped();
        }
    }
}

/// The store's refresh lock; released when dropped (also by a cancelled refresh).
struct HeldLock {
    store: Arc<dyn AuthStore>,
    owner: Option<String>,
}

impl HeldLock {
    async fn release(mut self) {
        if let Some(owner) = self.owner.take()
            && let Err(e) = self.store.unlock(&owner).await
        {
            tracing::warn!(error = %e, "could not release the Finicity refresh lock; it expires on its own");
        }
    }
}

impl Drop for HeldLock {
    fn drop(&mut self) {
        if let Some(owner) = self.owner.take() {
            self.store.unlock_dropped(owner);
        }
    }
}

/// How an authentication answer counts.
enum Verdict {
    /// Never left the process (connection refused, DNS, TLS, invalid input).
    NeverSent,
    /// Not Finicity's authentication service (404/405/410/421/3xx without a Finicity body).
    NotFinicity(u16),
    /// Code 24302.
    Locked,
    /// A credential rejection with a Finicity code.
    Rejected(RejectedCredential, u16),
    /// Anything else: may have been a failed login.
    Unknown(String),
}

/// Whether a decoded error body is Finicity's own: the Mastercard `Errors.Error[]` shape with a
/// reason code, or the `{code, message}` shape with a numeric code (every code Finicity
/// documents is a number, sent as a number or a string). Another API's JSON error, such as a
/// Svix-style `{"code":"not_found"}`, is not, so a wrong base URL is not taken for a rejected
/// login.
fn is_finicity_error(body: &FinicityErrorBody) -> bool {
    match (body, body.code()) {
        (_, None) => false,
        (FinicityErrorBody::GoldStandard(_), Some(_)) => true,
        (FinicityErrorBody::Message(_), Some(code)) => {
            !code.is_empty() && code.bytes().all(|b| b.is_ascii_digit())
        }
    }
}

fn verdict(err: &Error) -> Verdict {
    match err {
        Error::Transport(t) if t.is_connect() => Verdict::NeverSent,
        Error::InvalidRequest(_) | Error::Config(_) => Verdict::NeverSent,
        Error::Api(api) => {
            let status = api.status();
            let body = FinicityErrorBody::parse(api.body()).filter(is_finicity_error);
            match body {
                Some(b) if b.has_code(codes::ACCOUNT_LOCKED) => Verdict::Locked,
                Some(b)
                    if matches!(
                        status,
                        StatusCode::BAD_REQUEST
                            | StatusCode::UNAUTHORIZED
                            | StatusCode::FORBIDDEN
                            | StatusCode::NOT_FOUND
                    ) =>
                {
                    Verdict::Rejected(RejectedCredential::from_code(b.code()), status.as_u16())
                }
                Some(_) => Verdict::Unknown(format!("HTTP {status}")),
                None if status.is_redirection()
                    || matches!(
                        status,
                        StatusCode::NOT_FOUND
                            | StatusCode::METHOD_NOT_ALLOWED
                            | StatusCode::GONE
                            | StatusCode::MISDIRECTED_REQUEST
                    ) =>
                {
                    Verdict::NotFinicity(status.as_u16())
                }
                // E.g. a text/plain `Invalid (Finicity-App-Key)` from Finicity's gateway.
                None if matches!(
                    status,
                    StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
                ) =>
                {
                    Verdict::Rejected(RejectedCredential::Other, status.as_u16())
                }
                None => Verdict::Unknown(format!("HTTP {status} without a Finicity error body")),
            }
        }
        Error::Transport(t) if t.kind() == fintra_core::TransportErrorKind::Timeout => {
            Verdict::Unknown("timed out".to_owned())
        }
        Error::Transport(_) => Verdict::Unknown("the connection failed after sending".to_owned()),
        Error::Decode(_) => Verdict::Unknown("HTTP 200 with a body that is not a token".to_owned()),
        _ => Verdict::Unknown(err.to_string()),
    }
}

/// The one owner of Finicity authentication: credentials, the lockout budget and the token
/// cache (through its [`AuthStore`]), CreateToken and ModifyPartnerSecret. It is also the
/// `Finicity-App-Token` [`RequestSigner`]. Cheap to clone.
///
/// Every client of the same partner id and base URL in a process shares one token, one
/// budget and one refresh (see the [module docs](super)).
#[derive(Clone)]
pub struct FinicityAuth {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    url: String,
    partner_id: String,
    secret: RwLock<SecretString>,
    app_key: SecretString,
    source: Option<Arc<dyn CredentialsSource>>,
    settings: TokenSettings,
    clock: Arc<dyn Clock>,
    shared: Arc<Shared>,
}

/// What [`FinicityAuth::new`] needs.
pub(crate) struct AuthParts {
    pub(crate) client: Client,
    pub(crate) partner_id: String,
    pub(crate) secret: SecretString,
    pub(crate) app_key: SecretString,
    pub(crate) source: Option<Arc<dyn CredentialsSource>>,
    pub(crate) settings: TokenSettings,
    pub(crate) shared: Arc<Shared>,
}

impl FinicityAuth {
    pub(crate) fn new(parts: AuthParts) -> Self {
        let url = format!(
            "{}{AUTHENTICATION_PATH}",
            parts.client.base_url().trim_end_matches('/')
        );
        FinicityAuth {
            inner: Arc::new(Inner {
                clock: parts.client.clock().clone(),
                client: parts.client,
                url,
                partner_id: parts.partner_id,
                secret: RwLock::new(parts.secret),
                app_key: parts.app_key,
                source: parts.source,
                settings: parts.settings,
                shared: parts.shared,
            }),
        }
    }

    /// The partner id.
    pub fn partner_id(&self) -> &str {
        &self.inner.partner_id
    }

    /// The settings in use.
    pub fn settings(&self) -> &TokenSettings {
        &self.inner.settings
    }

    /// The shared token: cached; refreshed in the background from
    /// [`TokenSettings::refresh_ahead`] before the 90-minute mark; fetched with one
    /// CreateToken for all concurrent callers (who all get its outcome, error included).
    pub async fn token(&self) -> Result<CachedToken, AuthFailure> {
        let now = self.inner.clock.now();
        if let Some(token) = self.inner.shared.cached() {
            if now < token.refresh_ahead_at {
                return Ok(token);
            }
            if now < token.expires_at() {
                self.refresh_in_background();
                return Ok(token);
            }
        }
        self.inner.refresh_shared().await
    }

    /// Drops the token of `generation` (after Finicity answered 10022/10023 for it).
    pub fn invalidate(&self, generation: u64) {
        let shared = &self.inner.shared;
        shared.rejected.fetch_max(generation, Ordering::AcqRel);
        {
            let mut local = shared.local.lock().unwrap_or_else(PoisonError::into_inner);
            if local.as_ref().is_some_and(|t| t.generation() == generation) {
                *local = None;
            }
        }
        let store = shared.store.clone();
        let drop_it = async move {
            if let Err(e) = store.drop_token(generation).await {
                tracing::warn!(error = %e, "could not drop the rejected Finicity token from the store");
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => drop(handle.spawn(drop_it)),
            Err(_) => tracing::warn!("no tokio runtime: the rejected token stays in the store"),
        }
    }

    /// The lockout budget as recorded in the store.
    pub async fn lockout_status(&self) -> Result<BudgetRecord, AuthFailure> {
        self.inner
            .shared
            .store
            .budget()
            .await
            .map_err(store_unavailable)
    }

    /// Re-allows authentication after the budget was spent or the account locked: clears
    /// the budget in the store (for every client sharing it) and the shared last failure.
    pub async fn reset_lockout_guard(&self) -> Result<(), AuthFailure> {
        self.inner
            .shared
            .store
            .reset_budget()
            .await
            .map_err(store_unavailable)?;
        *self
            .inner
            .shared
            .last_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
        Ok(())
    }

    /// **CreateToken** outside the shared cache (budget rules apply, no backoff).
    pub async fn create_token(
        &self,
        options: &RequestOptions,
    ) -> Result<SecretString, AuthFailure> {
        self.inner.check_rotation().await?;
        self.inner.create_token(options, false).await
    }

    /// **ModifyPartnerSecret**, counted against the budget; on 204 the rotation is recorded
    /// in the store (time and fingerprint) and this client uses the new secret.
    pub async fn modify_partner_secret(
        &self,
        new_secret: SecretString,
        immediate: Option<bool>,
        options: &RequestOptions,
    ) -> Result<(), AuthFailure> {
        crate::credentials::validate_partner_secret(&new_secret)?;
        let inner = &self.inner;
        inner.check_rotation().await?;
        let slot = inner.take_slot(false).await?;
        let op = {
            let secret = inner.secret();
            Operation::put("ModifyPartnerSecret", AUTHENTICATION_PATH)
                .rust_method("FinicityClient::modify_partner_secret")
                .json(&PartnerCredentialsWithNewSecret {
                    credentials: PartnerCredentials {
                        partner_id: &inner.partner_id,
                        partner_secret: secret.expose_secret(),
                    },
                    new_partner_secret: new_secret.expose_secret(),
                    immediate,
                })?
                .sensitive()
                .with_idempotency(Idempotency::Unsafe)
        };
        match inner.client.send_empty(op, options).await {
            Ok(()) => {
                let _ = slot.settle(SlotOutcome::Succeeded).await;
                let now = inner.clock.now();
                let fingerprint =
                    |s: &SecretString| secret_fingerprint(&inner.app_key, &inner.partner_id, s);
                // `immediate` defaults to true on Finicity's side.
                let grace = immediate == Some(false);
                let record = RotationRecord {
                    rotated_at: now,
                    fingerprint: fingerprint(&new_secret),
                    previous_fingerprint: grace.then(|| fingerprint(&inner.secret())),
                    grace_until: grace.then(|| now + ROTATION_GRACE),
                };
                inner.shared.store.rekey(&new_secret);
                *inner.secret.write().unwrap_or_else(PoisonError::into_inner) = new_secret;
                if let Err(e) = inner.shared.store.record_rotation(record).await {
                    tracing::error!(
                        error = %e,
                        "the partner secret was changed but the rotation could not be recorded; \
                         other processes learn of it only from Finicity's answers"
                    );
                }
                Ok(())
            }
            Err(err) => Err(inner.failed(slot, err).await),
        }
    }

    fn refresh_in_background(&self) {
        let shared = &self.inner.shared;
        if shared.background.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            shared.background.store(false, Ordering::Release);
            return;
        };
        let inner = self.inner.clone();
        handle.spawn(async move {
            if let Ok(_flight) = inner.shared.flight.try_lock() {
                if let Err(e) = inner.refresh_locked(true).await {
                    tracing::warn!(error = %e, "background Finicity token refresh failed; the current token is still used");
                }
                inner.shared.seq.fetch_add(1, Ordering::AcqRel);
            }
            inner.shared.background.store(false, Ordering::Release);
        });
    }
}

fn store_unavailable(e: StoreError) -> AuthFailure {
    AuthFailure::StoreUnavailable {
        store: e.store,
        reason: e.reason,
    }
}

impl Inner {
    fn secret(&self) -> SecretString {
        self.secret
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn token_from(&self, stored: &StoredToken) -> Option<CachedToken> {
        let header = sensitive_header_value(APP_TOKEN_HEADER.as_str(), &stored.value).ok()?;
        let s = &self.settings;
        let refresh_at = stored.issued_at + s.refresh_after();
        Some(CachedToken {
            token: AccessToken::new(
                stored.value.clone(),
                stored.issued_at,
                refresh_at,
                stored.issued_at + s.max_age(),
                stored.generation,
            ),
            header,
            refresh_ahead_at: refresh_at
                .checked_sub(s.refresh_ahead())
                .unwrap_or(stored.issued_at),
        })
    }

    /// Waits for (or leads) the single in-process refresh and shares its outcome.
    async fn refresh_shared(&self) -> Result<CachedToken, AuthFailure> {
        let shared = &self.shared;
        let seen = shared.seq.load(Ordering::Acquire);
        let _flight = shared.flight.lock().await;
        if let Some(token) = shared.cached()
            && self.clock.now() < token.expires_at()
        {
            return Ok(token);
        }
        if shared.seq.load(Ordering::Acquire) != seen
            && let Some(failure) = shared
                .last_failure
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone()
        {
            return Err(failure);
        }
        let result = self.refresh_locked(false).await;
        if let Err(AuthFailure::BackingOff { .. }) = result
            && let Some(last) = shared
                .last_failure
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone()
        {
            // Within the backoff, callers get the failure that started it.
            return Err(last);
        }
        *shared
            .last_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner) =
            result.as_ref().err().map(AuthFailure::shared_copy);
        shared.seq.fetch_add(1, Ordering::AcqRel);
        result
    }

    /// One refresh, holding the in-process flight: adopt a newer token from the store, or
    /// take the store's refresh lock and call CreateToken.
    async fn refresh_locked(&self, background: bool) -> Result<CachedToken, AuthFailure> {
        let store = &self.shared.store;
        let local = self.shared.cached();
        let still_valid = |now: SystemTime| local.clone().filter(|t| now < t.expires_at());
        let lock_ttl = self.settings.lock_ttl();
        let owner = uuid::Uuid::new_v4().to_string();
        // Waiting for another refresher is measured on the monotonic clock: it is real I/O.
        let deadline = std::time::Instant::now() + lock_ttl;
        let mut wait = Duration::from_millis(10);
        // Before reading the store: a rotated secret (reloaded from the credentials source)
        // also changes the key the stored token is sealed with.
        if let Err(failure) = self.check_rotation().await {
            return still_valid(self.clock.now()).ok_or(failure);
        }
        loop {
            let now = self.clock.now();
            match self.adoptable(local.as_ref(), now).await {
                Ok(Some(token)) => return Ok(token),
                Ok(None) => {}
                Err(e) => return still_valid(now).ok_or_else(|| store_unavailable(e)),
            }
            match store.try_lock(&owner, lock_ttl).await {
                Ok(true) => break,
                Ok(false) if background => {
                    return still_valid(now).ok_or(AuthFailure::BackingOff {
                        failures: 0,
                        retry_in_secs: 1,
                    });
                }
                Ok(false) => {
                    // Another process is refreshing: wait for its token or its lock to go.
                    if std::time::Instant::now() >= deadline {
                        return still_valid(now).ok_or_else(|| AuthFailure::StoreUnavailable {
                            store: store.name(),
                            reason: format!(
                                "another process held the refresh lock for over {} s without storing a token",
                                lock_ttl.as_secs()
                            ),
                        });
                    }
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_millis(100));
                }
                Err(e) => return still_valid(now).ok_or_else(|| store_unavailable(e)),
            }
        }
        let lock = HeldLock {
            store: store.clone(),
            owner: Some(owner.clone()),
        };
        // Double-check under the lock: another process may have stored a token between our
        // read and our lock (and released its lock).
        if let Ok(Some(token)) = self.adoptable(local.as_ref(), self.clock.now()).await {
            lock.release().await;
            return Ok(token);
        }
        let result = self.fetch_and_store(&owner).await;
        lock.release().await;
        match result {
            Ok(token) => Ok(token),
            Err(failure) => still_valid(self.clock.now()).ok_or(failure),
        }
    }

    /// A fresh token in the store that this process does not use yet (and that Finicity has
    /// not rejected); adopted as the local token.
    async fn adoptable(
        &self,
        local: Option<&CachedToken>,
        now: SystemTime,
    ) -> Result<Option<CachedToken>, StoreError> {
        let store = &self.shared.store;
        let Some(stored) = store.token().await? else {
            return Ok(None);
        };
        if local.map(|t| t.generation()) == Some(stored.generation)
            || stored.generation <= self.shared.rejected.load(Ordering::Acquire)
        {
            return Ok(None);
        }
        match self.token_from(&stored) {
            Some(token) if now < token.refresh_ahead_at => {
                self.shared.set_cached(Some(token.clone()));
                Ok(Some(token))
            }
            Some(_) => Ok(None),
            None => {
                // Not a valid header value: never serve it (issue 9 item 4).
                let _ = store.drop_token(stored.generation).await;
                Ok(None)
            }
        }
    }

    async fn fetch_and_store(&self, owner: &str) -> Result<CachedToken, AuthFailure> {
        // Again under the lock: a rotation may have been recorded while waiting for it.
        self.check_rotation().await?;
        let value = self.create_token(&RequestOptions::new(), true).await?;
        let issued_at = self.clock.now();
        let generation = match self
            .shared
            .store
            .put_token(owner, &value, issued_at, self.settings.max_age())
            .await
        {
            Ok(Some(generation)) => generation,
            Ok(None) => {
                tracing::warn!(
                    "the Finicity refresh lock expired before the token was stored; using it in this process only"
                );
                0
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not store the new Finicity token; using it in this process only");
                0
            }
        };
        let stored = StoredToken {
            value,
            issued_at,
            generation,
        };
        let token = self
            .token_from(&stored)
            .ok_or_else(|| AuthFailure::AttemptCounted {
                what: "HTTP 200 with a token that is not a valid header value".to_owned(),
                url: self.url.clone(),
                failures: 0,
                budget: self.settings.lockout_threshold(),
                source: None,
            })?;
        self.shared.set_cached(Some(token.clone()));
        Ok(token)
    }

    /// Refuses to authenticate with a secret other than the last one recorded as rotated;
    /// asks the credentials source for the new one first.
    async fn check_rotation(&self) -> Result<(), AuthFailure> {
        let Some(record) = self
            .shared
            .store
            .rotation()
            .await
            .map_err(store_unavailable)?
        else {
            return Ok(());
        };
        let fingerprint = |s: &SecretString| secret_fingerprint(&self.app_key, &self.partner_id, s);
        let now = self.clock.now();
        if record.accepts(&fingerprint(&self.secret()), now) {
            return Ok(());
        }
        if let Some(source) = &self.source {
            match source.partner_secret().await {
                Ok(fresh) if record.accepts(&fingerprint(&fresh), now) => {
                    tracing::info!(
                        "loaded the rotated Finicity partner secret from the credentials source"
                    );
                    self.shared.store.rekey(&fresh);
                    *self.secret.write().unwrap_or_else(PoisonError::into_inner) = fresh;
                    return Ok(());
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "the Finicity credentials source failed"),
            }
        }
        Err(AuthFailure::SecretRotatedElsewhere {
            partner_id: self.partner_id.clone(),
            rotated_at: record.rotated_at,
            recorded_in: self.shared.store.location().recorded_in,
        })
    }

    async fn take_slot(&self, backoff: bool) -> Result<Slot, AuthFailure> {
        let budget = self.settings.lockout_threshold();
        let store = &self.shared.store;
        let decision = store
            .take_slot(
                budget,
                self.clock.now(),
                backoff.then(|| self.settings.backoff()),
            )
            .await
            .map_err(store_unavailable)?;
        match decision {
            SlotDecision::Granted => Ok(Slot {
                store: store.clone(),
                settled: false,
            }),
            SlotDecision::Spent(record) => Err(AuthFailure::BudgetSpent {
                failures: record.used(),
                budget,
                location: store.location(),
            }),
            SlotDecision::Locked => Err(AuthFailure::AccountLocked {
                location: store.location(),
                source: None,
            }),
            SlotDecision::BackingOff { failures, retry_in } => Err(AuthFailure::BackingOff {
                failures,
                retry_in_secs: retry_in.as_secs_f64().ceil() as u64,
            }),
        }
    }

    /// CreateToken behind a budget slot. Never retried once it may have been sent.
    async fn create_token(
        &self,
        options: &RequestOptions,
        backoff: bool,
    ) -> Result<SecretString, AuthFailure> {
        let slot = self.take_slot(backoff).await?;
        let op = {
            let secret = self.secret();
            Operation::post("CreateToken", AUTHENTICATION_PATH)
                .rust_method("FinicityClient::create_token")
                .json(&PartnerCredentials {
                    partner_id: &self.partner_id,
                    partner_secret: secret.expose_secret(),
                })
                .map(|op| op.sensitive().with_idempotency(Idempotency::Unsafe))
        };
        let op = match op {
            Ok(op) => op,
            Err(e) => {
                let _ = slot.settle(SlotOutcome::GivenBack).await;
                return Err(e.into());
            }
        };
        match self.client.send_json::<AccessTokenBody>(op, options).await {
            Ok(body) => {
                let value = SecretString::from(body.token);
                if !value.expose_secret().is_empty()
                    && sensitive_header_value(APP_TOKEN_HEADER.as_str(), &value).is_ok()
                {
                    let _ = slot.settle(SlotOutcome::Succeeded).await;
                    return Ok(value);
                }
                let record = slot.settle(SlotOutcome::Failed).await.unwrap_or_default();
                Err(AuthFailure::AttemptCounted {
                    what: "HTTP 200 without a usable token (empty or not a valid header value)"
                        .to_owned(),
                    url: self.url.clone(),
                    failures: record.used().max(1),
                    budget: self.settings.lockout_threshold(),
                    source: None,
                })
            }
            Err(err) => Err(self.failed(slot, err).await),
        }
    }

    /// Settles `slot` for a failed authentication call and builds the failure.
    async fn failed(&self, slot: Slot, err: Error) -> AuthFailure {
        let budget = self.settings.lockout_threshold();
        let store = self.shared.store.clone();
        let counted = |record: Result<BudgetRecord, StoreError>| match record {
            Ok(r) => r.used(),
            // Not settled: the slot stays in flight and still counts.
            Err(_) => budget,
        };
        match verdict(&err) {
            Verdict::NeverSent => {
                let _ = slot.settle(SlotOutcome::GivenBack).await;
                AuthFailure::Request(Arc::new(err))
            }
            Verdict::NotFinicity(status) => {
                let _ = slot.settle(SlotOutcome::GivenBack).await;
                AuthFailure::NotFinicityEndpoint {
                    url: self.url.clone(),
                    status,
                    source: Some(Arc::new(err)),
                }
            }
            Verdict::Locked => {
                let _ = slot.settle(SlotOutcome::AccountLocked).await;
                AuthFailure::AccountLocked {
                    location: store.location(),
                    source: Some(Arc::new(err)),
                }
            }
            Verdict::Rejected(credential, status) => {
                let failures = counted(slot.settle(SlotOutcome::Failed).await);
                AuthFailure::CredentialsRejected {
                    credential,
                    partner_id: self.partner_id.clone(),
                    status,
                    code: err.code().map(str::to_owned),
                    failures,
                    budget,
                    source: Some(Arc::new(err)),
                }
            }
            Verdict::Unknown(what) => {
                let failures = counted(slot.settle(SlotOutcome::Failed).await);
                AuthFailure::AttemptCounted {
                    what,
                    url: self.url.clone(),
                    failures,
                    budget,
                    source: Some(Arc::new(err)),
                }
            }
        }
    }
}

impl RequestSigner for FinicityAuth {
    fn sign<'a>(
        &'a self,
        request: &'a mut http::Request<Bytes>,
        _cx: SignContext,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let token = self.token().await?;
            request
                .headers_mut()
                .insert(APP_TOKEN_HEADER, token.header.clone());
            request
                .extensions_mut()
                .insert(SignedWith(token.generation()));
            Ok(())
        })
    }

    fn should_replay(&self, rejection: &Rejection<'_>) -> bool {
        if !is_expired_token(rejection) {
            return false;
        }
        if let Some(SignedWith(generation)) = rejection.extensions.get::<SignedWith>() {
            self.invalidate(*generation);
        }
        true
    }
}

impl fmt::Debug for FinicityAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FinicityAuth")
            .field("partner_id", &self.inner.partner_id)
            .field("partner_secret", &REDACTED)
            .field("app_key", &REDACTED)
            .field("store", &self.inner.shared.store)
            .field("token", &self.inner.shared.cached())
            .field("settings", &self.inner.settings)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fintra_core::{ApiError, TransportError, TransportErrorKind};

    fn api(status: u16, body: &'static str) -> Error {
        ApiError::new(
            "CreateToken",
            StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT),
            body,
        )
        .into()
    }

    fn name(v: Verdict) -> String {
        match v {
            Verdict::NeverSent => "never-sent".into(),
            Verdict::NotFinicity(s) => format!("not-finicity {s}"),
            Verdict::Locked => "locked".into(),
            Verdict::Rejected(c, s) => format!("rejected {c:?} {s}"),
            Verdict::Unknown(_) => "counted".into(),
        }
    }

    #[test]
    fn what_counts_against_the_budget() {
        let code = |c: &str| format!(r#"{{"code":"{c}","message":"m"}}"#).leak() as &str;
        let cases: Vec<(Error, &str)> = vec![
            (
                TransportError::new(TransportErrorKind::Connect, "refused").into(),
                "never-sent",
            ),
            (
                TransportError::new(TransportErrorKind::Timeout, "slow").into(),
                "counted",
            ),
            (
                TransportError::new(TransportErrorKind::Io, "reset").into(),
                "counted",
            ),
            (api(401, code("10001")), "rejected PartnerSecret 401"),
            (
                api(404, r#"{"code":12401,"message":"partner not found"}"#),
                "rejected PartnerId 404",
            ),
            (api(401, code("10026")), "rejected AppKey 401"),
            (api(401, code("10021")), "rejected NotAuthorized 401"),
            (api(400, code("10005")), "rejected Request 400"),
            (api(403, ""), "rejected Other 403"),
            (api(401, "Invalid (Finicity-App-Key)"), "rejected Other 401"),
            (api(500, r#"{"code":24302,"message":"locked"}"#), "locked"),
            (api(404, "<html>nope</html>"), "not-finicity 404"),
            (api(404, ""), "not-finicity 404"),
            (api(405, ""), "not-finicity 405"),
            (api(301, ""), "not-finicity 301"),
            (api(503, ""), "counted"),
            (api(502, "<html>bad gateway</html>"), "counted"),
            (api(500, code("500")), "counted"),
            (
                fintra_core::InvalidRequest::new("x", "y").into(),
                "never-sent",
            ),
        ];
        for (err, expected) in cases {
            let shown = format!("{err}");
            assert_eq!(name(verdict(&err)), expected, "{shown}");
        }
    }
}

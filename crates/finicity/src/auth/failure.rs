//! [`AuthFailure`]: every way Finicity authentication can fail, each saying what to do.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use fintra_core::{AuthError, AuthErrorKind, Error};

use crate::error::codes;

/// Which credential Finicity rejected, from its error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RejectedCredential {
    /// `10001` Invalid credentials: the partner secret (or the partner id it belongs to).
    PartnerSecret,
    /// `12401` partner not found: the partner id.
    PartnerId,
    /// `10026`/`10027` missing or invalid `Finicity-App-Key`.
    AppKey,
    /// `10021` You are not authorized: the app key is not allowed for this partner.
    NotAuthorized,
    /// `10005`/`14020` or another 400: the request itself (e.g. a missing parameter).
    Request,
    /// `24437`: the new partner secret does not follow Finicity's policy.
    NewSecretPolicy,
    /// Another Finicity code on a 401/403.
    Other,
}

impl RejectedCredential {
    /// Maps a Finicity error code.
    pub fn from_code(code: Option<&str>) -> Self {
        match code {
            Some(codes::INVALID_CREDENTIALS) => RejectedCredential::PartnerSecret,
            Some(codes::PARTNER_NOT_FOUND) => RejectedCredential::PartnerId,
            Some(codes::MISSING_APP_KEY | codes::INVALID_APP_KEY) => RejectedCredential::AppKey,
            Some(codes::NOT_AUTHORIZED) => RejectedCredential::NotAuthorized,
            Some(codes::MISSING_PARAMETER | codes::BAD_REQUEST | codes::INVALID_FIELD) => {
                RejectedCredential::Request
            }
            Some(codes::NEW_SECRET_NOT_PER_POLICY) => RejectedCredential::NewSecretPolicy,
            _ => RejectedCredential::Other,
        }
    }

    fn advice(self, partner_id: &str) -> String {
        match self {
            RejectedCredential::PartnerSecret => format!(
                "the partner secret of partner {partner_id} is wrong: fix FINICITY_PARTNER_SECRET \
                 (sandbox and production secrets differ)"
            ),
            RejectedCredential::PartnerId => format!(
                "partner {partner_id} does not exist at this host: fix FINICITY_PARTNER_ID \
                 (sandbox and production partner ids differ)"
            ),
            RejectedCredential::AppKey => format!(
                "the Finicity-App-Key is missing or wrong: fix FINICITY_APP_KEY for partner {partner_id}"
            ),
            RejectedCredential::NotAuthorized => format!(
                "the Finicity-App-Key is not authorized for partner {partner_id}: use the app key \
                 of that partner from the Developer Dashboard"
            ),
            RejectedCredential::Request => {
                "the authentication request was rejected as malformed: check that the partner id \
                 and secret are set"
                    .to_owned()
            }
            RejectedCredential::NewSecretPolicy => {
                "Finicity refused the new partner secret as not as per its policy (12 to 255 \
                 characters, letters, digits and !@#$%&*_-+, at least one letter and one digit)"
                    .to_owned()
            }
            RejectedCredential::Other => {
                format!("check the partner id, partner secret and app key of partner {partner_id}")
            }
        }
    }
}

/// Where the lockout budget lives and how an operator resets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetLocation {
    /// `in-process` or the Redis key, e.g. `redis key fintra:finicity:{123}:budget`.
    pub recorded_in: String,
    /// The exact reset command or call.
    pub reset: String,
}

/// Why Finicity authentication (CreateToken, ModifyPartnerSecret or the shared token) failed.
///
/// `Display` says what happened and what to do; it never contains a secret. Converts into
/// [`fintra_core::Error::Auth`] (see [`AuthFailure::kind`]), keeping the Finicity answer as
/// the source when there is one.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AuthFailure {
    /// Finicity rejected a credential (HTTP 400/401/403/404 with a Finicity code). Counted
    /// against the lockout budget.
    CredentialsRejected {
        /// Which credential, from the code.
        credential: RejectedCredential,
        /// The partner id.
        partner_id: String,
        /// HTTP status.
        status: u16,
        /// The Finicity code, when there is one.
        code: Option<String>,
        /// Failed attempts now recorded.
        failures: u32,
        /// The budget.
        budget: u32,
        /// The answer.
        source: Option<Arc<Error>>,
    },
    /// The answer did not come from Finicity's authentication service (e.g. a 404 without a
    /// Finicity error body): the base URL is wrong. Not counted.
    NotFinicityEndpoint {
        /// The URL that answered.
        url: String,
        /// HTTP status.
        status: u16,
        /// The answer.
        source: Option<Arc<Error>>,
    },
    /// The attempt may have reached Finicity but its outcome is unknown or unusable (timeout,
    /// cancelled, connection lost after sending, 5xx, an answer without a Finicity body, a
    /// 200 without a usable token). Counted against the lockout budget and never retried.
    AttemptCounted {
        /// What happened.
        what: String,
        /// The URL.
        url: String,
        /// Failed attempts now recorded.
        failures: u32,
        /// The budget.
        budget: u32,
        /// The underlying error, when there is one.
        source: Option<Arc<Error>>,
    },
    /// The lockout budget is spent: nothing is sent until an operator resets it.
    BudgetSpent {
        /// Failed attempts recorded.
        failures: u32,
        /// The budget.
        budget: u32,
        /// Where it is recorded and how to reset it.
        location: BudgetLocation,
    },
    /// Finicity locked the account (code `24302`), or a previous answer said so.
    AccountLocked {
        /// Where the lock is recorded and how to reset it once Finicity unlocked the account.
        location: BudgetLocation,
        /// The answer, when this call received it.
        source: Option<Arc<Error>>,
    },
    /// A refresh failed moments ago; the next one waits for the backoff to pass.
    BackingOff {
        /// Failed attempts recorded.
        failures: u32,
        /// Seconds until the next attempt is allowed.
        retry_in_secs: u64,
    },
    /// The partner secret was rotated (by another client or process) and this client holds
    /// a different one; nothing was sent.
    SecretRotatedElsewhere {
        /// The partner id.
        partner_id: String,
        /// When the rotation was recorded.
        rotated_at: SystemTime,
        /// Where it is recorded.
        recorded_in: String,
    },
    /// The shared store (Redis) is unreachable and no valid token is cached locally;
    /// CreateToken is not sent because its budget slot could not be recorded.
    StoreUnavailable {
        /// The store, e.g. `redis://127.0.0.1:6379`.
        store: String,
        /// The store's error.
        reason: String,
    },
    /// Another request failed (invalid input, a connection that never opened...). Not counted.
    Request(Arc<Error>),
}

impl AuthFailure {
    /// The matching core error kind.
    pub fn kind(&self) -> AuthErrorKind {
        match self {
            AuthFailure::CredentialsRejected { .. } => AuthErrorKind::CredentialsRejected,
            AuthFailure::AccountLocked { .. } => AuthErrorKind::AccountLocked,
            AuthFailure::BudgetSpent { .. } | AuthFailure::SecretRotatedElsewhere { .. } => {
                AuthErrorKind::GuardTripped
            }
            _ => AuthErrorKind::TokenUnavailable,
        }
    }

    /// The underlying core error (Finicity's answer), if any.
    pub fn source_error(&self) -> Option<&Error> {
        match self {
            AuthFailure::CredentialsRejected { source, .. }
            | AuthFailure::NotFinicityEndpoint { source, .. }
            | AuthFailure::AttemptCounted { source, .. }
            | AuthFailure::AccountLocked { source, .. } => source.as_deref(),
            AuthFailure::Request(e) => Some(e),
            _ => None,
        }
    }

    /// Finicity's decoded answer (e.g. [`crate::FinicityErrorBody`]), if there was one: the
    /// same idiom as [`Error::provider`].
    pub fn provider<T: fintra_core::ProviderError>(&self) -> Option<T> {
        self.source_error().and_then(Error::provider)
    }

    /// The HTTP status of Finicity's answer, if there was one.
    pub fn status(&self) -> Option<http::StatusCode> {
        match self {
            AuthFailure::CredentialsRejected { status, .. }
            | AuthFailure::NotFinicityEndpoint { status, .. } => {
                http::StatusCode::from_u16(*status).ok()
            }
            _ => self.source_error().and_then(Error::status),
        }
    }

    /// The Finicity error code, if there was one.
    pub fn code(&self) -> Option<&str> {
        match self {
            AuthFailure::CredentialsRejected { code, .. } => code.as_deref(),
            _ => self.source_error().and_then(Error::code),
        }
    }

    /// Finicity's answer (or the transport error) behind this failure, as a core error, when
    /// this failure holds the only reference to it; otherwise the failure itself. For code
    /// that checks the wire (e.g. contract tests) rather than the lockout rules.
    pub fn into_answer(self) -> Result<Error, AuthFailure> {
        let source = match &self {
            AuthFailure::CredentialsRejected { source, .. }
            | AuthFailure::NotFinicityEndpoint { source, .. }
            | AuthFailure::AttemptCounted { source, .. }
            | AuthFailure::AccountLocked { source, .. } => source.clone(),
            AuthFailure::Request(e) => Some(e.clone()),
            _ => None,
        };
        let Some(source) = source else {
            return Err(self);
        };
        drop(self);
        Arc::try_unwrap(source).map_err(AuthFailure::Request)
    }

    /// A copy without the source (the copy handed to callers that waited for a leader), so
    /// that the leader's own error keeps the only reference to Finicity's answer.
    pub(crate) fn shared_copy(&self) -> AuthFailure {
        let mut copy = self.clone();
        match &mut copy {
            AuthFailure::CredentialsRejected { source, .. }
            | AuthFailure::NotFinicityEndpoint { source, .. }
            | AuthFailure::AttemptCounted { source, .. }
            | AuthFailure::AccountLocked { source, .. } => *source = None,
            _ => {}
        }
        copy
    }

    /// Whether this is [`AuthFailure::AccountLocked`].
    pub fn is_account_locked(&self) -> bool {
        matches!(self, AuthFailure::AccountLocked { .. })
    }
}

impl fmt::Display for AuthFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthFailure::CredentialsRejected {
                credential,
                partner_id,
                status,
                code,
                failures,
                budget,
                ..
            } => {
                write!(f, "Finicity rejected the authentication (HTTP {status}")?;
                if let Some(code) = code {
                    write!(f, ", code {code}")?;
                }
                write!(
                    f,
                    "): {}; {failures} of {budget} allowed failed attempts are used (Finicity locks \
                     the account at 5)",
                    credential.advice(partner_id)
                )
            }
            AuthFailure::NotFinicityEndpoint { url, status, .. } => write!(
                f,
                "not a Finicity endpoint: {url} answered HTTP {status} without a Finicity error \
                 body; check the base URL (production is https://api.finicity.com). Not counted \
                 against the lockout budget"
            ),
            AuthFailure::AttemptCounted {
                what,
                url,
                failures,
                budget,
                ..
            } => write!(
                f,
                "Finicity authentication at {url} did not complete ({what}); it may have reached \
                 Finicity, so it counts as a failed attempt ({failures} of {budget} used) and is \
                 not retried"
            ),
            AuthFailure::BudgetSpent {
                failures,
                budget,
                location,
            } => write!(
                f,
                "not calling Finicity authentication: {failures} attempts that may have failed are \
                 recorded in {} (budget {budget}; Finicity locks the account at 5). Fix the \
                 credentials, then reset the budget with: {}",
                location.recorded_in, location.reset
            ),
            AuthFailure::AccountLocked { location, .. } => write!(
                f,
                "Finicity locked the partner account (code 24302) after too many failed \
                 authentications; ask Finicity support (support.finicity.com) or your Client \
                 Success Manager to unlock it, fix the credentials, then reset the lock recorded \
                 in {} with: {}",
                location.recorded_in, location.reset
            ),
            AuthFailure::BackingOff {
                failures,
                retry_in_secs,
            } => write!(
                f,
                "Finicity authentication failed {failures} time(s) in a row; the next attempt is \
                 allowed in {retry_in_secs} s (backoff after a failed refresh)"
            ),
            AuthFailure::SecretRotatedElsewhere {
                partner_id,
                recorded_in,
                ..
            } => write!(
                f,
                "the partner secret of partner {partner_id} was rotated elsewhere (recorded in \
                 {recorded_in}) and this client holds a different one; nothing was sent. Provide \
                 the new secret (FINICITY_PARTNER_SECRET or the configured credentials source)"
            ),
            AuthFailure::StoreUnavailable { store, reason } => write!(
                f,
                "the Finicity token store {store} is unavailable ({reason}); CreateToken is not \
                 sent because its lockout-budget slot cannot be recorded. Check that the store is \
                 reachable"
            ),
            AuthFailure::Request(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for AuthFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source_error()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<AuthFailure> for Error {
    fn from(failure: AuthFailure) -> Self {
        let message = failure.to_string();
        let kind = failure.kind();
        let source = match failure {
            AuthFailure::Request(e) => {
                return Arc::try_unwrap(e)
                    .unwrap_or_else(|e| AuthError::new(kind, e.to_string()).into());
            }
            AuthFailure::CredentialsRejected { source, .. }
            | AuthFailure::NotFinicityEndpoint { source, .. }
            | AuthFailure::AttemptCounted { source, .. }
            | AuthFailure::AccountLocked { source, .. } => source,
            _ => None,
        };
        let err = AuthError::new(kind, message);
        match source.and_then(|s| Arc::try_unwrap(s).ok()) {
            Some(source) => err.with_source(source).into(),
            None => err.into(),
        }
    }
}

impl From<Error> for AuthFailure {
    fn from(e: Error) -> Self {
        AuthFailure::Request(Arc::new(e))
    }
}

impl From<fintra_core::InvalidRequest> for AuthFailure {
    fn from(e: fintra_core::InvalidRequest) -> Self {
        AuthFailure::Request(Arc::new(e.into()))
    }
}

//! Bodies of the `Stream Authentication` operations (latest spec).

use std::collections::BTreeSet;

use fintra_core::InvalidRequest;
use serde::{Deserialize, Serialize};

use crate::validate;

/// Body of `stream-portal-access` (`StreamPortalAccessIn`; no field is required, `{}` is
/// valid).
///
/// ```
/// use fintra_app_portal::StreamPortalAccessIn;
/// let body = StreamPortalAccessIn::new().expiry(3600).session_id("user_1FB8");
/// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"expiry":3600,"sessionId":"user_1FB8"}"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StreamPortalAccessIn {
    /// The set of feature flags the created token will have access to: 1 to 25 unique
    /// items, each `^[a-zA-Z0-9\-_.]+$` and at most 256 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature_flags: Option<BTreeSet<String>>,
    /// How long the token is valid, in seconds: 3600 (1 hour) to 604800 (7 days, the
    /// default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry: Option<u64>,
    /// A session id attached to the token (`^[a-zA-Z0-9@_-]+$`, 1 to 64 characters), so
    /// that [`StreamTokenExpireIn::session_ids`] can expire just this session's tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
}

impl StreamPortalAccessIn {
    /// An empty body (`{}`): the server's defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets `featureFlags`.
    pub fn feature_flags<I, S>(mut self, flags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.feature_flags = Some(flags.into_iter().map(Into::into).collect());
        self
    }
    /// Sets `expiry` (seconds).
    pub fn expiry(mut self, seconds: u64) -> Self {
        self.expiry = Some(seconds);
        self
    }
    /// Sets `sessionId`.
    pub fn session_id(mut self, id: impl Into<String>) -> Self {
        self.session_id = Some(id.into());
        self
    }

    /// Checks the spec's constraints.
    pub(crate) fn validate(&self) -> Result<(), InvalidRequest> {
        validate::feature_flags(self.feature_flags.as_ref(), 1)?;
        validate::range("expiry", self.expiry, 3600, 604_800)?;
        if let Some(id) = &self.session_id {
            validate::session_id("sessionId", id)?;
        }
        Ok(())
    }
}

/// Body of `stream-expire-all` (`StreamTokenExpireIn`; `{}` is valid). The latest spec gives it
/// exactly the fields and constraints of `ApplicationTokenExpireIn` (`expiry` 0 to 259200,
/// at most 1000 `sessionIds`), so it is the same type.
///
/// ```
/// use fintra_app_portal::StreamTokenExpireIn;
/// let body = StreamTokenExpireIn::new().expiry(60).session_ids(["user_1FB8"]);
/// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"expiry":60,"sessionIds":["user_1FB8"]}"#);
/// ```
pub type StreamTokenExpireIn = crate::models::ApplicationTokenExpireIn;

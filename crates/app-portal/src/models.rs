//! Request and response bodies of the Authentication API.
//!
//! The fields of the 2023 spec are always available; the optional fields added later
//! (`expiry`, `sessionId`, `capabilities`, `application` on [`AppPortalAccessIn`],
//! `sessionIds` on [`ApplicationTokenExpireIn`]) are omitted from the JSON when unset, so the
//! same types work against servers of either period.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use fintra_core::secret::{REDACTED, SecretString};
use serde::{Deserialize, Serialize};

/// Body of `app-portal-access`: what the issued token may do. `{}` is valid.
///
/// ```
/// use fintra_app_portal::{AppPortalAccessIn, AppPortalCapability};
/// let body = AppPortalAccessIn::new()
///     .feature_flags(["cool-new-feature"])
///     .capabilities([AppPortalCapability::ViewBase])
///     .expiry(3600)
///     .session_id("user_1FB8");
/// assert_eq!(
///     serde_json::to_string(&body).unwrap(),
///     r#"{"featureFlags":["cool-new-feature"],"capabilities":["ViewBase"],"expiry":3600,"sessionId":"user_1FB8"}"#
/// );
/// assert_eq!(serde_json::to_string(&AppPortalAccessIn::new()).unwrap(), "{}");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AppPortalAccessIn {
    /// The set of feature flags the created token will have access to (items match
    /// `^[a-zA-Z0-9\-_.]+$`, at most 256 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature_flags: Option<BTreeSet<String>>,
    /// Capabilities attached to the token (newer servers). `ViewBase` is always required;
    /// without this field the token gets every capability.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<BTreeSet<AppPortalCapability>>,
    /// How long the token is valid, in seconds (newer servers; 3600 to 604800, default
    /// 604800).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry: Option<u64>,
    /// A session id attached to the token, so that [`ApplicationTokenExpireIn::session_ids`]
    /// can expire just this session's tokens (newer servers; `^[a-zA-Z0-9@_-]+$`, 1 to 64
    /// characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Creates the application if the id or uid in the path does not exist yet (newer
    /// servers); ignored when it exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application: Option<ApplicationIn>,
}

impl AppPortalAccessIn {
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
    /// Sets `capabilities`.
    pub fn capabilities(mut self, caps: impl IntoIterator<Item = AppPortalCapability>) -> Self {
        self.capabilities = Some(caps.into_iter().collect());
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
    /// Sets `application`.
    pub fn application(mut self, application: ApplicationIn) -> Self {
        self.application = Some(application);
        self
    }

    /// Checks the spec's constraints. `featureFlags: []` is allowed: the 2023 schema and the
    /// latest spec's example send it, although the latest schema says `minItems: 1`.
    pub(crate) fn validate(&self) -> Result<(), fintra_core::InvalidRequest> {
        crate::validate::feature_flags(self.feature_flags.as_ref(), 0)?;
        crate::validate::range("expiry", self.expiry, 3600, 604_800)?;
        if let Some(id) = &self.session_id {
            crate::validate::session_id("sessionId", id)?;
        }
        self.application
            .as_ref()
            .map_or(Ok(()), ApplicationIn::validate)
    }
}

/// A capability of an app portal token (`AppPortalCapability` of the newer spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AppPortalCapability {
    /// Basic read-only access; does not show the endpoint secret. Always required.
    ViewBase,
    /// May view the endpoint secret.
    ViewEndpointSecret,
    /// May rotate and view the endpoint secret.
    ManageEndpointSecret,
    /// May modify endpoint transformations.
    ManageTransformations,
    /// May replay missing messages and send example messages.
    CreateAttempts,
    /// May read and modify any field or configuration of an endpoint, secrets included.
    ManageEndpoint,
}

impl AppPortalCapability {
    /// The name used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ViewBase => "ViewBase",
            Self::ViewEndpointSecret => "ViewEndpointSecret",
            Self::ManageEndpointSecret => "ManageEndpointSecret",
            Self::ManageTransformations => "ManageTransformations",
            Self::CreateAttempts => "CreateAttempts",
            Self::ManageEndpoint => "ManageEndpoint",
        }
    }
}

impl fmt::Display for AppPortalCapability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An application to create along with the portal link (`ApplicationIn`, newer servers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApplicationIn {
    /// Application name for human consumption (required, not empty).
    pub name: String,
    /// Maximum messages per second sent to this application (at least 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttle_rate: Option<u16>,
    /// Optional unique identifier (`^[a-zA-Z0-9\-_.]+$`, 1 to 256 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Free-form string metadata (the server's default is `{}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, String>>,
}

impl ApplicationIn {
    /// An application called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        ApplicationIn {
            name: name.into(),
            throttle_rate: None,
            uid: None,
            metadata: None,
        }
    }
    /// Sets `throttleRate`.
    pub fn throttle_rate(mut self, rate: u16) -> Self {
        self.throttle_rate = Some(rate);
        self
    }
    /// Sets `uid`.
    pub fn uid(mut self, uid: impl Into<String>) -> Self {
        self.uid = Some(uid.into());
        self
    }
    /// Sets `metadata`.
    pub fn metadata(mut self, metadata: BTreeMap<String, String>) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// Checks the spec's constraints: a non-empty `name`, `throttleRate` at least 1, `uid`
    /// an id.
    fn validate(&self) -> Result<(), fintra_core::InvalidRequest> {
        if self.name.is_empty() {
            return Err(fintra_core::InvalidRequest::new(
                "application.name",
                "must not be empty",
            ));
        }
        crate::validate::range("application.throttleRate", self.throttle_rate, 1, u16::MAX)?;
        match &self.uid {
            Some(uid) => crate::validate::uid("application.uid", uid),
            None => Ok(()),
        }
    }
}

/// Body of `expire-all`. `{}` is valid.
///
/// ```
/// use fintra_app_portal::ApplicationTokenExpireIn;
/// let body = ApplicationTokenExpireIn::new().expiry(60);
/// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"expiry":60}"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApplicationTokenExpireIn {
    /// How many seconds until the old key is expired (0 to 259200).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry: Option<i64>,
    /// Only expire tokens created with one of these session ids (newer servers; at most
    /// 1000, each `^[a-zA-Z0-9@_-]+$`, 1 to 64 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_ids: Option<Vec<String>>,
}

impl ApplicationTokenExpireIn {
    /// An empty body (`{}`).
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets `expiry` (seconds).
    pub fn expiry(mut self, seconds: i64) -> Self {
        self.expiry = Some(seconds);
        self
    }
    /// Sets `sessionIds`.
    pub fn session_ids<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.session_ids = Some(ids.into_iter().map(Into::into).collect());
        self
    }

    /// Checks the spec's constraints.
    pub(crate) fn validate(&self) -> Result<(), fintra_core::InvalidRequest> {
        crate::validate::range("expiry", self.expiry, 0, 259_200)?;
        if let Some(ids) = &self.session_ids {
            if ids.len() > 1000 {
                return Err(fintra_core::InvalidRequest::new(
                    "sessionIds",
                    "must hold at most 1000 session ids",
                ));
            }
            for id in ids {
                crate::validate::session_id("sessionIds", id)?;
            }
        }
        Ok(())
    }
}

/// Answer of `app-portal-access`: a magic link and the token inside it. Both are secrets
/// (whoever holds them can open the portal); `Debug` redacts them.
#[derive(Clone, Deserialize)]
#[non_exhaustive]
pub struct AppPortalAccessOut {
    /// The token (for the portal's JavaScript/React components).
    pub token: SecretString,
    /// The magic link to send the user to.
    pub url: SecretString,
}

impl fmt::Debug for AppPortalAccessOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppPortalAccessOut")
            .field("token", &REDACTED)
            .field("url", &REDACTED)
            .finish()
    }
}

/// Answer of the deprecated `dashboard-access` (same shape as [`AppPortalAccessOut`]).
#[derive(Clone, Deserialize)]
#[non_exhaustive]
pub struct DashboardAccessOut {
    /// The token.
    pub token: SecretString,
    /// The magic link.
    pub url: SecretString,
}

impl fmt::Debug for DashboardAccessOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DashboardAccessOut")
            .field("token", &REDACTED)
            .field("url", &REDACTED)
            .finish()
    }
}

/// The error body of every failure except 422 (`HttpErrorOut`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HttpErrorOut {
    /// A machine-readable code, e.g. `authentication_failed` (no enum is documented).
    pub code: String,
    /// A human-readable description.
    pub detail: String,
}

/// The error body of a 422 answer (`HTTPValidationError`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HttpValidationError {
    /// One entry per invalid value.
    pub detail: Vec<ValidationError>,
}

/// One invalid value of a 422 answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ValidationError {
    /// Where the value is, e.g. `["body", "expiry"]`.
    pub loc: Vec<String>,
    /// The message.
    pub msg: String,
    /// The kind of error, e.g. `value_error` or `value_error.number.not_ge`.
    #[serde(rename = "type")]
    pub r#type: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_spec_sample_round_trips() {
        // The latest spec's cURL sample (minus the out-of-range `expiry: 1`).
        let body = AppPortalAccessIn::new()
            .application(
                ApplicationIn::new("My first application")
                    .throttle_rate(1)
                    .uid("unique-identifier")
                    .metadata(BTreeMap::new()),
            )
            .capabilities([
                AppPortalCapability::ViewBase,
                AppPortalCapability::ViewEndpointSecret,
            ])
            .feature_flags(Vec::<String>::new())
            .expiry(3600)
            .session_id("user_1FB8");
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "application": {"name": "My first application", "throttleRate": 1,
                                "uid": "unique-identifier", "metadata": {}},
                "capabilities": ["ViewBase", "ViewEndpointSecret"],
                "featureFlags": [], "expiry": 3600, "sessionId": "user_1FB8"
            })
        );
        let back: AppPortalAccessIn = serde_json::from_value(json).unwrap();
        assert_eq!(back, body);
    }

    #[test]
    fn unset_fields_are_omitted() {
        assert_eq!(
            serde_json::to_string(&AppPortalAccessIn::new()).unwrap(),
            "{}"
        );
        assert_eq!(
            serde_json::to_string(&ApplicationTokenExpireIn::new()).unwrap(),
            "{}"
        );
        assert_eq!(
            serde_json::to_string(&ApplicationIn::new("x")).unwrap(),
            r#"{"name":"x"}"#
        );
    }

    #[test]
    fn capability_names() {
        assert_eq!(
            AppPortalCapability::ManageEndpoint.to_string(),
            "ManageEndpoint"
        );
        let c: AppPortalCapability = serde_json::from_str(r#""CreateAttempts""#).unwrap();
        assert_eq!(c, AppPortalCapability::CreateAttempts);
    }
}

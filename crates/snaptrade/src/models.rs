//! Request and response bodies of the SnapTrade Authentication operations.

use std::fmt;

use fintra_core::secret::{REDACTED, SecretString};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};

/// Body of `registerUser` (`SnapTradeRegisterUserRequestBody`).
///
/// ```
/// use fintra_snaptrade::RegisterUserRequest;
/// let body = RegisterUserRequest::new("snaptrade-user-123");
/// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"userId":"snaptrade-user-123"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RegisterUserRequest {
    /// Your identifier for the user (choose one that is stable and not personal data).
    pub user_id: String,
    /// An OpenSSH RSA public key (`ssh-rsa AAAA…`). With one, `login` and `encryptedJWT`
    /// answer with an [`EncryptedResponse`] encrypted for it. Only older API versions
    /// accept it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rsa_public_key: Option<String>,
}

impl RegisterUserRequest {
    /// Registers `user_id`.
    pub fn new(user_id: impl Into<String>) -> Self {
        RegisterUserRequest {
            user_id: user_id.into(),
            rsa_public_key: None,
        }
    }
    /// Sets `rsaPublicKey`.
    pub fn rsa_public_key(mut self, key: impl Into<String>) -> Self {
        self.rsa_public_key = Some(key.into());
        self
    }
}

/// Answer of `registerUser` and `resetUserSecret` (`UserIDandSecret`). The user secret
/// authenticates the user in later calls: store it like a password. `Debug` redacts it.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserIdAndSecret {
    /// The user id.
    pub user_id: String,
    /// The user's secret.
    pub user_secret: SecretString,
}

impl fmt::Debug for UserIdAndSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserIdAndSecret")
            .field("user_id", &self.user_id)
            .field("user_secret", &REDACTED)
            .finish()
    }
}

/// Which kind of brokerage connection the login portal creates (`connectionType`; the
/// server's default is `read`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ConnectionType {
    /// Read-only access (the server's default).
    #[serde(rename = "read")]
    Read,
    /// Trading access.
    #[serde(rename = "trade")]
    Trade,
    /// Trading when the brokerage supports it, else read-only, automatically.
    #[serde(rename = "trade-if-available")]
    TradeIfAvailable,
}

/// Which connection portal version to render (`connectionPortalVersion`). SnapTrade: "Currently
/// only `v4` is supported and is the default. All other versions are deprecated and will
/// automatically be set to v4."
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ConnectionPortalVersion {
    /// `v4`, the current portal (and the default).
    #[serde(rename = "v4")]
    V4,
    /// `v3` (deprecated upstream; rendered as v4).
    #[serde(rename = "v3")]
    V3,
    /// `v2` (deprecated upstream; rendered as v4).
    #[serde(rename = "v2")]
    V2,
}

/// Optional body of `login` (`SnapTradeLoginUserRequestBody`): all nine fields of the current
/// API, none required. Unset fields are omitted; an empty body signs as `null`.
///
/// ```
/// use fintra_snaptrade::{ConnectionType, LoginRequest};
/// let body = LoginRequest::new()
///     .broker("ALPACA")
///     .connection_type(ConnectionType::Trade)
///     .dark_mode(true)
///     .locale("pt-BR");
/// assert_eq!(
///     serde_json::to_string(&body).unwrap(),
///     r#"{"broker":"ALPACA","connectionType":"trade","darkMode":true,"locale":"pt-BR"}"#
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LoginRequest {
    /// Slug of the brokerage to connect the user to, e.g. `ALPACA`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broker: Option<String>,
    /// `true`: redirect back to the partner's site instead of the connection portal
    /// (ignored when the portal is in an iframe).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub immediate_redirect: Option<bool>,
    /// Where to send the user after the connection (ignored when the portal is in an
    /// iframe).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_redirect: Option<String>,
    /// The UUID of a disabled brokerage connection to reconnect; leave unset otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reconnect: Option<String>,
    /// Connection permissions (server default `read`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_type: Option<ConnectionType>,
    /// Whether the portal shows its close (X) button (server default `true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show_close_button: Option<bool>,
    /// Dark mode for the portal (server default `false`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dark_mode: Option<bool>,
    /// Language of the portal (server default `en`). Deliberately free text, as in the API:
    /// SnapTrade ships `en` and `pt-BR`, matches case- and separator-insensitively (`pt_br`),
    /// resolves regional tags (`en-US` → `en`) and answers 400 for other languages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Portal version (server default and only supported value: `v4`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_portal_version: Option<ConnectionPortalVersion>,
}

impl LoginRequest {
    /// An empty body.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets `broker`.
    pub fn broker(mut self, broker: impl Into<String>) -> Self {
        self.broker = Some(broker.into());
        self
    }
    /// Sets `immediateRedirect`.
    pub fn immediate_redirect(mut self, yes: bool) -> Self {
        self.immediate_redirect = Some(yes);
        self
    }
    /// Sets `customRedirect`.
    pub fn custom_redirect(mut self, url: impl Into<String>) -> Self {
        self.custom_redirect = Some(url.into());
        self
    }
    /// Sets `reconnect`.
    pub fn reconnect(mut self, authorization_id: impl Into<String>) -> Self {
        self.reconnect = Some(authorization_id.into());
        self
    }
    /// Sets `connectionType`.
    pub fn connection_type(mut self, kind: ConnectionType) -> Self {
        self.connection_type = Some(kind);
        self
    }
    /// Sets `showCloseButton`.
    pub fn show_close_button(mut self, yes: bool) -> Self {
        self.show_close_button = Some(yes);
        self
    }
    /// Sets `darkMode`.
    pub fn dark_mode(mut self, yes: bool) -> Self {
        self.dark_mode = Some(yes);
        self
    }
    /// Sets `locale`, e.g. `en` or `pt-BR`.
    pub fn locale(mut self, locale: impl Into<String>) -> Self {
        self.locale = Some(locale.into());
        self
    }
    /// Sets `connectionPortalVersion`.
    pub fn connection_portal_version(mut self, version: ConnectionPortalVersion) -> Self {
        self.connection_portal_version = Some(version);
        self
    }
}

/// Answer of `login`: `oneOf [LoginRedirectURI, encryptedResponse]`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum LoginResponse {
    /// A link to the connection portal (`LoginRedirectURI`).
    Redirect(LoginRedirectUri),
    /// The same, encrypted for the user's registered RSA key (`encryptedResponse`).
    Encrypted(EncryptedResponse),
}

impl<'de> Deserialize<'de> for LoginResponse {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        if value.get("redirectURI").is_some() {
            LoginRedirectUri::deserialize(value)
                .map(LoginResponse::Redirect)
                .map_err(D::Error::custom)
        } else if value.get("encryptedSharedKey").is_some() {
            EncryptedResponse::deserialize(value)
                .map(LoginResponse::Encrypted)
                .map_err(D::Error::custom)
        } else {
            Err(D::Error::custom(
                "expected a LoginRedirectURI (`redirectURI`) or an encryptedResponse (`encryptedSharedKey`)",
            ))
        }
    }
}

/// A login link (`LoginRedirectURI`). The link logs the user in: `Debug` redacts it.
#[derive(Clone, Deserialize)]
#[non_exhaustive]
pub struct LoginRedirectUri {
    /// The connection portal URL.
    #[serde(rename = "redirectURI")]
    pub redirect_uri: SecretString,
    /// The portal session id (newer API versions).
    #[serde(rename = "sessionId", default)]
    pub session_id: Option<String>,
}

impl fmt::Debug for LoginRedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRedirectUri")
            .field("redirect_uri", &REDACTED)
            .field("session_id", &self.session_id)
            .finish()
    }
}

/// A message encrypted for the user's registered RSA public key (`encryptedResponse`): the
/// shared key is RSA PKCS#1 OAEP-encrypted, the message AES-OCB; all fields are base64.
/// Ciphertext only, so `Debug` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EncryptedResponse {
    /// The AES key, encrypted with the user's RSA public key.
    pub encrypted_shared_key: String,
    /// The AES-OCB encrypted message.
    pub encrypted_message_data: EncryptedMessageData,
}

/// The AES-OCB part of an [`EncryptedResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EncryptedMessageData {
    /// The ciphertext.
    pub encrypted_message: String,
    /// The authentication tag.
    pub tag: String,
    /// The nonce.
    pub nonce: String,
}

/// Answer of `deleteUser` (`DeleteUserResponse`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeleteUserResponse {
    /// E.g. `deleted`.
    pub status: String,
    /// E.g. "User queued for deletion; please wait for webhook for confirmation." (newer
    /// API versions).
    #[serde(default)]
    pub detail: Option<String>,
    /// The deleted user.
    pub user_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use fintra_core::secret::ExposeSecret;

    #[test]
    fn login_response_variants() {
        let r: LoginResponse = serde_json::from_str(
            r#"{"redirectURI":"https://app.snaptrade.com/snapTrade/redeemToken?token=abc","sessionId":"s1"}"#,
        )
        .unwrap();
        let LoginResponse::Redirect(r) = r else {
            panic!()
        };
        assert!(r.redirect_uri.expose_secret().ends_with("token=abc"));
        assert_eq!(r.session_id.as_deref(), Some("s1"));
        assert!(!format!("{r:?}").contains("token=abc"));

        let old: LoginResponse = serde_json::from_str(r#"{"redirectURI":"https://x"}"#).unwrap();
        assert!(matches!(
            old,
            LoginResponse::Redirect(LoginRedirectUri {
                session_id: None,
                ..
            })
        ));

        let e: LoginResponse = serde_json::from_str(
            r#"{"encryptedSharedKey":"k","encryptedMessageData":{"encryptedMessage":"m","tag":"t","nonce":"n"}}"#,
        )
        .unwrap();
        let LoginResponse::Encrypted(e) = e else {
            panic!()
        };
        assert_eq!(e.encrypted_message_data.nonce, "n");

        assert!(serde_json::from_str::<LoginResponse>(r#"{"other":1}"#).is_err());
        assert!(serde_json::from_str::<LoginResponse>("[]").is_err());
    }

    #[test]
    fn connection_types_on_the_wire() {
        for (v, s) in [
            (ConnectionPortalVersion::V4, "\"v4\""),
            (ConnectionPortalVersion::V3, "\"v3\""),
            (ConnectionPortalVersion::V2, "\"v2\""),
        ] {
            assert_eq!(serde_json::to_string(&v).unwrap(), s);
        }
        for (t, s) in [
            (ConnectionType::Read, "\"read\""),
            (ConnectionType::Trade, "\"trade\""),
            (ConnectionType::TradeIfAvailable, "\"trade-if-available\""),
        ] {
            assert_eq!(serde_json::to_string(&t).unwrap(), s);
        }
    }
}

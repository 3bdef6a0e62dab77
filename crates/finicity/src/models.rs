//! Authentication API models (`FinicityAccessToken`, `PartnerCredentials`,
//! `PartnerCredentialsWithNewSecret`).

use std::fmt;

use fintra_core::secret::{REDACTED, SecretString};
use serde::{Deserialize, Serialize};

/// `FinicityAccessToken`: a temporary token for the `Finicity-App-Token` header, valid two hours.
///
/// The API returns no expiry; the [`crate::FinicityAuth`] tracks the token's age.
/// `Debug` redacts the token.
#[derive(Clone)]
#[non_exhaustive]
pub struct FinicityAccessToken {
    /// The access token value.
    pub token: SecretString,
}

impl fmt::Debug for FinicityAccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FinicityAccessToken")
            .field("token", &REDACTED)
            .finish()
    }
}

/// The wire form of `FinicityAccessToken` (never leaves this crate).
#[derive(Deserialize)]
pub(crate) struct AccessTokenBody {
    pub(crate) token: String,
}

/// `PartnerCredentials` (CreateToken body). Only ever serialized, right before sending.
#[derive(Serialize)]
pub(crate) struct PartnerCredentials<'a> {
    #[serde(rename = "partnerId")]
    pub(crate) partner_id: &'a str,
    #[serde(rename = "partnerSecret")]
    pub(crate) partner_secret: &'a str,
}

/// `PartnerCredentialsWithNewSecret` (ModifyPartnerSecret body).
#[derive(Serialize)]
pub(crate) struct PartnerCredentialsWithNewSecret<'a> {
    #[serde(flatten)]
    pub(crate) credentials: PartnerCredentials<'a>,
    #[serde(rename = "newPartnerSecret")]
    pub(crate) new_partner_secret: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) immediate: Option<bool>,
}

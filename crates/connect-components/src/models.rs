//! Connect Components models, named and renamed exactly as the spec.
//!
//! Enumerations that the spec lists only in prose (language, MFA type, account
//! classification, account filter) are *open* enums: known values have a variant, anything
//! else is kept verbatim in `Other(String)`, so a new server value never breaks decoding.
//! Known values are matched ASCII-case-insensitively (the docs send `checking`, the Postman
//! collection `Checking`).

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Other(s) => s,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $( if s.eq_ignore_ascii_case($text) { return $name::$variant; } )+
                $name::Other(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match $name::from(s.as_str()) {
                    $name::Other(_) => $name::Other(s),
                    known => known,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map($name::from)
            }
        }
    };
}

open_enum! {
    /// A login-form language (`LoginForm.language`, `ServiceAgreement.language`).
    Language {
        /// English, `en`.
        En => "en",
        /// English (United States), `en-us`.
        EnUs => "en-us",
        /// Spanish, `es`.
        Es => "es",
        /// Spanish (United States), `es-us`.
        EsUs => "es-us",
        /// French, `fr`.
        Fr => "fr",
        /// French (Canada), `fr-ca`.
        FrCa => "fr-ca",
    }
}

open_enum! {
    /// The type of an MFA challenge (`mfaType`).
    MfaType {
        /// A single input box, e.g. a one-time password (`TFA_TEXT`).
        TfaText => "TFA_TEXT",
        /// A multiple-choice question (`TFA_CHOICE`).
        TfaChoice => "TFA_CHOICE",
        /// Several images to select from (`TFA_MULTI`).
        TfaMulti => "TFA_MULTI",
        /// A captcha-style image (`TFA_IMAGE`).
        TfaImage => "TFA_IMAGE",
    }
}

open_enum! {
    /// An `accountClassificationType` filter (OAuth institutions).
    AccountClassification {
        /// `personal`.
        Personal => "personal",
        /// `business`.
        Business => "business",
        /// `unknown` (a real value of the API, not an unrecognised one).
        Unknown => "unknown",
    }
}

open_enum! {
    /// A `filterAccounts` item (institutions with legacy login forms). Serialized as in the
    /// spec's example (`Checking`).
    FilterAccount {
        /// Checking accounts.
        Checking => "Checking",
        /// Savings accounts.
        Savings => "Savings",
    }
}

/// Deserializes `null` as the type's default (the API sends `null` for absent values).
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Accepts any JSON scalar as text (the spec leaves the MFA `eventStreamId` type undefined).
fn lenient_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(
        match Option::<serde_json::Value>::deserialize(deserializer)? {
            Some(serde_json::Value::String(s)) => Some(s),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            Some(serde_json::Value::Bool(b)) => Some(b.to_string()),
            _ => None,
        },
    )
}

/// `Configuration`: modifies behaviour during the login flow. No field is required; the
/// create answer may hold only `id`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Configuration {
    /// The configuration id (a UUID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Account types to activate (legacy login forms).
    #[serde(
        default,
        rename = "filterAccounts",
        skip_serializing_if = "Option::is_none"
    )]
    pub filter_accounts: Option<Vec<FilterAccount>>,
    /// Account classifications to activate (OAuth institutions).
    #[serde(
        default,
        rename = "accountClassificationType",
        skip_serializing_if = "Option::is_none"
    )]
    pub account_classification_type: Option<Vec<AccountClassification>>,
    /// Whether the user must permission account-owner details (server default `false`).
    #[serde(
        default,
        rename = "aoRequired",
        skip_serializing_if = "Option::is_none"
    )]
    pub ao_required: Option<bool>,
}

/// The `CreateConfiguration` request body (no field is required).
///
/// ```
/// use fintra_connect_components::models::{CreateConfiguration, FilterAccount};
/// let body = CreateConfiguration::new()
///     .filter_accounts([FilterAccount::Checking, FilterAccount::Savings]);
/// assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"filterAccounts":["Checking","Savings"]}"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CreateConfiguration {
    /// Account types to activate (legacy login forms); items are 1 to 512 characters.
    #[serde(rename = "filterAccounts", skip_serializing_if = "Option::is_none")]
    pub filter_accounts: Option<Vec<FilterAccount>>,
    /// Account classifications to activate (OAuth institutions).
    #[serde(
        rename = "accountClassificationType",
        skip_serializing_if = "Option::is_none"
    )]
    pub account_classification_type: Option<Vec<AccountClassification>>,
    /// Whether the user must permission account-owner details.
    #[serde(rename = "aoRequired", skip_serializing_if = "Option::is_none")]
    pub ao_required: Option<bool>,
}

impl CreateConfiguration {
    /// An empty configuration.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets `filterAccounts`.
    pub fn filter_accounts(mut self, filters: impl IntoIterator<Item = FilterAccount>) -> Self {
        self.filter_accounts = Some(filters.into_iter().collect());
        self
    }
    /// Sets `accountClassificationType`.
    pub fn account_classification_type(
        mut self,
        types: impl IntoIterator<Item = AccountClassification>,
    ) -> Self {
        self.account_classification_type = Some(types.into_iter().collect());
        self
    }
    /// Sets `aoRequired`.
    pub fn ao_required(mut self, required: bool) -> Self {
        self.ao_required = Some(required);
        self
    }
}

/// `ServiceAgreement`: the language the terms were shown in and when the customer accepted
/// them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ServiceAgreement {
    /// The language of the terms and conditions as presented.
    pub language: Language,
    /// When the customer accepted, as an ISO-8601 date-time (e.g.
    /// `2024-11-28T18:25:32+00:00`).
    #[serde(rename = "acceptedDate")]
    pub accepted_date: String,
}

impl ServiceAgreement {
    /// An agreement accepted at `accepted_date` (ISO-8601 / RFC 3339 date-time text; checked
    /// when the request is sent).
    pub fn new(language: Language, accepted_date: impl Into<String>) -> Self {
        ServiceAgreement {
            language,
            accepted_date: accepted_date.into(),
        }
    }

    /// An agreement accepted at `at`, formatted as `YYYY-MM-DDTHH:MM:SS+00:00` (UTC).
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use fintra_connect_components::models::{Language, ServiceAgreement};
    /// let at = UNIX_EPOCH + Duration::from_secs(1_732_818_332);
    /// let agreement = ServiceAgreement::accepted_at(Language::En, at);
    /// assert_eq!(agreement.accepted_date, "2024-11-28T18:25:32+00:00");
    /// ```
    pub fn accepted_at(language: Language, at: SystemTime) -> Self {
        Self::new(language, format_utc(at))
    }
}

/// Formats a time as `YYYY-MM-DDTHH:MM:SS+00:00` (times before 1970 clamp to the epoch).
fn format_utc(at: SystemTime) -> String {
    let secs = at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+00:00",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The `LoginForm` request body: a new login form for an institution and customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct LoginFormRequest {
    /// The preferred language of the form.
    pub language: Language,
    /// The customer id.
    #[serde(rename = "customerId")]
    pub customer_id: String,
    /// An optional configuration id (from [`Configuration::id`]).
    #[serde(rename = "configurationId", skip_serializing_if = "Option::is_none")]
    pub configuration_id: Option<String>,
    /// The accepted service agreement.
    #[serde(rename = "serviceAgreement")]
    pub service_agreement: ServiceAgreement,
}

impl LoginFormRequest {
    /// A request with the required fields.
    pub fn new(
        language: Language,
        customer_id: impl Into<String>,
        service_agreement: ServiceAgreement,
    ) -> Self {
        LoginFormRequest {
            language,
            customer_id: customer_id.into(),
            configuration_id: None,
            service_agreement,
        }
    }
    /// Applies a configuration.
    pub fn configuration_id(mut self, id: impl Into<String>) -> Self {
        self.configuration_id = Some(id.into());
        self
    }
}

/// The `OauthUrl` request body: an OAuth URL for an institution and customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct OauthUrlRequest {
    /// Called when the OAuth session has completed (JSON key `redirectURI`); 1 to 1024
    /// characters, an absolute URI.
    #[serde(rename = "redirectURI")]
    pub redirect_uri: String,
    /// The customer id.
    #[serde(rename = "customerId")]
    pub customer_id: String,
    /// An optional configuration id.
    #[serde(rename = "configurationId", skip_serializing_if = "Option::is_none")]
    pub configuration_id: Option<String>,
    /// The accepted service agreement.
    #[serde(rename = "serviceAgreement")]
    pub service_agreement: ServiceAgreement,
}

impl OauthUrlRequest {
    /// A request with the required fields.
    pub fn new(
        redirect_uri: impl Into<String>,
        customer_id: impl Into<String>,
        service_agreement: ServiceAgreement,
    ) -> Self {
        OauthUrlRequest {
            redirect_uri: redirect_uri.into(),
            customer_id: customer_id.into(),
            configuration_id: None,
            service_agreement,
        }
    }
    /// Applies a configuration.
    pub fn configuration_id(mut self, id: impl Into<String>) -> Self {
        self.configuration_id = Some(id.into());
        self
    }
}

/// The `LoginForms` answer: what to render as a login form (Create Login Form 201, and
/// Initiate Reconnection 201).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LoginForm {
    /// The id of this session'ed form (a UUID).
    pub id: String,
    /// The event stream the SDK receives events on (a UUID).
    #[serde(rename = "eventStreamId")]
    pub event_stream_id: String,
    /// The elements to render.
    #[serde(deserialize_with = "null_as_default")]
    pub elements: Vec<LoginFormElement>,
}

/// One element of a [`LoginForm`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LoginFormElement {
    /// The session-specific id of the element (a UUID).
    pub id: String,
    /// The human-readable name, e.g. `username`.
    pub label: String,
    /// A hint for the rendering order (0 to 10; default 0).
    #[serde(default, rename = "sortOrder", deserialize_with = "null_as_default")]
    pub sort_order: u32,
}

/// The `GenerateOAuthUrl` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OauthUrl {
    /// The login session id (a UUID).
    pub id: String,
    /// The OAuth URL to send the user to.
    pub url: String,
    /// The event stream the SDK receives events on (a UUID).
    #[serde(rename = "eventStreamId")]
    pub event_stream_id: String,
}

/// One item of the `MfaChallenge` (203) answer: a set of challenges.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MfaChallenges {
    /// The MFA challenges required to log in.
    #[serde(
        default,
        rename = "mfaChallenges",
        deserialize_with = "null_as_default"
    )]
    pub mfa_challenges: Vec<MfaChallenge>,
}

/// One MFA challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MfaChallenge {
    /// The challenge id (a UUID).
    pub id: String,
    /// The prompt text.
    pub prompt: String,
    /// The challenge type.
    #[serde(rename = "mfaType")]
    pub mfa_type: MfaType,
    /// The ids of the choices (UUIDs).
    #[serde(default, rename = "choiceIds", deserialize_with = "null_as_default")]
    pub choice_ids: Vec<String>,
    /// The event stream id. Required by the spec but left without a type; any scalar is
    /// kept as text.
    #[serde(
        default,
        rename = "eventStreamId",
        deserialize_with = "lenient_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub event_stream_id: Option<String>,
}

/// What Initiate Reconnection returned, decided by the status.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReconnectionOutcome {
    /// 201: a login form to render.
    LoginForm(LoginForm),
    /// 203: MFA challenges to answer (the body is a JSON array of challenge sets).
    MfaChallenges(Vec<MfaChallenges>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_enums_round_trip_known_and_unknown_values() {
        let langs: Vec<Language> =
            serde_json::from_str(r#"["en","EN-US","es","es-us","fr","fr-ca","de"]"#).unwrap();
        assert_eq!(langs[1], Language::EnUs);
        assert_eq!(langs[6], Language::Other("de".into()));
        assert_eq!(
            serde_json::to_string(&langs).unwrap(),
            r#"["en","en-us","es","es-us","fr","fr-ca","de"]"#
        );
        let types: Vec<MfaType> =
            serde_json::from_str(r#"["TFA_TEXT","TFA_CHOICE","TFA_MULTI","TFA_IMAGE","TFA_NEW"]"#)
                .unwrap();
        assert_eq!(types[4], MfaType::Other("TFA_NEW".into()));
        assert_eq!(
            AccountClassification::from("unknown"),
            AccountClassification::Unknown
        );
        assert_eq!(
            AccountClassification::from("sole-trader"),
            AccountClassification::Other("sole-trader".into())
        );
        assert_eq!(FilterAccount::from("checking"), FilterAccount::Checking);
        assert_eq!(FilterAccount::from("Savings").to_string(), "Savings");
        assert_eq!(
            FilterAccount::from(String::from("Brokerage")),
            FilterAccount::Other("Brokerage".into())
        );
    }

    #[test]
    fn utc_formatting() {
        assert_eq!(format_utc(UNIX_EPOCH), "1970-01-01T00:00:00+00:00");
        let leap = UNIX_EPOCH + std::time::Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(format_utc(leap), "2000-02-29T00:00:00+00:00");
    }
}

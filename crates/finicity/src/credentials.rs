//! Partner credentials and the partner-secret policy.

use std::fmt;

use fintra_core::InvalidRequest;
use fintra_core::secret::{ExposeSecret, REDACTED, SecretString};

/// The credentials of a Finicity partner, from the Developer Dashboard.
///
/// Sandbox and production differ only by these values (and not by host). `Debug` shows the
/// partner id and redacts the secret and the app key.
///
/// ```
/// use fintra_finicity::FinicityCredentials;
/// let c = FinicityCredentials::new("1234583871234", "aqJ5Ic4SEVx2IgDQ6oR4".into(), "app-key".into());
/// assert!(!format!("{c:?}").contains("aqJ5Ic4SEVx2IgDQ6oR4"));
/// ```
#[derive(Clone)]
pub struct FinicityCredentials {
    /// The Partner ID (an identifier, not a secret).
    pub partner_id: String,
    /// The Partner Secret.
    pub partner_secret: SecretString,
    /// The `Finicity-App-Key`.
    pub app_key: SecretString,
}

impl FinicityCredentials {
    /// Environment variable read by [`FinicityCredentials::from_env`] for the partner id.
    pub const ENV_PARTNER_ID: &'static str = "FINICITY_PARTNER_ID";
    /// Environment variable read by [`FinicityCredentials::from_env`] for the partner secret.
    pub const ENV_PARTNER_SECRET: &'static str = "FINICITY_PARTNER_SECRET";
    /// Environment variable read by [`FinicityCredentials::from_env`] for the app key.
    pub const ENV_APP_KEY: &'static str = "FINICITY_APP_KEY";

    /// Credentials from their three parts.
    pub fn new(
        partner_id: impl Into<String>,
        partner_secret: SecretString,
        app_key: SecretString,
    ) -> Self {
        FinicityCredentials {
            partner_id: partner_id.into(),
            partner_secret,
            app_key,
        }
    }

    /// Reads `FINICITY_PARTNER_ID`, `FINICITY_PARTNER_SECRET` and `FINICITY_APP_KEY`;
    /// `None` unless all three are set and not empty.
    pub fn from_env() -> Option<Self> {
        let var = |name| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Some(FinicityCredentials::new(
            var(Self::ENV_PARTNER_ID)?,
            SecretString::from(var(Self::ENV_PARTNER_SECRET)?),
            SecretString::from(var(Self::ENV_APP_KEY)?),
        ))
    }

    /// Checks that no part is empty.
    pub fn validate(&self) -> Result<(), InvalidRequest> {
        if self.partner_id.trim().is_empty() {
            return Err(InvalidRequest::new("partner_id", "must not be empty"));
        }
        if self.partner_secret.expose_secret().is_empty() {
            return Err(InvalidRequest::new("partner_secret", "must not be empty"));
        }
        if self.app_key.expose_secret().trim().is_empty() {
            return Err(InvalidRequest::new("app_key", "must not be empty"));
        }
        Ok(())
    }
}

impl fmt::Debug for FinicityCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FinicityCredentials")
            .field("partner_id", &self.partner_id)
            .field("partner_secret", &REDACTED)
            .field("app_key", &REDACTED)
            .finish()
    }
}

/// Shortest partner secret the policy allows.
pub const PARTNER_SECRET_MIN_LEN: usize = 12;
/// Longest partner secret the policy allows.
pub const PARTNER_SECRET_MAX_LEN: usize = 255;
/// The special characters a partner secret may contain (besides ASCII letters and digits).
pub const PARTNER_SECRET_SPECIALS: &str = "!@#$%&*_-+";

/// Checks a new partner secret against the policy stated in the ModifyPartnerSecret
/// description: 12 to 255 characters, only ASCII letters, digits and `!@#$%&*_-+`, at least
/// one letter and at least one digit. The error never contains the secret.
///
/// ```
/// use fintra_finicity::validate_partner_secret;
/// assert!(validate_partner_secret(&"OrU7tjiA3tIspCgb85xV".into()).is_ok());
/// assert!(validate_partner_secret(&"short1".into()).is_err());
/// assert!(validate_partner_secret(&"no digits at all!".into()).is_err());
/// ```
pub fn validate_partner_secret(secret: &SecretString) -> Result<(), InvalidRequest> {
    const FIELD: &str = "newPartnerSecret";
    let s = secret.expose_secret();
    let len = s.chars().count();
    if !(PARTNER_SECRET_MIN_LEN..=PARTNER_SECRET_MAX_LEN).contains(&len) {
        return Err(InvalidRequest::new(
            FIELD,
            format!(
                "must be {PARTNER_SECRET_MIN_LEN} to {PARTNER_SECRET_MAX_LEN} characters long (got {len})"
            ),
        ));
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || PARTNER_SECRET_SPECIALS.contains(c))
    {
        return Err(InvalidRequest::new(
            FIELD,
            format!(
                "may only contain ASCII letters, digits and the characters {PARTNER_SECRET_SPECIALS}"
            ),
        ));
    }
    if !s.chars().any(|c| c.is_ascii_alphabetic()) {
        return Err(InvalidRequest::new(
            FIELD,
            "must contain at least one letter",
        ));
    }
    if !s.chars().any(|c| c.is_ascii_digit()) {
        return Err(InvalidRequest::new(
            FIELD,
            "must contain at least one digit",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(s: &str) -> Result<(), InvalidRequest> {
        validate_partner_secret(&SecretString::from(s))
    }

    #[test]
    fn policy_examples() {
        assert!(check("OrU7tjiA3tIspCgb85xV").is_ok());
        assert!(check("short1").is_err());
        assert!(check("onlyletterslong").is_err());
        assert!(check("1234567890123").is_err());
        assert!(check("has space 1234").is_err());
    }

    #[test]
    fn policy_boundaries() {
        assert!(check("abcdefghij12").is_ok()); // 12
        assert!(check("abcdefghij1").is_err()); // 11
        assert!(check(&format!("a1{}", "b".repeat(253))).is_ok()); // 255
        assert!(check(&format!("a1{}", "b".repeat(254))).is_err()); // 256
        assert!(check("Abc!@#$%&*_-+1").is_ok());
        assert!(check("abcdefghij12 ").is_err()); // space
        assert!(check("abcdefghij12^").is_err());
        assert!(check("abcdéfghij12").is_err());
        assert!(check("123456789012").is_err()); // no letter
        assert!(check("abcdefghijkl").is_err()); // no digit
    }

    #[test]
    fn errors_never_echo_the_secret() {
        for s in ["Sh0rt", "abcdefghij12^^", "zzzzzzzzzzzzzzz"] {
            let e = check(s).unwrap_err();
            assert!(!format!("{e} {e:?}").contains(s));
            assert_eq!(e.field(), "newPartnerSecret");
        }
    }
}

//! Where a client gets a new partner secret after a rotation elsewhere
//! ([`CredentialsSource`]), and the keyed fingerprint recorded for a rotation.

use std::fmt;
use std::path::PathBuf;

use fintra_core::secret::{ExposeSecret, SecretString};
use fintra_core::{BoxFuture, Error};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Supplies the current partner secret when the store records a rotation this client did
/// not make (a user hook; [`EnvSecretSource`] and [`FileSecretSource`] are provided).
pub trait CredentialsSource: Send + Sync + fmt::Debug {
    /// The partner secret as currently configured.
    fn partner_secret(&self) -> BoxFuture<'_, Result<SecretString, Error>>;
}

/// Reads the secret from an environment variable (default `FINICITY_PARTNER_SECRET`).
///
/// ```
/// use fintra_finicity::auth::EnvSecretSource;
/// let source = EnvSecretSource::new("MY_FINICITY_SECRET");
/// assert!(format!("{source:?}").contains("MY_FINICITY_SECRET"));
/// ```
#[derive(Debug, Clone)]
pub struct EnvSecretSource {
    var: String,
}

impl EnvSecretSource {
    /// Reads `var`.
    pub fn new(var: impl Into<String>) -> Self {
        EnvSecretSource { var: var.into() }
    }
}

impl Default for EnvSecretSource {
    fn default() -> Self {
        Self::new(crate::FinicityCredentials::ENV_PARTNER_SECRET)
    }
}

impl CredentialsSource for EnvSecretSource {
    fn partner_secret(&self) -> BoxFuture<'_, Result<SecretString, Error>> {
        let result = std::env::var(&self.var)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(SecretString::from)
            .ok_or_else(|| {
                Error::config(format!(
                    "environment variable {} holding the Finicity partner secret is not set",
                    self.var
                ))
            });
        Box::pin(std::future::ready(result))
    }
}

/// Reads the secret from a file (e.g. a mounted Kubernetes secret); surrounding whitespace
/// is trimmed.
#[derive(Debug, Clone)]
pub struct FileSecretSource {
    path: PathBuf,
}

impl FileSecretSource {
    /// Reads `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileSecretSource { path: path.into() }
    }
}

impl CredentialsSource for FileSecretSource {
    fn partner_secret(&self) -> BoxFuture<'_, Result<SecretString, Error>> {
        let result = std::fs::read_to_string(&self.path)
            .map_err(|e| {
                Error::config(format!(
                    "cannot read the Finicity partner secret file {}: {e}",
                    self.path.display()
                ))
            })
            .and_then(|text| {
                let text = text.trim();
                if text.is_empty() {
                    return Err(Error::config(format!(
                        "the Finicity partner secret file {} is empty",
                        self.path.display()
                    )));
                }
                Ok(SecretString::from(text))
            });
        Box::pin(std::future::ready(result))
    }
}

/// A fingerprint of `secret` keyed with the app key: HMAC-SHA256 over the partner id and
/// the secret, first 16 bytes in hex. Without the app key it cannot be used to guess the
/// secret offline.
pub fn secret_fingerprint(
    app_key: &SecretString,
    partner_id: &str,
    secret: &SecretString,
) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(app_key.expose_secret().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(b"fintra-finicity-secret-fingerprint-v1\0");
    mac.update(partner_id.as_bytes());
    mac.update(b"\0");
    mac.update(secret.expose_secret().as_bytes());
    mac.finalize().into_bytes()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_depend_on_key_partner_and_secret_and_hide_the_secret() {
        let key = SecretString::from("app-key");
        let a = secret_fingerprint(&key, "1", &"secret-Aa1234".into());
        assert_eq!(a.len(), 32);
        assert_eq!(a, secret_fingerprint(&key, "1", &"secret-Aa1234".into()));
        assert_ne!(a, secret_fingerprint(&key, "2", &"secret-Aa1234".into()));
        assert_ne!(
            a,
            secret_fingerprint(&"other".into(), "1", &"secret-Aa1234".into())
        );
        assert_ne!(a, secret_fingerprint(&key, "1", &"secret-Aa1235".into()));
        assert!(!a.contains("secret"));
    }

    #[tokio::test]
    async fn file_source_trims_and_reports_a_missing_file() {
        let dir = std::env::temp_dir().join(format!("fintra-src-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("secret");
        std::fs::write(&path, "new-Secret-2026\n").unwrap();
        let got = FileSecretSource::new(&path).partner_secret().await.unwrap();
        assert_eq!(got.expose_secret(), "new-Secret-2026");
        let err = FileSecretSource::new(dir.join("missing"))
            .partner_secret()
            .await
            .unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

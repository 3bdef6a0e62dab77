//! The demo credentials every sandbox accepts.

/// Finicity partner id accepted by `POST /aggregation/v2/partners/authentication`
/// (the spec's `PartnerId` example).
pub const FINICITY_PARTNER_ID: &str = "1234583871234";

/// Initial Finicity partner secret (the spec's `partnerSecret` example). A successful
/// `PUT /aggregation/v2/partners/authentication` replaces it for the sandbox's lifetime (or
/// until [`Sandbox::reset`](crate::Sandbox::reset)).
pub const FINICITY_PARTNER_SECRET: &str = "aqJ5Ic4SEVx2IgDQ6oR4";

/// Value the sandbox expects in the `Finicity-App-Key` header.
pub const FINICITY_APP_KEY: &str = "fintra-sandbox-finicity-app-key";

/// Bearer token (organisation API key) accepted by the app-portal (Svix) operations. It has
/// no `.region` suffix, so clients that derive a region from the token use the default.
pub const APP_PORTAL_TOKEN: &str = "testsk_fintra_sandbox_app_portal_token";

/// SnapTrade `clientId` the sandbox accepts (the spec's example client id).
pub const SNAPTRADE_CLIENT_ID: &str = "PASSIVTEST";

/// SnapTrade consumer key used to verify request signatures (the spec's `ConsumerKey`
/// example, so the known-answer vectors in the provider notes apply).
pub const SNAPTRADE_CONSUMER_KEY: &str = "UxrFb4cHdRWlmJKNuJjA6hoaN8uVa6jPGFVUl2UKHuKmurCnaU";

/// The Svix endpoint secret `POST /_sandbox/webhooks` signs Svix-style webhooks with when
/// the request gives none (`whsec_` + base64 of `fintra-sandbox-webhook-key`).
pub const SVIX_WEBHOOK_SECRET: &str = "whsec_ZmludHJhLXNhbmRib3gtd2ViaG9vay1rZXk=";

/// The demo credentials of a sandbox, as returned by
/// [`Sandbox::credentials`](crate::Sandbox::credentials).
///
/// They are fixed, public constants (see the `*_ID`, `*_KEY`, `*_SECRET` and `*_TOKEN`
/// constants of this crate): never use them anywhere but against a sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SandboxCredentials {
    /// [`FINICITY_PARTNER_ID`].
    pub finicity_partner_id: &'static str,
    /// [`FINICITY_PARTNER_SECRET`] (the initial secret).
    pub finicity_partner_secret: &'static str,
    /// [`FINICITY_APP_KEY`].
    pub finicity_app_key: &'static str,
    /// [`APP_PORTAL_TOKEN`].
    pub app_portal_token: &'static str,
    /// [`SNAPTRADE_CLIENT_ID`].
    pub snaptrade_client_id: &'static str,
    /// [`SNAPTRADE_CONSUMER_KEY`].
    pub snaptrade_consumer_key: &'static str,
    /// [`SVIX_WEBHOOK_SECRET`].
    pub svix_webhook_secret: &'static str,
}

impl SandboxCredentials {
    /// The demo credentials.
    pub const DEMO: SandboxCredentials = SandboxCredentials {
        finicity_partner_id: FINICITY_PARTNER_ID,
        finicity_partner_secret: FINICITY_PARTNER_SECRET,
        finicity_app_key: FINICITY_APP_KEY,
        app_portal_token: APP_PORTAL_TOKEN,
        snaptrade_client_id: SNAPTRADE_CLIENT_ID,
        snaptrade_consumer_key: SNAPTRADE_CONSUMER_KEY,
        svix_webhook_secret: SVIX_WEBHOOK_SECRET,
    };
}

impl Default for SandboxCredentials {
    fn default() -> Self {
        Self::DEMO
    }
}

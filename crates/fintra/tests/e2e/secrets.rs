//! No secret ever shows in logs, `Debug` output or error messages, across every provider,
//! including retries, token replays, transport failures and rejected credentials.

use std::time::Duration;

use fintra::app_portal::{AppPortalAccessIn, AppPortalClient};
use fintra::connect_components::ConnectComponentsClient;
use fintra::core::secret::{ExposeSecret, SecretString};
use fintra::finicity::FinicityClient;
use fintra::snaptrade::{LoginResponse, RegisterUserRequest, SnapTradeClient};
use fintra_sandbox::{Fault, FaultKind, Provider};

use crate::support::{
    CapturedLogs, app_portal_with, config, finicity_credentials, sandbox, snaptrade_credentials,
    time,
};

const WRONG_PARTNER_SECRET: &str = "wrongPartnerSecret0042";
const WRONG_ORG_TOKEN: &str = "testsk_wrong_org_token_e2e";
const WRONG_CONSUMER_KEY: &str = "wrongConsumerKeyE2E0000000000000";
const WRONG_USER_SECRET: &str = "wrong-user-secret-e2e-0000";
const NEW_PARTNER_SECRET: &str = "rotatedSecret2030";
const BAD_PARTNER_SECRET: &str = "bad secret!";

/// Everything printed during the test: `Debug` of values and errors, error `Display`.
#[derive(Default)]
pub(crate) struct Printed(pub(crate) String);

impl Printed {
    pub(crate) fn debug(&mut self, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{value:?}\n{value:#?}\n"));
    }

    /// Asserts that no secret of `secrets` is in this output or in `logs`, and that the
    /// output did redact something.
    pub(crate) fn assert_none_of(&self, secrets: &[String], logs: &str) {
        assert!(self.0.contains("REDACTED"));
        for secret in secrets {
            assert!(secret.len() >= 8, "{secret}");
            assert!(
                !logs.contains(secret.as_str()),
                "`{secret}` leaked in the logs:\n{logs}"
            );
            assert!(
                !self.0.contains(secret.as_str()),
                "`{secret}` leaked in Debug/Display output:\n{}",
                self.0
            );
        }
    }

    pub(crate) fn error(&mut self, err: &(dyn std::error::Error + 'static)) {
        self.0.push_str(&format!("{err}\n{err:?}\n{err:#?}\n"));
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            self.0.push_str(&format!("{s}\n{s:?}\n"));
            source = s.source();
        }
    }
}

#[tokio::test]
async fn no_secret_shows_in_logs_debug_output_or_errors() {
    let logs = CapturedLogs::default();
    let _guard = tracing::subscriber::set_default(logs.clone());
    // With a single registered dispatcher, tracing-core computes the interest of callsites
    // first hit on *other* threads (the other tests of this binary) from their thread's
    // default, `NoSubscriber`, and caches "never": this thread would then miss those spans
    // and events. A second registered dispatcher makes every callsite "sometimes" interested,
    // so each thread asks its own default subscriber.
    let _second = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
    let sandbox = sandbox().await;
    let creds = sandbox.credentials();
    let mut printed = Printed::default();
    let mut secrets: Vec<String> = [
        creds.finicity_partner_secret,
        creds.finicity_app_key,
        creds.app_portal_token,
        creds.snaptrade_consumer_key,
        WRONG_PARTNER_SECRET,
        WRONG_ORG_TOKEN,
        WRONG_CONSUMER_KEY,
        WRONG_USER_SECRET,
        NEW_PARTNER_SECRET,
        BAD_PARTNER_SECRET,
    ]
    .map(str::to_owned)
    .to_vec();

    // ---- Finicity: tokens, retries, a replay after expiry, failures.
    let time = time();
    let credentials = finicity_credentials(&sandbox, creds.finicity_partner_secret);
    printed.debug(&credentials);
    let finicity =
        FinicityClient::with_config(credentials, config(sandbox.finicity_url(), &time)).unwrap();
    sandbox.inject(Fault::new("/finicity/aggregation", FaultKind::Status(503)));
    sandbox.inject(Fault::new(
        "/finicity/aggregation",
        FaultKind::DropConnection,
    ));
    // CreateToken is never retried once it may have been sent (issue 10): two failures.
    for _ in 0..2 {
        let err = finicity.create_token(None).await.unwrap_err();
        printed.error(&err);
    }
    let token = finicity.create_token(None).await.unwrap();
    secrets.push(token.token.expose_secret().to_owned());
    printed.debug(&token);
    let cc = ConnectComponentsClient::new(&finicity);
    sandbox.inject(Fault::new(
        "/finicity/connect-components",
        FaultKind::Status(503),
    ));
    cc.list_configurations(None).await.unwrap();
    let cached = finicity.access_token().await.unwrap();
    secrets.push(cached.secret().expose_secret().to_owned());
    printed.debug(&cached);
    sandbox.advance_time(Duration::from_secs(2 * 3600 + 1));
    let configs = cc.list_configurations(None).await.unwrap();
    printed.debug(&configs);
    let renewed = finicity.access_token().await.unwrap();
    assert_ne!(renewed.generation(), cached.generation());
    secrets.push(renewed.secret().expose_secret().to_owned());
    printed.debug(&finicity);
    printed.debug(&cc);
    printed.debug(finicity.auth());
    let err = finicity
        .modify_partner_secret(SecretString::from(BAD_PARTNER_SECRET), None, None)
        .await
        .unwrap_err();
    printed.error(&err);
    sandbox.inject(Fault::new("/finicity/aggregation", FaultKind::Status(503)));
    let err = finicity
        .modify_partner_secret(SecretString::from(NEW_PARTNER_SECRET), None, None)
        .await
        .unwrap_err();
    printed.error(&err);

    // Another partner id: clients of the same partner share one token (issue 10).
    let wrong = FinicityClient::with_config(
        fintra::finicity::FinicityCredentials::new(
            "9999999999999",
            SecretString::from(WRONG_PARTNER_SECRET),
            SecretString::from(creds.finicity_app_key),
        ),
        config(sandbox.finicity_url(), &time),
    )
    .unwrap();
    for _ in 0..4 {
        let err = ConnectComponentsClient::new(&wrong)
            .list_configurations(None)
            .await
            .unwrap_err();
        printed.error(&err);
    }
    printed.debug(&wrong);

    // The sandbox clock moved 2 h ahead: keep the clients' clock level with it (SnapTrade
    // timestamps must be fresh).
    time.advance(Duration::from_secs(2 * 3600 + 1));

    // ---- App portal: a retried access with the org token, the portal token, failures.
    let org = app_portal_with(
        SecretString::from(creds.app_portal_token),
        config(sandbox.app_portal_url(), &time),
    );
    printed.debug(&org);
    sandbox.inject(Fault::new(Provider::AppPortal, FaultKind::Status(503)));
    let access = org
        .app_portal_access("app_secrets", &AppPortalAccessIn::new(), None)
        .await
        .unwrap();
    secrets.push(access.token.expose_secret().to_owned());
    secrets.push(access.url.expose_secret().to_owned());
    printed.debug(&access);
    let portal = app_portal_with(
        access.token.clone(),
        config(sandbox.app_portal_url(), &time),
    );
    printed.debug(&portal);
    portal.logout(None).await.unwrap();
    let err = portal.logout(None).await.unwrap_err();
    printed.error(&err);
    let wrong_org = AppPortalClient::with_config(
        SecretString::from(WRONG_ORG_TOKEN),
        config(sandbox.app_portal_url(), &time),
    )
    .unwrap();
    let err = wrong_org
        .app_portal_access("app_secrets", &AppPortalAccessIn::new(), None)
        .await
        .unwrap_err();
    printed.error(&err);

    // ---- SnapTrade: user secrets in queries, retried GETs, a lost connection, failures.
    let st_credentials = snaptrade_credentials(&sandbox, creds.snaptrade_consumer_key);
    printed.debug(&st_credentials);
    let snaptrade =
        SnapTradeClient::with_config(st_credentials, config(sandbox.snaptrade_url(), &time))
            .unwrap();
    printed.debug(&snaptrade);
    let user = snaptrade
        .register_user(&RegisterUserRequest::new("secret-user"), None)
        .await
        .unwrap();
    secrets.push(user.user_secret.expose_secret().to_owned());
    printed.debug(&user);
    let login = snaptrade
        .login(&user.user_id, &user.user_secret, None, None)
        .await
        .unwrap();
    if let LoginResponse::Redirect(link) = &login {
        secrets.push(link.redirect_uri.expose_secret().to_owned());
    }
    printed.debug(&login);
    sandbox.inject(Fault::new(
        Provider::SnapTrade,
        FaultKind::TooManyRequests {
            retry_after_secs: 1,
        },
    ));
    sandbox.inject(Fault::new(Provider::SnapTrade, FaultKind::DropConnection));
    let jwt = snaptrade
        .encrypted_jwt(&user.user_id, &user.user_secret, None)
        .await
        .unwrap();
    printed.debug(&jwt);
    sandbox.inject(Fault::new(Provider::SnapTrade, FaultKind::DropConnection));
    let err = snaptrade
        .login(&user.user_id, &user.user_secret, None, None)
        .await
        .unwrap_err();
    printed.error(&err);
    sandbox.inject(Fault::new(Provider::SnapTrade, FaultKind::Status(503)).times(3));
    let err = snaptrade
        .encrypted_jwt(&user.user_id, &user.user_secret, None)
        .await
        .unwrap_err();
    printed.error(&err);
    let err = snaptrade
        .encrypted_jwt(&user.user_id, &SecretString::from(WRONG_USER_SECRET), None)
        .await
        .unwrap_err();
    printed.error(&err);
    let wrong_key = SnapTradeClient::with_config(
        snaptrade_credentials(&sandbox, WRONG_CONSUMER_KEY),
        config(sandbox.snaptrade_url(), &time),
    )
    .unwrap();
    let err = wrong_key
        .login(&user.user_id, &user.user_secret, None, None)
        .await
        .unwrap_err();
    printed.error(&err);
    printed.debug(&snaptrade.delete_user(&user.user_id, None).await.unwrap());

    // ---- Nothing leaked, and the capture did see the traffic.
    let logs = logs.text();
    assert!(logs.contains("fintra.request"), "{logs}");
    assert!(logs.contains("retrying"), "{logs}");
    assert!(logs.contains("Authentication_getUserJWT"), "{logs}");
    printed.assert_none_of(&secrets, &logs);
}

//! All four providers in one scope, imported the quick way (a glob per provider module of the
//! umbrella), against the in-process sandbox. A name that two providers export and this file
//! uses unqualified would not compile (E0659 "ambiguous"), so a new collision in the names a
//! user needs is caught here.
//!
//! The provider types carry their provider's name (`FinicityCredentials`,
//! `SnapTradeCredentials`), so this file imports providers with globs only. Names still shared
//! (`DEFAULT_BASE_URL`; the modules `models`, `webhook`, `auth`) are written with their path.

#![allow(clippy::unwrap_used)]

use std::time::SystemTime;

use fintra::app_portal::*;
use fintra::connect_components::models::*;
use fintra::connect_components::*;
use fintra::core::secret::*;
use fintra::core::*;
use fintra::finicity::*;
use fintra::snaptrade::*;
use fintra_sandbox::*;

#[tokio::test]
async fn every_provider_through_the_umbrella_in_one_scope() {
    let sandbox = Sandbox::start().await.unwrap();
    let creds = sandbox.credentials();

    let finicity = FinicityClient::with_config(
        FinicityCredentials::new(
            creds.finicity_partner_id,
            SecretString::from(creds.finicity_partner_secret),
            SecretString::from(creds.finicity_app_key),
        ),
        Client::builder().base_url(sandbox.finicity_url()),
    )
    .unwrap();
    assert_ne!(finicity.base_url(), fintra::finicity::DEFAULT_BASE_URL);
    let token = finicity.access_token().await.unwrap();
    assert!(token.refresh_at() > SystemTime::now());

    let components = ConnectComponentsClient::new(&finicity);
    let configuration = components
        .create_configuration(&CreateConfiguration::new(), None)
        .await
        .unwrap();
    assert!(configuration.id.is_some());
    let agreement = ServiceAgreement::accepted_at(Language::En, SystemTime::now());
    let form = components
        .create_login_form(
            101_732,
            &LoginFormRequest::new(Language::En, "1005061234", agreement),
            None,
        )
        .await
        .unwrap();
    assert!(!form.elements.is_empty());

    let app_portal = AppPortalClient::with_config(
        SecretString::from(creds.app_portal_token),
        Client::builder().base_url(sandbox.app_portal_url()),
    )
    .unwrap();
    let access: AppPortalAccessOut = app_portal
        .app_portal_access("app_all_providers", &AppPortalAccessIn::new(), None)
        .await
        .unwrap();
    assert!(format!("{access:?}").contains("[REDACTED]"));

    let snaptrade = SnapTradeClient::with_config(
        SnapTradeCredentials::new(
            creds.snaptrade_client_id,
            SecretString::from(creds.snaptrade_consumer_key),
        ),
        Client::builder().base_url(sandbox.snaptrade_url()),
    )
    .unwrap();
    assert_ne!(snaptrade.base_url(), fintra::snaptrade::DEFAULT_BASE_URL);
    let user: UserIdAndSecret = snaptrade
        .register_user(&RegisterUserRequest::new("all-providers"), None)
        .await
        .unwrap();
    let deleted: DeleteUserResponse = snaptrade.delete_user(&user.user_id, None).await.unwrap();
    assert_eq!(deleted.user_id, "all-providers");

    let stats = sandbox.stats();
    assert_eq!(stats.hits(Route::FinicityCreateToken), 1);
    assert_eq!(stats.hits(Route::FinicityCreateConfiguration), 1);
    assert_eq!(stats.hits(Route::FinicityCreateLoginForm), 1);
    assert_eq!(stats.hits(Route::AppPortalAccess), 1);
    assert_eq!(stats.hits(Route::SnapTradeRegisterUser), 1);
    assert_eq!(stats.hits(Route::SnapTradeDeleteUser), 1);
    assert_eq!(stats.total(), 6);
    sandbox.shutdown().await;
}

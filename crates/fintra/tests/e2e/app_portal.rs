//! App portal (Svix): portal tokens, logout, idempotent replay, retries and error bodies.

use fintra::RequestOptions;
use fintra::app_portal::{AppPortalAccessIn, AppPortalError, ApplicationTokenExpireIn};
use fintra::core::IdempotencyKey;
use fintra::core::secret::{ExposeSecret, SecretString};
use fintra_sandbox::{APP_PORTAL_UNKNOWN_APP_ID, Fault, FaultKind, Provider, Route};

use crate::support::{app_portal, app_portal_with, config, recorded_app_portal, sandbox, time};

const APP: &str = "app_1srOrx2ZWZBpBUvZwXKQmoEYga2";

fn http_error(err: &fintra::Error) -> (String, String) {
    match err.provider::<AppPortalError>() {
        Some(AppPortalError::Http(body)) => (body.code, body.detail),
        other => panic!("expected an HttpErrorOut body, got {other:?} for {err:?}"),
    }
}

#[tokio::test]
async fn a_portal_token_logs_itself_out() {
    let sandbox = sandbox().await;
    let (org, time) = app_portal(&sandbox);
    let access = org
        .app_portal_access(APP, &AppPortalAccessIn::new(), None)
        .await
        .unwrap();
    assert!(access.token.expose_secret().starts_with("appsk_"));
    assert!(access.url.expose_secret().starts_with(&format!(
        "{}/app-portal/login#key=",
        sandbox.app_portal_url()
    )));

    let portal = app_portal_with(
        access.token.clone(),
        config(sandbox.app_portal_url(), &time),
    );
    portal.logout(None).await.unwrap();
    // The token is gone: a second logout is a 401.
    let err = portal.logout(None).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(http_error(&err).0, "authentication_failed");
    assert_eq!(sandbox.stats().hits(Route::AppPortalLogout), 2);
}

#[tokio::test]
async fn only_portal_tokens_may_log_out_and_portal_tokens_may_not_issue_tokens() {
    let sandbox = sandbox().await;
    let (org, time) = app_portal(&sandbox);
    let err = org.logout(None).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    assert_eq!(err.code(), Some("insufficient access"));

    let access = org
        .app_portal_access(APP, &AppPortalAccessIn::new(), None)
        .await
        .unwrap();
    let portal = app_portal_with(access.token, config(sandbox.app_portal_url(), &time));
    let err = portal
        .app_portal_access(APP, &AppPortalAccessIn::new(), None)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
}

#[tokio::test]
async fn expire_all_revokes_the_apps_portal_tokens() {
    let sandbox = sandbox().await;
    let (org, time) = app_portal(&sandbox);
    let access = org
        .app_portal_access(APP, &AppPortalAccessIn::new(), None)
        .await
        .unwrap();
    org.expire_all(APP, &ApplicationTokenExpireIn::new(), None)
        .await
        .unwrap();
    let portal = app_portal_with(access.token, config(sandbox.app_portal_url(), &time));
    let err = portal.logout(None).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
}

#[tokio::test]
async fn a_repeated_caller_idempotency_key_replays_the_first_answer() {
    let sandbox = sandbox().await;
    let (org, _time) = app_portal(&sandbox);
    let key = IdempotencyKey::new("e2e-portal-access-1").unwrap();
    let options = || Some(RequestOptions::new().with_idempotency_key(key.clone()));
    let first = org
        .app_portal_access(APP, &AppPortalAccessIn::new(), options())
        .await
        .unwrap();
    // Svix does not compare bodies: a different body with the same key still replays.
    let second = org
        .app_portal_access(
            APP,
            &AppPortalAccessIn::new().feature_flags(["beta"]),
            options(),
        )
        .await
        .unwrap();
    assert_eq!(first.token.expose_secret(), second.token.expose_secret());
    assert_eq!(first.url.expose_secret(), second.url.expose_secret());
    let stats = sandbox.stats();
    assert_eq!(stats.hits(Route::AppPortalAccess), 2);
    assert_eq!(stats.idempotent_replays(), 1);

    // Without a caller key every call gets its own automatic key: a new token each time.
    let third = org
        .app_portal_access(APP, &AppPortalAccessIn::new(), None)
        .await
        .unwrap();
    assert_ne!(first.token.expose_secret(), third.token.expose_secret());
    assert_eq!(sandbox.stats().idempotent_replays(), 1);
}

#[tokio::test]
async fn a_503_is_retried_with_the_same_idempotency_key() {
    let sandbox = sandbox().await;
    let (org, recording, _time) = recorded_app_portal(&sandbox);
    sandbox.inject(Fault::new(Provider::AppPortal, FaultKind::Status(503)).times(2));
    let access = org
        .app_portal_access(APP, &AppPortalAccessIn::new(), None)
        .await
        .unwrap();
    assert_eq!(sandbox.stats().hits(Route::AppPortalAccess), 3);

    let seen = recording.seen();
    assert!(seen.iter().all(|r| r.method == http::Method::POST));
    let keys: Vec<String> = seen
        .iter()
        .map(|r| r.header("idempotency-key").unwrap().to_owned())
        .collect();
    assert_eq!(keys.len(), 3);
    assert!(keys[0].starts_with("auto_"), "{keys:?}");
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");

    // The sandbox stored the successful attempt under that key: a call with the same key
    // replays the same token.
    let key = IdempotencyKey::new(&keys[0]).unwrap();
    let again = org
        .app_portal_access(
            APP,
            &AppPortalAccessIn::new(),
            Some(RequestOptions::new().with_idempotency_key(key)),
        )
        .await
        .unwrap();
    assert_eq!(access.token.expose_secret(), again.token.expose_secret());
    assert_eq!(sandbox.stats().idempotent_replays(), 1);
}

#[tokio::test]
async fn a_caller_key_survives_retries_and_a_later_repeat_replays() {
    let sandbox = sandbox().await;
    let (org, _time) = app_portal(&sandbox);
    sandbox.inject(Fault::new(Provider::AppPortal, FaultKind::DropConnection));
    sandbox.inject(Fault::new(
        Provider::AppPortal,
        FaultKind::TooManyRequests {
            retry_after_secs: 1,
        },
    ));
    let key = IdempotencyKey::new("e2e-retried-key").unwrap();
    let options = || Some(RequestOptions::new().with_idempotency_key(key.clone()));
    let first = org
        .app_portal_access(APP, &AppPortalAccessIn::new(), options())
        .await
        .unwrap();
    assert_eq!(sandbox.stats().hits(Route::AppPortalAccess), 3);
    let again = org
        .app_portal_access(APP, &AppPortalAccessIn::new(), options())
        .await
        .unwrap();
    assert_eq!(first.token.expose_secret(), again.token.expose_secret());
    assert_eq!(sandbox.stats().idempotent_replays(), 1);
}

#[tokio::test]
async fn out_of_spec_bodies_are_refused_before_sending() {
    let sandbox = sandbox().await;
    let (org, _time) = app_portal(&sandbox);
    // The spec's `expiry <= 259200` is checked before sending: nothing reaches the server.
    let err = org
        .expire_all(APP, &ApplicationTokenExpireIn::new().expiry(300_000), None)
        .await
        .unwrap_err();
    assert!(err.status().is_none(), "{err}");
    assert!(err.to_string().contains("expiry"), "{err}");
    assert_eq!(sandbox.stats().hits(Route::AppPortalExpireAll), 0);

    // So are AppPortalAccessIn's constraints (the feature-flag pattern here).
    let err = org
        .app_portal_access(
            APP,
            &AppPortalAccessIn::new().feature_flags(["not a flag!"]),
            None,
        )
        .await
        .unwrap_err();
    assert!(err.status().is_none(), "{err}");
    assert!(err.to_string().contains("featureFlags"), "{err}");
    assert_eq!(sandbox.stats().hits(Route::AppPortalAccess), 0);
}

#[tokio::test]
async fn a_wrong_token_and_an_unknown_app_are_decoded_as_http_errors() {
    let sandbox = sandbox().await;
    let time = time();
    let wrong = app_portal_with(
        SecretString::from("testsk_not_the_sandbox_token"),
        config(sandbox.app_portal_url(), &time),
    );
    let err = wrong
        .app_portal_access(APP, &AppPortalAccessIn::new(), None)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(err.code(), Some("authentication_failed"));
    assert!(
        err.to_string()
            .contains("AppPortalClient::app_portal_access"),
        "the error names the Rust method: {err}"
    );
    assert_eq!(
        http_error(&err),
        (
            "authentication_failed".to_owned(),
            "Incorrect authentication credentials.".to_owned()
        )
    );
    assert_eq!(sandbox.stats().hits(Route::AppPortalAccess), 1);

    let (org, _time) = app_portal(&sandbox);
    let err = org
        .app_portal_access(APP_PORTAL_UNKNOWN_APP_ID, &AppPortalAccessIn::new(), None)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(
        http_error(&err),
        ("not_found".to_owned(), "Application not found".to_owned())
    );
    // Rejected client-side: nothing sent.
    let err = org
        .app_portal_access("a/b", &AppPortalAccessIn::new(), None)
        .await
        .unwrap_err();
    assert!(matches!(err, fintra::Error::InvalidRequest(_)));
    assert_eq!(sandbox.stats().hits(Route::AppPortalAccess), 2);
}

#[tokio::test]
async fn expire_all_with_an_expiry_and_the_deprecated_dashboard_access() {
    let sandbox = sandbox().await;
    let (org, time) = app_portal(&sandbox);
    #[allow(deprecated)]
    let dashboard = org.dashboard_access(APP, None).await.unwrap();
    assert!(dashboard.token.expose_secret().starts_with("appsk_"));
    org.expire_all(APP, &ApplicationTokenExpireIn::new().expiry(60), None)
        .await
        .unwrap();
    // Still valid for a minute; after it, gone.
    let portal = app_portal_with(
        dashboard.token.clone(),
        config(sandbox.app_portal_url(), &time),
    );
    sandbox.advance_time(std::time::Duration::from_secs(61));
    let err = portal.logout(None).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));

    let fresh = org
        .app_portal_access(APP, &AppPortalAccessIn::new(), None)
        .await
        .unwrap();
    let portal = app_portal_with(fresh.token, config(sandbox.app_portal_url(), &time));
    portal.logout(None).await.unwrap();
    assert_eq!(sandbox.stats().hits(Route::AppPortalDashboardAccess), 1);
}

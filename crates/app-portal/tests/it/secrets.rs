//! Secrets never show in Debug, Display or errors.

use fintra_app_portal::{AppPortalAccessIn, AppPortalAccessOut, DashboardAccessOut};
use fintra_core::secret::ExposeSecret;
use httpmock::prelude::*;

use crate::{ACCESS_OUT, APP_ID, TOKEN, client};

#[tokio::test]
async fn token_and_portal_link_are_redacted() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(200).body(ACCESS_OUT);
        })
        .await;
    let (client, _) = client(&server);
    let client_debug = format!("{client:?}");
    assert!(!client_debug.contains("testsk_"), "{client_debug}");
    assert!(!client_debug.contains(TOKEN));

    let out = client
        .app_portal_access(APP_ID, &AppPortalAccessIn::new(), None)
        .await
        .unwrap();
    let text = format!("{out:?} {out:#?}");
    assert!(!text.contains("appsk_"), "{text}");
    assert!(!text.contains("login#key"), "{text}");
    assert!(text.contains("[REDACTED]"));
    assert!(out.url.expose_secret().contains("login#key"));

    let dash: DashboardAccessOut = serde_json::from_str(ACCESS_OUT).unwrap();
    let text = format!("{dash:?}");
    assert!(
        !text.contains("appsk_") && !text.contains("login#key"),
        "{text}"
    );
    let out: AppPortalAccessOut = serde_json::from_str(ACCESS_OUT).unwrap();
    assert!(!format!("{out:?}").contains("appsk_"));
}

#[tokio::test]
async fn errors_do_not_show_the_bearer_token() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(401).body(
                r#"{"code":"authentication_failed","detail":"Incorrect authentication credentials."}"#,
            );
        })
        .await;
    let (client, _) = client(&server);
    let err = client.logout(None).await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains("testsk_"), "{text}");
    assert!(text.contains("401"));
}

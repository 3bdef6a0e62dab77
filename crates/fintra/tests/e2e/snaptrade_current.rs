//! SnapTrade as it is today: `resetUserSecret`, the current API root next to the deprecated
//! `/api/v1` prefix, and the personal-key mode's client-side refusals.

use fintra::Error;
use fintra::core::secret::{ExposeSecret, SecretString};
use fintra::snaptrade::{
    self, ConnectionPortalVersion, ConnectionType, LoginRequest, LoginResponse,
    RegisterUserRequest, SnapTradeClient, SnapTradeError, UserIdAndSecret,
};
use fintra_sandbox::{Fault, FaultKind, Provider, Route};

use crate::support::{capture_logs, config, recorded_snaptrade, sandbox, snaptrade, time};

/// The `Deprecation` value the sandbox puts on every `/api/v1` answer (June 12, 2026).
const LEGACY_DEPRECATION: &str = "@1781222400";

fn snaptrade_error(err: &Error) -> SnapTradeError {
    err.provider::<SnapTradeError>()
        .unwrap_or_else(|| panic!("not an API error: {err:?}"))
}

async fn register(client: &SnapTradeClient, user_id: &str) -> UserIdAndSecret {
    client
        .register_user(&RegisterUserRequest::new(user_id), None)
        .await
        .unwrap()
}

async fn login(client: &SnapTradeClient, user: &str, secret: &SecretString) -> Result<(), Error> {
    match client.login(user, secret, None, None).await? {
        LoginResponse::Redirect(link) => {
            assert!(link.session_id.is_some());
            Ok(())
        }
        other => panic!("expected a redirect link, got {other:?}"),
    }
}

#[tokio::test]
async fn reset_user_secret_retires_the_old_secret_and_the_new_one_works() {
    let sandbox = sandbox().await;
    let (client, recording, _time) = recorded_snaptrade(&sandbox, sandbox.snaptrade_root_url());
    let user = register(&client, "reset-user").await;

    let rotated = client
        .reset_user_secret(&user.user_id, &user.user_secret, None)
        .await
        .unwrap();
    assert_eq!(rotated.user_id, "reset-user");
    assert_eq!(rotated.user_secret.expose_secret().len(), 36);
    assert_ne!(
        rotated.user_secret.expose_secret(),
        user.user_secret.expose_secret()
    );

    // Exactly what went on the wire: a signed POST, the id and old secret in the JSON body
    // (canonical key order), nothing user-related in the query.
    let sent = recording.seen().pop().unwrap();
    assert_eq!(sent.method, http::Method::POST);
    assert_eq!(sent.uri.path(), "/snapTrade/resetUserSecret");
    assert_eq!(sent.query("clientId"), Some("PASSIVTEST"));
    assert!(sent.query("userId").is_none() && sent.query("userSecret").is_none());
    assert!(sent.header("signature").is_some());
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(
        std::str::from_utf8(&sent.body).unwrap(),
        format!(
            r#"{{"userId":"reset-user","userSecret":"{}"}}"#,
            user.user_secret.expose_secret()
        )
    );

    // The old secret stops working at once; the new one works.
    let err = login(&client, &user.user_id, &user.user_secret)
        .await
        .unwrap_err();
    let e = snaptrade_error(&err);
    assert_eq!((e.status.as_u16(), e.code.as_deref()), (403, Some("1066")));
    login(&client, &rotated.user_id, &rotated.user_secret)
        .await
        .unwrap();

    // Resetting again with the retired secret is the spec's 401.
    let err = client
        .reset_user_secret(&user.user_id, &user.user_secret, None)
        .await
        .unwrap_err();
    let e = snaptrade_error(&err);
    assert_eq!(e.status.as_u16(), 401);
    assert_eq!(e.code.as_deref(), Some("1076"));
    assert_eq!(
        e.detail.as_deref(),
        Some("Failed authentication. Wrong clientId, userId or userSecret provided")
    );
    // An unknown user is the same 401.
    let err = client
        .reset_user_secret("nobody", &rotated.user_secret, None)
        .await
        .unwrap_err();
    assert_eq!(snaptrade_error(&err).status.as_u16(), 401);

    let stats = sandbox.stats();
    assert_eq!(stats.hits(Route::SnapTradeResetUserSecret), 3);
    assert_eq!(stats.hits(Route::SnapTradeLogin), 2);
    assert_eq!(stats.provider_hits(Provider::SnapTrade), 6);
}

#[tokio::test]
async fn reset_user_secret_is_never_retried_once_it_may_have_been_sent() {
    let sandbox = sandbox().await;
    let (client, time) = snaptrade(&sandbox);
    let user = register(&client, "no-retry-user").await;

    // The connection drops after the request went out: no second attempt.
    sandbox.inject(Fault::new(Provider::SnapTrade, FaultKind::DropConnection));
    let err = client
        .reset_user_secret(&user.user_id, &user.user_secret, None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(sandbox.stats().hits(Route::SnapTradeResetUserSecret), 1);

    // A 503 and a 429 (even with Retry-After) are not retried either.
    sandbox.inject(Fault::new(Provider::SnapTrade, FaultKind::Status(503)));
    let err = client
        .reset_user_secret(&user.user_id, &user.user_secret, None)
        .await
        .unwrap_err();
    assert_eq!(snaptrade_error(&err).status.as_u16(), 503);
    sandbox.inject(Fault::new(
        Provider::SnapTrade,
        FaultKind::TooManyRequests {
            retry_after_secs: 1,
        },
    ));
    let err = client
        .reset_user_secret(&user.user_id, &user.user_secret, None)
        .await
        .unwrap_err();
    assert_eq!(snaptrade_error(&err).status.as_u16(), 429);
    assert_eq!(sandbox.stats().hits(Route::SnapTradeResetUserSecret), 3);
    assert!(time.sleeps().is_empty(), "{:?}", time.sleeps());

    // None of the faulted attempts ran the operation: the original secret still works.
    login(&client, &user.user_id, &user.user_secret)
        .await
        .unwrap();
    assert_eq!(sandbox.stats().faults_injected(), 3);
}

#[tokio::test]
async fn the_legacy_prefix_answers_carry_a_deprecation_notice_and_the_root_does_not() {
    let (logs, _guard, _second) = capture_logs();
    let sandbox = sandbox().await;

    // Legacy base URL (`.../api/v1`): the notice is on every answer, success or error.
    let (legacy, recording, _time) = recorded_snaptrade(&sandbox, sandbox.snaptrade_url());
    assert!(legacy.base_url().ends_with("/api/v1"));
    let user = register(&legacy, "legacy-user").await;
    assert_eq!(legacy.list_users(None).await.unwrap(), ["legacy-user"]);
    assert_eq!(legacy.list_users(None).await.unwrap(), ["legacy-user"]);
    let err = login(&legacy, &user.user_id, &SecretString::from("wrong-secret"))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    let notice = err.deprecation().expect("the error carries the notice");
    assert_eq!(notice.deprecation(), Some(LEGACY_DEPRECATION));
    assert_eq!(notice.sunset(), None);
    let seen = recording.seen();
    assert_eq!(seen.len(), 4);
    for s in &seen {
        assert!(s.uri.path().starts_with("/api/v1/snapTrade/"), "{}", s.uri);
        let answer = s.response_headers.as_ref().unwrap();
        assert_eq!(
            answer.get("deprecation").and_then(|v| v.to_str().ok()),
            Some(LEGACY_DEPRECATION)
        );
    }
    // One warning per operation per client: registerUser, listUsers (twice called), login.
    let text = logs.text();
    let warnings = text
        .matches("the provider marks this operation as deprecated")
        .count();
    assert_eq!(warnings, 3, "{text}");
    assert!(text.contains(LEGACY_DEPRECATION), "{text}");

    // Current root: same operations, no notice, no new warning.
    let (root, recording, _time) = recorded_snaptrade(&sandbox, sandbox.snaptrade_root_url());
    let rotated = root
        .reset_user_secret(&user.user_id, &user.user_secret, None)
        .await
        .unwrap();
    login(&root, &rotated.user_id, &rotated.user_secret)
        .await
        .unwrap();
    assert_eq!(root.list_users(None).await.unwrap(), ["legacy-user"]);
    let err = login(&root, &user.user_id, &user.user_secret)
        .await
        .unwrap_err();
    assert!(err.deprecation().is_none());
    for s in recording.seen() {
        assert!(s.uri.path().starts_with("/snapTrade/"), "{}", s.uri);
        assert!(s.response_headers.unwrap().get("deprecation").is_none());
    }
    assert_eq!(
        logs.text()
            .matches("the provider marks this operation as deprecated")
            .count(),
        3
    );
    // Both prefixes reach the same users: every call was served once.
    let stats = sandbox.stats();
    assert_eq!(stats.hits(Route::SnapTradeListUsers), 3);
    assert_eq!(stats.hits(Route::SnapTradeLogin), 3);
    assert_eq!(stats.hits(Route::SnapTradeResetUserSecret), 1);
}

/// The sandbox has no personal-key mode (its `login` requires `userId`/`userSecret`, as a
/// commercial key does), so only the client-side half is tested end to end: a personal-key
/// client refuses the commercial-only operations before anything reaches the server, and a
/// commercial client refuses `login_personal`.
#[tokio::test]
async fn personal_key_clients_refuse_commercial_operations_before_sending() {
    let sandbox = sandbox().await;
    let time = time();
    let personal = SnapTradeClient::with_config(
        snaptrade::SnapTradeCredentials::personal(
            sandbox.credentials().snaptrade_client_id,
            SecretString::from(sandbox.credentials().snaptrade_consumer_key),
        ),
        config(sandbox.snaptrade_root_url(), &time),
    )
    .unwrap();
    let secret = SecretString::from("a-user-secret");
    let errors = [
        personal
            .register_user(&RegisterUserRequest::new("p"), None)
            .await
            .unwrap_err(),
        personal.list_users(None).await.unwrap_err(),
        personal.delete_user("p", None).await.unwrap_err(),
        personal
            .reset_user_secret("p", &secret, None)
            .await
            .unwrap_err(),
        personal.login("p", &secret, None, None).await.unwrap_err(),
    ];
    for err in &errors {
        assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("personal key"), "{message}");
    }

    let (commercial, _time) = snaptrade(&sandbox);
    let err = commercial
        .login_personal(Some(&LoginRequest::new()), None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert!(
        err.to_string().contains("SnapTradeCredentials::personal"),
        "{err}"
    );

    assert_eq!(sandbox.stats().provider_hits(Provider::SnapTrade), 0);
}

#[tokio::test]
async fn login_with_all_nine_current_fields_is_accepted_and_a_bad_locale_is_the_servers_400() {
    let sandbox = sandbox().await;
    let (client, recording, _time) = recorded_snaptrade(&sandbox, sandbox.snaptrade_root_url());
    let user = register(&client, "nine-fields-user").await;
    let body = LoginRequest::new()
        .broker("ALPACA")
        .immediate_redirect(false)
        .custom_redirect("https://example.com/done")
        .reconnect("87b24961-b51e-4db8-9226-f198f6518a89")
        .connection_type(ConnectionType::TradeIfAvailable)
        .show_close_button(false)
        .dark_mode(true)
        .locale("pt_br")
        .connection_portal_version(ConnectionPortalVersion::V4);
    let answer = client
        .login(&user.user_id, &user.user_secret, Some(&body), None)
        .await
        .unwrap();
    assert!(matches!(answer, LoginResponse::Redirect(_)), "{answer:?}");
    let sent = recording.seen().pop().unwrap();
    assert_eq!(sent.uri.path(), "/snapTrade/login");
    assert_eq!(sent.query("userId"), Some("nine-fields-user"));
    // Canonical (sorted) keys, exactly the nine of SnapTradeLoginUserRequestBody.
    assert_eq!(
        std::str::from_utf8(&sent.body).unwrap(),
        r#"{"broker":"ALPACA","connectionPortalVersion":"v4","connectionType":"trade-if-available","customRedirect":"https://example.com/done","darkMode":true,"immediateRedirect":false,"locale":"pt_br","reconnect":"87b24961-b51e-4db8-9226-f198f6518a89","showCloseButton":false}"#
    );

    // `locale` is free text in the API; the server refuses languages it does not ship.
    let err = client
        .login(
            &user.user_id,
            &user.user_secret,
            Some(&LoginRequest::new().locale("fr")),
            None,
        )
        .await
        .unwrap_err();
    let e = snaptrade_error(&err);
    assert_eq!((e.status.as_u16(), e.code.as_deref()), (400, Some("1076")));
    assert!(e.detail.unwrap().contains("locale"));
    assert_eq!(sandbox.stats().hits(Route::SnapTradeLogin), 2);
}

/// User ids with characters that query encoding treats specially (space, `&`, `=`, `+`, `%`,
/// `/`, `?`, `#`, non-ASCII) are signed exactly as sent: register, login, reset and delete
/// all pass the sandbox's independent signature check, at the root and the legacy prefix.
#[tokio::test]
async fn user_ids_with_query_metacharacters_are_signed_as_sent() {
    let sandbox = sandbox().await;
    let (root, _, _) = recorded_snaptrade(&sandbox, sandbox.snaptrade_root_url());
    let (legacy, _, _) = recorded_snaptrade(&sandbox, sandbox.snaptrade_url());
    assert!(legacy.base_url().ends_with("/api/v1") && !root.base_url().ends_with("/api/v1"));
    let odd_ids = ["a b", "x&y=z", "p+q%20r", "s/t?u#v", "é✓😀", "'\";<>\\"];
    for (i, (odd, root)) in odd_ids
        .into_iter()
        .zip([&root, &legacy].into_iter().cycle())
        .enumerate()
    {
        let id = format!("{odd}-{i}");
        let user = register(root, &id).await;
        assert_eq!(user.user_id, id);
        login(root, &user.user_id, &user.user_secret).await.unwrap();
        let rotated = root
            .reset_user_secret(&user.user_id, &user.user_secret, None)
            .await
            .unwrap();
        login(root, &rotated.user_id, &rotated.user_secret)
            .await
            .unwrap();
        assert!(root.list_users(None).await.unwrap().contains(&id));
        root.delete_user(&id, None).await.unwrap();
    }
}

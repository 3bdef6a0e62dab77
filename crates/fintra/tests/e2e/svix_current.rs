//! Svix's current Authentication surface: `whoami`, stream portal access / logout /
//! expire-all, poller tokens of an app endpoint and a stream sink, the one-time-token
//! exchange, and the `svix-req-id` / `svix-retry-count` headers across retries.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fintra::app_portal::{
    ApiTokenOut, AppPortalAccessIn, AppPortalCapability, AppPortalClient, AppPortalError,
    AuthenticationSource, OneTimeTokenIn, RotatePollerTokenIn, StreamPortalAccessIn,
    StreamTokenExpireIn,
};
use fintra::core::secret::{ExposeSecret, SecretString};
use fintra_sandbox::{Fault, FaultKind, Provider, Route, Sandbox};
use serde_json::Value;

use crate::support::{app_portal, app_portal_with, config, recorded_app_portal, sandbox, time};

const APP: &str = "app_1srOrx2ZWZBpBUvZwXKQmoEYga2";
const ENDPOINT: &str = "ep_1srOrx2ZWZBpBUvZwXKQmoEYga2";
/// The spec's `streamAppId` example.
const STREAM: &str = "strm_2yZwUhtgs5Ai8T9yRQJXA";
const SINK: &str = "sink_30XKA2tCdjHue2qLkTgc0cS5BYs";

/// A client of the sandbox's app portal authenticated with `token`.
fn client_with(sandbox: &Sandbox, token: &SecretString) -> AppPortalClient {
    app_portal_with(token.clone(), config(sandbox.app_portal_url(), &time()))
}

fn status(err: &fintra::Error) -> Option<u16> {
    err.status().map(|s| s.as_u16())
}

fn http_code(err: &fintra::Error) -> String {
    match err.provider::<AppPortalError>() {
        Some(AppPortalError::Http(body)) => body.code,
        other => panic!("expected an HttpErrorOut body, got {other:?} for {err:?}"),
    }
}

/// The JSON behind a portal link's `#key=` fragment, as the sandbox issues it (base64url).
pub(crate) fn link_key(url: &SecretString) -> Value {
    let (_, key) = url.expose_secret().split_once("#key=").unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(key).unwrap()).unwrap()
}

#[tokio::test]
async fn whoami_describes_the_organisation_and_the_issued_tokens() {
    let sandbox = sandbox().await;
    let (org, _time) = app_portal(&sandbox);
    let me = org.whoami(None).await.unwrap();
    assert_eq!(
        me.permission_source,
        AuthenticationSource::RegionalAuthToken
    );
    let env = me.env_id.clone().unwrap();
    assert!(env.starts_with("org_") && env.len() == 31, "{env}");
    assert_eq!((me.app_id, me.session_id), (None, None));

    let access = org
        .app_portal_access(APP, &AppPortalAccessIn::new().session_id("user_1"), None)
        .await
        .unwrap();
    let portal = client_with(&sandbox, &access.token);
    let me = portal.whoami(None).await.unwrap();
    assert_eq!(me.permission_source, AuthenticationSource::SvixJwt);
    assert_eq!(me.env_id.as_deref(), Some(env.as_str()));
    // The application the token is limited to.
    assert_eq!(me.app_id.as_deref(), Some(APP));
    assert_eq!(me.stream_app_id, None);
    assert_eq!(me.session_id.as_deref(), Some("user_1"));

    // Issued for a uid, the token names a spec-shaped id (`^app_[A-Za-z0-9]{27}$`).
    let by_uid = org
        .app_portal_access("my-app-uid", &AppPortalAccessIn::new(), None)
        .await
        .unwrap();
    let me = client_with(&sandbox, &by_uid.token)
        .whoami(None)
        .await
        .unwrap();
    let app_id = me.app_id.unwrap();
    assert!(app_id.starts_with("app_") && app_id.len() == 31, "{app_id}");
    assert_eq!(me.session_id, None);

    // After logout the token is unknown: 401.
    portal.logout(None).await.unwrap();
    let err = portal.whoami(None).await.unwrap_err();
    assert_eq!(status(&err), Some(401));
    assert_eq!(http_code(&err), "authentication_failed");
    assert_eq!(sandbox.stats().hits(Route::AppPortalWhoami), 4);
    assert_eq!(sandbox.stats().hits(Route::AppPortalAccess), 2);
}

#[tokio::test]
async fn a_stream_portal_token_works_logs_out_and_is_expired_by_session() {
    let sandbox = sandbox().await;
    let (org, _time) = app_portal(&sandbox);
    let body = |session: &str| {
        StreamPortalAccessIn::new()
            .session_id(session)
            .expiry(3600)
            .feature_flags(["beta"])
    };
    let first = org
        .stream_portal_access(STREAM, &body("s1"), None)
        .await
        .unwrap();
    assert!(first.token.expose_secret().starts_with("strmsk_"));
    assert!(first.url.expose_secret().starts_with(&format!(
        "{}/app-portal/login#key=",
        sandbox.app_portal_url()
    )));
    assert_eq!(link_key(&first.url)["streamId"], STREAM);
    let second = org
        .stream_portal_access(STREAM, &body("s2"), None)
        .await
        .unwrap();
    let third = org
        .stream_portal_access(STREAM, &body("s3"), None)
        .await
        .unwrap();

    let stream_client = client_with(&sandbox, &first.token);
    let me = stream_client.whoami(None).await.unwrap();
    assert_eq!(me.permission_source, AuthenticationSource::SvixJwt);
    assert_eq!(me.stream_app_id.as_deref(), Some(STREAM));
    assert_eq!(me.session_id.as_deref(), Some("s1"));

    // stream-logout accepts only a stream token ("trying to log out other tokens will
    // fail"), and the stream token may not call the organisation's operations.
    let err = org.stream_logout(None).await.unwrap_err();
    assert_eq!(status(&err), Some(403));
    let err = stream_client
        .stream_portal_access(STREAM, &body("x"), None)
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(403));
    stream_client.stream_logout(None).await.unwrap();
    let err = stream_client.stream_logout(None).await.unwrap_err();
    assert_eq!(status(&err), Some(401));

    // expire-all for one session only: s2 goes, s3 stays. `sessionIds` may repeat an id
    // (the spec has no `uniqueItems` there).
    org.stream_expire_all(
        STREAM,
        &StreamTokenExpireIn::new().session_ids(["s2", "s2"]),
        None,
    )
    .await
    .unwrap();
    let err = client_with(&sandbox, &second.token)
        .whoami(None)
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(401));
    let survivor = client_with(&sandbox, &third.token);
    survivor.whoami(None).await.unwrap();
    // With an expiry, the rest go after it.
    org.stream_expire_all(STREAM, &StreamTokenExpireIn::new().expiry(60), None)
        .await
        .unwrap();
    survivor.whoami(None).await.unwrap();
    sandbox.advance_time(Duration::from_secs(61));
    assert_eq!(status(&survivor.whoami(None).await.unwrap_err()), Some(401));

    // A body outside the spec is refused client-side: nothing sent.
    let err = org
        .stream_expire_all(STREAM, &StreamTokenExpireIn::new().expiry(300_000), None)
        .await
        .unwrap_err();
    assert!(matches!(err, fintra::Error::InvalidRequest(_)), "{err:?}");

    let stats = sandbox.stats();
    assert_eq!(stats.hits(Route::AppPortalStreamPortalAccess), 4);
    assert_eq!(stats.hits(Route::AppPortalStreamLogout), 3);
    assert_eq!(stats.hits(Route::AppPortalStreamExpireAll), 2);
    assert_eq!(stats.hits(Route::AppPortalWhoami), 5);
}

/// Rotates the poller token twice and checks what each old token can still do. `get` and
/// `rotate` are the app-endpoint or the stream-sink pair.
async fn check_poller_rotation<G, R>(sandbox: &Sandbox, get: G, rotate: R)
where
    G: AsyncFn() -> Result<ApiTokenOut, fintra::Error>,
    R: AsyncFn(RotatePollerTokenIn) -> Result<ApiTokenOut, fintra::Error>,
{
    // The first get creates the token; a second get returns the same one.
    let first = get().await.unwrap();
    assert!(first.token.expose_secret().starts_with("pk_"));
    assert!(first.id.starts_with("key_"));
    assert!(first.expires_at.is_none());
    assert_eq!(get().await.unwrap().id, first.id);
    // A poller token authenticates (whoami) but may call none of the auth operations.
    let poller = client_with(sandbox, &first.token);
    let me = poller.whoami(None).await.unwrap();
    assert_eq!(me.permission_source, AuthenticationSource::SvixJwt);
    let err = poller
        .app_portal_access(APP, &AppPortalAccessIn::new(), None)
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(403));

    // Rotation (201) with the default oldTokenExpiry keeps the old token for 300 s.
    let second = rotate(RotatePollerTokenIn::new().expiry(86_400))
        .await
        .unwrap();
    assert_ne!(second.id, first.id);
    assert_ne!(second.token.expose_secret(), first.token.expose_secret());
    assert!(second.expires_at.is_some());
    assert_eq!(get().await.unwrap().id, second.id);
    poller.whoami(None).await.unwrap();
    sandbox.advance_time(Duration::from_secs(301));
    assert_eq!(status(&poller.whoami(None).await.unwrap_err()), Some(401));

    // oldTokenExpiry 0 revokes the old token at once.
    let third = rotate(RotatePollerTokenIn::new().old_token_expiry(0))
        .await
        .unwrap();
    let err = client_with(sandbox, &second.token)
        .whoami(None)
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(401));
    client_with(sandbox, &third.token)
        .whoami(None)
        .await
        .unwrap();
}

#[tokio::test]
async fn poller_tokens_of_an_app_endpoint_are_got_and_rotated() {
    let sandbox = sandbox().await;
    let (org, _time) = app_portal(&sandbox);
    check_poller_rotation(
        &sandbox,
        async || org.get_poller_token(APP, ENDPOINT, None).await,
        async |body| org.rotate_poller_token(APP, ENDPOINT, &body, None).await,
    )
    .await;
    let stats = sandbox.stats();
    assert_eq!(stats.hits(Route::AppPortalGetPollerToken), 3);
    assert_eq!(stats.hits(Route::AppPortalRotatePollerToken), 2);
    assert_eq!(stats.hits(Route::AppPortalGetStreamPollerToken), 0);

    // Out-of-range bodies never leave the client.
    let err = org
        .rotate_poller_token(
            APP,
            ENDPOINT,
            &RotatePollerTokenIn::new().old_token_expiry(86_401),
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, fintra::Error::InvalidRequest(_)), "{err:?}");
    assert_eq!(sandbox.stats().hits(Route::AppPortalRotatePollerToken), 2);
}

#[tokio::test]
async fn poller_tokens_of_a_stream_sink_are_got_and_rotated() {
    let sandbox = sandbox().await;
    let (org, _time) = app_portal(&sandbox);
    check_poller_rotation(
        &sandbox,
        async || org.get_stream_poller_token(STREAM, SINK, None).await,
        async |body| {
            org.rotate_stream_poller_token(STREAM, SINK, &body, None)
                .await
        },
    )
    .await;
    let stats = sandbox.stats();
    assert_eq!(stats.hits(Route::AppPortalGetStreamPollerToken), 3);
    assert_eq!(stats.hits(Route::AppPortalRotateStreamPollerToken), 2);
    assert_eq!(stats.hits(Route::AppPortalGetPollerToken), 0);
    // The app endpoint's token is a different one.
    let app_token = org.get_poller_token(APP, SINK, None).await.unwrap();
    let sink_token = org
        .get_stream_poller_token(STREAM, SINK, None)
        .await
        .unwrap();
    assert_ne!(app_token.id, sink_token.id);
}

#[tokio::test]
async fn the_one_time_token_of_a_portal_link_is_exchanged_once() {
    let sandbox = sandbox().await;
    let (org, _time) = app_portal(&sandbox);
    let access = org
        .app_portal_access(
            APP,
            &AppPortalAccessIn::new().capabilities([
                AppPortalCapability::ViewBase,
                AppPortalCapability::ViewEndpointSecret,
            ]),
            None,
        )
        .await
        .unwrap();
    let key = link_key(&access.url);
    assert_eq!(key["appId"], APP);
    assert_eq!(key["token"], access.token.expose_secret());
    let one_time = key["oneTimeToken"].as_str().unwrap().to_owned();
    assert!(one_time.starts_with("ott_"), "{one_time}");

    // Any valid token may exchange it; the portal token itself does here.
    let portal = client_with(&sandbox, &access.token);
    let body = OneTimeTokenIn::new(SecretString::from(one_time));
    let out = portal.exchange_one_time_token(&body, None).await.unwrap();
    assert_eq!(out.token.expose_secret(), access.token.expose_secret());
    assert_eq!(out.capabilities, ["ViewBase", "ViewEndpointSecret"]);
    assert!(!format!("{out:?}").contains(access.token.expose_secret()));

    // It works once.
    let err = org.exchange_one_time_token(&body, None).await.unwrap_err();
    assert_eq!(status(&err), Some(404));
    assert_eq!(http_code(&err), "not_found");
    // A stream link carries one too.
    let stream = org
        .stream_portal_access(STREAM, &StreamPortalAccessIn::new(), None)
        .await
        .unwrap();
    let one_time = link_key(&stream.url)["oneTimeToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = org
        .exchange_one_time_token(&OneTimeTokenIn::new(SecretString::from(one_time)), None)
        .await
        .unwrap();
    assert_eq!(out.token.expose_secret(), stream.token.expose_secret());
    assert_eq!(
        sandbox.stats().hits(Route::AppPortalExchangeOneTimeToken),
        3
    );
}

#[tokio::test]
async fn svix_req_id_is_kept_and_svix_retry_count_increments_across_retries() {
    let sandbox = sandbox().await;
    let (org, recording, time) = recorded_app_portal(&sandbox);

    // A GET meeting two 503s: three attempts.
    sandbox.inject(Fault::new(Provider::AppPortal, FaultKind::Status(503)).times(2));
    org.whoami(None).await.unwrap();
    assert_eq!(sandbox.stats().hits(Route::AppPortalWhoami), 3);
    // A POST meeting a dropped connection, then a 429: three attempts, one idempotency key.
    sandbox.inject(Fault::new(Provider::AppPortal, FaultKind::DropConnection));
    sandbox.inject(Fault::new(
        Provider::AppPortal,
        FaultKind::TooManyRequests {
            retry_after_secs: 1,
        },
    ));
    org.stream_portal_access(STREAM, &StreamPortalAccessIn::new(), None)
        .await
        .unwrap();
    assert_eq!(sandbox.stats().hits(Route::AppPortalStreamPortalAccess), 3);
    // A call that succeeds at once: a new id, no retry count.
    org.whoami(None).await.unwrap();

    let seen = recording.seen();
    assert_eq!(seen.len(), 7);
    let req_id = |i: usize| seen[i].header("svix-req-id").unwrap().to_owned();
    let retry_count = |i: usize| seen[i].header("svix-retry-count");
    for call in [0..3, 3..6] {
        let ids: Vec<String> = call.clone().map(req_id).collect();
        assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
        ids[0].parse::<u32>().expect("a random u32 in decimal");
        let counts: Vec<Option<&str>> = call.map(retry_count).collect();
        assert_eq!(counts, [None, Some("1"), Some("2")]);
    }
    let keys: Vec<&str> = (3..6)
        .map(|i| seen[i].header("idempotency-key").unwrap())
        .collect();
    assert!(keys[0].starts_with("auto_") && keys.iter().all(|k| *k == keys[0]));
    assert!(
        seen[0..3]
            .iter()
            .all(|s| s.header("idempotency-key").is_none())
    );
    // Every call has its own id.
    assert_ne!(req_id(0), req_id(3));
    assert_ne!(req_id(3), req_id(6));
    assert_eq!(retry_count(6), None);
    // The waits: 10 ms then 20 ms backoff for the GET; backoff, then Retry-After for the POST.
    assert_eq!(
        time.sleeps(),
        [
            Duration::from_millis(10),
            Duration::from_millis(20),
            Duration::from_millis(10),
            Duration::from_secs(1)
        ]
    );
}

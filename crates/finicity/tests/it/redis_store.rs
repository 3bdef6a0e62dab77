//! The Redis store against a real `redis-server`: one budget and one token for clients that
//! do not share a process registry, sealing, fencing, Redis killed mid-run, rotation.
//!
//! Two "processes" in one test: clients built for `127.0.0.1:<port>` and `localhost:<port>`
//! reach the same mock server but are different registry entries, so they share state only
//! through Redis. Real OS processes are in the `fleet` tests of `fintra-cli`.

use std::sync::Arc;
use std::time::Duration;

use fintra_core::AuthErrorKind;
use fintra_core::secret::ExposeSecret;
use fintra_core::test_util::VirtualTime;
use fintra_finicity::auth::{AuthStore, FileSecretSource, RedisStore};
use fintra_finicity::test_util::RedisServer;
use fintra_finicity::{AuthFailure, FinicityClient, FinicityCredentials, TokenSettings};
use httpmock::MockServer;
use serde_json::json;

use crate::support::*;

const INVALID: &str = r#"{"code":"10001","message":"Invalid credentials"}"#;

/// The mock server's URL with `localhost` instead of `127.0.0.1`.
fn other_host(server: &MockServer) -> String {
    server.base_url().replace("127.0.0.1", "localhost")
}

async fn redis_client(
    redis: &RedisServer,
    base_url: String,
    credentials: FinicityCredentials,
    time: &Arc<VirtualTime>,
) -> FinicityClient {
    let store = RedisStore::connect(&redis.url(), &credentials)
        .await
        .unwrap();
    FinicityClient::builder(credentials)
        .config(fintra_core::test_util::virtual_builder(base_url, time))
        .store(Arc::new(store))
        .build()
        .unwrap()
}

fn wrong() -> FinicityCredentials {
    FinicityCredentials::new(PARTNER_ID, "wrong-Secret-1234".into(), APP_KEY.into())
}

#[tokio::test]
async fn two_processes_share_one_budget_in_redis() {
    let redis = RedisServer::start();
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let rejected = auth_error_mock(&server, 401, INVALID).await;
    let a = redis_client(&redis, server.base_url(), wrong(), &time).await;
    let b = redis_client(&redis, other_host(&server), wrong(), &time).await;
    for _ in 0..4 {
        for client in [&a, &b] {
            let _ = client.access_token().await.unwrap_err();
            let _ = client.create_token(None).await.unwrap_err();
            time.advance(Duration::from_secs(600));
        }
    }
    rejected.assert_calls_async(3).await;
    let err = b.access_token().await.unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, AuthFailure::BudgetSpent { failures: 3, .. }),
        "{err:?}"
    );
    assert!(
        text.contains("fintra:finicity:{1234583871234}:budget"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "fintra finicity lockout reset --partner-id {PARTNER_ID} --redis-url {}",
            redis.url()
        )),
        "{text}"
    );
    // The reset by one is seen by the other.
    a.reset_lockout_guard().await.unwrap();
    assert_eq!(b.auth().lockout_status().await.unwrap().used(), 0);
}

#[tokio::test]
async fn one_token_for_both_and_sealed_at_rest() {
    let redis = RedisServer::start();
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let tokens = token_mock(&server, "tok-FLEET-0042").await;
    let a = redis_client(&redis, server.base_url(), credentials(), &time).await;
    let b = redis_client(&redis, other_host(&server), credentials(), &time).await;
    let ta = a.access_token().await.unwrap();
    let tb = b.access_token().await.unwrap();
    assert_eq!(ta.secret().expose_secret(), "tok-FLEET-0042");
    assert_eq!(tb.secret().expose_secret(), "tok-FLEET-0042");
    assert_eq!(ta.generation(), tb.generation());
    tokens.assert_calls_async(1).await;

    // Everything Redis holds for the partner: no token, secret or app key in clear.
    let client = redis::Client::open(redis.url()).unwrap();
    let mut con = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("fintra:finicity:*")
        .query_async(&mut con)
        .await
        .unwrap();
    assert!(keys.iter().any(|k| k.ends_with(":token")), "{keys:?}");
    for key in keys {
        let kind: String = redis::cmd("TYPE")
            .arg(&key)
            .query_async(&mut con)
            .await
            .unwrap();
        let dump: Vec<Vec<u8>> = if kind == "hash" {
            redis::cmd("HGETALL")
                .arg(&key)
                .query_async(&mut con)
                .await
                .unwrap()
        } else {
            vec![
                redis::cmd("GET")
                    .arg(&key)
                    .query_async(&mut con)
                    .await
                    .unwrap(),
            ]
        };
        let raw = dump.concat();
        for secret in ["tok-FLEET-0042", SECRET, APP_KEY] {
            assert!(
                !raw.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} in clear in {key}"
            );
        }
    }

    // A store keyed with another secret (or app key) cannot open the seal.
    for creds in [
        wrong(),
        FinicityCredentials::new(PARTNER_ID, SECRET.into(), "other-app-key".into()),
    ] {
        let store = RedisStore::connect(&redis.url(), &creds).await.unwrap();
        assert!(store.token().await.unwrap().is_none());
    }
    let store = RedisStore::connect(&redis.url(), &credentials())
        .await
        .unwrap();
    let stored = store.token().await.unwrap().unwrap();
    assert_eq!(stored.value.expose_secret(), "tok-FLEET-0042");
}

#[tokio::test]
async fn a_slow_old_refresher_is_fenced_out_by_the_lock() {
    let redis = RedisServer::start();
    let store = RedisStore::connect(&redis.url(), &credentials())
        .await
        .unwrap();
    let now = std::time::SystemTime::now();
    assert!(
        store
            .try_lock("old", Duration::from_millis(100))
            .await
            .unwrap()
    );
    assert!(!store.try_lock("new", Duration::from_secs(5)).await.unwrap());
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(store.try_lock("new", Duration::from_secs(5)).await.unwrap());
    let value = "tok-old".into();
    assert_eq!(
        store
            .put_token("old", &value, now, Duration::from_secs(60))
            .await
            .unwrap(),
        None
    );
    let generation = store
        .put_token("new", &"tok-new".into(), now, Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    // The old owner's release does not free the new owner's lock.
    store.unlock("old").await.unwrap();
    assert!(
        !store
            .try_lock("third", Duration::from_secs(5))
            .await
            .unwrap()
    );
    store.unlock("new").await.unwrap();
    let stored = store.token().await.unwrap().unwrap();
    assert_eq!(stored.value.expose_secret(), "tok-new");
    assert_eq!(stored.generation, generation);
    // Dropping an older generation leaves the newer token.
    store.drop_token(generation - 1).await.unwrap();
    assert!(store.token().await.unwrap().is_some());
    store.drop_token(generation).await.unwrap();
    assert!(store.token().await.unwrap().is_none());
}

#[tokio::test]
async fn redis_killed_mid_run_fails_closed_keeps_cached_tokens_and_recovers() {
    let mut redis = RedisServer::start();
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let tokens = token_mock(&server, "tok").await;
    let probes = probe_mock(&server, "tok").await;
    let warm = redis_client(&redis, server.base_url(), credentials(), &time).await;
    let cold = redis_client(&redis, other_host(&server), credentials(), &time).await;
    probe(&warm).await.unwrap();
    tokens.assert_calls_async(1).await;

    redis.kill();
    // The warm process keeps serving its valid token, also across the refresh-ahead window.
    for _ in 0..5 {
        probe(&warm).await.unwrap();
    }
    time.advance(minutes(80));
    probe(&warm).await.unwrap();
    // The cold one cannot record a budget slot: no CreateToken, a distinct error.
    let err = cold.access_token().await.unwrap_err();
    assert!(
        matches!(err, AuthFailure::StoreUnavailable { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains(&redis.url()), "{err}");
    assert_eq!(err.kind(), AuthErrorKind::TokenUnavailable);
    let err = cold.create_token(None).await.unwrap_err();
    assert!(
        matches!(err, AuthFailure::StoreUnavailable { .. }),
        "{err:?}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    tokens.assert_calls_async(1).await;
    probes.assert_calls_async(7).await;

    redis.restart();
    let mut recovered = false;
    for _ in 0..50 {
        if cold.access_token().await.is_ok() {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        recovered,
        "the client did not recover after Redis came back"
    );
    tokens.assert_calls_async(2).await;
    assert_eq!(cold.auth().lockout_status().await.unwrap().used(), 0);
}

#[tokio::test]
async fn a_rotation_in_one_process_stops_the_old_secret_in_the_other() {
    let redis = RedisServer::start();
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    const NEW: &str = "rotated-Secret-2026";
    let put = server
        .mock_async(|when, then| {
            when.method("PUT").path(AUTH_PATH).json_body(json!({
                "partnerId": PARTNER_ID,
                "partnerSecret": SECRET,
                "newPartnerSecret": NEW,
                "immediate": true
            }));
            then.status(204);
        })
        .await;
    let new_tokens = server
        .mock_async(|when, then| {
            when.method("POST")
                .path(AUTH_PATH)
                .json_body(json!({"partnerId": PARTNER_ID, "partnerSecret": NEW}));
            then.status(200).json_body(json!({"token": "tok-new"}));
        })
        .await;
    let old_tokens = token_mock(&server, "tok-old").await;
    let rotating = redis_client(&redis, server.base_url(), credentials(), &time).await;
    rotating
        .modify_partner_secret(NEW.into(), Some(true), None)
        .await
        .unwrap();
    put.assert_calls_async(1).await;

    // Another process still holding the old secret sends nothing with it.
    let other = redis_client(&redis, other_host(&server), credentials(), &time).await;
    let err = other.access_token().await.unwrap_err();
    assert!(
        matches!(err, AuthFailure::SecretRotatedElsewhere { .. }),
        "{err:?}"
    );
    assert!(!err.to_string().contains(NEW));
    old_tokens.assert_calls_async(0).await;
    assert_eq!(other.auth().lockout_status().await.unwrap().used(), 0);

    // With a credentials source holding the new secret it reloads it and carries on (a
    // new client for the same host once the old one is gone: a restarted process).
    drop(other);
    let dir = std::env::temp_dir().join(format!("fintra-rot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("secret");
    std::fs::write(&file, format!("{NEW}\n")).unwrap();
    let creds = credentials();
    let store = RedisStore::connect(&redis.url(), &creds).await.unwrap();
    let reloading = FinicityClient::builder(creds)
        .config(fintra_core::test_util::virtual_builder(
            other_host(&server),
            &time,
        ))
        .store(Arc::new(store))
        .credentials_source(FileSecretSource::new(&file))
        .settings(TokenSettings::default())
        .build()
        .unwrap();
    let token = reloading.access_token().await.unwrap();
    assert_eq!(token.secret().expose_secret(), "tok-new");
    new_tokens.assert_calls_async(1).await;
    old_tokens.assert_calls_async(0).await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn debug_output_and_errors_of_the_redis_store_hold_no_secret() {
    let mut redis = RedisServer::start();
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    token_mock(&server, "tok-REDIS-LEAK-77").await;
    let store = RedisStore::connect(&redis.url(), &credentials())
        .await
        .unwrap();
    let client = FinicityClient::builder(credentials())
        .config(fintra_core::test_util::virtual_builder(
            server.base_url(),
            &time,
        ))
        .store(Arc::new(store.clone()))
        .build()
        .unwrap();
    client.access_token().await.unwrap();
    let mut text = format!("{store:?} {client:?} {:?}", client.auth());
    redis.kill();
    let cold = redis_client_after_kill(&client).await;
    text.push_str(&format!("{cold} {cold:?}"));
    for secret in ["tok-REDIS-LEAK-77", SECRET, APP_KEY] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert!(text.contains(&redis.url()), "{text}");
}

/// A store error after Redis died: drop the token so the client must ask Redis again.
async fn redis_client_after_kill(client: &FinicityClient) -> AuthFailure {
    let generation = client.access_token().await.unwrap().generation();
    client.auth().invalidate(generation);
    client.access_token().await.unwrap_err()
}

//! The real `fintra` binary against a real `redis-server`, with state written by real
//! Finicity clients (Redis store) talking to a loopback mock of Finicity.

#![allow(clippy::unwrap_used)] // a test may panic on an unexpected result

use std::process::{Command, Output};
use std::sync::Arc;

use fintra_core::test_util::VirtualTime;
use fintra_finicity::auth::RedisStore;
use fintra_finicity::test_util::RedisServer;
use fintra_finicity::{AuthFailure, FinicityClient, FinicityCredentials};
use httpmock::MockServer;
use serde_json::{Value, json};

const PARTNER_ID: &str = "1234583871234";
const SECRET: &str = "aqJ5Ic4SEVx2IgDQ6oR4";
const APP_KEY: &str = "appkey-5f2c9e";
const TOKEN: &str = "tok-CLI-SECRET-99";
const AUTH_PATH: &str = "/aggregation/v2/partners/authentication";

fn fintra(args: &[&str], redis: &RedisServer) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fintra"))
        .args(args)
        .env("FINICITY_PARTNER_ID", PARTNER_ID)
        .env("FINTRA_REDIS_URL", redis.url())
        .output()
        .unwrap()
}

fn json_of(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

async fn client(redis: &RedisServer, server: &MockServer, secret: &str) -> FinicityClient {
    let credentials = FinicityCredentials::new(PARTNER_ID, secret.into(), APP_KEY.into());
    let store = RedisStore::connect(&redis.url(), &credentials)
        .await
        .unwrap();
    let time = Arc::new(VirtualTime::default());
    FinicityClient::builder(credentials)
        .config(fintra_core::test_util::virtual_builder(
            server.base_url(),
            &time,
        ))
        .store(Arc::new(store))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spent_budget_status_reset_and_recovery() {
    let redis = RedisServer::start();
    let server = MockServer::start_async().await;
    let rejected = server
        .mock_async(|when, then| {
            when.method("POST")
                .path(AUTH_PATH)
                .json_body(json!({"partnerId": PARTNER_ID, "partnerSecret": "wrong-Secret-1"}));
            then.status(401)
                .json_body(json!({"code": "10001", "message": "Invalid credentials"}));
        })
        .await;
    let accepted = server
        .mock_async(|when, then| {
            when.method("POST")
                .path(AUTH_PATH)
                .json_body(json!({"partnerId": PARTNER_ID, "partnerSecret": SECRET}));
            then.status(200).json_body(json!({ "token": TOKEN }));
        })
        .await;

    // A fresh partner: nothing recorded.
    let status = json_of(&fintra(
        &["finicity", "lockout", "status", "--json"],
        &redis,
    ));
    assert_eq!(status["failures"], 0);
    assert_eq!(status["spent_at_default_budget"], false);
    assert_eq!(status["key"], "fintra:finicity:{1234583871234}:budget");

    // Three wrong-secret CreateTokens spend the budget.
    let wrong = client(&redis, &server, "wrong-Secret-1").await;
    for _ in 0..5 {
        let _ = wrong.create_token(None).await.unwrap_err();
    }
    rejected.assert_calls_async(3).await;
    let err = wrong.create_token(None).await.unwrap_err();
    assert!(matches!(err, AuthFailure::BudgetSpent { .. }), "{err:?}");
    let status = json_of(&fintra(
        &["finicity", "lockout", "status", "--json"],
        &redis,
    ));
    assert_eq!(status["failures"], 3);
    assert_eq!(status["in_flight"], 0);
    assert_eq!(status["account_locked"], false);
    assert_eq!(status["spent_at_default_budget"], true);
    assert!(status["last_attempt_unix_ms"].as_u64().unwrap() > 0);

    // Text output names the key and the state.
    let text = fintra(&["finicity", "lockout", "status"], &redis);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("failed attempts:  3"), "{text}");
    assert!(text.contains("SPENT"), "{text}");

    // The operator fixes the secret and resets; the corrected client then succeeds.
    let reset = json_of(&fintra(
        &[
            "finicity",
            "lockout",
            "reset",
            "--json",
            "--partner-id",
            PARTNER_ID,
            "--redis-url",
            &redis.url(),
        ],
        &redis,
    ));
    assert_eq!(reset["before"]["failures"], 3);
    assert_eq!(reset["after"]["failures"], 0);
    drop(wrong);
    let right = client(&redis, &server, SECRET).await;
    right.access_token().await.unwrap();
    accepted.assert_calls_async(1).await;
    rejected.assert_calls_async(3).await;

    // token status: generation, age, expiry; never the token.
    let output = fintra(&["finicity", "token", "status", "--json"], &redis);
    let raw = String::from_utf8(output.stdout.clone()).unwrap();
    assert!(!raw.contains(TOKEN), "{raw}");
    let token = json_of(&output);
    assert_eq!(token["present"], true);
    assert_eq!(token["generation"], 1);
    let issued = token["issued_unix_ms"].as_u64().unwrap();
    assert_eq!(
        token["finicity_expiry_unix_ms"].as_u64().unwrap(),
        issued + 2 * 3600 * 1000
    );
    assert!(token["redis_ttl_secs"].as_u64().unwrap() > 0);
    let text = fintra(&["finicity", "token", "status"], &redis);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("generation:   1"), "{text}");
    assert!(!text.contains(TOKEN), "{text}");
}

#[test]
fn errors_name_the_redis_url_and_exit_1() {
    let mut redis = RedisServer::start();
    let url = redis.url();
    redis.kill();
    let output = Command::new(env!("CARGO_BIN_EXE_fintra"))
        .args(["finicity", "lockout", "status", "--partner-id", PARTNER_ID])
        .args(["--redis-url", &url])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains(&url), "{stderr}");
    assert!(stderr.contains("--redis-url"), "{stderr}");
}

#[test]
fn a_missing_partner_id_is_a_usage_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_fintra"))
        .args([
            "finicity",
            "token",
            "status",
            "--redis-url",
            "redis://127.0.0.1:1",
        ])
        .env_remove("FINICITY_PARTNER_ID")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("--partner-id"), "{stderr}");
}

#[tokio::test]
async fn a_lock_recorded_by_a_client_shows_in_status() {
    let redis = RedisServer::start();
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method("POST").path(AUTH_PATH);
            then.status(500)
                .json_body(json!({"code": 24302, "message": "locked"}));
        })
        .await;
    let c = client(&redis, &server, SECRET).await;
    let err = c.create_token(None).await.unwrap_err();
    assert!(err.is_account_locked());
    let status = json_of(&fintra(
        &["finicity", "lockout", "status", "--json"],
        &redis,
    ));
    assert_eq!(status["account_locked"], true);
}

#[test]
fn a_redis_password_is_never_printed() {
    let output = Command::new(env!("CARGO_BIN_EXE_fintra"))
        .args(["finicity", "lockout", "status", "--partner-id", PARTNER_ID])
        .args(["--redis-url", "redis://:hunter2-PW@127.0.0.1:1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("redis://127.0.0.1:1"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

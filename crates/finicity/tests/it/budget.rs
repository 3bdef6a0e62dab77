//! The budget against a hostile loopback server: slow 401s, per-call timeouts, aborted
//! tasks, an outage with many waiting callers, and two clients of one partner.

use std::sync::Arc;
use std::time::Duration;

use fintra_core::test_util::VirtualTime;
use fintra_core::{AuthErrorKind, Error, Operation, RequestOptions};
use fintra_finicity::{AuthFailure, FinicityClient, TokenSettings};
use httpmock::MockServer;
use tokio::task::JoinSet;

use crate::support::*;

const INVALID: &str = r#"{"code":"10001","message":"Invalid credentials"}"#;

fn wrong_secret() -> fintra_finicity::FinicityCredentials {
    fintra_finicity::FinicityCredentials::new(
        PARTNER_ID,
        "wrong-Secret-1234".into(),
        APP_KEY.into(),
    )
}

async fn slow_401<'a>(server: &'a MockServer, delay: Duration) -> httpmock::Mock<'a> {
    server
        .mock_async(move |when, then| {
            when.method("POST").path(AUTH_PATH);
            then.status(401)
                .header("content-type", "application/json")
                .body(INVALID)
                .delay(delay);
        })
        .await
}

async fn probe_within(client: &FinicityClient, timeout: Duration) -> Result<(), Error> {
    client
        .api_client()
        .send_empty(
            Operation::get("Probe", PROBE_PATH),
            &RequestOptions::new().timeout(timeout),
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_and_aborted_tasks_cannot_push_wrong_secrets_past_the_budget() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let slow = slow_401(&server, Duration::from_millis(750)).await;
    let finicity = FinicityClient::with_config(wrong_secret(), config(&server, &time)).unwrap();

    for round in 0..8 {
        // Per-call timeouts far below the server's 750 ms.
        for _ in 0..3 {
            let err = probe_within(&finicity, Duration::from_millis(100))
                .await
                .unwrap_err();
            assert!(
                err.is_timeout() || matches!(err, Error::Auth(_)),
                "round {round}: {err:?}"
            );
        }
        // Tasks aborted while their CreateToken is in flight.
        let mut tasks = JoinSet::new();
        for _ in 0..5 {
            let f = finicity.clone();
            tasks.spawn(async move { f.access_token().await });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
        // Direct CreateTokens under a short per-call deadline.
        let err = finicity
            .create_token(Some(
                RequestOptions::new().timeout(Duration::from_millis(100)),
            ))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                AuthFailure::AttemptCounted { .. } | AuthFailure::BudgetSpent { .. }
            ),
            "{err:?}"
        );
        time.advance(Duration::from_secs(600)); // past every backoff
    }
    // Let the slow answers that are still in flight land.
    tokio::time::sleep(Duration::from_millis(900)).await;
    let reached = slow.calls_async().await;
    assert!(reached <= 3, "{reached} CreateTokens reached the server");
    assert!(reached >= 1);
    let status = finicity.auth().lockout_status().await.unwrap();
    assert_eq!(status.used(), 3, "{status:?}");
    let err = finicity.access_token().await.unwrap_err();
    assert!(matches!(err, AuthFailure::BudgetSpent { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_is_shared_by_50_waiting_callers_and_never_becomes_a_storm() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let outage = server
        .mock_async(|when, then| {
            when.method("POST").path(AUTH_PATH);
            then.status(503).delay(Duration::from_millis(200));
        })
        .await;
    let probes = probe_mock(&server, "tok").await;
    let finicity = client(&server, &time);
    let mut calls = JoinSet::new();
    for _ in 0..50 {
        let f = finicity.clone();
        calls.spawn(async move { probe(&f).await });
    }
    let mut errors = Vec::new();
    while let Some(result) = calls.join_next().await {
        errors.push(result.unwrap().unwrap_err());
    }
    // One CreateToken; all 50 callers got its outcome (a counted 503, not retried).
    outage.assert_calls_async(1).await;
    probes.assert_calls_async(0).await;
    for err in &errors {
        assert_eq!(err.to_string(), errors[0].to_string());
        assert!(err.to_string().contains("HTTP 503"), "{err}");
    }
    // Callers arriving right after the failure get it too, without a request (backoff).
    let err = finicity.access_token().await.unwrap_err();
    assert!(
        matches!(err, AuthFailure::AttemptCounted { failures: 1, .. }),
        "{err:?}"
    );
    outage.assert_calls_async(1).await;
    // Waves of callers over the whole outage: at most the budget reaches the server.
    for _ in 0..6 {
        time.advance(Duration::from_secs(600));
        let mut calls = JoinSet::new();
        for _ in 0..50 {
            let f = finicity.clone();
            calls.spawn(async move { probe(&f).await });
        }
        while let Some(result) = calls.join_next().await {
            assert!(result.unwrap().is_err());
        }
    }
    outage.assert_calls_async(3).await;
}

#[tokio::test]
async fn two_clients_of_one_partner_share_one_budget() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let rejected = auth_error_mock(&server, 401, INVALID).await;
    let a = FinicityClient::with_config(wrong_secret(), config(&server, &time)).unwrap();
    let b = FinicityClient::with_config(wrong_secret(), config(&server, &time)).unwrap();
    for _ in 0..4 {
        for client in [&a, &b] {
            let _ = client.create_token(None).await.unwrap_err();
            let _ = client.access_token().await.unwrap_err();
            time.advance(Duration::from_secs(600));
        }
    }
    rejected.assert_calls_async(3).await;
    let err = b.access_token().await.unwrap_err();
    assert_eq!(err.kind(), AuthErrorKind::GuardTripped);
    // A reset through one client is seen by the other.
    a.reset_lockout_guard().await.unwrap();
    assert_eq!(b.auth().lockout_status().await.unwrap().used(), 0);
}

#[tokio::test]
async fn two_clients_of_one_partner_share_one_token() {
    let server = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    let tokens = token_mock(&server, "tok").await;
    let probes = probe_mock(&server, "tok").await;
    let a = client(&server, &time);
    let b = client(&server, &time);
    probe(&a).await.unwrap();
    probe(&b).await.unwrap();
    assert_eq!(
        a.access_token().await.unwrap().generation(),
        b.access_token().await.unwrap().generation()
    );
    tokens.assert_calls_async(1).await;
    probes.assert_calls_async(2).await;
}

#[tokio::test]
async fn a_different_partner_or_host_has_its_own_budget() {
    let server = MockServer::start_async().await;
    let other = MockServer::start_async().await;
    let time = Arc::new(VirtualTime::default());
    auth_error_mock(&server, 401, INVALID).await;
    auth_error_mock(&other, 401, INVALID).await;
    let settings = TokenSettings::default().with_lockout_threshold(1);
    let a =
        FinicityClient::with_settings(wrong_secret(), config(&server, &time), settings).unwrap();
    let b = FinicityClient::with_settings(wrong_secret(), config(&other, &time), settings).unwrap();
    let c = FinicityClient::with_settings(
        fintra_finicity::FinicityCredentials::new(
            "999",
            "wrong-Secret-1234".into(),
            APP_KEY.into(),
        ),
        config(&server, &time),
        settings,
    )
    .unwrap();
    for client in [&a, &b, &c] {
        assert_eq!(
            client.create_token(None).await.unwrap_err().kind(),
            AuthErrorKind::CredentialsRejected
        );
    }
}

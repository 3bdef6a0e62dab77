//! Finicity authentication: the shared token, expiry, the lockout guard, the account lock
//! and partner-secret rotation.

use std::time::Duration;

use fintra::connect_components::ConnectComponentsClient;
use fintra::core::secret::{ExposeSecret, SecretString};
use fintra::core::{AuthErrorKind, Error};
use fintra::finicity::{AuthFailure, FinicityClient, FinicityErrorBody};
use fintra_sandbox::{Fault, FaultKind, Route, SandboxConfig};
use tokio::task::JoinSet;

use crate::support::{
    components, config, finicity, finicity_credentials, finicity_with_secret, sandbox,
    sandbox_with, time,
};

const WRONG_SECRET: &str = "wrong-Secret-1234";

/// The auth kind of a core error (API calls) or an [`AuthFailure`] (FinicityClient calls).
trait Kind {
    fn auth_kind(&self) -> AuthErrorKind;
}

impl Kind for Error {
    fn auth_kind(&self) -> AuthErrorKind {
        match self {
            Error::Auth(e) => e.kind(),
            other => panic!("expected an auth error, got {other:?}"),
        }
    }
}

impl Kind for AuthFailure {
    fn auth_kind(&self) -> AuthErrorKind {
        self.kind()
    }
}

fn auth_kind(err: &impl Kind) -> AuthErrorKind {
    err.auth_kind()
}

/// Clients of one partner share one budget (issue 10): past the backoff after a failure.
fn past_backoff(time: &fintra::core::test_util::VirtualTime) {
    time.advance(Duration::from_secs(120));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cold_client_shares_one_token_among_50_concurrent_calls() {
    let sandbox = sandbox().await;
    let (cc, _finicity, _time) = components(&sandbox);
    let mut calls = JoinSet::new();
    for _ in 0..50 {
        let cc = cc.clone();
        calls.spawn(async move { cc.list_configurations(None).await });
    }
    while let Some(result) = calls.join_next().await {
        assert!(result.unwrap().unwrap().is_empty());
    }
    let stats = sandbox.stats();
    assert_eq!(stats.hits(Route::FinicityCreateToken), 1);
    assert_eq!(stats.hits(Route::FinicityListConfigurations), 50);
}

#[tokio::test]
async fn an_expired_token_is_replaced_and_the_call_replayed_once() {
    let sandbox = sandbox().await;
    let (cc, finicity, _time) = components(&sandbox);
    cc.list_configurations(None).await.unwrap();
    let first = finicity.access_token().await.unwrap();
    assert_eq!(sandbox.stats().hits(Route::FinicityCreateToken), 1);

    // The sandbox's tokens live 2 h: the client still holds its token (its own clock says
    // it is fresh), the sandbox answers 401 10023, the client fetches a new one and replays.
    sandbox.advance_time(Duration::from_secs(2 * 3600 + 1));
    let all = cc.list_configurations(None).await.unwrap();
    assert!(all.is_empty());
    let stats = sandbox.stats();
    assert_eq!(stats.hits(Route::FinicityCreateToken), 2);
    assert_eq!(stats.hits(Route::FinicityListConfigurations), 3);
    let second = finicity.access_token().await.unwrap();
    assert_ne!(
        first.secret().expose_secret(),
        second.secret().expose_secret()
    );
    assert!(second.generation() > first.generation());
}

#[tokio::test]
async fn a_token_rejected_again_after_the_replay_is_not_replayed_twice() {
    // Every token is born expired: the first attempt and the single replay both get 10023.
    let sandbox = sandbox_with(SandboxConfig::new().finicity_token_lifetime(Duration::ZERO)).await;
    let (cc, _finicity, _time) = components(&sandbox);
    let err = cc.list_configurations(None).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(err.code(), Some("10023"));
    let stats = sandbox.stats();
    assert_eq!(stats.hits(Route::FinicityCreateToken), 2);
    assert_eq!(stats.hits(Route::FinicityListConfigurations), 2);
}

#[tokio::test]
async fn a_short_sandbox_token_lifetime_is_absorbed_by_one_refresh() {
    let sandbox =
        sandbox_with(SandboxConfig::new().finicity_token_lifetime(Duration::from_secs(60))).await;
    let (cc, _finicity, _time) = components(&sandbox);
    cc.list_configurations(None).await.unwrap();
    sandbox.advance_time(Duration::from_secs(61));
    cc.list_configurations(None).await.unwrap();
    assert_eq!(sandbox.stats().hits(Route::FinicityCreateToken), 2);
}

#[tokio::test]
async fn the_lockout_guard_stops_at_three_wrong_secrets_before_the_account_locks() {
    let sandbox = sandbox().await;
    let (wrong, time) = finicity_with_secret(&sandbox, WRONG_SECRET);
    for n in 1..=3 {
        let err = wrong.access_token().await.unwrap_err();
        assert_eq!(auth_kind(&err), AuthErrorKind::CredentialsRejected);
        assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
        assert_eq!(err.code(), Some("10001"));
        assert_eq!(wrong.auth().lockout_status().await.unwrap().failures, n);
        past_backoff(&time);
    }
    // Further calls, direct or through Connect Components, send nothing.
    for _ in 0..2 {
        let err = wrong.create_token(None).await.unwrap_err();
        assert_eq!(auth_kind(&err), AuthErrorKind::GuardTripped);
    }
    let err = ConnectComponentsClient::new(&wrong)
        .list_configurations(None)
        .await
        .unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::GuardTripped);
    let stats = sandbox.stats();
    assert_eq!(stats.hits(Route::FinicityCreateToken), 3);
    assert_eq!(stats.hits(Route::FinicityListConfigurations), 0);

    // After a reset the (still wrong) secret is tried again and counted from one.
    wrong.reset_lockout_guard().await.unwrap();
    assert_eq!(wrong.auth().lockout_status().await.unwrap().used(), 0);
    let err = wrong.access_token().await.unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::CredentialsRejected);
    assert_eq!(wrong.auth().lockout_status().await.unwrap().failures, 1);
    assert_eq!(sandbox.stats().hits(Route::FinicityCreateToken), 4);

    // Four failures: the sandbox did not lock the partner, the right secret still works.
    // (Each test client has its own virtual clock; this one must pass the others' too.)
    let (right, right_time) = finicity(&sandbox);
    right_time.advance(Duration::from_secs(600));
    right.access_token().await.unwrap();
    assert_eq!(sandbox.stats().hits(Route::FinicityCreateToken), 5);
}

#[tokio::test]
async fn a_locked_account_is_reported_with_24302_and_never_retried() {
    // The sandbox locks after 2 wrong secrets (below the client's guard of 3).
    let sandbox = sandbox_with(SandboxConfig::new().finicity_lockout_threshold(2)).await;
    let (wrong, _time) = finicity_with_secret(&sandbox, WRONG_SECRET);
    for _ in 0..2 {
        let err = wrong.create_token(None).await.unwrap_err();
        assert_eq!(auth_kind(&err), AuthErrorKind::CredentialsRejected);
    }
    assert_eq!(sandbox.stats().hits(Route::FinicityCreateToken), 2);

    // Even the right secret now gets HTTP 500 code 24302, which is not retried although
    // CreateToken is replay-safe and 5xx answers usually are.
    let (right, _time) = finicity(&sandbox);
    let err = right.create_token(None).await.unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::AccountLocked);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(err.code(), Some("24302"));
    assert!(err.is_account_locked());
    let body = err.provider::<FinicityErrorBody>().unwrap();
    assert!(body.message().unwrap().contains("locked your account"));
    assert_eq!(sandbox.stats().hits(Route::FinicityCreateToken), 3);

    // The client remembers the lock: nothing more is sent, through any path.
    let err = right.access_token().await.unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::AccountLocked);
    let err = ConnectComponentsClient::new(&right)
        .list_configurations(None)
        .await
        .unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::AccountLocked);
    assert_eq!(sandbox.stats().hits(Route::FinicityCreateToken), 3);

    // Once Finicity unlocks the account (sandbox reset) and the guard is reset, it works.
    sandbox.reset();
    right.reset_lockout_guard().await.unwrap();
    right.access_token().await.unwrap();
    assert_eq!(sandbox.stats().hits(Route::FinicityCreateToken), 4);
}

#[tokio::test]
async fn create_token_is_not_retried_on_503_and_the_503_counts() {
    // A 503 may come from a gateway that passed the login on (issue 10): counted, no retry.
    let sandbox = sandbox().await;
    let (finicity, time) = finicity(&sandbox);
    sandbox.inject(Fault::new("/finicity/aggregation", FaultKind::Status(503)).times(1));
    let err = finicity.create_token(None).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(sandbox.stats().hits(Route::FinicityCreateToken), 1);
    assert!(time.sleeps().is_empty());
    assert_eq!(finicity.auth().lockout_status().await.unwrap().failures, 1);
    let token = finicity.create_token(None).await.unwrap();
    assert_eq!(token.token.expose_secret().len(), 20);
    assert_eq!(finicity.auth().lockout_status().await.unwrap().failures, 0);
}

#[tokio::test]
async fn a_policy_violating_partner_secret_is_refused_before_sending() {
    let sandbox = sandbox().await;
    let (finicity, _time) = finicity(&sandbox);
    for bad in [
        "short1",
        "no-digits-at-all",
        "has space 12345",
        "123456789012",
    ] {
        let err = finicity
            .modify_partner_secret(SecretString::from(bad), Some(true), None)
            .await
            .unwrap_err();
        match err.source_error() {
            Some(Error::InvalidRequest(e)) => assert_eq!(e.field(), "newPartnerSecret"),
            other => panic!("expected InvalidRequest, got {other:?}"),
        }
        assert!(!format!("{err} {err:?}").contains(bad));
    }
    assert_eq!(sandbox.stats().total(), 0);
}

#[tokio::test]
async fn a_rotated_partner_secret_is_used_from_then_on() {
    let sandbox = sandbox().await;
    let (finicity, _time) = finicity(&sandbox);
    finicity
        .modify_partner_secret(SecretString::from("rotated-Secret-2026"), Some(true), None)
        .await
        .unwrap();
    assert_eq!(sandbox.stats().hits(Route::FinicityModifyPartnerSecret), 1);
    finicity.create_token(None).await.unwrap();

    // A client still holding the old secret sends nothing with it (immediate rotation, no
    // grace): the rotation is recorded in the shared store (issue 10).
    let old = FinicityClient::with_config(
        finicity_credentials(&sandbox, sandbox.credentials().finicity_partner_secret),
        config(sandbox.finicity_url(), &time()),
    )
    .unwrap();
    let err = old.create_token(None).await.unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::GuardTripped);
    assert!(
        matches!(err, AuthFailure::SecretRotatedElsewhere { .. }),
        "{err:?}"
    );
    assert_eq!(sandbox.stats().hits(Route::FinicityCreateToken), 1);
}

#[tokio::test]
async fn a_grace_period_rotation_keeps_the_old_secret_valid() {
    let sandbox = sandbox().await;
    let (finicity, _time) = finicity(&sandbox);
    finicity
        .modify_partner_secret(SecretString::from("rotated-Secret-2027"), Some(false), None)
        .await
        .unwrap();
    let (old, _time) = crate::support::finicity(&sandbox);
    old.create_token(None).await.unwrap();
    finicity.create_token(None).await.unwrap();
    // ModifyPartnerSecret is a PUT: a 503 is not retried.
    sandbox.inject(Fault::new("/finicity/aggregation", FaultKind::Status(503)));
    let err = finicity
        .modify_partner_secret(SecretString::from("rotated-Secret-2028"), None, None)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(sandbox.stats().hits(Route::FinicityModifyPartnerSecret), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_with_an_expired_token_refresh_it_once() {
    let sandbox = sandbox().await;
    let (cc, _finicity, _time) = components(&sandbox);
    cc.list_configurations(None).await.unwrap();
    sandbox.advance_time(Duration::from_secs(2 * 3600 + 1));
    let mut calls = JoinSet::new();
    for _ in 0..20 {
        let cc = cc.clone();
        calls.spawn(async move { cc.list_configurations(None).await });
    }
    while let Some(result) = calls.join_next().await {
        result.unwrap().unwrap();
    }
    let stats = sandbox.stats();
    assert_eq!(stats.hits(Route::FinicityCreateToken), 2);
    // Each call: at most one rejected attempt and one replay.
    let lists = stats.hits(Route::FinicityListConfigurations);
    assert!((1 + 20 + 1..=1 + 40).contains(&lists), "{lists}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_cannot_push_a_wrong_secret_past_the_guard() {
    let sandbox = sandbox().await;
    let (wrong, _time) = finicity_with_secret(&sandbox, WRONG_SECRET);
    let cc = ConnectComponentsClient::new(&wrong);
    let mut calls = JoinSet::new();
    for _ in 0..50 {
        let cc = cc.clone();
        calls.spawn(async move { cc.list_configurations(None).await });
    }
    let mut kinds = Vec::new();
    while let Some(result) = calls.join_next().await {
        kinds.push(auth_kind(&result.unwrap().unwrap_err()));
    }
    // One CreateToken; every waiting caller gets its outcome (issue 10).
    assert_eq!(kinds.len(), 50);
    assert!(
        kinds
            .iter()
            .all(|k| *k == AuthErrorKind::CredentialsRejected)
    );
    let stats = sandbox.stats();
    assert_eq!(stats.hits(Route::FinicityCreateToken), 1);
    assert_eq!(stats.hits(Route::FinicityListConfigurations), 0);
}

#[tokio::test]
async fn an_unknown_partner_and_a_wrong_app_key_count_as_credential_failures() {
    let sandbox = sandbox().await;
    let time = time();
    let creds = sandbox.credentials();
    let unknown = FinicityClient::with_config(
        fintra::finicity::FinicityCredentials::new(
            "9999999999999",
            SecretString::from(creds.finicity_partner_secret),
            SecretString::from(creds.finicity_app_key),
        ),
        config(sandbox.finicity_url(), &time),
    )
    .unwrap();
    let err = unknown.create_token(None).await.unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::CredentialsRejected);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.code(), Some("12401"));

    let wrong_key = FinicityClient::with_config(
        fintra::finicity::FinicityCredentials::new(
            creds.finicity_partner_id,
            SecretString::from(creds.finicity_partner_secret),
            SecretString::from("not-the-app-key"),
        ),
        config(sandbox.finicity_url(), &time),
    )
    .unwrap();
    let err = wrong_key.create_token(None).await.unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::CredentialsRejected);
    assert_eq!(err.code(), Some("10027"));
    assert_eq!(wrong_key.auth().lockout_status().await.unwrap().failures, 1);
    // A wrong current secret on ModifyPartnerSecret counts as well.
    let (wrong, _time) = finicity_with_secret(&sandbox, WRONG_SECRET);
    let err = wrong
        .modify_partner_secret(SecretString::from("rotated-Secret-2029"), None, None)
        .await
        .unwrap_err();
    assert_eq!(auth_kind(&err), AuthErrorKind::CredentialsRejected);
    // Same partner and host as `wrong_key`: one shared budget (issue 10).
    assert_eq!(wrong.auth().lockout_status().await.unwrap().failures, 2);
    assert_eq!(sandbox.stats().hits(Route::FinicityCreateToken), 2);
    assert_eq!(sandbox.stats().hits(Route::FinicityModifyPartnerSecret), 1);
}

//! A fleet of real OS processes sharing one `redis-server` and one sandbox.
//!
//! The worker processes are this test binary run again with `FINTRA_FLEET_WORKER` set: the
//! `worker` test then builds a Finicity client with the Redis store, fires its calls at an
//! agreed instant, and prints one `FLEET-RESULT {json}` line.

#![allow(clippy::unwrap_used)] // a test may panic on an unexpected result

mod support;

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fintra_core::test_util::VirtualTime;
use fintra_finicity::auth::{FileSecretSource, RedisAdmin, RedisStore};
use fintra_finicity::test_util::RedisServer;
use fintra_finicity::{AuthFailure, FinicityClient, FinicityCredentials, TokenSettings};
use fintra_sandbox::{Fault, FaultKind, Route, Sandbox};
use serde::{Deserialize, Serialize};
use serde_json::Value;

const WORKER_ENV: &str = "FINTRA_FLEET_WORKER";
const RESULT_PREFIX: &str = "FLEET-RESULT ";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Job {
    finicity_url: String,
    redis_url: String,
    partner_id: String,
    secret: String,
    app_key: String,
    /// `calls` or `rotate`.
    mode: String,
    calls: usize,
    /// Unix ms at which every process fires.
    start_at_ms: u64,
    secret_file: Option<String>,
    new_secret: Option<String>,
    /// The backoff after a failed refresh, in ms.
    backoff_ms: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Outcome {
    ok: usize,
    /// Failure name → count.
    failed: BTreeMap<String, usize>,
}

fn failure_name(f: &AuthFailure) -> String {
    match f {
        AuthFailure::CredentialsRejected { .. } => "rejected",
        AuthFailure::BudgetSpent { .. } => "budget_spent",
        AuthFailure::BackingOff { .. } => "backing_off",
        AuthFailure::SecretRotatedElsewhere { .. } => "rotated_elsewhere",
        AuthFailure::StoreUnavailable { .. } => "store_unavailable",
        AuthFailure::AccountLocked { .. } => "locked",
        _ => "other",
    }
    .to_owned()
}

async fn run_job(job: Job) -> Outcome {
    let credentials = FinicityCredentials::new(
        job.partner_id.clone(),
        job.secret.clone().into(),
        job.app_key.clone().into(),
    );
    let store = RedisStore::connect(&job.redis_url, &credentials)
        .await
        .unwrap();
    let mut builder = FinicityClient::builder(credentials)
        .config(support::worker_config(&job.finicity_url))
        .store(Arc::new(store))
        .settings(
            TokenSettings::default().with_failure_backoff(Duration::from_millis(job.backoff_ms)),
        );
    if let Some(file) = &job.secret_file {
        builder = builder.credentials_source(FileSecretSource::new(file));
    }
    let client = builder.build().unwrap();
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    tokio::time::sleep(Duration::from_millis(
        job.start_at_ms.saturating_sub(now_ms),
    ))
    .await;
    let mut outcome = Outcome::default();
    if job.mode == "rotate" {
        let new = job.new_secret.clone().unwrap();
        match client
            .modify_partner_secret(new.into(), Some(true), None)
            .await
        {
            Ok(()) => outcome.ok += 1,
            Err(f) => *outcome.failed.entry(failure_name(&f)).or_default() += 1,
        }
        return outcome;
    }
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..job.calls {
        let client = client.clone();
        tasks.spawn(async move {
            client.access_token().await.map_err(|f| failure_name(&f))?;
            support::list_configurations(&client)
                .await
                .map_err(|e| format!("api: {e}"))
        });
    }
    while let Some(result) = tasks.join_next().await {
        match result.unwrap() {
            Ok(()) => outcome.ok += 1,
            Err(name) => *outcome.failed.entry(name).or_default() += 1,
        }
    }
    outcome
}

/// The worker side: a no-op unless started by [`fleet`].
#[test]
fn worker() {
    let Ok(job) = std::env::var(WORKER_ENV) else {
        return;
    };
    let job: Job = serde_json::from_str(&job).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let outcome = runtime.block_on(run_job(job));
    println!(
        "{RESULT_PREFIX}{}",
        serde_json::to_string(&outcome).unwrap()
    );
}

/// Runs `jobs` as separate OS processes at once and returns their outcomes.
fn fleet(jobs: Vec<Job>) -> Vec<Outcome> {
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = jobs
        .into_iter()
        .map(|job| {
            Command::new(&exe)
                .args(["worker", "--exact", "--nocapture", "--test-threads=1"])
                .env(WORKER_ENV, serde_json::to_string(&job).unwrap())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().unwrap();
            let stdout = String::from_utf8_lossy(&output.stdout);
            let line = stdout
                .lines()
                .find_map(|l| l.split_once(RESULT_PREFIX).map(|(_, json)| json))
                .unwrap_or_else(|| {
                    panic!(
                        "worker failed: {stdout}\n{}",
                        String::from_utf8_lossy(&output.stderr)
                    )
                });
            serde_json::from_str(line).unwrap()
        })
        .collect()
}

fn start_in(delay: Duration) -> u64 {
    (SystemTime::now() + delay)
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn job(sandbox: &Sandbox, redis: &RedisServer, secret: &str, calls: usize) -> Job {
    let creds = sandbox.credentials();
    Job {
        finicity_url: sandbox.finicity_url(),
        redis_url: redis.url(),
        partner_id: creds.finicity_partner_id.to_owned(),
        secret: secret.to_owned(),
        app_key: creds.finicity_app_key.to_owned(),
        mode: "calls".to_owned(),
        calls,
        start_at_ms: start_in(Duration::from_millis(1500)),
        secret_file: None,
        new_secret: None,
        backoff_ms: 1000,
    }
}

fn cli(args: &[&str], sandbox: &Sandbox, redis: &RedisServer) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fintra"))
        .args(args)
        .env(
            "FINICITY_PARTNER_ID",
            sandbox.credentials().finicity_partner_id,
        )
        .env("FINTRA_REDIS_URL", redis.url())
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_cold_processes_with_250_calls_each_make_one_create_token() {
    let redis = RedisServer::start();
    let sandbox = Sandbox::start().await.unwrap();
    let secret = sandbox.credentials().finicity_partner_secret;
    let jobs = (0..4).map(|_| job(&sandbox, &redis, secret, 250)).collect();
    let outcomes = tokio::task::spawn_blocking(move || fleet(jobs))
        .await
        .unwrap();
    for outcome in &outcomes {
        assert_eq!(outcome.ok, 250, "{outcome:?}");
    }
    let stats = sandbox.stats();
    assert_eq!(stats.hits(Route::FinicityCreateToken), 1);
    assert_eq!(stats.hits(Route::FinicityListConfigurations), 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_fleet_stays_within_the_budget_and_recovers_after_the_cli_reset() {
    let redis = RedisServer::start();
    let sandbox = Sandbox::start().await.unwrap();
    // Waves of 4 processes × 50 concurrent calls, each wave past the (50 ms) backoff of
    // the last failure, until the fleet reports the budget spent.
    let mut spent = false;
    for _wave in 0..8 {
        let jobs = (0..4)
            .map(|_| {
                let mut j = job(&sandbox, &redis, "wrong-Secret-1234", 50);
                j.backoff_ms = 50;
                j
            })
            .collect();
        let outcomes = tokio::task::spawn_blocking(move || fleet(jobs))
            .await
            .unwrap();
        for outcome in &outcomes {
            assert_eq!(outcome.ok, 0, "{outcome:?}");
            assert_eq!(outcome.failed.values().sum::<usize>(), 50, "{outcome:?}");
        }
        let tokens = sandbox.stats().hits(Route::FinicityCreateToken);
        assert!((1..=3).contains(&tokens), "{tokens} CreateTokens");
        spent = outcomes
            .iter()
            .all(|o| o.failed.get("budget_spent") == Some(&50));
        if spent {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(spent, "the budget was never reported spent");
    let before_reset = sandbox.stats().hits(Route::FinicityCreateToken);
    assert_eq!(before_reset, 3);

    let status = cli(
        &["finicity", "lockout", "status", "--json"],
        &sandbox,
        &redis,
    );
    let status: Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["failures"].as_u64(), Some(before_reset));
    assert!(
        cli(&["finicity", "lockout", "reset"], &sandbox, &redis)
            .status
            .success()
    );

    // The corrected secret: every call of every process succeeds, one more CreateToken.
    let secret = sandbox.credentials().finicity_partner_secret;
    let jobs = (0..4).map(|_| job(&sandbox, &redis, secret, 50)).collect();
    let outcomes = tokio::task::spawn_blocking(move || fleet(jobs))
        .await
        .unwrap();
    for outcome in &outcomes {
        assert_eq!(outcome.ok, 50, "{outcome:?}");
    }
    assert_eq!(
        sandbox.stats().hits(Route::FinicityCreateToken),
        before_reset + 1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_in_one_process_stops_the_old_secret_in_the_others() {
    const NEW: &str = "rotated-Secret-2031";
    let redis = RedisServer::start();
    let sandbox = Sandbox::start().await.unwrap();
    let old = sandbox.credentials().finicity_partner_secret;
    let dir = std::env::temp_dir().join(format!("fintra-fleet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("secret");
    std::fs::write(&file, old).unwrap();

    let mut rotate = job(&sandbox, &redis, old, 0);
    rotate.mode = "rotate".to_owned();
    rotate.new_secret = Some(NEW.to_owned());
    rotate.start_at_ms = 0;
    let outcomes = tokio::task::spawn_blocking(move || fleet(vec![rotate]))
        .await
        .unwrap();
    assert_eq!(outcomes[0].ok, 1, "{:?}", outcomes[0]);
    assert_eq!(sandbox.stats().hits(Route::FinicityModifyPartnerSecret), 1);

    // Processes still configured with the old secret (and a source that has it too) send
    // nothing with it and spend no budget.
    let with_old = |calls| {
        let mut j = job(&sandbox, &redis, old, calls);
        j.secret_file = Some(file.display().to_string());
        j
    };
    let jobs = (0..3).map(|_| with_old(20)).collect();
    let outcomes = tokio::task::spawn_blocking(move || fleet(jobs))
        .await
        .unwrap();
    for outcome in &outcomes {
        assert_eq!(
            outcome.failed.get("rotated_elsewhere"),
            Some(&20),
            "{outcome:?}"
        );
    }
    assert_eq!(sandbox.stats().hits(Route::FinicityCreateToken), 0);
    let admin = RedisAdmin::connect(&redis.url(), sandbox.credentials().finicity_partner_id)
        .await
        .unwrap();
    assert_eq!(admin.budget().await.unwrap().used(), 0);

    // Once the secret source has the new secret, they reload it and carry on.
    std::fs::write(&file, format!("{NEW}\n")).unwrap();
    let jobs = (0..3).map(|_| with_old(20)).collect();
    let outcomes = tokio::task::spawn_blocking(move || fleet(jobs))
        .await
        .unwrap();
    for outcome in &outcomes {
        assert_eq!(outcome.ok, 20, "{outcome:?}");
    }
    assert_eq!(sandbox.stats().hits(Route::FinicityCreateToken), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_call_in_the_refresh_window_waits_for_a_slow_create_token() {
    let redis = RedisServer::start();
    let sandbox = Sandbox::start().await.unwrap();
    let time = Arc::new(VirtualTime::default());
    let client = support::sandbox_client_on_redis(&sandbox, &redis.url(), &time)
        .await
        .unwrap();
    let list = || async {
        let start = Instant::now();
        support::list_configurations(&client).await.unwrap();
        start.elapsed()
    };
    list().await;
    assert_eq!(sandbox.stats().hits(Route::FinicityCreateToken), 1);

    // Every CreateToken now takes 200 ms. Enter the refresh window (75 to 90 minutes).
    sandbox.inject(Fault::new(
        "/finicity/aggregation",
        FaultKind::Delay(Duration::from_millis(200)),
    ));
    time.advance(Duration::from_secs(76 * 60));
    let mut slowest = Duration::ZERO;
    let started = Instant::now();
    while sandbox.stats().hits(Route::FinicityCreateToken) < 2
        || started.elapsed() < Duration::from_millis(400)
    {
        slowest = slowest.max(list().await);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no refresh happened"
        );
    }
    assert!(
        slowest < Duration::from_millis(150),
        "a call waited {slowest:?} in the refresh window"
    );
    assert_eq!(sandbox.stats().hits(Route::FinicityCreateToken), 2);
    // The new token is in use and a generation newer.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(client.access_token().await.unwrap().generation(), 2);
}

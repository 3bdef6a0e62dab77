//! The examples as a user runs them: real processes, configured only through environment
//! variables, against the real in-process sandbox. (`tests/readmes.rs` keeps the README's
//! program identical to `examples/all_providers.rs`.)
//!
//! Each example binary is built with `cargo build --example` (a no-op when `cargo test` has
//! just built it) and started with a cleared environment plus the variables under test.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fintra_sandbox::{Route, Sandbox};

/// The workspace root.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whether `name` is one of the variables cargo sets for this test run (they would make the
/// nested build differ from the one `cargo test` did, and rebuild build scripts that watch
/// them).
fn set_by_cargo_for_this_test(name: &str) -> bool {
    [
        "CARGO_MANIFEST_",
        "CARGO_PKG_",
        "CARGO_BIN_",
        "CARGO_CRATE_",
    ]
    .iter()
    .any(|prefix| name.starts_with(prefix))
        || [
            "CARGO_PRIMARY_PACKAGE",
            "CARGO_TARGET_TMPDIR",
            "CARGO_RUSTC_CURRENT_DIR",
            "OUT_DIR",
        ]
        .contains(&name)
}

/// Builds `example` of `package` and returns the path of its executable.
fn example_binary(package: &str, example: &str) -> PathBuf {
    let mut build = Command::new(env!("CARGO"));
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(set_by_cargo_for_this_test) {
            build.env_remove(name);
        }
    }
    let out = build
        .args(["build", "--quiet", "--message-format=json", "-p", package])
        .args(["--example", example, "--manifest-path"])
        .arg(workspace().join("Cargo.toml"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "building example {example} of {package} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|msg| msg["reason"] == "compiler-artifact" && msg["target"]["name"] == example)
        .find_map(|msg| msg["executable"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| panic!("cargo reported no executable for example {example}"))
}

/// Runs `binary` with only `PATH` and `vars` in its environment (on a blocking thread, so
/// the sandbox keeps serving).
async fn run(binary: PathBuf, vars: &[(&str, String)]) -> Output {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(&binary);
        command.env_clear().envs(vars);
        if let Some(path) = std::env::var_os("PATH") {
            command.env("PATH", path);
        }
        command.output().unwrap()
    })
    .await
    .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts a missing-configuration exit: status 2, nothing on stdout, and every variable of
/// `names` on stderr.
fn assert_missing_configuration(out: &Output, names: &[&str]) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        stderr.starts_with("error: missing configuration: set "),
        "{stderr}"
    );
    for name in names {
        assert!(stderr.contains(name), "{name} not named in: {stderr}");
    }
    assert_eq!(text(&out.stdout), "");
}

/// Asserts success and returns stdout, after checking that no secret of the sandbox appears.
fn assert_success(out: &Output) -> String {
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "status {:?}\nstdout: {stdout}\nstderr: {}",
        out.status,
        text(&out.stderr)
    );
    let creds = fintra_sandbox::SandboxCredentials::DEMO;
    for secret in [
        creds.finicity_partner_secret,
        creds.finicity_app_key,
        creds.snaptrade_consumer_key,
        creds.app_portal_token,
    ] {
        assert!(!stdout.contains(secret), "secret printed: {stdout}");
    }
    stdout
}

fn finicity_vars(sandbox: &Sandbox) -> Vec<(&'static str, String)> {
    let creds = sandbox.credentials();
    vec![
        ("FINICITY_PARTNER_ID", creds.finicity_partner_id.to_owned()),
        (
            "FINICITY_PARTNER_SECRET",
            creds.finicity_partner_secret.to_owned(),
        ),
        ("FINICITY_APP_KEY", creds.finicity_app_key.to_owned()),
        ("FINTRA_FINICITY_BASE_URL", sandbox.finicity_url()),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn all_providers_example_calls_every_provider_of_the_sandbox() {
    let binary = example_binary("fintra", "all_providers");
    let sandbox = Sandbox::start().await.unwrap();
    let out = run(
        binary,
        &[
            ("FINTRA_FINICITY_BASE_URL", sandbox.finicity_url()),
            ("FINTRA_APP_PORTAL_BASE_URL", sandbox.app_portal_url()),
            ("FINTRA_SNAPTRADE_BASE_URL", sandbox.snaptrade_url()),
        ],
    )
    .await;
    let stdout = assert_success(&out);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{stdout}");
    // The sandbox's tokens live 2 h; the client refreshes after 90 min.
    assert!(
        lines[0] == "Finicity: token issued, refreshed in 89 min"
            || lines[0] == "Finicity: token issued, refreshed in 90 min",
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("Finicity Connect Components: configuration Some(\""),
        "{stdout}"
    );
    assert!(lines[2].starts_with("App portal: magic link issued AppPortalAccessOut"));
    assert!(lines[2].contains("[REDACTED]"), "{stdout}");
    assert!(lines[3].starts_with("SnapTrade: registered readme-user "));
    assert!(lines[3].contains("[REDACTED]"), "{stdout}");
    assert!(lines[4].ends_with(" readme-user"), "{stdout}");

    let stats = sandbox.stats();
    assert_eq!(stats.hits(Route::FinicityCreateToken), 1);
    assert_eq!(stats.hits(Route::FinicityCreateConfiguration), 1);
    assert_eq!(stats.hits(Route::AppPortalAccess), 1);
    assert_eq!(stats.hits(Route::SnapTradeRegisterUser), 1);
    assert_eq!(stats.hits(Route::SnapTradeDeleteUser), 1);
    assert_eq!(stats.total(), 5);
    sandbox.shutdown().await;
}

/// A loopback URL where nothing listens.
fn closed_port_url(path: &str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}{path}")
}

#[tokio::test(flavor = "multi_thread")]
async fn all_providers_example_prints_the_error_and_its_causes() {
    let binary = example_binary("fintra", "all_providers");
    let out = run(
        binary.clone(),
        &[("FINTRA_FINICITY_BASE_URL", closed_port_url("/finicity"))],
    )
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(text(&out.stdout), "");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    // The OS's reason, from the end of the source chain.
    assert!(stderr.contains("Connection refused"), "{stderr}");

    // The first three providers succeed, then SnapTrade's base URL is rejected.
    let sandbox = Sandbox::start().await.unwrap();
    let out = run(
        binary,
        &[
            ("FINTRA_FINICITY_BASE_URL", sandbox.finicity_url()),
            ("FINTRA_APP_PORTAL_BASE_URL", sandbox.app_portal_url()),
            ("FINTRA_SNAPTRADE_BASE_URL", "not a url".to_owned()),
        ],
    )
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(text(&out.stdout).lines().count(), 3);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains("base URL"), "{stderr}");
    assert_eq!(sandbox.stats().total(), 3);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn finicity_create_token_example() {
    let binary = example_binary("fintra-finicity", "create_token");
    let names = [
        "FINICITY_PARTNER_ID",
        "FINICITY_PARTNER_SECRET",
        "FINICITY_APP_KEY",
        "FINTRA_FINICITY_BASE_URL",
    ];
    assert_missing_configuration(&run(binary.clone(), &[]).await, &names);
    let sandbox = Sandbox::start().await.unwrap();
    let mut partial = finicity_vars(&sandbox);
    partial.retain(|(name, _)| *name != "FINICITY_APP_KEY");
    assert_missing_configuration(&run(binary.clone(), &partial).await, &names);
    assert_eq!(sandbox.stats().total(), 0);

    let stdout = assert_success(&run(binary, &finicity_vars(&sandbox)).await);
    assert!(
        stdout.starts_with(&format!("Finicity at {}\n", sandbox.finicity_url())),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "Got a token for partner 1234583871234 (generation 1); it will be refreshed in 90 min"
        ),
        "{stdout}"
    );
    assert_eq!(sandbox.stats().hits(Route::FinicityCreateToken), 1);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn connect_components_login_form_example() {
    let binary = example_binary("fintra-connect-components", "login_form");
    let names = [
        "FINICITY_PARTNER_ID",
        "FINICITY_PARTNER_SECRET",
        "FINICITY_APP_KEY",
        "FINICITY_CUSTOMER_ID",
        "FINICITY_INSTITUTION_ID",
        "FINTRA_FINICITY_BASE_URL",
    ];
    let sandbox = Sandbox::start().await.unwrap();
    // The credentials alone are not enough.
    let credentials_only = finicity_vars(&sandbox);
    assert_missing_configuration(&run(binary.clone(), &credentials_only).await, &names);

    let mut vars = credentials_only;
    vars.push(("FINICITY_CUSTOMER_ID", "1005061234".to_owned()));
    vars.push(("FINICITY_INSTITUTION_ID", "170716".to_owned()));
    let stdout = assert_success(&run(binary, &vars).await);
    assert!(stdout.starts_with("login form "), "{stdout}");
    assert!(stdout.contains("\n  field  1: "), "{stdout}");
    let stats = sandbox.stats();
    assert_eq!(stats.hits(Route::FinicityCreateToken), 1);
    assert_eq!(stats.hits(Route::FinicityCreateLoginForm), 1);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn app_portal_link_example() {
    let binary = example_binary("fintra-app-portal", "app_portal_link");
    let names = [
        "SVIX_AUTH_TOKEN",
        "SVIX_APP_ID",
        "FINTRA_APP_PORTAL_BASE_URL",
    ];
    let sandbox = Sandbox::start().await.unwrap();
    let token = (
        "SVIX_AUTH_TOKEN",
        sandbox.credentials().app_portal_token.to_owned(),
    );
    assert_missing_configuration(
        &run(binary.clone(), std::slice::from_ref(&token)).await,
        &names,
    );

    // A base URL that is not a URL: the client cannot be built. One line of Display (not
    // `Config("…")`), status 1, no request. (A token without a region suffix and no base URL
    // falls back to https://api.svix.com, as the official clients do, so it is not tried here.)
    let no_base_url = [
        token.clone(),
        ("SVIX_APP_ID", "app_example".to_owned()),
        ("FINTRA_APP_PORTAL_BASE_URL", "not a url".to_owned()),
    ];
    let out = run(binary.clone(), &no_base_url).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: configuration error: "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(sandbox.stats().total(), 0);

    let vars = [
        token,
        ("SVIX_APP_ID", "app_example".to_owned()),
        ("FINTRA_APP_PORTAL_BASE_URL", sandbox.app_portal_url()),
    ];
    let stdout = assert_success(&run(binary, &vars).await);
    assert!(
        stdout.starts_with(&format!("app portal at {}\n", sandbox.app_portal_url())),
        "{stdout}"
    );
    assert!(
        stdout.contains("magic link for app_example: http"),
        "{stdout}"
    );
    assert_eq!(sandbox.stats().hits(Route::AppPortalAccess), 1);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn snaptrade_login_example() {
    let binary = example_binary("fintra-snaptrade", "snaptrade_login");
    let names = [
        "SNAPTRADE_CLIENT_ID",
        "SNAPTRADE_CONSUMER_KEY",
        "FINTRA_SNAPTRADE_BASE_URL",
    ];
    assert_missing_configuration(&run(binary.clone(), &[]).await, &names);

    let sandbox = Sandbox::start().await.unwrap();
    let creds = sandbox.credentials();
    let vars = [
        ("SNAPTRADE_CLIENT_ID", creds.snaptrade_client_id.to_owned()),
        (
            "SNAPTRADE_CONSUMER_KEY",
            creds.snaptrade_consumer_key.to_owned(),
        ),
        ("FINTRA_SNAPTRADE_BASE_URL", sandbox.snaptrade_url()),
    ];
    let stdout = assert_success(&run(binary, &vars).await);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!("SnapTrade at {}", sandbox.snaptrade_url())
    );
    assert!(
        lines[1].starts_with("registered fintra-example-"),
        "{stdout}"
    );
    assert!(lines[2].starts_with("portal: http"), "{stdout}");
    assert_eq!(lines[3], "delete: deleted", "{stdout}");
    let stats = sandbox.stats();
    assert_eq!(stats.hits(Route::SnapTradeRegisterUser), 1);
    assert_eq!(stats.hits(Route::SnapTradeLogin), 1);
    assert_eq!(stats.hits(Route::SnapTradeDeleteUser), 1);
    sandbox.shutdown().await;
}

/// The quickstart demo (issue 12): the current Svix operations, SnapTrade `resetUserSecret`
/// (announced, never printed) and one verified webhook of each kind, all in one process.
#[tokio::test(flavor = "multi_thread")]
async fn quickstart_demo_shows_the_current_operations_and_verified_webhooks() {
    let binary = example_binary("fintra", "quickstart");
    let stdout = assert_success(&run(binary, &[]).await);
    let line = |operation: &str| {
        stdout
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("✓ {operation} ")))
            .unwrap_or_else(|| panic!("no `{operation}` line in:\n{stdout}"))
            .to_owned()
    };
    assert!(line("whoami").contains("RegionalAuthToken, environment org_"));
    assert!(line("stream-portal-access").contains("stream magic link issued"));
    assert!(line("poller token rotate").contains("(old one revoked at once)"));
    assert!(line("one-time-token exchange").contains("exchanged once"));
    let reset = line("resetUserSecret");
    assert!(
        reset.contains("SAVE IT NOW") && reset.contains("[REDACTED]"),
        "{reset}"
    );
    assert!(
        line("login after the reset").ends_with("old secret refused (403), new secret accepted")
    );
    assert!(line("valid svix webhook").ends_with("verified: event type invoice.paid"));
    assert!(line("valid snaptrade webhook").ends_with("verified: event type USER_REGISTERED"));
    assert!(line("tampered svix webhook").ends_with("rejected: InvalidSignature"));
}

//! The fintra demo: starts the local sandbox in-process and runs every operation of every
//! provider through the public API, printing a short report. No network, no credentials.
//!
//! ```sh
//! cargo run --example quickstart
//! ```

use std::time::{Duration, SystemTime};

use fintra::app_portal::{AppPortalAccessIn, AppPortalClient, ApplicationTokenExpireIn};
use fintra::connect_components::models::{
    CreateConfiguration, Language, LoginFormRequest, OauthUrlRequest, ServiceAgreement,
};
use fintra::connect_components::{ConnectComponentsClient, ReconnectionOutcome};
use fintra::core::secret::{ExposeSecret, SecretString};
use fintra::core::{Client, ClientBuilder, Jitter, RetryPolicy};
use fintra::finicity::{FinicityClient, FinicityCredentials};
use fintra::snaptrade::{self, LoginRequest, LoginResponse, RegisterUserRequest, SnapTradeClient};
use fintra_sandbox::{
    FINICITY_MFA_INSTITUTION_LOGIN_ID, Fault, FaultKind, Provider, Route, Sandbox,
};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Prints one report line.
fn line(operation: &str, outcome: impl std::fmt::Display) {
    println!("  ✓ {operation:<34} {outcome}");
}

/// A core builder for a sandbox base URL: quick, deterministic retries for the demo.
fn config(base_url: String) -> ClientBuilder {
    Client::builder().base_url(base_url).retry(
        RetryPolicy::default()
            .with_max_attempts(3)
            .with_initial_backoff(Duration::from_millis(20))
            .with_jitter(Jitter::None),
    )
}

#[tokio::main]
async fn main() -> Result {
    let sandbox = Sandbox::start().await?;
    let creds = sandbox.credentials();
    println!(
        "fintra quickstart: local sandbox at {} (no network, no real credentials)\n",
        sandbox.base_url()
    );

    finicity(&sandbox, &creds).await?;
    app_portal(&sandbox, &creds).await?;
    snaptrade(&sandbox, &creds).await?;
    app_portal_current(&sandbox, &creds).await?;
    snaptrade_current(&sandbox, &creds).await?;
    webhooks(&sandbox, &creds).await?;

    let stats = sandbox.stats();
    println!(
        "\n{} requests served; {} injected faults absorbed by retries; {} CreateToken calls \
         (the explicit one above, and one shared token for all 8 Connect Components calls).",
        stats.total(),
        stats.faults_injected(),
        stats.hits(Route::FinicityCreateToken)
    );
    sandbox.shutdown().await;
    Ok(())
}

async fn finicity(sandbox: &Sandbox, creds: &fintra_sandbox::SandboxCredentials) -> Result {
    println!("Finicity — Authentication");
    let credentials = FinicityCredentials::new(
        creds.finicity_partner_id,
        SecretString::from(creds.finicity_partner_secret),
        SecretString::from(creds.finicity_app_key),
    );
    println!("    credentials: {credentials:?}");
    let finicity = FinicityClient::with_config(credentials, config(sandbox.finicity_url()))?;

    let token = finicity.create_token(None).await?;
    line(
        "CreateToken",
        format!(
            "token issued ({} characters, Debug: {:?})",
            token.token.expose_secret().len(),
            token.token
        ),
    );
    finicity
        .modify_partner_secret(SecretString::from("rotated-Secret-2026"), Some(true), None)
        .await?;
    line(
        "ModifyPartnerSecret",
        "204: the client now authenticates with the new secret",
    );

    println!("Finicity — Data Connect Components");
    let components = ConnectComponentsClient::new(&finicity);
    let created = components
        .create_configuration(&CreateConfiguration::new(), None)
        .await?;
    let id = created.id.clone().unwrap_or_default();
    line("create configuration", format!("id {id}"));
    // The next list call meets a 503 first: it is a GET, so core retries it.
    sandbox.inject(Fault::new(Provider::Finicity, FaultKind::Status(503)).times(1));
    let all = components.list_configurations(None).await?;
    line(
        "list configurations",
        format!(
            "{} configuration(s), after retrying an injected 503",
            all.len()
        ),
    );
    let got = components.get_configuration(&id, None).await?;
    line(
        "get configuration",
        format!("id {}", got.id.unwrap_or_default()),
    );

    let agreement = ServiceAgreement::accepted_at(Language::En, SystemTime::now());
    let form = components
        .create_login_form(
            101_732,
            &LoginFormRequest::new(Language::En, "1005061234", agreement.clone()),
            None,
        )
        .await?;
    line(
        "create login form",
        format!("{} fields, form {}", form.elements.len(), form.id),
    );
    let oauth = components
        .create_oauth_url(
            102_105,
            &OauthUrlRequest::new("https://example.com/callback", "1005061234", agreement),
            None,
        )
        .await?;
    line(
        "create OAuth URL",
        format!("{} …", truncate(&oauth.url, 48)),
    );
    match components
        .initiate_reconnection("1005061234", 1_007_302_745, None)
        .await?
    {
        ReconnectionOutcome::LoginForm(form) => line(
            "initiate reconnection",
            format!("201 login form with {} fields", form.elements.len()),
        ),
        other => line("initiate reconnection", format!("{other:?}")),
    }
    match components
        .initiate_reconnection("1005061234", FINICITY_MFA_INSTITUTION_LOGIN_ID, None)
        .await?
    {
        ReconnectionOutcome::MfaChallenges(sets) => {
            let prompts: Vec<_> = sets
                .iter()
                .flat_map(|s| s.mfa_challenges.iter().map(|c| c.prompt.as_str()))
                .collect();
            line(
                "initiate reconnection (MFA login)",
                format!("203 MFA: {}", prompts.join(" / ")),
            );
        }
        other => line("initiate reconnection (MFA login)", format!("{other:?}")),
    }
    components.delete_configuration(&id, None).await?;
    line("delete configuration", "204");
    Ok(())
}

async fn app_portal(sandbox: &Sandbox, creds: &fintra_sandbox::SandboxCredentials) -> Result {
    println!("App portal — Authentication");
    let org = AppPortalClient::with_config(
        SecretString::from(creds.app_portal_token),
        config(sandbox.app_portal_url()),
    )?;
    let app_id = "app_1srOrx2ZWZBpBUvZwXKQmoEYga2";
    let access = org
        .app_portal_access(app_id, &AppPortalAccessIn::new(), None)
        .await?;
    line(
        "app-portal-access",
        format!("magic link issued (Debug: {access:?})"),
    );
    #[allow(deprecated)]
    let dashboard = org.dashboard_access(app_id, None).await?;
    line(
        "dashboard-access (deprecated)",
        format!(
            "token issued ({} characters)",
            dashboard.token.expose_secret().len()
        ),
    );
    // Logging out ends the session of the app-portal token itself.
    let portal =
        AppPortalClient::with_config(access.token.clone(), config(sandbox.app_portal_url()))?;
    portal.logout(None).await?;
    line("logout", "204 with the portal token");
    org.expire_all(app_id, &ApplicationTokenExpireIn::new(), None)
        .await?;
    line("expire-all", "204: every portal token of the app revoked");
    Ok(())
}

async fn snaptrade(sandbox: &Sandbox, creds: &fintra_sandbox::SandboxCredentials) -> Result {
    println!("SnapTrade — Authentication (every request HMAC-signed)");
    let client = SnapTradeClient::with_config(
        snaptrade::SnapTradeCredentials::new(
            creds.snaptrade_client_id,
            SecretString::from(creds.snaptrade_consumer_key),
        ),
        config(sandbox.snaptrade_url()),
    )?;
    let user = client
        .register_user(&RegisterUserRequest::new("quickstart-user"), None)
        .await?;
    line(
        "registerUser",
        format!("{} (secret {:?})", user.user_id, user.user_secret),
    );
    let login = client
        .login(
            &user.user_id,
            &user.user_secret,
            Some(&LoginRequest::new()),
            None,
        )
        .await?;
    match login {
        LoginResponse::Redirect(redirect) => line(
            "login",
            format!(
                "redirect link issued, session {}",
                redirect.session_id.unwrap_or_default()
            ),
        ),
        other => line("login", format!("{other:?}")),
    }
    // A 429 with Retry-After: 1 first; listUsers is a GET, so it waits and retries.
    sandbox.inject(
        Fault::new(
            Provider::SnapTrade,
            FaultKind::TooManyRequests {
                retry_after_secs: 1,
            },
        )
        .times(1),
    );
    let users = client.list_users(None).await?;
    line(
        "listUsers",
        format!("{:?}, after honouring Retry-After: 1 and re-signing", users),
    );
    #[allow(deprecated)] // removed upstream 2024-07-16; the sandbox still serves it
    let jwt = client
        .encrypted_jwt(&user.user_id, &user.user_secret, None)
        .await?;
    line(
        "encryptedJWT",
        format!(
            "encrypted shared key of {} characters",
            jwt.encrypted_shared_key.len()
        ),
    );
    let deleted = client.delete_user(&user.user_id, None).await?;
    line(
        "deleteUser",
        format!("{}: {}", deleted.status, deleted.detail.unwrap_or_default()),
    );
    Ok(())
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

// ------------------------------------------------------------------ current provider APIs

/// The Svix Authentication operations added since 2023: whoami, stream portal access, a
/// poller-token rotation and the one-time-token exchange.
async fn app_portal_current(
    sandbox: &Sandbox,
    creds: &fintra_sandbox::SandboxCredentials,
) -> Result {
    use fintra::app_portal::{OneTimeTokenIn, RotatePollerTokenIn, StreamPortalAccessIn};

    println!("App portal — current Authentication operations");
    let org = AppPortalClient::with_config(
        SecretString::from(creds.app_portal_token),
        config(sandbox.app_portal_url()),
    )?;
    let me = org.whoami(None).await?;
    line(
        "whoami",
        format!(
            "{:?}, environment {}",
            me.permission_source,
            me.env_id.unwrap_or_default()
        ),
    );
    let stream = org
        .stream_portal_access(
            "strm_2yZwUhtgs5Ai8T9yRQJXA",
            &StreamPortalAccessIn::new().session_id("user_1"),
            None,
        )
        .await?;
    line(
        "stream-portal-access",
        format!(
            "stream magic link issued ({} characters)",
            stream.url.expose_secret().len()
        ),
    );
    let app_id = "app_1srOrx2ZWZBpBUvZwXKQmoEYga2";
    let endpoint_id = "ep_1srOrx2ZWZBpBUvZwXKQmoEYga2";
    let first = org.get_poller_token(app_id, endpoint_id, None).await?;
    let rotated = org
        .rotate_poller_token(
            app_id,
            endpoint_id,
            &RotatePollerTokenIn::new().old_token_expiry(0),
            None,
        )
        .await?;
    line(
        "poller token rotate",
        format!(
            "{} replaced {} (old one revoked at once)",
            rotated.id, first.id
        ),
    );
    // The portal link carries a one-time token in its `#key=` fragment (base64url JSON).
    let access = org
        .app_portal_access(app_id, &AppPortalAccessIn::new(), None)
        .await?;
    let one_time = one_time_token(access.url.expose_secret())?;
    let exchanged = org
        .exchange_one_time_token(&OneTimeTokenIn::new(one_time), None)
        .await?;
    line(
        "one-time-token exchange",
        format!(
            "the link's token exchanged once: portal token with {} capabilities",
            exchanged.capabilities.len()
        ),
    );
    Ok(())
}

/// The one-time token of a sandbox portal link (`…#key=<base64url JSON>`).
fn one_time_token(url: &str) -> Result<SecretString> {
    use base64::Engine as _;
    let key = url.split_once("#key=").ok_or("the link has no #key=")?.1;
    let json: serde_json::Value =
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(key)?)?;
    let token = json["oneTimeToken"]
        .as_str()
        .ok_or("the link's key has no oneTimeToken")?;
    Ok(SecretString::from(token))
}

/// SnapTrade at its current root URL, and `resetUserSecret`.
async fn snaptrade_current(
    sandbox: &Sandbox,
    creds: &fintra_sandbox::SandboxCredentials,
) -> Result {
    println!("SnapTrade — current API root and resetUserSecret");
    let client = SnapTradeClient::with_config(
        snaptrade::SnapTradeCredentials::new(
            creds.snaptrade_client_id,
            SecretString::from(creds.snaptrade_consumer_key),
        ),
        config(sandbox.snaptrade_root_url()),
    )?;
    let user = client
        .register_user(&RegisterUserRequest::new("quickstart-rotating-user"), None)
        .await?;
    let rotated = client
        .reset_user_secret(&user.user_id, &user.user_secret, None)
        .await?;
    line(
        "resetUserSecret",
        format!(
            "new secret issued ({:?}): SAVE IT NOW, before anything else",
            rotated.user_secret
        ),
    );
    // The old secret stops working at once.
    let old = match client
        .login(&user.user_id, &user.user_secret, None, None)
        .await
    {
        Ok(_) => "accepted".to_owned(),
        Err(e) => format!("refused ({})", e.status().map_or(0, |s| s.as_u16())),
    };
    client
        .login(&rotated.user_id, &rotated.user_secret, None, None)
        .await?;
    line(
        "login after the reset",
        format!("old secret {old}, new secret accepted"),
    );
    client.delete_user(&user.user_id, None).await?;
    Ok(())
}

// ------------------------------------------------------------------ webhooks

/// One webhook of each kind, signed and sent by the sandbox to a receiver in this process,
/// verified with the crates' verifiers.
async fn webhooks(sandbox: &Sandbox, creds: &fintra_sandbox::SandboxCredentials) -> Result {
    use fintra::app_portal::webhook::Webhook;
    use fintra::snaptrade::webhook::WebhookVerifier;

    println!("Webhooks — sent by the sandbox, verified by a receiver in this process");
    let receiver = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hooks", receiver.local_addr()?);
    let svix = Webhook::new(creds.svix_webhook_secret)?;
    let snaptrade = WebhookVerifier::new(&SecretString::from(creds.snaptrade_consumer_key));

    for (style, variant) in [
        ("svix", "valid"),
        ("snaptrade", "valid"),
        ("svix", "tampered"),
    ] {
        let request = serde_json::json!({ "url": url, "style": style, "variant": variant });
        let (_sent, (headers, body)) = tokio::try_join!(
            control_post(sandbox, "/_sandbox/webhooks", &request),
            receive_one(&receiver),
        )?;
        let outcome = if style == "svix" {
            svix.verify(&body, &headers)
                .map(|event| {
                    let kind = event.get("type").and_then(|t| t.as_str());
                    format!("event type {}", kind.unwrap_or("?"))
                })
                .map_err(|e| format!("{e:?}"))
        } else {
            snaptrade
                .verify(&body, &headers)
                .map(|event| format!("event type {}", event.event_type.as_str()))
                .map_err(|e| format!("{e:?}"))
        };
        let label = format!("{variant} {style} webhook");
        match outcome {
            Ok(event) => line(&label, format!("verified: {event}")),
            Err(why) => line(&label, format!("rejected: {why}")),
        }
    }
    Ok(())
}

/// Accepts one connection on `listener`, reads one HTTP/1.1 request and answers `204`.
async fn receive_one(
    listener: &tokio::net::TcpListener,
) -> std::result::Result<(http::HeaderMap, bytes::Bytes), Box<dyn std::error::Error>> {
    use http_body_util::BodyExt;

    let (stream, _) = listener.accept().await?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let tx = std::sync::Mutex::new(Some(tx));
    let service = hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
        let tx = tx.lock().ok().and_then(|mut t| t.take());
        async move {
            let (parts, body) = req.into_parts();
            let body = body.collect().await?.to_bytes();
            if let Some(tx) = tx {
                let _ = tx.send((parts.headers, body));
            }
            let mut answer = http::Response::new(http_body_util::Full::new(bytes::Bytes::new()));
            *answer.status_mut() = http::StatusCode::NO_CONTENT;
            Ok::<_, hyper::Error>(answer)
        }
    });
    hyper::server::conn::http1::Builder::new()
        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
        .await?;
    Ok(rx.await?)
}

/// POSTs JSON to a control endpoint of the sandbox and returns its JSON answer.
async fn control_post(
    sandbox: &Sandbox,
    path: &str,
    body: &serde_json::Value,
) -> std::result::Result<serde_json::Value, Box<dyn std::error::Error>> {
    use fintra::core::{ReqwestTransport, Transport};

    let request = http::Request::post(format!("{}{path}", sandbox.base_url()))
        .header("content-type", "application/json")
        .body(bytes::Bytes::from(body.to_string()))?;
    let response = ReqwestTransport::default_client()?
        .send(request, 1 << 20)
        .await?;
    let answer: serde_json::Value = serde_json::from_slice(response.body())?;
    if !response.status().is_success() {
        return Err(format!("{path}: {} {answer}", response.status()).into());
    }
    Ok(answer)
}

//! `fintra-snaptrade` against `snaptrade-authentication.json` (the five Authentication
//! operations of SnapTrade's current `api.yaml`). `encryptedJWT` is not in it (removed upstream
//! on 2024-07-16); its contract stays with the crate's own tests.

use std::sync::Arc;

use fintra_contract_tests::Spec;
use fintra_core::Error;
use fintra_core::secret::{ExposeSecret, SecretString};
use fintra_snaptrade::{
    ConnectionPortalVersion, ConnectionType, LoginRequest, LoginResponse, RegisterUserRequest,
    SnapTradeClient, SnapTradeCredentials, SnapTradeError,
};
use serde_json::{Value, json};

use crate::harness::{Canned, OpCase, Provider, builder, run};

const USER_ID: &str = "snaptrade-user-123";

fn client(transport: Arc<Canned>) -> SnapTradeClient {
    SnapTradeClient::with_config(
        SnapTradeCredentials::new("PASSIVTEST", SecretString::from("contract-consumer-key")),
        builder(transport),
    )
    .expect("valid SnapTrade client")
}

fn secret() -> SecretString {
    SecretString::from("adf2aa34-8219-40f7-a6b3-60156985cc61")
}

/// `{default_code, default_detail}` (4xx) or `{code, detail, status_code}` (500): code and
/// detail equal the example's.
fn check_error(err: &Error, example: &Value) -> Result<(), String> {
    let st = err.provider::<SnapTradeError>().ok_or("not an API error")?;
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let code = text(example.get("default_code").or_else(|| example.get("code")));
    let detail = text(
        example
            .get("default_detail")
            .or_else(|| example.get("detail")),
    );
    if st.code == code && st.detail == detail && err.code() == code.as_deref() {
        Ok(())
    } else {
        Err(format!("SnapTradeError {st:?} differs from {example}"))
    }
}

fn user(u: &fintra_snaptrade::UserIdAndSecret) -> Value {
    json!({"userId": u.user_id, "userSecret": u.user_secret.expose_secret()})
}

fn login(out: &LoginResponse) -> Value {
    match out {
        LoginResponse::Redirect(r) => {
            json!({"redirectURI": r.redirect_uri.expose_secret(), "sessionId": r.session_id})
        }
        LoginResponse::Encrypted(e) => json!({
            "encryptedSharedKey": e.encrypted_shared_key,
            "encryptedMessageData": {
                "encryptedMessage": e.encrypted_message_data.encrypted_message,
                "tag": e.encrypted_message_data.tag,
                "nonce": e.encrypted_message_data.nonce,
            },
        }),
        other => json!(format!("{other:?}")),
    }
}

/// The provider under test.
pub fn provider() -> Provider<SnapTradeClient> {
    Provider {
        spec: Spec::load("snaptrade-authentication.json"),
        client,
        token: false,
        check_error,
        postman: Vec::new(),
        undecodable: &[],
        off_schema_examples: &[],
    }
}

/// One case per crate operation in the spec.
pub fn ops() -> Vec<OpCase<SnapTradeClient>> {
    vec![
        OpCase {
            name: "list_users",
            method: "GET",
            path: "/snapTrade/listUsers",
            calls: vec![("", |c| {
                Box::pin(async move { Ok(json!(c.list_users(None).await?)) })
            })],
        },
        OpCase {
            name: "register_user",
            method: "POST",
            path: "/snapTrade/registerUser",
            calls: vec![("", |c| {
                Box::pin(async move {
                    let out = c
                        .register_user(&RegisterUserRequest::new(USER_ID), None)
                        .await?;
                    Ok(user(&out))
                })
            })],
        },
        OpCase {
            name: "delete_user",
            method: "DELETE",
            path: "/snapTrade/deleteUser",
            calls: vec![("", |c| {
                Box::pin(async move {
                    let out = c.delete_user(USER_ID, None).await?;
                    Ok(json!({"status": out.status, "detail": out.detail, "userId": out.user_id}))
                })
            })],
        },
        OpCase {
            name: "login",
            method: "POST",
            path: "/snapTrade/login",
            calls: vec![
                ("no body", |c| {
                    Box::pin(
                        async move { Ok(login(&c.login(USER_ID, &secret(), None, None).await?)) },
                    )
                }),
                ("all nine fields", |c| {
                    Box::pin(async move {
                        let body = LoginRequest::new()
                            .broker("ALPACA")
                            .immediate_redirect(true)
                            .custom_redirect("https://snaptrade.com")
                            .reconnect("8b5f262d-4bb9-365d-888a-202bd3b15fa1")
                            .connection_type(ConnectionType::TradeIfAvailable)
                            .show_close_button(false)
                            .dark_mode(true)
                            .locale("pt-BR")
                            .connection_portal_version(ConnectionPortalVersion::V4);
                        Ok(login(
                            &c.login(USER_ID, &secret(), Some(&body), None).await?,
                        ))
                    })
                }),
            ],
        },
        OpCase {
            name: "reset_user_secret",
            method: "POST",
            path: "/snapTrade/resetUserSecret",
            calls: vec![("", |c| {
                Box::pin(
                    async move { Ok(user(&c.reset_user_secret(USER_ID, &secret(), None).await?)) },
                )
            })],
        },
    ]
}

#[tokio::test]
async fn snaptrade_contract() {
    let summary = run(&provider(), &ops())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(summary.bodies_validated >= 3);
    assert!(summary.bodiless_checked >= 2);
}

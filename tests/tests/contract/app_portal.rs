//! `fintra-app-portal` against `app-portal.json` (the Svix 2023 spec's `dashboard-access`,
//! which the latest spec dropped).

use std::sync::Arc;

use fintra_app_portal::{AppPortalClient, AppPortalError};
use fintra_contract_tests::Spec;
use fintra_core::Error;
use fintra_core::secret::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use crate::harness::{Canned, OpCase, Provider, builder, run};

pub const APP_ID: &str = "app_1srOrx2ZWZBpBUvZwXKQmoEYga2";

pub fn client(transport: Arc<Canned>) -> AppPortalClient {
    AppPortalClient::with_config(SecretString::from("testsk_contract.eu"), builder(transport))
        .expect("valid app-portal client")
}

/// `HttpErrorOut` (code and detail equal the example's) or, for 422, `HTTPValidationError`.
pub fn check_error(err: &Error, example: &Value) -> Result<(), String> {
    match err.provider::<AppPortalError>() {
        Some(AppPortalError::Validation(v)) => {
            let expected = example
                .get("detail")
                .and_then(Value::as_array)
                .map(Vec::len);
            if Some(v.detail.len()) == expected
                && v.detail.first().map(|d| d.msg.as_str())
                    == example.pointer("/detail/0/msg").and_then(Value::as_str)
            {
                Ok(())
            } else {
                Err(format!("HTTPValidationError {v:?} differs from {example}"))
            }
        }
        Some(AppPortalError::Http(h)) => {
            if json!({"code": h.code, "detail": h.detail}) == *example
                && err.code() == Some(h.code.as_str())
            {
                Ok(())
            } else {
                Err(format!("HttpErrorOut {h:?} differs from {example}"))
            }
        }
        other => Err(format!(
            "the body does not decode as an AppPortalError: {other:?}"
        )),
    }
}

pub fn access(token: &SecretString, url: &SecretString) -> Value {
    json!({"token": token.expose_secret(), "url": url.expose_secret()})
}

/// The 2023 spec with its paths' trailing slashes trimmed: the crate follows the latest
/// spec (no trailing slash), and the Svix server trims them before routing
/// (`NormalizePath::trim_trailing_slash`, svix-server since 2024-03-13), so both forms reach
/// the same operation.
fn spec_2023() -> Spec {
    let mut doc = fintra_contract_tests::load_json("app-portal.json");
    let paths = doc["paths"].take();
    let trimmed: serde_json::Map<String, Value> = paths
        .as_object()
        .expect("paths is an object")
        .iter()
        .map(|(p, v)| (p.trim_end_matches('/').to_owned(), v.clone()))
        .collect();
    doc["paths"] = Value::Object(trimmed);
    Spec::from_value("app-portal.json (trailing slashes trimmed)", doc)
}

/// The provider under test.
pub fn provider() -> Provider<AppPortalClient> {
    Provider {
        spec: spec_2023(),
        client,
        token: false,
        check_error,
        postman: Vec::new(),
        undecodable: &[],
        off_schema_examples: &[],
    }
}

/// The 2023 spec keeps only `dashboard_access` (the latest spec has no such path; the
/// other operations are checked against the latest spec in `app_portal_latest`).
pub fn ops() -> Vec<OpCase<AppPortalClient>> {
    vec![OpCase {
        name: "dashboard_access",
        method: "POST",
        path: "/api/v1/auth/dashboard-access/{app_id}",
        calls: vec![("", |c| {
            Box::pin(async move {
                #[allow(deprecated)]
                let out = c.dashboard_access(APP_ID, None).await?;
                Ok(access(&out.token, &out.url))
            })
        })],
    }]
}

#[tokio::test]
async fn app_portal_contract() {
    let summary = run(&provider(), &ops())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(summary.bodiless_checked > 0);
}

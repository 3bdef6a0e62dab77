//! `fintra-app-portal` against `app-portal.json` (Svix 2023 Authentication operations).

use std::collections::BTreeMap;
use std::sync::Arc;

use fintra_app_portal::{
    AppPortalAccessIn, AppPortalCapability, AppPortalClient, AppPortalError, ApplicationIn,
    ApplicationTokenExpireIn,
};
use fintra_contract_tests::Spec;
use fintra_core::Error;
use fintra_core::secret::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use crate::harness::{Canned, OpCase, Provider, builder, run};

const APP_ID: &str = "app_1srOrx2ZWZBpBUvZwXKQmoEYga2";

fn client(transport: Arc<Canned>) -> AppPortalClient {
    AppPortalClient::with_config(SecretString::from("testsk_contract.eu"), builder(transport))
        .expect("valid app-portal client")
}

/// `HttpErrorOut` (code and detail equal the example's) or, for 422, `HTTPValidationError`.
fn check_error(err: &Error, example: &Value) -> Result<(), String> {
    match AppPortalError::from_error(err) {
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

fn access(token: &SecretString, url: &SecretString) -> Value {
    json!({"token": token.expose_secret(), "url": url.expose_secret()})
}

/// The provider under test.
pub fn provider() -> Provider<AppPortalClient> {
    Provider {
        spec: Spec::load("app-portal.json"),
        client,
        token: false,
        check_error,
        postman: Vec::new(),
        undecodable: &[],
        off_schema_examples: &[],
    }
}

/// One case per crate operation.
pub fn ops() -> Vec<OpCase<AppPortalClient>> {
    vec![
        OpCase {
            name: "app_portal_access",
            method: "POST",
            path: "/api/v1/auth/app-portal-access/{app_id}/",
            calls: vec![
                ("empty body", |c| {
                    Box::pin(async move {
                        let out = c
                            .app_portal_access(APP_ID, &AppPortalAccessIn::new(), None)
                            .await?;
                        Ok(access(&out.token, &out.url))
                    })
                }),
                ("every field", |c| {
                    Box::pin(async move {
                        let body = AppPortalAccessIn::new()
                            .feature_flags(["cool-new-feature", "beta.2"])
                            .capabilities([
                                AppPortalCapability::ViewBase,
                                AppPortalCapability::ManageEndpointSecret,
                            ])
                            .expiry(3600)
                            .session_id("user_1FB8")
                            .application(
                                ApplicationIn::new("My first application")
                                    .throttle_rate(1)
                                    .uid("unique-identifier")
                                    .metadata(BTreeMap::from([("k".into(), "v".into())])),
                            );
                        let out = c
                            .app_portal_access("unique-app-identifier", &body, None)
                            .await?;
                        Ok(access(&out.token, &out.url))
                    })
                }),
            ],
        },
        OpCase {
            name: "expire_all",
            method: "POST",
            path: "/api/v1/auth/app/{app_id}/expire-all/",
            calls: vec![
                ("empty body", |c| {
                    Box::pin(async move {
                        c.expire_all(APP_ID, &ApplicationTokenExpireIn::new(), None)
                            .await?;
                        Ok(Value::Null)
                    })
                }),
                ("expiry 0", |c| {
                    Box::pin(async move {
                        let body = ApplicationTokenExpireIn::new().expiry(0);
                        c.expire_all(APP_ID, &body, None).await?;
                        Ok(Value::Null)
                    })
                }),
                ("expiry max + sessionIds", |c| {
                    Box::pin(async move {
                        let body = ApplicationTokenExpireIn::new()
                            .expiry(259_200)
                            .session_ids(["user_1FB8"]);
                        c.expire_all(APP_ID, &body, None).await?;
                        Ok(Value::Null)
                    })
                }),
            ],
        },
        OpCase {
            name: "dashboard_access",
            method: "POST",
            path: "/api/v1/auth/dashboard-access/{app_id}/",
            calls: vec![("", |c| {
                Box::pin(async move {
                    #[allow(deprecated)]
                    let out = c.dashboard_access(APP_ID, None).await?;
                    Ok(access(&out.token, &out.url))
                })
            })],
        },
        OpCase {
            name: "logout",
            method: "POST",
            path: "/api/v1/auth/logout/",
            calls: vec![("", |c| {
                Box::pin(async move {
                    c.logout(None).await?;
                    Ok(Value::Null)
                })
            })],
        },
    ]
}

#[tokio::test]
async fn app_portal_contract() {
    let summary = run(&provider(), &ops())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(summary.bodies_validated > 0);
}

//! `fintra-app-portal` against `app-portal-latest.json`: the latest Svix spec's public
//! `Authentication` and `Stream Authentication` operations, plus the x-internal ones the crate
//! implements (whoami, app poller tokens, one-time-token exchange).

use std::collections::BTreeMap;

use fintra_app_portal::{
    ApiTokenOut, AppPortalAccessIn, AppPortalCapability, AppPortalClient, ApplicationIn,
    ApplicationTokenExpireIn, OneTimeTokenIn, RotatePollerTokenIn, StreamPortalAccessIn,
    StreamTokenExpireIn,
};
use fintra_contract_tests::Spec;
use fintra_core::secret::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use crate::app_portal::{APP_ID, access, check_error, client};
use crate::harness::{OpCase, Provider, run};

fn token(t: &ApiTokenOut) -> Value {
    json!({
        "token": t.token.expose_secret(),
        "id": t.id,
        "name": t.name,
        "createdAt": t.created_at,
        "expiresAt": t.expires_at,
        "scopes": t.scopes,
    })
}

/// The provider under test.
pub fn provider() -> Provider<AppPortalClient> {
    Provider {
        spec: Spec::load("app-portal-latest.json"),
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
            path: "/api/v1/auth/app-portal-access/{app_id}",
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
            path: "/api/v1/auth/app/{app_id}/expire-all",
            calls: vec![
                ("empty body", |c| {
                    Box::pin(async move {
                        c.expire_all(APP_ID, &ApplicationTokenExpireIn::new(), None)
                            .await?;
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
            name: "logout",
            method: "POST",
            path: "/api/v1/auth/logout",
            calls: vec![("", |c| {
                Box::pin(async move {
                    c.logout(None).await?;
                    Ok(Value::Null)
                })
            })],
        },
        OpCase {
            name: "whoami",
            method: "GET",
            path: "/api/v1/auth/whoami",
            calls: vec![("", |c| {
                Box::pin(async move {
                    let me = c.whoami(None).await?;
                    Ok(json!({
                        "permissionSource": format!("{:?}", me.permission_source),
                        "envId": me.env_id,
                        "appId": me.app_id,
                        "streamAppId": me.stream_app_id,
                        "sessionId": me.session_id,
                    }))
                })
            })],
        },
        OpCase {
            name: "get_poller_token",
            method: "GET",
            path: "/api/v1/auth/app/{app_id}/poller/{endpoint_id}/token",
            calls: vec![("", |c| {
                Box::pin(async move {
                    Ok(token(
                        &c.get_poller_token(APP_ID, "unique-identifier", None)
                            .await?,
                    ))
                })
            })],
        },
        OpCase {
            name: "rotate_poller_token",
            method: "POST",
            path: "/api/v1/auth/app/{app_id}/poller/{endpoint_id}/token/rotate",
            calls: vec![
                ("empty body", |c| {
                    Box::pin(async move {
                        let body = RotatePollerTokenIn::new();
                        Ok(token(
                            &c.rotate_poller_token(APP_ID, "ep_1", &body, None).await?,
                        ))
                    })
                }),
                ("bounds", |c| {
                    Box::pin(async move {
                        let body = RotatePollerTokenIn::new()
                            .expiry(31_536_000)
                            .old_token_expiry(0);
                        Ok(token(
                            &c.rotate_poller_token(APP_ID, "ep_1", &body, None).await?,
                        ))
                    })
                }),
            ],
        },
        OpCase {
            name: "exchange_one_time_token",
            method: "POST",
            path: "/api/v1/auth/one-time-token",
            calls: vec![("", |c| {
                Box::pin(async move {
                    let body = OneTimeTokenIn::new(SecretString::from("ott_1"));
                    let out = c.exchange_one_time_token(&body, None).await?;
                    Ok(json!({
                        "token": out.token.expose_secret(),
                        "capabilities": out.capabilities,
                    }))
                })
            })],
        },
        OpCase {
            name: "stream_portal_access",
            method: "POST",
            path: "/api/v1/auth/stream-portal-access/{stream_id}",
            calls: vec![
                ("empty body", |c| {
                    Box::pin(async move {
                        let out = c
                            .stream_portal_access("strm_1", &StreamPortalAccessIn::new(), None)
                            .await?;
                        Ok(access(&out.token, &out.url))
                    })
                }),
                ("every field", |c| {
                    Box::pin(async move {
                        let body = StreamPortalAccessIn::new()
                            .feature_flags(["beta"])
                            .expiry(604_800)
                            .session_id("user_1FB8");
                        let out = c.stream_portal_access("strm_1", &body, None).await?;
                        Ok(access(&out.token, &out.url))
                    })
                }),
            ],
        },
        OpCase {
            name: "stream_logout",
            method: "POST",
            path: "/api/v1/auth/stream-logout",
            calls: vec![("", |c| {
                Box::pin(async move {
                    c.stream_logout(None).await?;
                    Ok(Value::Null)
                })
            })],
        },
        OpCase {
            name: "stream_expire_all",
            method: "POST",
            path: "/api/v1/auth/stream/{stream_id}/expire-all",
            calls: vec![
                ("empty body", |c| {
                    Box::pin(async move {
                        c.stream_expire_all("strm_1", &StreamTokenExpireIn::new(), None)
                            .await?;
                        Ok(Value::Null)
                    })
                }),
                ("every field", |c| {
                    Box::pin(async move {
                        let body = StreamTokenExpireIn::new()
                            .expiry(259_200)
                            .session_ids(["user_1FB8"]);
                        c.stream_expire_all("strm_1", &body, None).await?;
                        Ok(Value::Null)
                    })
                }),
            ],
        },
        OpCase {
            name: "get_stream_poller_token",
            method: "GET",
            path: "/api/v1/auth/stream/{stream_id}/sink/{sink_id}/poller/token",
            calls: vec![("", |c| {
                Box::pin(async move {
                    Ok(token(
                        &c.get_stream_poller_token("strm_1", "sink_1", None).await?,
                    ))
                })
            })],
        },
        OpCase {
            name: "rotate_stream_poller_token",
            method: "POST",
            path: "/api/v1/auth/stream/{stream_id}/sink/{sink_id}/poller/token/rotate",
            calls: vec![("", |c| {
                Box::pin(async move {
                    let body = RotatePollerTokenIn::new()
                        .expiry(1)
                        .old_token_expiry(86_400);
                    Ok(token(
                        &c.rotate_stream_poller_token("strm_1", "sink_1", &body, None)
                            .await?,
                    ))
                })
            })],
        },
    ]
}

#[tokio::test]
async fn app_portal_latest_contract() {
    let summary = run(&provider(), &ops())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(summary.bodies_validated > 0);
    assert!(summary.bodiless_checked > 0);
}

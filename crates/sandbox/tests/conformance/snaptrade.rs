//! SnapTrade as the current Python/TypeScript SDKs shape requests (`snaptrade-current.md`
//! §4-§6).

use fintra_sandbox::{Fault, FaultKind, Provider, Route, SNAPTRADE_CLIENT_ID};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{now, send, sign, start};

/// One signed request. `host` is the SDK's configured host (`root` or `root/api/v1`);
/// `signed_path` is what the SDK signs (the operation path, relative to the host).
async fn call(
    c: &reqwest::Client,
    host: &str,
    method: Method,
    op_path: &str,
    extra_query: &str,
    body: Option<&str>,
) -> reqwest::Response {
    let query = format!(
        "clientId={SNAPTRADE_CLIENT_ID}&timestamp={}{extra_query}",
        now()
    );
    let signature = sign(op_path, &query, body);
    let post = method == Method::POST;
    let mut req = c
        .request(method, format!("{host}{op_path}?{query}"))
        .header("accept", "*/*")
        .header("Signature", signature);
    req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(b.to_owned()),
        // Bodiless POSTs carry `Content-Length: 0`.
        None if post => req.header("content-length", "0"),
        None => req,
    };
    req.send().await.expect("request is sent")
}

async fn json(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn current_sdk_shapes_succeed_under_the_root_and_the_legacy_prefix() {
    let (sb, c) = start().await;
    let root = sb.snaptrade_root_url();
    let legacy = sb.snaptrade_url();
    assert_eq!(legacy, format!("{root}/api/v1"));

    // Host `.../api/v1`, signature over `/snapTrade/registerUser` (no prefix).
    let resp = call(
        &c,
        &legacy,
        Method::POST,
        "/snapTrade/registerUser",
        "",
        Some(r#"{"userId":"user:1@example.com"}"#),
    )
    .await;
    assert_eq!(resp.headers()["deprecation"], "@1781222400");
    let (status, body) = json(resp).await;
    assert_eq!(status, 200, "{body}");
    let secret = body["userSecret"].as_str().unwrap().to_owned();

    // Default host (the root): no Deprecation header.
    let resp = call(&c, &root, Method::GET, "/snapTrade/listUsers", "", None).await;
    assert!(resp.headers().get("deprecation").is_none());
    assert_eq!(json(resp).await, (200, json!(["user:1@example.com"])));

    // Unencoded query values (`percent_encode=False`), bodiless POST with Content-Length: 0.
    let creds = format!("&userId=user:1@example.com&userSecret={secret}");
    let (status, body) =
        json(call(&c, &legacy, Method::POST, "/snapTrade/login", &creds, None).await).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["redirectURI"].as_str().unwrap().starts_with(&root));

    // Older SDKs sign the full legacy path: accepted too.
    let query = format!("clientId={SNAPTRADE_CLIENT_ID}&timestamp={}", now());
    let resp = c
        .get(format!("{legacy}/snapTrade/listUsers?{query}"))
        .header(
            "Signature",
            sign("/api/v1/snapTrade/listUsers", &query, None),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // ...but the full path signed for a root request is not the path that was sent.
    let resp = c
        .get(format!("{root}/snapTrade/listUsers?{query}"))
        .header(
            "Signature",
            sign("/api/v1/snapTrade/listUsers", &query, None),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    let (status, body) = json(
        call(
            &c,
            &root,
            Method::DELETE,
            "/snapTrade/deleteUser",
            "&userId=user:1@example.com",
            None,
        )
        .await,
    )
    .await;
    assert_eq!((status, body["status"].clone()), (200, json!("deleted")));
}

#[tokio::test]
async fn reset_user_secret_retires_the_old_secret() {
    let (sb, c) = start().await;
    let root = sb.snaptrade_root_url();
    let (_, body) = json(
        call(
            &c,
            &root,
            Method::POST,
            "/snapTrade/registerUser",
            "",
            Some(r#"{"userId":"u1"}"#),
        )
        .await,
    )
    .await;
    let old = body["userSecret"].as_str().unwrap().to_owned();

    let reset = format!(r#"{{"userId":"u1","userSecret":"{old}"}}"#);
    let (status, body) = json(
        call(
            &c,
            &root,
            Method::POST,
            "/snapTrade/resetUserSecret",
            "",
            Some(&reset),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["userId"], "u1");
    let new = body["userSecret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);

    // The old secret no longer logs in or resets; the new one does.
    let login = |secret: &str| format!("&userId=u1&userSecret={secret}");
    let (status, body) = json(
        call(
            &c,
            &root,
            Method::POST,
            "/snapTrade/login",
            &login(&old),
            None,
        )
        .await,
    )
    .await;
    assert_eq!((status, body["default_code"].clone()), (403, json!(1066)));
    assert_eq!(
        json(
            call(
                &c,
                &root,
                Method::POST,
                "/snapTrade/login",
                &login(&new),
                None
            )
            .await
        )
        .await
        .0,
        200
    );
    let (status, body) = json(
        call(
            &c,
            &root,
            Method::POST,
            "/snapTrade/resetUserSecret",
            "",
            Some(&reset),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body),
        (
            401,
            json!({"default_detail": "Failed authentication. Wrong clientId, userId or userSecret provided", "default_code": 1076})
        )
    );
    // The registry still holds exactly one user.
    assert_eq!(
        json(call(&c, &root, Method::GET, "/snapTrade/listUsers", "", None).await).await,
        (200, json!(["u1"]))
    );
    assert_eq!(sb.stats().hits(Route::SnapTradeResetUserSecret), 2);
}

#[tokio::test]
async fn every_documented_error_status_is_reachable() {
    let (sb, c) = start().await;
    let root = sb.snaptrade_root_url();
    // 400: registerUser without userId.
    let (status, body) = json(
        call(
            &c,
            &root,
            Method::POST,
            "/snapTrade/registerUser",
            "",
            Some(r#"{"user":"x"}"#),
        )
        .await,
    )
    .await;
    assert_eq!((status, body["default_code"].clone()), (400, json!(1076)));
    // 400: resetUserSecret without a body (the body is required).
    assert_eq!(
        json(
            call(
                &c,
                &root,
                Method::POST,
                "/snapTrade/resetUserSecret",
                "",
                None
            )
            .await
        )
        .await
        .0,
        400
    );
    // 401: a signature over other content.
    let query = format!("clientId={SNAPTRADE_CLIENT_ID}&timestamp={}", now());
    let (status, body) = send(c.get(format!("{root}/snapTrade/listUsers?{query}")).header(
        "Signature",
        sign("/snapTrade/listUsers", "clientId=other", None),
    ))
    .await;
    assert_eq!(
        (status, body),
        (
            401,
            json!({"default_detail": "Unable to verify signature sent", "default_code": 1076})
        )
    );
    // 403: login with a wrong user secret.
    call(
        &c,
        &root,
        Method::POST,
        "/snapTrade/registerUser",
        "",
        Some(r#"{"userId":"u"}"#),
    )
    .await;
    let (status, body) = json(
        call(
            &c,
            &root,
            Method::POST,
            "/snapTrade/login",
            "&userId=u&userSecret=wrong",
            None,
        )
        .await,
    )
    .await;
    assert_eq!((status, body["default_code"].clone()), (403, json!(1066)));
    // 404: deleteUser of an unknown user; an unknown clientId.
    let (status, body) = json(
        call(
            &c,
            &root,
            Method::DELETE,
            "/snapTrade/deleteUser",
            "&userId=nobody",
            None,
        )
        .await,
    )
    .await;
    assert_eq!((status, body["default_code"].clone()), (404, json!(1011)));
    // 500 `500UnexpectedExceptionResponse` and 429, only from a failing/overloaded server.
    sb.inject(Fault::new(Provider::SnapTrade, FaultKind::Status(500)));
    let (status, body) =
        json(call(&c, &root, Method::GET, "/snapTrade/listUsers", "", None).await).await;
    assert_eq!(
        (status, body["status_code"].clone(), body["code"].clone()),
        (500, json!(500), json!(1000))
    );
    sb.inject(Fault::new(
        Provider::SnapTrade,
        FaultKind::TooManyRequests {
            retry_after_secs: 7,
        },
    ));
    let resp = call(&c, &root, Method::GET, "/snapTrade/listUsers", "", None).await;
    assert_eq!(resp.headers()["retry-after"], "7");
    let (status, body) = json(resp).await;
    assert_eq!((status, body["status_code"].clone()), (429, json!(429)));
}

/// `SnapTradeLoginUserRequestBody`: every field as the current spec describes it.
#[tokio::test]
async fn login_body_follows_the_current_schema() {
    let (sb, c) = start().await;
    let root = sb.snaptrade_root_url();
    let (_, body) = json(
        call(
            &c,
            &root,
            Method::POST,
            "/snapTrade/registerUser",
            "",
            Some(r#"{"userId":"u"}"#),
        )
        .await,
    )
    .await;
    let creds = format!(
        "&userId=u&userSecret={}",
        body["userSecret"].as_str().unwrap()
    );
    let ok = r#"{"broker":"ALPACA","connectionPortalVersion":"v4","connectionType":"trade-if-available","customRedirect":"https://snaptrade.com","darkMode":true,"immediateRedirect":true,"locale":"pt_br","reconnect":"8b5f262d-4bb9-365d-888a-202bd3b15fa1","showCloseButton":false}"#;
    let (status, body) = json(
        call(
            &c,
            &root,
            Method::POST,
            "/snapTrade/login",
            &creds,
            Some(ok),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    for (bad, field) in [
        (r#"{"locale":"fr"}"#, "locale"),
        (
            r#"{"connectionPortalVersion":"v5"}"#,
            "connectionPortalVersion",
        ),
        (r#"{"connectionType":"write"}"#, "connectionType"),
        (r#"{"darkMode":"yes"}"#, "darkMode"),
    ] {
        let (status, body) = json(
            call(
                &c,
                &root,
                Method::POST,
                "/snapTrade/login",
                &creds,
                Some(bad),
            )
            .await,
        )
        .await;
        assert_eq!(
            (status, body["default_code"].clone()),
            (400, json!(1076)),
            "{bad}"
        );
        assert!(
            body["default_detail"].as_str().unwrap().contains(field),
            "{body}"
        );
    }
}

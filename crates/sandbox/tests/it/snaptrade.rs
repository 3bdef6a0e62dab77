//! SnapTrade: signature and timestamp verification, user registry.

use std::time::Duration;

use fintra_sandbox::{SNAPTRADE_CLIENT_ID, Sandbox};
use serde_json::{Value, json};

use crate::send;
use crate::support::{now, sign};

struct Call<'a> {
    method: reqwest::Method,
    op: &'a str,
    extra_query: &'a str,
    body: Option<&'a str>,
    timestamp: i64,
    client_id: &'a str,
    signature: Option<&'a str>,
}

impl<'a> Call<'a> {
    fn new(method: reqwest::Method, op: &'a str) -> Self {
        Self {
            method,
            op,
            extra_query: "",
            body: None,
            timestamp: now(),
            client_id: SNAPTRADE_CLIENT_ID,
            signature: None,
        }
    }

    fn query(mut self, q: &'a str) -> Self {
        self.extra_query = q;
        self
    }

    fn body(mut self, b: &'a str) -> Self {
        self.body = Some(b);
        self
    }

    fn request(&self, c: &reqwest::Client, sb: &Sandbox) -> reqwest::RequestBuilder {
        let path = format!("/api/v1/snapTrade/{}", self.op);
        let query = format!(
            "clientId={}&timestamp={}{}",
            self.client_id, self.timestamp, self.extra_query
        );
        let sig = match self.signature {
            Some(s) => s.to_owned(),
            None => sign(&path, &query, self.body),
        };
        let mut req = c
            .request(
                self.method.clone(),
                format!("{}{path}?{query}", sb.snaptrade_root_url()),
            )
            .header("Signature", sig);
        if let Some(b) = self.body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_owned());
        }
        req
    }

    async fn send(&self, c: &reqwest::Client, sb: &Sandbox) -> (u16, Value) {
        send(self.request(c, sb)).await
    }
}

#[tokio::test]
async fn user_registry_flows() {
    let (sb, c) = crate::start().await;
    let register = Call::new(reqwest::Method::POST, "registerUser").body(r#"{"userId":"user-1"}"#);
    let (status, body) = register.send(&c, &sb).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["userId"], "user-1");
    let secret = body["userSecret"].as_str().unwrap().to_owned();
    let (status, body) = register.send(&c, &sb).await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"default_detail": "User already exists", "default_code": 1076})
        )
    );

    let (status, body) = Call::new(reqwest::Method::GET, "listUsers")
        .send(&c, &sb)
        .await;
    assert_eq!((status, body), (200, json!(["user-1"])));

    let creds = format!("&userId=user-1&userSecret={secret}");
    let (status, body) = Call::new(reqwest::Method::POST, "login")
        .query(&creds)
        .body(r#"{"connectionType":"read"}"#)
        .send(&c, &sb)
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["redirectURI"]
            .as_str()
            .unwrap()
            .starts_with(&sb.snaptrade_root_url())
    );
    assert_eq!(body["sessionId"].as_str().unwrap().len(), 36);
    let portal = c
        .get(body["redirectURI"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(portal.status(), 200);

    let (status, body) = Call::new(reqwest::Method::POST, "login")
        .query("&userId=user-1&userSecret=wrong")
        .body("{}")
        .send(&c, &sb)
        .await;
    assert_eq!(
        (status, body),
        (
            403,
            json!({"default_detail": "User does not have permission to access this resource", "default_code": 1066})
        )
    );
    let (status, body) = Call::new(reqwest::Method::POST, "login")
        .query(&creds)
        .body(r#"{"connectionType":"write"}"#)
        .send(&c, &sb)
        .await;
    assert_eq!((status, body["default_code"].clone()), (400, json!(1076)));

    let (status, body) = Call::new(reqwest::Method::GET, "encryptedJWT")
        .query(&creds)
        .send(&c, &sb)
        .await;
    assert_eq!(status, 200);
    assert!(body["encryptedSharedKey"].is_string());
    for f in ["encryptedMessage", "tag", "nonce"] {
        assert!(body["encryptedMessageData"][f].is_string(), "{f}");
    }

    let (status, body) = Call::new(reqwest::Method::DELETE, "deleteUser")
        .query("&userId=user-1")
        .send(&c, &sb)
        .await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({
                "status": "deleted",
                "detail": "User queued for deletion; please wait for webhook for confirmation.",
                "userId": "user-1",
            })
        )
    );
    let (_, body) = Call::new(reqwest::Method::GET, "listUsers")
        .send(&c, &sb)
        .await;
    assert_eq!(body, json!([]));
    let (status, body) = Call::new(reqwest::Method::DELETE, "deleteUser")
        .query("&userId=user-1")
        .send(&c, &sb)
        .await;
    assert_eq!((status, body["default_code"].clone()), (404, json!(1011)));
}

#[tokio::test]
async fn bad_signatures_are_rejected() {
    let (sb, c) = crate::start().await;
    let call = Call::new(reqwest::Method::POST, "registerUser").body(r#"{"userId":"u"}"#);
    let unauthorized =
        json!({"default_detail": "Unable to verify signature sent", "default_code": 1076});

    // Signed body differs from the sent one.
    let req = call.request(&c, &sb).body(r#"{"userId":"v"}"#);
    assert_eq!(send(req).await, (401, unauthorized.clone()));
    // Garbage and missing signatures.
    let mut garbage = Call::new(reqwest::Method::POST, "registerUser").body(r#"{"userId":"u"}"#);
    garbage.signature = Some("bm90IGl0");
    assert_eq!(garbage.send(&c, &sb).await, (401, unauthorized.clone()));
    garbage.signature = Some("%%%");
    assert_eq!(garbage.send(&c, &sb).await, (401, unauthorized.clone()));
    let url = format!(
        "{}/snapTrade/listUsers?clientId={SNAPTRADE_CLIENT_ID}&timestamp={}",
        sb.snaptrade_url(),
        now()
    );
    assert_eq!(send(c.get(&url)).await, (401, unauthorized));
    // Unknown client id.
    let mut other = Call::new(reqwest::Method::GET, "listUsers");
    other.client_id = "SOMEONE";
    let (status, body) = other.send(&c, &sb).await;
    assert_eq!((status, body["default_code"].clone()), (404, json!(1011)));
    // Nothing was registered.
    let (_, body) = Call::new(reqwest::Method::GET, "listUsers")
        .send(&c, &sb)
        .await;
    assert_eq!(body, json!([]));
}

#[tokio::test]
async fn stale_timestamps_are_rejected() {
    let (sb, c) = crate::start().await;
    let mut old = Call::new(reqwest::Method::GET, "listUsers");
    old.timestamp = now() - 600;
    let (status, body) = old.send(&c, &sb).await;
    assert_eq!((status, body["default_code"].clone()), (401, json!(1076)));
    let mut future = Call::new(reqwest::Method::GET, "listUsers");
    future.timestamp = now() + 600;
    assert_eq!(future.send(&c, &sb).await.0, 401);

    let fresh = Call::new(reqwest::Method::GET, "listUsers");
    assert_eq!(fresh.send(&c, &sb).await.0, 200);
    sb.advance_time(Duration::from_secs(301));
    assert_eq!(fresh.send(&c, &sb).await.0, 401);

    let url = format!(
        "{}/snapTrade/listUsers?clientId={SNAPTRADE_CLIENT_ID}",
        sb.snaptrade_url()
    );
    let (status, _) = send(c.get(&url).header("Signature", "x")).await;
    assert_eq!(status, 400);
}

/// `userId` has no documented length limit: the sandbox's own bound says it is the
/// sandbox's, and an empty id is simply "required".
#[tokio::test]
async fn user_id_limits_say_whose_they_are() {
    let (sb, c) = crate::start().await;
    let long = format!(r#"{{"userId":"{}"}}"#, "u".repeat(256));
    let (status, body) = Call::new(reqwest::Method::POST, "registerUser")
        .body(&long)
        .send(&c, &sb)
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["default_code"], 1076);
    let detail = body["default_detail"].as_str().unwrap();
    assert!(
        detail.contains("sandbox") && detail.contains("SnapTrade documents none"),
        "{detail}"
    );
    // 255 characters (written as canonical `\u00e9` escapes, which the test signer needs).
    let max = format!(r#"{{"userId":"{}"}}"#, r"\u00e9".repeat(255));
    let (status, body) = Call::new(reqwest::Method::POST, "registerUser")
        .body(&max)
        .send(&c, &sb)
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = Call::new(reqwest::Method::POST, "registerUser")
        .body(r#"{"userId":""}"#)
        .send(&c, &sb)
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["default_detail"],
        "Unable to verify data sent: `userId` is required"
    );
}

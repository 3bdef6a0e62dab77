//! Finicity authentication and Connect Components.

use std::time::Duration;

use fintra_sandbox::{
    FINICITY_APP_KEY, FINICITY_MFA_INSTITUTION_LOGIN_ID, FINICITY_PARTNER_ID,
    FINICITY_PARTNER_SECRET, FINICITY_UNKNOWN_INSTITUTION_ID, Route, Sandbox, SandboxConfig,
};
use serde_json::{Value, json};

use crate::{client, json_body, send, start};

const AUTH: &str = "/aggregation/v2/partners/authentication";

async fn create_token_with(sb: &Sandbox, c: &reqwest::Client, secret: &str) -> (u16, Value) {
    let req = c
        .post(format!("{}{AUTH}", sb.finicity_url()))
        .header("Finicity-App-Key", FINICITY_APP_KEY)
        .header("accept", "application/json");
    send(json_body(
        req,
        &json!({ "partnerId": FINICITY_PARTNER_ID, "partnerSecret": secret }),
    ))
    .await
}

async fn token(sb: &Sandbox, c: &reqwest::Client) -> String {
    let (status, body) = create_token_with(sb, c, FINICITY_PARTNER_SECRET).await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().expect("token").to_owned()
}

fn cc(
    c: &reqwest::Client,
    sb: &Sandbox,
    method: reqwest::Method,
    path: &str,
    token: &str,
) -> reqwest::RequestBuilder {
    c.request(
        method,
        format!("{}/connect-components{path}", sb.finicity_url()),
    )
    .header("Finicity-App-Key", FINICITY_APP_KEY)
    .header("Finicity-App-Token", token)
}

fn gold_code(body: &Value) -> &str {
    body["Errors"]["Error"][0]["ReasonCode"]
        .as_str()
        .unwrap_or_default()
}

fn agreement() -> Value {
    json!({ "language": "en", "acceptedDate": "2024-11-28T18:25:32+00:00" })
}

#[tokio::test]
async fn tokens_are_issued_and_expire() {
    let (sb, c) = start().await;
    let t = token(&sb, &c).await;
    assert_eq!(t.len(), 20);
    let (status, body) = send(cc(&c, &sb, reqwest::Method::GET, "/configurations", &t)).await;
    assert_eq!((status, body), (200, json!([])));

    sb.advance_time(Duration::from_secs(2 * 3600));
    let (status, body) = send(cc(&c, &sb, reqwest::Method::GET, "/configurations", &t)).await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({"Errors": {"Error": [{
            "Source": "Connect-Components",
            "ReasonCode": "10023",
            "Description": "Expired (Finicity-App-Token)",
            "Recoverable": false,
            "Details": "Expired (Finicity-App-Token)",
        }]}})
    );
    let fresh = token(&sb, &c).await;
    let (status, _) = send(cc(&c, &sb, reqwest::Method::GET, "/configurations", &fresh)).await;
    assert_eq!(status, 200);
    assert_eq!(sb.stats().hits(Route::FinicityCreateToken), 2);
}

#[tokio::test]
async fn short_configured_lifetime() {
    let sb = SandboxConfig::new()
        .finicity_token_lifetime(Duration::from_millis(50))
        .start()
        .await
        .unwrap();
    let c = client();
    let t = token(&sb, &c).await;
    tokio::time::sleep(Duration::from_millis(80)).await;
    let (status, body) = send(cc(&c, &sb, reqwest::Method::GET, "/configurations", &t)).await;
    assert_eq!((status, gold_code(&body)), (401, "10023"));
}

#[tokio::test]
async fn wrong_secret_is_401_shape_a() {
    let (sb, c) = start().await;
    let (status, body) = create_token_with(&sb, &c, "wrong-secret-1").await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({"code": "10001", "message": "Invalid credentials"})
    );
}

#[tokio::test]
async fn five_failures_lock_the_partner() {
    let (sb, c) = start().await;
    // A success resets the count.
    for _ in 0..4 {
        assert_eq!(create_token_with(&sb, &c, "nope1234567x").await.0, 401);
    }
    token(&sb, &c).await;
    for _ in 0..5 {
        assert_eq!(create_token_with(&sb, &c, "nope1234567x").await.0, 401);
    }
    let (status, body) = create_token_with(&sb, &c, FINICITY_PARTNER_SECRET).await;
    assert_eq!(status, 500);
    assert_eq!(
        body,
        json!({"code": "24302", "message": "For your security, we've locked your account. Please reset your password to continue."})
    );
    sb.reset();
    token(&sb, &c).await;
}

#[tokio::test]
async fn create_token_validation_and_app_key() {
    let (sb, c) = start().await;
    let url = format!("{}{AUTH}", sb.finicity_url());
    let creds = json!({"partnerId": FINICITY_PARTNER_ID, "partnerSecret": FINICITY_PARTNER_SECRET});
    let (status, body) = send(json_body(c.post(&url), &creds)).await;
    assert_eq!(
        (status, body),
        (
            401,
            json!({"code": "10026", "message": "Missing parameter (Finicity-App-Key)"})
        )
    );
    let (status, body) = send(json_body(
        c.post(&url).header("Finicity-App-Key", "other"),
        &creds,
    ))
    .await;
    assert_eq!((status, body["code"].clone()), (401, json!("10027")));
    let keyed = || c.post(&url).header("Finicity-App-Key", FINICITY_APP_KEY);
    let (status, body) = send(json_body(keyed(), &json!({"partnerSecret": "x"}))).await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"code": "10005", "message": "Missing parameter (partnerId)"})
        )
    );
    let (status, body) = send(keyed().body("{\n  \"partnerId\": 12,,\n}")).await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"code": "14020", "message": "Bad request. the request body is not valid JSON: key must be a string at line 2 column 19"})
        )
    );
    let (status, body) = send(keyed().body("[1]")).await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"code": "14020", "message": "Bad request. the request body must be a JSON object, not array"})
        )
    );
    let (status, body) = send(json_body(
        keyed(),
        &json!({"partnerId": "999", "partnerSecret": FINICITY_PARTNER_SECRET}),
    ))
    .await;
    assert_eq!(
        (status, body),
        (404, json!({"code": 12401, "message": "partner not found"}))
    );
}

#[tokio::test]
async fn modify_partner_secret() {
    let (sb, c) = start().await;
    let url = format!("{}{AUTH}", sb.finicity_url());
    let put = |body: Value| {
        json_body(
            c.put(&url).header("Finicity-App-Key", FINICITY_APP_KEY),
            &body,
        )
    };
    let (status, body) = send(put(json!({
        "partnerId": FINICITY_PARTNER_ID, "partnerSecret": FINICITY_PARTNER_SECRET, "newPartnerSecret": "short"
    })))
    .await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"code": "24437", "message": "New password is not as per policy"})
        )
    );
    let (status, _) = send(put(json!({
        "partnerId": FINICITY_PARTNER_ID, "partnerSecret": FINICITY_PARTNER_SECRET
    })))
    .await;
    assert_eq!(status, 400);
    let (status, body) = send(put(json!({
        "partnerId": FINICITY_PARTNER_ID, "partnerSecret": "wrong-secret-9", "newPartnerSecret": "OrU7tjiA3tIspCgb85xV"
    })))
    .await;
    assert_eq!((status, body["code"].clone()), (401, json!("10001")));

    let (status, body) = send(put(json!({
        "partnerId": FINICITY_PARTNER_ID, "partnerSecret": FINICITY_PARTNER_SECRET,
        "newPartnerSecret": "OrU7tjiA3tIspCgb85xV", "immediate": true
    })))
    .await;
    assert_eq!((status, body), (204, Value::Null));
    assert_eq!(
        create_token_with(&sb, &c, FINICITY_PARTNER_SECRET).await.0,
        401
    );
    assert_eq!(
        create_token_with(&sb, &c, "OrU7tjiA3tIspCgb85xV").await.0,
        200
    );

    // immediate: false keeps the old secret working (30-day grace period).
    let (status, _) = send(put(json!({
        "partnerId": FINICITY_PARTNER_ID, "partnerSecret": "OrU7tjiA3tIspCgb85xV",
        "newPartnerSecret": "Second-secret-42", "immediate": false
    })))
    .await;
    assert_eq!(status, 204);
    assert_eq!(
        create_token_with(&sb, &c, "OrU7tjiA3tIspCgb85xV").await.0,
        200
    );
    assert_eq!(create_token_with(&sb, &c, "Second-secret-42").await.0, 200);
    sb.advance_time(Duration::from_secs(31 * 24 * 3600));
    assert_eq!(
        create_token_with(&sb, &c, "OrU7tjiA3tIspCgb85xV").await.0,
        401
    );
}

#[tokio::test]
async fn connect_components_need_key_and_live_token() {
    let (sb, c) = start().await;
    let url = format!("{}/connect-components/configurations", sb.finicity_url());
    let (status, body) = send(c.get(&url)).await;
    assert_eq!((status, gold_code(&body)), (401, "10026"));
    let (status, body) = send(c.get(&url).header("Finicity-App-Key", FINICITY_APP_KEY)).await;
    assert_eq!((status, gold_code(&body)), (401, "10024"));
    let (status, body) = send(cc(
        &c,
        &sb,
        reqwest::Method::GET,
        "/configurations",
        "bogus",
    ))
    .await;
    assert_eq!((status, gold_code(&body)), (401, "10022"));
    let t = token(&sb, &c).await;
    let (status, body) = send(
        c.get(&url)
            .header("Finicity-App-Key", "wrong")
            .header("Finicity-App-Token", &t),
    )
    .await;
    assert_eq!((status, gold_code(&body)), (401, "10027"));
}

#[tokio::test]
async fn configuration_crud() {
    let (sb, c) = start().await;
    let t = token(&sb, &c).await;
    let post = cc(&c, &sb, reqwest::Method::POST, "/configurations", &t);
    let (status, created) = send(json_body(
        post,
        &json!({"filterAccounts": ["Checking", "Savings"]}),
    ))
    .await;
    assert_eq!(status, 201);
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 36);
    assert_eq!(
        created,
        json!({"id": id, "filterAccounts": ["Checking", "Savings"]})
    );

    let post = cc(&c, &sb, reqwest::Method::POST, "/configurations", &t);
    let (status, second) = send(json_body(
        post,
        &json!({"accountClassificationType": ["personal", "business"], "aoRequired": true}),
    ))
    .await;
    assert_eq!(status, 201);

    let (status, list) = send(cc(&c, &sb, reqwest::Method::GET, "/configurations", &t)).await;
    assert_eq!((status, list), (200, json!([created, second])));
    let path = format!("/configurations/{id}");
    let (status, got) = send(cc(&c, &sb, reqwest::Method::GET, &path, &t)).await;
    assert_eq!((status, got), (200, created.clone()));
    let (status, _) = send(cc(&c, &sb, reqwest::Method::DELETE, &path, &t)).await;
    assert_eq!(status, 204);
    let (status, body) = send(cc(&c, &sb, reqwest::Method::GET, &path, &t)).await;
    assert_eq!((status, gold_code(&body)), (404, "4041"));
    assert_eq!(
        body["Errors"]["Error"][0]["Description"],
        "The requested entity was not found"
    );
    let (status, body) = send(cc(&c, &sb, reqwest::Method::DELETE, &path, &t)).await;
    assert_eq!((status, gold_code(&body)), (404, "4041"));

    let (status, body) = send(cc(
        &c,
        &sb,
        reqwest::Method::GET,
        "/configurations/not-a-uuid",
        &t,
    ))
    .await;
    assert_eq!((status, gold_code(&body)), (400, "10010"));
    for bad in [
        json!({"aoRequired": "yes"}),
        json!({"filterAccounts": "Checking"}),
        json!({"filterAccounts": [""]}),
        json!({"accountClassificationType": ["corporate"]}),
        json!([1]),
    ] {
        let post = cc(&c, &sb, reqwest::Method::POST, "/configurations", &t);
        let (status, body) = send(json_body(post, &bad)).await;
        assert_eq!((status, gold_code(&body)), (400, "10010"), "{bad}");
    }
}

#[tokio::test]
async fn login_forms_and_oauth_urls() {
    let (sb, c) = start().await;
    let t = token(&sb, &c).await;
    let form =
        json!({"language": "en", "customerId": "1005061234", "serviceAgreement": agreement()});
    let post = cc(
        &c,
        &sb,
        reqwest::Method::POST,
        "/institutions/170716/login-forms",
        &t,
    );
    let (status, body) = send(json_body(post, &form)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["id"].as_str().unwrap().len(), 36);
    assert_eq!(body["eventStreamId"].as_str().unwrap().len(), 36);
    assert_eq!(body["elements"][0]["label"], "username");
    assert_eq!(body["elements"][1]["sortOrder"], 1);

    for (path, bad) in [
        (
            "/institutions/170716/login-forms",
            json!({"language": "en", "customerId": "1"}),
        ),
        (
            "/institutions/170716/login-forms",
            json!({"language": "xx", "customerId": "1", "serviceAgreement": agreement()}),
        ),
        ("/institutions/abc/login-forms", form.clone()),
        (
            "/institutions/170716/login-forms",
            json!({"language": "en", "customerId": "1", "serviceAgreement": {"language": "en", "acceptedDate": "yesterday"}}),
        ),
        (
            "/institutions/170716/oauth-urls",
            json!({"customerId": "1", "serviceAgreement": agreement(), "redirectURI": "not a uri"}),
        ),
    ] {
        let (status, body) = send(json_body(
            cc(&c, &sb, reqwest::Method::POST, path, &t),
            &bad,
        ))
        .await;
        assert_eq!((status, gold_code(&body)), (400, "10010"), "{bad}");
    }
    let unknown = format!("/institutions/{FINICITY_UNKNOWN_INSTITUTION_ID}/login-forms");
    let (status, body) = send(json_body(
        cc(&c, &sb, reqwest::Method::POST, &unknown, &t),
        &form,
    ))
    .await;
    assert_eq!((status, gold_code(&body)), (404, "4041"));
    let mut with_config = form.clone();
    with_config["configurationId"] = json!("605543e1-f507-48ad-8127-95c40566597b");
    let post = cc(
        &c,
        &sb,
        reqwest::Method::POST,
        "/institutions/170716/login-forms",
        &t,
    );
    let (status, body) = send(json_body(post, &with_config)).await;
    assert_eq!((status, gold_code(&body)), (404, "4041"));

    let oauth = json!({
        "customerId": "1005061234",
        "serviceAgreement": agreement(),
        "redirectURI": "https://oauth.example.com/redirect",
    });
    let post = cc(
        &c,
        &sb,
        reqwest::Method::POST,
        "/institutions/170716/oauth-urls",
        &t,
    );
    let (status, body) = send(json_body(post, &oauth)).await;
    assert_eq!(status, 201, "{body}");
    let url = body["url"].as_str().unwrap();
    assert!(url.starts_with(&sb.finicity_url()), "{url}");
    let resp = c.get(url).send().await.unwrap();
    assert_eq!(resp.status(), 302);
    assert_eq!(
        resp.headers()["location"],
        "https://oauth.example.com/redirect"
    );
}

#[tokio::test]
async fn reconnections_and_mfa() {
    let (sb, c) = start().await;
    let t = token(&sb, &c).await;
    let normal = "/customers/1005061234/institution-login-ids/7008461438/reconnections";
    let (status, body) = send(json_body(
        cc(&c, &sb, reqwest::Method::POST, normal, &t),
        &json!({}),
    ))
    .await;
    assert_eq!(status, 201);
    assert_eq!(body["elements"].as_array().unwrap().len(), 2);

    let mfa = format!(
        "/customers/1005061234/institution-login-ids/{FINICITY_MFA_INSTITUTION_LOGIN_ID}/reconnections"
    );
    let (status, body) = send(json_body(
        cc(&c, &sb, reqwest::Method::POST, &mfa, &t),
        &json!({}),
    ))
    .await;
    assert_eq!(status, 203);
    let challenge = &body[0]["mfaChallenges"][0];
    assert_eq!(challenge["mfaType"], "TFA_TEXT");
    assert_eq!(challenge["prompt"], "Which high school did you attend");
    for field in ["id", "eventStreamId"] {
        assert_eq!(challenge[field].as_str().unwrap().len(), 36, "{field}");
    }
    assert_eq!(challenge["choiceIds"].as_array().unwrap().len(), 1);

    let (status, body) = send(cc(&c, &sb, reqwest::Method::POST, normal, &t)).await;
    assert_eq!((status, gold_code(&body)), (400, "10010"));
    let bad = "/customers/1/institution-login-ids/abc/reconnections";
    let (status, body) = send(json_body(
        cc(&c, &sb, reqwest::Method::POST, bad, &t),
        &json!({}),
    ))
    .await;
    assert_eq!((status, gold_code(&body)), (400, "10010"));
}

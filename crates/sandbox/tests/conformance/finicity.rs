//! Finicity as the Mastercard SDKs send CreateToken (`accept: */*`, JSON body).

use fintra_sandbox::{FINICITY_APP_KEY, FINICITY_PARTNER_ID, FINICITY_PARTNER_SECRET};
use serde_json::json;

use crate::support::{json_body, send, start};

#[tokio::test]
async fn create_token_and_its_errors() {
    let (sb, c) = start().await;
    let url = format!(
        "{}/aggregation/v2/partners/authentication",
        sb.finicity_url()
    );
    let post = || {
        c.post(&url)
            .header("accept", "*/*")
            .header("Finicity-App-Key", FINICITY_APP_KEY)
    };
    let creds = json!({"partnerId": FINICITY_PARTNER_ID, "partnerSecret": FINICITY_PARTNER_SECRET});
    let (status, body) = send(json_body(post(), &creds)).await;
    assert_eq!(status, 200);
    assert!(body["token"].is_string());
    // 400 with where the JSON breaks.
    let (status, body) = send(
        post()
            .header("content-type", "application/json")
            .body("{\"partnerId\": }"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], "14020");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("line 1 column 15"),
        "{body}"
    );
    // 401 wrong secret, 404 unknown partner.
    let (status, body) = send(json_body(
        post(),
        &json!({"partnerId": FINICITY_PARTNER_ID, "partnerSecret": "wrong"}),
    ))
    .await;
    assert_eq!((status, body["code"].clone()), (401, json!("10001")));
    let (status, _) = send(json_body(
        post(),
        &json!({"partnerId": "1", "partnerSecret": "x"}),
    ))
    .await;
    assert_eq!(status, 404);
}

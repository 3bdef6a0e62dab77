//! The checks themselves must fail when they should: the validator rejects invalid bodies,
//! coverage notices a spec operation no crate operation sends, and the runner reports a
//! body that violates its schema and a documented status a crate cannot handle.

use fintra_contract_tests::{
    Coverage, Spec, openapi_to_json_schema, path_matches, postman_requests,
};
use serde_json::{Value, json};

use crate::connect_components;
use crate::harness::{compare, run};

fn body_schema(spec: &Spec, method: &str, path: &str) -> String {
    spec.find_operation(method, path)
        .and_then(|op| op.request_body)
        .and_then(|body| body.schema)
        .unwrap_or_else(|| panic!("{method} {path} has a body schema"))
}

#[test]
fn validator_rejects_invalid_bodies() {
    let cc = Spec::load("connect-components.json");
    let login = body_schema(
        &cc,
        "POST",
        "/connect-components/institutions/1/login-forms",
    );
    let good = json!({"language": "en", "customerId": "1005061234",
        "serviceAgreement": {"language": "en", "acceptedDate": "2024-11-28T18:25:32+00:00"}});
    cc.validate(&login, &good).unwrap();
    let with = |pointer: &str, value: Value| {
        let mut body = good.clone();
        *body.pointer_mut(pointer).unwrap() = value;
        body
    };
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("serviceAgreement");
    let mut extra = good.clone();
    extra["configurationId"] = json!("not-a-uuid");
    for (bad, why) in [
        (missing, "required serviceAgreement"),
        (with("/customerId", json!(1_005_061_234)), "customerId type"),
        (
            with("/serviceAgreement/acceptedDate", json!("28/11/2024")),
            "date-time format",
        ),
        (extra, "configurationId uuid format and length"),
    ] {
        let errors = cc.validate(&login, &bad).expect_err(why);
        assert!(!errors.is_empty(), "{why}");
    }
    let oauth = body_schema(&cc, "POST", "/connect-components/institutions/1/oauth-urls");
    let bad_uri = json!({"customerId": "1", "redirectURI": "not a uri",
        "serviceAgreement": {"language": "en", "acceptedDate": "2024-11-28T18:25:32Z"}});
    cc.validate(&oauth, &bad_uri)
        .expect_err("redirectURI format uri");
    // OpenAPI `nullable: true` on the NoBody schema: `{}` and `null` pass, an array fails.
    let reconnect = body_schema(
        &cc,
        "POST",
        "/connect-components/customers/1/institution-login-ids/2/reconnections",
    );
    cc.validate(&reconnect, &json!({})).unwrap();
    cc.validate(&reconnect, &Value::Null).unwrap();
    cc.validate(&reconnect, &json!([]))
        .expect_err("array is not an object");

    // `$ref` and `allOf` into components.
    let fin = Spec::load("finicity-authentication.json");
    let path = "/aggregation/v2/partners/authentication";
    let create = body_schema(&fin, "POST", path);
    fin.validate(&create, &json!({"partnerId": "1", "partnerSecret": "s"}))
        .unwrap();
    fin.validate(&create, &json!({"partnerId": "1"}))
        .expect_err("partnerSecret required");
    let modify = body_schema(&fin, "PUT", path);
    let ok = json!({"partnerId": "1", "partnerSecret": "s", "newPartnerSecret": "n"});
    fin.validate(&modify, &ok).unwrap();
    fin.validate(&modify, &json!({"partnerId": "1", "partnerSecret": "s"}))
        .expect_err("newPartnerSecret required");
    let mut bad = ok.clone();
    bad["immediate"] = json!("yes");
    fin.validate(&modify, &bad)
        .expect_err("immediate is a boolean");

    // `nullable` integer with bounds.
    let svix = Spec::load("app-portal-latest.json");
    let expire = body_schema(&svix, "POST", "/api/v1/auth/app/app_1/expire-all");
    for ok in [
        json!({}),
        json!({"expiry": null}),
        json!({"expiry": 0}),
        json!({"expiry": 259_200}),
    ] {
        svix.validate(&expire, &ok).unwrap();
    }
    for bad in [
        json!({"expiry": -1}),
        json!({"expiry": 259_201}),
        json!({"expiry": "60"}),
    ] {
        svix.validate(&expire, &bad)
            .expect_err("expiry out of range or not an integer");
    }
    let access = body_schema(&svix, "POST", "/api/v1/auth/app-portal-access/app_1");
    svix.validate(&access, &json!({"featureFlags": ["a b"]}))
        .expect_err("feature flag pattern");
    svix.validate(&access, &json!({"featureFlags": ["a", "a"]}))
        .expect_err("uniqueItems");
    // The latest spec's stream and poller bodies (OpenAPI 3.1 nullable types).
    let stream = body_schema(&svix, "POST", "/api/v1/auth/stream-portal-access/strm_1");
    svix.validate(&stream, &json!({"expiry": null, "sessionId": null}))
        .unwrap();
    for bad in [
        json!({"expiry": 3599}),
        json!({"featureFlags": []}),
        json!({"sessionId": "a.b"}),
    ] {
        svix.validate(&stream, &bad)
            .expect_err("StreamPortalAccessIn constraint");
    }
    let rotate = body_schema(
        &svix,
        "POST",
        "/api/v1/auth/stream/strm_1/sink/sink_1/poller/token/rotate",
    );
    svix.validate(&rotate, &json!({"oldTokenExpiry": 86_401}))
        .expect_err("oldTokenExpiry maximum");
    // SnapTrade: registerUser requires userId.
    let snap = Spec::load("snaptrade-authentication.json");
    let register = body_schema(&snap, "POST", "/snapTrade/registerUser");
    snap.validate(&register, &json!({"userId": "u"})).unwrap();
    snap.validate(&register, &json!({}))
        .expect_err("userId is required");
}

#[tokio::test]
async fn the_runner_fails_on_missing_operations_bad_bodies_and_unhandled_statuses() {
    let mut provider = connect_components::provider();
    let doc = provider.spec.document_mut();
    // A spec operation no crate operation sends.
    doc["paths"]["/connect-components/fake"] =
        json!({"get": {"responses": {"200": {"description": "fake"}}}});
    // A request schema the crate's minimal login-form body no longer satisfies.
    doc["components"]["requestBodies"]["LoginForm"]["content"]["application/json"]["schema"]
        ["required"]
        .as_array_mut()
        .unwrap()
        .push(json!("configurationId"));
    // A documented success status the crate does not accept.
    let reconnect = "/connect-components/customers/{customer_id}/institution-login-ids/{institution_login_id}/reconnections";
    doc["paths"][reconnect]["post"]["responses"]["202"] =
        json!({"$ref": "#/components/responses/LoginForms"});
    // And a crate operation dropped from the table.
    let mut ops = connect_components::ops();
    ops.retain(|op| op.name != "delete_configuration");

    let err = run(&provider, &ops)
        .await
        .expect_err("the broken contract must fail");
    for expected in [
        "GET /connect-components/fake: no crate operation sends it",
        "DELETE /connect-components/configurations/{configuration_id}: no crate operation sends it",
        "DELETE /connect-components/configurations/{configuration_id} -> 404: never decoded",
        "create_login_form (required fields): body {",
        "\"configurationId\" is a required property",
        "initiate_reconnection <- 202 schema example: expected the example to decode",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    // Nothing else failed.
    assert!(err.starts_with("3 contract failure(s)"), "{err}");
}

#[test]
fn coverage_lists_what_was_not_exercised() {
    let spec = Spec::load("app-portal-latest.json");
    let mut coverage = Coverage::new(&spec);
    // 12 operations, 8 documented statuses each.
    assert_eq!(coverage.totals(), (12, 96));
    assert_eq!(coverage.missing().len(), 108);
    for op in spec.operations() {
        coverage.record_call(&op.method, &op.path);
        for response in &op.responses {
            coverage.record_status(&op.method, &op.path, response.status);
        }
    }
    assert!(coverage.missing().is_empty());
    assert_eq!(
        coverage.to_string(),
        "app-portal-latest.json: 12/12 operations called, 96/96 statuses exercised"
    );
}

#[test]
fn decoded_values_must_agree_with_the_example() {
    let mut diffs = Vec::new();
    compare(
        &json!({"id": "a", "n": null}),
        &json!({"id": "a"}),
        "",
        &mut diffs,
    );
    compare(&json!({"s": "true"}), &json!({"s": true}), "", &mut diffs);
    assert!(diffs.is_empty(), "{diffs:?}");
    compare(&json!({"id": "a"}), &json!({"id": "b"}), "", &mut diffs);
    compare(&json!([1, 2]), &json!([1]), "", &mut diffs);
    compare(&json!({"x": "1"}), &json!({}), "", &mut diffs);
    assert_eq!(diffs.len(), 3, "{diffs:?}");
}

#[test]
fn spec_model_helpers() {
    assert!(path_matches("/a/{id}/b", "/a/42/b"));
    assert!(path_matches("/a/{id}/b", "/a/:id/b"));
    assert!(path_matches("/a/{id}/b", "/a/{{id}}/b"));
    assert!(path_matches("/api/v1/auth/logout/", "/api/v1/auth/logout/"));
    assert!(!path_matches("/api/v1/auth/logout/", "/api/v1/auth/logout"));
    assert!(!path_matches("/a/{id}/b", "/a//b"));
    assert!(!path_matches("/a/b", "/a/:b"));
    assert_eq!(
        openapi_to_json_schema(&json!({"type": "integer", "nullable": true, "example": 1})),
        json!({"type": ["integer", "null"], "example": 1})
    );
    assert_eq!(
        openapi_to_json_schema(&json!({"enum": ["a"], "nullable": true})),
        json!({"anyOf": [{"enum": ["a", null]}, {"type": "null"}]})
    );
    assert_eq!(
        openapi_to_json_schema(&json!({"properties": {"nullable": {"type": "boolean"}},
            "minimum": 1, "exclusiveMinimum": true, "maximum": 9, "exclusiveMaximum": false})),
        json!({"properties": {"nullable": {"type": "boolean"}}, "exclusiveMinimum": 1, "maximum": 9})
    );
    let postman = postman_requests("finicity-postman-examples.json");
    assert_eq!(postman.len(), 9);
    assert!(postman.iter().any(|r| r.path()
        == "/connect-components/customers/:customer_id/institution-login-ids/:institution_login_id/reconnections"));
    // Every spec example and Postman body is counted: 9 requests, 37 saved responses.
    assert_eq!(postman.iter().map(|r| r.responses.len()).sum::<usize>(), 37);
}

//! `fintra-finicity` against `finicity-authentication.json` and the Postman
//! "Authentication" requests.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use fintra_contract_tests::{Spec, postman_requests};
use fintra_core::Error;
use fintra_core::secret::{ExposeSecret, SecretString};
use fintra_finicity::{AuthFailure, FinicityClient, FinicityCredentials, FinicityErrorBody};
use serde_json::{Value, json};

use crate::harness::{Canned, OpCase, Provider, builder, run};

/// A Finicity client over `transport` (default base URL `https://api.finicity.com`). Each
/// gets its own partner id: clients of one partner share their token and lockout budget
/// within a process (fintra-finicity, issue 10), and every case starts afresh.
pub fn client(transport: Arc<Canned>) -> FinicityClient {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let partner_id = format!("12345838{:05}", NEXT.fetch_add(1, Ordering::Relaxed));
    let credentials = FinicityCredentials::new(
        partner_id,
        SecretString::from("aqJ5Ic4SEVx2IgDQ6oR4"),
        SecretString::from("contract-app-key"),
    );
    FinicityClient::with_config(credentials, builder(transport)).expect("valid Finicity client")
}

/// Finicity's answer behind an authentication failure: the contract is about the wire, the
/// lockout rules are tested in fintra-finicity.
fn answer(failure: AuthFailure) -> Error {
    failure.into_answer().unwrap_or_else(Error::from)
}

/// The code an example body carries: shape A `code` (number or string) or the first
/// GoldStandard `ReasonCode`, without the spec's YAML trailing commas.
fn example_code(example: &Value) -> Option<String> {
    let code = example
        .get("code")
        .or_else(|| example.pointer("/Errors/Error/0/ReasonCode"))?;
    let text = match code {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Some(text.trim().trim_end_matches(',').to_owned())
}

/// Finicity errors: the body decodes as a `FinicityErrorBody` of either shape whose code is
/// the example's, and the core error carries that code.
pub fn check_error(err: &Error, example: &Value) -> Result<(), String> {
    let body = err
        .provider::<FinicityErrorBody>()
        .ok_or("the body does not decode as a FinicityErrorBody")?;
    let expected = example_code(example).ok_or("the example has no code")?;
    if body.code() != Some(expected.as_str()) || err.code() != Some(expected.as_str()) {
        return Err(format!(
            "code: body {:?}, error {:?}, example {expected}",
            body.code(),
            err.code()
        ));
    }
    if example.get("Errors").is_some() && body.recoverable().is_none() {
        return Err("GoldStandard `Recoverable` not decoded".to_owned());
    }
    Ok(())
}

/// The Postman requests of one folder.
pub fn postman(folder: &str) -> Vec<fintra_contract_tests::PostmanRequest> {
    postman_requests("finicity-postman-examples.json")
        .into_iter()
        .filter(|r| r.folder.ends_with(folder))
        .collect()
}

/// The provider under test.
pub fn provider() -> Provider<FinicityClient> {
    Provider {
        spec: Spec::load("finicity-authentication.json"),
        client,
        token: false,
        check_error,
        postman: postman("/Authentication"),
        // The Postman "Create Access Token" 200 example is `{}`: no `token`, which the spec
        // requires, so it cannot decode into a `FinicityAccessToken`.
        undecodable: &[(
            "postman \"Create Access Token\" / \"The access token was successfully created\"",
            200,
        )],
        // `ErrorMessage.code` is declared `type: object` but every example sends a string or
        // a number; `PartnerNotFoundResponse` declares `ErrorWrapper` but its example is an
        // `ErrorMessage`.
        off_schema_examples: &[
            "examples.GenericBadRequestExample",
            "examples.InvalidCredentialsExample",
            "examples.InvalidNewPartnerSecretExample",
            "examples.MissingFieldExample",
            "examples.MissingFinicityAppKeyExample",
            "examples.NotAuthorizedExample",
            "examples.PartnerNotFoundExample",
        ],
    }
}

/// One case per crate operation.
pub fn ops() -> Vec<OpCase<FinicityClient>> {
    vec![
        OpCase {
            name: "FinicityClient::create_token",
            method: "POST",
            path: "/aggregation/v2/partners/authentication",
            calls: vec![("", |c| {
                Box::pin(async move {
                    let t = c.create_token(None).await.map_err(answer)?;
                    Ok(json!({"token": t.token.expose_secret()}))
                })
            })],
        },
        OpCase {
            name: "FinicityClient::modify_partner_secret",
            method: "PUT",
            path: "/aggregation/v2/partners/authentication",
            calls: vec![
                ("immediate unset", |c| {
                    Box::pin(async move {
                        let secret = SecretString::from("OrU7tjiA3tIspCgb85xV");
                        c.modify_partner_secret(secret, None, None)
                            .await
                            .map_err(answer)?;
                        Ok(Value::Null)
                    })
                }),
                ("immediate false", |c| {
                    Box::pin(async move {
                        let secret = SecretString::from("New-Secret_2024!x");
                        c.modify_partner_secret(secret, Some(false), None)
                            .await
                            .map_err(answer)?;
                        Ok(Value::Null)
                    })
                }),
            ],
        },
    ]
}

#[tokio::test]
async fn finicity_authentication_contract() {
    let summary = run(&provider(), &ops())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(summary.bodies_validated > 0);
}

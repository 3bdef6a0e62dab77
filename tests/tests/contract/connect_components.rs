//! `fintra-connect-components` against `connect-components.json` and the Postman
//! "Connect Components" requests.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use fintra_connect_components::models::{
    AccountClassification, CreateConfiguration, FilterAccount, Language, LoginFormRequest,
    OauthUrlRequest, ServiceAgreement,
};
use fintra_connect_components::{ConnectComponentsClient, ReconnectionOutcome};
use fintra_contract_tests::Spec;
use serde_json::Value;

use crate::harness::{Canned, OpCase, Provider, run, to_json};

const CONFIGURATION_ID: &str = "605543e1-f507-48ad-8127-95c40566597b";
const CUSTOMER_ID: &str = "1005061234";
const INSTITUTION_ID: i64 = 170716;

fn client(transport: Arc<Canned>) -> ConnectComponentsClient {
    ConnectComponentsClient::new(&crate::finicity::client(transport))
}

fn agreement() -> ServiceAgreement {
    ServiceAgreement::new(Language::En, "2024-11-28T18:25:32+00:00")
}

fn agreement_now() -> ServiceAgreement {
    ServiceAgreement::accepted_at(
        Language::FrCa,
        UNIX_EPOCH + Duration::from_secs(1_732_818_332),
    )
}

/// The provider under test.
pub fn provider() -> Provider<ConnectComponentsClient> {
    Provider {
        spec: Spec::load("connect-components.json"),
        client,
        token: true,
        check_error: crate::finicity::check_error,
        postman: crate::finicity::postman("/Connect Components"),
        undecodable: &[],
        // The GoldStandard examples carry YAML artifacts: `"Recoverable": "false,"` is a
        // string, not the declared boolean (the crate reads it leniently).
        off_schema_examples: &[
            "examples.ExpiredTokenExample",
            "examples.InvalidFieldExample",
            "examples.MissingFinicityAppKeyExample",
            "examples.ResourceNotFoundExample",
        ],
    }
}

/// One case per crate operation.
pub fn ops() -> Vec<OpCase<ConnectComponentsClient>> {
    vec![
        OpCase {
            name: "create_configuration",
            method: "POST",
            path: "/connect-components/configurations",
            calls: vec![
                ("empty", |c| {
                    Box::pin(async move {
                        let body = CreateConfiguration::new();
                        Ok(to_json(&c.create_configuration(&body, None).await?))
                    })
                }),
                ("every field", |c| {
                    Box::pin(async move {
                        let body = CreateConfiguration::new()
                            .filter_accounts([
                                FilterAccount::Checking,
                                FilterAccount::Savings,
                                FilterAccount::from("Brokerage"),
                            ])
                            .account_classification_type([
                                AccountClassification::Personal,
                                AccountClassification::Business,
                                AccountClassification::Unknown,
                            ])
                            .ao_required(true);
                        Ok(to_json(&c.create_configuration(&body, None).await?))
                    })
                }),
            ],
        },
        OpCase {
            name: "list_configurations",
            method: "GET",
            path: "/connect-components/configurations",
            calls: vec![("", |c| {
                Box::pin(async move { Ok(to_json(&c.list_configurations(None).await?)) })
            })],
        },
        OpCase {
            name: "get_configuration",
            method: "GET",
            path: "/connect-components/configurations/{configuration_id}",
            calls: vec![("", |c| {
                Box::pin(
                    async move { Ok(to_json(&c.get_configuration(CONFIGURATION_ID, None).await?)) },
                )
            })],
        },
        OpCase {
            name: "delete_configuration",
            method: "DELETE",
            path: "/connect-components/configurations/{configuration_id}",
            calls: vec![("", |c| {
                Box::pin(async move {
                    c.delete_configuration(CONFIGURATION_ID, None).await?;
                    Ok(Value::Null)
                })
            })],
        },
        OpCase {
            name: "create_login_form",
            method: "POST",
            path: "/connect-components/institutions/{institution_id}/login-forms",
            calls: vec![
                ("required fields", |c| {
                    Box::pin(async move {
                        let body = LoginFormRequest::new(Language::En, CUSTOMER_ID, agreement());
                        Ok(to_json(
                            &c.create_login_form(INSTITUTION_ID, &body, None).await?,
                        ))
                    })
                }),
                ("with configurationId", |c| {
                    Box::pin(async move {
                        let body =
                            LoginFormRequest::new(Language::EsUs, CUSTOMER_ID, agreement_now())
                                .configuration_id(CONFIGURATION_ID);
                        Ok(to_json(
                            &c.create_login_form(INSTITUTION_ID, &body, None).await?,
                        ))
                    })
                }),
            ],
        },
        OpCase {
            name: "create_oauth_url",
            method: "POST",
            path: "/connect-components/institutions/{institution_id}/oauth-urls",
            calls: vec![
                ("required fields", |c| {
                    Box::pin(async move {
                        let body = OauthUrlRequest::new(
                            "https://oauth.example.com/redirect",
                            CUSTOMER_ID,
                            agreement(),
                        );
                        Ok(to_json(
                            &c.create_oauth_url(INSTITUTION_ID, &body, None).await?,
                        ))
                    })
                }),
                ("with configurationId", |c| {
                    Box::pin(async move {
                        let body = OauthUrlRequest::new(
                            "myapp://oauth/callback?state=x",
                            CUSTOMER_ID,
                            agreement_now(),
                        )
                        .configuration_id(CONFIGURATION_ID);
                        Ok(to_json(
                            &c.create_oauth_url(INSTITUTION_ID, &body, None).await?,
                        ))
                    })
                }),
            ],
        },
        OpCase {
            name: "initiate_reconnection",
            method: "POST",
            path: "/connect-components/customers/{customer_id}/institution-login-ids/{institution_login_id}/reconnections",
            calls: vec![("", |c| {
                Box::pin(async move {
                    Ok(
                        match c
                            .initiate_reconnection(CUSTOMER_ID, 7_008_461_438, None)
                            .await?
                        {
                            ReconnectionOutcome::LoginForm(form) => to_json(&form),
                            ReconnectionOutcome::MfaChallenges(challenges) => to_json(&challenges),
                            other => panic!("unexpected outcome {other:?}"),
                        },
                    )
                })
            })],
        },
    ]
}

#[tokio::test]
async fn connect_components_contract() {
    let summary = run(&provider(), &ops())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(summary.bodies_validated > 0);
}

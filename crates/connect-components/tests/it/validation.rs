//! Client-side validation: typed InvalidRequest errors, nothing sent.

use fintra_connect_components::models::{
    AccountClassification, CreateConfiguration, FilterAccount, Language, LoginFormRequest,
    OauthUrlRequest, ServiceAgreement,
};
use fintra_core::Error;
use httpmock::MockServer;

use crate::fixtures::*;
use crate::support::*;

fn field(result: Result<impl std::fmt::Debug, Error>) -> String {
    match result {
        Err(Error::InvalidRequest(invalid)) => invalid.field().to_owned(),
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
}

#[tokio::test]
async fn invalid_requests_are_rejected_before_sending() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    let s = setup(&server);
    let c = &s.components;

    for bad in [
        "",
        "not-a-uuid",
        "605543e1f50748ad812795c40566597b",
        "../configurations",
    ] {
        assert_eq!(
            field(c.get_configuration(bad, None).await),
            "configuration_id"
        );
        assert_eq!(
            field(c.delete_configuration(bad, None).await),
            "configuration_id"
        );
    }
    assert_eq!(
        field(
            c.initiate_reconnection(" ", INSTITUTION_LOGIN_ID, None)
                .await
        ),
        "customer_id"
    );

    let bad_date = ServiceAgreement::new(Language::En, "28/11/2024");
    let cases: Vec<(LoginFormRequest, &str)> = vec![
        (
            LoginFormRequest::new(Language::En, "", agreement()),
            "customerId",
        ),
        (
            LoginFormRequest::new(Language::Other(String::new()), CUSTOMER_ID, agreement()),
            "language",
        ),
        (
            LoginFormRequest::new(Language::En, CUSTOMER_ID, agreement()).configuration_id("abc"),
            "configurationId",
        ),
        (
            LoginFormRequest::new(Language::En, CUSTOMER_ID, bad_date.clone()),
            "serviceAgreement.acceptedDate",
        ),
        (
            LoginFormRequest::new(
                Language::En,
                CUSTOMER_ID,
                ServiceAgreement::new(Language::Other(" ".into()), "2024-11-28T18:25:32+00:00"),
            ),
            "serviceAgreement.language",
        ),
    ];
    for (request, expected) in cases {
        assert_eq!(
            field(c.create_login_form(INSTITUTION_ID, &request, None).await),
            expected
        );
    }

    let long = format!("https://example.com/{}", "a".repeat(1010));
    let cases: Vec<(OauthUrlRequest, &str)> = vec![
        (
            OauthUrlRequest::new("", CUSTOMER_ID, agreement()),
            "redirectURI",
        ),
        (
            OauthUrlRequest::new(long, CUSTOMER_ID, agreement()),
            "redirectURI",
        ),
        (
            OauthUrlRequest::new("/relative/path", CUSTOMER_ID, agreement()),
            "redirectURI",
        ),
        (
            OauthUrlRequest::new("https://oauth.example.com/r", "", agreement()),
            "customerId",
        ),
        (
            OauthUrlRequest::new("https://oauth.example.com/r", CUSTOMER_ID, agreement())
                .configuration_id(PATH_CONFIGURATION_ID.replace('-', "_")),
            "configurationId",
        ),
        (
            OauthUrlRequest::new("https://oauth.example.com/r", CUSTOMER_ID, bad_date),
            "serviceAgreement.acceptedDate",
        ),
    ];
    for (request, expected) in cases {
        assert_eq!(
            field(c.create_oauth_url(INSTITUTION_ID, &request, None).await),
            expected
        );
    }

    let configs = [
        (
            CreateConfiguration::new().filter_accounts([FilterAccount::Other(String::new())]),
            "filterAccounts",
        ),
        (
            CreateConfiguration::new().filter_accounts([FilterAccount::Other("x".repeat(513))]),
            "filterAccounts",
        ),
        (
            CreateConfiguration::new()
                .account_classification_type([AccountClassification::Other(String::new())]),
            "accountClassificationType",
        ),
    ];
    for (body, expected) in configs {
        assert_eq!(field(c.create_configuration(&body, None).await), expected);
    }
    any.assert_calls_async(0).await;
}

#[tokio::test]
async fn dot_segment_customer_ids_send_nothing() {
    // `..` once reached `POST /connect-components/institution-login-ids/42/reconnections`.
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(201);
        })
        .await;
    let s = setup(&server);
    for customer_id in ["..", "."] {
        let result = s
            .components
            .initiate_reconnection(customer_id, INSTITUTION_LOGIN_ID, None)
            .await;
        assert!(
            matches!(result, Err(Error::InvalidRequest(_))),
            "{customer_id}: {result:?}"
        );
    }
    any.assert_calls_async(0).await;
}

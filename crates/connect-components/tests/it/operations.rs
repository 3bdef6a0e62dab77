//! Each operation: exact method, path, headers and body; decoded success.

use fintra_connect_components::ReconnectionOutcome;
use fintra_connect_components::models::{
    AccountClassification, Configuration, CreateConfiguration, FilterAccount, Language, MfaType,
};
use httpmock::{Mock, MockServer};
use serde_json::{Value, json};

use crate::fixtures::*;
use crate::support::*;

/// A mock requiring both auth headers, `Accept`, and either the exact JSON body (with
/// `Content-Type`) or no body and no `Content-Type`.
async fn op_mock<'a>(
    server: &'a MockServer,
    method: &'static str,
    path: &'static str,
    body: Option<Value>,
    status: u16,
    response: &str,
) -> Mock<'a> {
    let response = response.to_owned();
    server
        .mock_async(move |when, then| {
            let when = when
                .method(method)
                .path(path)
                .header("finicity-app-key", APP_KEY)
                .header("finicity-app-token", TOKEN)
                .header("accept", "application/json");
            match body {
                Some(body) => {
                    when.header("content-type", "application/json")
                        .json_body(body);
                }
                // httpmock rejects body matchers on GET; a DELETE must have an empty body.
                None if method == "DELETE" => {
                    when.header_missing("content-type").body("");
                }
                None => {
                    when.header_missing("content-type");
                }
            }
            then.status(status)
                .header("content-type", "application/json")
                .body(response);
        })
        .await
}

#[tokio::test]
async fn create_configuration() {
    let server = MockServer::start_async().await;
    let tokens = token_mock(&server, TOKEN).await;
    let s = setup(&server);
    let mock = op_mock(
        &server,
        "POST",
        "/connect-components/configurations",
        Some(json!({"filterAccounts": ["Checking", "Savings"]})),
        201,
        CONFIGURATION,
    )
    .await;
    let body = CreateConfiguration::new()
        .filter_accounts([FilterAccount::Checking, FilterAccount::Savings]);
    let created = s
        .components
        .create_configuration(&body, None)
        .await
        .unwrap();
    assert_eq!(
        created.id.as_deref(),
        Some("2eb3033c-9153-4c06-bd8c-2f1cc24774a1")
    );
    assert_eq!(
        created.filter_accounts,
        Some(vec![FilterAccount::Checking, FilterAccount::Savings])
    );
    assert_eq!(created.account_classification_type, None);
    assert_eq!(created.ao_required, None);
    mock.assert_calls_async(1).await;
    tokens.assert_calls_async(1).await;
}

#[tokio::test]
async fn create_configuration_with_every_field_and_an_id_only_answer() {
    let server = MockServer::start_async().await;
    token_mock(&server, TOKEN).await;
    let s = setup(&server);
    let mock = op_mock(
        &server,
        "POST",
        "/connect-components/configurations",
        Some(json!({"filterAccounts": ["Checking"],
                    "accountClassificationType": ["personal", "business", "unknown"],
                    "aoRequired": true})),
        201,
        CONFIGURATION_ID_ONLY,
    )
    .await;
    let body = CreateConfiguration::new()
        .filter_accounts([FilterAccount::Checking])
        .account_classification_type([
            AccountClassification::Personal,
            AccountClassification::Business,
            AccountClassification::Unknown,
        ])
        .ao_required(true);
    let created = s
        .components
        .create_configuration(&body, None)
        .await
        .unwrap();
    assert_eq!(
        created.id.as_deref(),
        Some("7b0d390d-1b51-4f5e-8e7b-d68c866ea257")
    );
    assert_eq!(created.filter_accounts, None);
    mock.assert_calls_async(1).await;

    // An empty configuration is `{}`.
    let empty = op_mock(
        &server,
        "POST",
        "/connect-components/configurations",
        Some(json!({})),
        201,
        r#"{"id":"7b0d390d-1b51-4f5e-8e7b-d68c866ea257","filterAccounts":null,"aoRequired":null}"#,
    )
    .await;
    s.components
        .create_configuration(&CreateConfiguration::new(), None)
        .await
        .unwrap();
    empty.assert_calls_async(1).await;
}

#[tokio::test]
async fn list_configurations() {
    let server = MockServer::start_async().await;
    token_mock(&server, TOKEN).await;
    let s = setup(&server);
    let mock = op_mock(
        &server,
        "GET",
        "/connect-components/configurations",
        None,
        200,
        CONFIGURATIONS,
    )
    .await;
    let all = s.components.list_configurations(None).await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|c| c.id.is_none()
        && c.filter_accounts == Some(vec![FilterAccount::Checking, FilterAccount::Savings])));
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn get_configuration() {
    let server = MockServer::start_async().await;
    token_mock(&server, TOKEN).await;
    let s = setup(&server);
    let mock = op_mock(
        &server,
        "GET",
        "/connect-components/configurations/9082affa-d965-40be-a3ed-a320bb3467ff",
        None,
        200,
        r#"{"id":"9082affa-d965-40be-a3ed-a320bb3467ff","filterAccounts":["checking","Brokerage"],
            "accountClassificationType":["personal","sole-trader"],"aoRequired":false,"newField":[1]}"#,
    )
    .await;
    let config: Configuration = s
        .components
        .get_configuration(PATH_CONFIGURATION_ID, None)
        .await
        .unwrap();
    assert_eq!(
        config.filter_accounts,
        Some(vec![
            FilterAccount::Checking,
            FilterAccount::Other("Brokerage".into())
        ])
    );
    assert_eq!(
        config.account_classification_type,
        Some(vec![
            AccountClassification::Personal,
            AccountClassification::Other("sole-trader".into())
        ])
    );
    assert_eq!(config.ao_required, Some(false));
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn delete_configuration() {
    let server = MockServer::start_async().await;
    token_mock(&server, TOKEN).await;
    let s = setup(&server);
    let mock = op_mock(
        &server,
        "DELETE",
        "/connect-components/configurations/9082affa-d965-40be-a3ed-a320bb3467ff",
        None,
        204,
        "",
    )
    .await;
    s.components
        .delete_configuration(PATH_CONFIGURATION_ID, None)
        .await
        .unwrap();
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn create_login_form() {
    let server = MockServer::start_async().await;
    token_mock(&server, TOKEN).await;
    let s = setup(&server);
    let mock = op_mock(
        &server,
        "POST",
        "/connect-components/institutions/170716/login-forms",
        Some(json!({
            "language": "en",
            "customerId": "1005061234",
            "serviceAgreement": {"language": "en", "acceptedDate": "2024-11-28T18:25:32+00:00"},
            "configurationId": "605543e1-f507-48ad-8127-95c40566597b"
        })),
        201,
        LOGIN_FORM,
    )
    .await;
    let form = s
        .components
        .create_login_form(INSTITUTION_ID, &login_form_request(), None)
        .await
        .unwrap();
    assert_eq!(form.id, "8d9d8f5e-2c5f-4f49-bf9b-276a7df0367f");
    assert_eq!(form.event_stream_id, "208a1170-875e-4656-85d0-27dfc3ee7137");
    let labels: Vec<_> = form
        .elements
        .iter()
        .map(|e| (e.label.as_str(), e.sort_order))
        .collect();
    assert_eq!(labels, [("username", 0), ("password", 1)]);
    assert_eq!(form.elements[1].id, "f2ce62c2-877f-4c26-9935-d1ab6084e6d0");
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn create_login_form_without_configuration_and_other_language() {
    let server = MockServer::start_async().await;
    token_mock(&server, TOKEN).await;
    let s = setup(&server);
    let mock = op_mock(
        &server,
        "POST",
        "/connect-components/institutions/170716/login-forms",
        Some(json!({
            "language": "fr-ca",
            "customerId": "1005061234",
            "serviceAgreement": {"language": "fr-ca", "acceptedDate": "2024-11-28T18:25:32+00:00"}
        })),
        201,
        LOGIN_FORM,
    )
    .await;
    let agreement = fintra_connect_components::models::ServiceAgreement::new(
        Language::FrCa,
        "2024-11-28T18:25:32+00:00",
    );
    let request = fintra_connect_components::models::LoginFormRequest::new(
        Language::FrCa,
        CUSTOMER_ID,
        agreement,
    );
    s.components
        .create_login_form(INSTITUTION_ID, &request, None)
        .await
        .unwrap();
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn create_oauth_url() {
    let server = MockServer::start_async().await;
    token_mock(&server, TOKEN).await;
    let s = setup(&server);
    let mock = op_mock(
        &server,
        "POST",
        "/connect-components/institutions/170716/oauth-urls",
        Some(json!({
            "customerId": "1005061234",
            "serviceAgreement": {"language": "en", "acceptedDate": "2024-11-28T18:25:32+00:00"},
            "redirectURI": "https://oauth.example.com/redirect",
            "configurationId": "605543e1-f507-48ad-8127-95c40566597b"
        })),
        201,
        OAUTH_URL,
    )
    .await;
    let url = s
        .components
        .create_oauth_url(INSTITUTION_ID, &oauth_url_request(), None)
        .await
        .unwrap();
    assert_eq!(url.id, "8d9d8f5e-2c5f-4f49-bf9b-276a7df0367f");
    assert_eq!(url.url, "https://example.com");
    assert_eq!(url.event_stream_id, "208a1170-875e-4656-85d0-27dfc3ee7137");
    mock.assert_calls_async(1).await;
}

const RECONNECTIONS: &str =
    "/connect-components/customers/1005061234/institution-login-ids/7008461438/reconnections";

#[tokio::test]
async fn reconnection_201_is_a_login_form() {
    let server = MockServer::start_async().await;
    token_mock(&server, TOKEN).await;
    let s = setup(&server);
    let mock = op_mock(
        &server,
        "POST",
        RECONNECTIONS,
        Some(json!({})),
        201,
        LOGIN_FORM,
    )
    .await;
    let outcome = s
        .components
        .initiate_reconnection(CUSTOMER_ID, INSTITUTION_LOGIN_ID, None)
        .await
        .unwrap();
    let ReconnectionOutcome::LoginForm(form) = outcome else {
        panic!("expected a login form, got {outcome:?}")
    };
    assert_eq!(form.elements.len(), 2);
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn reconnection_203_is_mfa_challenges() {
    for (fixture, check) in [(MFA_CHALLENGES_POSTMAN, 0), (MFA_CHALLENGES_SPEC, 1)] {
        let server = MockServer::start_async().await;
        token_mock(&server, TOKEN).await;
        let s = setup(&server);
        let mock = op_mock(
            &server,
            "POST",
            RECONNECTIONS,
            Some(json!({})),
            203,
            fixture,
        )
        .await;
        let outcome = s
            .components
            .initiate_reconnection(CUSTOMER_ID, INSTITUTION_LOGIN_ID, None)
            .await
            .unwrap();
        let ReconnectionOutcome::MfaChallenges(sets) = outcome else {
            panic!("expected MFA challenges, got {outcome:?}")
        };
        if check == 0 {
            assert_eq!(sets.len(), 2);
            let c = &sets[0].mfa_challenges[0];
            assert_eq!(c.id, "9082affa-d965-40be-a3ed-a320bb3467ff");
            assert_eq!(c.prompt, "Which high school did you attend");
            assert_eq!(c.mfa_type, MfaType::TfaText);
            assert_eq!(c.choice_ids.len(), 2);
            assert_eq!(c.event_stream_id.as_deref(), Some("amet fugiat"));
            assert_eq!(
                sets[1].mfa_challenges[0].event_stream_id.as_deref(),
                Some("true")
            );
        } else {
            let challenges = &sets[0].mfa_challenges;
            assert_eq!(challenges[0].mfa_type, MfaType::TfaChoice);
            assert_eq!(
                challenges[0].event_stream_id.as_deref(),
                Some("208a1170-875e-4656-85d0-27dfc3ee7137")
            );
            assert_eq!(challenges[1].mfa_type, MfaType::Other("TFA_PUSH".into()));
            assert!(challenges[1].choice_ids.is_empty());
            assert_eq!(challenges[1].event_stream_id, None);
        }
        mock.assert_calls_async(1).await;
    }
}

#[tokio::test]
async fn reconnection_other_success_status_is_an_error() {
    let server = MockServer::start_async().await;
    token_mock(&server, TOKEN).await;
    let s = setup(&server);
    let mock = op_mock(
        &server,
        "POST",
        RECONNECTIONS,
        Some(json!({})),
        200,
        LOGIN_FORM,
    )
    .await;
    let err = s
        .components
        .initiate_reconnection(CUSTOMER_ID, INSTITUTION_LOGIN_ID, None)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    mock.assert_calls_async(1).await;
}

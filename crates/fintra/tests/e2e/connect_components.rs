//! Connect Components: CRUD, sessions, reconnections, error decoding and retries.

use std::time::{Duration, SystemTime};

use fintra::connect_components::ReconnectionOutcome;
use fintra::connect_components::models::{
    CreateConfiguration, Language, LoginFormRequest, OauthUrlRequest, ServiceAgreement,
};
use fintra::core::Error;
use fintra::finicity::FinicityErrorBody;
use fintra_sandbox::{
    FINICITY_MFA_INSTITUTION_LOGIN_ID, FINICITY_UNKNOWN_INSTITUTION_ID, Fault, FaultKind, Route,
};

use crate::support::{components, sandbox};

const CUSTOMER: &str = "1005061234";
/// Faults below this prefix spare CreateToken.
const CC: &str = "/finicity/connect-components";

fn agreement() -> ServiceAgreement {
    ServiceAgreement::accepted_at(Language::En, SystemTime::now())
}

#[tokio::test]
async fn configuration_round_trip_ends_in_a_decoded_404() {
    let sandbox = sandbox().await;
    let (cc, _finicity, _time) = components(&sandbox);
    let created = cc
        .create_configuration(&CreateConfiguration::new().ao_required(true), None)
        .await
        .unwrap();
    let id = created.id.clone().unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(created.ao_required, Some(true));

    let got = cc.get_configuration(&id, None).await.unwrap();
    assert_eq!(got.id.as_deref(), Some(id.as_str()));
    assert_eq!(got.ao_required, Some(true));
    let all = cc.list_configurations(None).await.unwrap();
    assert!(all.iter().any(|c| c.id.as_deref() == Some(id.as_str())));

    cc.delete_configuration(&id, None).await.unwrap();
    let err = cc.get_configuration(&id, None).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.code(), Some("4041"));
    let api = err.as_api().unwrap();
    assert_eq!(api.message(), Some("The requested entity was not found"));
    match err.provider::<FinicityErrorBody>().unwrap() {
        FinicityErrorBody::GoldStandard(g) => {
            let first = g.first().unwrap();
            assert_eq!(first.reason_code.as_deref(), Some("4041"));
            assert_eq!(first.source.as_deref(), Some("Connect-Components"));
            assert!(first.details.as_deref().unwrap().contains(&id));
            assert_eq!(g.recoverable(), Some(false));
        }
        other => panic!("expected a GoldStandard body, got {other:?}"),
    }
    // Deleting again is a 404 too; 404s are not retried.
    let err = cc.delete_configuration(&id, None).await.unwrap_err();
    assert_eq!(err.code(), Some("4041"));
    let stats = sandbox.stats();
    assert_eq!(stats.hits(Route::FinicityGetConfiguration), 2);
    assert_eq!(stats.hits(Route::FinicityDeleteConfiguration), 2);
    assert_eq!(stats.hits(Route::FinicityCreateToken), 1);
}

#[tokio::test]
async fn login_forms_and_oauth_urls_reference_stored_configurations() {
    let sandbox = sandbox().await;
    let (cc, _finicity, _time) = components(&sandbox);
    let id = cc
        .create_configuration(&CreateConfiguration::new(), None)
        .await
        .unwrap()
        .id
        .unwrap();
    let form = cc
        .create_login_form(
            101_732,
            &LoginFormRequest::new(Language::En, CUSTOMER, agreement()).configuration_id(&id),
            None,
        )
        .await
        .unwrap();
    let labels: Vec<_> = form.elements.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(labels, ["username", "password"]);
    let oauth = cc
        .create_oauth_url(
            102_105,
            &OauthUrlRequest::new("https://example.com/callback", CUSTOMER, agreement()),
            None,
        )
        .await
        .unwrap();
    assert!(oauth.url.starts_with(&sandbox.finicity_url()));
    assert!(oauth.url.ends_with(&oauth.id));

    // An unknown institution and an unknown (well-formed) configuration id: 404 4041.
    let err = cc
        .create_login_form(
            FINICITY_UNKNOWN_INSTITUTION_ID,
            &LoginFormRequest::new(Language::En, CUSTOMER, agreement()),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.code(), Some("4041"));
    cc.delete_configuration(&id, None).await.unwrap();
    let err = cc
        .create_oauth_url(
            102_105,
            &OauthUrlRequest::new("https://example.com/callback", CUSTOMER, agreement())
                .configuration_id(&id),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("4041"));
    assert!(err.as_api().unwrap().body().len() > 2);
}

#[tokio::test]
async fn reconnection_answers_201_with_a_form_or_203_with_mfa() {
    let sandbox = sandbox().await;
    let (cc, _finicity, _time) = components(&sandbox);
    match cc
        .initiate_reconnection(CUSTOMER, 1_007_302_745, None)
        .await
        .unwrap()
    {
        ReconnectionOutcome::LoginForm(form) => assert_eq!(form.elements.len(), 2),
        other => panic!("expected a login form, got {other:?}"),
    }
    match cc
        .initiate_reconnection(CUSTOMER, FINICITY_MFA_INSTITUTION_LOGIN_ID, None)
        .await
        .unwrap()
    {
        ReconnectionOutcome::MfaChallenges(sets) => {
            assert_eq!(sets.len(), 1);
            let challenge = &sets[0].mfa_challenges[0];
            assert_eq!(challenge.prompt, "Which high school did you attend");
            assert_eq!(challenge.choice_ids.len(), 1);
        }
        other => panic!("expected MFA challenges, got {other:?}"),
    }
    assert_eq!(sandbox.stats().hits(Route::FinicityInitiateReconnection), 2);
}

#[tokio::test]
async fn a_get_meeting_two_503s_succeeds_on_the_third_attempt() {
    let sandbox = sandbox().await;
    let (cc, _finicity, time) = components(&sandbox);
    let id = cc
        .create_configuration(&CreateConfiguration::new(), None)
        .await
        .unwrap()
        .id
        .unwrap();
    sandbox.inject(Fault::new(CC, FaultKind::Status(503)).times(2));
    let got = cc.get_configuration(&id, None).await.unwrap();
    assert_eq!(got.id.as_deref(), Some(id.as_str()));
    let stats = sandbox.stats();
    assert_eq!(stats.hits(Route::FinicityGetConfiguration), 3);
    assert_eq!(stats.faults_injected(), 2);
    assert_eq!(
        time.sleeps(),
        [Duration::from_millis(10), Duration::from_millis(20)]
    );
}

#[tokio::test]
async fn a_get_failing_on_every_attempt_returns_the_last_503() {
    let sandbox = sandbox().await;
    let (cc, _finicity, _time) = components(&sandbox);
    cc.list_configurations(None).await.unwrap();
    sandbox.inject(Fault::new(CC, FaultKind::Status(503)).times(5));
    let err = cc.list_configurations(None).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(err.code(), Some("503"));
    assert!(err.is_retryable());
    assert_eq!(sandbox.stats().hits(Route::FinicityListConfigurations), 4);
}

#[tokio::test]
async fn a_post_meeting_a_500_is_not_retried() {
    let sandbox = sandbox().await;
    let (cc, _finicity, _time) = components(&sandbox);
    cc.list_configurations(None).await.unwrap();
    sandbox.inject(Fault::new(CC, FaultKind::Status(500)));
    let err = cc
        .create_configuration(&CreateConfiguration::new(), None)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(sandbox.stats().hits(Route::FinicityCreateConfiguration), 1);
    // Nothing was stored.
    assert!(cc.list_configurations(None).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_dropped_connection_is_retried_for_a_get_but_not_for_a_post() {
    let sandbox = sandbox().await;
    let (cc, _finicity, _time) = components(&sandbox);
    cc.list_configurations(None).await.unwrap();

    sandbox.inject(Fault::new(CC, FaultKind::DropConnection));
    assert!(cc.list_configurations(None).await.unwrap().is_empty());
    assert_eq!(sandbox.stats().hits(Route::FinicityListConfigurations), 3);

    sandbox.inject(Fault::new(CC, FaultKind::DropConnection));
    let err = cc
        .create_login_form(
            101_732,
            &LoginFormRequest::new(Language::En, CUSTOMER, agreement()),
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(err.status(), None);
    assert_eq!(sandbox.stats().hits(Route::FinicityCreateLoginForm), 1);
}

#[tokio::test]
async fn a_slow_answer_past_the_attempt_timeout_is_retried_for_a_get() {
    let sandbox = sandbox().await;
    let (cc, _finicity, _time) = components(&sandbox);
    cc.list_configurations(None).await.unwrap();
    sandbox.inject(Fault::new(CC, FaultKind::Delay(Duration::from_millis(300))));
    let options = fintra::RequestOptions::new().attempt_timeout(Duration::from_millis(100));
    assert!(
        cc.list_configurations(Some(options))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(sandbox.stats().hits(Route::FinicityListConfigurations), 3);
}

#[tokio::test]
async fn a_429_on_a_get_waits_for_retry_after() {
    let sandbox = sandbox().await;
    let (cc, _finicity, time) = components(&sandbox);
    cc.list_configurations(None).await.unwrap();
    sandbox.inject(Fault::new(
        CC,
        FaultKind::TooManyRequests {
            retry_after_secs: 2,
        },
    ));
    cc.list_configurations(None).await.unwrap();
    assert_eq!(time.sleeps(), [Duration::from_secs(2)]);
    assert_eq!(sandbox.stats().hits(Route::FinicityListConfigurations), 3);
}

//! Shared helpers.

use std::sync::Arc;

use fintra_connect_components::ConnectComponentsClient;
use fintra_connect_components::models::{
    Language, LoginFormRequest, OauthUrlRequest, ServiceAgreement,
};
use fintra_core::test_util::VirtualTime;
use fintra_finicity::{FinicityClient, FinicityCredentials, TokenSettings};
use httpmock::{Mock, MockServer};

use crate::fixtures::*;

pub const APP_KEY: &str = "appkey-cc-4411";
pub const TOKEN: &str = "tok-cc-9f3e";
pub const AUTH_PATH: &str = "/aggregation/v2/partners/authentication";

pub struct Setup {
    pub time: Arc<VirtualTime>,
    pub finicity: FinicityClient,
    pub components: ConnectComponentsClient,
}

pub fn credentials() -> FinicityCredentials {
    FinicityCredentials::new(
        "1234583871234",
        "aqJ5Ic4SEVx2IgDQ6oR4".into(),
        APP_KEY.into(),
    )
}

pub fn setup(server: &MockServer) -> Setup {
    setup_with(server, TokenSettings::default())
}

pub fn setup_with(server: &MockServer, settings: TokenSettings) -> Setup {
    let time = Arc::new(VirtualTime::default());
    let config = fintra_core::test_util::virtual_builder(server.base_url(), &time);
    let finicity = FinicityClient::with_settings(credentials(), config, settings).unwrap();
    let components = ConnectComponentsClient::new(&finicity);
    Setup {
        time,
        finicity,
        components,
    }
}

/// CreateToken for the setup's credentials, answering `token`.
pub async fn token_mock<'a>(server: &'a MockServer, token: &str) -> Mock<'a> {
    fintra_finicity::test_util::token_mock(server, &credentials(), token).await
}

pub fn agreement() -> ServiceAgreement {
    ServiceAgreement::new(Language::En, "2024-11-28T18:25:32+00:00")
}

/// The Postman Create Login Form body.
pub fn login_form_request() -> LoginFormRequest {
    LoginFormRequest::new(Language::En, CUSTOMER_ID, agreement()).configuration_id(CONFIGURATION_ID)
}

/// The Postman Create OAuth URL body.
pub fn oauth_url_request() -> OauthUrlRequest {
    OauthUrlRequest::new(
        "https://oauth.example.com/redirect",
        CUSTOMER_ID,
        agreement(),
    )
    .configuration_id(CONFIGURATION_ID)
}

/// The seven operations, by spec operationId.
pub const OPERATIONS: &[(&str, &str, &str)] = &[
    (
        "post-configurations",
        "POST",
        "/connect-components/configurations",
    ),
    (
        "get-configurations",
        "GET",
        "/connect-components/configurations",
    ),
    (
        "get-configurations-configurationId",
        "GET",
        "/connect-components/configurations/9082affa-d965-40be-a3ed-a320bb3467ff",
    ),
    (
        "delete-configurations-configurationId",
        "DELETE",
        "/connect-components/configurations/9082affa-d965-40be-a3ed-a320bb3467ff",
    ),
    (
        "post-institutions-institutionId-login-forms",
        "POST",
        "/connect-components/institutions/170716/login-forms",
    ),
    (
        "post-institutions-institutionId-oauth-urls",
        "POST",
        "/connect-components/institutions/170716/oauth-urls",
    ),
    (
        "post-reconnections",
        "POST",
        "/connect-components/customers/1005061234/institution-login-ids/7008461438/reconnections",
    ),
];

/// Calls an operation by id with valid arguments, discarding the success value.
pub async fn call(
    components: &ConnectComponentsClient,
    operation: &str,
) -> Result<(), fintra_core::Error> {
    match operation {
        "post-configurations" => components
            .create_configuration(&Default::default(), None)
            .await
            .map(drop),
        "get-configurations" => components.list_configurations(None).await.map(drop),
        "get-configurations-configurationId" => components
            .get_configuration(PATH_CONFIGURATION_ID, None)
            .await
            .map(drop),
        "delete-configurations-configurationId" => {
            components
                .delete_configuration(PATH_CONFIGURATION_ID, None)
                .await
        }
        "post-institutions-institutionId-login-forms" => components
            .create_login_form(INSTITUTION_ID, &login_form_request(), None)
            .await
            .map(drop),
        "post-institutions-institutionId-oauth-urls" => components
            .create_oauth_url(INSTITUTION_ID, &oauth_url_request(), None)
            .await
            .map(drop),
        "post-reconnections" => components
            .initiate_reconnection(CUSTOMER_ID, INSTITUTION_LOGIN_ID, None)
            .await
            .map(drop),
        other => panic!("unknown operation {other}"),
    }
}

/// The (method, path) of an operation.
pub fn route(operation: &str) -> (&'static str, &'static str) {
    OPERATIONS
        .iter()
        .find(|(id, _, _)| *id == operation)
        .map(|(_, m, p)| (*m, *p))
        .unwrap()
}

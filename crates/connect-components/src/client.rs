//! [`ConnectComponentsClient`]: the seven Connect Components operations.

use fintra_core::{Client, Error, Operation, RequestOptions, encode_path_segment};
use fintra_finicity::FinicityClient;
use http::StatusCode;

use crate::models::{
    Configuration, CreateConfiguration, LoginForm, LoginFormRequest, MfaChallenges, OauthUrl,
    OauthUrlRequest, ReconnectionOutcome,
};
use crate::validate;

/// The Connect Components API.
///
/// Every call carries `Finicity-App-Key` and the `Finicity-App-Token` of the
/// [`FinicityClient`] it was made from (one token shared by all Finicity clients), is
/// replayed once with a new token after a `10022`/`10023` 401, and decodes GoldStandard
/// error bodies (see [`fintra_finicity::error`]). GET and DELETE are retried on transport
/// failures and 5xx unless the body says `Recoverable: false`; POSTs are never retried once
/// they may have been received.
///
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct ConnectComponentsClient {
    client: Client,
}

impl ConnectComponentsClient {
    /// A client sharing `finicity`'s token, base URL, transport, retry policy and clock.
    pub fn new(finicity: &FinicityClient) -> Self {
        ConnectComponentsClient {
            client: finicity.api_client().clone(),
        }
    }

    /// **Create Components Configuration**: `POST /connect-components/configurations` → 201.
    pub async fn create_configuration(
        &self,
        body: &CreateConfiguration,
        options: Option<RequestOptions>,
    ) -> Result<Configuration, Error> {
        validate::create_configuration(body)?;
        let op = Operation::post("post-configurations", "/connect-components/configurations")
            .rust_method("ConnectComponentsClient::create_configuration")
            .json(body)?;
        self.client
            .send_json(op, &options.unwrap_or_default())
            .await
    }

    /// **Get All Configurations for Current Partner**: `GET /connect-components/configurations`.
    pub async fn list_configurations(
        &self,
        options: Option<RequestOptions>,
    ) -> Result<Vec<Configuration>, Error> {
        let op = Operation::get("get-configurations", "/connect-components/configurations")
            .rust_method("ConnectComponentsClient::list_configurations");
        self.client
            .send_json(op, &options.unwrap_or_default())
            .await
    }

    /// **Get Configuration Details**: `GET /connect-components/configurations/{configuration_id}`.
    ///
    /// `configuration_id` must be a 36-character UUID.
    pub async fn get_configuration(
        &self,
        configuration_id: &str,
        options: Option<RequestOptions>,
    ) -> Result<Configuration, Error> {
        validate::uuid("configuration_id", configuration_id)?;
        let op = Operation::get(
            "get-configurations-configurationId",
            format!(
                "/connect-components/configurations/{}",
                encode_path_segment(configuration_id)
            ),
        )
        .rust_method("ConnectComponentsClient::get_configuration");
        self.client
            .send_json(op, &options.unwrap_or_default())
            .await
    }

    /// **Delete Configuration**: `DELETE /connect-components/configurations/{configuration_id}`
    /// → 204.
    pub async fn delete_configuration(
        &self,
        configuration_id: &str,
        options: Option<RequestOptions>,
    ) -> Result<(), Error> {
        validate::uuid("configuration_id", configuration_id)?;
        let op = Operation::delete(
            "delete-configurations-configurationId",
            format!(
                "/connect-components/configurations/{}",
                encode_path_segment(configuration_id)
            ),
        )
        .rust_method("ConnectComponentsClient::delete_configuration");
        self.client
            .send_empty(op, &options.unwrap_or_default())
            .await
    }

    /// **Create Login Form**:
    /// `POST /connect-components/institutions/{institution_id}/login-forms` → 201.
    pub async fn create_login_form(
        &self,
        institution_id: i64,
        body: &LoginFormRequest,
        options: Option<RequestOptions>,
    ) -> Result<LoginForm, Error> {
        validate::login_form(body)?;
        let op = Operation::post(
            "post-institutions-institutionId-login-forms",
            format!("/connect-components/institutions/{institution_id}/login-forms"),
        )
        .rust_method("ConnectComponentsClient::create_login_form")
        .json(body)?;
        self.client
            .send_json(op, &options.unwrap_or_default())
            .await
    }

    /// **Create OAuth URL**:
    /// `POST /connect-components/institutions/{institution_id}/oauth-urls` → 201.
    pub async fn create_oauth_url(
        &self,
        institution_id: i64,
        body: &OauthUrlRequest,
        options: Option<RequestOptions>,
    ) -> Result<OauthUrl, Error> {
        validate::oauth_url(body)?;
        let op = Operation::post(
            "post-institutions-institutionId-oauth-urls",
            format!("/connect-components/institutions/{institution_id}/oauth-urls"),
        )
        .rust_method("ConnectComponentsClient::create_oauth_url")
        .json(body)?;
        self.client
            .send_json(op, &options.unwrap_or_default())
            .await
    }

    /// **Initiate Reconnection**: `POST /connect-components/customers/{customer_id}/
    /// institution-login-ids/{institution_login_id}/reconnections` with body `{}`.
    ///
    /// 201 gives [`ReconnectionOutcome::LoginForm`], 203 gives
    /// [`ReconnectionOutcome::MfaChallenges`]; any other status is an error.
    pub async fn initiate_reconnection(
        &self,
        customer_id: &str,
        institution_login_id: i64,
        options: Option<RequestOptions>,
    ) -> Result<ReconnectionOutcome, Error> {
        validate::customer_id(customer_id)
            .map_err(|e| fintra_core::InvalidRequest::new("customer_id", e.reason().to_owned()))?;
        let op = Operation::post(
            "post-reconnections",
            format!(
                "/connect-components/customers/{}/institution-login-ids/{institution_login_id}/reconnections",
                encode_path_segment(customer_id)
            ),
        )
        .rust_method("ConnectComponentsClient::initiate_reconnection")
        .json_bytes(&b"{}"[..])
        .expect_status(StatusCode::CREATED)
        .expect_status(StatusCode::NON_AUTHORITATIVE_INFORMATION);
        let response = self
            .client
            .execute(op, &options.unwrap_or_default())
            .await?;
        if response.status() == StatusCode::NON_AUTHORITATIVE_INFORMATION {
            Ok(ReconnectionOutcome::MfaChallenges(
                response.json::<Vec<MfaChallenges>>()?,
            ))
        } else {
            Ok(ReconnectionOutcome::LoginForm(
                response.json::<LoginForm>()?,
            ))
        }
    }
}

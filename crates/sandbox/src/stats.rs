//! Per-route hit counters.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::faults::Provider;

/// A sandbox route, used to count hits (see [`Stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Route {
    /// Finicity `POST /aggregation/v2/partners/authentication` (Create Access Token).
    FinicityCreateToken,
    /// Finicity `PUT /aggregation/v2/partners/authentication` (Modify Partner Secret).
    FinicityModifyPartnerSecret,
    /// Finicity `POST /connect-components/configurations`.
    FinicityCreateConfiguration,
    /// Finicity `GET /connect-components/configurations`.
    FinicityListConfigurations,
    /// Finicity `GET /connect-components/configurations/{configuration_id}`.
    FinicityGetConfiguration,
    /// Finicity `DELETE /connect-components/configurations/{configuration_id}`.
    FinicityDeleteConfiguration,
    /// Finicity `POST /connect-components/institutions/{institution_id}/login-forms`.
    FinicityCreateLoginForm,
    /// Finicity `POST /connect-components/institutions/{institution_id}/oauth-urls`.
    FinicityCreateOauthUrl,
    /// Finicity `POST /connect-components/customers/{customer_id}/institution-login-ids/{institution_login_id}/reconnections`.
    FinicityInitiateReconnection,
    /// Sandbox-only `GET /oauth/{id}` on the Finicity listener: the page an OAuth URL points to (redirects
    /// to the `redirectURI`).
    FinicityOauthPage,
    /// App portal `POST /api/v1/auth/app/{app_id}/expire-all` (also with a trailing `/`).
    AppPortalExpireAll,
    /// App portal `POST /api/v1/auth/app-portal-access/{app_id}` (also with a trailing `/`).
    AppPortalAccess,
    /// App portal `POST /api/v1/auth/dashboard-access/{app_id}/` (deprecated upstream).
    AppPortalDashboardAccess,
    /// App portal `POST /api/v1/auth/logout` (also with a trailing `/`).
    AppPortalLogout,
    /// Svix `GET /api/v1/auth/whoami`.
    AppPortalWhoami,
    /// Svix `POST /api/v1/auth/one-time-token`.
    AppPortalExchangeOneTimeToken,
    /// Svix `POST /api/v1/auth/stream-portal-access/{stream_id}`.
    AppPortalStreamPortalAccess,
    /// Svix `POST /api/v1/auth/stream-logout`.
    AppPortalStreamLogout,
    /// Svix `POST /api/v1/auth/stream/{stream_id}/expire-all`.
    AppPortalStreamExpireAll,
    /// Svix `GET /api/v1/auth/app/{app_id}/poller/{endpoint_id}/token`.
    AppPortalGetPollerToken,
    /// Svix `POST /api/v1/auth/app/{app_id}/poller/{endpoint_id}/token/rotate`.
    AppPortalRotatePollerToken,
    /// Svix `GET /api/v1/auth/stream/{stream_id}/sink/{sink_id}/poller/token`.
    AppPortalGetStreamPollerToken,
    /// Svix `POST /api/v1/auth/stream/{stream_id}/sink/{sink_id}/poller/token/rotate`.
    AppPortalRotateStreamPollerToken,
    /// SnapTrade `POST /snapTrade/registerUser`.
    SnapTradeRegisterUser,
    /// SnapTrade `POST /snapTrade/login`.
    SnapTradeLogin,
    /// SnapTrade `GET /snapTrade/listUsers`.
    SnapTradeListUsers,
    /// SnapTrade `DELETE /snapTrade/deleteUser`.
    SnapTradeDeleteUser,
    /// SnapTrade `GET /snapTrade/encryptedJWT` (removed from the current spec; kept for
    /// older clients).
    SnapTradeEncryptedJwt,
    /// SnapTrade `POST /snapTrade/resetUserSecret`.
    SnapTradeResetUserSecret,
    /// Sandbox-only `GET /portal` on the SnapTrade listener: the page a login `redirectURI` points to.
    SnapTradePortal,
    /// Any request that matched no route (unknown path or method).
    Unmatched,
}

impl Route {
    /// Every route, in declaration order.
    pub const ALL: &'static [Route] = &[
        Route::FinicityCreateToken,
        Route::FinicityModifyPartnerSecret,
        Route::FinicityCreateConfiguration,
        Route::FinicityListConfigurations,
        Route::FinicityGetConfiguration,
        Route::FinicityDeleteConfiguration,
        Route::FinicityCreateLoginForm,
        Route::FinicityCreateOauthUrl,
        Route::FinicityInitiateReconnection,
        Route::FinicityOauthPage,
        Route::AppPortalExpireAll,
        Route::AppPortalAccess,
        Route::AppPortalDashboardAccess,
        Route::AppPortalLogout,
        Route::AppPortalWhoami,
        Route::AppPortalExchangeOneTimeToken,
        Route::AppPortalStreamPortalAccess,
        Route::AppPortalStreamLogout,
        Route::AppPortalStreamExpireAll,
        Route::AppPortalGetPollerToken,
        Route::AppPortalRotatePollerToken,
        Route::AppPortalGetStreamPollerToken,
        Route::AppPortalRotateStreamPollerToken,
        Route::SnapTradeRegisterUser,
        Route::SnapTradeLogin,
        Route::SnapTradeListUsers,
        Route::SnapTradeDeleteUser,
        Route::SnapTradeEncryptedJwt,
        Route::SnapTradeResetUserSecret,
        Route::SnapTradePortal,
        Route::Unmatched,
    ];

    /// A stable `provider.operation` name, used as the key in `GET /_sandbox/stats`.
    pub fn as_str(self) -> &'static str {
        match self {
            Route::FinicityCreateToken => "finicity.create_token",
            Route::FinicityModifyPartnerSecret => "finicity.modify_partner_secret",
            Route::FinicityCreateConfiguration => "finicity.create_configuration",
            Route::FinicityListConfigurations => "finicity.list_configurations",
            Route::FinicityGetConfiguration => "finicity.get_configuration",
            Route::FinicityDeleteConfiguration => "finicity.delete_configuration",
            Route::FinicityCreateLoginForm => "finicity.create_login_form",
            Route::FinicityCreateOauthUrl => "finicity.create_oauth_url",
            Route::FinicityInitiateReconnection => "finicity.initiate_reconnection",
            Route::FinicityOauthPage => "finicity.oauth_page",
            Route::AppPortalExpireAll => "app_portal.expire_all",
            Route::AppPortalAccess => "app_portal.app_portal_access",
            Route::AppPortalDashboardAccess => "app_portal.dashboard_access",
            Route::AppPortalLogout => "app_portal.logout",
            Route::AppPortalWhoami => "app_portal.whoami",
            Route::AppPortalExchangeOneTimeToken => "app_portal.exchange_one_time_token",
            Route::AppPortalStreamPortalAccess => "app_portal.stream_portal_access",
            Route::AppPortalStreamLogout => "app_portal.stream_logout",
            Route::AppPortalStreamExpireAll => "app_portal.stream_expire_all",
            Route::AppPortalGetPollerToken => "app_portal.get_poller_token",
            Route::AppPortalRotatePollerToken => "app_portal.rotate_poller_token",
            Route::AppPortalGetStreamPollerToken => "app_portal.get_stream_poller_token",
            Route::AppPortalRotateStreamPollerToken => "app_portal.rotate_stream_poller_token",
            Route::SnapTradeRegisterUser => "snaptrade.register_user",
            Route::SnapTradeLogin => "snaptrade.login",
            Route::SnapTradeListUsers => "snaptrade.list_users",
            Route::SnapTradeDeleteUser => "snaptrade.delete_user",
            Route::SnapTradeEncryptedJwt => "snaptrade.encrypted_jwt",
            Route::SnapTradeResetUserSecret => "snaptrade.reset_user_secret",
            Route::SnapTradePortal => "snaptrade.portal",
            Route::Unmatched => "unmatched",
        }
    }

    /// The provider the route belongs to (`None` for [`Route::Unmatched`]).
    pub fn provider(self) -> Option<Provider> {
        match self {
            Route::FinicityCreateToken
            | Route::FinicityModifyPartnerSecret
            | Route::FinicityCreateConfiguration
            | Route::FinicityListConfigurations
            | Route::FinicityGetConfiguration
            | Route::FinicityDeleteConfiguration
            | Route::FinicityCreateLoginForm
            | Route::FinicityCreateOauthUrl
            | Route::FinicityInitiateReconnection
            | Route::FinicityOauthPage => Some(Provider::Finicity),
            Route::AppPortalExpireAll
            | Route::AppPortalAccess
            | Route::AppPortalDashboardAccess
            | Route::AppPortalLogout
            | Route::AppPortalWhoami
            | Route::AppPortalExchangeOneTimeToken
            | Route::AppPortalStreamPortalAccess
            | Route::AppPortalStreamLogout
            | Route::AppPortalStreamExpireAll
            | Route::AppPortalGetPollerToken
            | Route::AppPortalRotatePollerToken
            | Route::AppPortalGetStreamPollerToken
            | Route::AppPortalRotateStreamPollerToken => Some(Provider::AppPortal),
            Route::SnapTradeRegisterUser
            | Route::SnapTradeLogin
            | Route::SnapTradeListUsers
            | Route::SnapTradeDeleteUser
            | Route::SnapTradeEncryptedJwt
            | Route::SnapTradeResetUserSecret
            | Route::SnapTradePortal => Some(Provider::SnapTrade),
            Route::Unmatched => None,
        }
    }
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The live counters (inside the shared state).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub hits: BTreeMap<Route, u64>,
    pub faults_injected: u64,
    pub idempotent_replays: u64,
}

impl Counters {
    pub fn hit(&mut self, route: Route) {
        *self.hits.entry(route).or_default() += 1;
    }

    pub fn snapshot(&self) -> Stats {
        Stats {
            hits: self.hits.clone(),
            faults_injected: self.faults_injected,
            idempotent_replays: self.idempotent_replays,
        }
    }
}

/// A snapshot of the sandbox's counters ([`Sandbox::stats`](crate::Sandbox::stats)).
///
/// Every request to a provider listener (other than `GET /`) counts as a hit of its route, including
/// requests answered by an injected fault or an error, so `hits(Route::FinicityCreateToken)`
/// is the number of Create Token attempts a client made. Control requests (`/_sandbox/…`)
/// are not counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    hits: BTreeMap<Route, u64>,
    faults_injected: u64,
    idempotent_replays: u64,
}

impl Stats {
    /// Requests received for `route`.
    pub fn hits(&self, route: Route) -> u64 {
        self.hits.get(&route).copied().unwrap_or(0)
    }

    /// Requests received for all routes of `provider`.
    pub fn provider_hits(&self, provider: Provider) -> u64 {
        self.hits
            .iter()
            .filter(|(r, _)| r.provider() == Some(provider))
            .map(|(_, n)| n)
            .sum()
    }

    /// All provider requests received (matched or not).
    pub fn total(&self) -> u64 {
        self.hits.values().sum()
    }

    /// Requests answered (or delayed, or dropped) by an injected fault.
    pub fn faults_injected(&self) -> u64 {
        self.faults_injected
    }

    /// App-portal requests answered from the idempotency store without re-executing.
    pub fn idempotent_replays(&self) -> u64 {
        self.idempotent_replays
    }

    /// Routes with at least one hit and their counts.
    pub fn iter(&self) -> impl Iterator<Item = (Route, u64)> + '_ {
        self.hits.iter().map(|(r, n)| (*r, *n))
    }

    /// The JSON form served at `GET /_sandbox/stats`.
    pub(crate) fn to_json(&self) -> Value {
        let routes: Map<String, Value> = self
            .hits
            .iter()
            .map(|(r, n)| (r.as_str().to_owned(), json!(n)))
            .collect();
        json!({
            "total": self.total(),
            "faultsInjected": self.faults_injected,
            "idempotentReplays": self.idempotent_replays,
            "routes": routes,
        })
    }
}

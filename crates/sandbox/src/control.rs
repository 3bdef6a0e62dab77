//! The control listener: `GET /` (an index of the providers and control endpoints, also
//! served at `GET /` of every provider listener) and the `/_sandbox/` control API used by
//! the binary and by tests in any language: faults, stats, clock and reset.

use std::time::Duration;

use http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::faults::{Fault, KINDS, Provider, TARGETS};
use crate::state::Shared;
use crate::wire::{Reply, Request};

/// The control endpoints, `(method, path, what it does)`.
pub(crate) const ENDPOINTS: &[(&str, &str, &str)] = &[
    ("GET", "/", "this index"),
    (
        "POST",
        "/_sandbox/faults",
        "queue a fault: {\"target\", \"kind\", \"status\", \"retry_after_secs\", \"delay_ms\", \"times\"}",
    ),
    ("DELETE", "/_sandbox/faults", "remove every pending fault"),
    ("GET", "/_sandbox/stats", "hit counters per route"),
    (
        "POST",
        "/_sandbox/reset",
        "restore the initial provider state",
    ),
    (
        "POST",
        "/_sandbox/clock/advance",
        "move the sandbox clock: {\"seconds\": N}",
    ),
    (
        "POST",
        "/_sandbox/webhooks",
        "send a signed webhook: {\"url\": \"http://...\", \"style\": \"svix\"|\"snaptrade\", \"variant\": \"valid\"|\"tampered\"|\"stale\", \"payload\", \"secret\"}",
    ),
];

/// The operations each provider listener serves, `(method, path)`.
fn operations(provider: Provider) -> &'static [(&'static str, &'static str)] {
    match provider {
        Provider::Finicity => &[
            ("POST", "/aggregation/v2/partners/authentication"),
            ("PUT", "/aggregation/v2/partners/authentication"),
            ("POST", "/connect-components/configurations"),
            ("GET", "/connect-components/configurations"),
            (
                "GET",
                "/connect-components/configurations/{configuration_id}",
            ),
            (
                "DELETE",
                "/connect-components/configurations/{configuration_id}",
            ),
            (
                "POST",
                "/connect-components/institutions/{institution_id}/login-forms",
            ),
            (
                "POST",
                "/connect-components/institutions/{institution_id}/oauth-urls",
            ),
            (
                "POST",
                "/connect-components/customers/{customer_id}/institution-login-ids/{institution_login_id}/reconnections",
            ),
        ],
        Provider::AppPortal => &[
            ("POST", "/api/v1/auth/app-portal-access/{app_id}"),
            ("POST", "/api/v1/auth/app/{app_id}/expire-all"),
            ("POST", "/api/v1/auth/dashboard-access/{app_id}"),
            ("POST", "/api/v1/auth/logout"),
            ("GET", "/api/v1/auth/whoami"),
            ("POST", "/api/v1/auth/one-time-token"),
            ("POST", "/api/v1/auth/stream-portal-access/{stream_id}"),
            ("POST", "/api/v1/auth/stream-logout"),
            ("POST", "/api/v1/auth/stream/{stream_id}/expire-all"),
            (
                "GET",
                "/api/v1/auth/app/{app_id}/poller/{endpoint_id}/token",
            ),
            (
                "POST",
                "/api/v1/auth/app/{app_id}/poller/{endpoint_id}/token/rotate",
            ),
            (
                "GET",
                "/api/v1/auth/stream/{stream_id}/sink/{sink_id}/poller/token",
            ),
            (
                "POST",
                "/api/v1/auth/stream/{stream_id}/sink/{sink_id}/poller/token/rotate",
            ),
        ],
        Provider::SnapTrade => &[
            ("POST", "/snapTrade/registerUser"),
            ("POST", "/snapTrade/login"),
            ("GET", "/snapTrade/listUsers"),
            ("DELETE", "/snapTrade/deleteUser"),
            ("POST", "/snapTrade/resetUserSecret"),
            ("GET", "/snapTrade/encryptedJWT"),
        ],
    }
}

fn notes(provider: Provider) -> &'static str {
    match provider {
        Provider::Finicity => {
            "headers Finicity-App-Key (all) and Finicity-App-Token (connect-components)"
        }
        Provider::AppPortal => {
            "Authorization: Bearer <token>; paths work with and without the 2023 trailing slash"
        }
        Provider::SnapTrade => {
            "query clientId and timestamp, header Signature; also served under the legacy /api/v1 prefix (with a Deprecation header)"
        }
    }
}

/// `GET /`: where everything is. `this` is the provider of the listener asked, if any.
pub(crate) fn index(shared: &Shared, this: Option<Provider>) -> Reply {
    let o = &shared.origins;
    let providers: serde_json::Map<String, Value> = Provider::ALL
        .into_iter()
        .map(|p| {
            let base = match p {
                Provider::Finicity => &o.finicity,
                Provider::AppPortal => &o.app_portal,
                Provider::SnapTrade => &o.snaptrade,
            };
            let ops: Vec<String> = operations(p)
                .iter()
                .map(|(m, path)| format!("{m} {path}"))
                .collect();
            let entry = json!({ "base_url": base, "operations": ops, "notes": notes(p) });
            (p.name().to_owned(), entry)
        })
        .collect();
    let endpoints: Vec<String> = ENDPOINTS
        .iter()
        .map(|(m, path, what)| format!("{m} {}{path} — {what}", o.control))
        .collect();
    Reply::json(
        StatusCode::OK,
        &json!({
            "service": "fintra-sandbox",
            "this_listener": this.map_or("control", Provider::name),
            "providers": providers,
            "control": { "base_url": o.control, "endpoints": endpoints },
        }),
    )
}

fn error(status: StatusCode, message: &str) -> Reply {
    Reply::json(status, &json!({ "error": message }))
}

fn valid_endpoints() -> String {
    ENDPOINTS
        .iter()
        .map(|(m, p, _)| format!("{m} {p}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Handles a request to the control listener other than `GET /`.
pub(crate) fn handle(shared: &Shared, req: &Request) -> Reply {
    match (req.path.as_str(), &req.method) {
        ("/_sandbox/faults", &Method::POST) => match Fault::from_json(&req.body) {
            Ok(fault) => {
                shared.faults().push(fault);
                Reply::empty(StatusCode::NO_CONTENT)
            }
            Err(e) => error(
                StatusCode::BAD_REQUEST,
                &format!(
                    "invalid fault: {e}. Expected {{\"target\": {TARGETS} or \"/path/prefix\", \"kind\": {KINDS}, \"status\": 100..599, \"retry_after_secs\": N, \"delay_ms\": N, \"times\": N}}"
                ),
            ),
        },
        ("/_sandbox/faults", &Method::DELETE) => {
            shared.faults().clear();
            Reply::empty(StatusCode::NO_CONTENT)
        }
        ("/_sandbox/stats", &Method::GET) => {
            Reply::json(StatusCode::OK, &shared.counters().snapshot().to_json())
        }
        ("/_sandbox/reset", &Method::POST) => {
            shared.reset_state();
            Reply::empty(StatusCode::NO_CONTENT)
        }
        ("/_sandbox/clock/advance", &Method::POST) => {
            let seconds = serde_json::from_slice::<Value>(&req.body)
                .ok()
                .and_then(|v| v.get("seconds").and_then(Value::as_u64));
            match seconds {
                Some(s) => {
                    shared.advance_time(Duration::from_secs(s));
                    Reply::empty(StatusCode::NO_CONTENT)
                }
                None => error(
                    StatusCode::BAD_REQUEST,
                    "expected {\"seconds\": <non-negative integer>}",
                ),
            }
        }
        (path, method) => {
            let allowed: Vec<&str> = ENDPOINTS
                .iter()
                .filter(|(_, p, _)| *p == path)
                .map(|(m, _, _)| *m)
                .collect();
            if allowed.is_empty() {
                error(
                    StatusCode::NOT_FOUND,
                    &format!(
                        "unknown control endpoint {method} {path}; the control endpoints are: {}",
                        valid_endpoints()
                    ),
                )
            } else {
                error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    &format!(
                        "{method} is not allowed on {path}; use {}",
                        allowed.join(" or ")
                    ),
                )
            }
        }
    }
}

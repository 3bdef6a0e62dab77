//! The Svix app portal: the four Authentication operations of the 2023 spec (paths with a
//! trailing `/`), bearer authentication, `422` validation errors and idempotent replay.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::credentials::APP_PORTAL_TOKEN;
use crate::rules::is_svix_id;
use crate::state::{BoundedMap, Shared, later};
use crate::stats::Route;
use crate::wire::{self, Match, Reply, Request, random_alnum};

/// An `app_id` the sandbox treats as a missing application: `app-portal-access`,
/// `dashboard-access` and `expire-all` answer `404` `{"code":"not_found","detail":"Application not found"}`.
/// Every other id matching `^[a-zA-Z0-9\-_.]+$` (1–256 characters) exists.
pub const APP_PORTAL_UNKNOWN_APP_ID: &str = "app_sandbox_unknown";

const MAX_APP_TOKENS: usize = 10_000;
const MAX_IDEMPOTENCY_ENTRIES: usize = 10_000;
const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;
/// How long a stored response is replayed (the spec: "up to 12 hours").
const IDEMPOTENCY_TTL: Duration = Duration::from_secs(12 * 3600);
/// `ApplicationTokenExpireIn.expiry` maximum (72 h).
const MAX_EXPIRY_SECS: i64 = 259_200;

#[derive(Debug)]
struct AppToken {
    app_id: String,
    expires: Option<SystemTime>,
}

#[derive(Debug)]
struct StoredResponse {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
    stored_at: SystemTime,
}

/// App-portal state: issued app tokens and stored idempotent responses.
#[derive(Debug)]
pub(crate) struct AppPortalState {
    tokens: BoundedMap<AppToken>,
    idempotency: BoundedMap<StoredResponse>,
}

impl AppPortalState {
    pub fn new() -> Self {
        Self {
            tokens: BoundedMap::new(MAX_APP_TOKENS),
            idempotency: BoundedMap::new(MAX_IDEMPOTENCY_ENTRIES),
        }
    }
}

/// Matches a path of the app-portal listener. Like the real server (`svix-current.md` §4,
/// `NormalizePath::trim_trailing_slash`), trailing slashes are ignored: the latest spec's
/// paths and the 2023 trailing-slash forms reach the same operation.
pub(crate) fn classify(method: &Method, segs: &[String]) -> Match {
    let s = trimmed(segs);
    let route = match s.as_slice() {
        ["api", "v1", "auth", "app-portal-access", _] => Route::AppPortalAccess,
        ["api", "v1", "auth", "app", _, "expire-all"] => Route::AppPortalExpireAll,
        ["api", "v1", "auth", "dashboard-access", _] => Route::AppPortalDashboardAccess,
        ["api", "v1", "auth", "logout"] => Route::AppPortalLogout,
        _ => return Match::NotFound,
    };
    wire::by_method(method, &[(Method::POST, route)], "POST")
}

/// The path segments without trailing empty ones (`/a/b//` → `[a, b]`).
pub(crate) fn trimmed(segs: &[String]) -> Vec<&str> {
    let mut s: Vec<&str> = segs.iter().map(String::as_str).collect();
    while s.len() > 1 && s.last() == Some(&"") {
        s.pop();
    }
    s
}

// ---------------------------------------------------------------- error bodies

/// `HttpErrorOut`.
fn http_error(status: StatusCode, code: &str, detail: &str) -> Reply {
    Reply::json(status, &json!({ "code": code, "detail": detail }))
}

/// The error reply for a status the sandbox decided on (faults, limits, unknown routes),
/// with the codes the OSS Svix server uses.
pub(crate) fn status_reply(status: StatusCode) -> Reply {
    let (code, detail) = match status.as_u16() {
        400 => ("generic_error", "Generic error"),
        401 => (
            "authentication_failed",
            "Incorrect authentication credentials.",
        ),
        403 => (
            "insufficient access",
            "Insufficient access for the given operation.",
        ),
        404 => ("not_found", "Entity not found"),
        405 => ("method_not_allowed", "Method not allowed"),
        408 => ("request_timeout", "Request timeout"),
        409 => ("conflict", "A conflict has occurred"),
        413 => ("payload_too_large", "Request payload is too large."),
        429 => ("rate_limited", "Too many requests"),
        501 => (
            "not_implemented",
            "This API endpoint is not yet implemented.",
        ),
        500..=599 => ("server_error", "Internal Server Error"),
        _ => ("generic_error", "Generic error"),
    };
    http_error(status, code, detail)
}

/// One `ValidationError` item.
struct Invalid {
    loc: Vec<String>,
    msg: String,
    kind: &'static str,
}

impl Invalid {
    fn new(loc: &[&str], msg: impl Into<String>, kind: &'static str) -> Self {
        Self {
            loc: loc.iter().map(|s| (*s).to_owned()).collect(),
            msg: msg.into(),
            kind,
        }
    }
}

/// `422` `HTTPValidationError`.
fn validation_error(items: Vec<Invalid>) -> Reply {
    let detail: Vec<Value> = items
        .into_iter()
        .map(|i| json!({ "loc": i.loc, "msg": i.msg, "type": i.kind }))
        .collect();
    Reply::json(
        StatusCode::UNPROCESSABLE_ENTITY,
        &json!({ "detail": detail }),
    )
}

// ---------------------------------------------------------------- handling

/// Who is calling.
enum Caller {
    /// The organisation token ([`APP_PORTAL_TOKEN`]).
    Org,
    /// An app-portal token issued by `app-portal-access`/`dashboard-access`.
    App(String),
}

/// Runs one app-portal operation. The flag is true when the reply is an idempotent replay.
pub(crate) fn handle(
    shared: &Shared,
    st: &mut AppPortalState,
    route: Route,
    segs: &[String],
    req: &Request,
) -> (Reply, bool) {
    let (caller, token) = match authenticate(shared, st, req) {
        Ok(c) => c,
        Err(r) => return (r, false),
    };
    let now = shared.now();
    let key = match req.headers.get("idempotency-key") {
        None => None,
        Some(v) => match v.to_str() {
            Ok(k) if !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY_LEN => {
                Some(format!("{token}\n{k}\n{}", req.path))
            }
            _ => {
                let reply = validation_error(vec![Invalid::new(
                    &["header", "idempotency-key"],
                    "idempotency key must be 1 to 255 visible ASCII characters",
                    "value_error",
                )]);
                return (reply, false);
            }
        },
    };
    if let Some(key) = &key {
        match st.idempotency.get(key) {
            Some(stored) if now < later(stored.stored_at, IDEMPOTENCY_TTL) => {
                let reply = Reply {
                    status: stored.status,
                    headers: stored.headers.clone(),
                    body: stored.body.clone(),
                };
                return (reply, true);
            }
            Some(_) => {
                st.idempotency.remove(key);
            }
            None => {}
        }
    }
    let reply = run(shared, st, route, segs, req, caller).unwrap_or_else(|e| e);
    if let Some(key) = key
        && reply.status.is_success()
    {
        if st.idempotency.is_full() {
            // Responses are stored in time order, so they expire in insertion order.
            st.idempotency
                .drop_oldest_while(|s| now >= later(s.stored_at, IDEMPOTENCY_TTL));
        }
        st.idempotency.insert(
            key,
            StoredResponse {
                status: reply.status,
                headers: reply.headers.clone(),
                body: reply.body.clone(),
                stored_at: now,
            },
        );
    }
    (reply, false)
}

fn authenticate(
    shared: &Shared,
    st: &AppPortalState,
    req: &Request,
) -> Result<(Caller, String), Reply> {
    let token = req
        .header("authorization")
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Err(status_reply(StatusCode::UNAUTHORIZED));
    };
    if token == APP_PORTAL_TOKEN {
        return Ok((Caller::Org, token.to_owned()));
    }
    match st.tokens.get(token) {
        Some(t) if t.expires.is_none_or(|e| shared.now() < e) => {
            Ok((Caller::App(token.to_owned()), token.to_owned()))
        }
        _ => Err(status_reply(StatusCode::UNAUTHORIZED)),
    }
}

fn run(
    shared: &Shared,
    st: &mut AppPortalState,
    route: Route,
    segs: &[String],
    req: &Request,
    caller: Caller,
) -> Result<Reply, Reply> {
    if route == Route::AppPortalLogout {
        let Caller::App(token) = caller else {
            return Err(http_error(
                StatusCode::FORBIDDEN,
                "insufficient access",
                "Only app-portal tokens can be logged out.",
            ));
        };
        st.tokens.remove(&token);
        return Ok(Reply::empty(StatusCode::NO_CONTENT));
    }
    if matches!(caller, Caller::App(_)) {
        return Err(status_reply(StatusCode::FORBIDDEN));
    }
    // [api, v1, auth, app, {app_id}, expire-all, ""] or [api, v1, auth, <op>, {app_id}, ""].
    let app_id = segs.get(4).map_or("", String::as_str);
    let mut errors = Vec::new();
    if !is_svix_id(app_id) {
        errors.push(Invalid::new(
            &["path", "app_id"],
            "app_id must be 1 to 256 characters matching ^[a-zA-Z0-9\\-_.]+$",
            "value_error",
        ));
    }
    match route {
        Route::AppPortalAccess => {
            validate_access_in(&req.body, &mut errors);
            finish(errors, app_id)?;
            Ok(issue_token(shared, st, app_id))
        }
        Route::AppPortalDashboardAccess => {
            finish(errors, app_id)?;
            Ok(issue_token(shared, st, app_id))
        }
        Route::AppPortalExpireAll => {
            let expiry = validate_expire_in(&req.body, &mut errors);
            finish(errors, app_id)?;
            let until = later(shared.now(), Duration::from_secs(expiry.unwrap_or(0)));
            for t in st.tokens.values_mut().filter(|t| t.app_id == app_id) {
                t.expires = Some(t.expires.map_or(until, |e| e.min(until)));
            }
            Ok(Reply::empty(StatusCode::NO_CONTENT))
        }
        _ => Err(status_reply(StatusCode::NOT_FOUND)),
    }
}

/// Turns collected validation errors into a `422`, then checks that the app exists.
fn finish(errors: Vec<Invalid>, app_id: &str) -> Result<(), Reply> {
    if !errors.is_empty() {
        return Err(validation_error(errors));
    }
    if app_id == APP_PORTAL_UNKNOWN_APP_ID {
        return Err(http_error(
            StatusCode::NOT_FOUND,
            "not_found",
            "Application not found",
        ));
    }
    Ok(())
}

fn issue_token(shared: &Shared, st: &mut AppPortalState, app_id: &str) -> Reply {
    let token = format!("appsk_{}", random_alnum(32));
    st.tokens.insert(
        token.clone(),
        AppToken {
            app_id: app_id.to_owned(),
            expires: None,
        },
    );
    let key = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(json!({ "appId": app_id, "token": token }).to_string());
    Reply::json(
        StatusCode::OK,
        &json!({
            "token": token,
            "url": format!("{}/app-portal/login#key={key}", shared.origins.app_portal),
        }),
    )
}

/// Parses a required JSON object body, recording a `body` error if it is not one.
fn body_object(body: &[u8], errors: &mut Vec<Invalid>) -> Option<Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Some(m),
        Ok(_) => {
            errors.push(Invalid::new(
                &["body"],
                "invalid type: expected an object",
                "type_error",
            ));
            None
        }
        Err(e) => {
            errors.push(Invalid::new(
                &["body"],
                e.to_string(),
                "value_error.jsondecode",
            ));
            None
        }
    }
}

/// `AppPortalAccessIn` (2023): `featureFlags`, a set of ids of at most 256 characters.
fn validate_access_in(body: &[u8], errors: &mut Vec<Invalid>) {
    let Some(body) = body_object(body, errors) else {
        return;
    };
    let flags = match body.get("featureFlags") {
        None | Some(Value::Null) => return,
        Some(Value::Array(items)) => items,
        Some(_) => {
            errors.push(Invalid::new(
                &["body", "featureFlags"],
                "invalid type: expected a sequence",
                "type_error",
            ));
            return;
        }
    };
    let mut seen = std::collections::HashSet::new();
    for (i, flag) in flags.iter().enumerate() {
        let index = format!("[{i}]");
        let loc = ["body", "featureFlags", index.as_str()];
        match flag {
            Value::String(s) if s.chars().count() > 256 => errors.push(Invalid::new(
                &loc,
                "ensure this value has at most 256 characters",
                "value_error",
            )),
            // Feature flags follow the same pattern and length as application ids.
            Value::String(s) if !is_svix_id(s) => errors.push(Invalid::new(
                &loc,
                "string does not match regex \"^[a-zA-Z0-9\\-_.]+$\"",
                "value_error",
            )),
            Value::String(s) => {
                if !seen.insert(s.as_str()) {
                    errors.push(Invalid::new(
                        &["body", "featureFlags"],
                        "the list has duplicated items",
                        "value_error",
                    ));
                }
            }
            _ => errors.push(Invalid::new(
                &loc,
                "invalid type: expected a string",
                "type_error",
            )),
        }
    }
}

/// `ApplicationTokenExpireIn`: optional `expiry` in `0..=259200` seconds.
fn validate_expire_in(body: &[u8], errors: &mut Vec<Invalid>) -> Option<u64> {
    let body = body_object(body, errors)?;
    let loc = ["body", "expiry"];
    match body.get("expiry") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => match n.as_i64() {
            Some(v) if v < 0 => {
                errors.push(Invalid::new(
                    &loc,
                    "ensure this value is greater than or equal to 0",
                    "value_error.number.not_ge",
                ));
                None
            }
            Some(v) if v > MAX_EXPIRY_SECS => {
                errors.push(Invalid::new(
                    &loc,
                    format!("ensure this value is less than or equal to {MAX_EXPIRY_SECS}"),
                    "value_error.number.not_le",
                ));
                None
            }
            Some(v) => u64::try_from(v).ok(),
            None if n.is_u64() => {
                errors.push(Invalid::new(
                    &loc,
                    format!("ensure this value is less than or equal to {MAX_EXPIRY_SECS}"),
                    "value_error.number.not_le",
                ));
                None
            }
            None => {
                errors.push(Invalid::new(
                    &loc,
                    "value is not a valid integer",
                    "type_error.integer",
                ));
                None
            }
        },
        Some(_) => {
            errors.push(Invalid::new(
                &loc,
                "value is not a valid integer",
                "type_error.integer",
            ));
            None
        }
    }
}

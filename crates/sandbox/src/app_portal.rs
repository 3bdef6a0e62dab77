//! The Svix app portal: every operation under the latest spec's `Authentication` and
//! `Stream Authentication` tags that the official Rust client exposes, plus the 2023
//! `dashboard-access`, the poller-token operations and the one-time-token exchange
//! (`svix-current.md` §1). Paths are served with and without the trailing `/`; bearer
//! authentication; `422` validation errors; idempotent replay of POSTs.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, StatusCode};
use serde_json::{Value, json};
use sha2::Digest as _;

use crate::credentials::APP_PORTAL_TOKEN;
use crate::rules::{is_svix_id, is_svix_stream_id};
use crate::state::{BoundedMap, Shared, later};
use crate::stats::Route;
use crate::svix_schema::{self as schema, Errors, Invalid, validation_error};
use crate::wire::{self, Match, Reply, Request, random_alnum, rfc3339};

/// An `app_id` (or `stream_id`) the sandbox treats as a missing application (stream):
/// the operations on it answer `404` `{"code":"not_found","detail":"Application not found"}`.
/// Every other id matching the spec's pattern exists.
pub const APP_PORTAL_UNKNOWN_APP_ID: &str = "app_sandbox_unknown";

const MAX_APP_TOKENS: usize = 10_000;
const MAX_IDEMPOTENCY_ENTRIES: usize = 10_000;
const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;
/// How long a stored response is replayed (the spec: "up to 12 hours").
const IDEMPOTENCY_TTL: Duration = Duration::from_secs(12 * 3600);

/// What a bearer token may do.
#[derive(Debug, Clone)]
enum Scope {
    /// An app-portal token for one application.
    App { app_id: String },
    /// A stream-portal token for one stream.
    Stream { stream_id: String },
    /// A poller token: authenticates, but may use none of these operations.
    Poller,
}

#[derive(Debug)]
struct AppToken {
    scope: Scope,
    session_id: Option<String>,
    capabilities: Vec<String>,
    expires: Option<SystemTime>,
}

/// The current poller token of one endpoint or stream sink.
#[derive(Debug, Clone)]
struct PollerToken {
    id: String,
    token: String,
    created: SystemTime,
    expires: Option<SystemTime>,
}

#[derive(Debug)]
struct StoredResponse {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
    stored_at: SystemTime,
}

/// App-portal state: issued tokens, poller tokens, one-time tokens and stored idempotent
/// responses.
#[derive(Debug)]
pub(crate) struct AppPortalState {
    tokens: BoundedMap<AppToken>,
    /// `app/{app_id}/{endpoint_id}` or `stream/{stream_id}/{sink_id}` → current token.
    pollers: BoundedMap<PollerToken>,
    /// One-time token → the app-portal token it exchanges for.
    one_time: BoundedMap<String>,
    idempotency: BoundedMap<StoredResponse>,
}

impl AppPortalState {
    pub fn new() -> Self {
        Self {
            tokens: BoundedMap::new(MAX_APP_TOKENS),
            pollers: BoundedMap::new(MAX_APP_TOKENS),
            one_time: BoundedMap::new(MAX_APP_TOKENS),
            idempotency: BoundedMap::new(MAX_IDEMPOTENCY_ENTRIES),
        }
    }
}

/// The path segments without trailing empty ones (`/a/b//` → `[a, b]`).
pub(crate) fn trimmed(segs: &[String]) -> Vec<&str> {
    let mut s: Vec<&str> = segs.iter().map(String::as_str).collect();
    while s.len() > 1 && s.last() == Some(&"") {
        s.pop();
    }
    s
}

/// Matches a path of the app-portal listener. Like the real server (`svix-current.md` §4,
/// `NormalizePath::trim_trailing_slash`), trailing slashes are ignored: the latest spec's
/// paths and the 2023 trailing-slash forms reach the same operation.
pub(crate) fn classify(method: &Method, segs: &[String]) -> Match {
    const POST: (Method, &str) = (Method::POST, "POST");
    const GET: (Method, &str) = (Method::GET, "GET");
    let s = trimmed(segs);
    let ["api", "v1", "auth", op @ ..] = s.as_slice() else {
        return Match::NotFound;
    };
    let (route, (m, allow)) = match op {
        ["app-portal-access", _] => (Route::AppPortalAccess, POST),
        ["app", _, "expire-all"] => (Route::AppPortalExpireAll, POST),
        ["dashboard-access", _] => (Route::AppPortalDashboardAccess, POST),
        ["logout"] => (Route::AppPortalLogout, POST),
        ["whoami"] => (Route::AppPortalWhoami, GET),
        ["one-time-token"] => (Route::AppPortalExchangeOneTimeToken, POST),
        ["stream-portal-access", _] => (Route::AppPortalStreamPortalAccess, POST),
        ["stream-logout"] => (Route::AppPortalStreamLogout, POST),
        ["stream", _, "expire-all"] => (Route::AppPortalStreamExpireAll, POST),
        ["app", _, "poller", _, "token"] => (Route::AppPortalGetPollerToken, GET),
        ["app", _, "poller", _, "token", "rotate"] => (Route::AppPortalRotatePollerToken, POST),
        ["stream", _, "sink", _, "poller", "token"] => (Route::AppPortalGetStreamPollerToken, GET),
        ["stream", _, "sink", _, "poller", "token", "rotate"] => {
            (Route::AppPortalRotateStreamPollerToken, POST)
        }
        _ => return Match::NotFound,
    };
    wire::by_method(method, &[(m, route)], allow)
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

// ---------------------------------------------------------------- handling

/// Who is calling.
enum Caller {
    /// The organisation token ([`APP_PORTAL_TOKEN`]).
    Org,
    /// A token issued by the sandbox.
    Issued(String),
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
    // Every POST of the spec takes an `idempotency-key`; other methods ignore it.
    let key = match req.headers.get("idempotency-key") {
        Some(_) if req.method != Method::POST => None,
        None => None,
        Some(v) => match v.to_str() {
            Ok(k) if !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY_LEN => {
                Some(format!("{token}\n{k}\n{}", req.path.trim_end_matches('/')))
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
    let reply = run(shared, st, route, segs, req, &caller).unwrap_or_else(|e| e);
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
            Ok((Caller::Issued(token.to_owned()), token.to_owned()))
        }
        _ => Err(status_reply(StatusCode::UNAUTHORIZED)),
    }
}

fn forbidden(detail: &str) -> Reply {
    http_error(StatusCode::FORBIDDEN, "insufficient access", detail)
}

/// A path parameter, checked with `ok`; a `422` naming the rule otherwise.
fn path_param<'a>(
    segs: &'a [&'a str],
    index: usize,
    name: &str,
    ok: fn(&str) -> bool,
    rule: &str,
    errors: &mut Errors,
) -> &'a str {
    let value = segs.get(index).copied().unwrap_or("");
    if !ok(value) {
        errors.push(
            &["path", name],
            format!("{name} must be {rule}"),
            "value_error",
        );
    }
    value
}

const ID_RULE: &str = "1 to 256 characters matching ^[a-zA-Z0-9\\-_.]+$";
const STREAM_RULE: &str = "1 to 60 characters";

/// `404` for the designated unknown application/stream.
fn exists(id: &str, what: &str) -> Result<(), Reply> {
    if id == APP_PORTAL_UNKNOWN_APP_ID {
        Err(http_error(
            StatusCode::NOT_FOUND,
            "not_found",
            &format!("{what} not found"),
        ))
    } else {
        Ok(())
    }
}

fn run(
    shared: &Shared,
    st: &mut AppPortalState,
    route: Route,
    segs: &[String],
    req: &Request,
    caller: &Caller,
) -> Result<Reply, Reply> {
    let issued = match caller {
        Caller::Org => None,
        Caller::Issued(token) => st
            .tokens
            .get(token)
            .map(|t| (token.clone(), t.scope.clone())),
    };
    // Operations any valid token may call.
    match route {
        Route::AppPortalWhoami => return Ok(whoami(st, caller)),
        Route::AppPortalExchangeOneTimeToken => return exchange_one_time_token(st, req),
        Route::AppPortalLogout => {
            return match issued {
                Some((token, Scope::App { .. })) => {
                    st.tokens.remove(&token);
                    Ok(Reply::empty(StatusCode::NO_CONTENT))
                }
                _ => Err(forbidden("Only app-portal tokens can be logged out.")),
            };
        }
        Route::AppPortalStreamLogout => {
            return match issued {
                Some((token, Scope::Stream { .. })) => {
                    st.tokens.remove(&token);
                    Ok(Reply::empty(StatusCode::NO_CONTENT))
                }
                _ => Err(forbidden("Only stream-portal tokens can be logged out.")),
            };
        }
        _ => {}
    }
    if issued.is_some() {
        return Err(status_reply(StatusCode::FORBIDDEN));
    }
    let s = trimmed(segs);
    let mut errors = Errors::default();
    let now = shared.now();
    match route {
        Route::AppPortalAccess | Route::AppPortalDashboardAccess => {
            let app_id = path_param(&s, 4, "app_id", is_svix_id, ID_RULE, &mut errors);
            let access = if route == Route::AppPortalAccess {
                let (access, body_errors) = schema::app_portal_access_in(&req.body);
                errors.0.extend(body_errors.0);
                access
            } else {
                schema::AccessIn {
                    expiry: 604_800,
                    session_id: None,
                    capabilities: schema::CAPABILITIES
                        .iter()
                        .map(|c| (*c).to_owned())
                        .collect(),
                }
            };
            errors.finish()?;
            exists(app_id, "Application")?;
            let scope = Scope::App {
                app_id: app_id.to_owned(),
            };
            Ok(issue_portal_token(
                shared, st, scope, app_id, access, "appsk_",
            ))
        }
        Route::AppPortalStreamPortalAccess => {
            let stream_id = path_param(
                &s,
                4,
                "stream_id",
                is_svix_stream_id,
                STREAM_RULE,
                &mut errors,
            );
            let (access, body_errors) = schema::stream_portal_access_in(&req.body);
            errors.0.extend(body_errors.0);
            errors.finish()?;
            exists(stream_id, "Stream")?;
            let scope = Scope::Stream {
                stream_id: stream_id.to_owned(),
            };
            Ok(issue_portal_token(
                shared, st, scope, stream_id, access, "strmsk_",
            ))
        }
        Route::AppPortalExpireAll | Route::AppPortalStreamExpireAll => {
            let stream = route == Route::AppPortalStreamExpireAll;
            let id = if stream {
                path_param(
                    &s,
                    4,
                    "stream_id",
                    is_svix_stream_id,
                    STREAM_RULE,
                    &mut errors,
                )
            } else {
                path_param(&s, 4, "app_id", is_svix_id, ID_RULE, &mut errors)
            };
            let (expiry, sessions, body_errors) = schema::token_expire_in(&req.body);
            errors.0.extend(body_errors.0);
            errors.finish()?;
            exists(id, if stream { "Stream" } else { "Application" })?;
            let until = later(now, Duration::from_secs(expiry.unsigned_abs()));
            for t in st.tokens.values_mut() {
                let matches = match &t.scope {
                    Scope::App { app_id } => !stream && app_id == id,
                    Scope::Stream { stream_id } => stream && stream_id == id,
                    Scope::Poller => false,
                };
                let in_sessions = sessions.as_ref().is_none_or(|list| {
                    list.is_empty() || t.session_id.as_ref().is_some_and(|s| list.contains(s))
                });
                if matches && in_sessions {
                    t.expires = Some(t.expires.map_or(until, |e| e.min(until)));
                }
            }
            Ok(Reply::empty(StatusCode::NO_CONTENT))
        }
        Route::AppPortalGetPollerToken
        | Route::AppPortalRotatePollerToken
        | Route::AppPortalGetStreamPollerToken
        | Route::AppPortalRotateStreamPollerToken => poller_token(shared, st, route, &s, req),
        _ => Err(status_reply(StatusCode::NOT_FOUND)),
    }
}

/// Issues an app- or stream-portal token, its magic link and a one-time token for the link.
fn issue_portal_token(
    shared: &Shared,
    st: &mut AppPortalState,
    scope: Scope,
    id: &str,
    access: schema::AccessIn,
    prefix: &str,
) -> Reply {
    let now = shared.now();
    let token = format!("{prefix}{}", random_alnum(32));
    let one_time = format!("ott_{}", random_alnum(27));
    st.tokens.insert(
        token.clone(),
        AppToken {
            scope: scope.clone(),
            session_id: access.session_id,
            capabilities: access.capabilities,
            expires: Some(later(
                now,
                Duration::from_secs(access.expiry.unsigned_abs()),
            )),
        },
    );
    st.one_time.insert(one_time.clone(), token.clone());
    let id_field = match scope {
        Scope::Stream { .. } => "streamId",
        _ => "appId",
    };
    let key = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(json!({ id_field: id, "token": token, "oneTimeToken": one_time }).to_string());
    Reply::json(
        StatusCode::OK,
        &json!({
            "token": token,
            "url": format!("{}/app-portal/login#key={key}", shared.origins.app_portal),
        }),
    )
}

/// A spec-shaped id, `{prefix}` + 27 characters derived from `seed` (stable per seed).
fn derived_id(prefix: &str, seed: &str) -> String {
    let digest = sha2::Sha256::digest(seed.as_bytes());
    let alnum: String = base64::engine::general_purpose::STANDARD
        .encode(digest)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(27)
        .collect();
    format!("{prefix}{alnum}")
}

/// `id` itself when it already has the spec's id shape (`{prefix}` + `alnum` alphanumerics,
/// `alnum` a range), else a spec-shaped id derived from it (`id` is then a uid).
fn id_or_derived(prefix: &str, id: &str, alnum: std::ops::RangeInclusive<usize>) -> String {
    let is_id = id.strip_prefix(prefix).is_some_and(|rest| {
        alnum.contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    if is_id {
        return id.to_owned();
    }
    let derived = derived_id(prefix, id);
    derived[..prefix.len() + alnum.end()].to_owned()
}

/// `GET /api/v1/auth/whoami`: `WhoamiOut`. `appId` / `streamAppId` is the application or
/// stream the token is limited to ("The dispatch application that the current token is
/// limited to"): the id it was issued for, or an id derived from the uid it was issued for.
fn whoami(st: &AppPortalState, caller: &Caller) -> Reply {
    let env_id = derived_id("org_", APP_PORTAL_TOKEN);
    let mut out = json!({ "envId": env_id, "permissionSource": "RegionalAuthToken" });
    if let Caller::Issued(token) = caller
        && let Some(t) = st.tokens.get(token)
    {
        out["permissionSource"] = json!("SvixJwt");
        match &t.scope {
            // `^app_[A-Za-z0-9]{27}$` and `^strm_[A-Za-z0-9]{21,22}$` (WhoamiOut).
            Scope::App { app_id } => out["appId"] = json!(id_or_derived("app_", app_id, 27..=27)),
            Scope::Stream { stream_id } => {
                out["streamAppId"] = json!(id_or_derived("strm_", stream_id, 21..=22));
            }
            Scope::Poller => {}
        }
        if let Some(s) = &t.session_id {
            out["sessionId"] = json!(s);
        }
    }
    Reply::json(StatusCode::OK, &out)
}

/// `POST /api/v1/auth/one-time-token`: `OneTimeTokenOut`; each one-time token works once.
fn exchange_one_time_token(st: &mut AppPortalState, req: &Request) -> Result<Reply, Reply> {
    let (one_time, errors) = schema::one_time_token_in(&req.body);
    errors.finish()?;
    let not_found = || {
        http_error(
            StatusCode::NOT_FOUND,
            "not_found",
            "One-time token not found (unknown or already used)",
        )
    };
    let token = st.one_time.remove(&one_time).ok_or_else(not_found)?;
    let capabilities = st
        .tokens
        .get(&token)
        .map(|t| t.capabilities.clone())
        .ok_or_else(not_found)?;
    Ok(Reply::json(
        StatusCode::OK,
        &json!({ "token": token, "capabilities": capabilities }),
    ))
}

fn api_token_out(p: &PollerToken) -> Value {
    json!({
        "token": p.token,
        "id": p.id,
        "name": null,
        "createdAt": rfc3339(p.created),
        "expiresAt": p.expires.map(rfc3339),
        "scopes": null,
    })
}

/// Get or rotate the poller token of an app endpoint or a stream sink (`ApiTokenOut`).
/// A get before any rotation creates the first token (the spec is silent).
fn poller_token(
    shared: &Shared,
    st: &mut AppPortalState,
    route: Route,
    s: &[&str],
    req: &Request,
) -> Result<Reply, Reply> {
    let mut errors = Errors::default();
    let stream = matches!(
        route,
        Route::AppPortalGetStreamPollerToken | Route::AppPortalRotateStreamPollerToken
    );
    let (owner, item) = if stream {
        (
            path_param(
                s,
                4,
                "stream_id",
                is_svix_stream_id,
                STREAM_RULE,
                &mut errors,
            ),
            path_param(s, 6, "sink_id", is_svix_stream_id, STREAM_RULE, &mut errors),
        )
    } else {
        (
            path_param(s, 4, "app_id", is_svix_id, ID_RULE, &mut errors),
            path_param(s, 6, "endpoint_id", is_svix_id, ID_RULE, &mut errors),
        )
    };
    let rotate = matches!(
        route,
        Route::AppPortalRotatePollerToken | Route::AppPortalRotateStreamPollerToken
    );
    let (expiry, old_expiry) = if rotate {
        let (expiry, old, body_errors) = schema::rotate_poller_token_in(&req.body);
        errors.0.extend(body_errors.0);
        (expiry, old)
    } else {
        (None, 0)
    };
    errors.finish()?;
    exists(owner, if stream { "Stream" } else { "Application" })?;
    let key = format!("{}/{owner}/{item}", if stream { "stream" } else { "app" });
    let now = shared.now();
    let current = st.pollers.get(&key).cloned();
    if let (Some(p), false) = (&current, rotate) {
        return Ok(Reply::json(StatusCode::OK, &api_token_out(p)));
    }
    if let Some(old) = &current {
        let until = later(now, Duration::from_secs(old_expiry.unsigned_abs()));
        if old_expiry == 0 {
            st.tokens.remove(&old.token);
        } else if let Some(t) = st.tokens.get_mut(&old.token) {
            t.expires = Some(t.expires.map_or(until, |e| e.min(until)));
        }
    }
    let fresh = PollerToken {
        id: format!("key_{}", random_alnum(27)),
        token: format!("pk_{}", random_alnum(32)),
        created: now,
        expires: expiry.map(|e| later(now, Duration::from_secs(e.unsigned_abs()))),
    };
    st.tokens.insert(
        fresh.token.clone(),
        AppToken {
            scope: Scope::Poller,
            session_id: None,
            capabilities: Vec::new(),
            expires: fresh.expires,
        },
    );
    st.pollers.insert(key, fresh.clone());
    let status = if rotate {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(Reply::json(status, &api_token_out(&fresh)))
}

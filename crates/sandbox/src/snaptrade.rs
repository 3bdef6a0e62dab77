//! SnapTrade: signature, timestamp and client-id checks on every request, and a user
//! registry behind the five Authentication operations.

use base64::Engine as _;
use http::{HeaderValue, Method, StatusCode, header};
use serde_json::{Map, Value, json};

use crate::credentials::SNAPTRADE_CLIENT_ID;
use crate::signing::{self, Verdict};
use crate::state::{BoundedMap, Shared};
use crate::stats::Route;
use crate::wire::{self, Match, Reply, Request, type_name, uuid};

const MAX_USERS: usize = 10_000;
const MAX_USER_ID_LEN: usize = 255;

/// The registered users: `userId` → `userSecret`, in registration order.
#[derive(Debug)]
pub(crate) struct SnapTradeState {
    users: BoundedMap<String>,
}

impl SnapTradeState {
    pub fn new() -> Self {
        Self {
            users: BoundedMap::new(MAX_USERS),
        }
    }
}

/// The legacy prefix of every SnapTrade path (`snaptrade-current.md` §2).
const LEGACY_PREFIX: &str = "/api/v1";

/// Whether `path` uses the legacy `/api/v1` prefix.
pub(crate) fn is_legacy_path(path: &str) -> bool {
    path.strip_prefix(LEGACY_PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The operation segments: the path relative to the API root, with or without the legacy
/// `/api/v1` prefix.
fn operation_segments(segs: &[String]) -> Vec<&str> {
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    match s.as_slice() {
        ["api", "v1", rest @ ..] => rest.to_vec(),
        _ => s,
    }
}

/// Matches a path of the SnapTrade listener: `/snapTrade/...` at the root, and the same
/// under the legacy `/api/v1` prefix.
pub(crate) fn classify(method: &Method, segs: &[String]) -> Match {
    let s = operation_segments(segs);
    let (route, m, allow) = match s.as_slice() {
        ["snapTrade", op] => match *op {
            "registerUser" => (Route::SnapTradeRegisterUser, Method::POST, "POST"),
            "login" => (Route::SnapTradeLogin, Method::POST, "POST"),
            "listUsers" => (Route::SnapTradeListUsers, Method::GET, "GET"),
            "deleteUser" => (Route::SnapTradeDeleteUser, Method::DELETE, "DELETE"),
            "encryptedJWT" => (Route::SnapTradeEncryptedJwt, Method::GET, "GET"),
            "resetUserSecret" => (Route::SnapTradeResetUserSecret, Method::POST, "POST"),
            _ => return Match::NotFound,
        },
        ["portal"] => (Route::SnapTradePortal, Method::GET, "GET"),
        _ => return Match::NotFound,
    };
    wire::by_method(method, &[(m, route)], allow)
}

// ---------------------------------------------------------------- error bodies

/// The spec's `4xxFailedRequestResponse` shape `{default_detail, default_code}`.
fn failed(status: StatusCode, detail: &str, code: i64) -> Reply {
    Reply::json(
        status,
        &json!({ "default_detail": detail, "default_code": code }),
    )
}

fn unverifiable_data(detail: &str) -> Reply {
    failed(StatusCode::BAD_REQUEST, detail, 1076)
}

fn bad_signature() -> Reply {
    failed(
        StatusCode::UNAUTHORIZED,
        "Unable to verify signature sent",
        1076,
    )
}

fn forbidden() -> Reply {
    failed(
        StatusCode::FORBIDDEN,
        "User does not have permission to access this resource",
        1066,
    )
}

fn not_found(detail: &str) -> Reply {
    failed(StatusCode::NOT_FOUND, detail, 1011)
}

/// The error reply for a status the sandbox decided on (faults, limits, unknown routes).
pub(crate) fn status_reply(status: StatusCode) -> Reply {
    match status.as_u16() {
        404 => not_found("The requested resource does not exist."),
        429 => Reply::json(
            status,
            &json!({
                "detail": "Rate limit exceeded. Please try again later.",
                "status_code": 429,
                "code": "throttled",
            }),
        ),
        500..=599 => Reply::json(
            status,
            &json!({
                "detail": "Unexpected error",
                "status_code": status.as_u16(),
                "code": 1000,
            }),
        ),
        code => failed(
            status,
            status.canonical_reason().unwrap_or("Error"),
            i64::from(code),
        ),
    }
}

// ---------------------------------------------------------------- handling

/// Runs one SnapTrade operation.
pub(crate) fn handle(
    shared: &Shared,
    st: &mut SnapTradeState,
    route: Route,
    req: &Request,
) -> Reply {
    if route == Route::SnapTradePortal {
        return portal(req);
    }
    let result = verify(shared, req).and_then(|()| match route {
        Route::SnapTradeRegisterUser => register_user(st, req),
        Route::SnapTradeLogin => login(shared, st, req),
        Route::SnapTradeListUsers => Ok(list_users(st)),
        Route::SnapTradeDeleteUser => delete_user(st, req),
        Route::SnapTradeEncryptedJwt => encrypted_jwt(st, req),
        Route::SnapTradeResetUserSecret => reset_user_secret(st, req),
        _ => Err(status_reply(StatusCode::NOT_FOUND)),
    });
    result.unwrap_or_else(|e| e)
}

/// `clientId`, `timestamp` and `Signature` (the spec's global security requirement).
fn verify(shared: &Shared, req: &Request) -> Result<(), Reply> {
    if req.query_param("clientId").as_deref() != Some(SNAPTRADE_CLIENT_ID) {
        return Err(not_found("Invalid SnapTrade Client ID provided in query"));
    }
    let Some(timestamp) = req
        .query_param("timestamp")
        .and_then(|t| t.parse::<i64>().ok())
    else {
        return Err(unverifiable_data(
            "Unable to verify data sent: `timestamp` (Unix seconds) is required in the query",
        ));
    };
    let Some(signature) = req.header("signature") else {
        return Err(bad_signature());
    };
    let body = (!req.body.is_empty()).then_some(&req.body[..]);
    // Current SDKs sign the path relative to the API root even when they send it under
    // `/api/v1`; older ones sign the full legacy path (`snaptrade-current.md` §4).
    let relative = req
        .path
        .strip_prefix(LEGACY_PREFIX)
        .filter(|_| is_legacy_path(&req.path))
        .unwrap_or(&req.path);
    match signing::verify(&[relative, &req.path], &req.query, body, signature) {
        Verdict::Valid => {}
        Verdict::Invalid => return Err(bad_signature()),
        Verdict::BodyNotJson => {
            return Err(unverifiable_data(
                "Unable to verify data sent: the body is not JSON",
            ));
        }
    }
    let tolerance =
        i64::try_from(shared.settings.timestamp_tolerance.as_secs()).unwrap_or(i64::MAX);
    if shared.now_unix().abs_diff(timestamp) > tolerance.unsigned_abs() {
        return Err(failed(
            StatusCode::UNAUTHORIZED,
            "Unable to verify signature sent: the timestamp is outside the allowed window",
            1076,
        ));
    }
    Ok(())
}

/// The optional JSON object body (empty body → empty object).
fn optional_object(req: &Request) -> Result<Map<String, Value>, Reply> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(Value::Null) => Ok(Map::new()),
        _ => Err(unverifiable_data(
            "Unable to verify data sent: the body must be a JSON object",
        )),
    }
}

fn typed<'a>(
    body: &'a Map<String, Value>,
    name: &str,
    want: &'static str,
) -> Result<Option<&'a Value>, Reply> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) if type_name(v) == want => Ok(Some(v)),
        Some(v) => Err(unverifiable_data(&format!(
            "Unable to verify data sent: `{name}` must be a {want}, not {}",
            type_name(v)
        ))),
    }
}

/// `POST /snapTrade/registerUser`.
fn register_user(st: &mut SnapTradeState, req: &Request) -> Result<Reply, Reply> {
    let body = optional_object(req)?;
    let user_id = typed(&body, "userId", "string")?
        .and_then(Value::as_str)
        .unwrap_or_default();
    if user_id.is_empty() {
        return Err(unverifiable_data(
            "Unable to verify data sent: `userId` is required",
        ));
    }
    if user_id.chars().count() > MAX_USER_ID_LEN {
        // SnapTrade documents no length limit (the spec's `UserID` is a plain string); this
        // bound is the sandbox's own, and says so.
        return Err(unverifiable_data(&format!(
            "The sandbox keeps user ids of at most {MAX_USER_ID_LEN} characters (its own \
             limit; SnapTrade documents none): use a shorter `userId` in tests"
        )));
    }
    typed(&body, "rsaPublicKey", "string")?;
    if st.users.contains(user_id) {
        return Err(unverifiable_data("User already exists"));
    }
    if st.users.is_full() {
        return Err(unverifiable_data(&format!(
            "The sandbox keeps at most {MAX_USERS} users; delete some first"
        )));
    }
    let secret = uuid();
    st.users.insert(user_id.to_owned(), secret.clone());
    Ok(Reply::json(
        StatusCode::OK,
        &json!({ "userId": user_id, "userSecret": secret }),
    ))
}

/// `userId` and `userSecret` from the query, checked against the registry.
fn authenticate_user(st: &SnapTradeState, req: &Request) -> Result<String, Reply> {
    let (Some(user_id), Some(secret)) = (req.query_param("userId"), req.query_param("userSecret"))
    else {
        return Err(unverifiable_data(
            "Unable to verify data sent: `userId` and `userSecret` are required in the query",
        ));
    };
    match st.users.get(&user_id) {
        Some(s) if *s == secret => Ok(user_id),
        _ => Err(forbidden()),
    }
}

/// The login `locale` rule (`snaptrade-current.md` §1.3): `en` and `pt-BR` ship; matching is
/// case- and separator-insensitive (`pt_br`), and a regional tag resolves to its language
/// when that language ships (`en-US` → `en`). Anything else is a 400.
fn is_shipped_locale(locale: &str) -> bool {
    let l = locale.to_ascii_lowercase().replace('_', "-");
    l == "en" || l.starts_with("en-") || l == "pt-br"
}

/// `POST /snapTrade/login`.
fn login(shared: &Shared, st: &SnapTradeState, req: &Request) -> Result<Reply, Reply> {
    authenticate_user(st, req)?;
    let body = optional_object(req)?;
    for name in [
        "broker",
        "customRedirect",
        "reconnect",
        "connectionPortalVersion",
    ] {
        typed(&body, name, "string")?;
    }
    for name in ["immediateRedirect", "showCloseButton", "darkMode"] {
        typed(&body, name, "boolean")?;
    }
    if let Some(t) = typed(&body, "connectionType", "string")?.and_then(Value::as_str)
        && !["read", "trade", "trade-if-available"].contains(&t)
    {
        return Err(unverifiable_data(
            "Unable to verify data sent: `connectionType` must be read, trade or trade-if-available",
        ));
    }
    if let Some(l) = typed(&body, "locale", "string")?.and_then(Value::as_str)
        && !is_shipped_locale(l)
    {
        return Err(unverifiable_data(&format!(
            "Unable to verify data sent: `locale` {l:?} is not a shipped language (en or pt-BR; case and separator do not matter, en-US means en)"
        )));
    }
    if let Some(v) = typed(&body, "connectionPortalVersion", "string")?.and_then(Value::as_str)
        && !["v4", "v3", "v2"].contains(&v)
    {
        return Err(unverifiable_data(
            "Unable to verify data sent: `connectionPortalVersion` must be v4, v3 or v2",
        ));
    }
    let session_id = uuid();
    Ok(Reply::json(
        StatusCode::OK,
        &json!({
            "redirectURI": format!("{}/portal?sessionId={session_id}", shared.origins.snaptrade),
            "sessionId": session_id,
        }),
    ))
}

fn list_users(st: &SnapTradeState) -> Reply {
    let ids: Vec<&String> = st.users.iter().map(|(k, _)| k).collect();
    Reply::json(StatusCode::OK, &json!(ids))
}

/// `DELETE /snapTrade/deleteUser`.
fn delete_user(st: &mut SnapTradeState, req: &Request) -> Result<Reply, Reply> {
    let Some(user_id) = req.query_param("userId").filter(|u| !u.is_empty()) else {
        return Err(unverifiable_data(
            "Unable to verify data sent: `userId` is required in the query",
        ));
    };
    let Some(secret) = st.users.get(&user_id) else {
        return Err(not_found("The requested resource does not exist."));
    };
    if req
        .query_param("userSecret")
        .is_some_and(|given| given != *secret)
    {
        return Err(forbidden());
    }
    st.users.remove(&user_id);
    Ok(Reply::json(
        StatusCode::OK,
        &json!({
            "status": "deleted",
            "detail": "User queued for deletion; please wait for webhook for confirmation.",
            "userId": user_id,
        }),
    ))
}

/// `POST /snapTrade/resetUserSecret`: body `UserIDandSecret` (required); the new secret
/// replaces the old one at once, so the old one stops working (the spec does not say; a
/// rotation for a compromised secret that left it valid would be pointless). A wrong or
/// unknown `userId`/`userSecret` is the spec's `401` "Failed authentication. Wrong clientId,
/// userId or userSecret provided".
fn reset_user_secret(st: &mut SnapTradeState, req: &Request) -> Result<Reply, Reply> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Err(unverifiable_data(
            "Unable to verify data sent: a JSON body {\"userId\", \"userSecret\"} is required",
        ));
    }
    let body = optional_object(req)?;
    let user_id = typed(&body, "userId", "string")?.and_then(Value::as_str);
    let secret = typed(&body, "userSecret", "string")?.and_then(Value::as_str);
    let (Some(user_id), Some(secret)) = (user_id, secret) else {
        return Err(unverifiable_data(
            "Unable to verify data sent: `userId` and `userSecret` are required in the body",
        ));
    };
    match st.users.get(user_id) {
        Some(current) if current == secret => {}
        _ => {
            return Err(failed(
                StatusCode::UNAUTHORIZED,
                "Failed authentication. Wrong clientId, userId or userSecret provided",
                1076,
            ));
        }
    }
    let fresh = uuid();
    st.users.insert(user_id.to_owned(), fresh.clone());
    Ok(Reply::json(
        StatusCode::OK,
        &json!({ "userId": user_id, "userSecret": fresh }),
    ))
}

/// `GET /snapTrade/encryptedJWT`: the `encryptedResponse` shape. The sandbox has no RSA key
/// for the user, so the fields are random base64 of realistic sizes and cannot be decrypted.
fn encrypted_jwt(st: &SnapTradeState, req: &Request) -> Result<Reply, Reply> {
    authenticate_user(st, req)?;
    let random_b64 = |n: usize| {
        let bytes: Vec<u8> = std::iter::repeat_with(|| fastrand::u8(..))
            .take(n)
            .collect();
        base64::engine::general_purpose::STANDARD.encode(bytes)
    };
    Ok(Reply::json(
        StatusCode::OK,
        &json!({
            "encryptedSharedKey": random_b64(256),
            "encryptedMessageData": {
                "encryptedMessage": random_b64(180),
                "tag": random_b64(16),
                "nonce": random_b64(15),
            },
        }),
    ))
}

/// Sandbox-only `GET /portal`: the page a login `redirectURI` opens.
fn portal(req: &Request) -> Reply {
    let session = req.query_param("sessionId").unwrap_or_default();
    let session: String = session
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(64)
        .collect();
    let mut reply = Reply::empty(StatusCode::OK).with_header(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    reply.body = format!(
        "<!doctype html><title>SnapTrade sandbox</title><p>fintra-sandbox SnapTrade connection portal (session {session}). Nothing to connect here.</p>"
    )
    .into();
    reply
}

#[cfg(test)]
mod tests {
    use super::is_shipped_locale;

    #[test]
    fn locales_match_the_spec_description() {
        for ok in [
            "en", "EN", "en-US", "en_GB", "pt-BR", "pt-br", "pt_BR", "PT_br",
        ] {
            assert!(is_shipped_locale(ok), "{ok}");
        }
        for bad in ["fr", "pt", "pt-PT", "english", "", "de-DE"] {
            assert!(!is_shipped_locale(bad), "{bad}");
        }
    }
}

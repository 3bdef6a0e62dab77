//! Finicity: partner authentication (tokens, secret rotation, lockout) and the seven
//! Connect Components operations.
//!
//! Error shapes follow the spec: the authentication operations answer with `ErrorMessage`
//! (`{code, message}`, "shape A"), Connect Components with `GoldStandardErrorMessage`
//! (`{Errors: {Error: [{Source, ReasonCode, Description, Recoverable, Details}]}}`).

use std::time::{Duration, SystemTime};

use http::{HeaderValue, Method, StatusCode, header};
use serde_json::{Map, Value, json};

use crate::credentials::{FINICITY_APP_KEY, FINICITY_PARTNER_ID, FINICITY_PARTNER_SECRET};
use crate::rules::is_valid_partner_secret;
use crate::state::{BoundedMap, Shared, later};
use crate::stats::Route;
use crate::wire::{self, Match, Reply, Request, random_alnum, type_name, uuid};
use fintra_core::format::{is_date_time, is_uuid};

/// The `institution_login_id` for which `POST …/reconnections` answers `203` with MFA
/// challenges instead of `201` with a login form.
pub const FINICITY_MFA_INSTITUTION_LOGIN_ID: i64 = 1_000_000_203;

/// An `institution_id` the sandbox treats as unknown: login-form and OAuth-URL requests
/// for it answer `404` (as do non-positive ids).
pub const FINICITY_UNKNOWN_INSTITUTION_ID: i64 = 404_404;

const MAX_TOKENS: usize = 10_000;
const MAX_CONFIGURATIONS: usize = 1_000;
const MAX_OAUTH_SESSIONS: usize = 1_000;
/// `immediate: false` keeps the old secret valid this long (the spec's "30-day grace period").
const GRACE_PERIOD: Duration = Duration::from_secs(30 * 24 * 3600);
const SOURCE: &str = "Connect-Components";
const LANGUAGES: &[&str] = &["en", "en-us", "es", "es-us", "fr", "fr-ca"];
const CLASSIFICATIONS: &[&str] = &["personal", "business", "unknown"];

/// Finicity's mutable state.
#[derive(Debug)]
pub(crate) struct FinicityState {
    secret: String,
    /// The previous secret and when it stops working (after `immediate: false`).
    grace_secret: Option<(String, SystemTime)>,
    consecutive_failures: u32,
    locked: bool,
    /// Token → expiry.
    tokens: BoundedMap<SystemTime>,
    configurations: BoundedMap<Value>,
    /// OAuth session id → redirect URI.
    oauth_sessions: BoundedMap<String>,
}

impl FinicityState {
    pub fn new() -> Self {
        Self {
            secret: FINICITY_PARTNER_SECRET.to_owned(),
            grace_secret: None,
            consecutive_failures: 0,
            locked: false,
            tokens: BoundedMap::new(MAX_TOKENS),
            configurations: BoundedMap::new(MAX_CONFIGURATIONS),
            oauth_sessions: BoundedMap::new(MAX_OAUTH_SESSIONS),
        }
    }

    fn secret_matches(&self, secret: &str, now: SystemTime) -> bool {
        secret == self.secret
            || self
                .grace_secret
                .as_ref()
                .is_some_and(|(old, until)| secret == old && now < *until)
    }

    /// Records a wrong secret; locks the partner at the threshold.
    fn record_failure(&mut self, threshold: u32) {
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        if self.consecutive_failures >= threshold {
            self.locked = true;
        }
    }
}

/// Matches a path of the Finicity listener.
pub(crate) fn classify(method: &Method, segs: &[String]) -> Match {
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    match s.as_slice() {
        ["aggregation", "v2", "partners", "authentication"] => wire::by_method(
            method,
            &[
                (Method::POST, Route::FinicityCreateToken),
                (Method::PUT, Route::FinicityModifyPartnerSecret),
            ],
            "POST, PUT",
        ),
        ["connect-components", "configurations"] => wire::by_method(
            method,
            &[
                (Method::POST, Route::FinicityCreateConfiguration),
                (Method::GET, Route::FinicityListConfigurations),
            ],
            "GET, POST",
        ),
        ["connect-components", "configurations", _] => wire::by_method(
            method,
            &[
                (Method::GET, Route::FinicityGetConfiguration),
                (Method::DELETE, Route::FinicityDeleteConfiguration),
            ],
            "GET, DELETE",
        ),
        ["connect-components", "institutions", _, "login-forms"] => wire::by_method(
            method,
            &[(Method::POST, Route::FinicityCreateLoginForm)],
            "POST",
        ),
        ["connect-components", "institutions", _, "oauth-urls"] => wire::by_method(
            method,
            &[(Method::POST, Route::FinicityCreateOauthUrl)],
            "POST",
        ),
        [
            "connect-components",
            "customers",
            _,
            "institution-login-ids",
            _,
            "reconnections",
        ] => wire::by_method(
            method,
            &[(Method::POST, Route::FinicityInitiateReconnection)],
            "POST",
        ),
        ["oauth", _] => wire::by_method(method, &[(Method::GET, Route::FinicityOauthPage)], "GET"),
        _ => Match::NotFound,
    }
}

/// Runs one Finicity operation.
pub(crate) fn handle(
    shared: &Shared,
    st: &mut FinicityState,
    route: Route,
    segs: &[String],
    req: &Request,
) -> Reply {
    let result = match route {
        Route::FinicityCreateToken => create_token(shared, st, req),
        Route::FinicityModifyPartnerSecret => modify_secret(shared, st, req),
        Route::FinicityOauthPage => oauth_page(st, segs),
        _ => authorize(shared, st, req).and_then(|()| match route {
            Route::FinicityCreateConfiguration => create_configuration(st, req),
            Route::FinicityListConfigurations => Ok(list_configurations(st)),
            Route::FinicityGetConfiguration => get_configuration(st, segs),
            Route::FinicityDeleteConfiguration => delete_configuration(st, segs),
            Route::FinicityCreateLoginForm => create_login_form(st, segs, req),
            Route::FinicityCreateOauthUrl => create_oauth_url(shared, st, segs, req),
            Route::FinicityInitiateReconnection => reconnect(segs, req),
            _ => Err(gold_for_status(StatusCode::NOT_FOUND)),
        }),
    };
    result.unwrap_or_else(|e| e)
}

// ---------------------------------------------------------------- error bodies

/// Shape A (`ErrorMessage`).
fn shape_a(status: StatusCode, code: Value, message: &str) -> Reply {
    Reply::json(status, &json!({ "code": code, "message": message }))
}

/// Shape B (`GoldStandardErrorMessage`).
fn gold(
    status: StatusCode,
    reason_code: &str,
    description: &str,
    details: &str,
    recoverable: bool,
) -> Reply {
    Reply::json(
        status,
        &json!({ "Errors": { "Error": [{
            "Source": SOURCE,
            "ReasonCode": reason_code,
            "Description": description,
            "Recoverable": recoverable,
            "Details": details,
        }]}}),
    )
}

fn gold_for_status(status: StatusCode) -> Reply {
    if status == StatusCode::NOT_FOUND {
        return not_found("The requested entity was not found");
    }
    let reason = status.canonical_reason().unwrap_or("Error");
    gold(
        status,
        status.as_str(),
        reason,
        reason,
        status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS,
    )
}

/// `400` GoldStandard `10010` (the spec's `InvalidFieldExample`) with specific details.
fn invalid_field(details: &str) -> Reply {
    gold(
        StatusCode::BAD_REQUEST,
        "10010",
        "All request parameters could not be validated. Ensure you are sending the correct data in your headers, query parameters, and request body.",
        details,
        false,
    )
}

/// `404` GoldStandard `4041` (the spec's `ResourceNotFoundExample`).
fn not_found(details: &str) -> Reply {
    gold(
        StatusCode::NOT_FOUND,
        "4041",
        "The requested entity was not found",
        details,
        false,
    )
}

/// The error reply for a status the sandbox decided on (faults, limits, unknown routes):
/// GoldStandard below `/connect-components`, shape A elsewhere.
pub(crate) fn status_reply(path: &str, status: StatusCode) -> Reply {
    if path.starts_with("/connect-components") || status == StatusCode::NOT_FOUND {
        gold_for_status(status)
    } else {
        let reason = status.canonical_reason().unwrap_or("Error");
        shape_a(status, json!(status.as_str()), reason)
    }
}

// ---------------------------------------------------------------- authentication

fn check_app_key_a(req: &Request) -> Result<(), Reply> {
    match req.header("finicity-app-key").filter(|k| !k.is_empty()) {
        None => Err(shape_a(
            StatusCode::UNAUTHORIZED,
            json!("10026"),
            "Missing parameter (Finicity-App-Key)",
        )),
        Some(k) if k != FINICITY_APP_KEY => Err(shape_a(
            StatusCode::UNAUTHORIZED,
            json!("10027"),
            "Invalid parameter (Finicity-App-Key)",
        )),
        Some(_) => Ok(()),
    }
}

fn bad_request_a() -> Reply {
    shape_a(StatusCode::BAD_REQUEST, json!("14020"), "Bad request.")
}

fn json_object_a(req: &Request) -> Result<Map<String, Value>, Reply> {
    let detail = match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(m)) => return Ok(m),
        Ok(other) => format!(
            "the request body must be a JSON object, not {}",
            type_name(&other)
        ),
        // serde_json's message ends with "at line L column C".
        Err(e) => format!("the request body is not valid JSON: {e}"),
    };
    Err(shape_a(
        StatusCode::BAD_REQUEST,
        json!("14020"),
        &format!("Bad request. {detail}"),
    ))
}

/// A required string member of a shape-A request body.
fn required_str_a<'a>(body: &'a Map<String, Value>, name: &str) -> Result<&'a str, Reply> {
    match body.get(name) {
        None | Some(Value::Null) => Err(missing_a(name)),
        Some(Value::String(s)) if s.is_empty() => Err(missing_a(name)),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(Reply::json(
            StatusCode::BAD_REQUEST,
            &json!({
                "code": "10010",
                "status": "400",
                "message": format!("\"{name}\" must be a string"),
                "user_message": "One or more of the fields could not be validated. Please ensure you have entered the correct data.",
                "tags": "",
            }),
        )),
    }
}

fn missing_a(name: &str) -> Reply {
    shape_a(
        StatusCode::BAD_REQUEST,
        json!("10005"),
        &format!("Missing parameter ({name})"),
    )
}

fn invalid_credentials() -> Reply {
    shape_a(
        StatusCode::UNAUTHORIZED,
        json!("10001"),
        "Invalid credentials",
    )
}

fn locked() -> Reply {
    shape_a(
        StatusCode::INTERNAL_SERVER_ERROR,
        json!("24302"),
        "For your security, we've locked your account. Please reset your password to continue.",
    )
}

/// `POST /aggregation/v2/partners/authentication`.
fn create_token(shared: &Shared, st: &mut FinicityState, req: &Request) -> Result<Reply, Reply> {
    check_app_key_a(req)?;
    let body = json_object_a(req)?;
    let partner_id = required_str_a(&body, "partnerId")?;
    let secret = required_str_a(&body, "partnerSecret")?;
    if partner_id != FINICITY_PARTNER_ID {
        return Err(shape_a(
            StatusCode::NOT_FOUND,
            json!(12401),
            "partner not found",
        ));
    }
    if st.locked {
        return Err(locked());
    }
    let now = shared.now();
    if !st.secret_matches(secret, now) {
        st.record_failure(shared.settings.lockout_threshold);
        return Err(invalid_credentials());
    }
    st.consecutive_failures = 0;
    if st.tokens.is_full() {
        // Tokens are issued with one lifetime, so they expire in issue order.
        st.tokens.drop_oldest_while(|expires| *expires <= now);
    }
    let token = random_alnum(20);
    st.tokens
        .insert(token.clone(), later(now, shared.settings.token_lifetime));
    Ok(Reply::json(StatusCode::OK, &json!({ "token": token })))
}

/// `PUT /aggregation/v2/partners/authentication`.
fn modify_secret(shared: &Shared, st: &mut FinicityState, req: &Request) -> Result<Reply, Reply> {
    check_app_key_a(req)?;
    let body = json_object_a(req)?;
    let partner_id = required_str_a(&body, "partnerId")?;
    let secret = required_str_a(&body, "partnerSecret")?;
    let new_secret = required_str_a(&body, "newPartnerSecret")?;
    let immediate = match body.get("immediate") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(bad_request_a()),
    };
    if partner_id != FINICITY_PARTNER_ID {
        return Err(invalid_credentials());
    }
    if st.locked {
        return Err(locked());
    }
    let now = shared.now();
    if !st.secret_matches(secret, now) {
        st.record_failure(shared.settings.lockout_threshold);
        return Err(invalid_credentials());
    }
    st.consecutive_failures = 0;
    if !is_valid_partner_secret(new_secret) {
        return Err(shape_a(
            StatusCode::BAD_REQUEST,
            json!("24437"),
            "New password is not as per policy",
        ));
    }
    let old = std::mem::replace(&mut st.secret, new_secret.to_owned());
    st.grace_secret = (!immediate).then(|| (old, later(now, GRACE_PERIOD)));
    Ok(Reply::empty(StatusCode::NO_CONTENT))
}

// ---------------------------------------------------------------- connect components

/// Both headers of the global security requirement, and a live token.
fn authorize(shared: &Shared, st: &FinicityState, req: &Request) -> Result<(), Reply> {
    let unauthorized =
        |code: &str, text: &str| Err(gold(StatusCode::UNAUTHORIZED, code, text, text, false));
    match req.header("finicity-app-key").filter(|k| !k.is_empty()) {
        None => return unauthorized("10026", "Missing parameter (Finicity-App-Key)"),
        Some(k) if k != FINICITY_APP_KEY => {
            return unauthorized("10027", "Invalid parameter (Finicity-App-Key)");
        }
        Some(_) => {}
    }
    let Some(token) = req.header("finicity-app-token").filter(|t| !t.is_empty()) else {
        return unauthorized("10024", "Missing parameter (Finicity-App-Token)");
    };
    match st.tokens.get(token) {
        None => unauthorized("10022", "Invalid (Finicity-App-Token)"),
        Some(expires) if shared.now() >= *expires => {
            unauthorized("10023", "Expired (Finicity-App-Token)")
        }
        Some(_) => Ok(()),
    }
}

fn json_object_gold(req: &Request) -> Result<Map<String, Value>, Reply> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Err(invalid_field("A JSON request body is required"));
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(other) => Err(invalid_field(&format!(
            "The request body must be a JSON object, not {}",
            type_name(&other)
        ))),
        Err(e) => Err(invalid_field(&format!(
            "The request body is not valid JSON: {e}"
        ))),
    }
}

fn optional<'a>(body: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    body.get(name).filter(|v| !v.is_null())
}

fn string_field<'a>(
    body: &'a Map<String, Value>,
    name: &str,
    required: bool,
) -> Result<Option<&'a str>, Reply> {
    match optional(body, name) {
        None if required => Err(invalid_field(&format!("\"{name}\" is required"))),
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v) => Err(invalid_field(&format!(
            "\"{name}\" must be a string, not {}",
            type_name(v)
        ))),
    }
}

fn string_array<'a>(
    body: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<Vec<&'a str>>, Reply> {
    let Some(v) = optional(body, name) else {
        return Ok(None);
    };
    let Value::Array(items) = v else {
        return Err(invalid_field(&format!("\"{name}\" must be an array")));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::String(s) => Ok(s.as_str()),
            other => Err(invalid_field(&format!(
                "\"{name}[{i}]\" must be a string, not {}",
                type_name(other)
            ))),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// `POST /connect-components/configurations`.
fn create_configuration(st: &mut FinicityState, req: &Request) -> Result<Reply, Reply> {
    let body = json_object_gold(req)?;
    let mut stored = Map::new();
    let id = uuid();
    stored.insert("id".into(), json!(id));
    if let Some(filters) = string_array(&body, "filterAccounts")? {
        if let Some(i) = filters
            .iter()
            .position(|f| f.is_empty() || f.chars().count() > 512)
        {
            return Err(invalid_field(&format!(
                "\"filterAccounts[{i}]\" must be 1 to 512 characters"
            )));
        }
        stored.insert("filterAccounts".into(), json!(filters));
    }
    if let Some(kinds) = string_array(&body, "accountClassificationType")? {
        if let Some(bad) = kinds.iter().find(|k| !CLASSIFICATIONS.contains(k)) {
            return Err(invalid_field(&format!(
                "\"accountClassificationType\" value \"{bad}\" is not one of personal, business, unknown"
            )));
        }
        stored.insert("accountClassificationType".into(), json!(kinds));
    }
    match optional(&body, "aoRequired") {
        None => {}
        Some(Value::Bool(b)) => {
            stored.insert("aoRequired".into(), json!(b));
        }
        Some(v) => {
            return Err(invalid_field(&format!(
                "\"aoRequired\" must be a boolean, not {}",
                type_name(v)
            )));
        }
    }
    if st.configurations.is_full() {
        return Err(invalid_field(&format!(
            "The sandbox keeps at most {MAX_CONFIGURATIONS} configurations; delete some first"
        )));
    }
    let stored = Value::Object(stored);
    st.configurations.insert(id, stored.clone());
    Ok(Reply::json(StatusCode::CREATED, &stored))
}

fn list_configurations(st: &FinicityState) -> Reply {
    let all: Vec<&Value> = st.configurations.iter().map(|(_, v)| v).collect();
    Reply::json(StatusCode::OK, &json!(all))
}

fn configuration_id(segs: &[String]) -> Result<&str, Reply> {
    let id = segs.get(2).map_or("", String::as_str);
    if is_uuid(id) {
        Ok(id)
    } else {
        Err(invalid_field(
            "\"configuration_id\" must be a UUID of 36 characters",
        ))
    }
}

fn get_configuration(st: &FinicityState, segs: &[String]) -> Result<Reply, Reply> {
    let id = configuration_id(segs)?;
    st.configurations
        .get(id)
        .map(|c| Reply::json(StatusCode::OK, c))
        .ok_or_else(|| not_found(&format!("Configuration {id} was not found")))
}

fn delete_configuration(st: &mut FinicityState, segs: &[String]) -> Result<Reply, Reply> {
    let id = configuration_id(segs)?;
    st.configurations
        .remove(id)
        .map(|_| Reply::empty(StatusCode::NO_CONTENT))
        .ok_or_else(|| not_found(&format!("Configuration {id} was not found")))
}

fn institution_id(segs: &[String]) -> Result<i64, Reply> {
    segs.get(2)
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| invalid_field("\"institution_id\" must be an integer"))
}

/// The members shared by login-form and OAuth-URL requests.
fn check_session_request(body: &Map<String, Value>) -> Result<Option<&str>, Reply> {
    let customer_id = string_field(body, "customerId", true)?.unwrap_or_default();
    if customer_id.is_empty() {
        return Err(invalid_field("\"customerId\" must not be empty"));
    }
    let Some(agreement) = optional(body, "serviceAgreement") else {
        return Err(invalid_field("\"serviceAgreement\" is required"));
    };
    let Value::Object(agreement) = agreement else {
        return Err(invalid_field("\"serviceAgreement\" must be an object"));
    };
    let lang = string_field(agreement, "language", true)?.unwrap_or_default();
    if lang.is_empty() {
        return Err(invalid_field(
            "\"serviceAgreement.language\" must not be empty",
        ));
    }
    let accepted = string_field(agreement, "acceptedDate", true)?.unwrap_or_default();
    if !is_date_time(accepted) {
        return Err(invalid_field(
            "\"serviceAgreement.acceptedDate\" must be a valid ISO-8601 date time",
        ));
    }
    let configuration_id = string_field(body, "configurationId", false)?;
    if let Some(id) = configuration_id
        && !is_uuid(id)
    {
        return Err(invalid_field(
            "\"configurationId\" must be a UUID of 36 characters",
        ));
    }
    Ok(configuration_id)
}

fn check_references(
    st: &FinicityState,
    institution: i64,
    configuration_id: Option<&str>,
) -> Result<(), Reply> {
    if institution <= 0 || institution == FINICITY_UNKNOWN_INSTITUTION_ID {
        return Err(not_found(&format!(
            "Institution {institution} was not found"
        )));
    }
    if let Some(id) = configuration_id
        && !st.configurations.contains(id)
    {
        return Err(not_found(&format!("Configuration {id} was not found")));
    }
    Ok(())
}

fn login_form() -> Value {
    json!({
        "id": uuid(),
        "eventStreamId": uuid(),
        "elements": [
            { "id": uuid(), "label": "username", "sortOrder": 0 },
            { "id": uuid(), "label": "password", "sortOrder": 1 },
        ],
    })
}

/// `POST /connect-components/institutions/{institution_id}/login-forms`.
fn create_login_form(st: &FinicityState, segs: &[String], req: &Request) -> Result<Reply, Reply> {
    let institution = institution_id(segs)?;
    let body = json_object_gold(req)?;
    let language = string_field(&body, "language", true)?.unwrap_or_default();
    if !LANGUAGES.contains(&language.to_ascii_lowercase().as_str()) {
        return Err(invalid_field(
            "\"language\" must be one of en, en-us, es, es-us, fr, fr-ca",
        ));
    }
    let configuration_id = check_session_request(&body)?;
    check_references(st, institution, configuration_id)?;
    Ok(Reply::json(StatusCode::CREATED, &login_form()))
}

/// `POST /connect-components/institutions/{institution_id}/oauth-urls`.
fn create_oauth_url(
    shared: &Shared,
    st: &mut FinicityState,
    segs: &[String],
    req: &Request,
) -> Result<Reply, Reply> {
    let institution = institution_id(segs)?;
    let body = json_object_gold(req)?;
    let redirect = string_field(&body, "redirectURI", true)?.unwrap_or_default();
    if redirect.is_empty() || redirect.len() > 1024 || url::Url::parse(redirect).is_err() {
        return Err(invalid_field(
            "\"redirectURI\" must be an absolute URI of 1 to 1024 characters",
        ));
    }
    let configuration_id = check_session_request(&body)?;
    check_references(st, institution, configuration_id)?;
    let id = uuid();
    st.oauth_sessions.insert(id.clone(), redirect.to_owned());
    Ok(Reply::json(
        StatusCode::CREATED,
        &json!({
            "id": id,
            "url": format!("{}/oauth/{id}", shared.origins.finicity),
            "eventStreamId": uuid(),
        }),
    ))
}

/// Sandbox-only `GET /oauth/{id}`: "the institution's OAuth page", which sends the
/// browser straight back to the `redirectURI`.
fn oauth_page(st: &FinicityState, segs: &[String]) -> Result<Reply, Reply> {
    let id = segs.get(1).map_or("", String::as_str);
    let redirect = st
        .oauth_sessions
        .get(id)
        .ok_or_else(|| not_found("Unknown OAuth session"))?;
    let location =
        HeaderValue::from_str(redirect).map_err(|_| not_found("Unknown OAuth session"))?;
    Ok(Reply::empty(StatusCode::FOUND).with_header(header::LOCATION, location))
}

/// `POST /connect-components/customers/{customer_id}/institution-login-ids/{id}/reconnections`.
fn reconnect(segs: &[String], req: &Request) -> Result<Reply, Reply> {
    if segs.get(2).is_none_or(String::is_empty) {
        return Err(invalid_field("\"customer_id\" must not be empty"));
    }
    let login_id = segs
        .get(4)
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| invalid_field("\"institution_login_id\" must be an int64"))?;
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Err(invalid_field("A JSON request body is required (send {})"));
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(_) | Value::Null) => {}
        _ => {
            return Err(invalid_field("The request body must be a JSON object"));
        }
    }
    if login_id == FINICITY_MFA_INSTITUTION_LOGIN_ID {
        let stream = uuid();
        let challenge = json!([{ "mfaChallenges": [{
            "id": uuid(),
            "prompt": "Which high school did you attend",
            "mfaType": "TFA_TEXT",
            "choiceIds": [uuid()],
            "eventStreamId": stream,
        }]}]);
        return Ok(Reply::json(
            StatusCode::NON_AUTHORITATIVE_INFORMATION,
            &challenge,
        ));
    }
    Ok(Reply::json(StatusCode::CREATED, &login_form()))
}

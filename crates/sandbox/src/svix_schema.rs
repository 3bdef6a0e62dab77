//! Request-body validation for the Svix Authentication operations, from the latest spec's
//! schemas (`svix-current.md` §1.4, `svix.md` §2), answered as the spec's `422`
//! `HTTPValidationError` `{detail: [{loc, msg, type}]}` with the OSS server's item types.

use std::collections::HashSet;

use http::StatusCode;
use serde_json::{Map, Value, json};

use crate::rules::{is_svix_id, is_svix_session_id};
use crate::wire::Reply;

/// `AppPortalCapability` values.
pub(crate) const CAPABILITIES: [&str; 6] = [
    "ViewBase",
    "ViewEndpointSecret",
    "ManageEndpointSecret",
    "ManageTransformations",
    "CreateAttempts",
    "ManageEndpoint",
];

/// One `ValidationError` item.
#[derive(Debug)]
pub(crate) struct Invalid {
    loc: Vec<String>,
    msg: String,
    kind: &'static str,
}

impl Invalid {
    pub fn new(loc: &[&str], msg: impl Into<String>, kind: &'static str) -> Self {
        Self {
            loc: loc.iter().map(|s| (*s).to_owned()).collect(),
            msg: msg.into(),
            kind,
        }
    }
}

/// `422` `HTTPValidationError`.
pub(crate) fn validation_error(items: Vec<Invalid>) -> Reply {
    let detail: Vec<Value> = items
        .into_iter()
        .map(|i| json!({ "loc": i.loc, "msg": i.msg, "type": i.kind }))
        .collect();
    Reply::json(
        StatusCode::UNPROCESSABLE_ENTITY,
        &json!({ "detail": detail }),
    )
}

/// Collects validation errors for one request.
#[derive(Debug, Default)]
pub(crate) struct Errors(pub Vec<Invalid>);

impl Errors {
    pub fn push(&mut self, loc: &[&str], msg: impl Into<String>, kind: &'static str) {
        self.0.push(Invalid::new(loc, msg, kind));
    }

    /// `Err(422)` if anything was collected.
    pub fn finish(self) -> Result<(), Reply> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(validation_error(self.0))
        }
    }

    /// A required JSON object body (a blank body counts as `{}` only if `blank_ok`).
    pub fn object(&mut self, body: &[u8], blank_ok: bool) -> Map<String, Value> {
        if blank_ok && body.iter().all(u8::is_ascii_whitespace) {
            return Map::new();
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(m)) => m,
            Ok(_) => {
                self.push(&["body"], "invalid type: expected an object", "type_error");
                Map::new()
            }
            Err(e) => {
                self.push(&["body"], e.to_string(), "value_error.jsondecode");
                Map::new()
            }
        }
    }

    /// An optional (nullable) integer member within `min..=max`.
    pub fn int(
        &mut self,
        body: &Map<String, Value>,
        name: &str,
        min: i64,
        max: i64,
    ) -> Option<i64> {
        let loc = ["body", name];
        match body.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_i64() {
                Some(v) if v < min => {
                    self.push(
                        &loc,
                        format!("ensure this value is greater than or equal to {min}"),
                        "value_error.number.not_ge",
                    );
                    None
                }
                Some(v) if v > max => {
                    self.push(
                        &loc,
                        format!("ensure this value is less than or equal to {max}"),
                        "value_error.number.not_le",
                    );
                    None
                }
                Some(v) => Some(v),
                None if n.is_u64() => {
                    self.push(
                        &loc,
                        format!("ensure this value is less than or equal to {max}"),
                        "value_error.number.not_le",
                    );
                    None
                }
                None => {
                    self.push(&loc, "value is not a valid integer", "type_error.integer");
                    None
                }
            },
            Some(_) => {
                self.push(&loc, "value is not a valid integer", "type_error.integer");
                None
            }
        }
    }

    /// An optional (nullable) boolean member.
    pub fn boolean(&mut self, body: &Map<String, Value>, name: &str) -> Option<bool> {
        match body.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                self.push(
                    &["body", name],
                    "value could not be parsed to a boolean",
                    "type_error.bool",
                );
                None
            }
        }
    }

    /// An optional (nullable) `sessionId`: 1–64 characters of `^[a-zA-Z0-9@_-]+$`.
    pub fn session_id(&mut self, body: &Map<String, Value>) -> Option<String> {
        match body.get("sessionId") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if is_svix_session_id(s) => Some(s.clone()),
            Some(Value::String(_)) => {
                self.push(
                    &["body", "sessionId"],
                    "string must be 1 to 64 characters matching ^[a-zA-Z0-9@_-]+$",
                    "value_error",
                );
                None
            }
            Some(_) => {
                self.push(
                    &["body", "sessionId"],
                    "str type expected",
                    "type_error.str",
                );
                None
            }
        }
    }

    /// An optional array of unique strings (`uniqueItems: true`), each accepted by
    /// `item_ok`, with at most `max_items` (and at least `min_items`) entries.
    pub fn string_set(
        &mut self,
        body: &Map<String, Value>,
        name: &str,
        counts: (usize, usize),
        item_ok: impl Fn(&str) -> bool,
        item_rule: &str,
    ) -> Option<Vec<String>> {
        self.string_list(body, name, counts, true, item_ok, item_rule)
    }

    /// An optional array of strings, each accepted by `item_ok`, with at most `max_items`
    /// (and at least `min_items`) entries; repeats are refused only when `unique`.
    pub fn string_list(
        &mut self,
        body: &Map<String, Value>,
        name: &str,
        (min_items, max_items): (usize, usize),
        unique: bool,
        item_ok: impl Fn(&str) -> bool,
        item_rule: &str,
    ) -> Option<Vec<String>> {
        let items = match body.get(name) {
            None | Some(Value::Null) => return None,
            Some(Value::Array(items)) => items,
            Some(_) => {
                self.push(
                    &["body", name],
                    "value is not a valid list",
                    "type_error.list",
                );
                return None;
            }
        };
        if items.len() < min_items || items.len() > max_items {
            self.push(
                &["body", name],
                format!("ensure this list has {min_items} to {max_items} items"),
                "value_error.list",
            );
        }
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let index = format!("[{i}]");
            let loc = ["body", name, index.as_str()];
            match item {
                Value::String(s) if !item_ok(s) => self.push(&loc, item_rule, "value_error"),
                Value::String(s) => {
                    if !seen.insert(s.as_str()) && unique {
                        self.push(
                            &["body", name],
                            "the list has duplicated items",
                            "value_error",
                        );
                    }
                    out.push(s.clone());
                }
                _ => self.push(&loc, "str type expected", "type_error.str"),
            }
        }
        Some(out)
    }
}

const FLAG_RULE: &str = "string must be at most 256 characters matching ^[a-zA-Z0-9\\-_.]+$";
const SESSION_RULE: &str = "string must be 1 to 64 characters matching ^[a-zA-Z0-9@_-]+$";

/// A validated `AppPortalAccessIn` / `StreamPortalAccessIn`.
#[derive(Debug, Default)]
pub(crate) struct AccessIn {
    /// Seconds the token is valid (default 604800, 7 days).
    pub expiry: i64,
    pub session_id: Option<String>,
    pub capabilities: Vec<String>,
}

/// The portal tokens' default and allowed `expiry` (1 hour to 7 days).
const ACCESS_EXPIRY: (i64, i64, i64) = (3600, 604_800, 604_800);

/// `AppPortalAccessIn` (latest): `application`, `readOnly`, `capabilities`, `featureFlags`,
/// `expiry`, `sessionId`; none required. `featureFlags: []` is accepted (the 2023 schema and
/// the latest example allow it, although the latest says `minItems: 1`).
pub(crate) fn app_portal_access_in(body: &[u8]) -> (AccessIn, Errors) {
    portal_access_in(body, true)
}

/// `StreamPortalAccessIn`: `featureFlags` (1–25), `expiry`, `sessionId`.
pub(crate) fn stream_portal_access_in(body: &[u8]) -> (AccessIn, Errors) {
    portal_access_in(body, false)
}

/// The two portal-access bodies; `app` adds the app-portal-only fields.
fn portal_access_in(body: &[u8], app: bool) -> (AccessIn, Errors) {
    let mut e = Errors::default();
    let body = e.object(body, false);
    let min_flags = if app { 0 } else { 1 };
    e.string_set(
        &body,
        "featureFlags",
        (min_flags, 25),
        is_svix_id,
        FLAG_RULE,
    );
    let mut capabilities = Vec::new();
    if app {
        e.boolean(&body, "readOnly");
        capabilities = e
            .string_set(
                &body,
                "capabilities",
                (0, CAPABILITIES.len()),
                |c| CAPABILITIES.contains(&c),
                "value is not a valid AppPortalCapability (ViewBase, ViewEndpointSecret, ManageEndpointSecret, ManageTransformations, CreateAttempts, ManageEndpoint)",
            )
            .unwrap_or_else(|| CAPABILITIES.iter().map(|c| (*c).to_owned()).collect());
        application_in(&body, &mut e);
    }
    let expiry = e
        .int(&body, "expiry", ACCESS_EXPIRY.0, ACCESS_EXPIRY.1)
        .unwrap_or(ACCESS_EXPIRY.2);
    let session_id = e.session_id(&body);
    let access = AccessIn {
        expiry,
        session_id,
        capabilities,
    };
    (access, e)
}

/// The nested, nullable `ApplicationIn`: `name` required (non-empty), `throttleRate` ≥ 1
/// (uint16), `uid` an id, `metadata` string → string.
fn application_in(body: &Map<String, Value>, e: &mut Errors) {
    let app = match body.get("application") {
        None | Some(Value::Null) => return,
        Some(Value::Object(m)) => m,
        Some(_) => {
            e.push(
                &["body", "application"],
                "value is not a valid dict",
                "type_error.dict",
            );
            return;
        }
    };
    match app.get("name") {
        Some(Value::String(s)) if !s.is_empty() => {}
        Some(Value::String(_)) => e.push(
            &["body", "application", "name"],
            "ensure this value has at least 1 characters",
            "value_error.any_str.min_length",
        ),
        None | Some(Value::Null) => e.push(
            &["body", "application", "name"],
            "field required",
            "value_error.missing",
        ),
        Some(_) => e.push(
            &["body", "application", "name"],
            "str type expected",
            "type_error.str",
        ),
    }
    let mut inner = Errors::default();
    inner.int(app, "throttleRate", 1, 65_535);
    match app.get("uid") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if is_svix_id(s) => {}
        Some(_) => e.push(&["body", "application", "uid"], FLAG_RULE, "value_error"),
    }
    match app.get("metadata") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) if m.values().all(Value::is_string) => {}
        Some(_) => e.push(
            &["body", "application", "metadata"],
            "metadata must be an object of string values",
            "type_error.dict",
        ),
    }
    for mut item in inner.0 {
        item.loc.insert(1, "application".to_owned());
        e.0.push(item);
    }
}

/// `ApplicationTokenExpireIn` / `StreamTokenExpireIn`: `expiry` 0–259200 (default 0, now)
/// and `sessionIds` (≤ 1000; the spec does not ask for unique items, so repeats pass).
/// Returns the expiry and the session filter.
pub(crate) fn token_expire_in(body: &[u8]) -> (i64, Option<Vec<String>>, Errors) {
    let mut e = Errors::default();
    let body = e.object(body, false);
    let expiry = e.int(&body, "expiry", 0, 259_200).unwrap_or(0);
    let sessions = e.string_list(
        &body,
        "sessionIds",
        (0, 1000),
        false,
        is_svix_session_id,
        SESSION_RULE,
    );
    (expiry, sessions, e)
}

/// `RotatePollerTokenIn`: `expiry` 1–31536000 (none: no expiry), `oldTokenExpiry` 0–86400
/// (default 300).
pub(crate) fn rotate_poller_token_in(body: &[u8]) -> (Option<i64>, i64, Errors) {
    let mut e = Errors::default();
    let body = e.object(body, false);
    let expiry = e.int(&body, "expiry", 1, 31_536_000);
    let old = e.int(&body, "oldTokenExpiry", 0, 86_400).unwrap_or(300);
    (expiry, old, e)
}

/// `OneTimeTokenIn`: `oneTimeToken`, a required string.
pub(crate) fn one_time_token_in(body: &[u8]) -> (String, Errors) {
    let mut e = Errors::default();
    let body = e.object(body, false);
    let token = match body.get("oneTimeToken") {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => {
            e.push(
                &["body", "oneTimeToken"],
                "field required",
                "value_error.missing",
            );
            String::new()
        }
        Some(_) => {
            e.push(
                &["body", "oneTimeToken"],
                "str type expected",
                "type_error.str",
            );
            String::new()
        }
    };
    (token, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types(e: &Errors) -> Vec<(String, &'static str)> {
        e.0.iter().map(|i| (i.loc.join("."), i.kind)).collect()
    }

    #[test]
    fn app_portal_access_in_follows_the_latest_schema() {
        let (v, e) = app_portal_access_in(b"{}");
        assert!(e.0.is_empty());
        assert_eq!(v.expiry, 604_800);
        assert_eq!(v.capabilities.len(), 6);
        let (_, e) = app_portal_access_in(br#"{"expiry":"soon"}"#);
        assert_eq!(
            types(&e),
            [("body.expiry".to_owned(), "type_error.integer")]
        );
        let (_, e) = app_portal_access_in(br#"{"expiry":3599,"sessionId":"a.b","readOnly":1}"#);
        assert_eq!(
            types(&e),
            [
                ("body.readOnly".to_owned(), "type_error.bool"),
                ("body.expiry".to_owned(), "value_error.number.not_ge"),
                ("body.sessionId".to_owned(), "value_error"),
            ]
        );
        let (v, e) = app_portal_access_in(
            br#"{"capabilities":["ViewBase"],"application":{"name":"My first application","throttleRate":0},"featureFlags":[],"expiry":3600,"sessionId":"user_1FB8"}"#,
        );
        assert_eq!(
            types(&e),
            [(
                "body.application.throttleRate".to_owned(),
                "value_error.number.not_ge"
            )]
        );
        assert_eq!(
            (v.capabilities, v.expiry, v.session_id.as_deref()),
            (vec!["ViewBase".to_owned()], 3600, Some("user_1FB8"))
        );
        let (_, e) = app_portal_access_in(br#"{"capabilities":["Root"],"application":{}}"#);
        assert_eq!(
            types(&e),
            [
                ("body.capabilities.[0]".to_owned(), "value_error"),
                ("body.application.name".to_owned(), "value_error.missing"),
            ]
        );
    }

    #[test]
    fn stream_and_expire_and_poller_bodies() {
        let (_, e) = stream_portal_access_in(br#"{"featureFlags":[]}"#);
        assert_eq!(
            types(&e),
            [("body.featureFlags".to_owned(), "value_error.list")]
        );
        let (expiry, sessions, e) = token_expire_in(br#"{"expiry":60,"sessionIds":["user_1FB8"]}"#);
        assert!(e.0.is_empty());
        assert_eq!((expiry, sessions), (60, Some(vec!["user_1FB8".to_owned()])));
        // `sessionIds` has no `uniqueItems` in the spec (featureFlags and capabilities do).
        let (_, sessions, e) = token_expire_in(br#"{"sessionIds":["user_1FB8","user_1FB8"]}"#);
        assert!(e.0.is_empty(), "{:?}", types(&e));
        assert_eq!(sessions.map(|s| s.len()), Some(2));
        let (_, _, e) = token_expire_in(br#"{"expiry":259201}"#);
        assert_eq!(
            types(&e),
            [("body.expiry".to_owned(), "value_error.number.not_le")]
        );
        let (expiry, old, e) = rotate_poller_token_in(b"{}");
        assert!(e.0.is_empty());
        assert_eq!((expiry, old), (None, 300));
        let (_, _, e) = rotate_poller_token_in(br#"{"expiry":0,"oldTokenExpiry":86401}"#);
        assert_eq!(e.0.len(), 2);
        let (_, e) = one_time_token_in(b"{}");
        assert_eq!(
            types(&e),
            [("body.oneTimeToken".to_owned(), "value_error.missing")]
        );
        let (_, e) = one_time_token_in(b"{");
        assert_eq!(types(&e)[0].1, "value_error.jsondecode");
    }
}

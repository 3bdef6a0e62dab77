//! The data-driven runner shared by the provider modules.
//!
//! For one spec, [`run`] drives every crate operation ([`OpCase`]) through a client whose
//! transport is a [`Canned`] recorder, then:
//!
//! 1. **request bodies**: every call variant is answered with a valid success response;
//!    each recorded request is matched to a spec operation (method + path template) and its
//!    body validated against the spec's request schema with `jsonschema` (or checked to be
//!    absent when the spec declares no body);
//! 2. **examples**: every documented status is answered with each of its examples (a value
//!    synthesized from the schema when the spec has none, an empty body when the response
//!    has none) and each saved Postman response of the matching request; 2xx must decode
//!    into the crate's type and agree with the example, other statuses must give an API
//!    error with that status, the raw body, and a provider error type that decodes;
//! 3. **coverage**: every (method, path) of the spec must have been called and every
//!    (method, path, status) exercised.
//!
//! Failures are collected and reported together, each naming the operation, status and
//! example.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use fintra_contract_tests::{Coverage, PostmanRequest, Spec, SpecOperation};
use fintra_core::test_util::VirtualTime;
use fintra_core::{ApiError, BoxFuture, Client, ClientBuilder, Error, Transport, TransportError};
use serde_json::Value;

/// The Finicity authentication path: answered with a token by [`Canned`] when the spec under
/// test is not the Authentication spec.
pub const FINICITY_AUTH_PATH: &str = "/aggregation/v2/partners/authentication";

/// What a call returns on success: the decoded value re-encoded as JSON (every field the
/// crate kept), compared field by field with the example it was decoded from.
pub type Decoded = Value;

/// One way of calling a crate operation.
pub type Call<C> = fn(C) -> Pin<Box<dyn Future<Output = Result<Decoded, Error>>>>;

/// A crate operation and the spec operation it implements.
pub struct OpCase<C> {
    /// The crate method, for messages.
    pub name: &'static str,
    /// The spec method.
    pub method: &'static str,
    /// The spec path template.
    pub path: &'static str,
    /// Call variants (minimal and with every optional field set); the first one is used to
    /// decode the examples.
    pub calls: Vec<(&'static str, Call<C>)>,
}

/// A recording transport that answers every request with one canned response, except
/// Finicity `CreateToken` calls when `token` is set (those get `{"token": …}`).
///
/// Routing by request instead of replaying a queue (as `MockTransport` does) keeps the runner
/// independent of how many requests an operation makes: the Finicity token fetch comes
/// first, and an expired-token 401 is replayed once with a new token.
#[derive(Debug)]
pub struct Canned {
    status: u16,
    body: Bytes,
    token: bool,
    requests: Mutex<Vec<http::Request<Bytes>>>,
}

impl Canned {
    /// Answers `status` with `body` (JSON; no content-type when empty).
    pub fn new(status: u16, body: impl Into<Bytes>, token: bool) -> Arc<Canned> {
        Arc::new(Canned {
            status,
            body: body.into(),
            token,
            requests: Mutex::new(Vec::new()),
        })
    }

    /// Every request received, in order, but the token requests answered by the router.
    pub fn requests(&self) -> Vec<http::Request<Bytes>> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|r| !self.is_token_request(r))
            .map(|r| {
                let mut c = http::Request::new(r.body().clone());
                *c.method_mut() = r.method().clone();
                *c.uri_mut() = r.uri().clone();
                *c.headers_mut() = r.headers().clone();
                c
            })
            .collect()
    }

    fn is_token_request(&self, r: &http::Request<Bytes>) -> bool {
        self.token && r.method() == http::Method::POST && r.uri().path() == FINICITY_AUTH_PATH
    }
}

impl Transport for Canned {
    fn send(
        &self,
        request: http::Request<Bytes>,
        _max_response_bytes: usize,
    ) -> BoxFuture<'_, Result<http::Response<Bytes>, TransportError>> {
        let (status, body) = if self.is_token_request(&request) {
            (200, Bytes::from_static(br#"{"token":"contract-token"}"#))
        } else {
            (self.status, self.body.clone())
        };
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(request);
        let mut response = http::Response::builder().status(status);
        if !body.is_empty() {
            response = response.header("content-type", "application/json");
        }
        let response = response.body(body).expect("valid canned response");
        Box::pin(std::future::ready(Ok(response)))
    }
}

/// A core client builder over `transport`, with a virtual clock so retries never wait.
pub fn builder(transport: Arc<Canned>) -> ClientBuilder {
    let time = Arc::new(VirtualTime::default());
    Client::builder()
        .transport(transport)
        .clock(time.clone())
        .sleep(time)
}

/// The API error inside `err`: `Error::Api`, or the cause of an `Error::Auth` (Finicity's
/// CreateToken reports rejected credentials as `AuthErrorKind::CredentialsRejected`).
pub fn api_error(err: &Error) -> Option<&ApiError> {
    match err {
        Error::Api(api) => Some(api),
        Error::Auth(auth) => auth.source_error().and_then(api_error),
        _ => None,
    }
}

/// Decodes the provider error type from an error and compares it with the example's JSON.
pub type ErrorCheck = fn(&Error, &Value) -> Result<(), String>;

/// One provider: its spec, how to build the client under test, how to check its errors.
pub struct Provider<C> {
    /// The spec subset.
    pub spec: Spec,
    /// Builds the client under test over a transport.
    pub client: fn(Arc<Canned>) -> C,
    /// Whether `Canned` answers Finicity token requests (clients that sign with a token).
    pub token: bool,
    /// Checks a decoded provider error against the example body.
    pub check_error: ErrorCheck,
    /// The Postman requests of this spec (matched by method and path).
    pub postman: Vec<PostmanRequest>,
    /// Examples known not to decode, as (example label, status): the call must fail with a
    /// decode error (2xx) or still an API error keeping the raw body (others).
    pub undecodable: &'static [(&'static str, u16)],
    /// Spec examples known not to validate against their own response schema (label).
    pub off_schema_examples: &'static [&'static str],
}

/// What a run did, for the final summary line.
#[derive(Debug, Default)]
pub struct Summary {
    /// Request bodies validated against a request schema (crate-sent).
    pub bodies_validated: usize,
    /// Requests checked to carry no body (the spec has none).
    pub bodiless_checked: usize,
    /// Postman request bodies validated against the request schema.
    pub postman_bodies_validated: usize,
    /// Spec examples decoded (success) or mapped to errors.
    pub spec_examples: usize,
    /// Synthesized (schema-derived) or empty bodies exercised where the spec has no example.
    pub synthesized: usize,
    /// Postman saved responses exercised.
    pub postman_examples: usize,
    /// Labels of the examples that did not decode (and were expected not to).
    pub undecodable: Vec<String>,
}

/// An example to answer with.
struct Reply {
    label: String,
    status: u16,
    body: String,
    /// Whether the body is exactly a spec example (checked against the response schema).
    from_spec: bool,
}

/// Runs every case of `provider`: what was done, or every failure found (one message).
/// `ops` must list one case per crate operation.
pub async fn run<C: Clone + 'static>(
    provider: &Provider<C>,
    ops: &[OpCase<C>],
) -> Result<Summary, String> {
    let spec = &provider.spec;
    let spec_ops = spec.operations();
    let mut coverage = Coverage::new(spec);
    let mut failures = Vec::new();
    let mut summary = Summary::default();
    let mut spec_labels = std::collections::BTreeSet::new();

    for case in ops {
        let Some(op) = spec_ops
            .iter()
            .find(|o| o.method == case.method && o.path == case.path)
        else {
            failures.push(format!(
                "{}: {} {} is not in {}",
                case.name,
                case.method,
                case.path,
                spec.name()
            ));
            continue;
        };
        // 1. request bodies, with a success answer.
        let ok = op
            .responses
            .iter()
            .find(|r| (200..300).contains(&r.status))
            .expect("every operation documents a success status");
        let ok_body = match (&ok.schema, ok.examples.first()) {
            (_, Some(example)) => example.value.to_string(),
            (Some(schema), None) => spec.synthesize(schema).to_string(),
            (None, None) => String::new(),
        };
        for (label, call) in &case.calls {
            let transport = Canned::new(ok.status, ok_body.clone(), provider.token);
            let client = (provider.client)(transport.clone());
            if let Err(e) = call(client).await {
                failures.push(format!("{} ({label}): call failed: {e}", case.name));
            }
            let what = format!("{} ({label})", case.name);
            check_requests(
                spec,
                &what,
                &transport.requests(),
                &mut coverage,
                &mut summary,
                &mut failures,
            );
        }
        // The Postman request bodies of this operation, `{{var}}` replaced by `var`.
        for request in postman_of(provider, op) {
            let Some(raw) = &request.body else { continue };
            let raw = raw.replace("{{", "").replace("}}", "");
            let schema = op.request_body.as_ref().and_then(|b| b.schema.as_ref());
            match (serde_json::from_str::<Value>(&raw), schema) {
                (Ok(json), Some(schema)) => match spec.validate(schema, &json) {
                    Ok(()) => summary.postman_bodies_validated += 1,
                    Err(errors) => failures.push(format!(
                        "postman {:?}: body violates the {} request schema: {errors:?}",
                        request.name,
                        op.key()
                    )),
                },
                _ => failures.push(format!(
                    "postman {:?}: body is not JSON or {} has no body schema",
                    request.name,
                    op.key()
                )),
            }
        }
        // 2. every documented status, with every example.
        for reply in replies(spec, op, provider, &mut failures) {
            let transport = Canned::new(reply.status, reply.body.clone(), provider.token);
            let client = (provider.client)(transport.clone());
            let result = (case.calls[0].1)(client).await;
            let what = format!("{} <- {} {}", case.name, reply.status, reply.label);
            let undecodable = provider
                .undecodable
                .contains(&(reply.label.as_str(), reply.status));
            match check_outcome(&reply, result, provider.check_error, undecodable) {
                Ok(()) => {
                    coverage.record_status(&op.method, &op.path, reply.status);
                    if undecodable {
                        summary.undecodable.push(what);
                    } else if reply.label.starts_with("postman") {
                        summary.postman_examples += 1;
                    } else if reply.from_spec {
                        summary.spec_examples += 1;
                    } else {
                        summary.synthesized += 1;
                    }
                }
                Err(e) => failures.push(format!("{what}: {e}")),
            }
            if reply.from_spec {
                spec_labels.insert(reply.label.clone());
                check_example_schema(spec, op, &reply, provider, &mut failures);
            }
        }
    }
    // Stale exception lists fail too.
    for (label, status) in provider.undecodable {
        if !summary.undecodable.iter().any(|u| u.ends_with(label)) {
            failures.push(format!(
                "undecodable {status} {label:?} was never exercised"
            ));
        }
    }
    for label in provider.off_schema_examples {
        if !spec_labels.contains(*label) {
            failures.push(format!("off-schema example {label:?} is not in the spec"));
        }
    }
    for request in &provider.postman {
        if spec
            .find_operation(&request.method, request.path())
            .is_none()
        {
            failures.push(format!(
                "postman {:?}: {} {} matches no operation of {}",
                request.name,
                request.method,
                request.url,
                spec.name()
            ));
        }
    }

    let missing = coverage.missing();
    if !missing.is_empty() {
        failures.push(format!(
            "coverage of {} is incomplete:\n    {}",
            spec.name(),
            missing.join("\n    ")
        ));
    }
    if !failures.is_empty() {
        return Err(format!(
            "{} contract failure(s) against {}:\n  {}",
            failures.len(),
            spec.name(),
            failures.join("\n  ")
        ));
    }
    eprintln!("{coverage}; {summary:?}");
    Ok(summary)
}

/// Every reply to exercise for `op`: spec examples (or a synthesized / empty body), then
/// the Postman responses of the same method and path. Also validates Postman request
/// bodies against the request schema.
fn replies<C>(
    spec: &Spec,
    op: &SpecOperation,
    provider: &Provider<C>,
    failures: &mut Vec<String>,
) -> Vec<Reply> {
    let mut out = Vec::new();
    for response in &op.responses {
        if response.examples.is_empty() {
            let (label, body) = match &response.schema {
                Some(schema) => {
                    let value = spec.synthesize(schema);
                    if let Err(errors) = spec.validate(schema, &value) {
                        failures.push(format!(
                            "{} -> {}: the synthesized body {value} does not validate: {errors:?}",
                            op.key(),
                            response.status
                        ));
                    }
                    ("synthesized from the schema", value.to_string())
                }
                None => ("no body", String::new()),
            };
            out.push(Reply {
                label: label.to_owned(),
                status: response.status,
                body,
                from_spec: false,
            });
        }
        for example in &response.examples {
            out.push(Reply {
                label: example.name.clone(),
                status: response.status,
                body: example.value.to_string(),
                from_spec: true,
            });
        }
    }
    for request in postman_of(provider, op) {
        for response in &request.responses {
            out.push(Reply {
                label: format!("postman {:?} / {:?}", request.name, response.name),
                status: response.code,
                body: response.body.clone(),
                from_spec: false,
            });
        }
    }
    out
}

/// The Postman requests with the method and path of `op`.
fn postman_of<'a, C>(
    provider: &'a Provider<C>,
    op: &'a SpecOperation,
) -> impl Iterator<Item = &'a PostmanRequest> {
    provider.postman.iter().filter(|r| {
        r.method == op.method && fintra_contract_tests::path_matches(&op.path, r.path())
    })
}

/// Matches each recorded request to a spec operation and validates its body.
fn check_requests(
    spec: &Spec,
    what: &str,
    requests: &[http::Request<Bytes>],
    coverage: &mut Coverage,
    summary: &mut Summary,
    failures: &mut Vec<String>,
) {
    if requests.is_empty() {
        failures.push(format!("{what}: no request was sent"));
    }
    for request in requests {
        let (method, path) = (request.method().as_str(), request.uri().path());
        let Some(op) = spec.find_operation(method, path) else {
            failures.push(format!(
                "{what}: {method} {path} matches no operation of {}",
                spec.name()
            ));
            continue;
        };
        coverage.record_call(&op.method, &op.path);
        let body = request.body();
        let content_type = request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        match (&op.request_body, body.is_empty()) {
            (None, true) => summary.bodiless_checked += 1,
            (None, false) => failures.push(format!(
                "{what}: {} declares no request body but {} bytes were sent",
                op.key(),
                body.len()
            )),
            (Some(rb), true) => {
                if rb.required {
                    failures.push(format!(
                        "{what}: {} requires a request body, none was sent",
                        op.key()
                    ));
                }
            }
            (Some(rb), false) => {
                if content_type != Some("application/json") {
                    failures.push(format!(
                        "{what}: body sent with content-type {content_type:?}"
                    ));
                }
                let Ok(json) = serde_json::from_slice::<Value>(body) else {
                    failures.push(format!("{what}: the request body is not JSON"));
                    continue;
                };
                let Some(schema) = &rb.schema else {
                    failures.push(format!("{what}: {} has no JSON body schema", op.key()));
                    continue;
                };
                match spec.validate(schema, &json) {
                    Ok(()) => summary.bodies_validated += 1,
                    Err(errors) => failures.push(format!(
                        "{what}: body {json} violates the {} request schema ({schema}):\n      {}",
                        op.key(),
                        errors.join("\n      ")
                    )),
                }
            }
        }
    }
}

/// The status of the decode error behind `e`: the error itself, or the source of an
/// authentication failure (Finicity's CreateToken counts an undecodable 200 as a spent login
/// attempt and keeps the decode error as its source).
fn decode_status(e: &Error) -> Option<u16> {
    match e {
        Error::Decode(d) => Some(d.status().as_u16()),
        Error::Auth(a) => a.source_error().and_then(decode_status),
        _ => None,
    }
}

/// Checks the crate's answer to one reply.
fn check_outcome(
    reply: &Reply,
    result: Result<Decoded, Error>,
    check_error: ErrorCheck,
    undecodable: bool,
) -> Result<(), String> {
    let example: Option<Value> = serde_json::from_str(&reply.body).ok();
    let success = (200..300).contains(&reply.status);
    match (success, result) {
        (true, Err(e)) if undecodable && decode_status(&e).is_some() => match decode_status(&e) {
            Some(status) if status == reply.status => Ok(()),
            status => Err(format!("decode error with status {status:?}")),
        },
        (true, Ok(_)) if undecodable => Err(
            "listed as undecodable but decoded: remove it from the provider's `undecodable`"
                .to_owned(),
        ),
        (true, Ok(decoded)) => {
            let mut diffs = Vec::new();
            compare(
                &decoded,
                example.as_ref().unwrap_or(&Value::Null),
                "",
                &mut diffs,
            );
            if diffs.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "decoded value differs from the example: {}",
                    diffs.join("; ")
                ))
            }
        }
        (true, Err(e)) => Err(format!("expected the example to decode, got: {e}")),
        (false, Ok(v)) => Err(format!("expected an error, got success {v}")),
        (false, Err(e)) => {
            let api = api_error(&e).ok_or_else(|| format!("expected an API error, got: {e:?}"))?;
            if api.status().as_u16() != reply.status || e.status() != Some(api.status()) {
                return Err(format!("API error with status {}", api.status()));
            }
            if api.body() != reply.body.as_bytes() {
                return Err("the API error does not keep the raw body".to_owned());
            }
            match (&example, undecodable) {
                (Some(_), true) => {
                    Err("listed as undecodable but the body is JSON: remove it".to_owned())
                }
                (None, true) => Ok(()),
                (None, false) if reply.body.is_empty() => Ok(()),
                (None, false) => Err("the example body is not JSON".to_owned()),
                (Some(json), false) => check_error(&e, json),
            }
        }
    }
}

/// Every field of `decoded` must equal the example's (`null` matches an absent field; a
/// string matches a number or boolean with the same text).
pub fn compare(decoded: &Value, example: &Value, at: &str, diffs: &mut Vec<String>) {
    match (decoded, example) {
        (Value::Object(d), Value::Object(e)) => {
            for (k, v) in d {
                compare(
                    v,
                    e.get(k).unwrap_or(&Value::Null),
                    &format!("{at}/{k}"),
                    diffs,
                );
            }
        }
        (Value::Array(d), Value::Array(e)) if d.len() == e.len() => {
            for (i, (d, e)) in d.iter().zip(e).enumerate() {
                compare(d, e, &format!("{at}/{i}"), diffs);
            }
        }
        (d, e) if d == e => {}
        // A scalar the crate keeps as text (e.g. the untyped MFA `eventStreamId`).
        (Value::String(d), e @ (Value::Number(_) | Value::Bool(_)))
            if serde_json::from_str::<Value>(d).ok().as_ref() == Some(e) => {}
        (d, e) => diffs.push(format!("{at}: decoded {d}, example {e}")),
    }
}

/// Spec examples must validate against their own response schema, except the known ones.
fn check_example_schema<C>(
    spec: &Spec,
    op: &SpecOperation,
    reply: &Reply,
    provider: &Provider<C>,
    failures: &mut Vec<String>,
) {
    let Some(schema) = op.response(reply.status).and_then(|r| r.schema.as_ref()) else {
        return;
    };
    let value: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    let known = provider.off_schema_examples.contains(&reply.label.as_str());
    match (spec.validate(schema, &value), known) {
        (Ok(()), true) => failures.push(format!(
            "{} -> {} {}: listed as off-schema but validates: remove it",
            op.key(),
            reply.status,
            reply.label
        )),
        (Err(errors), false) => failures.push(format!(
            "{} -> {} {}: the spec example violates its own schema: {errors:?}",
            op.key(),
            reply.status,
            reply.label
        )),
        _ => {}
    }
}

/// `value` re-encoded as JSON.
pub fn to_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("decoded values re-encode as JSON")
}

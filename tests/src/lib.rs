//! Contract tests of the fintra crates against the official provider specs.
//!
//! `tests/specs/` holds minimal subsets of the official OpenAPI documents and the Finicity
//! Postman examples (provenance in `tests/specs/SOURCES.md`). This library is the support
//! code of the contract test binary (`tests/tests/contract/`):
//!
//! * [`Spec`] loads an OpenAPI 3.0 subset and lists its [`SpecOperation`]s: method, path
//!   template, request-body schema, and every documented response status with its schema
//!   and examples (`example`, `examples.{name}.value` including `components.examples`
//!   references, and a schema-level `example`).
//! * [`Spec::validate`] checks a JSON value against any schema of the document with the
//!   maintained [`jsonschema`] crate (draft 2020-12, formats asserted), after translating
//!   the OpenAPI 3.0 dialect ([`openapi_to_json_schema`]).
//! * [`path_matches`] matches a concrete request path (or a Postman URL with `{{var}}` /
//!   `:var` segments) to a path template.
//! * [`postman_requests`] reads the saved Postman requests and example responses.
//! * [`Coverage`] tracks which operations and statuses of a spec were exercised and lists
//!   what was not.
//!
//! It is test support: malformed spec files are reported with a panic naming the file and
//! the JSON pointer.

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;

use serde_json::{Map, Value};

/// The HTTP methods an OpenAPI path item may hold, in the order they are listed.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The folder holding the spec subsets (`tests/specs`).
pub fn specs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("specs")
}

/// Reads and parses a JSON file of `tests/specs`.
///
/// # Panics
///
/// When the file is missing or is not JSON.
pub fn load_json(file_name: &str) -> Value {
    let path = specs_dir().join(file_name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read spec file {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("spec file {} is not JSON: {e}", path.display()))
}

/// Escapes one JSON-pointer reference token (`~` → `~0`, `/` → `~1`).
pub fn escape_pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Whether `path` (a concrete request path, or a Postman path whose parameters are written
/// `{{name}}` or `:name`) matches the OpenAPI path `template` (parameters written `{name}`).
///
/// Segments must match one for one (so trailing slashes matter); a template parameter
/// matches any non-empty segment, a Postman placeholder only matches a template parameter.
///
/// ```
/// use fintra_contract_tests::path_matches;
/// assert!(path_matches("/a/{id}/b", "/a/42/b"));
/// assert!(path_matches("/a/{id}/b", "/a/:id/b"));
/// assert!(path_matches("/a/{id}/b", "/a/{{id}}/b"));
/// assert!(!path_matches("/a/{id}/b", "/a/42/b/"));
/// assert!(!path_matches("/a/b", "/a/:b"));
/// ```
pub fn path_matches(template: &str, path: &str) -> bool {
    let is_param = |s: &str| s.len() > 2 && s.starts_with('{') && s.ends_with('}');
    let is_placeholder =
        |s: &str| (s.starts_with("{{") && s.ends_with("}}")) || (s.starts_with(':') && s.len() > 1);
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter().zip(&p).all(|(t, p)| {
            if is_param(t) {
                !p.is_empty()
            } else {
                !is_placeholder(p) && t == p
            }
        })
}

/// Translates an OpenAPI 3.0 schema (or a whole OpenAPI document) to JSON Schema 2020-12:
///
/// * `nullable: true` adds `"null"` to `type` (and `null` to `enum`); without a `type`
///   the schema becomes `anyOf: [schema, {type: null}]`. `nullable: false` is dropped.
/// * boolean `exclusiveMinimum`/`exclusiveMaximum` (draft 4 style) become the numeric form.
///
/// `example`, `examples` and `x-*` values are copied untouched (they are annotations, and
/// unknown keywords are ignored by draft 2020-12).
///
/// ```
/// use fintra_contract_tests::openapi_to_json_schema;
/// use serde_json::json;
/// assert_eq!(
///     openapi_to_json_schema(&json!({"type": "integer", "nullable": true, "minimum": 0})),
///     json!({"type": ["integer", "null"], "minimum": 0})
/// );
/// ```
pub fn openapi_to_json_schema(value: &Value) -> Value {
    convert(value, None)
}

fn convert(value: &Value, parent_key: Option<&str>) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(|v| convert(v, None)).collect()),
        Value::Object(map) => {
            // In a `properties` map the keys are property names, not keywords.
            let in_properties = parent_key == Some("properties");
            let mut out = Map::new();
            for (key, v) in map {
                let annotation = !in_properties
                    && (key == "example" || key == "examples" || key.starts_with("x-"));
                let v = if annotation {
                    v.clone()
                } else {
                    convert(v, Some(key))
                };
                out.insert(key.clone(), v);
            }
            if in_properties {
                return Value::Object(out);
            }
            for (flag, bound) in [
                ("exclusiveMinimum", "minimum"),
                ("exclusiveMaximum", "maximum"),
            ] {
                if let Some(Value::Bool(exclusive)) = out.get(flag).cloned() {
                    out.remove(flag);
                    if exclusive && let Some(limit) = out.remove(bound) {
                        out.insert(flag.to_owned(), limit);
                    }
                }
            }
            match out.remove("nullable") {
                Some(Value::Bool(true)) => nullable(out),
                Some(other) if !other.is_boolean() => {
                    // Not the OpenAPI keyword (e.g. a property literally named `nullable`).
                    out.insert("nullable".to_owned(), other);
                    Value::Object(out)
                }
                _ => Value::Object(out),
            }
        }
        other => other.clone(),
    }
}

fn nullable(mut schema: Map<String, Value>) -> Value {
    if let Some(Value::Array(values)) = schema.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    match schema.get_mut("type") {
        Some(Value::String(t)) => {
            let t = Value::String(std::mem::take(t));
            schema.insert("type".to_owned(), Value::Array(vec![t, "null".into()]));
            Value::Object(schema)
        }
        Some(Value::Array(types)) => {
            if !types.contains(&Value::from("null")) {
                types.push("null".into());
            }
            Value::Object(schema)
        }
        _ => serde_json::json!({"anyOf": [Value::Object(schema), {"type": "null"}]}),
    }
}

/// One documented example of a response.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Where it came from, e.g. `examples.ExpiredTokenExample` or `schema example`.
    pub name: String,
    /// The example value.
    pub value: Value,
}

/// A request body of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecRequestBody {
    /// Whether the spec marks the body as required.
    pub required: bool,
    /// JSON pointer (into the spec document) of the JSON body's schema, if it has one.
    pub schema: Option<String>,
}

/// One documented response status of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecResponse {
    /// The HTTP status.
    pub status: u16,
    /// JSON pointer of the JSON body's schema; `None` when the response has no body.
    pub schema: Option<String>,
    /// The spec's examples for this status (possibly none).
    pub examples: Vec<Example>,
}

/// One operation (method + path) of a spec.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecOperation {
    /// The method, upper case (`POST`).
    pub method: String,
    /// The path template, e.g. `/connect-components/configurations/{configuration_id}`.
    pub path: String,
    /// The `operationId`, if any.
    pub operation_id: Option<String>,
    /// The request body, if the operation declares one.
    pub request_body: Option<SpecRequestBody>,
    /// Every documented status, in ascending order.
    pub responses: Vec<SpecResponse>,
}

impl SpecOperation {
    /// `POST /path` (for messages).
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The response documented for `status`.
    pub fn response(&self, status: u16) -> Option<&SpecResponse> {
        self.responses.iter().find(|r| r.status == status)
    }
}

/// A loaded OpenAPI 3.0 document.
#[derive(Debug, Clone)]
pub struct Spec {
    name: String,
    doc: Value,
}

impl Spec {
    /// Loads `tests/specs/<file_name>`.
    ///
    /// # Panics
    ///
    /// When the file is missing or is not JSON.
    pub fn load(file_name: &str) -> Spec {
        Spec::from_value(file_name, load_json(file_name))
    }

    /// A spec from an already parsed document (e.g. a modified copy in a self-test).
    pub fn from_value(name: impl Into<String>, doc: Value) -> Spec {
        Spec {
            name: name.into(),
            doc,
        }
    }

    /// The file name it was loaded from.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The raw document.
    pub fn document(&self) -> &Value {
        &self.doc
    }

    /// The raw document, mutable (for self-tests that break a copy on purpose).
    pub fn document_mut(&mut self) -> &mut Value {
        &mut self.doc
    }

    /// The node at `pointer`, following `$ref`s found there; returns the final pointer and
    /// node.
    ///
    /// # Panics
    ///
    /// When a pointer or reference leads nowhere, or references loop.
    pub fn resolve(&self, pointer: &str) -> (String, &Value) {
        let mut pointer = pointer.to_owned();
        for _ in 0..32 {
            let node = self
                .doc
                .pointer(&pointer)
                .unwrap_or_else(|| panic!("{}: nothing at JSON pointer {pointer}", self.name));
            match node.get("$ref").and_then(Value::as_str) {
                Some(target) => {
                    pointer = target
                        .strip_prefix('#')
                        .unwrap_or_else(|| {
                            panic!("{}: external $ref {target} is not supported", self.name)
                        })
                        .to_owned();
                }
                None => return (pointer, node),
            }
        }
        panic!("{}: $ref loop at {pointer}", self.name)
    }

    /// Every operation, sorted by path then method.
    ///
    /// # Panics
    ///
    /// When the document is not a well-formed OpenAPI 3.0 document (e.g. a non-numeric
    /// response status such as `default`, which the contract tests cannot exercise).
    pub fn operations(&self) -> Vec<SpecOperation> {
        let paths = self
            .doc
            .get("paths")
            .and_then(Value::as_object)
            .unwrap_or_else(|| panic!("{}: no `paths` object", self.name));
        let mut ops = Vec::new();
        for (path, item) in paths {
            for method in METHODS {
                if item.get(method).is_some() {
                    let pointer = format!("/paths/{}/{method}", escape_pointer_token(path));
                    ops.push(self.operation_at(path, method, &pointer));
                }
            }
        }
        ops
    }

    /// The operation a request with `method` and concrete `path` (relative to the base
    /// URL, without query) belongs to.
    pub fn find_operation(&self, method: &str, path: &str) -> Option<SpecOperation> {
        self.operations()
            .into_iter()
            .find(|op| op.method.eq_ignore_ascii_case(method) && path_matches(&op.path, path))
    }

    fn operation_at(&self, path: &str, method: &str, pointer: &str) -> SpecOperation {
        let (_, op) = self.resolve(pointer);
        let request_body = op.get("requestBody").map(|_| {
            let (rb_pointer, rb) = self.resolve(&format!("{pointer}/requestBody"));
            SpecRequestBody {
                required: rb.get("required").and_then(Value::as_bool) == Some(true),
                schema: json_media(rb, &rb_pointer).map(|media| format!("{media}/schema")),
            }
        });
        let mut responses = Vec::new();
        if let Some(map) = op.get("responses").and_then(Value::as_object) {
            for status in map.keys() {
                let code: u16 = status.parse().unwrap_or_else(|_| {
                    panic!(
                        "{}: {} {path} documents status `{status}`, which is not a number",
                        self.name,
                        method.to_uppercase()
                    )
                });
                let (r_pointer, response) = self.resolve(&format!(
                    "{pointer}/responses/{}",
                    escape_pointer_token(status)
                ));
                let media = json_media(response, &r_pointer);
                let schema = media
                    .as_ref()
                    .filter(|m| self.doc.pointer(&format!("{m}/schema")).is_some())
                    .map(|m| format!("{m}/schema"));
                let examples = media
                    .map(|m| self.examples_at(&m, schema.as_deref()))
                    .unwrap_or_default();
                responses.push(SpecResponse {
                    status: code,
                    schema,
                    examples,
                });
            }
        }
        responses.sort_by_key(|r| r.status);
        SpecOperation {
            method: method.to_uppercase(),
            path: path.to_owned(),
            operation_id: op
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_owned),
            request_body,
            responses,
        }
    }

    fn examples_at(&self, media_pointer: &str, schema: Option<&str>) -> Vec<Example> {
        let (_, media) = self.resolve(media_pointer);
        let mut out = Vec::new();
        if let Some(value) = media.get("example") {
            out.push(Example {
                name: "example".to_owned(),
                value: value.clone(),
            });
        }
        if let Some(map) = media.get("examples").and_then(Value::as_object) {
            for name in map.keys() {
                let (_, example) = self.resolve(&format!(
                    "{media_pointer}/examples/{}",
                    escape_pointer_token(name)
                ));
                // `externalValue` examples are not stored in the subsets.
                if let Some(value) = example.get("value") {
                    out.push(Example {
                        name: format!("examples.{name}"),
                        value: value.clone(),
                    });
                }
            }
        }
        if let Some(schema) = schema {
            let (_, schema) = self.resolve(schema);
            if let Some(value) = schema.get("example") {
                out.push(Example {
                    name: "schema example".to_owned(),
                    value: value.clone(),
                });
            }
        }
        out
    }

    /// A JSON-Schema validator for the schema at `pointer` (e.g.
    /// `/components/schemas/AccessToken`): the whole document, translated with
    /// [`openapi_to_json_schema`], is the root resource (so every `#/components/...`
    /// reference resolves) and its `$ref` points at the schema. Draft 2020-12, with `format`
    /// asserted (`uuid`, `date-time`, `uri`...; unknown formats such as `int64` ignored).
    pub fn validator(&self, pointer: &str) -> Result<jsonschema::Validator, String> {
        if self.doc.pointer(pointer).is_none() {
            return Err(format!("{}: no schema at {pointer}", self.name));
        }
        let mut root = match openapi_to_json_schema(&self.doc) {
            Value::Object(map) => map,
            _ => return Err(format!("{}: the document is not an object", self.name)),
        };
        root.insert(
            "$ref".to_owned(),
            Value::String(format!("#{}", percent_encode_fragment(pointer))),
        );
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .should_ignore_unknown_formats(true)
            .build(&Value::Object(root))
            .map_err(|e| format!("{}: cannot compile the schema at {pointer}: {e}", self.name))
    }

    /// Validates `instance` against the schema at `pointer`; on failure, one line per
    /// violation (`/instance/path: message`).
    pub fn validate(&self, pointer: &str, instance: &Value) -> Result<(), Vec<String>> {
        let validator = self.validator(pointer).map_err(|e| vec![e])?;
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// A value built from the schema at `pointer`, for responses the spec gives no example
    /// for: a schema's own `example` wins; otherwise objects get every property (and a
    /// string for a required property without a schema), arrays one item, strings a value
    /// of their `format`, numbers their `minimum` (or 0), booleans `true`.
    pub fn synthesize(&self, pointer: &str) -> Value {
        let (_, schema) = self.resolve(pointer);
        self.synth(schema, 0)
    }

    fn synth(&self, schema: &Value, depth: usize) -> Value {
        if depth > 24 {
            return Value::Null;
        }
        if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
            let (_, node) = self.resolve(target.trim_start_matches('#'));
            return self.synth(node, depth + 1);
        }
        if let Some(example) = schema.get("example") {
            return example.clone();
        }
        if let Some(Value::Array(values)) = schema.get("enum")
            && let Some(first) = values.first()
        {
            return first.clone();
        }
        if let Some(Value::Array(parts)) = schema.get("allOf") {
            let mut merged = Map::new();
            for part in parts {
                if let Value::Object(map) = self.synth(part, depth + 1) {
                    merged.extend(map);
                }
            }
            if let Value::Object(own) = self.synth_object(schema, depth) {
                merged.extend(own);
            }
            return Value::Object(merged);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(first) = schema.get(key).and_then(|v| v.get(0)) {
                return self.synth(first, depth + 1);
            }
        }
        let kind = schema.get("type").and_then(Value::as_str);
        match kind {
            Some("object") => self.synth_object(schema, depth),
            None if schema.get("properties").is_some() => self.synth_object(schema, depth),
            Some("array") => Value::Array(vec![
                schema
                    .get("items")
                    .map_or(Value::Null, |items| self.synth(items, depth + 1)),
            ]),
            Some("string") => Value::String(
                match schema.get("format").and_then(Value::as_str) {
                    Some("uuid") => "0f8fad5b-d9cb-469f-a165-70867728950e",
                    Some("date-time") => "2024-05-08T00:00:00Z",
                    Some("date") => "2024-05-08",
                    Some("uri") => "https://example.com/",
                    _ => "string",
                }
                .to_owned(),
            ),
            Some("integer") => schema.get("minimum").cloned().unwrap_or(Value::from(0)),
            Some("number") => schema.get("minimum").cloned().unwrap_or(Value::from(0.5)),
            Some("boolean") => Value::Bool(true),
            _ => Value::Null,
        }
    }

    fn synth_object(&self, schema: &Value, depth: usize) -> Value {
        let mut out = Map::new();
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, prop) in props {
                out.insert(name.clone(), self.synth(prop, depth + 1));
            }
        }
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            out.entry(name.to_owned())
                .or_insert_with(|| Value::String("string".to_owned()));
        }
        Value::Object(out)
    }
}

/// Percent-encodes a JSON pointer for use as a URI fragment (RFC 6901 §6): path templates
/// hold `{` and `}`, which a URI may not.
fn percent_encode_fragment(pointer: &str) -> String {
    let mut out = String::with_capacity(pointer.len());
    for byte in pointer.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The pointer of the `application/json` media object of a request body or response (any
/// `*/*json` type, else the only one); `None` when it has no content.
fn json_media(node: &Value, pointer: &str) -> Option<String> {
    let content = node.get("content")?.as_object()?;
    let media = content
        .keys()
        .find(|k| k.as_str() == "application/json")
        .or_else(|| content.keys().find(|k| k.contains("json")))
        .or_else(|| {
            (content.len() == 1)
                .then(|| content.keys().next())
                .flatten()
        })?;
    Some(format!("{pointer}/content/{}", escape_pointer_token(media)))
}

/// One saved Postman request and its example responses.
#[derive(Debug, Clone, PartialEq)]
pub struct PostmanRequest {
    /// The collection folder, e.g. `All APIs/Authentication`.
    pub folder: String,
    /// The request's name, e.g. `Create Access Token`.
    pub name: String,
    /// The method, upper case.
    pub method: String,
    /// The raw URL, e.g. `{{baseUrl}}/connect-components/configurations/:configuration_id`.
    pub url: String,
    /// The raw request body, if any.
    pub body: Option<String>,
    /// The saved example responses.
    pub responses: Vec<PostmanResponse>,
}

impl PostmanRequest {
    /// The URL's path: without `{{baseUrl}}` (or scheme and host) and query.
    pub fn path(&self) -> &str {
        let url = self.url.strip_prefix("{{baseUrl}}").unwrap_or_else(|| {
            let rest = self.url.split_once("://").map_or(&*self.url, |(_, r)| r);
            rest.find('/').map_or("", |i| &rest[i..])
        });
        url.split('?').next().unwrap_or(url)
    }
}

/// One saved example response of a Postman request.
#[derive(Debug, Clone, PartialEq)]
pub struct PostmanResponse {
    /// The example's name.
    pub name: String,
    /// The HTTP status.
    pub code: u16,
    /// The body exactly as saved (may be empty).
    pub body: String,
}

/// Reads the Postman extract (`finicity-postman-examples.json`: `items[]` with `folder`,
/// `name`, `method`, `url`, `request_body_raw`, `responses[]` of `name`, `code`,
/// `body_raw`).
///
/// # Panics
///
/// When the file does not have that shape.
pub fn postman_requests(file_name: &str) -> Vec<PostmanRequest> {
    let doc = load_json(file_name);
    let text = |v: &Value, key: &str| -> String {
        v.get(key)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{file_name}: item without string `{key}`: {v}"))
            .to_owned()
    };
    doc.get("items")
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{file_name}: no `items` array"))
        .iter()
        .map(|item| PostmanRequest {
            folder: text(item, "folder"),
            name: text(item, "name"),
            method: text(item, "method").to_uppercase(),
            url: text(item, "url"),
            body: item
                .get("request_body_raw")
                .and_then(Value::as_str)
                .map(str::to_owned),
            responses: item
                .get("responses")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|r| PostmanResponse {
                    name: text(r, "name"),
                    code: r
                        .get("code")
                        .and_then(Value::as_u64)
                        .and_then(|c| u16::try_from(c).ok())
                        .unwrap_or_else(|| panic!("{file_name}: response without `code`: {r}")),
                    body: r
                        .get("body_raw")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                })
                .collect(),
        })
        .collect()
}

/// What a contract test exercised of one spec: which operations were called and which
/// documented statuses were answered (decoded or mapped to an error).
#[derive(Debug, Clone)]
pub struct Coverage {
    spec: String,
    operations: BTreeSet<(String, String)>,
    statuses: BTreeSet<(String, String, u16)>,
    called: BTreeSet<(String, String)>,
    exercised: BTreeSet<(String, String, u16)>,
}

impl Coverage {
    /// Nothing exercised yet of `spec`.
    pub fn new(spec: &Spec) -> Coverage {
        let ops = spec.operations();
        Coverage {
            spec: spec.name().to_owned(),
            operations: ops
                .iter()
                .map(|o| (o.method.clone(), o.path.clone()))
                .collect(),
            statuses: ops
                .iter()
                .flat_map(|o| {
                    o.responses
                        .iter()
                        .map(|r| (o.method.clone(), o.path.clone(), r.status))
                })
                .collect(),
            called: BTreeSet::new(),
            exercised: BTreeSet::new(),
        }
    }

    /// Records that a crate operation sent `method` to the path `template`.
    pub fn record_call(&mut self, method: &str, template: &str) {
        self.called
            .insert((method.to_uppercase(), template.to_owned()));
    }

    /// Records that a crate operation handled a `status` answer of `method template`.
    pub fn record_status(&mut self, method: &str, template: &str, status: u16) {
        self.exercised
            .insert((method.to_uppercase(), template.to_owned(), status));
    }

    /// How many documented (method, path) pairs and statuses there are.
    pub fn totals(&self) -> (usize, usize) {
        (self.operations.len(), self.statuses.len())
    }

    /// Everything documented but not exercised, one line each; empty when complete.
    pub fn missing(&self) -> Vec<String> {
        let ops = self
            .operations
            .difference(&self.called)
            .map(|(m, p)| format!("{m} {p}: no crate operation sends it"));
        let statuses = self
            .statuses
            .difference(&self.exercised)
            .map(|(m, p, s)| format!("{m} {p} -> {s}: never decoded or mapped to an error"));
        ops.chain(statuses).collect()
    }
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (ops, statuses) = self.totals();
        write!(
            f,
            "{}: {}/{ops} operations called, {}/{statuses} statuses exercised",
            self.spec,
            self.called.intersection(&self.operations).count(),
            self.exercised.intersection(&self.statuses).count()
        )
    }
}

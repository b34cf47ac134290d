//! The spec language v1 as serde types. The JSON Schema in `schemas/` is
//! generated from these types, so doc comments here become editor hover text.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::duration::Duration;
use super::size::ByteSize;

/// A workflow spec: inputs, named HTTP clients, and steps whose data flow forms a dependency graph.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Spec language version; always `1`.
    #[schemars(range(min = 1, max = 1))]
    pub version: u32,
    /// Identifier of the spec (kebab-case), used in reports and `run.id`-based names.
    #[schemars(regex(pattern = r"^[a-z0-9][a-z0-9._-]*$"))]
    pub name: String,
    /// One-line human title, e.g. the use case's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What the workflow does, in prose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Free-form labels shown by `caseflow list` and usable as filters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Marks a file that only exists to be extended or used (e.g. `specs/lib/`); `run` on a directory skips it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub library: bool,
    /// Spec files (relative to this one) whose inputs, clients, steps and cleanup this spec inherits; its own entries win.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[serde(deserialize_with = "one_or_many")]
    #[schemars(with = "OneOrMany")]
    pub extends: Vec<String>,
    /// Values the workflow takes from `--inputs`, `--set`, the environment, or defaults.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub inputs: IndexMap<String, Input>,
    /// Named HTTP clients: base URL, default headers, own cookie jar, redirect policy.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub clients: IndexMap<String, Client>,
    /// The steps, keyed by identifier. Order is for reading; the data flow decides what runs when.
    #[serde(default)]
    pub steps: IndexMap<String, Step>,
    /// Steps run after the main graph (also after failures and interrupts), each only when the steps it references succeeded.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub cleanup: IndexMap<String, Step>,
    /// Values the workflow hands back (templates over step outputs); a `uses` step exposes them as its outputs.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub outputs: IndexMap<String, WorkflowOutput>,
    /// What else to mask in every output, beyond the built-in credential names.
    #[serde(default, skip_serializing_if = "Secrets::is_empty")]
    pub secrets: Secrets,
}

/// Extra secrets of a spec.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Secrets {
    /// Field names whose values are masked in any request or response (JSON keys at any
    /// depth, form fields, query parameters), in addition to credential names such as
    /// `access_token`, `client_secret` or `password`. Matching ignores case and `_`/`-`/camelCase.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

impl Secrets {
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A single string or a list of strings.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Either::deserialize(d)? {
        Either::One(s) => vec![s],
        Either::Many(v) => v,
    })
}

/// A workflow input.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// What the input is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Value used when nothing else provides one; may be a template over `run` and other inputs.
    /// `default: null` makes the input optional, null when not given.
    #[serde(
        default,
        deserialize_with = "null_is_a_value",
        skip_serializing_if = "Option::is_none"
    )]
    pub default: Option<Value>,
    /// Mask this value (and values derived from it) in every output. Defaults to `true` when
    /// the name says it holds a credential (its last word is token, secret, password, key in
    /// `api_key`, code in `auth_code`...: `client_secret`, `user_password`); `false` turns that off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<bool>,
    /// Environment variable that provides the value, e.g. `PINGONE_ENV_ID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    /// Fail before running when no value is given (an input without a default is required anyway).
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// Name of a value the embedded sandbox provides (`api_path`, `auth_path`, `env_id`, `admin_client_id`, `admin_client_secret`, `org_id`, `sandbox_url`).
    /// When such inputs get no value, `caseflow run` starts the sandbox and binds them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<SandboxValue>,
}

/// A field written as `null` holds null, unlike one left out.
fn null_is_a_value<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

impl Input {
    /// Marked secret, or named like a credential and not marked `secret: false`.
    pub fn is_secret(&self, name: &str) -> bool {
        self.secret
            .unwrap_or_else(|| crate::redact::is_secret_name(name))
    }
}

/// Values the embedded sandbox can bind to inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SandboxValue {
    ApiPath,
    AuthPath,
    EnvId,
    AdminClientId,
    AdminClientSecret,
    OrgId,
    SandboxUrl,
}

impl SandboxValue {
    pub fn key(self) -> &'static str {
        match self {
            Self::ApiPath => "api_path",
            Self::AuthPath => "auth_path",
            Self::EnvId => "env_id",
            Self::AdminClientId => "admin_client_id",
            Self::AdminClientSecret => "admin_client_secret",
            Self::OrgId => "org_id",
            Self::SandboxUrl => "sandbox_url",
        }
    }
}

/// A named HTTP client. Each run gets its own instance (and cookie jar) of every client.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Client {
    /// Base URL that relative request URLs are joined to (template).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Headers sent with every request (templates), e.g. `Authorization: "Bearer {{ steps.admin_token.outputs.access_token }}"`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub headers: IndexMap<String, String>,
    /// Keep a cookie jar for this client (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cookies: Option<bool>,
    /// Follow redirects (default false: a 302 is a response to inspect).
    #[serde(default, skip_serializing_if = "is_false")]
    pub follow_redirects: bool,
    /// Timeout of one request, e.g. `30s` (default 30s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Accept invalid TLS certificates (also requires `--insecure` on the command line).
    #[serde(default, skip_serializing_if = "is_false")]
    pub insecure: bool,
    /// Largest response body read, e.g. `64MiB` (default: `--max-body`, 16 MiB); a larger body fails the step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_body: Option<ByteSize>,
}

/// One step: an HTTP request (or a sub-workflow via `uses`), its captures and expectations.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Human title shown in progress and reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Longer explanation of the step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Name of the client (from `clients`) that sends the request; default: a plain client with its own cookie jar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// The HTTP request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Box<Request>>,
    /// Run another spec (path relative to this file) as this step; its workflow outputs become this step's outputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uses: Option<String>,
    /// Inputs for the `uses` spec (templates).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub with: IndexMap<String, Value>,
    /// Steps that must finish first even though no captured value says so.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    /// Values captured from the response, available as `steps.<id>.outputs.<name>`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub outputs: IndexMap<String, Capture>,
    /// What the response must satisfy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Box<Expect>>,
    /// Run the step only when this expression is true, e.g. `inputs.mfa` or `"{{ inputs.mode == 'pkce' }}"`.
    #[serde(rename = "if", default, skip_serializing_if = "Option::is_none")]
    pub if_: Option<String>,
    /// Run the step once per item of this list (template or literal list); `item` and `index` are in scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_each: Option<Box<Value>>,
    /// How many `for_each` iterations run at once (default 1: in order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub concurrency: Option<u32>,
    /// Retry on transient failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<Box<Retry>>,
    /// Repeat the request until the condition holds (polling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Box<Until>>,
    /// Deadline for the whole step including retries, e.g. `60s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// A failure of this step is reported but does not fail the run nor skip its dependents.
    #[serde(default, skip_serializing_if = "is_false")]
    pub continue_on_error: bool,
}

/// HTTP methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Method {
    GET,
    POST,
    PUT,
    PATCH,
    DELETE,
    HEAD,
    OPTIONS,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GET => "GET",
            Self::POST => "POST",
            Self::PUT => "PUT",
            Self::PATCH => "PATCH",
            Self::DELETE => "DELETE",
            Self::HEAD => "HEAD",
            Self::OPTIONS => "OPTIONS",
        }
    }
}

/// An HTTP request. At most one of `json`, `form` and `body`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub method: Method,
    /// Absolute URL, or a path joined to the client's `base_url` (template).
    pub url: String,
    /// Query parameters (templates); a list value repeats the parameter.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub query: IndexMap<String, Value>,
    /// Request headers (templates).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub headers: IndexMap<String, String>,
    /// JSON body; every string leaf is a template, and a leaf that is exactly `{{ expr }}` keeps the value's type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Value>")]
    pub json: Option<JsonBody>,
    /// URL-encoded form body (templates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<Box<IndexMap<String, Value>>>,
    /// Raw body text (template); set `Content-Type` in `headers`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

/// A JSON request body, kept as its compact text and read as a value where
/// it is checked or rendered: it lives as long as the spec, and a tree of
/// small maps costs several times its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonBody(Box<str>);

impl JsonBody {
    pub fn value(&self) -> Value {
        // The text was written from a value, so it always reads back.
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }
}

impl From<&Value> for JsonBody {
    fn from(value: &Value) -> Self {
        Self(value.to_string().into_boxed_str())
    }
}

impl Serialize for JsonBody {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value().serialize(s)
    }
}

impl<'de> Deserialize<'de> for JsonBody {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Value::deserialize(d).map(|v| Self::from(&v))
    }
}

/// A captured value: a JSONPath on the JSON body (shorthand), or a source with optional transforms.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Capture {
    /// JSONPath on the JSON response body, e.g. `$.id`.
    Path(String),
    // Boxed: most captures are the shorthand, and every step keeps its map.
    Full(Box<CaptureSpec>),
}

/// Where a value comes from (one of `json`, `header`, `cookie`, `status`, `body`, `url`)
/// and how it is narrowed (`regex`/`group`, `query`, `fragment`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptureSpec {
    /// JSONPath on the JSON response body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json: Option<String>,
    /// Response header name (case-insensitive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// Cookie name, from this response's `Set-Cookie` headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cookie: Option<String>,
    /// Capture the HTTP status code.
    #[serde(default, skip_serializing_if = "is_false")]
    pub status: bool,
    /// Capture the whole response body as text.
    #[serde(default, skip_serializing_if = "is_false")]
    pub body: bool,
    /// Capture the final URL of the request.
    #[serde(default, skip_serializing_if = "is_false")]
    pub url: bool,
    /// An output this step captured above this one, read again (e.g. a decoded document).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// Regular expression applied to the source text (the body when no source is named).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    /// Capture group of `regex` (number or name; default 1 when the regex has groups, else 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<Group>,
    /// Read this query parameter of the source taken as a URL (e.g. `code` of a `Location` header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Read this parameter of the source URL's fragment (e.g. `access_token` of an implicit redirect).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fragment: Option<String>,
    /// Mask the value in every output.
    #[serde(default, skip_serializing_if = "is_false")]
    pub secret: bool,
    /// Decode what was captured: `base64` (standard or URL-safe, padding optional) to UTF-8 text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decode: Option<Decode>,
    /// Capture every match as a list instead of the first.
    #[serde(default, skip_serializing_if = "is_false")]
    pub all: bool,
    /// A capture that matches nothing yields null instead of failing the step.
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
}

/// How a captured value is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Decode {
    Base64,
}

/// A regex capture group: number or name.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Group {
    Index(usize),
    Name(String),
}

/// Expectations on a response.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Expected status: a code, a class like `2xx`, or a list of those.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusExpect>,
    /// Response headers (case-insensitive names) and their matchers.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub headers: IndexMap<String, Matcher>,
    /// JSONPath expressions on the JSON body and their matchers, e.g. `$.token_type: Bearer`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub body: IndexMap<String, Matcher>,
    /// JSON Schema the body must validate against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Box<Value>>,
    /// This step's captured outputs and their matchers, checked once all are captured.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub outputs: IndexMap<String, Matcher>,
}

/// A status expectation.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum StatusExpect {
    One(StatusPattern),
    Any(Vec<StatusPattern>),
}

/// A status code (e.g. `201`) or class (e.g. `2xx`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StatusPattern {
    Code(u16),
    Class(String),
}

impl JsonSchema for StatusPattern {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "StatusPattern".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A status code (e.g. `201`) or class (e.g. `2xx`).",
            "anyOf": [
                { "type": "integer", "minimum": 100, "maximum": 599 },
                { "type": "string", "pattern": "^[1-5]xx$" }
            ]
        })
    }
}

/// A matcher: operators (`equals`, `exists`, `matches`, ...) or a plain value to compare for equality.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Matcher {
    Ops(Box<MatcherOps>),
    Equals(Value),
}

/// Matcher operators; all given must hold. Values may be templates.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MatcherOps {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_equals: Option<Value>,
    /// Whether the path matches anything (`false`: must be absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
    /// Regular expression the value (as text) must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matches: Option<String>,
    /// Substring of a string, element of a list, or key of an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<Value>,
    /// JSON type of the value.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<JsonType>,
    /// Length of a string, list or object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gt: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gte: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lt: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lte: Option<f64>,
    /// The value must equal one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<Value>>,
}

/// JSON value types for the `type` matcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum JsonType {
    String,
    Number,
    Integer,
    Boolean,
    Array,
    Object,
    Null,
}

/// Retry policy: a number of attempts, or the full form.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Retry {
    Attempts(#[schemars(range(min = 1))] u32),
    Policy(RetryPolicy),
}

/// Retry policy in full.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryPolicy {
    /// Total attempts including the first.
    #[schemars(range(min = 1))]
    pub attempts: u32,
    /// First delay; doubled after each attempt, with jitter (default 200ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff: Option<Duration>,
    /// Upper bound of one delay (default 10s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_backoff: Option<Duration>,
    /// What is retried (default `[5xx, 429, connect]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on: Vec<RetryOn>,
    /// Every wait is `backoff` exactly: no doubling, no jitter (a server's `Retry-After` still wins, up to `max_backoff`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub fixed: bool,
}

/// Transient failures a retry policy reacts to: `5xx`, a status code such
/// as `429` or `503`, `connect` (no response), `expect` (a failed expectation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryOn {
    /// Any 5xx status.
    ServerError,
    /// This status code (400 to 599), e.g. 429 Too Many Requests.
    Status(u16),
    Connect,
    /// Any failed expectation.
    Expectation,
}

/// Status codes `retry.on` takes.
pub const RETRY_STATUSES: std::ops::RangeInclusive<u16> = 400..=599;

impl RetryOn {
    pub const TOO_MANY_REQUESTS: Self = Self::Status(429);

    fn parse(text: &str) -> Option<Self> {
        match text {
            "5xx" => Some(Self::ServerError),
            "connect" => Some(Self::Connect),
            "expect" => Some(Self::Expectation),
            code => code
                .parse::<u16>()
                .ok()
                .filter(|c| RETRY_STATUSES.contains(c))
                .map(Self::Status),
        }
    }
}

impl Serialize for RetryOn {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::ServerError => s.serialize_str("5xx"),
            Self::Status(code) => s.serialize_u16(*code),
            Self::Connect => s.serialize_str("connect"),
            Self::Expectation => s.serialize_str("expect"),
        }
    }
}

impl<'de> Deserialize<'de> for RetryOn {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        const EXPECTED: &str = "5xx, connect, expect or a status code from 400 to 599";
        impl serde::de::Visitor<'_> for Visitor {
            type Value = RetryOn;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RetryOn, E> {
                RetryOn::parse(v)
                    .ok_or_else(|| E::custom(format!("`{v}` is not one of {EXPECTED}")))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RetryOn, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RetryOn, E> {
                self.visit_str(&v.to_string())
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl JsonSchema for RetryOn {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RetryOn".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A transient failure to retry: `5xx` (any 5xx status), a status code such as `429` or `503`, `connect` (no response), `expect` (a failed expectation).",
            "anyOf": [
                { "type": "integer", "minimum": 400, "maximum": 599 },
                { "type": "string", "pattern": "^(5xx|connect|expect|[45][0-9][0-9])$" }
            ]
        })
    }
}

/// Polling: repeat the request until `condition` holds or the deadline passes.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Until {
    /// Expression over `response.status`, `response.headers`, `response.body` (and all step variables), e.g. `response.status == 200`.
    pub condition: String,
    /// Pause between attempts (default 1s, at least 10ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
    /// Give up after this long (default 60s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Give up after this many attempts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub max_attempts: Option<u32>,
}

/// A workflow output: a template, or a template marked secret.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum WorkflowOutput {
    Value(String),
    Full(WorkflowOutputSpec),
}

/// A workflow output in full.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowOutputSpec {
    pub value: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub secret: bool,
}

impl WorkflowOutput {
    pub fn template(&self) -> &str {
        match self {
            Self::Value(v) => v,
            Self::Full(f) => &f.value,
        }
    }
    pub fn secret(&self) -> bool {
        matches!(self, Self::Full(f) if f.secret)
    }
}

impl Capture {
    /// The long form of any capture.
    pub fn spec(&self) -> std::borrow::Cow<'_, CaptureSpec> {
        match self {
            Self::Path(p) => std::borrow::Cow::Owned(CaptureSpec {
                json: Some(p.clone()),
                ..CaptureSpec::default()
            }),
            Self::Full(s) => std::borrow::Cow::Borrowed(s),
        }
    }
    pub fn secret(&self) -> bool {
        matches!(self, Self::Full(s) if s.secret)
    }
    /// Reads another output of its step (`output:`).
    pub fn rereads(&self) -> bool {
        matches!(self, Self::Full(s) if s.output.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::{Retry, RetryOn};
    use crate::run::retry::{Failure, Policy};

    #[test]
    fn retry_on_takes_status_codes_as_numbers_or_text() {
        let retry: Retry = serde_json::from_str(
            r#"{ "attempts": 3, "on": ["5xx", 429, "503", "connect", "expect"] }"#,
        )
        .unwrap();
        let Retry::Policy(p) = &retry else {
            panic!("a policy")
        };
        assert_eq!(
            p.on,
            [
                RetryOn::ServerError,
                RetryOn::TOO_MANY_REQUESTS,
                RetryOn::Status(503),
                RetryOn::Connect,
                RetryOn::Expectation
            ]
        );
        assert_eq!(
            serde_json::to_string(&p.on).unwrap(),
            r#"["5xx",429,503,"connect","expect"]"#
        );
        for bad in ["42", "600", r#""timeout""#, "-1"] {
            assert!(serde_json::from_str::<RetryOn>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_listed_status_is_retried_and_only_it() {
        let retry: Retry = serde_json::from_str(r#"{ "attempts": 2, "on": [503, 409] }"#).unwrap();
        let policy = Policy::from_spec(Some(&retry));
        assert!(policy.retries(Failure::Status(503), "GET"));
        assert!(policy.retries(Failure::Status(409), "GET"));
        assert!(!policy.retries(Failure::Status(502), "GET"));
        assert!(!policy.retries(Failure::Status(429), "GET"));
        assert!(!policy.retries(Failure::NotSent, "GET"));
        let default = Policy::from_spec(None);
        assert!(
            default.retries(Failure::Status(429), "GET")
                && default.retries(Failure::Status(502), "GET")
        );
        assert!(!default.retries(Failure::Status(409), "GET"));
    }
}

//! What went over the wire, and whether any of it came out again: a recording
//! layer for test servers (and a recording reverse proxy for the sandbox),
//! the credentials found in the recorded traffic, and a scan of output text
//! for every one of them in every encoding.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::Value;

/// One request and its response, as bytes on the wire.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub url: String,
    pub request_headers: Vec<(String, String)>,
    pub request_body: String,
    pub response_headers: Vec<(String, String)>,
    pub response_body: String,
}

pub type Wire = Arc<Mutex<Vec<Exchange>>>;

/// Wraps a router so every exchange is recorded.
pub fn recorded(router: Router, wire: Wire) -> Router {
    router.layer(from_fn_with_state(wire, record))
}

async fn record(State(wire): State<Wire>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let body = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let url = parts.uri.to_string();
    let request_headers = pairs(&parts.headers);
    let response = next
        .run(Request::from_parts(parts, Body::from(body.clone())))
        .await;
    let (rparts, rbody) = response.into_parts();
    let rbody = to_bytes(rbody, usize::MAX).await.unwrap_or_default();
    wire.lock().unwrap().push(Exchange {
        url,
        request_headers,
        request_body: String::from_utf8_lossy(&body).into_owned(),
        response_headers: pairs(&rparts.headers),
        response_body: String::from_utf8_lossy(&rbody).into_owned(),
    });
    Response::from_parts(rparts, Body::from(rbody))
}

fn pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// A reverse proxy to `upstream` on 127.0.0.1 that records every exchange.
/// Returns its base URL; it serves until the test process ends.
pub async fn recording_proxy(
    upstream_of: tokio::sync::oneshot::Receiver<String>,
) -> (String, Wire) {
    let wire: Wire = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let wire_for_app = wire.clone();
    tokio::spawn(async move {
        let upstream = upstream_of.await.unwrap();
        let app = recorded(
            Router::new()
                .fallback(forward)
                .with_state((client, upstream)),
            wire_for_app,
        );
        axum::serve(listener, app).await.unwrap();
    });
    (base, wire)
}

async fn forward(
    State((client, upstream)): State<(reqwest::Client, String)>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let body = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut out = client.request(parts.method.clone(), format!("{upstream}{path}"));
    for (k, v) in &parts.headers {
        if k != "host" && k != "content-length" {
            out = out.header(k, v);
        }
    }
    let Ok(resp) = out.body(body).send().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let mut builder = Response::builder().status(resp.status());
    for (k, v) in resp.headers() {
        if k != "content-length" && k != "transfer-encoding" {
            builder = builder.header(k, v);
        }
    }
    let bytes = resp.bytes().await.unwrap_or_default();
    builder.body(Body::from(bytes)).unwrap()
}

/// Credential field names, as the redaction rules promise to know them.
const FIELDS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "client_assertion",
    "password",
    "newpassword",
    "currentpassword",
    "code",
    "device_code",
    "code_verifier",
    "assertion",
    "samlresponse",
    "secret",
    "otp",
];

/// Shorter values are masked only where they stand alone (documented), so
/// a text search for them would find every unrelated occurrence.
const MIN_SCANNED: usize = 6;

/// Every credential the recorded traffic carried: Authorization and cookie
/// values, credential-named fields of JSON and form bodies, query strings,
/// fragments and hidden inputs, and every JWT.
pub fn credentials(wire: &[Exchange]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let jwt = regex::Regex::new(r"ey[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*").unwrap();
    let hidden = regex::Regex::new(r#"name="([^"]+)"\s+value="([^"]*)""#).unwrap();
    for x in wire {
        for (k, v) in &x.request_headers {
            match k.as_str() {
                "authorization" | "proxy-authorization" => {
                    let credential = v.split_once(' ').map_or(v.as_str(), |(_, c)| c);
                    out.insert(credential.to_string());
                    if let Some(pair) = STANDARD
                        .decode(credential)
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok())
                        && let Some((_, password)) = pair.split_once(':')
                    {
                        out.insert(password.to_string());
                    }
                }
                "cookie" => {
                    for c in v.split(';') {
                        if let Some((_, value)) = c.split_once('=') {
                            out.insert(value.trim().to_string());
                        }
                    }
                }
                _ => {}
            }
        }
        for (k, v) in &x.response_headers {
            if k == "set-cookie"
                && let Some((_, value)) = v.split(';').next().unwrap_or_default().split_once('=')
            {
                out.insert(value.to_string());
            }
            if k == "location" {
                url_fields(v, &mut out);
            }
        }
        url_fields(&x.url, &mut out);
        let password_body = x
            .request_headers
            .iter()
            .any(|(k, v)| k == "content-type" && v.contains("password"));
        for body in [&x.request_body, &x.response_body] {
            match serde_json::from_str::<Value>(body) {
                Ok(v) => json_fields(&v, password_body, &mut out),
                Err(_) => form_fields(body, &mut out),
            }
            for m in jwt.find_iter(body) {
                out.insert(m.as_str().to_string());
            }
            for c in hidden.captures_iter(body) {
                if is_field(&c[1]) {
                    out.insert(c[2].to_string());
                }
            }
        }
        for (_, v) in x.request_headers.iter().chain(&x.response_headers) {
            for m in jwt.find_iter(v) {
                out.insert(m.as_str().to_string());
            }
        }
    }
    out.retain(|v| v.chars().count() >= MIN_SCANNED && !is_error_code(v));
    out
}

fn is_field(name: &str) -> bool {
    FIELDS.contains(&name.to_ascii_lowercase().as_str())
}

/// `INVALID_DATA`: PingOne's error codes share the name `code`.
fn is_error_code(v: &str) -> bool {
    v.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
}

fn json_fields(v: &Value, password_body: bool, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                let named = is_field(k) || (password_body && k == "value");
                match v {
                    Value::String(s) if named => {
                        out.insert(s.clone());
                    }
                    Value::Number(n) if named => {
                        out.insert(n.to_string());
                    }
                    other => json_fields(other, password_body, out),
                }
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|v| json_fields(v, password_body, out)),
        _ => {}
    }
}

fn form_fields(text: &str, out: &mut BTreeSet<String>) {
    if text.contains('<') || !text.contains('=') {
        return;
    }
    for (k, v) in url::form_urlencoded::parse(text.as_bytes()) {
        if is_field(&k) {
            out.insert(v.into_owned());
        }
    }
}

fn url_fields(url: &str, out: &mut BTreeSet<String>) {
    let rest = url.split_once('?').map_or("", |(_, r)| r);
    for part in rest.split('#') {
        form_fields(part, out);
    }
    if let Some((_, fragment)) = url.split_once('#') {
        form_fields(fragment, out);
    }
}

/// Every encoding a secret may be written in, by name: raw, JSON-escaped
/// (with and without `\/`, `\uXXXX` in both cases), percent-encoded (`%20`
/// and `+`, both cases of hex), base64 and base64url with and without padding.
pub fn named_encodings(secret: &str) -> Vec<(&'static str, String)> {
    let json = serde_json::to_string(secret).unwrap();
    let json = json[1..json.len() - 1].to_string();
    let every = |hex: fn(u32) -> String| secret.chars().map(|c| hex(c as u32)).collect();
    let bytes = |hex: fn(u8) -> String| secret.bytes().map(hex).collect();
    let plus: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    vec![
        ("raw", secret.to_string()),
        ("php", json.replace('/', "\\/")),
        ("json", json),
        ("escaped", every(|c| format!("\\u{c:04X}"))),
        ("escaped_lower", every(|c| format!("\\u{c:04x}"))),
        (
            "python",
            secret
                .chars()
                .map(|c| {
                    if c.is_ascii() {
                        c.to_string()
                    } else {
                        format!("\\u{:04x}", c as u32)
                    }
                })
                .collect(),
        ),
        ("percent20", plus.replace('+', "%20")),
        ("plus", plus),
        (
            "plus_lower",
            secret
                .bytes()
                .map(|b| match b {
                    b' ' => "+".to_string(),
                    b if b.is_ascii_alphanumeric() || b"-._*".contains(&b) => {
                        (b as char).to_string()
                    }
                    b => format!("%{b:02x}"),
                })
                .collect(),
        ),
        ("percent", bytes(|b| format!("%{b:02X}"))),
        ("percent_lower", bytes(|b| format!("%{b:02x}"))),
        ("b64", STANDARD.encode(secret)),
        ("b64_unpadded", STANDARD_NO_PAD.encode(secret)),
        ("b64url_padded", URL_SAFE.encode(secret)),
        ("b64url", URL_SAFE_NO_PAD.encode(secret)),
    ]
}

/// The distinct texts of [`named_encodings`].
pub fn encodings(secret: &str) -> BTreeSet<String> {
    named_encodings(secret)
        .into_iter()
        .map(|(_, v)| v)
        .collect()
}

/// Every place a secret shows in any of the named outputs, in any encoding.
pub fn leaks(secrets: &BTreeSet<String>, outputs: &[(&str, &str)]) -> Vec<String> {
    let mut found = Vec::new();
    for secret in secrets {
        for form in encodings(secret) {
            for (name, text) in outputs {
                if let Some(at) = text.find(&form) {
                    let from = text[..at]
                        .char_indices()
                        .rev()
                        .nth(60)
                        .map_or(0, |(i, _)| i);
                    let to = (at + form.len() + 40).min(text.len());
                    let to = (to..=text.len())
                        .find(|i| text.is_char_boundary(*i))
                        .unwrap_or(text.len());
                    found.push(format!(
                        "{name}: `{secret}` as `{form}` in …{}…",
                        &text[from..to]
                    ));
                }
            }
        }
    }
    found
}

//! A server that hands out credentials nobody captures and reflects what it
//! receives in every encoding servers use: PHP's escaped slashes, Python's
//! `\uXXXX`, percent-encoding, `+` for spaces, base64 and base64url, in
//! bodies, headers and redirect URLs.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

use super::wire::{Wire, named_encodings, recorded};

/// Serves on 127.0.0.1 until the test process ends; every exchange is recorded.
pub async fn start() -> (String, Wire) {
    let wire = Wire::default();
    let app = Router::new()
        .route("/token", post(token))
        .route("/app", get(app))
        .route("/reflect", any(reflect))
        .route("/redirect", get(redirect))
        .route("/saml", get(saml))
        .route("/fail", get(fail));
    let app = recorded(app, wire.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, wire)
}

fn random(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

fn jwt() -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(format!(r#"{{"sub":"{}"}}"#, random("user")));
    let signature = URL_SAFE_NO_PAD.encode(random("sig"));
    format!("{header}.{claims}.{signature}")
}

async fn token() -> Response {
    let cookie = format!("ST={}; Path=/; HttpOnly", random("session"));
    (
        [(header::SET_COOKIE, cookie)],
        axum::Json(json!({
            "access_token": jwt(),
            "id_token": jwt(),
            "refresh_token": random("rt"),
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": "openid profile",
        })),
    )
        .into_response()
}

async fn app() -> Response {
    axum::Json(json!({ "id": "app-1", "name": "reflected", "client_secret": random("cs") }))
        .into_response()
}

async fn redirect() -> Response {
    let location = format!(
        "https://app.example/cb?code={}&state=s1#access_token={}&token_type=Bearer",
        random("code"),
        random("at")
    );
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

async fn saml() -> Response {
    let response = STANDARD.encode(format!(
        "<samlp:Response ID=\"{}\"><saml:Assertion/></samlp:Response>",
        random("id")
    ));
    let html = format!(
        "<html><body onload=\"document.forms[0].submit()\"><form method=\"post\" action=\"https://sp.example/acs\">\
         <input type=\"hidden\" name=\"SAMLResponse\" value=\"{response}\"/>\
         <input type=\"hidden\" name=\"RelayState\" value=\"rs-1\"/></form></body></html>"
    );
    ([(header::CONTENT_TYPE, "text/html")], html).into_response()
}

async fn fail() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(json!({
            "error": "server_error",
            "access_token": random("at"),
            "password": random("pw"),
            "details": [{ "client_secret": random("cs"), "code": "INVALID_DATA" }],
        })),
    )
        .into_response()
}

/// Every value received (query, form, JSON leaves, non-standard headers), echoed in every encoding.
async fn reflect(uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let mut received = BTreeMap::new();
    let query = uri.query().unwrap_or_default();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        received.insert(format!("query.{k}"), v.into_owned());
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(map)) => {
            for (k, v) in map {
                let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                received.insert(format!("json.{k}"), v);
            }
        }
        _ => {
            for (k, v) in url::form_urlencoded::parse(&body) {
                received.insert(format!("form.{k}"), v.into_owned());
            }
        }
    }
    for (k, v) in &headers {
        if k.as_str().starts_with("x-") {
            received.insert(
                format!("header.{k}"),
                String::from_utf8_lossy(v.as_bytes()).into(),
            );
        }
    }
    let mut text = String::from("{");
    for (i, (name, v)) in received.iter().enumerate() {
        // Every encoding but the raw text, which could break the JSON.
        let forms: Vec<String> = named_encodings(v)
            .into_iter()
            .filter(|(kind, _)| *kind != "raw")
            .map(|(kind, form)| format!("\"{kind}\": \"{form}\""))
            .collect();
        let sep = if i == 0 { "" } else { ", " };
        text.push_str(&format!("{sep}\"{name}\": {{{}}}", forms.join(", ")));
    }
    text.push('}');
    let echo = received.values().next().cloned().unwrap_or_default();
    let location: String = url::form_urlencoded::byte_serialize(echo.as_bytes()).collect();
    (
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (header::LOCATION, format!("/next?echo={location}")),
        ],
        text,
    )
        .into_response()
}

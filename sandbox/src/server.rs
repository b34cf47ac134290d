//! The axum router and request plumbing shared by every endpoint.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use axum::routing::{any, get, post};

use crate::auth;
use crate::error::ApiError;
use crate::management;
use crate::outbox;
use crate::store::{Env, Store};

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
}

impl AppState {
    /// The environment named in an auth-API path, or PingOne's 404.
    pub fn env(&self, id: &str) -> Result<Arc<Env>, ApiError> {
        self.store.env(id).ok_or_else(ApiError::not_found)
    }
}

pub fn router(store: Arc<Store>) -> Router {
    let state = AppState { store };
    Router::new()
        // Above the 2 MB image limit, so an oversized image gets PingOne's answer.
        .route(
            "/v1/{*path}",
            any(management::dispatch).layer(axum::extract::DefaultBodyLimit::max(4 << 20)),
        )
        .route("/v1", any(management::dispatch_root))
        .route("/sandbox/environments/{env}/outbox", get(outbox::list))
        .route(
            "/uploads/environments/{env}/images/{file}",
            get(management::images::serve),
        )
        .route(
            "/sandbox/environments/{env}/assets/{token}",
            get(management::integrations::download),
        )
        .route(
            "/{env}/as/authorize",
            get(auth::authorize::get).post(auth::authorize::post),
        )
        .route("/{env}/as/resume", get(auth::resume::resume))
        .route("/{env}/as/token", post(auth::token::token))
        .route("/{env}/as/jwks", get(auth::keys::jwks))
        .route("/{env}/as/introspect", post(auth::introspect::introspect))
        .route(
            "/{env}/as/userinfo",
            get(auth::userinfo::userinfo).post(auth::userinfo::userinfo),
        )
        .route(
            "/{env}/as/device_authorization",
            post(auth::device::device_authorization),
        )
        .route(
            "/{env}/as/signoff",
            get(auth::signoff::signoff_get).post(auth::signoff::signoff_post),
        )
        .route("/{env}/as/revoke", post(auth::signoff::revoke))
        .route(
            "/{env}/as/.well-known/openid-configuration",
            get(auth::discovery::configuration),
        )
        .route(
            "/{env}/.well-known/openid-configuration",
            get(auth::discovery::configuration),
        )
        .route(
            "/{env}/flows/{flow}",
            get(auth::flows::get_flow).post(auth::flows::post_flow),
        )
        .route(
            "/{env}/davinci/connections/{connection}/capabilities/{capability}",
            post(auth::davinci::capability),
        )
        .route(
            "/{env}/davinci/interactions/{interaction}",
            get(auth::davinci::page),
        )
        .route(
            "/{env}/saml20/idp/sso",
            get(crate::saml::idp::sso_get).post(crate::saml::idp::sso_post),
        )
        .route("/{env}/saml20/resume", get(crate::saml::idp::resume))
        .route("/{env}/saml20/sp/sso", get(crate::saml::sp::sso))
        .route("/{env}/saml20/sp/acs", post(crate::saml::sp::acs))
        .route("/{env}/rp/authenticate", get(auth::external::authenticate))
        .route(
            "/{env}/rp/callback/openid_connect",
            get(auth::external::callback),
        )
        .route("/{env}/signon", get(auth::signon_page::page))
        .route("/{env}/signon/", get(auth::signon_page::page))
        .route("/{env}/device", get(auth::device::user_start))
        .route("/{env}/device/{app}", get(auth::device::user_start_for_app))
        .fallback(not_found)
        .layer(axum::middleware::map_response(correlation_id))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::not_found()
}

/// Every response carries a `Correlation-Id`, as PingOne's do.
async fn correlation_id(mut response: Response) -> Response {
    if let Ok(value) = HeaderValue::from_str(&crate::generate::id()) {
        response.headers_mut().insert("correlation-id", value);
    }
    response
}

/// Cookies sent by the client (`Cookie` headers), last value wins.
pub fn cookies(headers: &HeaderMap) -> HashMap<String, String> {
    let mut jar = HashMap::new();
    for value in headers.get_all(header::COOKIE) {
        let Ok(text) = value.to_str() else { continue };
        for pair in text.split(';') {
            if let Some((name, value)) = pair.trim().split_once('=') {
                jar.insert(name.trim().to_string(), value.trim().to_string());
            }
        }
    }
    jar
}

/// `application/x-www-form-urlencoded` pairs (also used for query strings); first value wins.
pub fn form(bytes: &[u8]) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for (key, value) in url::form_urlencoded::parse(bytes) {
        map.entry(key.into_owned())
            .or_insert_with(|| value.into_owned());
    }
    map
}

/// The media type of the request without parameters, lower-cased.
pub fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

/// The action a vendor media type names: `password.set` for
/// `application/vnd.pingidentity.password.set+json`.
pub fn vendor_action(media_type: &str) -> Option<&str> {
    media_type
        .strip_prefix("application/vnd.pingidentity.")
        .and_then(|rest| rest.strip_suffix("+json"))
}

/// A `Set-Cookie` value scoped to one environment's auth paths.
pub fn set_cookie(name: &str, value: &str, env_id: &str, max_age: Option<i64>) -> String {
    match max_age {
        Some(age) => {
            format!("{name}={value}; Path=/{env_id}; HttpOnly; SameSite=Lax; Max-Age={age}")
        }
        None => format!("{name}={value}; Path=/{env_id}; HttpOnly; SameSite=Lax"),
    }
}

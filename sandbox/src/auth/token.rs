//! `POST /{envId}/as/token`: authorization_code (with PKCE), refresh_token (rotating),
//! client_credentials and device_code grants.

use std::collections::HashMap;

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::auth::claims::{self, Issuance, Scopes, Subject};
use crate::auth::client_auth::{self, Client};
use crate::auth::device::DeviceState;
use crate::clock;
use crate::error::{OAuthError, OAuthResult};
use crate::generate;
use crate::request::OAuthForm;
use crate::store::{EnvData, Store};

pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Authorization codes live one minute.
pub const CODE_SECONDS: u64 = 60;

/// An issued authorization code (single use, bound to client and redirect URI).
#[derive(Debug, Clone)]
pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: Option<String>,
    pub scopes: Scopes,
    pub subject: Subject,
    pub nonce: Option<String>,
    pub challenge: Option<(String, String)>,
    pub expires_at: u64,
}

/// An opaque refresh token; rotated on use, replays revoke the whole family.
#[derive(Debug, Clone)]
pub struct RefreshToken {
    pub client_id: String,
    pub subject: Option<Subject>,
    pub scopes: Scopes,
    pub expires_at: u64,
    /// The rolling limit of the family (first issuance + rolling duration).
    pub family_expires_at: u64,
    pub family: String,
    pub used: bool,
}

fn has_grant(app: &Map<String, Value>, grant: &str) -> bool {
    app.get("grantTypes")
        .and_then(Value::as_array)
        .is_some_and(|g| g.iter().any(|v| v.as_str() == Some(grant)))
}

/// What to sign once the environment lock is released.
struct Pending {
    issuance: Issuance,
    refresh_token: Option<String>,
}

pub async fn token(form: OAuthForm) -> Response {
    let store = form.store();
    let pending = {
        let mut data = form.env.write();
        grant(store, &mut data, &form.headers, &form.params)
    };
    match pending.and_then(|p| sign(store, p)) {
        Ok(body) => {
            let mut response = (StatusCode::OK, Json(body)).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
                .headers_mut()
                .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            response
        }
        Err(err) => err.into_response(),
    }
}

fn sign(store: &Store, pending: Pending) -> OAuthResult<Value> {
    let signed = claims::sign(store, pending.issuance, None, true).map_err(|_| {
        OAuthError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "Token signing failed",
        )
    })?;
    let mut body = json!({
        "access_token": signed.access_token,
        "token_type": "Bearer",
        "expires_in": signed.expires_in,
        "scope": signed.scope,
    });
    if let Some(id_token) = signed.id_token {
        body["id_token"] = json!(id_token);
    }
    if let Some(refresh) = pending.refresh_token {
        body["refresh_token"] = json!(refresh);
    }
    Ok(body)
}

fn grant(
    store: &Store,
    data: &mut EnvData,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
) -> OAuthResult<Pending> {
    let grant_type = params
        .get("grant_type")
        .ok_or_else(|| OAuthError::invalid_request("grant_type is required"))?
        .clone();
    let endpoint = format!("{}/token", store.issuer(&data.id));
    match grant_type.as_str() {
        "authorization_code" | "refresh_token" | "client_credentials" | DEVICE_CODE_GRANT => {}
        _ => {
            return Err(OAuthError::new(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                format!("Unsupported grant type {grant_type}"),
            ));
        }
    }
    let client = client_auth::authenticate(store, data, headers, params, &endpoint)?;
    match grant_type.as_str() {
        "authorization_code" => authorization_code(store, data, &client, params),
        "refresh_token" => refresh(store, data, &client, params),
        "client_credentials" => client_credentials(store, data, &client, params),
        _ => device_code(store, data, &client, params),
    }
}

/// RFC 7636: `BASE64URL(SHA256(verifier)) == challenge` for S256, equality for plain.
pub fn pkce_matches(verifier: &str, challenge: &str, method: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~'));
    if !well_formed {
        return false;
    }
    match method {
        "S256" => crate::store::constant_eq(
            &URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())),
            challenge,
        ),
        _ => crate::store::constant_eq(verifier, challenge),
    }
}

fn authorization_code(
    store: &Store,
    data: &mut EnvData,
    client: &Client,
    params: &HashMap<String, String>,
) -> OAuthResult<Pending> {
    if !has_grant(&client.app, "AUTHORIZATION_CODE") {
        return Err(OAuthError::unauthorized_client(
            "The application does not support the authorization_code grant",
        ));
    }
    let code_value = params
        .get("code")
        .ok_or_else(|| OAuthError::invalid_request("code is required"))?;
    // Single use: the code is gone whatever happens next.
    let code = data.codes.remove(code_value).ok_or_else(|| {
        OAuthError::invalid_grant("The authorization code is invalid or has already been used")
    })?;
    if code.client_id != client.id {
        return Err(OAuthError::invalid_grant(
            "The authorization code was issued to another client",
        ));
    }
    if code.expires_at <= clock::now() {
        return Err(OAuthError::invalid_grant(
            "The authorization code has expired",
        ));
    }
    if let Some(expected) = &code.redirect_uri
        && params.get("redirect_uri") != Some(expected)
    {
        return Err(OAuthError::invalid_grant(
            "redirect_uri does not match the authorization request",
        ));
    }
    if let Some((challenge, method)) = &code.challenge {
        let verifier = params
            .get("code_verifier")
            .ok_or_else(|| OAuthError::invalid_grant("code_verifier is required"))?;
        if !pkce_matches(verifier, challenge, method) {
            return Err(OAuthError::invalid_grant("PKCE verification failed"));
        }
    } else if client
        .app
        .get("tokenEndpointAuthMethod")
        .and_then(Value::as_str)
        == Some("NONE")
        && params.contains_key("code_verifier")
    {
        return Err(OAuthError::invalid_grant(
            "No code_challenge was sent with the authorization request",
        ));
    }
    let issuance = claims::issuance(
        store,
        data,
        &client.requester(),
        Some(&code.subject),
        &code.scopes,
        code.nonce.as_deref(),
        true,
    );
    let refresh_token = maybe_refresh(data, client, Some(code.subject.clone()), &code.scopes);
    Ok(Pending {
        issuance,
        refresh_token,
    })
}

/// Issues a refresh token when the app has the REFRESH_TOKEN grant or `offline_access` was granted.
fn maybe_refresh(
    data: &mut EnvData,
    client: &Client,
    subject: Option<Subject>,
    scopes: &Scopes,
) -> Option<String> {
    if !has_grant(&client.app, "REFRESH_TOKEN") && !scopes.has("offline_access") {
        return None;
    }
    let now = clock::now();
    let duration = client
        .app
        .get("refreshTokenDuration")
        .and_then(Value::as_u64)
        .unwrap_or(2_592_000);
    let rolling = client
        .app
        .get("refreshTokenRollingDuration")
        .and_then(Value::as_u64)
        .unwrap_or(15_552_000);
    let token = generate::opaque();
    data.refresh_tokens.insert(
        token.clone(),
        RefreshToken {
            client_id: client.id.clone(),
            subject,
            scopes: scopes.clone(),
            expires_at: now + duration.min(rolling),
            family_expires_at: now + rolling,
            family: generate::id(),
            used: false,
        },
    );
    Some(token)
}

fn refresh(
    store: &Store,
    data: &mut EnvData,
    client: &Client,
    params: &HashMap<String, String>,
) -> OAuthResult<Pending> {
    if !has_grant(&client.app, "REFRESH_TOKEN") {
        return Err(OAuthError::unauthorized_client(
            "The application does not support the refresh_token grant",
        ));
    }
    let value = params
        .get("refresh_token")
        .ok_or_else(|| OAuthError::invalid_request("refresh_token is required"))?;
    let current = data
        .refresh_tokens
        .get(value)
        .cloned()
        .ok_or_else(|| OAuthError::invalid_grant("The refresh token is invalid"))?;
    let now = clock::now();
    if current.client_id != client.id {
        return Err(OAuthError::invalid_grant(
            "The refresh token was issued to another client",
        ));
    }
    if current.used {
        // Replay of a rotated token: revoke the whole family.
        data.refresh_tokens
            .retain(|_, t| t.family != current.family);
        return Err(OAuthError::invalid_grant(
            "The refresh token has already been used",
        ));
    }
    if current.expires_at <= now {
        data.refresh_tokens.remove(value);
        return Err(OAuthError::invalid_grant("The refresh token has expired"));
    }
    if let Some(subject) = &current.subject
        && data.row("users", &subject.user_id).is_none()
    {
        return Err(OAuthError::invalid_grant("The user no longer exists"));
    }
    let mut scopes = current.scopes.clone();
    if let Some(requested) = params.get("scope").filter(|s| !s.trim().is_empty()) {
        let narrowed: Vec<String> = requested.split_whitespace().map(str::to_string).collect();
        if narrowed.iter().any(|s| !current.scopes.has(s)) {
            return Err(OAuthError::invalid_scope(
                "The requested scope exceeds the original grant",
            ));
        }
        scopes.names = narrowed;
    }
    if let Some(token) = data.refresh_tokens.get_mut(value) {
        token.used = true;
    }
    let duration = client
        .app
        .get("refreshTokenDuration")
        .and_then(Value::as_u64)
        .unwrap_or(2_592_000);
    let next = generate::opaque();
    data.refresh_tokens.insert(
        next.clone(),
        RefreshToken {
            expires_at: (now + duration).min(current.family_expires_at),
            used: false,
            scopes: scopes.clone(),
            ..current.clone()
        },
    );
    let issuance = claims::issuance(
        store,
        data,
        &client.requester(),
        current.subject.as_ref(),
        &scopes,
        None,
        true,
    );
    Ok(Pending {
        issuance,
        refresh_token: Some(next),
    })
}

fn client_credentials(
    store: &Store,
    data: &mut EnvData,
    client: &Client,
    params: &HashMap<String, String>,
) -> OAuthResult<Pending> {
    if !has_grant(&client.app, "CLIENT_CREDENTIALS") {
        return Err(OAuthError::unauthorized_client(
            "The application does not support the client_credentials grant",
        ));
    }
    let is_worker = client.app.get("type").and_then(Value::as_str) == Some("WORKER");
    let requested = params
        .get("scope")
        .map(String::as_str)
        .filter(|s| !s.trim().is_empty());
    let scopes = if is_worker {
        if data
            .children("applications.roleAssignments", &client.id)
            .next()
            .is_none()
        {
            return Err(OAuthError::unauthorized_client(
                "The worker application has no role assignments",
            ));
        }
        // Worker tokens reach the PingOne API through role assignments, not scopes.
        match requested {
            Some(text) => {
                claims::resolve(data, &client.app, Some(text)).map_err(OAuthError::invalid_scope)?
            }
            None => Scopes {
                names: vec![],
                audience: vec![claims::P1_AUDIENCE.to_string()],
                resource_id: None,
                validity: 3600,
            },
        }
    } else {
        let scopes =
            claims::resolve(data, &client.app, requested).map_err(OAuthError::invalid_scope)?;
        if scopes.names.is_empty() {
            return Err(OAuthError::invalid_scope(
                "No scopes are granted to the application for client_credentials",
            ));
        }
        if scopes.names.iter().any(|n| claims::is_oidc_scope(n)) {
            return Err(OAuthError::invalid_scope(
                "OpenID Connect scopes are not applicable to client_credentials",
            ));
        }
        scopes
    };
    let issuance = claims::issuance(store, data, &client.requester(), None, &scopes, None, false);
    Ok(Pending {
        issuance,
        refresh_token: None,
    })
}

fn device_code(
    store: &Store,
    data: &mut EnvData,
    client: &Client,
    params: &HashMap<String, String>,
) -> OAuthResult<Pending> {
    if !has_grant(&client.app, "DEVICE_CODE") {
        return Err(OAuthError::unauthorized_client(
            "The application does not support the device_code grant",
        ));
    }
    let device_code = params
        .get("device_code")
        .ok_or_else(|| OAuthError::invalid_request("device_code is required"))?;
    let now = clock::now();
    let grant = data
        .device_grants
        .get_mut(device_code)
        .ok_or_else(|| OAuthError::invalid_grant("The device code is invalid"))?;
    if grant.client_id != client.id {
        return Err(OAuthError::invalid_grant(
            "The device code was issued to another client",
        ));
    }
    if grant.expires_at <= now {
        return Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "expired_token",
            "The device code has expired",
        ));
    }
    let too_fast = grant
        .last_poll
        .is_some_and(|last| now < last + grant.interval);
    grant.last_poll = Some(now);
    match grant.state.clone() {
        DeviceState::Pending if too_fast => {
            grant.interval += 5;
            Err(OAuthError::new(
                StatusCode::BAD_REQUEST,
                "slow_down",
                "Polling too frequently",
            ))
        }
        DeviceState::Pending => Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "authorization_pending",
            "The user has not yet completed authorization",
        )),
        DeviceState::Denied => Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "access_denied",
            "The user denied the request",
        )),
        DeviceState::Approved(subject) => {
            let scopes = grant.scopes.clone();
            data.device_grants.remove(device_code);
            let issuance = claims::issuance(
                store,
                data,
                &client.requester(),
                Some(&subject),
                &scopes,
                None,
                true,
            );
            let refresh_token = maybe_refresh(data, client, Some(subject), &scopes);
            Ok(Pending {
                issuance,
                refresh_token,
            })
        }
    }
}

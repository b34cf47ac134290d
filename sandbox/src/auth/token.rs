//! `POST /{envId}/as/token`: authorization_code (with PKCE), refresh_token (rotating),
//! client_credentials and device_code grants.

use std::collections::HashMap;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
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
        grant(&form, &mut data)
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

/// A token request whose client is authenticated.
struct Grant<'a> {
    store: &'a Store,
    data: &'a mut EnvData,
    client: Client,
    params: &'a HashMap<String, String>,
}

impl<'a> Grant<'a> {
    /// Refuses a grant the application is not configured for (`grant` as PingOne names it).
    fn allowed(&self, grant: &str, name: &str) -> OAuthResult<()> {
        require_grant(&self.client.app, grant, name)
    }

    fn param(&self, name: &str) -> OAuthResult<&'a String> {
        required(self.params, name)
    }
}

/// Refuses a grant the application is not configured for.
pub fn require_grant(app: &Map<String, Value>, grant: &str, name: &str) -> OAuthResult<()> {
    if has_grant(app, grant) {
        Ok(())
    } else {
        Err(OAuthError::unauthorized_client(format!(
            "The application does not support the {name} grant"
        )))
    }
}

/// A parameter the request must have.
pub fn required<'a>(params: &'a HashMap<String, String>, name: &str) -> OAuthResult<&'a String> {
    params
        .get(name)
        .ok_or_else(|| OAuthError::invalid_request(format!("{name} is required")))
}

fn grant(form: &OAuthForm, data: &mut EnvData) -> OAuthResult<Pending> {
    let (store, params) = (form.store(), &form.params);
    let grant_type = required(params, "grant_type")?.clone();
    let endpoint = format!("{}/token", store.issuer(&data.id));
    match grant_type.as_str() {
        "authorization_code" | "refresh_token" | "client_credentials" | DEVICE_CODE_GRANT => {}
        _ => {
            return Err(OAuthError::bad_request(
                "unsupported_grant_type",
                format!("Unsupported grant type {grant_type}"),
            ));
        }
    }
    let client = client_auth::authenticate(store, data, &form.headers, params, &endpoint)?;
    let mut grant = Grant {
        store,
        data,
        client,
        params,
    };
    match grant_type.as_str() {
        "authorization_code" => authorization_code(&mut grant),
        "refresh_token" => refresh(&mut grant),
        "client_credentials" => client_credentials(&mut grant),
        _ => device_code(&mut grant),
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

fn authorization_code(g: &mut Grant) -> OAuthResult<Pending> {
    g.allowed("AUTHORIZATION_CODE", "authorization_code")?;
    let code_value = g.param("code")?;
    // Single use: the code is gone whatever happens next.
    let code = g.data.codes.remove(code_value).ok_or_else(|| {
        OAuthError::invalid_grant("The authorization code is invalid or has already been used")
    })?;
    if code.client_id != g.client.id {
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
        && g.params.get("redirect_uri") != Some(expected)
    {
        return Err(OAuthError::invalid_grant(
            "redirect_uri does not match the authorization request",
        ));
    }
    if let Some((challenge, method)) = &code.challenge {
        let verifier = g
            .params
            .get("code_verifier")
            .ok_or_else(|| OAuthError::invalid_grant("code_verifier is required"))?;
        if !pkce_matches(verifier, challenge, method) {
            return Err(OAuthError::invalid_grant("PKCE verification failed"));
        }
    } else if g
        .client
        .app
        .get("tokenEndpointAuthMethod")
        .and_then(Value::as_str)
        == Some("NONE")
        && g.params.contains_key("code_verifier")
    {
        return Err(OAuthError::invalid_grant(
            "No code_challenge was sent with the authorization request",
        ));
    }
    let issuance = claims::issuance(
        g.store,
        g.data,
        &g.client.requester(),
        Some(&code.subject),
        &code.scopes,
        code.nonce.as_deref(),
        true,
    );
    let refresh_token = maybe_refresh(g.data, &g.client, Some(code.subject.clone()), &code.scopes);
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
    let duration = client.number("refreshTokenDuration", 2_592_000);
    let rolling = client.number("refreshTokenRollingDuration", 15_552_000);
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

fn refresh(g: &mut Grant) -> OAuthResult<Pending> {
    g.allowed("REFRESH_TOKEN", "refresh_token")?;
    let value = g.param("refresh_token")?;
    let current = g
        .data
        .refresh_tokens
        .get(value)
        .cloned()
        .ok_or_else(|| OAuthError::invalid_grant("The refresh token is invalid"))?;
    let now = clock::now();
    if current.client_id != g.client.id {
        return Err(OAuthError::invalid_grant(
            "The refresh token was issued to another client",
        ));
    }
    if current.used {
        // Replay of a rotated token: revoke the whole family.
        g.data
            .refresh_tokens
            .retain(|_, t| t.family != current.family);
        return Err(OAuthError::invalid_grant(
            "The refresh token has already been used",
        ));
    }
    if current.expires_at <= now {
        g.data.refresh_tokens.remove(value);
        return Err(OAuthError::invalid_grant("The refresh token has expired"));
    }
    if let Some(subject) = &current.subject
        && g.data.row("users", &subject.user_id).is_none()
    {
        return Err(OAuthError::invalid_grant("The user no longer exists"));
    }
    let mut scopes = current.scopes.clone();
    if let Some(requested) = g.params.get("scope").filter(|s| !s.trim().is_empty()) {
        let narrowed: Vec<String> = requested.split_whitespace().map(str::to_string).collect();
        if narrowed.iter().any(|s| !current.scopes.has(s)) {
            return Err(OAuthError::invalid_scope(
                "The requested scope exceeds the original grant",
            ));
        }
        scopes.names = narrowed;
    }
    if let Some(token) = g.data.refresh_tokens.get_mut(value) {
        token.used = true;
    }
    let duration = g.client.number("refreshTokenDuration", 2_592_000);
    let next = generate::opaque();
    g.data.refresh_tokens.insert(
        next.clone(),
        RefreshToken {
            expires_at: (now + duration).min(current.family_expires_at),
            used: false,
            scopes: scopes.clone(),
            ..current.clone()
        },
    );
    let issuance = claims::issuance(
        g.store,
        g.data,
        &g.client.requester(),
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

fn client_credentials(g: &mut Grant) -> OAuthResult<Pending> {
    g.allowed("CLIENT_CREDENTIALS", "client_credentials")?;
    let is_worker = g.client.app.get("type").and_then(Value::as_str) == Some("WORKER");
    let requested = g
        .params
        .get("scope")
        .map(String::as_str)
        .filter(|s| !s.trim().is_empty());
    let scopes = if is_worker {
        if g.data
            .children("applications.roleAssignments", &g.client.id)
            .next()
            .is_none()
        {
            return Err(OAuthError::unauthorized_client(
                "The worker application has no role assignments",
            ));
        }
        // Worker tokens reach the PingOne API through role assignments, not scopes.
        match requested {
            Some(text) => claims::resolve(g.data, &g.client.app, Some(text))
                .map_err(OAuthError::invalid_scope)?,
            None => Scopes {
                names: vec![],
                audience: vec![claims::P1_AUDIENCE.to_string()],
                resource_id: None,
                validity: 3600,
            },
        }
    } else {
        let scopes =
            claims::resolve(g.data, &g.client.app, requested).map_err(OAuthError::invalid_scope)?;
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
    let issuance = claims::issuance(
        g.store,
        g.data,
        &g.client.requester(),
        None,
        &scopes,
        None,
        false,
    );
    Ok(Pending {
        issuance,
        refresh_token: None,
    })
}

fn device_code(g: &mut Grant) -> OAuthResult<Pending> {
    g.allowed("DEVICE_CODE", "device_code")?;
    let device_code = g.param("device_code")?;
    let now = clock::now();
    let grant = g
        .data
        .device_grants
        .get_mut(device_code)
        .ok_or_else(|| OAuthError::invalid_grant("The device code is invalid"))?;
    if grant.client_id != g.client.id {
        return Err(OAuthError::invalid_grant(
            "The device code was issued to another client",
        ));
    }
    if grant.expires_at <= now {
        return Err(OAuthError::bad_request(
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
            Err(OAuthError::bad_request(
                "slow_down",
                "Polling too frequently",
            ))
        }
        DeviceState::Pending => Err(OAuthError::bad_request(
            "authorization_pending",
            "The user has not yet completed authorization",
        )),
        DeviceState::Denied => Err(OAuthError::bad_request(
            "access_denied",
            "The user denied the request",
        )),
        DeviceState::Approved(subject) => {
            let scopes = grant.scopes.clone();
            g.data.device_grants.remove(device_code);
            let issuance = claims::issuance(
                g.store,
                g.data,
                &g.client.requester(),
                Some(&subject),
                &scopes,
                None,
                true,
            );
            let refresh_token = maybe_refresh(g.data, &g.client, Some(subject), &scopes);
            Ok(Pending {
                issuance,
                refresh_token,
            })
        }
    }
}

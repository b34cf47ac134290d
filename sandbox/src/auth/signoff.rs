//! `GET|POST /{envId}/as/signoff` ends the SSO session; `POST /{envId}/as/revoke` revokes
//! refresh tokens and access tokens (RFC 7009).

use std::collections::HashMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;

use crate::auth::client_auth;
use crate::auth::resume::redirect;
use crate::auth::session::SESSION_COOKIE;
use crate::error::{ApiError, Detail, OAuthError};
use crate::request::{EnvPost, EnvRequest, OAuthForm};
use crate::server::{cookies, form};

pub async fn signoff_get(req: EnvRequest) -> Response {
    signoff(&req, &req.query)
}

pub async fn signoff_post(post: EnvPost) -> Response {
    signoff(&post, &form(&post.body))
}

fn signoff(req: &EnvRequest, params: &HashMap<String, String>) -> Response {
    let (store, env_id) = (req.store(), req.env_id.as_str());
    let mut data = req.env.write();
    let jar = cookies(&req.headers);
    let session_user = jar
        .get(SESSION_COOKIE)
        .and_then(|t| data.sessions.get(t))
        .map(|s| s.user_id.clone());
    let mut app_id = params.get("client_id").cloned();
    if let Some(hint) = params.get("id_token_hint") {
        // An expired hint is still accepted; the signature and issuer are not negotiable.
        let Some(claims) = store.keys.verify(hint) else {
            return ApiError::invalid_value("id_token_hint", "The id_token_hint is invalid")
                .into_response();
        };
        if claims.get("iss").and_then(Value::as_str) != Some(store.issuer(env_id).as_str()) {
            return ApiError::invalid_value(
                "id_token_hint",
                "The id_token_hint was issued by another environment",
            )
            .into_response();
        }
        let aud = claims
            .get("aud")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let enabled = data
            .body("applications", &aud)
            .is_some_and(|a| a.get("enabled").and_then(Value::as_bool) != Some(false));
        if !enabled {
            return ApiError::invalid_value(
                "id_token_hint",
                "The id_token_hint's application does not exist or is disabled",
            )
            .into_response();
        }
        let sub = claims.get("sub").and_then(Value::as_str);
        if session_user.is_some() && session_user.as_deref() != sub {
            return ApiError::invalid_value(
                "id_token_hint",
                "The id_token_hint belongs to another user",
            )
            .into_response();
        }
        app_id = Some(aud);
    }
    let clear = format!("{SESSION_COOKIE}=; Path=/{env_id}; HttpOnly; Max-Age=0");
    let mut response = match params.get("post_logout_redirect_uri") {
        Some(uri) => {
            let allowed = app_id
                .as_deref()
                .and_then(|id| data.body("applications", id))
                .and_then(|a| a.get("postLogoutRedirectUris"))
                .and_then(Value::as_array)
                .is_some_and(|uris| uris.iter().any(|u| u.as_str() == Some(uri.as_str())));
            if !allowed {
                return ApiError::invalid_data(vec![Detail::invalid("post_logout_redirect_uri", "post_logout_redirect_uri is not registered for the application")])
                    .into_response();
            }
            let location = match params.get("state") {
                Some(s) => {
                    let separator = if uri.contains('?') { '&' } else { '?' };
                    let encoded: String = url::form_urlencoded::byte_serialize(s.as_bytes()).collect();
                    format!("{uri}{separator}state={encoded}")
                }
                None => uri.clone(),
            };
            redirect(&location)
        }
        None => Html("<!DOCTYPE html><html><head><title>Signed off</title></head><body><p>You have been signed off.</p></body></html>").into_response(),
    };
    // Only an accepted request ends the session: a refused one leaves it as it was.
    if let Some(token) = jar.get(SESSION_COOKIE) {
        data.sessions.remove(token);
    }
    if let Ok(value) = HeaderValue::from_str(&clear) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `POST /{envId}/as/revoke`
pub async fn revoke(form: OAuthForm) -> Response {
    let (store, params) = (form.store(), &form.params);
    let mut data = form.env.write();
    let endpoint = format!("{}/revoke", store.issuer(&form.env_id));
    let client = match client_auth::authenticate(store, &mut data, &form.headers, params, &endpoint)
    {
        Ok(client) => client,
        Err(err) => return err.into_response(),
    };
    let Some(token) = params.get("token") else {
        return OAuthError::invalid_request("token is required").into_response();
    };
    if let Some(refresh) = data.refresh_tokens.get(token).cloned() {
        if refresh.client_id == client.id {
            data.refresh_tokens
                .retain(|_, t| t.family != refresh.family);
        }
    } else if let Some(claims) = store.keys.verify(token)
        && claims.get("client_id").and_then(Value::as_str) == Some(client.id.as_str())
        && let Some(jti) = claims.get("jti").and_then(Value::as_str)
    {
        data.revoked.insert(jti.to_string());
    }
    StatusCode::OK.into_response()
}

//! `GET|POST /{envId}/as/userinfo`: claims of the user behind an access token with `openid`.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::auth::claims::{self, Scopes};
use crate::error::ApiError;
use crate::request::EnvPost;
use crate::server::form;

pub async fn userinfo(post: EnvPost) -> Response {
    let headers = &post.headers;
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_string());
    let Some(token) = from_header.or_else(|| form(&post.body).get("access_token").cloned()) else {
        return ApiError::invalid_token().into_response();
    };
    let store = post.store();
    let Some(claims) = store.keys.verify(&token) else {
        return ApiError::invalid_token().into_response();
    };
    let data = post.env.read();
    if !claims::in_force(store, &data, &claims) {
        return ApiError::invalid_token().into_response();
    }
    // Only user tokens carrying `openid` reach userinfo (client credentials tokens have no subject).
    let Some(user_id) = claims.get("sub").and_then(Value::as_str) else {
        return ApiError::forbidden(
            "The access token has no user; userinfo requires a user-based grant",
        )
        .into_response();
    };
    let names: Vec<String> = claims
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if !names.iter().any(|n| n == "openid") {
        return ApiError::forbidden("The access token lacks the openid scope").into_response();
    }
    if data.row("users", user_id).is_none() {
        return ApiError::invalid_token().into_response();
    }
    let app_id = claims
        .get("client_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let scopes = Scopes {
        names,
        audience: vec![],
        resource_id: None,
        validity: 0,
    };
    (
        StatusCode::OK,
        Json(Value::Object(claims::userinfo_claims(
            &data, user_id, app_id, &scopes,
        ))),
    )
        .into_response()
}

//! OpenID Provider metadata (`/{envId}/as/.well-known/openid-configuration`).

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::auth::token::DEVICE_CODE_GRANT;
use crate::request::EnvRequest;

pub async fn configuration(req: EnvRequest) -> Response {
    let issuer = req.store().issuer(&req.env_id);
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/jwks"),
        "end_session_endpoint": format!("{issuer}/signoff"),
        "introspection_endpoint": format!("{issuer}/introspect"),
        "revocation_endpoint": format!("{issuer}/revoke"),
        "device_authorization_endpoint": format!("{issuer}/device_authorization"),
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "require_pushed_authorization_requests": false,
        "scopes_supported": ["openid", "profile", "email", "address", "phone", "offline_access"],
        "response_types_supported": ["code", "id_token", "token id_token", "code id_token", "code token", "code token id_token"],
        "response_modes_supported": ["pi.flow", "query", "fragment", "form_post"],
        "grant_types_supported": ["authorization_code", "implicit", "client_credentials", "refresh_token", DEVICE_CODE_GRANT],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"],
        "code_challenge_methods_supported": ["plain", "S256"],
        "claims_supported": ["sub", "iss", "auth_time", "acr", "amr", "name", "given_name", "family_name", "middle_name", "preferred_username", "nickname", "picture", "zoneinfo", "locale", "updated_at", "email", "email_verified", "address", "phone_number", "phone_number_verified", "env", "org", "p1.region", "sid"],
    }))
    .into_response()
}

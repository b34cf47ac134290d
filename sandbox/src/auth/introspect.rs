//! `POST /{envId}/as/introspect` (RFC 7662), authenticated by a resource's credentials
//! (id + resource secret) or by an application's own client authentication.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::auth::claims;
use crate::auth::client_auth::{self, Presented};
use crate::auth::token::required;
use crate::clock;
use crate::error::{OAuthError, OAuthResult};
use crate::request::OAuthForm;
use crate::store::{EnvData, Store, constant_eq};

/// Who asked: a resource (sees only tokens for its audience) or an application.
enum Caller {
    Resource { audience: String },
    Application,
}

pub async fn introspect(form: OAuthForm) -> Response {
    let (store, params) = (form.store(), &form.params);
    let mut data = form.env.write();
    let result = authenticate(&form, &mut data).and_then(|caller| {
        let token = required(params, "token")?;
        Ok(inspect(store, &data, token, &caller))
    });
    match result {
        Ok(body) => (StatusCode::OK, Json(Value::Object(body))).into_response(),
        Err(err) => err.into_response(),
    }
}

fn authenticate(form: &OAuthForm, data: &mut EnvData) -> OAuthResult<Caller> {
    let store = form.store();
    let presented = client_auth::presented(&form.headers, &form.params)?;
    let id = presented.client_id().to_string();
    if let Some(resource) = data.body("resources", &id).cloned() {
        let method = resource
            .get("introspectEndpointAuthMethod")
            .and_then(Value::as_str)
            .unwrap_or("CLIENT_SECRET_BASIC");
        let secret = data.resource_secrets.get(&id);
        let ok = match (&presented, method) {
            (_, "NONE") => true,
            (Presented::Basic { secret: given, .. }, "CLIENT_SECRET_BASIC")
            | (Presented::Post { secret: given, .. }, "CLIENT_SECRET_POST") => {
                secret.is_some_and(|s| constant_eq(s, given))
            }
            _ => false,
        };
        if !ok {
            return Err(OAuthError::invalid_client("Resource authentication failed"));
        }
        let audience = resource
            .get("audience")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        return Ok(Caller::Resource { audience });
    }
    let endpoint = format!("{}/introspect", store.issuer(&data.id));
    client_auth::verify(store, data, presented, &endpoint)?;
    Ok(Caller::Application)
}

fn inactive() -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("active".into(), json!(false));
    out
}

fn inspect(store: &Store, data: &EnvData, token: &str, caller: &Caller) -> Map<String, Value> {
    let now = clock::now();
    if let Some(refresh) = data.refresh_tokens.get(token) {
        if refresh.used || refresh.expires_at <= now {
            return inactive();
        }
        let mut out = Map::new();
        out.insert("active".into(), json!(true));
        out.insert("token_type".into(), json!("refresh_token"));
        out.insert("client_id".into(), json!(refresh.client_id));
        out.insert("scope".into(), json!(refresh.scopes.joined()));
        out.insert("exp".into(), json!(refresh.expires_at));
        if let Some(subject) = &refresh.subject {
            out.insert("sub".into(), json!(subject.user_id));
        }
        return out;
    }
    let Some(claims) = store.keys.verify(token) else {
        return inactive();
    };
    // ID tokens are not access tokens.
    let is_access = claims.contains_key("client_id");
    if !claims::in_force(store, data, &claims) || !is_access {
        return inactive();
    }
    if let Caller::Resource { audience } = caller
        && !claims::has_audience(&claims, audience)
    {
        return inactive();
    }
    let mut out = Map::new();
    out.insert("active".into(), json!(true));
    out.insert("token_type".into(), json!("Bearer"));
    out.extend(claims);
    out
}

//! `GET|POST /{envId}/as/authorize`: validates the OAuth request, starts a flow under the
//! application's sign-on policy, and redirects to the sign-on page (or, with
//! `response_mode=pi.flow`, returns the flow JSON).

use std::collections::HashMap;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::auth::claims;
use crate::auth::davinci;
use crate::auth::flows::{self, AuthRequest, Flow, Purpose};
use crate::auth::request_jwt::{self, Kind};
use crate::auth::resume::{self, deliver, error_params, redirect};
use crate::auth::session::{self, SESSION_COOKIE};
use crate::clock;
use crate::error::{ApiError, Detail};
use crate::management::crud::strings;
use crate::request::{EnvPost, EnvRequest};
use crate::server::{cookies, form};
use crate::store::{EnvData, Store};

pub async fn get(req: EnvRequest) -> Response {
    authorize(&req, &req.query)
}

pub async fn post(post: EnvPost) -> Response {
    authorize(&post, &form(&post.body))
}

/// Exact match, or `*` wildcards when the application allows them.
fn redirect_allowed(app: &Map<String, Value>, uri: &str) -> bool {
    let wildcard = app
        .get("allowWildcardInRedirectUris")
        .and_then(Value::as_bool)
        == Some(true);
    strings(app, "redirectUris").iter().any(|registered| {
        registered == uri
            || (wildcard && registered.contains('*') && wildcard_match(registered, uri))
    })
}

fn wildcard_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(pos) => rest = &rest[pos + part.len()..],
                None => return false,
            }
        }
    }
    rest.is_empty()
}

fn bad_request(target: &str, message: &str) -> Response {
    ApiError::invalid_data(vec![Detail::invalid(target, message)]).into_response()
}

fn authorize(req: &EnvRequest, params: &HashMap<String, String>) -> Response {
    let (store, env_id, headers) = (req.store(), req.env_id.as_str(), &req.headers);
    let mut data = req.env.write();
    let Some(client_id) = params.get("client_id") else {
        return ApiError::invalid_data(vec![Detail::required("client_id")]).into_response();
    };
    let Some(app) = data
        .body("applications", client_id)
        .filter(|a| a.get("protocol").and_then(Value::as_str) == Some("OPENID_CONNECT"))
        .cloned()
    else {
        return bad_request("client_id", "Unknown client_id");
    };
    if app.get("enabled").and_then(Value::as_bool) == Some(false) {
        return bad_request("client_id", "The application is disabled");
    }
    let mode = params.get("response_mode").cloned();
    let pi_flow = mode.as_deref() == Some("pi.flow");
    let redirect_uri = params.get("redirect_uri").cloned();
    let target_uri = match &redirect_uri {
        Some(uri) if redirect_allowed(&app, uri) => Some(uri.clone()),
        Some(_) => {
            return bad_request(
                "redirect_uri",
                "redirect_uri does not match a registered redirect URI",
            );
        }
        None if pi_flow => None,
        None => {
            return ApiError::invalid_data(vec![Detail::required("redirect_uri")]).into_response();
        }
    };
    // From here on, errors go back to the client.
    let oauth_state = params.get("state").cloned();
    let response_types: Vec<String> = params
        .get("response_type")
        .map(|r| r.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    let default_mode = if response_types
        .iter()
        .any(|t| t == "token" || t == "id_token")
    {
        "fragment"
    } else {
        "query"
    };
    let response_mode = mode.clone().unwrap_or_else(|| default_mode.to_string());
    let mut request = AuthRequest {
        response_types: response_types.clone(),
        redirect_uri: redirect_uri.clone(),
        target_uri,
        response_mode: response_mode.clone(),
        scopes: claims::Scopes {
            names: vec![],
            audience: vec![],
            resource_id: None,
            validity: 3600,
        },
        state: oauth_state.clone(),
        nonce: params.get("nonce").cloned(),
        challenge: None,
        template: None,
    };
    let fail = |request: &AuthRequest, error: &str, description: &str| -> Response {
        if request.response_mode == "pi.flow" {
            let body = serde_json::json!({"error": error, "error_description": description, "state": request.state});
            return (StatusCode::BAD_REQUEST, Json(body)).into_response();
        }
        let mut safe = request.clone();
        if !matches!(
            safe.response_mode.as_str(),
            "query" | "fragment" | "form_post"
        ) {
            safe.response_mode = "query".into();
        }
        deliver(
            &safe,
            &error_params(error, description, request.state.as_ref()),
        )
    };
    if !matches!(
        response_mode.as_str(),
        "query" | "fragment" | "form_post" | "pi.flow"
    ) {
        return fail(&request, "invalid_request", "Unsupported response_mode");
    }
    let issuer = store.issuer(env_id);
    // A signed request object's parameters replace those of the query.
    let mut params = params.clone();
    if let Some(jwt) = params.get("request").cloned() {
        let claims = match request_jwt::verify(&data, &app, &issuer, &jwt, Kind::RequestObject) {
            Ok(claims) => claims,
            Err(message) => return fail(&request, "invalid_request_object", &message),
        };
        request.template = claims.get("pi.template").filter(|t| t.is_object()).cloned();
        for (name, value) in claims {
            let value = match value {
                Value::String(text) => text,
                Value::Number(number) => number.to_string(),
                _ => continue,
            };
            match name.as_str() {
                "iss" | "aud" | "exp" | "iat" | "nbf" | "jti" | "sub" | "request"
                | "request_uri" => {}
                // These chose the client and where errors go: they must agree.
                "client_id" | "response_type" | "redirect_uri" | "response_mode" => {
                    if params.get(&name).is_some_and(|given| *given != value) {
                        return fail(
                            &request,
                            "invalid_request_object",
                            &format!("The request object's {name} does not match the request"),
                        );
                    }
                }
                _ => {
                    params.insert(name, value);
                }
            }
        }
        request.state = params.get("state").cloned();
        request.nonce = params.get("nonce").cloned();
    }
    let params = &params;
    if response_types.is_empty()
        || response_types
            .iter()
            .any(|t| !matches!(t.as_str(), "code" | "token" | "id_token"))
    {
        return fail(
            &request,
            "unsupported_response_type",
            "response_type must be code, token, id_token or a combination",
        );
    }
    let allowed_types = strings(&app, "responseTypes");
    if response_types
        .iter()
        .any(|t| !allowed_types.contains(&t.to_ascii_uppercase()))
    {
        return fail(
            &request,
            "unsupported_response_type",
            "The application does not allow this response_type",
        );
    }
    let grants = strings(&app, "grantTypes");
    let has_code = response_types.iter().any(|t| t == "code");
    if (has_code && !grants.iter().any(|g| g == "AUTHORIZATION_CODE"))
        || (!has_code && !grants.iter().any(|g| g == "IMPLICIT"))
    {
        return fail(
            &request,
            "unauthorized_client",
            "The application is not allowed this grant",
        );
    }
    if response_mode == "query" && response_types.iter().any(|t| t != "code") {
        return fail(
            &request,
            "invalid_request",
            "Tokens cannot be returned in the query",
        );
    }
    let scope_text = params
        .get("scope")
        .cloned()
        .unwrap_or_else(|| "openid".to_string());
    let scopes = match claims::resolve(&data, &app, Some(&scope_text)) {
        Ok(scopes) => scopes,
        Err(message) => return fail(&request, "invalid_scope", &message),
    };
    if response_types.iter().any(|t| t == "id_token") {
        if !scopes.has("openid") {
            return fail(
                &request,
                "invalid_scope",
                "id_token requires the openid scope",
            );
        }
        if !has_code && request.nonce.is_none() {
            return fail(
                &request,
                "invalid_request",
                "nonce is required for implicit id_token requests",
            );
        }
    }
    request.scopes = scopes;
    let enforcement = app
        .get("pkceEnforcement")
        .and_then(Value::as_str)
        .unwrap_or("OPTIONAL");
    match (
        params.get("code_challenge"),
        params.get("code_challenge_method").map(String::as_str),
    ) {
        (Some(challenge), method) => {
            let method = method.unwrap_or("plain");
            if method != "S256" && method != "plain" {
                return fail(
                    &request,
                    "invalid_request",
                    "code_challenge_method must be S256 or plain",
                );
            }
            if enforcement == "S256_REQUIRED" && method != "S256" {
                return fail(
                    &request,
                    "invalid_request",
                    "code_challenge_method must be S256",
                );
            }
            if !(43..=128).contains(&challenge.len()) {
                return fail(
                    &request,
                    "invalid_request",
                    "code_challenge must be 43 to 128 characters",
                );
            }
            request.challenge = Some((challenge.clone(), method.to_string()));
        }
        (None, _) if has_code && enforcement != "OPTIONAL" => {
            return fail(&request, "invalid_request", "code_challenge is required");
        }
        (None, _) => {}
    }
    let hinted = match identify_hint(&data, &app, &issuer, params) {
        Ok(hinted) => hinted,
        Err(message) => return fail(&request, "invalid_request", &message),
    };
    // An assigned DaVinci flow policy runs instead of a sign-on policy.
    let acr_values = params.get("acr_values").map(String::as_str);
    if let Some((policy_id, policy_name)) = davinci::assigned_policy(&data, client_id, acr_values) {
        if prompt_of(params) == "none" {
            return fail(&request, "login_required", "The user must sign on");
        }
        let mut flow = Flow::new(
            client_id,
            Purpose::Authorize(Box::new(request.clone())),
            policy_name,
            davinci::sign_on_actions(),
        );
        flow.user_id = hinted;
        return davinci::start(store, &mut data, flow, policy_id, headers);
    }
    let (policy_name, actions) = flows::policy_for(
        &data,
        client_id,
        params.get("acr_values").map(String::as_str),
    );
    let mut flow = Flow::new(
        client_id,
        Purpose::Authorize(Box::new(request.clone())),
        policy_name,
        actions,
    );
    let prompt = prompt_of(params);
    let jar = cookies(headers);
    let max_age = params.get("max_age").and_then(|m| m.parse::<u64>().ok());
    if prompt != "login"
        && let Some(token) = jar.get(SESSION_COOKIE)
        && let Some(existing) = session::live(&data, Some(token))
        && max_age.is_none_or(|age| existing.auth_time + age >= clock::now())
    {
        let existing = existing.clone();
        flow.adopt_session(token, &existing);
    }
    if let Some(hint) = hinted {
        if flow.user_id.as_ref().is_some_and(|u| *u != hint) {
            // A different user than the session's: start over for the hinted user.
            flow = Flow {
                user_id: None,
                authenticated: false,
                session_token: None,
                session_id: None,
                amr: vec![],
                ..flow
            };
        }
        flow.user_id = Some(hint);
    }
    flows::advance(&mut data, &mut flow);
    if prompt == "none" && flow.status != "COMPLETED" {
        return fail(&request, "login_required", "The user must sign on");
    }
    purge(&mut data);
    if flow.status == "COMPLETED" {
        match resume::authorize_response(store, &mut data, &flow) {
            Ok(response) => {
                if pi_flow {
                    flow.authorize_response = Some(response);
                } else {
                    let mut out = deliver(&request, &response);
                    flows::append_cookies(out.headers_mut(), env_id, &mut flow);
                    return out;
                }
            }
            Err(err) => return err.into_response(),
        }
    }
    let response = if pi_flow {
        flows::respond(store, &data, &mut flow)
    } else {
        let location = sign_on_page(store, &app, env_id, &flow.id);
        let mut out = redirect(&location);
        flows::append_cookies(out.headers_mut(), env_id, &mut flow);
        out
    };
    data.flows.insert(flow.id.clone(), flow);
    response
}

fn prompt_of(params: &HashMap<String, String>) -> &str {
    params.get("prompt").map(String::as_str).unwrap_or_default()
}

/// The user named by a `login_hint_token` (verified; refused when invalid or when it
/// names no user), else by `login_hint` (a username or user id; ignored when unknown).
fn identify_hint(
    data: &EnvData,
    app: &Map<String, Value>,
    issuer: &str,
    params: &HashMap<String, String>,
) -> Result<Option<String>, String> {
    if let Some(token) = params.get("login_hint_token") {
        let claims = request_jwt::verify(data, app, issuer, token, Kind::LoginHintToken)?;
        return request_jwt::hinted_user(data, &claims).map(Some);
    }
    Ok(params.get("login_hint").and_then(|hint| {
        data.user_by_username(hint)
            .map(|(id, _)| id.clone())
            .or_else(|| data.row("users", hint).map(|_| hint.clone()))
    }))
}

/// Drops expired flows, codes and sessions once the maps grow.
pub fn purge(data: &mut EnvData) {
    let now = clock::now();
    if data.flows.len() > 4096 {
        data.flows.retain(|_, f| f.expires_at > now);
    }
    if data.sessions.len() > 4096 {
        data.sessions.retain(|_, s| s.expires_at > now);
    }
    if data.codes.len() > 4096 {
        data.codes.retain(|_, c| c.expires_at > now);
    }
}

/// Where the browser goes to work on a flow: the application's `loginPageUrl`
/// (with `environmentId` and `flowId`) or the hosted sign-on page.
pub fn sign_on_page(
    store: &Store,
    app: &Map<String, Value>,
    env_id: &str,
    flow_id: &str,
) -> String {
    match app
        .get("loginPageUrl")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
    {
        Some(page) => {
            let separator = if page.contains('?') { '&' } else { '?' };
            format!("{page}{separator}environmentId={env_id}&flowId={flow_id}")
        }
        None => format!("{}/{env_id}/signon/?flowId={flow_id}", store.base_url),
    }
}

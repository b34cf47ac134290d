//! `GET /{envId}/as/resume?flowId=...`: turns a completed flow into the authorization
//! response (code and/or tokens) delivered per `response_mode`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::auth::claims;
use crate::auth::flows::{self, AuthRequest, Flow, Purpose};
use crate::auth::session::SESSION_COOKIE;
use crate::auth::token::{AuthCode, CODE_SECONDS};
use crate::clock;
use crate::error::{ApiError, ApiResult, Detail};
use crate::generate;
use crate::request::EnvRequest;
use crate::server::cookies;
use crate::store::{EnvData, Store};

/// Mints the authorization response of a completed flow: a code (bound to client,
/// redirect URI, PKCE challenge) and/or tokens for implicit and hybrid response types.
pub fn authorize_response(
    store: &Store,
    data: &mut EnvData,
    flow: &Flow,
) -> ApiResult<Map<String, Value>> {
    let Purpose::Authorize(request) = &flow.purpose else {
        return Ok(Map::new());
    };
    let subject = flow.subject().ok_or_else(ApiError::not_found)?;
    let mut out = Map::new();
    let wants = |t: &str| request.response_types.iter().any(|r| r == t);
    let mut code = None;
    if wants("code") {
        let value = generate::opaque();
        data.codes.retain(|_, c| c.expires_at > clock::now());
        data.codes.insert(
            value.clone(),
            AuthCode {
                client_id: flow.app_id.clone(),
                redirect_uri: request.redirect_uri.clone(),
                scopes: request.scopes.clone(),
                subject: subject.clone(),
                nonce: request.nonce.clone(),
                challenge: request.challenge.clone(),
                expires_at: clock::now() + CODE_SECONDS,
            },
        );
        out.insert("code".into(), json!(value));
        code = Some(value);
    }
    if wants("token") || wants("id_token") {
        let issuance = claims::issuance(
            store,
            data,
            &claims::Requester::app(&flow.app_id),
            Some(&subject),
            &request.scopes,
            request.nonce.as_deref(),
            wants("id_token"),
        );
        let signed =
            claims::sign(store, issuance, code.as_deref(), wants("token")).map_err(|_| {
                ApiError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    code: "UNEXPECTED_ERROR",
                    message: "Token signing failed".into(),
                    details: vec![],
                }
            })?;
        if wants("token") {
            out.insert("access_token".into(), json!(signed.access_token));
            out.insert("token_type".into(), json!("Bearer"));
            out.insert("expires_in".into(), json!(signed.expires_in));
            out.insert("scope".into(), json!(signed.scope));
        }
        if let Some(id_token) = signed.id_token.filter(|_| wants("id_token")) {
            out.insert("id_token".into(), json!(id_token));
        }
    }
    if let Some(state) = &request.state {
        out.insert("state".into(), json!(state));
    }
    Ok(out)
}

fn encode(params: &Map<String, Value>) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        match v {
            Value::String(s) => serializer.append_pair(k, s),
            other => serializer.append_pair(k, &other.to_string()),
        };
    }
    serializer.finish()
}

/// Delivers an authorization response (or error) to the client per response mode.
pub fn deliver(request: &AuthRequest, params: &Map<String, Value>) -> Response {
    let Some(target) = &request.target_uri else {
        return ApiError::invalid_data(vec![Detail::required("redirect_uri")]).into_response();
    };
    match request.response_mode.as_str() {
        "form_post" => {
            let inputs: String = params
                .iter()
                .map(|(k, v)| {
                    let value = v
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string());
                    format!(
                        "<input type=\"hidden\" name=\"{}\" value=\"{}\"/>",
                        html_escape(k),
                        html_escape(&value)
                    )
                })
                .collect();
            Html(format!(
                "<!DOCTYPE html><html><body onload=\"document.forms[0].submit()\"><form method=\"post\" action=\"{}\">{inputs}<noscript><button type=\"submit\">Continue</button></noscript></form></body></html>",
                html_escape(target)
            ))
            .into_response()
        }
        mode => {
            let separator = if mode == "fragment" {
                '#'
            } else if target.contains('?') {
                '&'
            } else {
                '?'
            };
            redirect(&format!("{target}{separator}{}", encode(params)))
        }
    }
}

pub fn redirect(location: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

pub fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// OAuth error parameters for the redirect URI.
pub fn error_params(error: &str, description: &str, state: Option<&String>) -> Map<String, Value> {
    let mut params = Map::new();
    params.insert("error".into(), json!(error));
    params.insert("error_description".into(), json!(description));
    if let Some(state) = state {
        params.insert("state".into(), json!(state));
    }
    params
}

/// The live flow the request's `flowId` names (a copy), or the answer refusing it.
#[allow(clippy::result_large_err)]
pub fn resumed_flow(req: &EnvRequest, data: &EnvData) -> Result<Flow, Response> {
    let Some(flow_id) = req.query.get("flowId") else {
        return Err(ApiError::invalid_data(vec![Detail::required("flowId")]).into_response());
    };
    let now = clock::now();
    data.flows
        .get(flow_id)
        .filter(|f| f.expires_at > now)
        .cloned()
        .ok_or_else(|| ApiError::not_found().into_response())
}

/// Whether the browser holds the session of the flow (only it may collect the result).
pub fn holds_session(flow: &Flow, headers: &axum::http::HeaderMap) -> bool {
    match (&flow.session_token, cookies(headers).get(SESSION_COOKIE)) {
        (Some(expected), Some(presented)) => crate::store::constant_eq(expected, presented),
        _ => false,
    }
}

/// `GET /{envId}/as/resume`
pub async fn resume(req: EnvRequest) -> Response {
    let (store, env_id) = (req.store(), req.env_id.as_str());
    let mut data = req.env.write();
    let mut flow = match resumed_flow(&req, &data) {
        Ok(flow) => flow,
        Err(response) => return response,
    };
    let flow_id = &flow.id.clone();
    let Purpose::Authorize(request) = flow.purpose.clone() else {
        return ApiError::invalid_request("The flow is not an authorization flow").into_response();
    };
    match flow.status.as_str() {
        "COMPLETED" => {}
        "FAILED" => {
            data.flows.remove(flow_id);
            let (_, message) = flow.error.clone().unwrap_or_default();
            return deliver(
                &request,
                &error_params("access_denied", &message, request.state.as_ref()),
            );
        }
        _ => {
            return redirect(&format!(
                "{}/{env_id}/signon/?flowId={flow_id}",
                store.base_url
            ));
        }
    }
    // Only the browser holding the flow's session may collect its result.
    if !holds_session(&flow, &req.headers) {
        return ApiError::invalid_token().into_response();
    }
    let response = match flow.authorize_response.clone() {
        Some(response) => response,
        None => match authorize_response(store, &mut data, &flow) {
            Ok(response) => response,
            Err(err) => return err.into_response(),
        },
    };
    data.flows.remove(flow_id);
    if request.response_mode == "pi.flow" {
        flow.authorize_response = Some(response);
        return (StatusCode::OK, Json(flows::render(store, &data, &flow))).into_response();
    }
    deliver(&request, &response)
}

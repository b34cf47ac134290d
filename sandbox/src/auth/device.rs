//! Device authorization grant: `POST /{envId}/as/device_authorization` on the device,
//! and the user side `GET /{envId}/device[/{appIdentifier}]` that starts a DAG flow.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::auth::claims::{self, Scopes, Subject};
use crate::auth::client_auth;
use crate::auth::flows::{self, Flow, Purpose};
use crate::auth::resume::redirect;
use crate::auth::token::require_grant;
use crate::clock;
use crate::error::{OAuthError, OAuthResult};
use crate::generate;
use crate::request::{EnvRequest, OAuthForm};
use crate::store::EnvData;

#[derive(Debug, Clone)]
pub enum DeviceState {
    Pending,
    Approved(Subject),
    Denied,
}

#[derive(Debug, Clone)]
pub struct DeviceGrant {
    pub client_id: String,
    pub user_code: String,
    pub scopes: Scopes,
    pub expires_at: u64,
    pub interval: u64,
    pub last_poll: Option<u64>,
    pub state: DeviceState,
}

/// `POST /{envId}/as/device_authorization`
pub async fn device_authorization(form: OAuthForm) -> Response {
    let mut data = form.env.write();
    match start(&form, &mut data) {
        Ok(body) => (StatusCode::OK, Json(body)).into_response(),
        Err(err) => err.into_response(),
    }
}

fn start(form: &OAuthForm, data: &mut EnvData) -> OAuthResult<Value> {
    let (store, params) = (form.store(), &form.params);
    let endpoint = format!("{}/device_authorization", store.issuer(&data.id));
    let client = client_auth::authenticate(store, data, &form.headers, params, &endpoint)?;
    require_grant(&client.app, "DEVICE_CODE", "device_code")?;
    let scope_text = params
        .get("scope")
        .cloned()
        .unwrap_or_else(|| "openid".to_string());
    let scopes =
        claims::resolve(data, &client.app, Some(&scope_text)).map_err(OAuthError::invalid_scope)?;
    let timeout = client.number("deviceTimeout", 600);
    let interval = client.number("devicePollingInterval", 5);
    let device_code = generate::id();
    let user_code = generate::user_code();
    let now = clock::now();
    data.device_grants.retain(|_, g| g.expires_at > now);
    data.device_grants.insert(
        device_code.clone(),
        DeviceGrant {
            client_id: client.id.clone(),
            user_code: user_code.clone(),
            scopes,
            expires_at: now + timeout,
            interval,
            last_poll: None,
            state: DeviceState::Pending,
        },
    );
    let path_id = client
        .app
        .get("devicePathId")
        .and_then(Value::as_str)
        .unwrap_or(&client.id)
        .to_string();
    let verification_uri = client
        .app
        .get("deviceCustomVerificationUri")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("{}/{}/device/{path_id}", store.base_url, data.id));
    Ok(json!({
        "device_code": device_code,
        "user_code": user_code,
        "verification_uri": verification_uri,
        "verification_uri_complete": format!("{verification_uri}?user_code={user_code}"),
        "expires_in": timeout,
        "interval": interval,
    }))
}

pub async fn user_start(req: EnvRequest) -> Response {
    begin(&req, None)
}

pub async fn user_start_for_app(req: EnvRequest) -> Response {
    begin(&req, Some(req.path("app")))
}

/// Starts the user side of a device grant: a flow asking for the user code (skipped when
/// `user_code` is in the query and valid), then the app's sign-on policy and consent. At
/// `/{envId}/device` the user signs on first and types the code after.
fn begin(req: &EnvRequest, app_identifier: Option<&str>) -> Response {
    let (store, env_id, params) = (req.store(), req.env_id.as_str(), &req.query);
    let mut data = req.env.write();
    let app_id = match app_identifier {
        None => String::new(),
        Some(identifier) => {
            let found = data.rows("applications").find(|(id, row)| {
                *id == identifier
                    || row.body.get("devicePathId").and_then(Value::as_str) == Some(identifier)
            });
            match found {
                Some((id, _)) => id.clone(),
                None => return crate::error::ApiError::not_found().into_response(),
            }
        }
    };
    // Without an application to go by, the user signs on under the environment's default
    // policy before typing the user code; the code then brings in the app's policy.
    let (policy_name, actions) = match app_identifier {
        None => flows::policy_for(&data, "", None),
        Some(_) => (String::new(), Vec::new()),
    };
    let mut flow = Flow::new(&app_id, Purpose::Device, policy_name, actions);
    if let Some(code) = params.get("user_code") {
        let _ = flows::bind_user_code(&mut data, &mut flow, code);
    }
    flows::advance(&mut data, &mut flow);
    let response = if params.get("response_mode").map(String::as_str) == Some("pi.flow") {
        flows::respond(store, &data, &mut flow)
    } else {
        let mut out = redirect(&format!(
            "{}/{env_id}/signon/?flowId={}",
            store.base_url, flow.id
        ));
        flows::append_cookies(out.headers_mut(), env_id, &mut flow);
        out
    };
    data.flows.insert(flow.id.clone(), flow);
    response
}

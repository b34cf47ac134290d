//! PingOne as a SAML IdP: `/{envId}/saml20/idp/sso` (SP-initiated, HTTP-Redirect and
//! HTTP-POST bindings) starts a flow under the application's sign-on policy, and
//! `/{envId}/saml20/resume?flowId=...` answers the completed flow with the auto-post
//! form carrying the signed `SAMLResponse` to the ACS URL.

use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::authn_request::{self, Binding};
use super::post_binding::autopost;
use super::response::{self, Issued};
use super::signing_keys;
use crate::auth::authorize::{purge, sign_on_page};
use crate::auth::flows::{self, Flow, Purpose};
use crate::auth::resume::{holds_session, redirect, resumed_flow};
use crate::auth::session::{self, SESSION_COOKIE};
use crate::clock;
use crate::error::{ApiError, Detail};
use crate::management::crud::strings;
use crate::request::{EnvPost, EnvRequest};
use crate::server::{content_type, cookies, form};
use crate::store::{EnvData, Store};

/// How long an AuthnRequest (or, at the ACS, an assertion) ID stays refused after its first use.
pub const REPLAY_SECONDS: u64 = 3600;

/// The SP request a SAML flow answers.
#[derive(Debug, Clone)]
pub struct SamlRequest {
    pub request_id: String,
    pub sp_entity_id: String,
    pub acs_url: String,
    pub relay_state: Option<String>,
}

/// The IdP's entity id: the environment on the auth host.
pub fn entity_id(store: &Store, env_id: &str) -> String {
    format!("{}/{env_id}", store.base_url)
}

fn bad(target: &str, message: impl Into<String>) -> Response {
    ApiError::invalid_data(vec![Detail::invalid(target, message)]).into_response()
}

/// `GET /{envId}/saml20/idp/sso?SAMLRequest=...` (HTTP-Redirect binding)
pub async fn sso_get(req: EnvRequest) -> Response {
    sso(&req, &req.query, Binding::Redirect)
}

/// `POST /{envId}/saml20/idp/sso` (HTTP-POST binding)
pub async fn sso_post(post: EnvPost) -> Response {
    if content_type(&post.headers) != "application/x-www-form-urlencoded" {
        return ApiError::unsupported_media_type().into_response();
    }
    sso(&post, &form(&post.body), Binding::Post)
}

fn sso(
    req: &EnvRequest,
    params: &std::collections::HashMap<String, String>,
    binding: Binding,
) -> Response {
    let (store, env_id) = (req.store(), req.env_id.as_str());
    let Some(encoded) = params.get("SAMLRequest") else {
        return ApiError::invalid_data(vec![Detail::required("SAMLRequest")]).into_response();
    };
    let request = match authn_request::decode(encoded, binding)
        .and_then(|text| authn_request::parse(&text))
    {
        Ok(request) => request,
        Err(message) => return bad("SAMLRequest", message),
    };
    if let Some(destination) = &request.destination
        && *destination != format!("{}/saml20/idp/sso", entity_id(store, env_id))
    {
        return bad(
            "SAMLRequest",
            "The AuthnRequest Destination is not this SSO endpoint",
        );
    }
    let mut data = req.env.write();
    let Some((app_id, app)) = data
        .rows("applications")
        .find(|(_, row)| {
            row.body.get("protocol").and_then(Value::as_str) == Some("SAML")
                && row.body.get("spEntityId").and_then(Value::as_str) == Some(&request.issuer)
        })
        .map(|(id, row)| (id.clone(), row.body.clone()))
    else {
        return bad(
            "SAMLRequest",
            format!(
                "No SAML application has the SP entity ID {}",
                request.issuer
            ),
        );
    };
    if app.get("enabled").and_then(Value::as_bool) == Some(false) {
        return bad("SAMLRequest", "The application is disabled");
    }
    let registered = strings(&app, "acsUrls");
    let acs_url = match &request.acs_url {
        Some(url) if registered.contains(url) => url.clone(),
        Some(_) => {
            return bad(
                "SAMLRequest",
                "The AssertionConsumerServiceURL is not one of the application's acsUrls",
            );
        }
        None => match registered.first() {
            Some(first) => first.clone(),
            None => return bad("SAMLRequest", "The application has no acsUrls"),
        },
    };
    let now = clock::now();
    data.saml_request_ids.retain(|_, until| *until > now);
    let replay_key = format!("{}\n{}", request.issuer, request.id);
    if data.saml_request_ids.contains_key(&replay_key) {
        return bad("SAMLRequest", "The AuthnRequest ID was already used");
    }
    data.saml_request_ids
        .insert(replay_key, now + REPLAY_SECONDS);
    let (policy_name, actions) = flows::policy_for(&data, &app_id, None);
    let saml = SamlRequest {
        request_id: request.id.clone(),
        sp_entity_id: request.issuer.clone(),
        acs_url,
        relay_state: params.get("RelayState").cloned(),
    };
    let mut flow = Flow::new(&app_id, Purpose::Saml(Box::new(saml)), policy_name, actions);
    if !request.force_authn
        && let Some(token) = cookies(&req.headers).get(SESSION_COOKIE)
        && let Some(existing) = session::live(&data, Some(token))
    {
        let existing = existing.clone();
        flow.adopt_session(token, &existing);
    }
    flows::advance(&mut data, &mut flow);
    purge(&mut data);
    let mut out = if flow.status == "COMPLETED" {
        answer(store, env_id, &mut data, &flow)
    } else {
        redirect(&sign_on_page(store, &app, env_id, &flow.id))
    };
    flows::append_cookies(out.headers_mut(), env_id, &mut flow);
    if flow.status != "COMPLETED" {
        data.flows.insert(flow.id.clone(), flow);
    }
    out
}

/// `GET /{envId}/saml20/resume?flowId=...`
pub async fn resume(req: EnvRequest) -> Response {
    let (store, env_id) = (req.store(), req.env_id.as_str());
    let mut data = req.env.write();
    let flow = match resumed_flow(&req, &data) {
        Ok(flow) => flow,
        Err(response) => return response,
    };
    let flow_id = &flow.id;
    if !matches!(flow.purpose, Purpose::Saml(_)) {
        return ApiError::invalid_request("The flow is not a SAML flow").into_response();
    }
    match flow.status.as_str() {
        "COMPLETED" | "FAILED" => {}
        _ => {
            return redirect(&format!(
                "{}/{env_id}/signon/?flowId={flow_id}",
                store.base_url
            ));
        }
    }
    // A failed flow has no session; a completed one goes only to the browser holding it.
    if flow.status == "COMPLETED" && !holds_session(&flow, &req.headers) {
        return ApiError::invalid_token().into_response();
    }
    data.flows.remove(flow_id);
    answer(store, env_id, &mut data, &flow)
}

/// The auto-post form of a finished SAML flow: a signed assertion for the user, or
/// a Response saying the sign-on failed.
fn answer(store: &Store, env_id: &str, data: &mut EnvData, flow: &Flow) -> Response {
    let Purpose::Saml(request) = &flow.purpose else {
        return ApiError::invalid_request("The flow is not a SAML flow").into_response();
    };
    let Some(app) = data.body("applications", &flow.app_id).cloned() else {
        return ApiError::not_found().into_response();
    };
    let issuer = entity_id(store, env_id);
    let xml = if flow.status == "COMPLETED" {
        match assertion_for(data, &app, flow, request, &issuer) {
            Ok(xml) => xml,
            Err(response) => return response,
        }
    } else {
        let message = flow.error.clone().unwrap_or_default().1;
        response::failure(&issuer, &request.acs_url, &request.request_id, &message)
    };
    autopost(
        &request.acs_url,
        "SAMLResponse",
        &xml,
        request.relay_state.as_deref(),
    )
}

#[allow(clippy::result_large_err)]
fn assertion_for(
    data: &mut EnvData,
    app: &Map<String, Value>,
    flow: &Flow,
    request: &SamlRequest,
    issuer: &str,
) -> Result<String, Response> {
    let (Some(user_id), Some(session_id)) = (&flow.user_id, &flow.session_id) else {
        return Err(ApiError::not_found().into_response());
    };
    let user = data
        .body("users", user_id)
        .cloned()
        .ok_or_else(|| ApiError::not_found().into_response())?;
    let format = app
        .get("nameIdFormat")
        .and_then(Value::as_str)
        .unwrap_or(response::UNSPECIFIED)
        .to_string();
    let field = if format.ends_with(":emailAddress") {
        "email"
    } else {
        "username"
    };
    let name_id = user
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or(user_id)
        .to_string();
    let key_id = signing_keys::for_application(data, app).ok_or_else(|| {
        ApiError::invalid_request("The environment has no signing key").into_response()
    })?;
    let key = signing_keys::material(data, &key_id).map_err(IntoResponse::into_response)?;
    let flag =
        |name: &str, default: bool| app.get(name).and_then(Value::as_bool).unwrap_or(default);
    let issued = Issued {
        issuer,
        destination: &request.acs_url,
        audience: &request.sp_entity_id,
        in_response_to: Some(&request.request_id),
        name_id: &name_id,
        name_id_format: &format,
        session_index: session_id,
        authn_instant: flow.auth_time,
        lifetime: app
            .get("assertionDuration")
            .and_then(Value::as_u64)
            .unwrap_or(60),
        sign_assertion: flag("assertionSigned", true),
        sign_response: flag("responseSigned", false),
    };
    response::build(&issued, &key).map_err(|message| {
        ApiError::invalid_request(format!("The SAML response could not be signed: {message}"))
            .into_response()
    })
}

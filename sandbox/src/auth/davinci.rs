//! PingOne flows run by DaVinci: an application with a flow policy assignment starts the
//! assigned DaVinci flow from `/as/authorize` instead of a sign-on policy.
//!
//! The emulated flow is the sign-on flow a DaVinci application publishes: a form node
//! (`customHTMLTemplate`) collecting username and password, checked against the PingOne
//! directory; success creates the session and answers the authorization request. With
//! `response_mode=pi.flow` authorize returns the node as JSON when the client sends
//! `X-Requested-With: ping-sdk` (HTML otherwise); the client posts each node's input to
//! its `_links.next` with the `interactionId` and `interactionToken` headers. Without
//! `pi.flow` the browser is redirected to the hosted page of the interaction.

use std::collections::HashMap;

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::auth::flows::{self, FLOW_SECONDS, Flow};
use crate::auth::resume::{self, html_escape, redirect};
use crate::clock;
use crate::generate;
use crate::management::users;
use crate::request::{EnvPost, EnvRequest};
use crate::store::{EnvData, Store};

/// The connection of the flow's form node (a DaVinci connection instance id).
const FORM_CONNECTION: &str = "867ed4363b2bc21c860085ad2baa817d";
const FORM_CAPABILITY: &str = "customHTMLTemplate";
const FORM_NODE: &str = "65u7m8cm28";
/// The node that returns the flow's result to PingOne.
const RESULT_CONNECTION: &str = "6d8f6f8c8a3a4a0e9c2b1d0e5f4a3b2c";
const RESULT_NODE: &str = "x3kd93f1sa";

/// A running DaVinci flow: the PingOne flow it will complete and how the client proves
/// it is the one driving it.
#[derive(Debug, Clone)]
pub struct Interaction {
    pub token: String,
    pub policy_id: String,
    pub flow: Flow,
    pub expires_at: u64,
}

/// The DaVinci flow policy an authorize request runs for `app_id`: one of its assigned
/// policies named by `acr_values`, else the assignment of lowest priority. Returns the
/// policy's id and name; none when the application has no (enabled) assignment.
pub fn assigned_policy(
    data: &EnvData,
    app_id: &str,
    acr_values: Option<&str>,
) -> Option<(String, String)> {
    let mut assigned: Vec<(u64, String)> = data
        .children("applications.flowPolicyAssignments", app_id)
        .filter_map(|(_, row)| {
            let id = row.body.get("flowPolicy")?.get("id")?.as_str()?;
            let priority = row.body.get("priority").and_then(Value::as_u64);
            Some((priority.unwrap_or(u64::MAX), id.to_string()))
        })
        .filter(|(_, id)| {
            data.body("flowPolicies", id)
                .is_some_and(|p| p.get("enabled").and_then(Value::as_bool) != Some(false))
        })
        .collect();
    assigned.sort();
    let named = acr_values.and_then(|acr| {
        acr.split_whitespace()
            .find(|value| assigned.iter().any(|(_, id)| id == value))
    });
    let id = named
        .map(str::to_string)
        .or_else(|| assigned.first().map(|(_, id)| id.clone()))?;
    let name = data
        .body("flowPolicies", &id)
        .and_then(|p| p.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("DaVinci")
        .to_string();
    Some((id, name))
}

/// What the emulated flow asks of PingOne: a password sign-on (the PingOne flow it
/// completes runs this one action).
pub fn sign_on_actions() -> Vec<Map<String, Value>> {
    let mut login = Map::new();
    login.insert("type".into(), json!("LOGIN"));
    login.insert("priority".into(), json!(1));
    vec![login]
}

/// Starts the policy's flow for `flow` (its OAuth request already validated): the first
/// node as JSON or HTML for `pi.flow`, else a redirect to the interaction's hosted page.
pub fn start(
    store: &Store,
    data: &mut EnvData,
    flow: Flow,
    policy_id: String,
    headers: &HeaderMap,
) -> Response {
    let id = generate::id();
    let pi_flow = flow.is_pi_flow();
    let interaction = Interaction {
        token: generate::opaque(),
        policy_id,
        flow,
        expires_at: clock::now() + FLOW_SECONDS,
    };
    let now = clock::now();
    data.interactions.retain(|_, i| i.expires_at > now);
    let response = if pi_flow {
        node_response(store, &data.id, &id, &interaction, headers, None)
    } else {
        redirect(&format!(
            "{}/{}/davinci/interactions/{id}",
            store.base_url, data.id
        ))
    };
    data.interactions.insert(id, interaction);
    response
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get("x-requested-with")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("ping-sdk"))
}

/// What identifies an interaction in every DaVinci response.
/// (The policy's DaVinci flow id is taken from the policy id, in DaVinci's unhyphenated form.)
fn envelope(env_id: &str, id: &str, policy_id: &str) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("interactionId".into(), json!(id));
    body.insert("companyId".into(), json!(env_id));
    body.insert("flowId".into(), json!(policy_id.replace('-', "")));
    body
}

/// The sign-on form node, with the error of the last attempt when there was one.
fn form_node(
    store: &Store,
    env_id: &str,
    id: &str,
    interaction: &Interaction,
    error: Option<&str>,
) -> Value {
    let mut body = envelope(env_id, id, &interaction.policy_id);
    body.extend(
        json!({
            "interactionToken": interaction.token,
            "connectorId": "api",
            "connectionId": FORM_CONNECTION,
            "capabilityName": FORM_CAPABILITY,
            "id": FORM_NODE,
            "eventName": "continue",
            "success": true,
            "startUiSubFlow": true,
            "isResponseCompatibleWithMobileAndWebSdks": true,
            "_links": {"next": {"href": format!(
                "{}/{env_id}/davinci/connections/{FORM_CONNECTION}/capabilities/{FORM_CAPABILITY}",
                store.base_url
            )}},
            "formData": {"value": {"username": "", "password": ""}},
            "form": {"components": {"fields": [
                {"type": "TEXT", "key": "username", "label": "Username", "required": true},
                {"type": "PASSWORD", "key": "password", "label": "Password", "required": true},
                {"type": "SUBMIT_BUTTON", "key": "submit", "label": "Sign On"},
            ]}},
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
    );
    if let Some(message) = error {
        body.insert("errorMessage".into(), json!(message));
    }
    Value::Object(body)
}

fn node_response(
    store: &Store,
    env_id: &str,
    id: &str,
    interaction: &Interaction,
    headers: &HeaderMap,
    error: Option<&str>,
) -> Response {
    let node = form_node(store, env_id, id, interaction, error);
    if wants_json(headers) {
        return (StatusCode::OK, Json(node)).into_response();
    }
    let next = node["_links"]["next"]["href"].as_str().unwrap_or_default();
    Html(format!(
        "<!doctype html><html><body><form method=\"post\" action=\"{}\" \
         data-interaction-id=\"{}\"><input name=\"username\"><input name=\"password\" \
         type=\"password\"><button name=\"actionKey\" value=\"submit\">Sign On</button>\
         </form></body></html>",
        html_escape(next),
        html_escape(id)
    ))
    .into_response()
}

/// A DaVinci runtime error: the node that failed, a code and a message.
fn failure(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({
        "code": code,
        "message": message,
        "httpResponseCode": status.as_u16(),
        "success": false,
        "connectionId": FORM_CONNECTION,
        "capabilityName": FORM_CAPABILITY,
    });
    (status, Json(body)).into_response()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// `GET /{envId}/davinci/interactions/{interaction}`: the hosted page of a redirected flow.
pub async fn page(req: EnvRequest) -> Response {
    let data = req.env.read();
    let id = req.path("interaction");
    match data
        .interactions
        .get(id)
        .filter(|i| i.expires_at > clock::now())
    {
        Some(interaction) => node_response(
            req.store(),
            &req.env_id,
            id,
            interaction,
            &req.headers,
            None,
        ),
        None => failure(
            StatusCode::NOT_FOUND,
            "invalidInteraction",
            "The interaction does not exist or has expired",
        ),
    }
}

/// `POST /{envId}/davinci/connections/{connection}/capabilities/{capability}`: the
/// client's input to the node waiting on that capability.
pub async fn capability(post: EnvPost) -> Response {
    let (store, headers) = (post.store(), &post.headers);
    let mut data = post.env.write();
    let id = header(headers, "interactionId").to_string();
    let Some(mut interaction) = data
        .interactions
        .get(&id)
        .filter(|i| i.expires_at > clock::now())
        .cloned()
    else {
        return failure(
            StatusCode::BAD_REQUEST,
            "invalidInteraction",
            "interactionId names no running interaction",
        );
    };
    if header(headers, "interactionToken") != interaction.token {
        return failure(
            StatusCode::UNAUTHORIZED,
            "invalidToken",
            "interactionToken does not match the interaction",
        );
    }
    if post.path("connection") != FORM_CONNECTION || post.path("capability") != FORM_CAPABILITY {
        return failure(
            StatusCode::BAD_REQUEST,
            "invalidCapability",
            "The interaction is not waiting on this capability",
        );
    }
    let Ok(Value::Object(input)) = serde_json::from_slice::<Value>(&post.body) else {
        return failure(
            StatusCode::BAD_REQUEST,
            "invalidRequest",
            "The body must be a JSON object",
        );
    };
    let parameters = input.get("parameters").cloned().unwrap_or(Value::Null);
    if parameters["eventType"] != "submit" || parameters["actionKey"] != "submit" {
        return failure(
            StatusCode::BAD_REQUEST,
            "invalidRequest",
            "parameters must submit the form (eventType and actionKey submit)",
        );
    }
    let form: HashMap<&str, &str> = ["username", "password"]
        .into_iter()
        .map(|key| {
            (
                key,
                parameters["formData"][key].as_str().unwrap_or_default(),
            )
        })
        .collect();
    interaction.expires_at = clock::now() + FLOW_SECONDS;
    let user = data
        .user_by_username(form["username"])
        .map(|(user_id, row)| (user_id.clone(), row.body.get("enabled").cloned()));
    let signed_on = match user {
        Some((user_id, enabled))
            if enabled != Some(Value::Bool(false))
                && users::password_matches(&data, &user_id, form["password"]) =>
        {
            Some(user_id)
        }
        _ => None,
    };
    let Some(user_id) = signed_on else {
        let response = node_response(
            store,
            &post.env_id,
            &id,
            &interaction,
            headers,
            Some("The provided username or password is incorrect"),
        );
        data.interactions.insert(id, interaction);
        return (StatusCode::BAD_REQUEST, response).into_response();
    };
    let mut flow = interaction.flow.clone();
    flow.user_id = Some(user_id);
    flow.authenticated = true;
    flow.push_amr("pwd");
    flows::advance(&mut data, &mut flow);
    data.interactions.remove(&id);
    if flow.status != "COMPLETED" {
        return failure(
            StatusCode::BAD_REQUEST,
            "signOnIncomplete",
            "The user cannot complete sign-on in this flow (the password must change or the account be verified)",
        );
    }
    let authorize_response = match resume::authorize_response(store, &mut data, &flow) {
        Ok(response) => response,
        Err(err) => return err.into_response(),
    };
    let mut body = envelope(&post.env_id, &id, &interaction.policy_id);
    body.extend(
        json!({
            "connectorId": "pingOneAuthenticationConnector",
            "connectionId": RESULT_CONNECTION,
            "capabilityName": "returnSuccessResponseRedirect",
            "id": RESULT_NODE,
            "success": true,
            "status": "COMPLETED",
            "environment": {"id": post.env_id},
            "session": {"id": flow.session_id},
            "authorizeResponse": authorize_response,
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
    );
    let mut response = (StatusCode::OK, Json(Value::Object(body))).into_response();
    flows::append_cookies(response.headers_mut(), &post.env_id, &mut flow);
    response
}

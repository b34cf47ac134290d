//! The flow as PingOne returns it: links for the actions its status offers, what the page
//! needs to show (`_embedded`), and the cookies that bind the browser to it.

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::auth::flows::flow::{FLOW_COOKIE, Flow, Purpose};
use crate::auth::flows::mfa::otp_devices;
use crate::auth::flows::policy::{action_type, referenced_id};
use crate::auth::session::{SESSION_COOKIE, SESSION_SECONDS};
use crate::clock;
use crate::links;
use crate::management::password_policies;
use crate::server::set_cookie;
use crate::store::{EnvData, Store};

/// An email or phone number as the page shows it: `jo****@example.com`, `*******00`.
fn mask(value: &str) -> String {
    if let Some((local, domain)) = value.split_once('@') {
        let keep: String = local.chars().take(2).collect();
        return format!("{keep}****@{domain}");
    }
    let chars: Vec<char> = value.chars().collect();
    let keep = chars.len().saturating_sub(2);
    format!(
        "{}{}",
        "*".repeat(keep),
        chars[keep..].iter().collect::<String>()
    )
}

/// The flow as PingOne returns it, with links for the actions its status offers.
pub fn render(store: &Store, data: &EnvData, flow: &Flow) -> Value {
    let base = &store.base_url;
    let env = &data.id;
    let flow_url = format!("{base}/{env}/flows/{}", flow.id);
    let mut pairs = vec![("self".to_string(), flow_url.clone())];
    let action = flow.current_action();
    let login = action.filter(|a| matches!(action_type(a), "LOGIN" | "IDENTIFIER_FIRST"));
    let registration = login
        .and_then(|a| a.get("registration"))
        .and_then(|r| r.get("enabled"))
        .and_then(Value::as_bool)
        == Some(true);
    let recovery = login
        .and_then(|a| a.get("recovery"))
        .and_then(|r| r.get("enabled"))
        .and_then(Value::as_bool)
        != Some(false);
    let rels: Vec<&str> = match flow.status.as_str() {
        "USERNAME_PASSWORD_REQUIRED" => {
            let mut rels = vec!["usernamePassword.check"];
            if registration {
                rels.push("user.register");
            }
            if recovery {
                rels.push("password.forgot");
            }
            rels
        }
        "PASSWORD_REQUIRED" => vec!["usernamePassword.check", "password.forgot"],
        "SIGN_ON_REQUIRED" => vec!["user.lookup"],
        "MUST_CHANGE_PASSWORD" | "PASSWORD_EXPIRED" => vec!["password.reset"],
        "RECOVERY_CODE_REQUIRED" => vec!["password.recover", "password.sendRecoveryCode"],
        "VERIFICATION_CODE_REQUIRED" => vec!["user.verify", "user.sendVerificationCode"],
        "OTP_REQUIRED" => vec!["otp.check", "device.select"],
        "DEVICE_SELECTION_REQUIRED" => vec!["device.select"],
        "AGREEMENT_CONSENT_REQUIRED" => vec!["user.consent"],
        "PROFILE_DATA_REQUIRED" => vec!["user.update"],
        "DAG_USER_CODE_REQUIRED" => vec!["deviceAuthGrant.userCode.verify"],
        "DAG_CONSENT_REQUIRED" => vec!["deviceAuthGrant.consent"],
        _ => vec![],
    };
    for rel in rels {
        pairs.push((rel.to_string(), flow_url.clone()));
    }
    let open = flow.status != "COMPLETED" && flow.status != "FAILED";
    if open {
        pairs.push(("session.reset".to_string(), flow_url.clone()));
        pairs.push((
            "signOnPage".to_string(),
            format!("{base}/{env}/signon/?flowId={}", flow.id),
        ));
    }
    if flow.status == "EXTERNAL_AUTHENTICATION_REQUIRED" {
        let provider = flow
            .provider
            .as_deref()
            .unwrap_or_else(|| referenced_id(action, "identityProvider"));
        pairs.push((
            "authenticate".to_string(),
            format!(
                "{base}/{env}/rp/authenticate?providerId={provider}&flowId={}",
                flow.id
            ),
        ));
    }
    let mut embedded = Map::new();
    if let Some(app) = data.body("applications", &flow.app_id) {
        let mut application = Map::new();
        application.insert(
            "name".into(),
            app.get("name").cloned().unwrap_or(Value::Null),
        );
        if let Some(icon) = app.get("icon") {
            application.insert("icon".into(), icon.clone());
        }
        embedded.insert("application".into(), Value::Object(application));
    }
    if let (Some(user_id), Some(user)) = (&flow.user_id, flow.user(data)) {
        embedded.insert(
            "user".into(),
            json!({"id": user_id, "username": user.get("username"), "name": user.get("name").cloned().unwrap_or(json!({}))}),
        );
    }
    match flow.status.as_str() {
        "OTP_REQUIRED" | "DEVICE_SELECTION_REQUIRED" => {
            let devices: Vec<Value> = flow
                .user_id
                .as_deref()
                .map(|u| otp_devices(data, u))
                .unwrap_or_default()
                .iter()
                .map(|(id, d)| {
                    let mut device = json!({"id": id, "type": d.get("type"), "status": "ACTIVE", "userRetries": 0});
                    if let Some(email) = d.get("email").and_then(Value::as_str) {
                        device["email"] = json!(mask(email));
                    }
                    if let Some(phone) = d.get("phone").and_then(Value::as_str) {
                        device["phone"] = json!(mask(phone));
                    }
                    device
                })
                .collect();
            embedded.insert("devices".into(), Value::Array(devices));
        }
        "USERNAME_PASSWORD_REQUIRED"
        | "PASSWORD_REQUIRED"
        | "MUST_CHANGE_PASSWORD"
        | "RECOVERY_CODE_REQUIRED" => {
            let policy = flow
                .user(data)
                .and_then(|u| password_policies::policy_for(data, u))
                .or_else(|| password_policies::policy_for(data, &Map::new()));
            if let Some((id, body)) = policy {
                let mut policy = body.clone();
                policy.insert("id".into(), json!(id));
                embedded.insert("passwordPolicy".into(), Value::Object(policy));
            }
            if let Some(providers) = action
                .and_then(|a| a.get("socialProviders"))
                .and_then(Value::as_array)
            {
                let social: Vec<Value> = providers
                    .iter()
                    .filter_map(|p| p.get("id").and_then(Value::as_str))
                    .filter_map(|id| data.body("identityProviders", id).map(|idp| json!({"id": id, "name": idp.get("name"), "type": idp.get("type")})))
                    .collect();
                embedded.insert("socialProviders".into(), Value::Array(social));
            }
        }
        "AGREEMENT_CONSENT_REQUIRED" => {
            let agreement_id = referenced_id(action, "agreement");
            let language = data
                .children("agreements.languages", agreement_id)
                .map(|(_, row)| row.body.clone())
                .next();
            let revision = language
                .as_ref()
                .and_then(|l| l.get("currentRevision"))
                .and_then(|r| r.get("id"))
                .and_then(Value::as_str)
                .and_then(|id| data.body("agreements.languages.revisions", id));
            embedded.insert(
                "agreement".into(),
                json!({
                    "id": agreement_id,
                    "language": language.as_ref().map(|l| json!({"id": l.get("id"), "locale": l.get("locale"), "displayName": l.get("displayName")})),
                    "revision": revision.map(|r| json!({"id": r.get("id"), "contentType": r.get("contentType"), "text": r.get("text")})),
                    "userExperience": language.as_ref().and_then(|l| l.get("userExperience")),
                }),
            );
        }
        "PROFILE_DATA_REQUIRED" => {
            let attributes = action
                .and_then(|a| a.get("attributes"))
                .cloned()
                .unwrap_or(json!([]));
            embedded.insert("attributes".into(), attributes);
            if let Some(text) = action.and_then(|a| a.get("promptText")) {
                embedded.insert("promptText".into(), text.clone());
            }
        }
        _ => {}
    }
    let mut body = Map::new();
    body.insert("_links".into(), links::links(pairs));
    body.insert("_embedded".into(), Value::Object(embedded));
    body.insert("id".into(), json!(flow.id));
    body.insert("environment".into(), json!({"id": env}));
    if let Some(session) = &flow.session_id {
        body.insert("session".into(), json!({"id": session}));
    }
    match flow.purpose {
        Purpose::Authorize(_) => {
            body.insert(
                "resumeUrl".into(),
                json!(format!("{base}/{env}/as/resume?flowId={}", flow.id)),
            );
        }
        Purpose::Saml(_) => {
            body.insert(
                "resumeUrl".into(),
                json!(format!("{base}/{env}/saml20/resume?flowId={}", flow.id)),
            );
        }
        Purpose::Device => {}
    }
    body.insert("status".into(), json!(flow.status));
    body.insert("createdAt".into(), json!(flow.created_at));
    body.insert("expiresAt".into(), json!(clock::iso_at(flow.expires_at)));
    if matches!(
        flow.status.as_str(),
        "OTP_REQUIRED" | "DEVICE_SELECTION_REQUIRED"
    ) {
        body.insert("bypassAllowed".into(), json!(false));
        if let Some((device, _)) = &flow.otp {
            body.insert("selectedDevice".into(), json!({"id": device}));
        }
    }
    if let Some(response) = &flow.authorize_response {
        body.insert("authorizeResponse".into(), Value::Object(response.clone()));
    }
    if let Some((code, message)) = &flow.error {
        body.insert("error".into(), json!({"code": code, "message": message}));
    }
    Value::Object(body)
}

/// The flow's response with the cookies it carries.
pub fn respond(store: &Store, data: &EnvData, flow: &mut Flow) -> Response {
    let mut response = (StatusCode::OK, Json(render(store, data, flow))).into_response();
    append_cookies(response.headers_mut(), &data.id, flow);
    response
}

/// The flow's binding cookie, and the session cookie when this response created the session.
pub fn append_cookies(headers: &mut HeaderMap, env_id: &str, flow: &mut Flow) {
    if let Ok(value) = HeaderValue::from_str(&set_cookie(FLOW_COOKIE, &flow.binding, env_id, None))
    {
        headers.append(header::SET_COOKIE, value);
    }
    if flow.new_session
        && let Some(token) = &flow.session_token
        && let Ok(value) = HeaderValue::from_str(&set_cookie(
            SESSION_COOKIE,
            token,
            env_id,
            Some(SESSION_SECONDS as i64),
        ))
    {
        headers.append(header::SET_COOKIE, value);
        flow.new_session = false;
    }
}

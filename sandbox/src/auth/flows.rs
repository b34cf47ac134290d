//! The flow API (`/{envId}/flows/{flowId}`): the sign-on state machine driven by the
//! application's sign-on policy, and the actions clients post with vendor media types.
//!
//! Policy actions run in ascending priority; each one either is satisfied (and the next
//! one runs) or sets the status that asks the user for something. When none remains the
//! flow is `COMPLETED`, a session exists and `ST` is set.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::auth::claims::{Scopes, Subject};
use crate::auth::device::DeviceState;
use crate::auth::resume;
use crate::auth::session::{SESSION_COOKIE, SESSION_SECONDS, Session};
use crate::clock;
use crate::error::{ApiError, ApiResult, Detail};
use crate::generate;
use crate::links;
use crate::management::crud;
use crate::management::family;
use crate::management::hooks::Hook;
use crate::management::{password_policies, users};
use crate::outbox::{self, Kind};
use crate::server::{AppState, content_type, cookies, set_cookie};
use crate::store::{EnvData, Store};

/// Binds a browser to the flows it started.
pub const FLOW_COOKIE: &str = "P1FLOW";
/// Flows expire after 15 minutes without activity.
pub const FLOW_SECONDS: u64 = 900;

/// The OAuth request a flow will answer when it completes.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    pub response_types: Vec<String>,
    /// `redirect_uri` as sent (the token request must repeat it).
    pub redirect_uri: Option<String>,
    /// Where the response goes (sent or the single registered URI).
    pub target_uri: Option<String>,
    pub response_mode: String,
    pub scopes: Scopes,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub challenge: Option<(String, String)>,
}

#[derive(Debug, Clone)]
pub enum Purpose {
    Authorize(Box<AuthRequest>),
    /// The user side of a device authorization grant.
    Device,
}

/// A sign-on handed to an external identity provider (`/rp/authenticate`).
#[derive(Debug, Clone)]
pub struct External {
    pub provider_id: String,
    pub state: String,
    pub nonce: String,
    pub verifier: Option<String>,
    /// The provider's subject once its ID token checked out and no local user is linked.
    pub subject: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Flow {
    pub id: String,
    pub app_id: String,
    pub purpose: Purpose,
    pub binding: String,
    pub policy_name: String,
    pub actions: Vec<Map<String, Value>>,
    pub step: usize,
    pub status: String,
    pub user_id: Option<String>,
    pub authenticated: bool,
    pub mfa_done: bool,
    pub amr: Vec<String>,
    pub session_token: Option<String>,
    pub session_id: Option<String>,
    pub auth_time: u64,
    /// (device id, code) of the OTP sent for this flow.
    pub otp: Option<(String, String)>,
    pub registering: bool,
    pub recovering: bool,
    pub profiled: bool,
    pub device_code: Option<String>,
    pub dag_consented: bool,
    pub expires_at: u64,
    pub created_at: String,
    pub authorize_response: Option<Map<String, Value>>,
    pub error: Option<(String, String)>,
    /// Set when this response created the session (so `ST` is sent).
    pub new_session: bool,
    /// What the user typed at an identifier-first prompt.
    pub identifier: Option<String>,
    /// The identity provider a discovery rule picked.
    pub provider: Option<String>,
    pub external: Option<External>,
}

impl Flow {
    pub fn new(
        app_id: &str,
        purpose: Purpose,
        policy_name: String,
        actions: Vec<Map<String, Value>>,
    ) -> Flow {
        Flow {
            id: generate::id(),
            app_id: app_id.to_string(),
            purpose,
            binding: generate::opaque(),
            policy_name,
            actions,
            step: 0,
            status: String::new(),
            user_id: None,
            authenticated: false,
            mfa_done: false,
            amr: Vec::new(),
            session_token: None,
            session_id: None,
            auth_time: 0,
            otp: None,
            registering: false,
            recovering: false,
            profiled: false,
            device_code: None,
            dag_consented: false,
            expires_at: clock::now() + FLOW_SECONDS,
            created_at: clock::iso_now(),
            authorize_response: None,
            error: None,
            new_session: false,
            identifier: None,
            provider: None,
            external: None,
        }
    }

    pub fn is_pi_flow(&self) -> bool {
        matches!(&self.purpose, Purpose::Authorize(req) if req.response_mode == "pi.flow")
    }

    /// Binds an existing SSO session: the user is already signed on.
    pub fn adopt_session(&mut self, token: &str, session: &Session) {
        self.user_id = Some(session.user_id.clone());
        self.authenticated = true;
        self.mfa_done = session.amr.iter().any(|m| m == "otp" || m == "mfa");
        self.amr = session.amr.clone();
        self.auth_time = session.auth_time;
        self.session_id = Some(session.id.clone());
        self.session_token = Some(token.to_string());
    }

    pub fn subject(&self) -> Option<Subject> {
        Some(Subject {
            user_id: self.user_id.clone()?,
            session_id: self.session_id.clone()?,
            auth_time: self.auth_time,
            amr: self.amr.clone(),
            acr: self.policy_name.clone(),
        })
    }

    pub fn fail(&mut self, code: &str, message: &str) {
        self.status = "FAILED".into();
        self.error = Some((code.to_string(), message.to_string()));
    }

    pub fn current_action(&self) -> Option<&Map<String, Value>> {
        self.actions.get(self.step)
    }

    fn reset(&mut self) {
        self.step = 0;
        self.user_id = None;
        self.authenticated = false;
        self.mfa_done = false;
        self.amr.clear();
        self.session_token = None;
        self.session_id = None;
        self.otp = None;
        self.registering = false;
        self.recovering = false;
        self.profiled = false;
        self.dag_consented = false;
        self.error = None;
        self.identifier = None;
        self.provider = None;
        self.external = None;
    }
}

/// The sign-on policy for an application: named by `acr_values`, else the assigned policy
/// with the lowest priority, else the environment default. Returns (name, sorted actions).
pub fn policy_for(
    data: &EnvData,
    app_id: &str,
    acr_values: Option<&str>,
) -> (String, Vec<Map<String, Value>>) {
    let mut assigned: Vec<(u64, String)> = data
        .children("applications.signOnPolicyAssignments", app_id)
        .filter_map(|(_, row)| {
            let id = row
                .body
                .get("signOnPolicy")?
                .get("id")?
                .as_str()?
                .to_string();
            Some((
                row.body
                    .get("priority")
                    .and_then(Value::as_u64)
                    .unwrap_or(u64::MAX),
                id,
            ))
        })
        .collect();
    assigned.sort();
    let by_name = |name: &str| {
        data.rows("signOnPolicies")
            .find(|(_, row)| row.body.get("name").and_then(Value::as_str) == Some(name))
            .map(|(id, _)| id.clone())
    };
    let policy_id = acr_values
        .and_then(|acr| acr.split_whitespace().find_map(by_name))
        .or_else(|| assigned.first().map(|(_, id)| id.clone()))
        .or_else(|| {
            data.rows("signOnPolicies")
                .find(|(_, row)| row.body.get("default").and_then(Value::as_bool) == Some(true))
                .map(|(id, _)| id.clone())
        });
    let name = policy_id
        .as_deref()
        .and_then(|id| data.body("signOnPolicies", id))
        .and_then(|p| p.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("Single_Factor")
        .to_string();
    let mut actions: Vec<Map<String, Value>> = policy_id
        .as_deref()
        .map(|id| {
            data.children("signOnPolicies.actions", id)
                .map(|(_, row)| row.body.clone())
                .collect()
        })
        .unwrap_or_default();
    actions.sort_by_key(|a| {
        a.get("priority")
            .and_then(Value::as_u64)
            .unwrap_or(u64::MAX)
    });
    if actions.is_empty() {
        let mut login = Map::new();
        login.insert("type".into(), json!("LOGIN"));
        login.insert("priority".into(), json!(1));
        actions.push(login);
    }
    (name, actions)
}

fn action_type(action: &Map<String, Value>) -> &str {
    action
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn user_body<'a>(data: &'a EnvData, flow: &Flow) -> Option<&'a Map<String, Value>> {
    flow.user_id
        .as_deref()
        .and_then(|id| data.body("users", id))
}

/// OTP-capable active devices of a user, in their order.
fn otp_devices(data: &EnvData, user_id: &str) -> Vec<(String, Map<String, Value>)> {
    data.children("users.devices", user_id)
        .filter(|(_, row)| {
            row.body.get("status").and_then(Value::as_str) == Some("ACTIVE")
                && matches!(
                    row.body.get("type").and_then(Value::as_str),
                    Some("SMS" | "EMAIL" | "VOICE")
                )
        })
        .map(|(id, row)| (id.clone(), row.body.clone()))
        .collect()
}

fn send_otp(data: &mut EnvData, flow: &mut Flow, device_id: &str) {
    let code = generate::otp();
    let user_id = flow.user_id.clone().unwrap_or_default();
    let to = data
        .body("users.devices", device_id)
        .map(users::contact)
        .unwrap_or_default();
    outbox::send(data, Kind::Otp, &user_id, &to, &code, Some(device_id));
    flow.otp = Some((device_id.to_string(), code));
}

fn must_change_password(data: &EnvData, flow: &Flow) -> bool {
    flow.user_id
        .as_deref()
        .and_then(|u| data.passwords.get(u))
        .is_some_and(|p| p.force_change)
}

fn missing_profile_attributes(action: &Map<String, Value>, user: &Map<String, Value>) -> bool {
    action
        .get("attributes")
        .and_then(Value::as_array)
        .is_some_and(|attrs| {
            attrs.iter().any(|a| {
                a.get("name").and_then(Value::as_str).is_some_and(|name| {
                    crud::lookup(user, name).is_none_or(|v| v.is_null() || v.as_str() == Some(""))
                })
            })
        })
}

/// Runs policy actions until one needs the user, or completes the flow.
pub fn advance(data: &mut EnvData, flow: &mut Flow) {
    if flow.status == "FAILED" || flow.status == "COMPLETED" {
        return;
    }
    if matches!(flow.purpose, Purpose::Device) && flow.device_code.is_none() {
        flow.status = "DAG_USER_CODE_REQUIRED".into();
        return;
    }
    if flow.recovering {
        flow.status = "RECOVERY_CODE_REQUIRED".into();
        return;
    }
    if flow.registering {
        flow.status = "VERIFICATION_CODE_REQUIRED".into();
        return;
    }
    if !flow.authenticated && flow.external.as_ref().is_some_and(|e| e.subject.is_some()) {
        flow.status = "ACCOUNT_LINKING_REQUIRED".into();
        return;
    }
    while let Some(action) = flow.current_action().cloned() {
        match action_type(&action) {
            "LOGIN" => {
                if !flow.authenticated {
                    flow.status = if flow.user_id.is_some() {
                        "PASSWORD_REQUIRED"
                    } else {
                        "USERNAME_PASSWORD_REQUIRED"
                    }
                    .into();
                    return;
                }
                if must_change_password(data, flow) {
                    flow.status = "MUST_CHANGE_PASSWORD".into();
                    return;
                }
                let unverified = user_body(data, flow)
                    .and_then(|u| u.get("lifecycle"))
                    .and_then(|l| l.get("status"))
                    .and_then(Value::as_str)
                    == Some("VERIFICATION_REQUIRED");
                if unverified {
                    flow.registering = true;
                    flow.status = "VERIFICATION_CODE_REQUIRED".into();
                    return;
                }
            }
            "IDENTIFIER_FIRST" => {
                if !flow.authenticated && flow.user_id.is_none() && flow.identifier.is_none() {
                    flow.status = "SIGN_ON_REQUIRED".into();
                    return;
                }
                if !flow.authenticated
                    && let Some(provider) = discovered_provider(
                        &action,
                        flow.identifier.as_deref(),
                        user_body(data, flow),
                    )
                {
                    flow.status = "EXTERNAL_AUTHENTICATION_REQUIRED".into();
                    flow.provider = Some(provider);
                    return;
                }
                if !flow.authenticated {
                    flow.status = "PASSWORD_REQUIRED".into();
                    return;
                }
                if must_change_password(data, flow) {
                    flow.status = "MUST_CHANGE_PASSWORD".into();
                    return;
                }
            }
            "MULTI_FACTOR_AUTHENTICATION" => {
                let Some(user_id) = flow.user_id.clone() else {
                    flow.status = "SIGN_ON_REQUIRED".into();
                    return;
                };
                let mfa_enabled = user_body(data, flow)
                    .and_then(|u| u.get("mfaEnabled"))
                    .and_then(Value::as_bool)
                    == Some(true);
                if mfa_enabled && !flow.mfa_done {
                    let devices = otp_devices(data, &user_id);
                    match devices.first() {
                        None => {
                            if action.get("noDevicesMode").and_then(Value::as_str) != Some("BYPASS")
                            {
                                flow.fail("NO_USABLE_DEVICES", "The user has no device to complete multi-factor authentication");
                                return;
                            }
                        }
                        Some((device_id, _)) => {
                            let selected = flow.otp.as_ref().map(|(d, _)| d.clone());
                            if selected.is_none() {
                                if devices.len() > 1
                                    && action.get("deviceSelection").and_then(Value::as_str)
                                        == Some("PROMPT_TO_SELECT")
                                {
                                    flow.status = "DEVICE_SELECTION_REQUIRED".into();
                                    return;
                                }
                                let device_id = device_id.clone();
                                send_otp(data, flow, &device_id);
                            }
                            flow.status = "OTP_REQUIRED".into();
                            return;
                        }
                    }
                }
            }
            "AGREEMENT" => {
                let agreement = action
                    .get("agreement")
                    .and_then(|a| a.get("id"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if let Some(user_id) = &flow.user_id
                    && !crate::management::agreements::consent_holds(data, user_id, agreement)
                    && data.row("agreements", agreement).is_some()
                {
                    flow.status = "AGREEMENT_CONSENT_REQUIRED".into();
                    return;
                }
            }
            "PROGRESSIVE_PROFILING"
                if !flow.profiled
                    && user_body(data, flow)
                        .is_some_and(|u| missing_profile_attributes(&action, u)) =>
            {
                flow.status = "PROFILE_DATA_REQUIRED".into();
                return;
            }
            "IDENTITY_PROVIDER" if !flow.authenticated => {
                flow.status = "EXTERNAL_AUTHENTICATION_REQUIRED".into();
                return;
            }
            _ => {}
        }
        flow.step += 1;
    }
    if matches!(flow.purpose, Purpose::Device) && !flow.dag_consented {
        flow.status = "DAG_CONSENT_REQUIRED".into();
        return;
    }
    complete(data, flow);
}

/// The identity provider of the first discovery rule whose condition holds. PingOne's
/// condition is `{value: "${identifier}", contains: "@example.com"}`: `value` is the
/// expression (the typed identifier, or user attributes), `contains` the text looked for.
pub fn discovered_provider(
    action: &Map<String, Value>,
    identifier: Option<&str>,
    user: Option<&Map<String, Value>>,
) -> Option<String> {
    let sources = crate::auth::claims::Sources {
        user,
        identifier: identifier.or_else(|| user?.get("username")?.as_str()),
        ..Default::default()
    };
    action
        .get("discoveryRules")?
        .as_array()?
        .iter()
        .find_map(|rule| {
            let condition = rule.get("condition")?;
            let expression = condition.get("value").and_then(Value::as_str)?;
            let needle = condition.get("contains").and_then(Value::as_str)?;
            let subject = crate::auth::claims::evaluate(expression, &sources)?;
            let subject = subject.as_str()?.to_lowercase();
            if needle.is_empty() || !subject.contains(&needle.to_lowercase()) {
                return None;
            }
            rule.get("identityProvider")?
                .get("id")?
                .as_str()
                .map(str::to_string)
        })
}

fn complete(data: &mut EnvData, flow: &mut Flow) {
    let Some(user_id) = flow.user_id.clone() else {
        flow.fail("UNKNOWN_USER", "No user was identified");
        return;
    };
    let now = clock::now();
    if flow
        .session_token
        .as_ref()
        .is_none_or(|t| !data.sessions.contains_key(t))
    {
        let token = generate::opaque();
        let session = Session {
            id: generate::id(),
            user_id: user_id.clone(),
            auth_time: now,
            amr: flow.amr.clone(),
            acr: flow.policy_name.clone(),
            expires_at: now + SESSION_SECONDS,
        };
        flow.session_id = Some(session.id.clone());
        flow.auth_time = now;
        data.sessions.insert(token.clone(), session);
        flow.session_token = Some(token);
        flow.new_session = true;
    } else if let Some(session) = flow
        .session_token
        .as_ref()
        .and_then(|t| data.sessions.get_mut(t))
    {
        // Step-up within an existing session adds the new methods.
        for method in &flow.amr {
            if !session.amr.contains(method) {
                session.amr.push(method.clone());
            }
        }
    }
    if let Some(row) = data.table_mut("users").get_mut(&user_id) {
        row.body.insert(
            "lastSignOn".into(),
            json!({"at": clock::iso_now(), "remoteIp": "127.0.0.1"}),
        );
    }
    if let (Purpose::Device, Some(code)) = (&flow.purpose, &flow.device_code)
        && let Some(subject) = flow.subject()
        && let Some(grant) = data.device_grants.get_mut(code)
    {
        grant.state = DeviceState::Approved(subject);
    }
    flow.status = "COMPLETED".into();
}

/// A user whose email was verified (registration or admin verify).
pub fn mark_verified(data: &mut EnvData, user_id: &str) {
    if let Some(row) = data.table_mut("users").get_mut(user_id) {
        row.body
            .insert("lifecycle".into(), json!({"status": "ACCOUNT_OK"}));
        row.body.insert("emailVerified".into(), json!(true));
        row.body.insert("updatedAt".into(), json!(clock::iso_now()));
    }
}

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
            .or_else(|| {
                action
                    .and_then(|a| a.get("identityProvider"))
                    .and_then(|p| p.get("id"))
                    .and_then(Value::as_str)
            })
            .unwrap_or_default();
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
    if let (Some(user_id), Some(user)) = (&flow.user_id, user_body(data, flow)) {
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
            let policy = user_body(data, flow)
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
            let agreement_id = action
                .and_then(|a| a.get("agreement"))
                .and_then(|a| a.get("id"))
                .and_then(Value::as_str)
                .unwrap_or_default();
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
    if matches!(flow.purpose, Purpose::Authorize(_)) {
        body.insert(
            "resumeUrl".into(),
            json!(format!("{base}/{env}/as/resume?flowId={}", flow.id)),
        );
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

/// The flow, if it exists, is alive and this browser holds its binding cookie.
pub fn check_access<'a>(
    data: &'a mut EnvData,
    flow_id: &str,
    headers: &HeaderMap,
) -> ApiResult<&'a mut Flow> {
    let now = clock::now();
    let expired = data.flows.get(flow_id).is_some_and(|f| f.expires_at <= now);
    if expired {
        data.flows.remove(flow_id);
    }
    let flow = data
        .flows
        .get_mut(flow_id)
        .ok_or_else(ApiError::not_found)?;
    let jar = cookies(headers);
    if jar
        .get(FLOW_COOKIE)
        .is_none_or(|b| !crate::store::constant_eq(b, &flow.binding))
    {
        return Err(ApiError::invalid_token());
    }
    Ok(flow)
}

/// `GET /{envId}/flows/{flowId}`
pub async fn get_flow(
    State(state): State<AppState>,
    Path((env_id, flow_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let env = match state.env(&env_id) {
        Ok(env) => env,
        Err(err) => return err.into_response(),
    };
    let mut data = env.write();
    let mut flow = match check_access(&mut data, &flow_id, &headers) {
        Ok(flow) => flow.clone(),
        Err(err) => return err.into_response(),
    };
    let response = respond(&state.store, &data, &mut flow);
    data.flows.insert(flow.id.clone(), flow);
    response
}

/// `POST /{envId}/flows/{flowId}` with `Content-Type: application/vnd.pingidentity.<action>+json`.
pub async fn post_flow(
    State(state): State<AppState>,
    Path((env_id, flow_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let env = match state.env(&env_id) {
        Ok(env) => env,
        Err(err) => return err.into_response(),
    };
    let store = &state.store;
    let media = content_type(&headers);
    let mut data = env.write();
    let mut flow = match check_access(&mut data, &flow_id, &headers) {
        Ok(flow) => flow.clone(),
        Err(err) => return err.into_response(),
    };
    let Some(action) = media
        .strip_prefix("application/vnd.pingidentity.")
        .and_then(|m| m.strip_suffix("+json"))
        .map(str::to_string)
    else {
        return ApiError::unsupported_media_type().into_response();
    };
    let request = if body.iter().all(u8::is_ascii_whitespace) {
        Ok(Map::new())
    } else {
        crud::object(&body)
    };
    let outcome =
        request.and_then(|request| perform(store, &mut data, &mut flow, &action, &request));
    flow.expires_at = clock::now() + FLOW_SECONDS;
    let result = match outcome {
        Ok(()) => {
            advance(&mut data, &mut flow);
            if flow.status == "COMPLETED" && flow.is_pi_flow() && flow.authorize_response.is_none()
            {
                match resume::authorize_response(store, &mut data, &flow) {
                    Ok(response) => flow.authorize_response = Some(response),
                    Err(err) => {
                        data.flows.insert(flow.id.clone(), flow);
                        return err.into_response();
                    }
                }
            }
            respond(store, &data, &mut flow)
        }
        Err(err) => err.into_response(),
    };
    data.flows.insert(flow.id.clone(), flow);
    result
}

fn text(request: &Map<String, Value>, field: &str) -> ApiResult<String> {
    match request.get(field).and_then(Value::as_str) {
        Some(s) if !s.is_empty() => Ok(s.to_string()),
        _ => Err(ApiError::invalid_data(vec![Detail::required(field)])),
    }
}

fn not_offered(action: &str, status: &str) -> ApiError {
    ApiError::invalid_request(format!(
        "The request could not be completed. The action {action} is not available when the flow status is {status}."
    ))
}

/// Applies one flow action (names compared case-insensitively, as media types are).
fn perform(
    store: &Store,
    data: &mut EnvData,
    flow: &mut Flow,
    action: &str,
    request: &Map<String, Value>,
) -> ApiResult<()> {
    let status = flow.status.clone();
    let offered = |statuses: &[&str]| statuses.contains(&status.as_str());
    match action {
        "usernamepassword.check" => {
            if !offered(&[
                "USERNAME_PASSWORD_REQUIRED",
                "PASSWORD_REQUIRED",
                "SIGN_ON_REQUIRED",
                "ACCOUNT_LINKING_REQUIRED",
            ]) {
                return Err(not_offered(action, &status));
            }
            let password = text(request, "password")?;
            let user_id = match (
                &flow.user_id,
                request.get("username").and_then(Value::as_str),
            ) {
                (Some(bound), Some(name)) => {
                    let matches = data
                        .body("users", bound)
                        .and_then(|u| u.get("username"))
                        .and_then(Value::as_str)
                        .is_some_and(|u| u.eq_ignore_ascii_case(name));
                    if !matches {
                        return Err(ApiError::invalid_value(
                            "username",
                            "The username does not match the user of this flow",
                        ));
                    }
                    bound.clone()
                }
                (Some(bound), None) => bound.clone(),
                (None, _) => {
                    let name = text(request, "username")?;
                    data.user_by_username(&name)
                        .map(|(id, _)| id.clone())
                        .ok_or_else(bad_credentials)?
                }
            };
            check_usable(data, &user_id)?;
            if !data.passwords.contains_key(&user_id) {
                return Err(ApiError::invalid_data(vec![Detail::new(
                    "NO_PASSWORD",
                    "password",
                    "The user has no password",
                )]));
            }
            if !users::password_matches(data, &user_id, &password) {
                return Err(bad_credentials());
            }
            // Account linking: the external identity now belongs to this user.
            if status == "ACCOUNT_LINKING_REQUIRED"
                && let Some(external) = flow.external.as_mut()
                && let Some(subject) = external.subject.take()
            {
                data.linked_accounts
                    .insert((external.provider_id.clone(), subject), user_id.clone());
            }
            flow.user_id = Some(user_id);
            flow.authenticated = true;
            push_amr(flow, "pwd");
        }
        "user.lookup" => {
            if !offered(&["SIGN_ON_REQUIRED", "USERNAME_PASSWORD_REQUIRED"]) {
                return Err(not_offered(action, &status));
            }
            let name = text(request, "username")?;
            let user_id = data.user_by_username(&name).map(|(id, _)| id.clone());
            // Identifier first: an identifier a discovery rule sends elsewhere needs no local user.
            let routed = flow
                .current_action()
                .filter(|a| action_type(a) == "IDENTIFIER_FIRST")
                .and_then(|a| discovered_provider(a, Some(&name), None))
                .is_some();
            match user_id {
                Some(user_id) => {
                    check_usable(data, &user_id)?;
                    flow.user_id = Some(user_id);
                }
                None if routed => {}
                None => {
                    return Err(ApiError::invalid_value(
                        "username",
                        "No user matches the username",
                    ));
                }
            }
            flow.identifier = Some(name);
        }
        "user.register" => {
            let registration = flow
                .current_action()
                .filter(|_| status == "USERNAME_PASSWORD_REQUIRED")
                .and_then(|a| a.get("registration"))
                .cloned()
                .filter(|r| r.get("enabled").and_then(Value::as_bool) == Some(true))
                .ok_or_else(|| not_offered(action, &status))?;
            let password = text(request, "password")?;
            let mut user = request.clone();
            user.remove("password");
            if let Some(population) = registration.get("population") {
                user.insert("population".into(), population.clone());
            }
            user.insert(
                "lifecycle".into(),
                json!({"status": "VERIFICATION_REQUIRED", "suppressVerificationCode": true}),
            );
            user.insert(
                "password".into(),
                json!({"value": password, "forceChange": false}),
            );
            let family = family::by_key("users").ok_or_else(ApiError::not_found)?;
            let user_id = crud::create(&Hook { store, actor: None }, data, family, None, user)?;
            users::send_verification_code(data, &user_id);
            flow.user_id = Some(user_id);
            flow.authenticated = true;
            flow.registering = true;
            push_amr(flow, "pwd");
        }
        "user.verify" => {
            if !offered(&["VERIFICATION_CODE_REQUIRED"]) {
                return Err(not_offered(action, &status));
            }
            let code = text(request, "verificationCode")?;
            let user_id = flow.user_id.clone().unwrap_or_default();
            if outbox::latest(data, Kind::VerificationCode, &user_id, None)
                .is_none_or(|c| !c.eq_ignore_ascii_case(&code))
            {
                return Err(ApiError::invalid_data(vec![Detail::new(
                    "INVALID_VALUE",
                    "verificationCode",
                    "The verification code is invalid",
                )]));
            }
            mark_verified(data, &user_id);
            flow.registering = false;
        }
        "user.sendverificationcode" => {
            if !offered(&["VERIFICATION_CODE_REQUIRED"]) {
                return Err(not_offered(action, &status));
            }
            let user_id = flow.user_id.clone().unwrap_or_default();
            users::send_verification_code(data, &user_id);
        }
        "password.forgot" => {
            if !offered(&["USERNAME_PASSWORD_REQUIRED", "PASSWORD_REQUIRED"]) {
                return Err(not_offered(action, &status));
            }
            let user_id = match &flow.user_id {
                Some(id) => id.clone(),
                None => {
                    let name = text(request, "username")?;
                    data.user_by_username(&name)
                        .map(|(id, _)| id.clone())
                        .ok_or_else(|| {
                            ApiError::invalid_value("username", "No user matches the username")
                        })?
                }
            };
            send_recovery_code(data, &user_id);
            flow.user_id = Some(user_id);
            flow.recovering = true;
        }
        "password.sendrecoverycode" => {
            if !offered(&["RECOVERY_CODE_REQUIRED"]) {
                return Err(not_offered(action, &status));
            }
            let user_id = flow.user_id.clone().unwrap_or_default();
            send_recovery_code(data, &user_id);
        }
        "password.recover" => {
            if !offered(&["RECOVERY_CODE_REQUIRED"]) {
                return Err(not_offered(action, &status));
            }
            let code = text(request, "recoveryCode")?;
            let new_password = text(request, "newPassword")?;
            let user_id = flow.user_id.clone().unwrap_or_default();
            if outbox::latest(data, Kind::RecoveryCode, &user_id, None)
                .is_none_or(|c| !c.eq_ignore_ascii_case(&code))
            {
                return Err(ApiError::invalid_value(
                    "recoveryCode",
                    "The recovery code is invalid",
                ));
            }
            set_password(data, &user_id, &new_password)?;
            flow.recovering = false;
            flow.authenticated = true;
            push_amr(flow, "pwd");
        }
        "password.reset" => {
            if !offered(&["MUST_CHANGE_PASSWORD", "PASSWORD_EXPIRED"]) {
                return Err(not_offered(action, &status));
            }
            let current = text(request, "currentPassword")?;
            let new_password = text(request, "newPassword")?;
            let user_id = flow.user_id.clone().unwrap_or_default();
            if !users::password_matches(data, &user_id, &current) {
                return Err(ApiError::invalid_value(
                    "currentPassword",
                    "The current password is incorrect",
                ));
            }
            if current == new_password {
                return Err(ApiError::invalid_value(
                    "newPassword",
                    "The new password must differ from the current one",
                ));
            }
            set_password(data, &user_id, &new_password)?;
        }
        "device.select" => {
            if !offered(&["DEVICE_SELECTION_REQUIRED", "OTP_REQUIRED"]) {
                return Err(not_offered(action, &status));
            }
            let device_id = request
                .get("device")
                .and_then(|d| d.get("id"))
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::invalid_data(vec![Detail::required("device.id")]))?
                .to_string();
            let user_id = flow.user_id.clone().unwrap_or_default();
            if !otp_devices(data, &user_id)
                .iter()
                .any(|(id, _)| *id == device_id)
            {
                return Err(ApiError::invalid_value(
                    "device.id",
                    "The device is not an active device of the user",
                ));
            }
            send_otp(data, flow, &device_id);
            flow.status = "OTP_REQUIRED".into();
        }
        "otp.check" => {
            if !offered(&["OTP_REQUIRED"]) {
                return Err(not_offered(action, &status));
            }
            let otp = text(request, "otp")?;
            let expected = flow
                .otp
                .as_ref()
                .map(|(_, code)| code.clone())
                .unwrap_or_default();
            if expected.is_empty() || !crate::store::constant_eq(&expected, &otp) {
                return Err(ApiError::invalid_data(vec![Detail::new(
                    "INVALID_OTP",
                    "otp",
                    "Invalid One-Time Password",
                )]));
            }
            flow.mfa_done = true;
            flow.otp = None;
            push_amr(flow, "otp");
            push_amr(flow, "mfa");
        }
        "user.consent" => {
            if !offered(&["AGREEMENT_CONSENT_REQUIRED"]) {
                return Err(not_offered(action, &status));
            }
            let accept = request
                .get("accept")
                .and_then(Value::as_bool)
                .ok_or_else(|| ApiError::invalid_data(vec![Detail::required("accept")]))?;
            if !accept {
                flow.fail("AGREEMENT_DECLINED", "The user declined the agreement");
                return Ok(());
            }
            let agreement = flow
                .current_action()
                .and_then(|a| a.get("agreement"))
                .and_then(|a| a.get("id"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let user_id = flow.user_id.clone().unwrap_or_default();
            crate::management::agreements::record_consent(data, &user_id, &agreement);
        }
        "user.update" => {
            if !offered(&["PROFILE_DATA_REQUIRED"]) {
                return Err(not_offered(action, &status));
            }
            let attributes = flow
                .current_action()
                .and_then(|a| a.get("attributes"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let user_id = flow.user_id.clone().unwrap_or_default();
            let mut details = Vec::new();
            let mut updates = Map::new();
            for attribute in &attributes {
                let Some(name) = attribute.get("name").and_then(Value::as_str) else {
                    continue;
                };
                let top = name.split('.').next().unwrap_or(name);
                match crud::lookup(request, name) {
                    Some(value) if !value.is_null() && value.as_str() != Some("") => {
                        if let Some(v) = request.get(top) {
                            updates.insert(top.to_string(), v.clone());
                        }
                    }
                    _ if attribute.get("required").and_then(Value::as_bool) == Some(true) => {
                        details.push(Detail::required(name))
                    }
                    _ => {}
                }
            }
            if !details.is_empty() {
                return Err(ApiError::invalid_data(details));
            }
            if !updates.is_empty() {
                let family = family::by_key("users").ok_or_else(ApiError::not_found)?;
                crud::update(
                    &Hook { store, actor: None },
                    data,
                    family,
                    &user_id,
                    updates,
                    true,
                )?;
            }
            flow.profiled = true;
        }
        "deviceauthgrant.usercode.verify" => {
            if !offered(&["DAG_USER_CODE_REQUIRED"]) {
                return Err(not_offered(action, &status));
            }
            let code = text(request, "userCode")?;
            bind_user_code(data, flow, &code)?;
        }
        "deviceauthgrant.consent" => {
            if !offered(&["DAG_CONSENT_REQUIRED"]) {
                return Err(not_offered(action, &status));
            }
            let accept = request
                .get("accept")
                .and_then(Value::as_bool)
                .ok_or_else(|| ApiError::invalid_data(vec![Detail::required("accept")]))?;
            if accept {
                flow.dag_consented = true;
            } else {
                if let Some(grant) = flow
                    .device_code
                    .as_ref()
                    .and_then(|c| data.device_grants.get_mut(c))
                {
                    grant.state = DeviceState::Denied;
                }
                flow.fail("ACCESS_DENIED", "The user denied the device authorization");
            }
        }
        "session.reset" => {
            let device_code = flow.device_code.clone();
            flow.reset();
            flow.device_code = device_code;
            flow.status.clear();
        }
        _ => return Err(ApiError::unsupported_media_type()),
    }
    Ok(())
}

/// Binds a device-grant user code to a device flow and loads the app's policy.
pub fn bind_user_code(data: &mut EnvData, flow: &mut Flow, code: &str) -> ApiResult<()> {
    let wanted: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    let now = clock::now();
    let found = data.device_grants.iter().find(|(_, g)| {
        g.user_code.replace('-', "") == wanted
            && g.expires_at > now
            && matches!(g.state, DeviceState::Pending)
    });
    let (device_code, client_id) = match found {
        Some((device_code, grant)) if flow.app_id.is_empty() || grant.client_id == flow.app_id => {
            (device_code.clone(), grant.client_id.clone())
        }
        _ => {
            return Err(ApiError::invalid_value(
                "userCode",
                "The user code is invalid or has expired",
            ));
        }
    };
    let (policy_name, actions) = policy_for(data, &client_id, None);
    flow.app_id = client_id;
    flow.policy_name = policy_name;
    flow.actions = actions;
    flow.device_code = Some(device_code);
    Ok(())
}

fn bad_credentials() -> ApiError {
    ApiError::invalid_data(vec![Detail::new(
        "INVALID_VALUE",
        "password",
        "The provided username or password is incorrect",
    )])
}

fn check_usable(data: &EnvData, user_id: &str) -> ApiResult<()> {
    let enabled = data
        .body("users", user_id)
        .and_then(|u| u.get("enabled"))
        .and_then(Value::as_bool)
        != Some(false);
    if enabled {
        Ok(())
    } else {
        Err(ApiError::invalid_data(vec![Detail::new(
            "ACCOUNT_NOT_USABLE",
            "username",
            "The account is disabled",
        )]))
    }
}

fn push_amr(flow: &mut Flow, method: &str) {
    if !flow.amr.iter().any(|m| m == method) {
        flow.amr.push(method.to_string());
    }
}

fn send_recovery_code(data: &mut EnvData, user_id: &str) {
    let code = generate::verification_code();
    let to = data
        .body("users", user_id)
        .and_then(|u| u.get("email"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    outbox::send(data, Kind::RecoveryCode, user_id, &to, &code, None);
}

fn set_password(data: &mut EnvData, user_id: &str, value: &str) -> ApiResult<()> {
    let user = data.body("users", user_id).cloned().unwrap_or_default();
    let problems = password_policies::violations(data, &user, value);
    if !problems.is_empty() {
        return Err(ApiError::invalid_data(problems));
    }
    users::store_password(data, user_id, value, false);
    Ok(())
}

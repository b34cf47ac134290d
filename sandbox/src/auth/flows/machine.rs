//! The sign-on state machine: runs the policy's actions until one needs the user, or
//! completes the flow with a session.

use serde_json::{Value, json};

use crate::audit;
use crate::auth::device::DeviceState;
use crate::auth::flows::flow::{Flow, Purpose};
use crate::auth::flows::identifier::discovered_provider;
use crate::auth::flows::mfa::{otp_devices, send_otp};
use crate::auth::flows::policy::{action_type, referenced_id};
use crate::auth::flows::profile::missing_profile_attributes;
use crate::auth::session::{SESSION_SECONDS, Session};
use crate::clock;
use crate::generate;
use crate::management::agreements;
use crate::store::EnvData;

fn must_change_password(data: &EnvData, flow: &Flow) -> bool {
    flow.user_id
        .as_deref()
        .and_then(|u| data.passwords.get(u))
        .is_some_and(|p| p.force_change)
}

/// Runs policy actions until one needs the user, or completes the flow.
pub fn advance(data: &mut EnvData, flow: &mut Flow) {
    if flow.status == "FAILED" || flow.status == "COMPLETED" {
        return;
    }
    let awaiting_code = matches!(flow.purpose, Purpose::Device) && flow.device_code.is_none();
    if awaiting_code && flow.actions.is_empty() {
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
                let unverified = flow
                    .user(data)
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
                    && let Some(provider) =
                        discovered_provider(&action, flow.identifier.as_deref(), flow.user(data))
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
                let mfa_enabled = flow
                    .user(data)
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
                let agreement = referenced_id(Some(&action), "agreement");
                if let Some(user_id) = &flow.user_id
                    && !agreements::consent_holds(data, user_id, agreement)
                    && data.row("agreements", agreement).is_some()
                {
                    flow.status = "AGREEMENT_CONSENT_REQUIRED".into();
                    return;
                }
            }
            "PROGRESSIVE_PROFILING"
                if !flow.profiled
                    && flow
                        .user(data)
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
    // Signed on before the code was typed (`/{envId}/device`): now the code.
    if matches!(flow.purpose, Purpose::Device) && flow.device_code.is_none() {
        flow.status = "DAG_USER_CODE_REQUIRED".into();
        return;
    }
    if matches!(flow.purpose, Purpose::Device) && !flow.dag_consented {
        flow.status = "DAG_CONSENT_REQUIRED".into();
        return;
    }
    complete(data, flow);
}

/// Creates (or extends) the SSO session, records the sign-on (on the user and in the audit)
/// and approves a device grant.
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
            created_at: now,
            last_sign_on: now,
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
        session.last_sign_on = now;
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
    let actors = audit::end_user_actors(data, &user_id, &flow.app_id);
    let resources = audit::subject(data, "users", &user_id)
        .into_iter()
        .collect();
    audit::record(data, "USER.ACCESS_ALLOWED", actors, resources);
    if let (Purpose::Device, Some(code)) = (&flow.purpose, &flow.device_code)
        && let Some(subject) = flow.subject()
        && let Some(grant) = data.device_grants.get_mut(code)
    {
        grant.state = DeviceState::Approved(subject);
    }
    flow.status = "COMPLETED".into();
}

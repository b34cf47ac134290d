//! Passwords: stored salted and hashed, set and changed under the user's password policy,
//! checked, and recovered with a code sent to the user's email.

use serde_json::{Value, json};

use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::generate;
use crate::links;
use crate::management::{crud, password_policies};
use crate::outbox::{self, Kind};
use crate::server::vendor_action;
use crate::store::{EnvData, Password, Store};

/// Records a code of `kind` in the outbox for the user's email; returns it.
pub fn send_email_code(data: &mut EnvData, kind: Kind, user_id: &str) -> String {
    let code = generate::verification_code();
    let to = data
        .body("users", user_id)
        .and_then(|u| u.get("email"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    outbox::send(data, kind, user_id, &to, &code, None);
    code
}

/// Records a verification code in the outbox for the user's email.
pub fn send_verification_code(data: &mut EnvData, user_id: &str) -> String {
    send_email_code(data, Kind::VerificationCode, user_id)
}

pub fn store_password(data: &mut EnvData, user_id: &str, value: &str, force_change: bool) {
    let salt = generate::opaque();
    let hash = password_policies::hash(&salt, value);
    data.passwords.insert(
        user_id.to_string(),
        Password {
            salt,
            hash,
            force_change,
            changed_at: clock::iso_now(),
        },
    );
}

/// Stores a password that satisfies the user's password policy.
pub fn set_password(
    data: &mut EnvData,
    user_id: &str,
    value: &str,
    force_change: bool,
) -> ApiResult<()> {
    let user = data.body("users", user_id).cloned().unwrap_or_default();
    let problems = password_policies::violations(data, &user, value);
    if !problems.is_empty() {
        return Err(ApiError::invalid_data(problems));
    }
    store_password(data, user_id, value, force_change);
    Ok(())
}

pub fn password_matches(data: &EnvData, user_id: &str, value: &str) -> bool {
    data.passwords.get(user_id).is_some_and(|p| {
        crate::store::constant_eq(&p.hash, &password_policies::hash(&p.salt, value))
    })
}

/// The password-state object (`GET/PUT .../users/{id}/password`).
pub fn password_state(store: &Store, data: &EnvData, user_id: &str, expand: bool) -> Value {
    let user_url = format!(
        "{}/v1/environments/{}/users/{user_id}",
        store.base_url, data.id
    );
    let password_url = format!("{user_url}/password");
    let user = data.body("users", user_id).cloned().unwrap_or_default();
    let policy = password_policies::policy_for(data, &user);
    let mut pairs = vec![
        ("self".to_string(), password_url.clone()),
        (
            "environment".to_string(),
            format!("{}/v1/environments/{}", store.base_url, data.id),
        ),
        ("user".to_string(), user_url),
    ];
    if let Some((policy_id, _)) = policy {
        pairs.push((
            "passwordPolicy".to_string(),
            format!(
                "{}/v1/environments/{}/passwordPolicies/{policy_id}",
                store.base_url, data.id
            ),
        ));
    }
    for rel in [
        "password.check",
        "password.reset",
        "password.set",
        "password.recover",
    ] {
        pairs.push((rel.to_string(), password_url.clone()));
    }
    let stored = data.passwords.get(user_id);
    let status = match stored {
        None => "NO_PASSWORD",
        Some(p) if p.force_change => "MUST_CHANGE_PASSWORD",
        Some(_) => "OK",
    };
    let mut out = json!({
        "_links": links::links(pairs),
        "environment": {"id": data.id},
        "user": {"id": user_id},
        "status": status,
    });
    if let Some((policy_id, body)) = policy {
        out["passwordPolicy"] = json!({"id": policy_id});
        if expand {
            out["_embedded"] = json!({"passwordPolicy": body});
        }
    }
    if let Some(p) = stored {
        out["lastChangedAt"] = json!(p.changed_at);
    }
    out
}

/// `PUT|POST .../users/{id}/password` dispatched on the vendor media type.
/// The method PingOne takes each password action with: setting and changing replace the
/// password (PUT); checking it and recovering it are requests about it (POST).
const METHODS: &[(&str, &str)] = &[
    ("password.set", "PUT"),
    ("password.reset", "PUT"),
    ("password.check", "POST"),
    ("password.sendRecoveryCode", "POST"),
    ("password.recover", "POST"),
];

pub fn password_action(
    store: &Store,
    data: &mut EnvData,
    user_id: &str,
    (method, media_type): (&str, &str),
    body: &[u8],
) -> ApiResult<Value> {
    data.row("users", user_id).ok_or_else(ApiError::not_found)?;
    let action = vendor_action(media_type).ok_or_else(ApiError::unsupported_media_type)?;
    match METHODS.iter().find(|(name, _)| *name == action) {
        None => return Err(ApiError::unsupported_media_type()),
        Some((_, expected)) if *expected != method => return Err(ApiError::method_not_allowed()),
        Some(_) => {}
    }
    let request = crud::object(body)?;
    match action {
        "password.set" => {
            let value = crud::text(&request, "value")?;
            let force = request
                .get("forceChange")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            set_password(data, user_id, &value, force)?;
        }
        "password.reset" => {
            let current = crud::text(&request, "currentPassword")?;
            let new = crud::text(&request, "newPassword")?;
            if !password_matches(data, user_id, &current) {
                return Err(ApiError::invalid_value(
                    "currentPassword",
                    "The current password is incorrect",
                ));
            }
            set_password(data, user_id, &new, false)?;
        }
        "password.check" => {
            let value = crud::text(&request, "password")?;
            if !password_matches(data, user_id, &value) {
                return Err(ApiError::invalid_value(
                    "password",
                    "The password is incorrect",
                ));
            }
        }
        "password.sendRecoveryCode" => {
            send_email_code(data, Kind::RecoveryCode, user_id);
        }
        "password.recover" => {
            let code = crud::text(&request, "recoveryCode")?;
            let new = crud::text(&request, "newPassword")?;
            if outbox::latest(data, Kind::RecoveryCode, user_id, None) != Some(code.as_str()) {
                return Err(ApiError::invalid_value(
                    "recoveryCode",
                    "The recovery code is invalid",
                ));
            }
            set_password(data, user_id, &new, false)?;
        }
        _ => return Err(ApiError::unsupported_media_type()),
    }
    Ok(password_state(store, data, user_id, false))
}

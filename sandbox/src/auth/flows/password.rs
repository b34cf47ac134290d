//! Username and password: the check, forgotten passwords (recovery codes) and the change a
//! policy can force.

use serde_json::Value;

use crate::audit;
use crate::auth::flows::actions::{Action, Posted};
use crate::error::{ApiError, ApiResult, Detail};
use crate::management::crud::text;
use crate::management::users;
use crate::outbox::{self, Kind};
use crate::store::EnvData;

pub(super) const ACTIONS: &[Action] = &[
    Action {
        name: "usernamepassword.check",
        offered_in: &[
            "USERNAME_PASSWORD_REQUIRED",
            "PASSWORD_REQUIRED",
            "SIGN_ON_REQUIRED",
            "ACCOUNT_LINKING_REQUIRED",
        ],
        run: check,
    },
    Action {
        name: "password.forgot",
        offered_in: &["USERNAME_PASSWORD_REQUIRED", "PASSWORD_REQUIRED"],
        run: forgot,
    },
    Action {
        name: "password.sendrecoverycode",
        offered_in: &["RECOVERY_CODE_REQUIRED"],
        run: |Posted { data, flow, .. }| {
            users::send_email_code(data, Kind::RecoveryCode, &flow.user_id_or_empty());
            Ok(())
        },
    },
    Action {
        name: "password.recover",
        offered_in: &["RECOVERY_CODE_REQUIRED"],
        run: recover,
    },
    Action {
        name: "password.reset",
        offered_in: &["MUST_CHANGE_PASSWORD", "PASSWORD_EXPIRED"],
        run: reset,
    },
];

/// `usernamePassword.check`: the flow's user (or the one named) with the right password;
/// when an external identity waits for a local account, links it to this user.
fn check(post: Posted) -> ApiResult<()> {
    let password = text(post.request, "password")?;
    let user_id = match (
        &post.flow.user_id,
        post.request.get("username").and_then(Value::as_str),
    ) {
        (Some(bound), Some(name)) => {
            let matches = post
                .data
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
            let name = text(post.request, "username")?;
            post.data
                .user_by_username(&name)
                .map(|(id, _)| id.clone())
                .ok_or_else(bad_credentials)?
        }
    };
    check_usable(post.data, &user_id)?;
    if !post.data.passwords.contains_key(&user_id) {
        return Err(ApiError::invalid_data(vec![Detail::new(
            "NO_PASSWORD",
            "password",
            "The user has no password",
        )]));
    }
    if !users::password_matches(post.data, &user_id, &password) {
        let actors = audit::end_user_actors(post.data, &user_id, &post.flow.app_id);
        let resources = audit::subject(post.data, "users", &user_id)
            .into_iter()
            .collect();
        audit::record_failure(
            post.data,
            "USER.ACCESS_DENIED",
            actors,
            resources,
            "The provided username or password is incorrect",
        );
        return Err(bad_credentials());
    }
    // Account linking: the external identity now belongs to this user.
    if post.flow.status == "ACCOUNT_LINKING_REQUIRED"
        && let Some(external) = post.flow.external.as_mut()
        && let Some(subject) = external.subject.take()
    {
        post.data
            .linked_accounts
            .insert((external.provider_id.clone(), subject), user_id.clone());
    }
    post.flow.user_id = Some(user_id);
    post.flow.authenticated = true;
    post.flow.push_amr("pwd");
    Ok(())
}

/// `password.forgot`: a recovery code to the user's email.
fn forgot(post: Posted) -> ApiResult<()> {
    let user_id = match &post.flow.user_id {
        Some(id) => id.clone(),
        None => {
            let name = text(post.request, "username")?;
            post.data
                .user_by_username(&name)
                .map(|(id, _)| id.clone())
                .ok_or_else(|| {
                    ApiError::invalid_value("username", "No user matches the username")
                })?
        }
    };
    users::send_email_code(post.data, Kind::RecoveryCode, &user_id);
    post.flow.user_id = Some(user_id);
    post.flow.recovering = true;
    Ok(())
}

/// `password.recover`: the recovery code and a new password sign the user on.
fn recover(post: Posted) -> ApiResult<()> {
    let code = text(post.request, "recoveryCode")?;
    let new_password = text(post.request, "newPassword")?;
    let user_id = post.flow.user_id_or_empty();
    if !outbox::is_latest(post.data, Kind::RecoveryCode, &user_id, &code) {
        return Err(ApiError::invalid_value(
            "recoveryCode",
            "The recovery code is invalid",
        ));
    }
    users::set_password(post.data, &user_id, &new_password, false)?;
    post.flow.recovering = false;
    post.flow.authenticated = true;
    post.flow.push_amr("pwd");
    Ok(())
}

/// `password.reset`: the current password for a new one.
fn reset(post: Posted) -> ApiResult<()> {
    let current = text(post.request, "currentPassword")?;
    let new_password = text(post.request, "newPassword")?;
    let user_id = post.flow.user_id_or_empty();
    if !users::password_matches(post.data, &user_id, &current) {
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
    users::set_password(post.data, &user_id, &new_password, false)
}

fn bad_credentials() -> ApiError {
    ApiError::invalid_data(vec![Detail::new(
        "INVALID_VALUE",
        "password",
        "The provided username or password is incorrect",
    )])
}

/// A disabled account cannot sign on.
pub(super) fn check_usable(data: &EnvData, user_id: &str) -> ApiResult<()> {
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

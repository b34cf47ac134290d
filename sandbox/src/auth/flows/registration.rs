//! Registration from the sign-on page and the email verification that follows it (or that
//! an unverified user meets at sign-on).

use serde_json::{Value, json};

use crate::auth::flows::actions::{Action, Posted, not_offered};
use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::management::crud::text;
use crate::management::hooks::Hook;
use crate::management::{crud, family, users};
use crate::outbox::{self, Kind};
use crate::store::EnvData;

pub(super) const ACTIONS: &[Action] = &[
    Action {
        name: "user.register",
        offered_in: &["USERNAME_PASSWORD_REQUIRED"],
        run: register,
    },
    Action {
        name: "user.verify",
        offered_in: &["VERIFICATION_CODE_REQUIRED"],
        run: verify,
    },
    Action {
        name: "user.sendverificationcode",
        offered_in: &["VERIFICATION_CODE_REQUIRED"],
        run: |Posted { data, flow, .. }| {
            users::send_verification_code(data, &flow.user_id_or_empty());
            Ok(())
        },
    },
];

/// `user.register`, when the login action enables registration: a new user, signed on with
/// the chosen password, who must verify the email next.
fn register(post: Posted) -> ApiResult<()> {
    let registration = post
        .flow
        .current_action()
        .and_then(|a| a.get("registration"))
        .cloned()
        .filter(|r| r.get("enabled").and_then(Value::as_bool) == Some(true))
        .ok_or_else(|| not_offered("user.register", &post.flow.status))?;
    let password = text(post.request, "password")?;
    let mut user = post.request.clone();
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
    let user_id = crud::create(
        &Hook {
            store: post.store,
            actor: None,
        },
        post.data,
        family,
        None,
        user,
    )?;
    users::send_verification_code(post.data, &user_id);
    post.flow.user_id = Some(user_id);
    post.flow.authenticated = true;
    post.flow.registering = true;
    post.flow.push_amr("pwd");
    Ok(())
}

/// `user.verify`: the code sent to the email verifies the user.
fn verify(post: Posted) -> ApiResult<()> {
    let code = text(post.request, "verificationCode")?;
    let user_id = post.flow.user_id_or_empty();
    if !outbox::is_latest(post.data, Kind::VerificationCode, &user_id, &code) {
        return Err(ApiError::invalid_value(
            "verificationCode",
            "The verification code is invalid",
        ));
    }
    mark_verified(post.data, &user_id);
    post.flow.registering = false;
    Ok(())
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

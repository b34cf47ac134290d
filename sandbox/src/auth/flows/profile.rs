//! Progressive profiling: attributes the policy wants the user to fill in at sign-on.

use serde_json::{Map, Value};

use crate::auth::flows::actions::{Action, Posted};
use crate::error::{ApiError, ApiResult, Detail};
use crate::management::hooks::Hook;
use crate::management::{crud, family};

pub(super) const ACTIONS: &[Action] = &[Action {
    name: "user.update",
    offered_in: &["PROFILE_DATA_REQUIRED"],
    run: update,
}];

/// Whether the user lacks one of the action's attributes (absent, null or empty).
pub(super) fn missing_profile_attributes(
    action: &Map<String, Value>,
    user: &Map<String, Value>,
) -> bool {
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

/// `user.update`: the action's attributes from the request, the required ones enforced.
fn update(post: Posted) -> ApiResult<()> {
    let attributes = post
        .flow
        .current_action()
        .and_then(|a| a.get("attributes"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let user_id = post.flow.user_id_or_empty();
    let mut details = Vec::new();
    let mut updates = Map::new();
    for attribute in &attributes {
        let Some(name) = attribute.get("name").and_then(Value::as_str) else {
            continue;
        };
        let top = name.split('.').next().unwrap_or(name);
        match crud::lookup(post.request, name) {
            Some(value) if !value.is_null() && value.as_str() != Some("") => {
                if let Some(v) = post.request.get(top) {
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
            &Hook {
                store: post.store,
                actor: None,
            },
            post.data,
            family,
            &user_id,
            updates,
            true,
        )?;
    }
    post.flow.profiled = true;
    Ok(())
}

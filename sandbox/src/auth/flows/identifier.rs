//! Identifier first: the user types who they are, and a discovery rule may send them to
//! an external identity provider instead of asking for a password.

use serde_json::{Map, Value};

use crate::auth::claims::{self, Sources};
use crate::auth::flows::actions::{Action, Posted};
use crate::auth::flows::password::check_usable;
use crate::auth::flows::policy::action_type;
use crate::error::{ApiError, ApiResult};
use crate::management::crud::text;

pub(super) const ACTIONS: &[Action] = &[Action {
    name: "user.lookup",
    offered_in: &["SIGN_ON_REQUIRED", "USERNAME_PASSWORD_REQUIRED"],
    run: lookup,
}];

/// `user.lookup`: identifies the user by username; an identifier a discovery rule routes
/// elsewhere needs no local user.
fn lookup(post: Posted) -> ApiResult<()> {
    let name = text(post.request, "username")?;
    let user_id = post.data.user_by_username(&name).map(|(id, _)| id.clone());
    let routed = post
        .flow
        .current_action()
        .filter(|a| action_type(a) == "IDENTIFIER_FIRST")
        .and_then(|a| discovered_provider(a, Some(&name), None))
        .is_some();
    match user_id {
        Some(user_id) => {
            check_usable(post.data, &user_id)?;
            post.flow.user_id = Some(user_id);
        }
        None if routed => {}
        None => {
            return Err(ApiError::invalid_value(
                "username",
                "No user matches the username",
            ));
        }
    }
    post.flow.identifier = Some(name);
    Ok(())
}

/// The identity provider of the first discovery rule whose condition holds. PingOne's
/// condition is `{value: "${identifier}", contains: "@example.com"}`: `value` is the
/// expression (the typed identifier, or user attributes), `contains` the text looked for.
pub(super) fn discovered_provider(
    action: &Map<String, Value>,
    identifier: Option<&str>,
    user: Option<&Map<String, Value>>,
) -> Option<String> {
    let sources = Sources {
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
            let subject = claims::evaluate(expression, &sources)?;
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

//! Which sign-on policy a flow runs, and its actions in order.

use serde_json::{Map, Value, json};

use crate::store::EnvData;

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
            Some((priority(&row.body), id))
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
    actions.sort_by_key(priority);
    if actions.is_empty() {
        let mut login = Map::new();
        login.insert("type".into(), json!("LOGIN"));
        login.insert("priority".into(), json!(1));
        actions.push(login);
    }
    (name, actions)
}

/// `priority` of an assignment or action; none sorts last.
fn priority(body: &Map<String, Value>) -> u64 {
    body.get("priority")
        .and_then(Value::as_u64)
        .unwrap_or(u64::MAX)
}

/// `LOGIN`, `MULTI_FACTOR_AUTHENTICATION`, ... of a policy action.
pub(super) fn action_type(action: &Map<String, Value>) -> &str {
    action
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The `id` of an object field of a policy action (`agreement`, `identityProvider`).
pub(super) fn referenced_id<'a>(action: Option<&'a Map<String, Value>>, field: &str) -> &'a str {
    action
        .and_then(|a| a.get(field))
        .and_then(|a| a.get("id"))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

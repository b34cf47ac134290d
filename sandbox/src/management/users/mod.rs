//! Users: defaults and uniqueness, passwords (vendor media types), `mfaEnabled`,
//! group memberships and MFA devices.

use serde_json::{Map, Value, json};

use crate::clock;
use crate::error::{ApiError, ApiResult, Detail};
use crate::links;
use crate::management::crud;
use crate::management::password_policies;
use crate::store::{EnvData, Store};

mod devices;
mod password;

pub use devices::{
    activate_device, add_pairing, after_device_created, contact, prepare_device, reorder_devices,
};
pub use password::{
    password_action, password_matches, password_state, send_email_code, send_verification_code,
    set_password, store_password,
};

pub fn prepare(
    data: &EnvData,
    existing: Option<&Map<String, Value>>,
    body: &mut Map<String, Value>,
    details: &mut Vec<Detail>,
    stash: &mut Map<String, Value>,
) {
    if let Some(username) = body.get("username").and_then(Value::as_str)
        && username.chars().count() > 128
    {
        details.push(Detail::new(
            "SIZE_LIMIT_EXCEEDED",
            "username",
            "username must be at most 128 characters",
        ));
    }
    if let Some(email) = body.get("email")
        && email.as_str().is_none_or(|e| !looks_like_email(e))
        && !email.is_null()
    {
        details.push(Detail::invalid(
            "email",
            "must be a well-formed email address",
        ));
    }
    if let Some(photo) = body.get("photo").filter(|p| !p.is_null())
        && !photo
            .get("href")
            .and_then(Value::as_str)
            .is_some_and(|href| url::Url::parse(href).is_ok_and(|u| u.has_host()))
    {
        details.push(Detail::invalid(
            "photo.href",
            "photo.href must be an absolute URL",
        ));
    }
    if body.get("population").is_none_or(Value::is_null) {
        match existing
            .and_then(|e| e.get("population"))
            .cloned()
            .or_else(|| data.default_population().map(|p| json!({"id": p})))
        {
            Some(population) => {
                body.insert("population".into(), population);
            }
            None => details.push(Detail::required("population.id")),
        }
    }
    // System-managed attributes survive a PUT; mfaEnabled is only settable on create.
    for key in [
        "mfaEnabled",
        "lifecycle",
        "account",
        "identityProvider",
        "verifyStatus",
        "emailVerified",
        "enabled",
    ] {
        if let Some(previous) = existing.and_then(|e| e.get(key)) {
            if key == "enabled" && body.contains_key(key) {
                continue;
            }
            body.insert(key.into(), previous.clone());
        }
    }
    body.entry("enabled").or_insert(json!(true));
    body.entry("mfaEnabled").or_insert(json!(false));
    body.entry("emailVerified").or_insert(json!(false));
    body.entry("lifecycle")
        .or_insert(json!({"status": "ACCOUNT_OK"}));
    body.entry("account")
        .or_insert(json!({"canAuthenticate": true, "status": "OK"}));
    body.entry("identityProvider")
        .or_insert(json!({"type": "PING_ONE"}));
    body.entry("verifyStatus").or_insert(json!("NOT_INITIATED"));
    if let Some(password) = body.remove("password") {
        let value = password
            .get("value")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if existing.is_none() && !value.is_empty() {
            details.extend(password_policies::violations(data, body, &value));
            stash.insert("password".into(), json!(value));
            stash.insert(
                "forceChange".into(),
                password.get("forceChange").cloned().unwrap_or(json!(false)),
            );
        }
    }
    let verification = existing.is_none()
        && body
            .get("lifecycle")
            .and_then(|l| l.get("status"))
            .and_then(Value::as_str)
            == Some("VERIFICATION_REQUIRED")
        && body
            .get("lifecycle")
            .and_then(|l| l.get("suppressVerificationCode"))
            .and_then(Value::as_bool)
            != Some(true);
    if verification {
        stash.insert("sendVerification".into(), json!(true));
    }
    if let Some(lifecycle) = body.get_mut("lifecycle").and_then(Value::as_object_mut) {
        lifecycle.remove("suppressVerificationCode");
    }
}

pub(super) fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !text.contains(' ')
        }
        None => false,
    }
}

pub fn after_write(
    data: &mut EnvData,
    id: &str,
    created: bool,
    stash: Map<String, Value>,
) -> ApiResult<()> {
    if !created {
        return Ok(());
    }
    if let Some(password) = stash.get("password").and_then(Value::as_str) {
        let force = stash
            .get("forceChange")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        store_password(data, id, password, force);
    }
    if stash.contains_key("sendVerification") {
        send_verification_code(data, id);
    }
    Ok(())
}

pub fn links(
    base_url: &str,
    self_url: &str,
    data: &EnvData,
    body: &Map<String, Value>,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = [
        ("password", "/password"),
        ("password.set", "/password"),
        ("password.reset", "/password"),
        ("password.check", "/password"),
        ("password.recover", "/password"),
        ("devices", "/devices"),
        ("roleAssignments", "/roleAssignments"),
        ("linkedAccounts", "/linkedAccounts"),
        ("account.sendVerificationCode", ""),
    ]
    .iter()
    .map(|(rel, suffix)| (rel.to_string(), format!("{self_url}{suffix}")))
    .collect();
    if let Some(population) = body
        .get("population")
        .and_then(|p| p.get("id"))
        .and_then(Value::as_str)
    {
        out.push((
            "population".to_string(),
            format!(
                "{base_url}/v1/environments/{}/populations/{population}",
                data.id
            ),
        ));
    }
    out
}

/// `GET|PUT .../users/{id}/mfaEnabled`
pub fn mfa_enabled(
    store: &Store,
    data: &mut EnvData,
    user_id: &str,
    update: Option<&[u8]>,
) -> ApiResult<Value> {
    data.row("users", user_id).ok_or_else(ApiError::not_found)?;
    if let Some(body) = update {
        let request = crud::object(body)?;
        let enabled = match request.get("mfaEnabled") {
            Some(Value::Bool(b)) => *b,
            None | Some(Value::Null) => {
                return Err(ApiError::invalid_data(vec![Detail::required("mfaEnabled")]));
            }
            Some(_) => {
                return Err(ApiError::invalid_value(
                    "mfaEnabled",
                    "mfaEnabled must be a boolean",
                ));
            }
        };
        if let Some(row) = data.table_mut("users").get_mut(user_id) {
            row.body.insert("mfaEnabled".into(), json!(enabled));
            row.body.insert("updatedAt".into(), json!(clock::iso_now()));
        }
    }
    let enabled = data
        .body("users", user_id)
        .and_then(|u| u.get("mfaEnabled"))
        .cloned()
        .unwrap_or(json!(false));
    let user_url = format!(
        "{}/v1/environments/{}/users/{user_id}",
        store.base_url, data.id
    );
    Ok(json!({
        "_links": links::links(vec![("self".into(), format!("{user_url}/mfaEnabled")), ("user".into(), user_url)]),
        "mfaEnabled": enabled,
    }))
}

fn membership(store: &Store, data: &EnvData, user_id: &str, group_id: &str) -> Value {
    let group = data.row("groups", group_id).map(|row| {
        crud::render(
            &store.base_url,
            data,
            crate::management::family::by_key("groups").expect("groups family"),
            group_id,
            row,
        )
    });
    let name = group
        .as_ref()
        .and_then(|g| g.get("name"))
        .cloned()
        .unwrap_or(Value::Null);
    json!({
        "_links": links::links(vec![
            ("self".into(), format!("{}/v1/environments/{}/users/{user_id}/memberOfGroups/{group_id}", store.base_url, data.id)),
            ("group".into(), format!("{}/v1/environments/{}/groups/{group_id}", store.base_url, data.id)),
        ]),
        "id": group_id,
        "name": name,
        "type": "DIRECT",
        "environment": {"id": data.id},
        "_embedded": {"group": group},
    })
}

/// `GET|POST .../users/{id}/memberOfGroups[/{groupId}]`; returns (status, body).
pub fn memberships(
    store: &Store,
    data: &mut EnvData,
    user_id: &str,
    group: Option<&str>,
    method: &str,
    body: &[u8],
) -> ApiResult<(u16, Option<Value>)> {
    data.row("users", user_id).ok_or_else(ApiError::not_found)?;
    match (method, group) {
        ("GET", None) => {
            let groups = data.memberships.get(user_id).cloned().unwrap_or_default();
            let items: Vec<Value> = groups
                .iter()
                .map(|g| membership(store, data, user_id, g))
                .collect();
            let count = items.len();
            let url = format!(
                "{}/v1/environments/{}/users/{user_id}/memberOfGroups",
                store.base_url, data.id
            );
            Ok((
                200,
                Some(links::collection(
                    url,
                    None,
                    "groupMemberships",
                    items,
                    count,
                )),
            ))
        }
        ("POST", None) => {
            let request = crud::object(body)?;
            let group_id = crud::text(&request, "id")?;
            if data.row("groups", &group_id).is_none() {
                return Err(ApiError::invalid_value(
                    "id",
                    "Referenced group does not exist",
                ));
            }
            let groups = data.memberships.entry(user_id.to_string()).or_default();
            if groups.contains(&group_id) {
                return Err(ApiError::invalid_data(vec![Detail::new(
                    "UNIQUENESS_VIOLATION",
                    "id",
                    "User is already a member of this group",
                )]));
            }
            groups.push(group_id.clone());
            Ok((201, Some(membership(store, data, user_id, &group_id))))
        }
        ("GET", Some(group_id)) => {
            let member = data
                .memberships
                .get(user_id)
                .is_some_and(|g| g.iter().any(|x| x == group_id));
            if !member {
                return Err(ApiError::not_found());
            }
            Ok((200, Some(membership(store, data, user_id, group_id))))
        }
        ("DELETE", Some(group_id)) => {
            let groups = data.memberships.entry(user_id.to_string()).or_default();
            let before = groups.len();
            groups.retain(|g| g != group_id);
            if groups.len() == before {
                return Err(ApiError::not_found());
            }
            Ok((204, None))
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}

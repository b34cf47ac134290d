//! Users: defaults and uniqueness, passwords (vendor media types), `mfaEnabled`,
//! group memberships and MFA devices.

use serde_json::{Map, Value, json};

use crate::clock;
use crate::error::{ApiError, ApiResult, Detail};
use crate::generate;
use crate::links;
use crate::management::crud;
use crate::management::password_policies;
use crate::outbox::{self, Kind};
use crate::store::{EnvData, Password, Row, Store};

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

fn looks_like_email(text: &str) -> bool {
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

/// Records a verification code in the outbox for the user's email.
pub fn send_verification_code(data: &mut EnvData, user_id: &str) -> String {
    let code = generate::verification_code();
    let to = data
        .body("users", user_id)
        .and_then(|u| u.get("email"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    outbox::send(data, Kind::VerificationCode, user_id, &to, &code, None);
    code
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

pub fn password_matches(data: &EnvData, user_id: &str, value: &str) -> bool {
    data.passwords.get(user_id).is_some_and(|p| {
        crate::store::constant_eq(&p.hash, &password_policies::hash(&p.salt, value))
    })
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

fn text_field(body: &Map<String, Value>, field: &str) -> ApiResult<String> {
    match body.get(field).and_then(Value::as_str) {
        Some(s) if !s.is_empty() => Ok(s.to_string()),
        _ => Err(ApiError::invalid_data(vec![Detail::required(field)])),
    }
}

/// `PUT|POST .../users/{id}/password` dispatched on the vendor media type.
pub fn password_action(
    store: &Store,
    data: &mut EnvData,
    user_id: &str,
    media_type: &str,
    body: &[u8],
) -> ApiResult<Value> {
    let user = data
        .body("users", user_id)
        .cloned()
        .ok_or_else(ApiError::not_found)?;
    let action = media_type
        .strip_prefix("application/vnd.pingidentity.")
        .and_then(|rest| rest.strip_suffix("+json"))
        .ok_or_else(ApiError::unsupported_media_type)?;
    let request = crud::object(body)?;
    match action {
        "password.set" => {
            let value = text_field(&request, "value")?;
            let force = request
                .get("forceChange")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let problems = password_policies::violations(data, &user, &value);
            if !problems.is_empty() {
                return Err(ApiError::invalid_data(problems));
            }
            store_password(data, user_id, &value, force);
        }
        "password.reset" => {
            let current = text_field(&request, "currentPassword")?;
            let new = text_field(&request, "newPassword")?;
            if !password_matches(data, user_id, &current) {
                return Err(ApiError::invalid_value(
                    "currentPassword",
                    "The current password is incorrect",
                ));
            }
            let problems = password_policies::violations(data, &user, &new);
            if !problems.is_empty() {
                return Err(ApiError::invalid_data(problems));
            }
            store_password(data, user_id, &new, false);
        }
        "password.check" => {
            let value = text_field(&request, "password")?;
            if !password_matches(data, user_id, &value) {
                return Err(ApiError::invalid_value(
                    "password",
                    "The password is incorrect",
                ));
            }
        }
        "password.sendRecoveryCode" => {
            let code = generate::verification_code();
            let to = user
                .get("email")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            outbox::send(data, Kind::RecoveryCode, user_id, &to, &code, None);
        }
        "password.recover" => {
            let code = text_field(&request, "recoveryCode")?;
            let new = text_field(&request, "newPassword")?;
            if outbox::latest(data, Kind::RecoveryCode, user_id, None) != Some(code.as_str()) {
                return Err(ApiError::invalid_value(
                    "recoveryCode",
                    "The recovery code is invalid",
                ));
            }
            let problems = password_policies::violations(data, &user, &new);
            if !problems.is_empty() {
                return Err(ApiError::invalid_data(problems));
            }
            store_password(data, user_id, &new, false);
        }
        _ => return Err(ApiError::unsupported_media_type()),
    }
    Ok(password_state(store, data, user_id, false))
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
            let group_id = text_field(&request, "id")?;
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

/// Phone numbers: international format, separators `.`, space, `(`, `)`, `-` allowed.
fn normalize_phone(raw: &str) -> Option<String> {
    let rest = raw.trim().strip_prefix('+')?;
    let digits: String = rest
        .chars()
        .filter(|c| !matches!(c, '.' | ' ' | '(' | ')' | '-'))
        .collect();
    (digits.len() >= 7 && digits.len() <= 15 && digits.chars().all(|c| c.is_ascii_digit()))
        .then(|| format!("+{digits}"))
}

pub fn prepare_device(
    existing: Option<&Map<String, Value>>,
    body: &mut Map<String, Value>,
    details: &mut Vec<Detail>,
) {
    match body.get("type").and_then(Value::as_str) {
        Some("EMAIL") => match body.get("email").and_then(Value::as_str) {
            Some(email) if looks_like_email(email) => {}
            Some(_) => details.push(Detail::invalid(
                "email",
                "must be a well-formed email address",
            )),
            None => details.push(Detail::required("email")),
        },
        Some("SMS") | Some("VOICE") => match body
            .get("phone")
            .and_then(Value::as_str)
            .map(normalize_phone)
        {
            Some(Some(phone)) => {
                body.insert("phone".into(), json!(phone));
            }
            Some(None) => details.push(Detail::invalid(
                "phone",
                "phone must be in international format, e.g. +15125550100",
            )),
            None => details.push(Detail::required("phone")),
        },
        _ => {}
    }
    let status = existing
        .and_then(|e| e.get("status"))
        .cloned()
        .unwrap_or(json!("ACTIVE"));
    body.entry("status").or_insert(status);
}

/// Devices created as ACTIVATION_REQUIRED get an activation OTP in the outbox.
pub fn after_device_created(data: &mut EnvData, device_id: &str) -> ApiResult<()> {
    let Some(row) = data.row("users.devices", device_id).cloned() else {
        return Ok(());
    };
    if row.body.get("status").and_then(Value::as_str) == Some("ACTIVATION_REQUIRED") {
        let to = contact(&row.body);
        if let Some(user_id) = row.parent.as_deref() {
            outbox::send(
                data,
                Kind::Otp,
                user_id,
                &to,
                &generate::otp(),
                Some(device_id),
            );
        }
    }
    Ok(())
}

/// A device's email or phone.
pub fn contact(device: &Map<String, Value>) -> String {
    device
        .get("email")
        .or_else(|| device.get("phone"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// `POST .../users/{id}/devices/{deviceId}` with `device.activate+json` `{"otp"}`.
pub fn activate_device(
    data: &mut EnvData,
    user_id: &str,
    device_id: &str,
    body: &[u8],
) -> ApiResult<()> {
    let row = data
        .row("users.devices", device_id)
        .ok_or_else(ApiError::not_found)?;
    if row.parent.as_deref() != Some(user_id) {
        return Err(ApiError::not_found());
    }
    let request = crud::object(body)?;
    let otp = text_field(&request, "otp")?;
    if outbox::latest(data, Kind::Otp, user_id, Some(device_id)) != Some(otp.as_str()) {
        return Err(ApiError::invalid_data(vec![Detail::new(
            "INVALID_OTP",
            "otp",
            "Invalid One-Time Password",
        )]));
    }
    if let Some(row) = data.table_mut("users.devices").get_mut(device_id) {
        row.body.insert("status".into(), json!("ACTIVE"));
        row.body.insert("updatedAt".into(), json!(clock::iso_now()));
    }
    Ok(())
}

/// `POST .../users/{id}/devices` with `devices.reorder+json` `{"order": [{"id"}...]}`.
pub fn reorder_devices(data: &mut EnvData, user_id: &str, body: &[u8]) -> ApiResult<Value> {
    data.row("users", user_id).ok_or_else(ApiError::not_found)?;
    let request = crud::object(body)?;
    let order: Vec<String> = request
        .get("order")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::invalid_data(vec![Detail::required("order")]))?
        .iter()
        .filter_map(|d| d.get("id").and_then(Value::as_str).map(str::to_string))
        .collect();
    for id in &order {
        if data
            .row("users.devices", id)
            .is_none_or(|r| r.parent.as_deref() != Some(user_id))
        {
            return Err(ApiError::invalid_value(
                "order",
                format!("Unknown device {id}"),
            ));
        }
    }
    // Re-inserting moves rows to the end of the table, in the requested order.
    let table = data.table_mut("users.devices");
    for id in &order {
        if let Some(row) = table.remove(id) {
            table.insert(
                id.clone(),
                Row {
                    parent: row.parent,
                    body: row.body,
                },
            );
        }
    }
    Ok(json!({"order": order.iter().map(|id| json!({"id": id})).collect::<Vec<_>>()}))
}

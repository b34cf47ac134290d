//! MFA devices: contact checks on create, authenticator-app pairing, activation by OTP,
//! and their order.

use serde_json::{Map, Value, json};

use crate::clock;
use crate::error::{ApiError, ApiResult, Detail};
use crate::generate;
use crate::management::crud;
use crate::management::users::looks_like_email;
use crate::outbox::{self, Kind};
use crate::store::{EnvData, Row};
use crate::totp::Seed;

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
        Some("TOTP") => {
            // The seed is the server's to make; it is shown once, at pairing.
            for field in ["secret", "keyUri", "properties"] {
                body.remove(field);
            }
        }
        _ => {}
    }
    // An authenticator app is paired by activating it with its first code.
    let fresh = match body.get("type").and_then(Value::as_str) {
        Some("TOTP") => "ACTIVATION_REQUIRED",
        _ => "ACTIVE",
    };
    let status = existing
        .and_then(|e| e.get("status"))
        .cloned()
        .unwrap_or(json!(fresh));
    body.entry("status").or_insert(status);
}

/// TOTP devices get their seed; other devices created as ACTIVATION_REQUIRED get an
/// activation OTP in the outbox.
pub fn after_device_created(data: &mut EnvData, device_id: &str) -> ApiResult<()> {
    let Some(row) = data.row("users.devices", device_id).cloned() else {
        return Ok(());
    };
    if is_totp(&row.body) {
        data.totp_seeds
            .insert(device_id.to_string(), Seed::generate());
        return Ok(());
    }
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

fn is_totp(device: &Map<String, Value>) -> bool {
    device.get("type").and_then(Value::as_str) == Some("TOTP")
}

/// The pairing data of a new TOTP device awaiting activation, as PingOne returns it on
/// create: `secret` (base32) and `keyUri` (`otpauth://totp/...`) under `properties`,
/// and at the top level for clients that read them there.
pub fn add_pairing(data: &EnvData, device_id: &str, device: &mut Value) {
    let Some(row) = data.row("users.devices", device_id) else {
        return;
    };
    let (Some(seed), Some(object)) = (data.totp_seeds.get(device_id), device.as_object_mut())
    else {
        return;
    };
    if row.body.get("status").and_then(Value::as_str) != Some("ACTIVATION_REQUIRED") {
        return;
    }
    let account = row
        .parent
        .as_deref()
        .and_then(|user| data.body("users", user))
        .and_then(|user| user.get("username"))
        .and_then(Value::as_str)
        .unwrap_or(device_id);
    let issuer = data
        .resource
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("PingOne");
    let secret = seed.secret();
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let key_uri = format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}",
        encode(issuer).replace('+', "%20"),
        encode(account).replace('+', "%20"),
        encode(issuer).replace('+', "%20"),
    );
    object.insert(
        "properties".into(),
        json!({"secret": secret, "keyUri": key_uri}),
    );
    object.insert("secret".into(), json!(secret));
    object.insert("keyUri".into(), json!(key_uri));
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
    let otp = crud::text(&request, "otp")?;
    if let Some(seed) = data.totp_seeds.get_mut(device_id) {
        seed.verify(&otp, clock::now()).map_err(|r| r.error())?;
    } else if outbox::latest(data, Kind::Otp, user_id, Some(device_id)) != Some(otp.as_str()) {
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

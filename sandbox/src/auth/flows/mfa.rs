//! Multi-factor authentication: one-time passcodes sent to the user's SMS, email or voice
//! devices (through the outbox) or computed by their authenticator app (TOTP), and
//! choosing the device.

use serde_json::{Map, Value};

use crate::auth::flows::actions::{Action, Posted};
use crate::auth::flows::flow::{Flow, Purpose};
use crate::clock;
use crate::error::{ApiError, ApiResult, Detail};
use crate::generate;
use crate::management::crud::text;
use crate::management::users;
use crate::outbox::{self, Kind};
use crate::store::{EnvData, constant_eq};

pub(super) const ACTIONS: &[Action] = &[
    Action {
        name: "device.select",
        offered_in: &["DEVICE_SELECTION_REQUIRED", "OTP_REQUIRED"],
        run: select,
    },
    Action {
        name: "otp.check",
        offered_in: &["OTP_REQUIRED"],
        run: check,
    },
];

/// OTP-capable active devices of a user, in their order.
pub(super) fn otp_devices(data: &EnvData, user_id: &str) -> Vec<(String, Map<String, Value>)> {
    data.children("users.devices", user_id)
        .filter(|(_, row)| {
            row.body.get("status").and_then(Value::as_str) == Some("ACTIVE")
                && matches!(
                    row.body.get("type").and_then(Value::as_str),
                    Some("SMS" | "EMAIL" | "VOICE" | "TOTP")
                )
        })
        .map(|(id, row)| (id.clone(), row.body.clone()))
        .collect()
}

/// Sends a new passcode to the device and remembers it in the flow; an authenticator
/// app computes its own, so nothing is sent to it.
pub(super) fn send_otp(data: &mut EnvData, flow: &mut Flow, device_id: &str) {
    if data.totp_seeds.contains_key(device_id) {
        flow.otp = Some((device_id.to_string(), String::new()));
        return;
    }
    let code = generate::otp();
    let user_id = flow.user_id_or_empty();
    let to = data
        .body("users.devices", device_id)
        .map(users::contact)
        .unwrap_or_default();
    let content = template_content(data, flow, device_id, &code);
    outbox::send_content(
        data,
        Kind::Otp,
        &user_id,
        &to,
        &code,
        Some(device_id),
        content,
    );
    flow.otp = Some((device_id.to_string(), code));
}

/// The text of the notification template the authorize request object named
/// (`pi.template`), for the device's delivery method and the template's variant, with
/// its `${variables}` and `${OTP}` filled in.
fn template_content(data: &EnvData, flow: &Flow, device_id: &str, code: &str) -> Option<String> {
    let Purpose::Authorize(request) = &flow.purpose else {
        return None;
    };
    let template = request.template.as_ref()?;
    let name = template.get("name").and_then(Value::as_str)?;
    let variant = template.get("variant").and_then(Value::as_str);
    let delivery = match data
        .body("users.devices", device_id)
        .and_then(|d| d.get("type"))
        .and_then(Value::as_str)?
    {
        "SMS" => "SMS",
        "EMAIL" => "Email",
        "VOICE" => "Voice",
        _ => return None,
    };
    let contents: Vec<&Map<String, Value>> = data
        .children("templates.contents", name)
        .map(|(_, row)| &row.body)
        .filter(|c| c.get("deliveryMethod").and_then(Value::as_str) == Some(delivery))
        .collect();
    let content = contents
        .iter()
        .find(|c| c.get("variant").and_then(Value::as_str) == variant)
        .or_else(|| {
            contents
                .iter()
                .find(|c| c.get("default").and_then(Value::as_bool) == Some(true))
        })
        .or_else(|| contents.first())?;
    let mut text = content
        .get("content")
        .or_else(|| content.get("body"))
        .and_then(Value::as_str)?
        .to_string();
    if let Some(variables) = template.get("variables").and_then(Value::as_object) {
        for (key, value) in variables {
            let value = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            text = text.replace(&format!("${{{key}}}"), &value);
        }
    }
    Some(text.replace("${OTP}", code))
}

/// `device.select`: a passcode to another of the user's devices.
fn select(post: Posted) -> ApiResult<()> {
    let device_id = post
        .request
        .get("device")
        .and_then(|d| d.get("id"))
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::invalid_data(vec![Detail::required("device.id")]))?
        .to_string();
    let user_id = post.flow.user_id_or_empty();
    if !otp_devices(post.data, &user_id)
        .iter()
        .any(|(id, _)| *id == device_id)
    {
        return Err(ApiError::invalid_value(
            "device.id",
            "The device is not an active device of the user",
        ));
    }
    send_otp(post.data, post.flow, &device_id);
    post.flow.status = "OTP_REQUIRED".into();
    Ok(())
}

/// `otp.check`: the passcode last sent, or the authenticator app's current code,
/// completes multi-factor authentication.
fn check(post: Posted) -> ApiResult<()> {
    let otp = text(post.request, "otp")?;
    let (device, expected) = post.flow.otp.clone().unwrap_or_default();
    if let Some(seed) = post.data.totp_seeds.get_mut(&device) {
        seed.verify(&otp, clock::now()).map_err(|r| r.error())?;
    } else if expected.is_empty() || !constant_eq(&expected, &otp) {
        return Err(ApiError::invalid_data(vec![Detail::new(
            "INVALID_OTP",
            "otp",
            "Invalid One-Time Password",
        )]));
    }
    post.flow.mfa_done = true;
    post.flow.otp = None;
    post.flow.push_amr("otp");
    post.flow.push_amr("mfa");
    Ok(())
}

//! The outbox: a sandbox-only mailbox of every message the sandbox "sent".
//!
//! PingOne delivers one-time passcodes, registration verification codes and password
//! recovery codes by email or SMS. The sandbox records them instead, and serves them
//! without authentication (it is a sandbox), like a test mailbox:
//!
//! `GET /sandbox/environments/{envId}/outbox[?userId=...][&to=...]`
//!
//! ```json
//! {"_embedded": {"messages": [
//!    {"id": "...", "type": "OTP" | "VERIFICATION_CODE" | "RECOVERY_CODE",
//!     "userId": "...", "to": "user@example.com", "code": "123456",
//!     "deviceId": "..." | null, "sentAt": "2024-01-01T00:00:00.000Z",
//!     "content": "Approve ... 123456"}]},
//!  "count": 1}
//! ```
//!
//! Messages are listed oldest first. `OTP` comes from MFA sign-on (SMS/EMAIL devices)
//! and device activation (with `content`, the text of the notification template, when
//! the authorize request object named one in `pi.template`), `VERIFICATION_CODE` from registration (`user.register`,
//! users created with `lifecycle.status: VERIFICATION_REQUIRED`) and
//! `user.sendVerificationCode`, `RECOVERY_CODE` from `password.forgot` /
//! `password.sendRecoveryCode`.

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::clock;
use crate::request::EnvRequest;
use crate::store::EnvData;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Otp,
    VerificationCode,
    RecoveryCode,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Otp => "OTP",
            Kind::VerificationCode => "VERIFICATION_CODE",
            Kind::RecoveryCode => "RECOVERY_CODE",
        }
    }
}

/// One recorded message.
#[derive(Debug, Clone)]
pub struct Message {
    pub id: String,
    pub kind: Kind,
    pub user_id: String,
    pub to: String,
    pub code: String,
    pub device_id: Option<String>,
    pub sent_at: String,
    /// The text sent, when it came from a notification template (transaction approval).
    pub content: Option<String>,
}

/// Records a message in the environment's outbox.
pub fn send(
    data: &mut EnvData,
    kind: Kind,
    user_id: &str,
    to: &str,
    code: &str,
    device_id: Option<&str>,
) {
    send_content(data, kind, user_id, to, code, device_id, None);
}

/// Records a message whose text came from a notification template.
pub fn send_content(
    data: &mut EnvData,
    kind: Kind,
    user_id: &str,
    to: &str,
    code: &str,
    device_id: Option<&str>,
    content: Option<String>,
) {
    data.outbox.push(Message {
        id: crate::generate::id(),
        kind,
        user_id: user_id.to_string(),
        to: to.to_string(),
        code: code.to_string(),
        device_id: device_id.map(str::to_string),
        sent_at: clock::iso_now(),
        content,
    });
}

/// The most recent code of a kind sent to a user (and device, when given).
pub fn latest<'a>(
    data: &'a EnvData,
    kind: Kind,
    user_id: &str,
    device_id: Option<&str>,
) -> Option<&'a str> {
    data.outbox
        .iter()
        .rev()
        .find(|m| {
            m.kind == kind
                && m.user_id == user_id
                && (device_id.is_none() || m.device_id.as_deref() == device_id)
        })
        .map(|m| m.code.as_str())
}

/// Whether `code` is the most recent code of a kind sent to a user (ignoring case).
pub fn is_latest(data: &EnvData, kind: Kind, user_id: &str, code: &str) -> bool {
    latest(data, kind, user_id, None).is_some_and(|c| c.eq_ignore_ascii_case(code))
}

/// `GET /sandbox/environments/{envId}/outbox`
pub async fn list(req: EnvRequest) -> Response {
    let params = &req.query;
    let data = req.env.read();
    let messages: Vec<Value> = data
        .outbox
        .iter()
        .filter(|m| params.get("userId").is_none_or(|u| *u == m.user_id))
        .filter(|m| {
            params
                .get("to")
                .is_none_or(|t| t.eq_ignore_ascii_case(&m.to))
        })
        .map(|m| {
            let mut message = json!({
                "id": m.id,
                "type": m.kind.as_str(),
                "userId": m.user_id,
                "to": m.to,
                "code": m.code,
                "deviceId": m.device_id,
                "sentAt": m.sent_at,
            });
            if let Some(content) = &m.content {
                message["content"] = json!(content);
            }
            message
        })
        .collect();
    let count = messages.len();
    Json(json!({"_embedded": {"messages": messages}, "count": count})).into_response()
}

//! Single sign-on sessions, identified by the `ST` cookie.

use crate::clock;
use crate::store::EnvData;

/// The session cookie's name, as PingOne names it.
pub const SESSION_COOKIE: &str = "ST";
/// Sessions last 8 hours after sign-on.
pub const SESSION_SECONDS: u64 = 8 * 3600;

#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub auth_time: u64,
    pub amr: Vec<String>,
    pub acr: String,
    pub expires_at: u64,
}

/// The live session behind an `ST` value, if any.
pub fn live<'a>(data: &'a EnvData, token: Option<&String>) -> Option<&'a Session> {
    let session = data.sessions.get(token?)?;
    (session.expires_at > clock::now() && data.row("users", &session.user_id).is_some())
        .then_some(session)
}

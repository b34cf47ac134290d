//! Single sign-on sessions, identified by the `ST` cookie, and their management view
//! (`/environments/{envId}/users/{userId}/sessions`).

use serde_json::{Value, json};

use crate::clock;
use crate::links;
use crate::store::EnvData;

/// The session cookie's name, as PingOne names it.
pub const SESSION_COOKIE: &str = "ST";
/// Sessions last 8 hours after sign-on.
pub const SESSION_SECONDS: u64 = 8 * 3600;
/// PingOne lists at most this many sessions per user.
pub const LISTED_PER_USER: usize = 10;

#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub auth_time: u64,
    pub amr: Vec<String>,
    pub acr: String,
    pub expires_at: u64,
    /// When the session was created (epoch seconds).
    pub created_at: u64,
    /// The last sign-on that used this session (a new sign-on, step-up or silent SSO).
    pub last_sign_on: u64,
}

/// The live session behind an `ST` value, if any.
pub fn live<'a>(data: &'a EnvData, token: Option<&String>) -> Option<&'a Session> {
    let session = data.sessions.get(token?)?;
    (session.expires_at > clock::now() && data.row("users", &session.user_id).is_some())
        .then_some(session)
}

/// The user's sessions, expired ones included as PingOne lists them, newest first, at
/// most [`LISTED_PER_USER`].
pub fn of_user<'a>(data: &'a EnvData, user_id: &str) -> Vec<&'a Session> {
    let mut sessions: Vec<&Session> = data
        .sessions
        .values()
        .filter(|s| s.user_id == user_id)
        .collect();
    sessions.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
    sessions.truncate(LISTED_PER_USER);
    sessions
}

/// Ends the user's session `session_id`; false when the user has no such session.
pub fn terminate(data: &mut EnvData, user_id: &str, session_id: &str) -> bool {
    let before = data.sessions.len();
    data.sessions
        .retain(|_, s| !(s.id == session_id && s.user_id == user_id));
    data.sessions.len() != before
}

/// A session as PingOne's user sessions API shows it.
pub fn to_json(base_url: &str, env_id: &str, session: &Session) -> Value {
    let user = format!(
        "{base_url}/v1/environments/{env_id}/users/{}",
        session.user_id
    );
    let last = clock::iso_at(session.last_sign_on);
    json!({
        "_links": links::links(vec![
            ("self".to_string(), format!("{user}/sessions/{}", session.id)),
            ("environment".to_string(), format!("{base_url}/v1/environments/{env_id}")),
            ("user".to_string(), user.clone()),
        ]),
        "id": session.id,
        "environment": {"id": env_id},
        "user": {"id": session.user_id},
        "createdAt": clock::iso_at(session.created_at),
        "activeAt": last,
        "lastSignOn": {"at": last, "remoteIp": "127.0.0.1"},
        "locations": [{"at": last, "remoteIp": "127.0.0.1"}],
        "browser": {"name": "Unknown", "version": "Unknown"},
        "operatingSystem": {"name": "Unknown", "version": "Unknown"},
        "device": {"type": "Other"},
    })
}

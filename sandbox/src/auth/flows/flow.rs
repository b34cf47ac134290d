//! The flow record: what a sign-on is for, where it stands and what it has learnt.

use serde_json::{Map, Value};

use crate::auth::claims::{Scopes, Subject};
use crate::auth::session::Session;
use crate::clock;
use crate::generate;
use crate::store::EnvData;

/// Binds a browser to the flows it started.
pub const FLOW_COOKIE: &str = "P1FLOW";
/// Flows expire after 15 minutes without activity.
pub const FLOW_SECONDS: u64 = 900;

/// The OAuth request a flow will answer when it completes.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    pub response_types: Vec<String>,
    /// `redirect_uri` as sent (the token request must repeat it).
    pub redirect_uri: Option<String>,
    /// Where the response goes (sent or the single registered URI).
    pub target_uri: Option<String>,
    pub response_mode: String,
    pub scopes: Scopes,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub challenge: Option<(String, String)>,
    /// The request object's `pi.template` (`name`, `variant`, `variables`): the
    /// notification template the one-time passcode is sent with (transaction approval).
    pub template: Option<Value>,
}

#[derive(Debug, Clone)]
pub enum Purpose {
    Authorize(Box<AuthRequest>),
    /// The user side of a device authorization grant.
    Device,
    /// A SAML application's AuthnRequest.
    Saml(Box<crate::saml::idp::SamlRequest>),
}

/// A sign-on handed to an external identity provider (`/rp/authenticate`).
#[derive(Debug, Clone)]
pub struct External {
    pub provider_id: String,
    pub state: String,
    pub nonce: String,
    pub verifier: Option<String>,
    /// The provider's subject once its ID token checked out and no local user is linked.
    pub subject: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Flow {
    pub id: String,
    pub app_id: String,
    pub purpose: Purpose,
    pub binding: String,
    pub policy_name: String,
    pub actions: Vec<Map<String, Value>>,
    pub step: usize,
    pub status: String,
    pub user_id: Option<String>,
    pub authenticated: bool,
    pub mfa_done: bool,
    pub amr: Vec<String>,
    pub session_token: Option<String>,
    pub session_id: Option<String>,
    pub auth_time: u64,
    /// (device id, code) of the OTP sent for this flow.
    pub otp: Option<(String, String)>,
    pub registering: bool,
    pub recovering: bool,
    pub profiled: bool,
    pub device_code: Option<String>,
    pub dag_consented: bool,
    pub expires_at: u64,
    pub created_at: String,
    pub authorize_response: Option<Map<String, Value>>,
    pub error: Option<(String, String)>,
    /// Set when this response created the session (so `ST` is sent).
    pub new_session: bool,
    /// What the user typed at an identifier-first prompt.
    pub identifier: Option<String>,
    /// The identity provider a discovery rule picked.
    pub provider: Option<String>,
    pub external: Option<External>,
}

impl Flow {
    pub fn new(
        app_id: &str,
        purpose: Purpose,
        policy_name: String,
        actions: Vec<Map<String, Value>>,
    ) -> Flow {
        Flow {
            id: generate::id(),
            app_id: app_id.to_string(),
            purpose,
            binding: generate::opaque(),
            policy_name,
            actions,
            step: 0,
            status: String::new(),
            user_id: None,
            authenticated: false,
            mfa_done: false,
            amr: Vec::new(),
            session_token: None,
            session_id: None,
            auth_time: 0,
            otp: None,
            registering: false,
            recovering: false,
            profiled: false,
            device_code: None,
            dag_consented: false,
            expires_at: clock::now() + FLOW_SECONDS,
            created_at: clock::iso_now(),
            authorize_response: None,
            error: None,
            new_session: false,
            identifier: None,
            provider: None,
            external: None,
        }
    }

    pub fn is_pi_flow(&self) -> bool {
        matches!(&self.purpose, Purpose::Authorize(req) if req.response_mode == "pi.flow")
    }

    /// Binds an existing SSO session: the user is already signed on.
    pub fn adopt_session(&mut self, token: &str, session: &Session) {
        self.user_id = Some(session.user_id.clone());
        self.authenticated = true;
        self.mfa_done = session.amr.iter().any(|m| m == "otp" || m == "mfa");
        self.amr = session.amr.clone();
        self.auth_time = session.auth_time;
        self.session_id = Some(session.id.clone());
        self.session_token = Some(token.to_string());
    }

    pub fn subject(&self) -> Option<Subject> {
        Some(Subject {
            user_id: self.user_id.clone()?,
            session_id: self.session_id.clone()?,
            auth_time: self.auth_time,
            amr: self.amr.clone(),
            acr: self.policy_name.clone(),
        })
    }

    pub fn fail(&mut self, code: &str, message: &str) {
        self.status = "FAILED".into();
        self.error = Some((code.to_string(), message.to_string()));
    }

    pub fn current_action(&self) -> Option<&Map<String, Value>> {
        self.actions.get(self.step)
    }

    /// Records an authentication method once (`pwd`, `otp`, a provider's methods).
    pub fn push_amr(&mut self, method: &str) {
        if !self.amr.iter().any(|m| m == method) {
            self.amr.push(method.to_string());
        }
    }

    /// The user the flow is about, once identified.
    pub(super) fn user<'a>(&self, data: &'a EnvData) -> Option<&'a Map<String, Value>> {
        self.user_id
            .as_deref()
            .and_then(|id| data.body("users", id))
    }

    /// The identified user's id, or `""` (for actions only offered once a user is known).
    pub(super) fn user_id_or_empty(&self) -> String {
        self.user_id.clone().unwrap_or_default()
    }

    /// Back to the first action with nobody identified (`session.reset`).
    pub(super) fn reset(&mut self) {
        self.step = 0;
        self.user_id = None;
        self.authenticated = false;
        self.mfa_done = false;
        self.amr.clear();
        self.session_token = None;
        self.session_id = None;
        self.otp = None;
        self.registering = false;
        self.recovering = false;
        self.profiled = false;
        self.dag_consented = false;
        self.error = None;
        self.identifier = None;
        self.provider = None;
        self.external = None;
    }
}

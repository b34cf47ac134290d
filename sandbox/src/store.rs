//! The in-memory store: an organization whose environments own everything else.
//!
//! Each environment sits behind its own `RwLock`, so environments never contend with
//! each other and one environment's flows only hold the lock for short, synchronous
//! sections (token signing happens after the lock is released).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde_json::{Map, Value};

use crate::auth::device::DeviceGrant;
use crate::auth::flows::Flow;
use crate::auth::keys::SigningKey;
use crate::auth::session::Session;
use crate::auth::token::{AuthCode, RefreshToken};
use crate::outbox::Message;

/// One stored management resource: its JSON body and the id of its parent (if nested).
#[derive(Debug, Clone)]
pub struct Row {
    pub parent: Option<String>,
    pub body: Map<String, Value>,
}

/// The rows of one resource family, in creation order.
#[derive(Debug, Default)]
pub struct Table {
    rows: HashMap<String, Row>,
    order: Vec<String>,
}

impl Table {
    pub fn insert(&mut self, id: String, row: Row) {
        if self.rows.insert(id.clone(), row).is_none() {
            self.order.push(id);
        }
    }

    pub fn get(&self, id: &str) -> Option<&Row> {
        self.rows.get(id)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut Row> {
        self.rows.get_mut(id)
    }

    pub fn remove(&mut self, id: &str) -> Option<Row> {
        let row = self.rows.remove(id)?;
        self.order.retain(|other| other != id);
        Some(row)
    }

    /// Rows in creation order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Row)> {
        self.order
            .iter()
            .filter_map(|id| self.rows.get(id).map(|row| (id, row)))
    }

    /// Rows whose parent is `parent` (`None` = top-level), in creation order.
    pub fn children<'a>(
        &'a self,
        parent: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a String, &'a Row)> + 'a {
        self.iter()
            .filter(move |(_, row)| row.parent.as_deref() == parent)
    }
}

/// An application's client secret, with the previous one while it is still honoured.
#[derive(Debug, Clone)]
pub struct AppSecret {
    pub current: String,
    pub previous: Option<(String, u64)>,
}

impl AppSecret {
    pub fn matches(&self, presented: &str, now: u64) -> bool {
        constant_eq(&self.current, presented)
            || self
                .previous
                .as_ref()
                .is_some_and(|(old, until)| *until > now && constant_eq(old, presented))
    }
}

/// A user's password state (hash only; the value is never returned).
#[derive(Debug, Clone)]
pub struct Password {
    pub salt: String,
    pub hash: String,
    pub force_change: bool,
    pub changed_at: String,
}

/// A user's acceptance of one agreement: the language and revision shown, and when.
#[derive(Debug, Clone)]
pub struct Consent {
    pub language: Option<(String, String)>,
    pub revision: Option<String>,
    pub consented_at: String,
}

/// Everything one environment owns: management resources plus runtime auth state.
#[derive(Debug, Default)]
pub struct EnvData {
    pub id: String,
    pub org_id: String,
    /// The environment resource itself.
    pub resource: Map<String, Value>,
    /// Management resources by family key (see `management::family`).
    pub tables: HashMap<&'static str, Table>,
    pub app_secrets: HashMap<String, AppSecret>,
    pub resource_secrets: HashMap<String, String>,
    pub passwords: HashMap<String, Password>,
    /// Authenticator-app (TOTP) seeds by device id.
    pub totp_seeds: HashMap<String, crate::totp::Seed>,
    /// The user's latest acceptance of an agreement, by (user id, agreement id).
    pub consents: HashMap<(String, String), Consent>,
    /// (identity provider id, external subject) -> linked user id.
    pub linked_accounts: HashMap<(String, String), String>,
    /// user id -> group ids (direct memberships).
    pub memberships: HashMap<String, Vec<String>>,
    /// application role id -> application permission ids.
    pub role_permissions: HashMap<String, Vec<String>>,
    /// user id -> application role ids.
    pub user_app_roles: HashMap<String, Vec<String>>,
    /// Uploaded image bytes by image id.
    pub images: HashMap<String, Vec<u8>>,
    /// Uploaded certificates' DER, by certificate id.
    pub certificate_der: HashMap<String, Vec<u8>>,
    pub flows: HashMap<String, Flow>,
    /// Running DaVinci flows by interaction id.
    pub interactions: HashMap<String, crate::auth::davinci::Interaction>,
    /// Sessions by their `ST` cookie value.
    pub sessions: HashMap<String, Session>,
    pub codes: HashMap<String, AuthCode>,
    pub refresh_tokens: HashMap<String, RefreshToken>,
    pub device_grants: HashMap<String, DeviceGrant>,
    /// Client-assertion `jti`s already used, with their expiry.
    pub used_jtis: HashMap<String, u64>,
    /// Revoked access-token `jti`s.
    pub revoked: HashSet<String>,
    pub outbox: Vec<Message>,
    /// Signing keys' RSA pairs and certificates, by key id, made on first use.
    pub key_material: HashMap<String, Arc<crate::saml::key_material::KeyMaterial>>,
    /// (SP entity id, AuthnRequest ID) already answered, with when they may be forgotten.
    pub saml_request_ids: HashMap<String, u64>,
    /// Short-lived integration kit download links: token -> (version id, expiry).
    pub asset_links: HashMap<String, (String, u64)>,
}

impl EnvData {
    pub fn table(&self, key: &'static str) -> Option<&Table> {
        self.tables.get(key)
    }

    pub fn table_mut(&mut self, key: &'static str) -> &mut Table {
        self.tables.entry(key).or_default()
    }

    pub fn row(&self, key: &'static str, id: &str) -> Option<&Row> {
        self.tables.get(key).and_then(|t| t.get(id))
    }

    pub fn body(&self, key: &'static str, id: &str) -> Option<&Map<String, Value>> {
        self.row(key, id).map(|r| &r.body)
    }

    pub fn rows(&self, key: &'static str) -> impl Iterator<Item = (&String, &Row)> {
        self.tables.get(key).into_iter().flat_map(|t| t.iter())
    }

    pub fn children<'a>(
        &'a self,
        key: &'static str,
        parent: &'a str,
    ) -> impl Iterator<Item = (&'a String, &'a Row)> + 'a {
        self.tables
            .get(key)
            .into_iter()
            .flat_map(move |t| t.children(Some(parent)))
    }

    /// The user with this username (case-insensitive), if any.
    pub fn user_by_username(&self, username: &str) -> Option<(&String, &Row)> {
        self.rows("users").find(|(_, row)| {
            row.body
                .get("username")
                .and_then(Value::as_str)
                .is_some_and(|u| u.eq_ignore_ascii_case(username))
        })
    }

    /// The population new users land in when none is given.
    pub fn default_population(&self) -> Option<String> {
        self.rows("populations")
            .find(|(_, row)| row.body.get("default").and_then(Value::as_bool) == Some(true))
            .or_else(|| self.rows("populations").next())
            .map(|(id, _)| id.clone())
    }
}

/// An environment and its lock.
#[derive(Debug)]
pub struct Env {
    pub id: String,
    data: RwLock<EnvData>,
}

impl Env {
    pub fn read(&self) -> RwLockReadGuard<'_, EnvData> {
        self.data
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, EnvData> {
        self.data
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The organization: environments, its license, the signing key and the public base URL.
pub struct Store {
    pub base_url: String,
    pub org_id: String,
    pub org_name: String,
    pub license_id: String,
    pub keys: SigningKey,
    envs: RwLock<HashMap<String, Arc<Env>>>,
}

impl Store {
    pub fn new(base_url: String) -> anyhow::Result<Store> {
        Ok(Store {
            base_url,
            org_id: crate::generate::id(),
            org_name: "Sandbox Organization".to_string(),
            license_id: crate::generate::id(),
            keys: SigningKey::generate()?,
            envs: RwLock::new(HashMap::new()),
        })
    }

    pub fn env(&self, id: &str) -> Option<Arc<Env>> {
        self.envs
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }

    pub fn insert_env(&self, data: EnvData) -> Arc<Env> {
        let env = Arc::new(Env {
            id: data.id.clone(),
            data: RwLock::new(data),
        });
        self.envs
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(env.id.clone(), env.clone());
        env
    }

    pub fn remove_env(&self, id: &str) -> Option<Arc<Env>> {
        self.envs
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id)
    }

    pub fn envs(&self) -> Vec<Arc<Env>> {
        let mut envs: Vec<Arc<Env>> = self
            .envs
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        envs.sort_by_cached_key(|env| {
            env.read()
                .resource
                .get("createdAt")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        });
        envs
    }

    /// `{base_url}/{env}/as`
    pub fn issuer(&self, env_id: &str) -> String {
        format!("{}/{}/as", self.base_url, env_id)
    }
}

/// Comparison whose duration does not depend on where the inputs differ.
pub fn constant_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

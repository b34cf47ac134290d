//! Token contents: which scopes an application may get, the audience they imply, the
//! access-token and ID-token claims, and user claims per OIDC scope.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::clock;
use crate::generate;
use crate::store::{EnvData, Store};

/// The PingOne API resource's audience.
pub const P1_AUDIENCE: &str = "https://api.pingone.com";

/// OIDC scopes whose claims describe the user.
const PROFILE_SCOPES: &[&str] = &["profile", "email", "address", "phone"];

/// Scopes granted for one request, with the audience and lifetime they imply.
#[derive(Debug, Clone)]
pub struct Scopes {
    pub names: Vec<String>,
    pub audience: Vec<String>,
    /// The custom resource whose scopes were granted (its attributes become claims).
    pub resource_id: Option<String>,
    pub validity: u64,
}

impl Scopes {
    pub fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    pub fn joined(&self) -> String {
        self.names.join(" ")
    }
}

/// The authenticated end user behind a token.
#[derive(Debug, Clone)]
pub struct Subject {
    pub user_id: String,
    pub session_id: String,
    pub auth_time: u64,
    pub amr: Vec<String>,
    pub acr: String,
}

/// (resource id, scope name) pairs the application has been granted.
fn granted(data: &EnvData, app_id: &str) -> Vec<(String, String)> {
    data.children("applications.grants", app_id)
        .flat_map(|(_, grant)| {
            let resource = grant
                .body
                .get("resource")
                .and_then(|r| r.get("id"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            grant
                .body
                .get("scopes")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter_map(|s| s.get("id").and_then(Value::as_str).map(str::to_string))
                .filter_map(|scope_id| {
                    data.body("resources.scopes", &scope_id)
                        .and_then(|s| s.get("name"))
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .map(|name| (resource.clone(), name))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn resource_type(data: &EnvData, resource_id: &str) -> String {
    data.body("resources", resource_id)
        .and_then(|r| r.get("type"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Resolves requested scope names against the application's grants.
/// `None` requested (client credentials without `scope`) grants all scopes of a sole custom resource.
pub fn resolve(
    data: &EnvData,
    app: &Map<String, Value>,
    requested: Option<&str>,
) -> Result<Scopes, String> {
    let app_id = app.get("id").and_then(Value::as_str).unwrap_or_default();
    let grants = granted(data, app_id);
    let mut picked: Vec<(Option<String>, String)> = Vec::new();
    match requested.map(str::trim).filter(|s| !s.is_empty()) {
        Some(text) => {
            for name in text.split_whitespace() {
                if picked.iter().any(|(_, n)| n == name) {
                    continue;
                }
                if name == "openid" {
                    picked.push((None, name.to_string()));
                    continue;
                }
                match grants.iter().find(|(_, n)| n == name) {
                    Some((resource, _)) => picked.push((Some(resource.clone()), name.to_string())),
                    None => {
                        return Err(format!(
                            "The requested scope '{name}' is not granted to the application"
                        ));
                    }
                }
            }
        }
        None => {
            let custom: Vec<&(String, String)> = grants
                .iter()
                .filter(|(r, _)| resource_type(data, r) == "CUSTOM")
                .collect();
            let mut resources: Vec<&String> = custom.iter().map(|(r, _)| r).collect();
            resources.dedup();
            if resources.len() == 1 {
                picked = custom
                    .iter()
                    .map(|(r, n)| (Some(r.clone()), n.clone()))
                    .collect();
            }
        }
    }
    let mut custom_resources: Vec<String> = picked
        .iter()
        .filter_map(|(r, _)| r.clone())
        .filter(|r| resource_type(data, r) == "CUSTOM")
        .collect();
    custom_resources.sort();
    custom_resources.dedup();
    let multiple_allowed = app
        .get("requestScopesForMultipleResourcesEnabled")
        .and_then(Value::as_bool)
        == Some(true);
    if custom_resources.len() > 1 && !multiple_allowed {
        return Err("Scopes from more than one custom resource were requested".to_string());
    }
    let mut audience = Vec::new();
    let mut validity = 3600;
    for resource in &custom_resources {
        if let Some(body) = data.body("resources", resource) {
            if let Some(aud) = body.get("audience").and_then(Value::as_str) {
                audience.push(aud.to_string());
            }
            validity = body
                .get("accessTokenValiditySeconds")
                .and_then(Value::as_u64)
                .unwrap_or(3600);
        }
    }
    if audience.is_empty() {
        audience.push(P1_AUDIENCE.to_string());
    }
    Ok(Scopes {
        names: picked.into_iter().map(|(_, n)| n).collect(),
        audience,
        resource_id: custom_resources.into_iter().next(),
        validity,
    })
}

fn get_path<'a>(body: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    crate::management::crud::lookup(body, path)
}

/// What attribute expressions read: the user, the client and, when the client
/// authenticated with a JWT, the claims of its `client_assertion`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sources<'a> {
    pub user: Option<&'a Map<String, Value>>,
    /// The identifier typed at an identifier-first prompt (`${identifier}`).
    pub identifier: Option<&'a str>,
    pub app_id: &'a str,
    pub client_assertion: Option<&'a Map<String, Value>>,
}

/// The client side of an issuance: its id and its verified assertion claims, if any.
#[derive(Debug, Clone, Copy)]
pub struct Requester<'a> {
    pub app_id: &'a str,
    pub client_assertion: Option<&'a Map<String, Value>>,
}

impl<'a> Requester<'a> {
    /// A client that presented no assertion (or none applies, as at `/as/resume`).
    pub fn app(app_id: &'a str) -> Self {
        Requester {
            app_id,
            client_assertion: None,
        }
    }
}

/// Evaluates an attribute `value`: a literal, or `${...}` placeholders (`user.path`,
/// `#root.context.requestData.clientAssertion.claim`, ...) alone or within text.
pub fn evaluate(expression: &str, sources: &Sources) -> Option<Value> {
    let trimmed = expression.trim();
    if let Some(inner) = trimmed.strip_prefix("${").and_then(|r| r.strip_suffix('}'))
        && !inner.contains("${")
    {
        return resolve_placeholder(inner.trim(), sources);
    }
    if !trimmed.contains("${") {
        return Some(json!(expression));
    }
    // Mixed text: substitute each placeholder as a string.
    let mut out = String::new();
    let mut rest = expression;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}')?;
        let value = resolve_placeholder(after[..end].trim(), sources)?;
        match value {
            Value::String(s) => out.push_str(&s),
            other => out.push_str(&other.to_string()),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(json!(out))
}

fn resolve_placeholder(path: &str, sources: &Sources) -> Option<Value> {
    // PingOne's expressions address the evaluation root explicitly or implicitly.
    let path = path.strip_prefix("#root.").unwrap_or(path);
    let found = if let Some(field) = path.strip_prefix("user.") {
        sources.user.and_then(|u| get_path(u, field))
    } else if let Some(claim) = path.strip_prefix("context.requestData.clientAssertion.") {
        // Claim names may contain dots, so try the whole name before a nested path.
        sources
            .client_assertion
            .and_then(|a| a.get(claim).or_else(|| get_path(a, claim)))
    } else {
        return match path {
            "client.id" | "application.id" => Some(json!(sources.app_id)),
            "identifier" => sources.identifier.map(|i| json!(i)),
            _ => None,
        };
    };
    found.filter(|v| !v.is_null()).cloned()
}

/// Claims of the user for the granted OIDC scopes (ID token and userinfo).
pub fn user_claims(user: &Map<String, Value>, scopes: &Scopes) -> Map<String, Value> {
    let mut claims = Map::new();
    let s = |path: &str| get_path(user, path).filter(|v| !v.is_null()).cloned();
    if scopes.has("profile") {
        let given = s("name.given");
        let family = s("name.family");
        let formatted = s("name.formatted").or_else(|| match (&given, &family) {
            (Some(Value::String(g)), Some(Value::String(f))) => Some(json!(format!("{g} {f}"))),
            _ => None,
        });
        for (claim, value) in [
            ("name", formatted),
            ("given_name", given),
            ("family_name", family),
            ("middle_name", s("name.middle")),
            ("preferred_username", s("username")),
            ("nickname", s("nickname")),
            ("picture", s("photo.href")),
            ("locale", s("locale")),
            ("zoneinfo", s("timezone")),
        ] {
            if let Some(v) = value {
                claims.insert(claim.into(), v);
            }
        }
        if let Some(updated) = user.get("updatedAt").and_then(Value::as_str).and_then(|t| {
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
        }) {
            claims.insert("updated_at".into(), json!(updated.unix_timestamp()));
        }
    }
    if scopes.has("email")
        && let Some(email) = s("email")
    {
        claims.insert("email".into(), email);
        claims.insert(
            "email_verified".into(),
            s("emailVerified").unwrap_or(json!(false)),
        );
    }
    if scopes.has("address") {
        let mut address = Map::new();
        for (claim, path) in [
            ("street_address", "address.streetAddress"),
            ("locality", "address.locality"),
            ("region", "address.region"),
            ("postal_code", "address.postalCode"),
            ("country", "address.countryCode"),
        ] {
            if let Some(v) = s(path) {
                address.insert(claim.into(), v);
            }
        }
        if !address.is_empty() {
            claims.insert("address".into(), Value::Object(address));
        }
    }
    if scopes.has("phone")
        && let Some(phone) = s("mobilePhone").or_else(|| s("primaryPhone"))
    {
        claims.insert("phone_number".into(), phone);
        claims.insert("phone_number_verified".into(), json!(false));
    }
    claims
}

/// Attribute claims of a resource, evaluated for the user (unresolvable ones are left out).
fn attribute_claims(
    data: &EnvData,
    resource_id: &str,
    sources: &Sources,
    flag: Option<&str>,
) -> Map<String, Value> {
    let mut claims = Map::new();
    for (_, row) in data.children("resources.attributes", resource_id) {
        if let Some(flag) = flag
            && row.body.get(flag).and_then(Value::as_bool) == Some(false)
        {
            continue;
        }
        let (Some(name), Some(expr)) = (
            row.body.get("name").and_then(Value::as_str),
            row.body.get("value").and_then(Value::as_str),
        ) else {
            continue;
        };
        if let Some(value) = evaluate(expr, sources) {
            claims.insert(name.to_string(), value);
        }
    }
    claims
}

/// Whether a custom resource puts its application permissions in access tokens.
fn permissions_claim_enabled(data: &EnvData, resource_id: &str) -> bool {
    data.body("resources", resource_id)
        .and_then(|r| get_path(r, "applicationPermissionsSettings.claimEnabled"))
        .and_then(Value::as_bool)
        == Some(true)
}

/// The openid resource's id.
fn openid_resource(data: &EnvData) -> Option<String> {
    data.rows("resources")
        .find(|(_, row)| row.body.get("type").and_then(Value::as_str) == Some("OPENID_CONNECT"))
        .map(|(id, _)| id.clone())
}

/// Unsigned claims of one issuance.
#[derive(Debug, Clone)]
pub struct Issuance {
    pub access: Map<String, Value>,
    pub id_token: Option<Map<String, Value>>,
    pub expires_in: u64,
    pub scope: String,
}

fn audience_value(audience: &[String]) -> Value {
    match audience {
        [one] => json!(one),
        many => json!(many),
    }
}

/// Builds access-token (and, with `openid`, ID-token) claims.
pub fn issuance(
    store: &Store,
    data: &EnvData,
    requester: &Requester,
    subject: Option<&Subject>,
    scopes: &Scopes,
    nonce: Option<&str>,
    want_id_token: bool,
) -> Issuance {
    let app_id = requester.app_id;
    let now = clock::now();
    let issuer = store.issuer(&data.id);
    let user = subject.and_then(|s| data.body("users", &s.user_id));
    let sources = Sources {
        user,
        identifier: None,
        app_id,
        client_assertion: requester.client_assertion,
    };
    let mut access = Map::new();
    access.insert("client_id".into(), json!(app_id));
    access.insert("iss".into(), json!(issuer));
    access.insert("jti".into(), json!(generate::id()));
    access.insert("iat".into(), json!(now));
    access.insert("exp".into(), json!(now + scopes.validity));
    access.insert("aud".into(), audience_value(&scopes.audience));
    access.insert("scope".into(), json!(scopes.joined()));
    if let Some(subject) = subject {
        access.insert("sub".into(), json!(subject.user_id));
        access.insert("sid".into(), json!(subject.session_id));
        access.insert("auth_time".into(), json!(subject.auth_time));
        access.insert("acr".into(), json!(subject.acr));
        access.insert("amr".into(), json!(subject.amr));
    }
    if scopes.audience.iter().any(|a| a == P1_AUDIENCE) {
        access.insert("env".into(), json!(data.id));
        access.insert("org".into(), json!(data.org_id));
        access.insert("p1.region".into(), json!("NA"));
    }
    if let Some(resource) = &scopes.resource_id {
        for (name, value) in attribute_claims(data, resource, &sources, None) {
            access.entry(name).or_insert(value);
        }
        // Application permissions are the user's: none for a client acting for itself.
        if let Some(subject) = subject
            && permissions_claim_enabled(data, resource)
        {
            let keys =
                crate::management::app_roles::permission_keys(data, &subject.user_id, resource);
            access.insert("p1.permissions".into(), json!(keys));
        }
    }
    let id_token = (want_id_token && scopes.has("openid")).then(|| {
        let mut id = Map::new();
        id.insert("iss".into(), json!(issuer));
        id.insert(
            "sub".into(),
            json!(
                subject
                    .map(|s| s.user_id.clone())
                    .unwrap_or_else(|| app_id.to_string())
            ),
        );
        id.insert("aud".into(), json!(app_id));
        id.insert("jti".into(), json!(generate::id()));
        id.insert("iat".into(), json!(now));
        id.insert("exp".into(), json!(now + 3600));
        if let Some(subject) = subject {
            id.insert("auth_time".into(), json!(subject.auth_time));
            id.insert("acr".into(), json!(subject.acr));
            id.insert("amr".into(), json!(subject.amr));
            id.insert("sid".into(), json!(subject.session_id));
        }
        if let Some(nonce) = nonce {
            id.insert("nonce".into(), json!(nonce));
        }
        id.insert("env".into(), json!(data.id));
        id.insert("org".into(), json!(data.org_id));
        id.insert("p1.region".into(), json!("NA"));
        if let Some(user) = user {
            for (k, v) in user_claims(user, scopes) {
                id.insert(k, v);
            }
            if let Some(openid) = openid_resource(data) {
                for (k, v) in attribute_claims(data, &openid, &sources, Some("idToken")) {
                    id.entry(k).or_insert(v);
                }
            }
        }
        id
    });
    Issuance {
        access,
        id_token,
        expires_in: scopes.validity,
        scope: scopes.joined(),
    }
}

/// Userinfo claims (openid resource attributes flagged for userinfo included).
pub fn userinfo_claims(
    data: &EnvData,
    user_id: &str,
    app_id: &str,
    scopes: &Scopes,
) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(user_id));
    if let Some(user) = data.body("users", user_id) {
        claims.extend(user_claims(user, scopes));
        if let Some(openid) = openid_resource(data) {
            let sources = Sources {
                user: Some(user),
                identifier: None,
                app_id,
                client_assertion: None,
            };
            for (k, v) in attribute_claims(data, &openid, &sources, Some("userInfo")) {
                claims.entry(k).or_insert(v);
            }
        }
    }
    claims.insert("env".into(), json!(data.id));
    claims.insert("org".into(), json!(data.org_id));
    claims
}

/// `at_hash` / `c_hash`: base64url of the left half of SHA-256.
pub fn half_hash(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// Signed tokens of one issuance.
#[derive(Debug, Clone)]
pub struct Signed {
    pub access_token: String,
    pub id_token: Option<String>,
    pub expires_in: u64,
    pub scope: String,
}

/// Signs an issuance; `code` adds `c_hash`, `with_at_hash` adds `at_hash` to the ID token.
pub fn sign(
    store: &Store,
    issuance: Issuance,
    code: Option<&str>,
    with_at_hash: bool,
) -> anyhow::Result<Signed> {
    let access_token = store.keys.sign(Some("at+jwt"), &issuance.access)?;
    let id_token = match issuance.id_token {
        Some(mut claims) => {
            if with_at_hash {
                claims.insert("at_hash".into(), json!(half_hash(&access_token)));
            }
            if let Some(code) = code {
                claims.insert("c_hash".into(), json!(half_hash(code)));
            }
            Some(store.keys.sign(Some("JWT"), &claims)?)
        }
        None => None,
    };
    Ok(Signed {
        access_token,
        id_token,
        expires_in: issuance.expires_in,
        scope: issuance.scope,
    })
}

/// Whether `PROFILE_SCOPES` or `openid` make this a user-facing (OIDC) grant.
pub fn is_oidc_scope(name: &str) -> bool {
    name == "openid" || PROFILE_SCOPES.contains(&name) || name == "offline_access"
}

/// Whether a verified token was issued by this environment, is unexpired and not revoked.
pub fn in_force(store: &Store, data: &EnvData, claims: &Map<String, Value>) -> bool {
    let issuer_ok =
        claims.get("iss").and_then(Value::as_str) == Some(store.issuer(&data.id).as_str());
    let live = claims
        .get("exp")
        .and_then(Value::as_u64)
        .is_some_and(|exp| exp > clock::now());
    let revoked = claims
        .get("jti")
        .and_then(Value::as_str)
        .is_some_and(|jti| data.revoked.contains(jti));
    issuer_ok && live && !revoked
}

/// Whether the `aud` claim (one audience or a list) names `audience`.
pub fn has_audience(claims: &Map<String, Value>, audience: &str) -> bool {
    match claims.get("aud") {
        Some(Value::String(aud)) => aud == audience,
        Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(audience)),
        _ => false,
    }
}

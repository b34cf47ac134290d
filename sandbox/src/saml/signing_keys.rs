//! Which key signs an environment's SAML messages, and its key material: every
//! environment starts with a default SIGNING key (as PingOne's do); a key's RSA pair and
//! certificate are made the first time something needs them and kept with the
//! environment.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::key_material::{CertificateFields, KeyMaterial};
use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::store::EnvData;

const DAY: u64 = 86_400;

/// The management row of an environment's default signing key.
pub fn default_row(env_id: &str) -> Map<String, Value> {
    let now = clock::now();
    let serial: u64 = rand::random::<u64>() >> 1;
    let mut row = Map::new();
    for (key, value) in [
        (
            "name",
            json!(format!("PingOne SSO Certificate for {env_id}")),
        ),
        ("usageType", json!("SIGNING")),
        ("algorithm", json!("RSA")),
        ("keyLength", json!(2048)),
        ("signatureAlgorithm", json!("SHA256withRSA")),
        ("default", json!(true)),
        ("status", json!("VALID")),
        ("serialNumber", json!(serial.to_string())),
        (
            "subjectDN",
            json!(format!(
                "CN=PingOne SSO Certificate for {env_id}, O=Ping Identity, C=US"
            )),
        ),
        (
            "issuerDN",
            json!(format!(
                "CN=PingOne SSO Certificate for {env_id}, O=Ping Identity, C=US"
            )),
        ),
        ("validityPeriod", json!(365)),
        ("startsAt", json!(clock::iso_at(now))),
        ("expiresAt", json!(clock::iso_at(now + 365 * DAY))),
    ] {
        row.insert(key.into(), value);
    }
    row
}

/// The environment's default SIGNING key.
pub fn default_key(data: &EnvData) -> Option<String> {
    data.rows("keys")
        .find(|(_, row)| {
            row.body.get("usageType").and_then(Value::as_str) == Some("SIGNING")
                && row.body.get("default").and_then(Value::as_bool) == Some(true)
        })
        .map(|(id, _)| id.clone())
}

/// The key an application signs with: its `idpSigning.key`, else the default.
pub fn for_application(data: &EnvData, app: &Map<String, Value>) -> Option<String> {
    app.get("idpSigning")
        .and_then(|s| s.get("key"))
        .and_then(|k| k.get("id"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| default_key(data))
}

/// The key's material, made on first use from what its row says of the certificate.
pub fn material(data: &mut EnvData, key_id: &str) -> ApiResult<Arc<KeyMaterial>> {
    if let Some(material) = data.key_material.get(key_id) {
        return Ok(material.clone());
    }
    let row = data.body("keys", key_id).ok_or_else(ApiError::not_found)?;
    if row
        .get("algorithm")
        .and_then(Value::as_str)
        .is_some_and(|a| a != "RSA")
    {
        return Err(ApiError::invalid_request(
            "Only RSA keys sign in this sandbox",
        ));
    }
    let text = |name: &str| match row.get(name) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let now = clock::now();
    let not_before = clock::parse_iso(&text("startsAt")).unwrap_or(now);
    let days = row
        .get("validityPeriod")
        .and_then(Value::as_u64)
        .unwrap_or(365);
    let not_after = clock::parse_iso(&text("expiresAt")).unwrap_or(not_before + days * DAY);
    let subject = text("subjectDN");
    let serial = text("serialNumber");
    let generated = KeyMaterial::generate(&CertificateFields {
        subject_dn: if subject.is_empty() {
            "CN=PingOne"
        } else {
            &subject
        },
        serial: if serial.is_empty() { "1" } else { &serial },
        not_before,
        not_after,
    })
    .map_err(|_| ApiError::invalid_request("The key could not be generated"))?;
    let material = Arc::new(generated);
    data.key_material
        .insert(key_id.to_string(), material.clone());
    Ok(material)
}

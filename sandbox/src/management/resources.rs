//! Resources (custom APIs), their scopes and attributes (custom claims), and resource secrets.

use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult, Detail};
use crate::generate;
use crate::links;
use crate::store::{EnvData, Store};

/// Claim names PingOne reserves for itself.
const RESERVED_CLAIMS: &[&str] = &[
    "acr",
    "amr",
    "aud",
    "auth_time",
    "client_id",
    "env",
    "exp",
    "iat",
    "iss",
    "jti",
    "org",
    "scope",
    "sid",
    "sub",
];

pub fn prepare(
    data: &EnvData,
    existing: Option<&Map<String, Value>>,
    body: &mut Map<String, Value>,
    details: &mut Vec<Detail>,
) {
    let builtin = existing
        .and_then(|e| e.get("type"))
        .and_then(Value::as_str)
        .filter(|t| *t != "CUSTOM");
    match builtin {
        // Built-in resources keep their type and audience.
        Some(kind) => {
            body.insert("type".into(), json!(kind));
            if let Some(audience) = existing.and_then(|e| e.get("audience")) {
                body.insert("audience".into(), audience.clone());
            }
        }
        None => {
            if body
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| t != "CUSTOM")
            {
                details.push(Detail::invalid(
                    "type",
                    "Only CUSTOM resources can be created",
                ));
            }
            body.insert("type".into(), json!("CUSTOM"));
            let name = body.get("name").cloned().unwrap_or(Value::Null);
            let audience = body.entry("audience").or_insert(name).clone();
            if let Some(aud) = audience.as_str() {
                let lower = aud.to_ascii_lowercase();
                if lower.contains("pingone") || lower.contains("pingidentity") || aud.contains('#')
                {
                    details.push(Detail::invalid(
                        "audience",
                        "audience must not contain a fragment, 'pingone' or 'pingidentity'",
                    ));
                }
                let taken = data.rows("resources").any(|(id, row)| {
                    existing.and_then(|e| e.get("id")).and_then(Value::as_str) != Some(id.as_str())
                        && row.body.get("audience").and_then(Value::as_str) == Some(aud)
                });
                if taken {
                    details.push(Detail::new(
                        "UNIQUENESS_VIOLATION",
                        "audience",
                        "audience must be unique",
                    ));
                }
            }
        }
    }
    if let Some(settings) = body.get("applicationPermissionsSettings")
        && !settings.is_null()
        && settings
            .get("claimEnabled")
            .is_none_or(|enabled| !enabled.is_boolean())
    {
        details.push(Detail::invalid(
            "applicationPermissionsSettings.claimEnabled",
            "claimEnabled must be a boolean",
        ));
    }
    body.entry("accessTokenValiditySeconds")
        .or_insert(json!(3600));
    body.entry("introspectEndpointAuthMethod")
        .or_insert(json!("CLIENT_SECRET_BASIC"));
    let validity = body
        .get("accessTokenValiditySeconds")
        .and_then(Value::as_f64)
        .map(|v| v.trunc() as i64);
    match validity {
        Some(v) if (300..=2_592_000).contains(&v) => {
            body.insert("accessTokenValiditySeconds".into(), json!(v));
        }
        _ => details.push(
            Detail::new(
                "OUT_OF_RANGE",
                "accessTokenValiditySeconds",
                "accessTokenValiditySeconds must be between 300 and 2592000",
            )
            .with_inner(json!({"rangeMinimumValue": 300, "rangeMaximumValue": 2_592_000})),
        ),
    }
}

pub fn prepare_attribute(
    body: &mut Map<String, Value>,
    existing: Option<&Map<String, Value>>,
    details: &mut Vec<Detail>,
) {
    if let Some(name) = body.get("name").and_then(Value::as_str)
        && (RESERVED_CLAIMS.contains(&name) || name.starts_with("p1."))
    {
        details.push(Detail::invalid(
            "name",
            format!("{name} is a reserved claim name"),
        ));
    }
    if let Some(value) = body.get("value").and_then(Value::as_str) {
        let opens = value.matches("${").count();
        let closes = value.matches('}').count();
        if opens > closes {
            details.push(Detail::invalid("value", "Unterminated ${...} expression"));
        }
    }
    let kind = existing
        .and_then(|e| e.get("type"))
        .cloned()
        .unwrap_or(json!("CUSTOM"));
    body.insert("type".into(), kind);
}

pub fn links(self_url: &str) -> Vec<(String, String)> {
    vec![
        ("scopes".to_string(), format!("{self_url}/scopes")),
        ("attributes".to_string(), format!("{self_url}/attributes")),
        ("secret".to_string(), format!("{self_url}/secret")),
    ]
}

pub fn before_delete(data: &EnvData, id: &str) -> ApiResult<()> {
    let kind = data
        .body("resources", id)
        .and_then(|b| b.get("type"))
        .and_then(Value::as_str);
    if kind.is_some_and(|k| k != "CUSTOM") {
        return Err(ApiError::invalid_value(
            "type",
            "Built-in resources cannot be deleted",
        ));
    }
    Ok(())
}

/// `GET|POST .../resources/{id}/secret`: POST rotates; GET creates one on first read.
pub fn secret(
    store: &Store,
    data: &mut EnvData,
    resource_id: &str,
    rotate: bool,
) -> ApiResult<Value> {
    data.row("resources", resource_id)
        .ok_or_else(ApiError::not_found)?;
    if rotate {
        data.resource_secrets
            .insert(resource_id.to_string(), generate::client_secret());
    }
    let secret = data
        .resource_secrets
        .entry(resource_id.to_string())
        .or_insert_with(generate::client_secret)
        .clone();
    Ok(json!({
        "_links": links::links(vec![(
            "self".into(),
            format!("{}/v1/environments/{}/resources/{resource_id}/secret", store.base_url, data.id),
        )]),
        "environment": {"id": data.id},
        "resource": {"id": resource_id},
        "secret": secret,
    }))
}

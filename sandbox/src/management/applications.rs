//! Applications: OIDC/SAML validation and defaults, the client secret, grants.

use serde_json::{Map, Value, json};

use crate::clock;
use crate::error::{ApiError, ApiResult, Detail};
use crate::generate;
use crate::links;
use crate::management::access::{self, Actor};
use crate::management::crud::strings;
use crate::management::hooks::Hook;
use crate::store::{AppSecret, EnvData, Row, Store};

fn has(list: &[String], value: &str) -> bool {
    list.iter().any(|v| v == value)
}

pub fn prepare(
    body: &mut Map<String, Value>,
    existing: Option<&Map<String, Value>>,
    details: &mut Vec<Detail>,
    stash: &mut Map<String, Value>,
) {
    // Import-only and POST-only attributes never become part of the resource.
    if let Some(secret) = body.remove("clientSecret") {
        stash.insert("clientSecret".into(), secret);
    }
    if let Some(assign) = body.remove("assignActorRoles") {
        stash.insert("assignActorRoles".into(), assign);
    }
    if let Some(existing_id) = existing.and_then(|e| e.get("id")) {
        stash.insert("existing".into(), existing_id.clone());
    }
    match body.get("protocol").and_then(Value::as_str) {
        Some("OPENID_CONNECT") => prepare_oidc(body, details),
        Some("SAML") => {
            for field in ["spEntityId", "acsUrls", "assertionDuration"] {
                if body.get(field).is_none_or(Value::is_null) {
                    details.push(Detail::required(field));
                }
            }
            body.entry("assertionSigned").or_insert(json!(true));
            body.entry("responseSigned").or_insert(json!(false));
            body.entry("sloBinding").or_insert(json!("HTTP_POST"));
        }
        _ => {}
    }
    if let Some(secret) = stash.get("clientSecret")
        && secret.as_str().is_none_or(|s| s.len() < 8)
    {
        details.push(Detail::invalid(
            "clientSecret",
            "clientSecret must be at least 8 characters",
        ));
    }
}

fn prepare_oidc(body: &mut Map<String, Value>, details: &mut Vec<Detail>) {
    let app_type = body
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if body
        .get("tokenEndpointAuthMethod")
        .is_none_or(Value::is_null)
    {
        details.push(Detail::required("tokenEndpointAuthMethod"));
    }
    if body.get("grantTypes").is_none_or(Value::is_null) {
        let default = if app_type == "WORKER" {
            json!(["CLIENT_CREDENTIALS"])
        } else {
            json!(["AUTHORIZATION_CODE"])
        };
        body.insert("grantTypes".into(), default);
    }
    let grants = strings(body, "grantTypes");
    if grants.is_empty() {
        details.push(Detail::invalid(
            "grantTypes",
            "At least one grant type is required",
        ));
    }
    if body.get("responseTypes").is_none_or(Value::is_null) {
        let mut defaults = Vec::new();
        if has(&grants, "AUTHORIZATION_CODE") {
            defaults.push("CODE");
        }
        if has(&grants, "IMPLICIT") {
            defaults.extend(["TOKEN", "ID_TOKEN"]);
        }
        body.insert("responseTypes".into(), json!(defaults));
    }
    let responses = strings(body, "responseTypes");
    let redirects = strings(body, "redirectUris");
    let auth_method = body
        .get("tokenEndpointAuthMethod")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if has(&grants, "AUTHORIZATION_CODE") && !has(&responses, "CODE") {
        details.push(Detail::invalid(
            "responseTypes",
            "AUTHORIZATION_CODE requires the CODE response type",
        ));
    }
    if has(&grants, "IMPLICIT") && !has(&responses, "TOKEN") && !has(&responses, "ID_TOKEN") {
        details.push(Detail::invalid(
            "responseTypes",
            "IMPLICIT requires the TOKEN or ID_TOKEN response type",
        ));
    }
    if (has(&grants, "AUTHORIZATION_CODE") || has(&grants, "IMPLICIT")) && redirects.is_empty() {
        details.push(Detail::required("redirectUris"));
    }
    let wildcard = body
        .get("allowWildcardInRedirectUris")
        .and_then(Value::as_bool)
        == Some(true);
    for uri in &redirects {
        if url::Url::parse(uri).is_err() || (uri.contains('*') && !wildcard) {
            details.push(Detail::invalid(
                "redirectUris",
                format!("{uri} is not a valid redirect URI"),
            ));
        }
    }
    if auth_method == "NONE" && has(&grants, "CLIENT_CREDENTIALS") {
        details.push(Detail::invalid(
            "tokenEndpointAuthMethod",
            "CLIENT_CREDENTIALS requires client authentication",
        ));
    }
    if auth_method == "PRIVATE_KEY_JWT"
        && body.get("jwks").is_none()
        && body.get("jwksUrl").is_none()
    {
        details.push(Detail::required("jwks"));
    }
    if app_type == "WORKER" {
        let allowed = [
            "CLIENT_CREDENTIALS",
            "AUTHORIZATION_CODE",
            "IMPLICIT",
            "REFRESH_TOKEN",
        ];
        if grants.iter().any(|g| !allowed.contains(&g.as_str())) {
            details.push(Detail::invalid("grantTypes", "Worker applications support CLIENT_CREDENTIALS, AUTHORIZATION_CODE, IMPLICIT and REFRESH_TOKEN"));
        }
    }
    body.entry("pkceEnforcement").or_insert(json!("OPTIONAL"));
    if has(&grants, "REFRESH_TOKEN") {
        body.entry("refreshTokenDuration")
            .or_insert(json!(2_592_000));
        body.entry("refreshTokenRollingDuration")
            .or_insert(json!(15_552_000));
        let duration = body.get("refreshTokenDuration").and_then(Value::as_u64);
        let rolling = body
            .get("refreshTokenRollingDuration")
            .and_then(Value::as_u64);
        if duration.is_none_or(|d| d < 60) {
            details.push(Detail::new(
                "OUT_OF_RANGE",
                "refreshTokenDuration",
                "refreshTokenDuration must be at least 60",
            ));
        } else if let (Some(d), Some(r)) = (duration, rolling)
            && d > r
        {
            details.push(Detail::invalid(
                "refreshTokenDuration",
                "must not exceed refreshTokenRollingDuration",
            ));
        }
    }
    if has(&grants, "DEVICE_CODE") {
        body.entry("deviceTimeout").or_insert(json!(600));
        body.entry("devicePollingInterval").or_insert(json!(5));
        if body
            .get("deviceTimeout")
            .and_then(Value::as_u64)
            .is_none_or(|t| t == 0 || t > 3600)
        {
            details.push(Detail::new(
                "OUT_OF_RANGE",
                "deviceTimeout",
                "deviceTimeout must be between 1 and 3600",
            ));
        }
    }
}

pub fn after_write(
    hook: &Hook,
    data: &mut EnvData,
    id: &str,
    created: bool,
    stash: Map<String, Value>,
) -> ApiResult<()> {
    let Some(app) = data.body("applications", id).cloned() else {
        return Ok(());
    };
    let oidc = app.get("protocol").and_then(Value::as_str) == Some("OPENID_CONNECT");
    if created && oidc {
        let secret = stash
            .get("clientSecret")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(generate::client_secret);
        data.app_secrets.insert(
            id.to_string(),
            AppSecret {
                current: secret,
                previous: None,
            },
        );
    }
    let is_worker = app.get("type").and_then(Value::as_str) == Some("WORKER");
    let inherit = stash
        .get("assignActorRoles")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    if created
        && is_worker
        && inherit
        && let Some(actor) = hook.actor
    {
        inherit_roles(data, id, actor);
    }
    Ok(())
}

/// A new worker gets the creating actor's role assignments.
fn inherit_roles(data: &mut EnvData, app_id: &str, actor: &Actor) {
    for assignment in &actor.assignments {
        let assignment_id = generate::id();
        let now = clock::iso_now();
        let body = json!({
            "id": assignment_id,
            "environment": {"id": data.id},
            "application": {"id": app_id},
            "role": {"id": assignment.role_id},
            "scope": {"id": assignment.scope_id, "type": assignment.scope_type},
            "readOnly": false,
            "createdAt": now,
            "updatedAt": now,
        });
        if let Value::Object(body) = body {
            data.table_mut("applications.roleAssignments").insert(
                assignment_id,
                Row {
                    parent: Some(app_id.to_string()),
                    body,
                },
            );
        }
    }
}

pub fn links(self_url: &str, body: &Map<String, Value>) -> Vec<(String, String)> {
    let mut out = vec![
        ("grants".to_string(), format!("{self_url}/grants")),
        (
            "roleAssignments".to_string(),
            format!("{self_url}/roleAssignments"),
        ),
        (
            "signOnPolicyAssignments".to_string(),
            format!("{self_url}/signOnPolicyAssignments"),
        ),
        ("attributes".to_string(), format!("{self_url}/attributes")),
    ];
    if body.get("protocol").and_then(Value::as_str) == Some("OPENID_CONNECT") {
        out.push(("secret".to_string(), format!("{self_url}/secret")));
    }
    out
}

pub fn prepare_grant(data: &EnvData, body: &mut Map<String, Value>, details: &mut Vec<Detail>) {
    let resource_id = body
        .get("resource")
        .and_then(|r| r.get("id"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    match body.get("scopes") {
        Some(Value::Array(scopes)) if !scopes.is_empty() => {
            for scope in scopes {
                let scope_id = scope.get("id").and_then(Value::as_str).unwrap_or_default();
                let belongs = data
                    .row("resources.scopes", scope_id)
                    .is_some_and(|r| r.parent.as_deref() == Some(resource_id));
                if !belongs {
                    details.push(Detail::invalid(
                        "scopes",
                        format!("Scope {scope_id} does not belong to resource {resource_id}"),
                    ));
                }
            }
        }
        Some(Value::Null) | None => {}
        _ => details.push(Detail::invalid(
            "scopes",
            "scopes must be a non-empty array of {id}",
        )),
    }
}

/// `GET|POST|DELETE .../applications/{id}/secret`
pub fn secret(
    store: &Store,
    actor: &Actor,
    data: &mut EnvData,
    app_id: &str,
    method: &str,
    body: &[u8],
) -> ApiResult<Value> {
    let app = data
        .body("applications", app_id)
        .cloned()
        .ok_or_else(ApiError::not_found)?;
    if app.get("protocol").and_then(Value::as_str) != Some("OPENID_CONNECT") {
        return Err(ApiError::not_found());
    }
    if app.get("type").and_then(Value::as_str) == Some("WORKER") {
        // Reading a worker's secret requires holding at least its role assignments.
        let theirs = access::assignments(data, "applications.roleAssignments", app_id);
        let covered = theirs.iter().all(|t| {
            actor
                .assignments
                .iter()
                .any(|a| a.role_id == t.role_id && a.scope_id == t.scope_id)
                || actor.is_org_admin(&store.org_id)
        });
        if !covered {
            return Err(ApiError::forbidden(
                "Actor does not have permissions to access worker application client secrets",
            ));
        }
    }
    let now = clock::now();
    let entry = data
        .app_secrets
        .entry(app_id.to_string())
        .or_insert_with(|| AppSecret {
            current: generate::client_secret(),
            previous: None,
        });
    match method {
        "POST" => {
            let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            let keep_until = request
                .get("previous")
                .and_then(|p| p.get("expiresAt"))
                .and_then(Value::as_str)
                .and_then(|s| {
                    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .map(|t| u64::try_from(t.unix_timestamp()).unwrap_or(0));
            if let Some(until) = keep_until
                && (until < now + 60 || until > now + 30 * 86_400)
            {
                return Err(ApiError::invalid_data(vec![Detail::new(
                    "OUT_OF_RANGE",
                    "previous.expiresAt",
                    "previous.expiresAt must be between 1 minute and 30 days from now",
                )]));
            }
            let old = std::mem::replace(&mut entry.current, generate::client_secret());
            entry.previous = keep_until.map(|until| (old, until));
        }
        "DELETE" => entry.previous = None,
        _ => {}
    }
    let mut out = json!({
        "_links": links::links(vec![
            ("self".into(), format!("{}/v1/environments/{}/applications/{app_id}/secret", store.base_url, data.id)),
            ("application".into(), format!("{}/v1/environments/{}/applications/{app_id}", store.base_url, data.id)),
        ]),
        "environment": {"id": data.id},
        "secret": entry.current,
    });
    if let Some((old, until)) = &entry.previous
        && *until > now
    {
        out["previous"] = json!({"secret": old, "expiresAt": clock::iso_at(*until)});
    }
    Ok(out)
}

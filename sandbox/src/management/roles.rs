//! Built-in administrator roles (fixed ids), `GET /roles`, and role-assignment rules.

use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult, Detail};
use crate::links;
use crate::management::family::Family;
use crate::management::hooks::Hook;
use crate::store::{EnvData, Store};

pub const ORGANIZATION_ADMIN: &str = "Organization Admin";
pub const ENVIRONMENT_ADMIN: &str = "Environment Admin";
pub const IDENTITY_DATA_ADMIN: &str = "Identity Data Admin";
pub const IDENTITY_DATA_READ_ONLY: &str = "Identity Data Read Only";
pub const CLIENT_APPLICATION_DEVELOPER: &str = "Client Application Developer";
pub const CONFIGURATION_READ_ONLY: &str = "Configuration Read Only";

/// (id, name, description, applicableTo). Ids are platform-wide constants, looked up by name.
pub const BUILT_IN: &[(&str, &str, &str, &[&str])] = &[
    (
        "1f7cd6b4-2b6a-4ef1-9a1c-0d6a3c6e0a01",
        ORGANIZATION_ADMIN,
        "Manages the organization and its environments",
        &["ORGANIZATION"],
    ),
    (
        "1f7cd6b4-2b6a-4ef1-9a1c-0d6a3c6e0a02",
        ENVIRONMENT_ADMIN,
        "Manages everything in an environment",
        &["ORGANIZATION", "ENVIRONMENT"],
    ),
    (
        "1f7cd6b4-2b6a-4ef1-9a1c-0d6a3c6e0a03",
        IDENTITY_DATA_ADMIN,
        "Manages users, populations and groups",
        &["ENVIRONMENT", "POPULATION"],
    ),
    (
        "1f7cd6b4-2b6a-4ef1-9a1c-0d6a3c6e0a04",
        IDENTITY_DATA_READ_ONLY,
        "Reads users, populations and groups",
        &["ENVIRONMENT", "POPULATION"],
    ),
    (
        "1f7cd6b4-2b6a-4ef1-9a1c-0d6a3c6e0a05",
        CLIENT_APPLICATION_DEVELOPER,
        "Manages applications, resources and sign-on configuration",
        &["ENVIRONMENT"],
    ),
    (
        "1f7cd6b4-2b6a-4ef1-9a1c-0d6a3c6e0a06",
        CONFIGURATION_READ_ONLY,
        "Reads environment configuration",
        &["ENVIRONMENT"],
    ),
    (
        "1f7cd6b4-2b6a-4ef1-9a1c-0d6a3c6e0a07",
        "Application Owner",
        "Manages applications it owns",
        &["APPLICATION"],
    ),
    (
        "1f7cd6b4-2b6a-4ef1-9a1c-0d6a3c6e0a08",
        "Custom Roles Admin",
        "Manages custom roles",
        &["ENVIRONMENT"],
    ),
    (
        "1f7cd6b4-2b6a-4ef1-9a1c-0d6a3c6e0a09",
        "DaVinci Admin",
        "Manages DaVinci flows",
        &["ENVIRONMENT"],
    ),
    (
        "1f7cd6b4-2b6a-4ef1-9a1c-0d6a3c6e0a10",
        "DaVinci Admin Read Only",
        "Reads DaVinci flows",
        &["ENVIRONMENT"],
    ),
    (
        "1f7cd6b4-2b6a-4ef1-9a1c-0d6a3c6e0a11",
        "Help Desk Admin",
        "Assists users",
        &["ENVIRONMENT", "POPULATION"],
    ),
];

pub fn id_of(name: &str) -> &'static str {
    BUILT_IN
        .iter()
        .find(|r| r.1 == name)
        .map(|r| r.0)
        .unwrap_or_default()
}

pub fn name_of(id: &str) -> Option<&'static str> {
    BUILT_IN.iter().find(|r| r.0 == id).map(|r| r.1)
}

fn role_body(store: &Store, role: &(&str, &str, &str, &[&str])) -> Value {
    json!({
        "_links": links::links(vec![("self".into(), format!("{}/v1/roles/{}", store.base_url, role.0))]),
        "id": role.0,
        "name": role.1,
        "description": role.2,
        "applicableTo": role.3,
        "permissions": [],
        "type": "PLATFORM",
    })
}

/// `GET /roles`
pub fn list(store: &Store) -> Value {
    let items: Vec<Value> = BUILT_IN.iter().map(|r| role_body(store, r)).collect();
    let count = items.len();
    links::collection(
        format!("{}/v1/roles", store.base_url),
        None,
        "roles",
        items,
        count,
    )
}

/// `GET /roles/{id}`
pub fn read(store: &Store, id: &str) -> ApiResult<Value> {
    BUILT_IN
        .iter()
        .find(|r| r.0 == id)
        .map(|r| role_body(store, r))
        .ok_or_else(ApiError::not_found)
}

/// A role-assignment body: known role, a scope the role applies to, no duplicates.
pub fn prepare_assignment(
    hook: &Hook,
    data: &EnvData,
    family: &Family,
    parent: Option<&str>,
    body: &mut Map<String, Value>,
    details: &mut Vec<Detail>,
) {
    let role_id = body
        .get("role")
        .and_then(|r| r.get("id"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let custom = data.row("roles", &role_id).is_some();
    if !role_id.is_empty() && name_of(&role_id).is_none() && !custom {
        details.push(Detail::invalid("role.id", "Referenced role does not exist"));
    }
    let scope_type = body
        .get("scope")
        .and_then(|s| s.get("type"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let scope_id = body
        .get("scope")
        .and_then(|s| s.get("id"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    if body.get("scope").is_some() && scope_id.is_empty() {
        details.push(Detail::required("scope.id"));
    }
    if let Some(applies) = BUILT_IN.iter().find(|r| r.0 == role_id).map(|r| r.3)
        && !scope_type.is_empty()
        && !applies.contains(&scope_type)
    {
        details.push(Detail::invalid(
            "scope.type",
            format!("Role cannot be assigned at {scope_type} scope"),
        ));
    }
    match scope_type {
        "ENVIRONMENT"
            if !scope_id.is_empty()
                && hook.store.env(scope_id).is_none()
                && scope_id != data.id =>
        {
            details.push(Detail::invalid(
                "scope.id",
                "Referenced environment does not exist",
            ));
        }
        "ORGANIZATION" if !scope_id.is_empty() && scope_id != hook.store.org_id => {
            details.push(Detail::invalid(
                "scope.id",
                "Referenced organization does not exist",
            ));
        }
        _ => {}
    }
    if let Some(parent) = parent {
        let duplicate = data.children(family.key, parent).any(|(_, row)| {
            row.body
                .get("role")
                .and_then(|r| r.get("id"))
                .and_then(Value::as_str)
                == Some(role_id.as_str())
                && row
                    .body
                    .get("scope")
                    .and_then(|s| s.get("id"))
                    .and_then(Value::as_str)
                    == Some(scope_id)
        });
        if duplicate {
            details.push(Detail::new(
                "UNIQUENESS_VIOLATION",
                "role",
                "May not assign duplicate Role",
            ));
        }
    }
    body.entry("readOnly").or_insert(json!(false));
}

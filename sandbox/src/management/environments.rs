//! Environments, the organization and its license.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult, Detail};
use crate::generate;
use crate::links;
use crate::management::access::{Actor, Need};
use crate::management::filter;
use crate::management::roles;
use crate::seed;
use crate::store::{Env, Store};

const TYPES: &[&str] = &["SANDBOX", "PRODUCTION"];
const REGIONS: &[&str] = &["NA", "EU", "AP", "CA", "AU", "SG"];
const SUBTYPES: &[&str] = &["DEV", "QA", "STAGING", "TESTING", "UAT"];

fn render(store: &Store, resource: &Map<String, Value>) -> Value {
    let id = resource
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let base = &store.base_url;
    let mut body = Map::new();
    body.insert(
        "_links".into(),
        links::links(vec![
            ("self".into(), format!("{base}/v1/environments/{id}")),
            (
                "organization".into(),
                format!("{base}/v1/organizations/{}", store.org_id),
            ),
            (
                "license".into(),
                format!(
                    "{base}/v1/organizations/{}/licenses/{}",
                    store.org_id, store.license_id
                ),
            ),
            (
                "populations".into(),
                format!("{base}/v1/environments/{id}/populations"),
            ),
            (
                "applications".into(),
                format!("{base}/v1/environments/{id}/applications"),
            ),
            ("users".into(), format!("{base}/v1/environments/{id}/users")),
            (
                "resources".into(),
                format!("{base}/v1/environments/{id}/resources"),
            ),
        ]),
    );
    body.extend(resource.clone());
    Value::Object(body)
}

pub fn list(store: &Store, actor: &Actor, query: &HashMap<String, String>) -> ApiResult<Value> {
    let expression = match query.get("filter") {
        Some(text) if !text.trim().is_empty() => Some(filter::parse(text)?),
        _ => None,
    };
    let org_admin = actor.is_org_admin(&store.org_id);
    let items: Vec<Value> = store
        .envs()
        .iter()
        .filter_map(|env| {
            let data = env.read();
            let visible = org_admin
                || !actor
                    .roles_in(&store.org_id, &env.id, Some(&data))
                    .is_empty();
            let matches = expression
                .as_ref()
                .is_none_or(|e| e.matches(&data.resource));
            (visible && matches).then(|| render(store, &data.resource))
        })
        .collect();
    let count = items.len();
    Ok(links::collection(
        format!("{}/v1/environments", store.base_url),
        None,
        "environments",
        items,
        count,
    ))
}

fn validate(store: &Store, body: &Map<String, Value>, self_id: Option<&str>) -> Vec<Detail> {
    let mut details = Vec::new();
    for field in ["name", "type", "region"] {
        if body.get(field).is_none_or(Value::is_null) {
            details.push(Detail::required(field));
        }
    }
    for (field, allowed) in [("type", TYPES), ("region", REGIONS), ("subtype", SUBTYPES)] {
        if let Some(value) = body.get(field).filter(|v| !v.is_null())
            && value.as_str().is_none_or(|v| !allowed.contains(&v))
        {
            details.push(Detail::invalid(
                field,
                format!("{field} must be one of: {}", allowed.join(", ")),
            ));
        }
    }
    if self_id.is_none() {
        match body
            .get("license")
            .and_then(|l| l.get("id"))
            .and_then(Value::as_str)
        {
            None => details.push(Detail::required("license.id")),
            Some(id) if id != store.license_id => details.push(Detail::invalid(
                "license.id",
                "Referenced license does not exist",
            )),
            Some(_) => {}
        }
    }
    if let Some(name) = body.get("name").and_then(Value::as_str) {
        let taken = store.envs().iter().any(|env| {
            Some(env.id.as_str()) != self_id
                && env
                    .read()
                    .resource
                    .get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
        });
        if taken {
            details.push(Detail::new(
                "UNIQUENESS_VIOLATION",
                "name",
                "name must be unique within the organization",
            ));
        }
    }
    details
}

fn editable(mut body: Map<String, Value>) -> Map<String, Value> {
    for key in [
        "id",
        "_links",
        "organization",
        "license",
        "status",
        "createdAt",
        "updatedAt",
        "hardDeleteAllowedAt",
        "softDeletedAt",
    ] {
        body.remove(key);
    }
    body
}

/// `POST /environments`: seeds the environment and gives the creator admin roles in it.
pub fn create(
    store: &Store,
    actor: &Actor,
    body: Map<String, Value>,
) -> ApiResult<(String, Value)> {
    actor.require(store, None, None, Need::Organization { write: true })?;
    let details = validate(store, &body, None);
    if !details.is_empty() {
        return Err(ApiError::invalid_data(details));
    }
    let id = generate::id();
    let resource = seed::environment_resource(store, &id, editable(body));
    let data = seed::environment(store, resource.clone());
    store.insert_env(data);
    // The creator receives Identity Data Admin and Client Application Developer on the new environment.
    if let Some(actor_env) = store.env(&actor.env_id) {
        let mut actor_data = actor_env.write();
        for role in [
            roles::IDENTITY_DATA_ADMIN,
            roles::CLIENT_APPLICATION_DEVELOPER,
        ] {
            if let Some(app_id) = &actor.app_id {
                seed::assign_app_role(&mut actor_data, app_id, role, "ENVIRONMENT", &id)
            }
        }
    }
    Ok((id, render(store, &resource)))
}

/// The environment `id`, once the actor may read (or change) the environment itself.
fn environment(store: &Store, actor: &Actor, id: &str, write: bool) -> ApiResult<Arc<Env>> {
    let env = store.env(id).ok_or_else(ApiError::not_found)?;
    actor.require(
        store,
        Some(id),
        Some(&env.read()),
        Need::Environment { write },
    )?;
    Ok(env)
}

pub fn read(store: &Store, actor: &Actor, id: &str) -> ApiResult<Value> {
    let env = environment(store, actor, id, false)?;
    Ok(render(store, &env.read().resource))
}

pub fn update(
    store: &Store,
    actor: &Actor,
    id: &str,
    body: Map<String, Value>,
    merge: bool,
) -> ApiResult<Value> {
    let env = environment(store, actor, id, true)?;
    let current = env.read().resource.clone();
    let mut next = if merge {
        editable(current.clone())
    } else {
        Map::new()
    };
    for (k, v) in editable(body) {
        next.insert(k, v);
    }
    let details = validate(store, &next, Some(id));
    if !details.is_empty() {
        return Err(ApiError::invalid_data(details));
    }
    let mut data = env.write();
    let mut resource = Map::new();
    resource.insert("id".into(), json!(id));
    resource.extend(next);
    for key in ["organization", "license", "status", "createdAt"] {
        if let Some(v) = current.get(key) {
            resource.insert(key.into(), v.clone());
        }
    }
    resource.insert("updatedAt".into(), json!(crate::clock::iso_now()));
    data.resource = resource;
    Ok(render(store, &data.resource))
}

pub fn delete(store: &Store, actor: &Actor, id: &str) -> ApiResult<()> {
    environment(store, actor, id, true)?;
    if id == actor.env_id {
        return Err(ApiError::invalid_value(
            "id",
            "An actor cannot delete its own environment",
        ));
    }
    store.remove_env(id);
    Ok(())
}

fn organization(store: &Store) -> Value {
    json!({
        "_links": links::links(vec![
            ("self".into(), format!("{}/v1/organizations/{}", store.base_url, store.org_id)),
            ("licenses".into(), format!("{}/v1/organizations/{}/licenses", store.base_url, store.org_id)),
        ]),
        "id": store.org_id,
        "name": store.org_name,
        "type": "INTERNAL",
        "billingConnectionIds": [],
    })
}

fn license(store: &Store) -> Value {
    json!({
        "_links": links::links(vec![
            ("self".into(), format!("{}/v1/organizations/{}/licenses/{}", store.base_url, store.org_id, store.license_id)),
            ("organization".into(), format!("{}/v1/organizations/{}", store.base_url, store.org_id)),
        ]),
        "id": store.license_id,
        "name": "Sandbox License",
        "package": "TRIAL",
        "status": "ACTIVE",
        "organization": {"id": store.org_id},
        "beginsAt": "2024-01-01T00:00:00.000Z",
        "environments": {"allowProduction": true, "max": 1000, "regions": REGIONS},
        "users": {"allowPasswordManagementNotifications": true, "allowPasswordPolicy": true, "max": 1_000_000},
    })
}

/// `GET /organizations[/{org}[/licenses[/{id}]]]`
pub fn organizations(store: &Store, actor: &Actor, segments: &[&str]) -> ApiResult<Value> {
    actor.require(store, None, None, Need::Organization { write: false })?;
    let org = store.org_id.as_str();
    match segments {
        [] => Ok(links::collection(
            format!("{}/v1/organizations", store.base_url),
            None,
            "organizations",
            vec![organization(store)],
            1,
        )),
        [id] if *id == org => Ok(organization(store)),
        [id, "licenses"] if *id == org => Ok(links::collection(
            format!("{}/v1/organizations/{org}/licenses", store.base_url),
            None,
            "licenses",
            vec![license(store)],
            1,
        )),
        [id, "licenses", license_id] if *id == org && *license_id == store.license_id => {
            Ok(license(store))
        }
        _ => Err(ApiError::not_found()),
    }
}

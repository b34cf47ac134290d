//! PingOne Authorize application resources and their permissions.
//!
//! An application resource is created under a custom resource
//! (`resources/{id}/applicationResources`) but addressed on its own afterwards
//! (`applicationResources/{id}[/permissions[/{id}]]`); `canonical` maps the second form
//! onto the first, so the family table stores one tree and deleting a resource
//! deletes its application resources and their permissions.

use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult, Detail};
use crate::links;
use crate::management::crud;
use crate::management::family;
use crate::store::{EnvData, Store};

const RESOURCES: &str = "resources.applicationResources";
const PERMISSIONS: &str = "resources.applicationResources.permissions";

/// `applicationResources/{id}/...` as the path under its custom resource; `None` for any
/// other path. An unknown application resource is a 404.
pub fn canonical(data: &EnvData, rest: &[&str]) -> Option<ApiResult<Vec<String>>> {
    let ["applicationResources", id, tail @ ..] = rest else {
        return None;
    };
    Some(
        data.row(RESOURCES, id)
            .and_then(|row| row.parent.clone())
            .map(|parent| {
                ["resources", &parent, "applicationResources", id]
                    .into_iter()
                    .chain(tail.iter().copied())
                    .map(str::to_string)
                    .collect()
            })
            .ok_or_else(ApiError::not_found),
    )
}

/// An application resource belongs to a custom resource: `parent` is `{type, id}`.
pub fn prepare(
    data: &EnvData,
    parent: Option<&str>,
    body: &mut Map<String, Value>,
    details: &mut Vec<Detail>,
) {
    let parent = parent.unwrap_or_default();
    let kind = data
        .body("resources", parent)
        .and_then(|r| r.get("type"))
        .and_then(Value::as_str);
    if kind != Some("CUSTOM") {
        details.push(Detail::invalid(
            "parent.id",
            "Application resources can only be added to a custom resource",
        ));
    }
    body.insert(
        "parent".into(),
        json!({"type": "PING_ONE_RESOURCE", "id": parent}),
    );
}

/// A permission's `key` is `<application resource name>:<action>`; `resource` names its
/// application resource.
pub fn prepare_permission(
    data: &EnvData,
    parent: Option<&str>,
    body: &mut Map<String, Value>,
    details: &mut Vec<Detail>,
) {
    if let Some(action) = body.get("action").and_then(Value::as_str)
        && action.contains(':')
    {
        details.push(Detail::invalid("action", "action must not contain ':'"));
    }
    let parent = parent.unwrap_or_default();
    let name = data
        .body(RESOURCES, parent)
        .and_then(|r| r.get("name"))
        .cloned()
        .unwrap_or(Value::Null);
    let action = crud::str_field(body, "action");
    let key = format!("{}:{action}", name.as_str().unwrap_or_default());
    body.insert("key".into(), json!(key));
    body.insert("resource".into(), json!({"id": parent, "name": name}));
}

/// A renamed application resource renames its permissions' keys.
pub fn after_write(data: &mut EnvData, id: &str) {
    let Some(name) = data
        .body(RESOURCES, id)
        .and_then(|r| r.get("name"))
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return;
    };
    let children: Vec<String> = data
        .children(PERMISSIONS, id)
        .map(|(p, _)| p.clone())
        .collect();
    let table = data.table_mut(PERMISSIONS);
    for permission in children {
        if let Some(row) = table.get_mut(&permission) {
            let action = crud::str_field(&row.body, "action").to_string();
            row.body
                .insert("key".into(), json!(format!("{name}:{action}")));
            row.body
                .insert("resource".into(), json!({"id": id, "name": name}));
        }
    }
}

/// `GET applicationResources`: the application resources of every custom resource.
pub fn list_all(store: &Store, data: &EnvData) -> ApiResult<Value> {
    let family = family::by_key(RESOURCES).ok_or_else(ApiError::not_found)?;
    let items: Vec<Value> = data
        .rows(RESOURCES)
        .map(|(id, row)| crud::render(&store.base_url, data, family, id, row))
        .collect();
    let count = items.len();
    Ok(links::collection(
        format!(
            "{}/v1/environments/{}/applicationResources",
            store.base_url, data.id
        ),
        None,
        "resources",
        items,
        count,
    ))
}

/// `GET resources/{id}/applicationPermissions`: the permissions of all of a resource's
/// application resources, each naming the resource as its `resourceServer`.
pub fn resource_permissions(store: &Store, data: &EnvData, resource_id: &str) -> ApiResult<Value> {
    data.row("resources", resource_id)
        .ok_or_else(ApiError::not_found)?;
    let family = family::by_key(PERMISSIONS).ok_or_else(ApiError::not_found)?;
    let items: Vec<Value> = data
        .children(RESOURCES, resource_id)
        .flat_map(|(app_resource, _)| data.children(PERMISSIONS, app_resource))
        .map(|(id, row)| {
            let mut value = crud::render(&store.base_url, data, family, id, row);
            value["resourceServer"] = json!({"id": resource_id, "environment": {"id": data.id}});
            value
        })
        .collect();
    let count = items.len();
    Ok(links::collection(
        format!(
            "{}/v1/environments/{}/resources/{resource_id}/applicationPermissions",
            store.base_url, data.id
        ),
        None,
        "permissions",
        items,
        count,
    ))
}

/// The custom resource an application permission belongs to.
pub fn resource_of_permission<'a>(data: &'a EnvData, permission_id: &str) -> Option<&'a str> {
    let app_resource = data.row(PERMISSIONS, permission_id)?.parent.as_deref()?;
    data.row(RESOURCES, app_resource)?.parent.as_deref()
}

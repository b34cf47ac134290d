//! PingOne Authorize application roles: the permissions a role holds
//! (`applicationRoles/{id}/permissions`), the users it is assigned to
//! (`users/{id}/applicationRoles`, `applicationRoles/{id}/assignments`), and the
//! `p1.permissions` claim those make for a user.
//!
//! Both links are added by `{id}` of the linked row and answered with that row, so they
//! are kept as id lists beside the tables (as group memberships are), not as rows.

use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult, Detail};
use crate::links;
use crate::management::app_resources;
use crate::management::crud;
use crate::management::family;
use crate::store::{EnvData, Store};

const PERMISSIONS: &str = "resources.applicationResources.permissions";

/// Which link a request is about.
#[derive(Debug, Clone, Copy)]
pub enum Link {
    /// application role -> its permissions.
    RolePermissions,
    /// user -> the application roles assigned to them.
    UserRoles,
}

impl Link {
    fn owner(self) -> &'static str {
        match self {
            Link::RolePermissions => "applicationRoles",
            Link::UserRoles => "users",
        }
    }

    fn target(self) -> &'static str {
        match self {
            Link::RolePermissions => PERMISSIONS,
            Link::UserRoles => "applicationRoles",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Link::RolePermissions => "permissions",
            Link::UserRoles => "applicationRoles",
        }
    }

    fn collection(self) -> &'static str {
        match self {
            Link::RolePermissions => "permissions",
            Link::UserRoles => "roles",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Link::RolePermissions => "application permission",
            Link::UserRoles => "application role",
        }
    }

    fn linked<'a>(self, data: &'a EnvData, owner: &str) -> &'a [String] {
        let map = match self {
            Link::RolePermissions => &data.role_permissions,
            Link::UserRoles => &data.user_app_roles,
        };
        map.get(owner).map(Vec::as_slice).unwrap_or_default()
    }

    fn linked_mut<'a>(self, data: &'a mut EnvData, owner: &str) -> &'a mut Vec<String> {
        let map = match self {
            Link::RolePermissions => &mut data.role_permissions,
            Link::UserRoles => &mut data.user_app_roles,
        };
        map.entry(owner.to_string()).or_default()
    }
}

/// `{collection url}` of an owner's links.
fn collection_url(store: &Store, data: &EnvData, link: Link, owner: &str) -> String {
    format!(
        "{}/v1/environments/{}/{}/{owner}/{}",
        store.base_url,
        data.id,
        link.owner(),
        link.path()
    )
}

/// One linked row as the link answers it: the row's own attributes, with links to the
/// link itself and to the row.
fn render(store: &Store, data: &EnvData, link: Link, owner: &str, id: &str) -> Value {
    let mut value = json!({
        "environment": {"id": data.id},
        "id": id,
    });
    let row = data.body(link.target(), id);
    let fields: &[&str] = match link {
        Link::RolePermissions => &["key", "action", "description", "resource"],
        Link::UserRoles => &["name", "description"],
    };
    for field in fields {
        if let Some(v) = row.and_then(|r| r.get(*field)) {
            value[*field] = v.clone();
        }
    }
    let target_url = family::by_key(link.target())
        .map(|f| format!("{}{}", store.base_url, crud::self_path(data, f, id)))
        .unwrap_or_default();
    let rel = match link {
        Link::RolePermissions => "permission",
        Link::UserRoles => "role",
    };
    value["_links"] = links::links(vec![
        (
            "self".into(),
            format!("{}/{id}", collection_url(store, data, link, owner)),
        ),
        (
            "environment".into(),
            format!("{}/v1/environments/{}", store.base_url, data.id),
        ),
        (rel.into(), target_url),
    ]);
    value
}

/// List, add (`{id}`), read or remove one link of `owner`. Returns the status and body.
pub fn handle(
    store: &Store,
    data: &mut EnvData,
    link: Link,
    owner: &str,
    target: Option<&str>,
    method: &str,
    body: &[u8],
) -> ApiResult<(u16, Option<Value>)> {
    data.row(link.owner(), owner)
        .ok_or_else(ApiError::not_found)?;
    match (method, target) {
        ("GET", None) => {
            let items: Vec<Value> = link
                .linked(data, owner)
                .iter()
                .map(|id| render(store, data, link, owner, id))
                .collect();
            let count = items.len();
            Ok((
                200,
                Some(links::collection(
                    collection_url(store, data, link, owner),
                    None,
                    link.collection(),
                    items,
                    count,
                )),
            ))
        }
        ("POST", None) => {
            let request = crud::object(body)?;
            let id = crud::text(&request, "id")?;
            if data.row(link.target(), &id).is_none() {
                return Err(ApiError::invalid_value(
                    "id",
                    format!("Referenced {} does not exist", link.noun()),
                ));
            }
            if link.linked(data, owner).contains(&id) {
                return Err(ApiError::invalid_data(vec![Detail::new(
                    "UNIQUENESS_VIOLATION",
                    "id",
                    format!("The {} is already assigned", link.noun()),
                )]));
            }
            link.linked_mut(data, owner).push(id.clone());
            Ok((201, Some(render(store, data, link, owner, &id))))
        }
        ("GET", Some(id)) => {
            if !link.linked(data, owner).iter().any(|x| x == id) {
                return Err(ApiError::not_found());
            }
            Ok((200, Some(render(store, data, link, owner, id))))
        }
        ("DELETE", Some(id)) => {
            let linked = link.linked_mut(data, owner);
            let before = linked.len();
            linked.retain(|x| x != id);
            if linked.len() == before {
                return Err(ApiError::not_found());
            }
            Ok((204, None))
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}

/// `GET applicationRoles/{id}/assignments`: the users the role is assigned to.
pub fn assignments(store: &Store, data: &EnvData, role_id: &str) -> ApiResult<Value> {
    data.row("applicationRoles", role_id)
        .ok_or_else(ApiError::not_found)?;
    let mut users: Vec<&String> = data
        .user_app_roles
        .iter()
        .filter(|(_, roles)| roles.iter().any(|r| r == role_id))
        .map(|(user, _)| user)
        .collect();
    users.sort();
    let items: Vec<Value> = users
        .into_iter()
        .map(|user| {
            json!({
                "_links": links::links(vec![(
                    "user".into(),
                    format!("{}/v1/environments/{}/users/{user}", store.base_url, data.id),
                )]),
                "id": user,
                "type": "USER",
                "role": {"id": role_id},
                "environment": {"id": data.id},
            })
        })
        .collect();
    let count = items.len();
    Ok(links::collection(
        format!(
            "{}/v1/environments/{}/applicationRoles/{role_id}/assignments",
            store.base_url, data.id
        ),
        None,
        "assignments",
        items,
        count,
    ))
}

/// The `p1.permissions` claim of a user's token for a custom resource: the keys of the
/// permissions on that resource held by any of the user's application roles.
pub fn permission_keys(data: &EnvData, user_id: &str, resource_id: &str) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for role in Link::UserRoles.linked(data, user_id) {
        for permission in Link::RolePermissions.linked(data, role) {
            if app_resources::resource_of_permission(data, permission) != Some(resource_id) {
                continue;
            }
            let key = data
                .body(PERMISSIONS, permission)
                .map(|p| crud::str_field(p, "key").to_string())
                .unwrap_or_default();
            if !key.is_empty() && !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys
}

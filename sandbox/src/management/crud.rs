//! Validated CRUD for every family in the table: list, create, read, replace, patch, delete.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::clock;
use crate::error::{ApiError, ApiResult, Detail};
use crate::generate;
use crate::links;
use crate::management::family::{self, Behaviour, Family};
use crate::management::filter;
use crate::management::hooks::{self, Hook};
use crate::store::{EnvData, Row};

/// A management path resolved against the family table.
#[derive(Debug)]
pub struct Target {
    pub family: &'static Family,
    pub parent: Option<String>,
    pub id: Option<String>,
}

/// Families whose rows carry a `default` flag that only one row may hold.
const SINGLE_DEFAULT: &[&str] = &[
    "populations",
    "signOnPolicies",
    "passwordPolicies",
    "languages",
    "deviceAuthenticationPolicies",
    "riskPolicySets",
];

/// Resolves `applications/A/grants[/G]`, checking that every named ancestor exists.
pub fn resolve(data: &EnvData, segments: &[&str]) -> ApiResult<Target> {
    let mut parent_family: Option<&'static str> = None;
    let mut parent_id: Option<String> = None;
    let mut i = 0;
    loop {
        let segment = segments.get(i).ok_or_else(ApiError::not_found)?;
        let family = family::find(parent_family, segment).ok_or_else(ApiError::not_found)?;
        let Some(id) = segments.get(i + 1) else {
            return Ok(Target {
                family,
                parent: parent_id,
                id: None,
            });
        };
        let row = data.row(family.key, id).ok_or_else(ApiError::not_found)?;
        if row.parent != parent_id {
            return Err(ApiError::not_found());
        }
        if i + 2 == segments.len() {
            return Ok(Target {
                family,
                parent: parent_id,
                id: Some((*id).to_string()),
            });
        }
        parent_family = Some(family.key);
        parent_id = Some((*id).to_string());
        i += 2;
    }
}

/// `/v1/environments/{env}/.../{segment}/{id}` of a stored row.
pub fn self_path(data: &EnvData, family: &Family, id: &str) -> String {
    let parent_path = match (
        family.parent,
        data.row(family.key, id).and_then(|r| r.parent.clone()),
    ) {
        (Some(parent_key), Some(parent_id)) => match family::by_key(parent_key) {
            Some(parent_family) => self_path(data, parent_family, &parent_id),
            None => format!("/v1/environments/{}", data.id),
        },
        _ => format!("/v1/environments/{}", data.id),
    };
    format!("{parent_path}/{}/{id}", family.segment)
}

/// The collection path for children of `parent` (or of the environment).
pub fn collection_path(data: &EnvData, family: &Family, parent: Option<&str>) -> String {
    match (family.parent.and_then(family::by_key), parent) {
        (Some(parent_family), Some(parent_id)) => {
            format!(
                "{}/{}",
                self_path(data, parent_family, parent_id),
                family.segment
            )
        }
        _ => format!("/v1/environments/{}/{}", data.id, family.segment),
    }
}

/// A stored row as PingOne returns it: the body plus absolute `_links`.
pub fn render(base_url: &str, data: &EnvData, family: &Family, id: &str, row: &Row) -> Value {
    let self_url = format!("{base_url}{}", self_path(data, family, id));
    let mut pairs = vec![
        ("self".to_string(), self_url.clone()),
        (
            "environment".to_string(),
            format!("{base_url}/v1/environments/{}", data.id),
        ),
    ];
    if let (Some(parent_key), Some(parent_id)) = (family.parent, row.parent.as_deref())
        && let Some(parent_family) = family::by_key(parent_key)
    {
        pairs.push((
            family.parent_rel.to_string(),
            format!("{base_url}{}", self_path(data, parent_family, parent_id)),
        ));
    }
    pairs.extend(hooks::extra_links(
        base_url, &self_url, data, family, &row.body,
    ));
    let mut body = Map::new();
    body.insert("_links".into(), links::links(pairs));
    for (k, v) in &row.body {
        body.insert(k.clone(), v.clone());
    }
    Value::Object(body)
}

pub fn list(
    base_url: &str,
    data: &EnvData,
    family: &Family,
    parent: Option<&str>,
    query: &HashMap<String, String>,
) -> ApiResult<Value> {
    let expression = match query.get("filter") {
        Some(text) if !text.trim().is_empty() => Some(filter::parse(text)?),
        _ => None,
    };
    let matching: Vec<(&String, &Row)> = data
        .table(family.key)
        .map(|t| {
            t.children(parent)
                .filter(|(id, row)| {
                    expression
                        .as_ref()
                        .is_none_or(|e| matches(data, family, e, id, &row.body))
                })
                .collect()
        })
        .unwrap_or_default();
    let limit = match query.get("limit") {
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=5000).contains(&n) => n,
            _ => {
                return Err(ApiError::invalid_data(vec![Detail::new(
                    "OUT_OF_RANGE",
                    "limit",
                    "limit must be between 1 and 5000",
                )]));
            }
        },
        None => 1000,
    };
    let offset = query
        .get("cursor")
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(0);
    let count = matching.len();
    let items: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|(id, row)| render(base_url, data, family, id, row))
        .collect();
    let path = format!("{base_url}{}", collection_path(data, family, parent));
    let next =
        (offset + limit < count).then(|| format!("{path}?limit={limit}&cursor={}", offset + limit));
    let self_url = if query.contains_key("limit") {
        format!("{path}?limit={limit}")
    } else {
        path
    };
    Ok(links::collection(
        self_url,
        next,
        family.collection,
        items,
        count,
    ))
}

/// Evaluates a list filter; users also answer `memberOfGroups` (their direct memberships),
/// which PingOne filters on without storing it in the user body.
fn matches(
    data: &EnvData,
    family: &Family,
    expression: &filter::Filter,
    id: &str,
    body: &Map<String, Value>,
) -> bool {
    if family.key != "users" || !expression.mentions("memberOfGroups") {
        return expression.matches(body);
    }
    let groups: Vec<Value> = data
        .memberships
        .get(id)
        .into_iter()
        .flatten()
        .map(|group| {
            let name = data
                .body("groups", group)
                .and_then(|b| b.get("name"))
                .cloned()
                .unwrap_or(Value::Null);
            json!({"id": group, "name": name})
        })
        .collect();
    let mut body = body.clone();
    body.insert("memberOfGroups".into(), Value::Array(groups));
    expression.matches(&body)
}

pub fn read(base_url: &str, data: &EnvData, family: &Family, id: &str) -> ApiResult<Value> {
    let row = data.row(family.key, id).ok_or_else(ApiError::not_found)?;
    Ok(render(base_url, data, family, id, row))
}

/// The JSON object of a request body, or PingOne's malformed-request error.
pub fn object(body: &[u8]) -> ApiResult<Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ApiError::invalid_request(
            "The request could not be completed. The request was malformed or invalid.",
        )),
    }
}

/// A required, non-empty text field of a request body.
pub fn text(body: &Map<String, Value>, field: &str) -> ApiResult<String> {
    match body.get(field).and_then(Value::as_str) {
        Some(s) if !s.is_empty() => Ok(s.to_string()),
        _ => Err(ApiError::invalid_data(vec![Detail::required(field)])),
    }
}

/// A text field, or `""` when absent or not text.
pub fn str_field<'a>(body: &'a Map<String, Value>, field: &str) -> &'a str {
    body.get(field).and_then(Value::as_str).unwrap_or_default()
}

/// The strings of an array field (`redirectUris`, `grantTypes`); none when absent.
pub fn strings(body: &Map<String, Value>, key: &str) -> Vec<String> {
    body.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Looks up a dotted path (`scope.type`) in a JSON object.
pub fn lookup<'a>(body: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut current = body.get(parts.next()?)?;
    for part in parts {
        current = current.get(part)?;
    }
    Some(current)
}

/// Table-driven checks: required fields, enums, references, uniqueness among siblings.
fn validate(
    data: &EnvData,
    family: &Family,
    parent: Option<&str>,
    self_id: Option<&str>,
    body: &Map<String, Value>,
) -> Vec<Detail> {
    let mut details = Vec::new();
    for field in family.required {
        match lookup(body, field) {
            None | Some(Value::Null) => details.push(Detail::required(field)),
            Some(Value::String(s)) if s.trim().is_empty() => details.push(Detail::new(
                "EMPTY_VALUE",
                *field,
                format!("{field} must not be empty"),
            )),
            _ => {}
        }
    }
    for (field, allowed) in family.enums {
        let bad = |value: &Value| value.as_str().is_none_or(|s| !allowed.contains(&s));
        let invalid = match lookup(body, field) {
            None | Some(Value::Null) => false,
            Some(Value::Array(items)) => items.iter().any(bad),
            Some(value) => bad(value),
        };
        if invalid {
            details.push(
                Detail::invalid(
                    field,
                    format!("{field} must be one of: {}", allowed.join(", ")),
                )
                .with_inner(json!({"allowedValues": allowed})),
            );
        }
    }
    for (field, target) in family.refs {
        if let Some(value) = body.get(*field).filter(|v| !v.is_null()) {
            let id = value.get("id").and_then(Value::as_str);
            if id.is_none_or(|id| data.row(target, id).is_none()) {
                details.push(Detail::invalid(
                    &format!("{field}.id"),
                    format!("Referenced {field} does not exist"),
                ));
            }
        }
    }
    for field in ["enabled", "default"] {
        // A risk predictor's `default` is its fallback result, not a flag.
        if field == "default" && family.key == "riskPredictors" {
            continue;
        }
        if body
            .get(field)
            .is_some_and(|v| !v.is_boolean() && !v.is_null())
        {
            details.push(Detail::invalid(field, format!("{field} must be a boolean")));
        }
    }
    for field in family.unique {
        let Some(wanted) = body.get(*field).and_then(Value::as_str) else {
            continue;
        };
        let existing = data.table(family.key).and_then(|t| {
            t.children(parent).find(|(id, row)| {
                Some(id.as_str()) != self_id
                    && row
                        .body
                        .get(*field)
                        .and_then(Value::as_str)
                        .is_some_and(|s| s.eq_ignore_ascii_case(wanted))
            })
        });
        if let Some((existing_id, _)) = existing {
            details.push(
                Detail::new(
                    "UNIQUENESS_VIOLATION",
                    *field,
                    format!("{field} must be unique"),
                )
                .with_inner(json!({"existingId": existing_id})),
            );
        }
    }
    details
}

/// Removes attributes a client may not set.
fn strip_read_only(body: &mut Map<String, Value>) {
    for key in [
        "id",
        "environment",
        "createdAt",
        "updatedAt",
        "_links",
        "_embedded",
    ] {
        body.remove(key);
    }
}

/// Validates, runs the family's behaviour, stores; returns the new id.
pub fn create(
    hook: &Hook,
    data: &mut EnvData,
    family: &'static Family,
    parent: Option<&str>,
    mut body: Map<String, Value>,
) -> ApiResult<String> {
    if family.behaviour == Behaviour::ReadOnly {
        return Err(ApiError::method_not_allowed());
    }
    strip_read_only(&mut body);
    if !family.parent_rel.is_empty() {
        body.remove(family.parent_rel);
    }
    let mut details = validate(data, family, parent, None, &body);
    let stash = hooks::prepare(hook, data, family, parent, None, &mut body, &mut details)?;
    if !details.is_empty() {
        return Err(ApiError::invalid_data(details));
    }
    let id = stash
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(generate::id);
    let now = clock::iso_now();
    let mut stored = Map::new();
    stored.insert("id".into(), json!(id));
    stored.insert("environment".into(), json!({"id": data.id}));
    if let Some(parent) = parent {
        stored.insert(family.parent_rel.into(), json!({"id": parent}));
    }
    stored.extend(body);
    stored.insert("createdAt".into(), json!(now));
    stored.insert("updatedAt".into(), json!(now));
    data.table_mut(family.key).insert(
        id.clone(),
        Row {
            parent: parent.map(str::to_string),
            body: stored,
        },
    );
    clear_other_defaults(data, family, &id);
    hooks::after_write(hook, data, family, &id, true, stash)?;
    Ok(id)
}

/// PUT (replace) or PATCH (merge) of an existing row.
pub fn update(
    hook: &Hook,
    data: &mut EnvData,
    family: &'static Family,
    id: &str,
    mut body: Map<String, Value>,
    merge: bool,
) -> ApiResult<()> {
    let existing = data
        .row(family.key, id)
        .cloned()
        .ok_or_else(ApiError::not_found)?;
    strip_read_only(&mut body);
    if !family.parent_rel.is_empty() {
        body.remove(family.parent_rel);
    }
    let mut next = if merge {
        let mut merged = existing.body.clone();
        strip_read_only(&mut merged);
        for (k, v) in body {
            if v.is_null() {
                merged.remove(&k);
            } else {
                merged.insert(k, v);
            }
        }
        merged
    } else {
        body
    };
    if family.behaviour == Behaviour::ReadOnly {
        return Err(ApiError::method_not_allowed());
    }
    let parent = existing.parent.clone();
    let mut details = validate(data, family, parent.as_deref(), Some(id), &next);
    let stash = hooks::prepare(
        hook,
        data,
        family,
        parent.as_deref(),
        Some(&existing.body),
        &mut next,
        &mut details,
    )?;
    if !details.is_empty() {
        return Err(ApiError::invalid_data(details));
    }
    let mut stored = Map::new();
    stored.insert("id".into(), json!(id));
    stored.insert("environment".into(), json!({"id": data.id}));
    if let Some(parent) = &parent {
        stored.insert(family.parent_rel.into(), json!({"id": parent}));
    }
    stored.extend(next);
    stored.insert(
        "createdAt".into(),
        existing
            .body
            .get("createdAt")
            .cloned()
            .unwrap_or(json!(clock::iso_now())),
    );
    stored.insert("updatedAt".into(), json!(clock::iso_now()));
    data.table_mut(family.key).insert(
        id.to_string(),
        Row {
            parent,
            body: stored,
        },
    );
    clear_other_defaults(data, family, id);
    hooks::after_write(hook, data, family, id, false, stash)
}

fn clear_other_defaults(data: &mut EnvData, family: &Family, id: &str) {
    if !SINGLE_DEFAULT.contains(&family.key) {
        return;
    }
    let is_default = data
        .body(family.key, id)
        .and_then(|b| b.get("default"))
        .and_then(Value::as_bool)
        == Some(true);
    if !is_default {
        return;
    }
    let others: Vec<String> = data
        .rows(family.key)
        .map(|(other, _)| other.clone())
        .filter(|other| other != id)
        .collect();
    let table = data.table_mut(family.key);
    for other in others {
        if let Some(row) = table.get_mut(&other) {
            row.body.insert("default".into(), json!(false));
        }
    }
}

/// Refuses deleting the row of `key` that is the environment's default (`what` names it).
pub fn keep_default(data: &EnvData, key: &'static str, id: &str, what: &str) -> ApiResult<()> {
    let is_default = data
        .body(key, id)
        .and_then(|row| row.get("default"))
        .and_then(Value::as_bool)
        == Some(true);
    if is_default {
        return Err(ApiError::invalid_value(
            "default",
            format!("The default {what} cannot be deleted"),
        ));
    }
    Ok(())
}

/// Deletes a row and everything nested under it.
pub fn delete(data: &mut EnvData, family: &'static Family, id: &str) -> ApiResult<()> {
    if family.behaviour == Behaviour::ReadOnly {
        return Err(ApiError::method_not_allowed());
    }
    hooks::before_delete(data, family, id)?;
    remove_tree(data, family, id);
    Ok(())
}

fn remove_tree(data: &mut EnvData, family: &'static Family, id: &str) {
    data.table_mut(family.key).remove(id);
    data.app_secrets.remove(id);
    data.resource_secrets.remove(id);
    data.passwords.remove(id);
    data.totp_seeds.remove(id);
    data.memberships.remove(id);
    data.images.remove(id);
    data.certificate_der.remove(id);
    // Application-role links go with their role, user or permission.
    for links in [&mut data.role_permissions, &mut data.user_app_roles] {
        links.remove(id);
        for linked in links.values_mut() {
            linked.retain(|other| other != id);
        }
    }
    // Consents go with their user or their agreement.
    data.consents
        .retain(|(user, agreement), _| user != id && agreement != id);
    data.linked_accounts
        .retain(|(provider, _), user| provider != id && user != id);
    for child in family::children_of(family.key) {
        let ids: Vec<String> = data
            .children(child.key, id)
            .map(|(child_id, _)| child_id.clone())
            .collect();
        for child_id in ids {
            remove_tree(data, child, &child_id);
        }
    }
}

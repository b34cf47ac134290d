//! Reading audit activities as PingOne answers them: a filter that must hold a time range,
//! over the attributes the endpoint documents, paged with `limit` and `cursor`.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::audit::{TABLE, segment_of};
use crate::error::{ApiError, ApiResult, Detail};
use crate::links;
use crate::management::filter::{self, Filter};
use crate::store::EnvData;

/// Attributes compared with `eq` (names are case-insensitive).
const EQUALITY: &[&str] = &[
    "correlationId",
    "action.type",
    "resources.id",
    "resources.type",
    "resources.population.id",
    "actors.user.id",
    "actors.user.name",
    "actors.client.id",
];
/// Attributes bounding the time range.
const INSTANTS: &[&str] = &["recordedAt", "createdAt"];
/// PingOne pages activities by 100 unless told otherwise.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

fn refused(message: impl Into<String>) -> ApiError {
    let attributes = [INSTANTS, EQUALITY].concat();
    ApiError::invalid_data(vec![
        Detail::new("INVALID_FILTER", "filter", message.into()).with_inner(json!({
            "supportedOperators": ["eq", "gt", "lt", "ge", "le", "and"],
            "supportedAttributes": attributes,
        })),
    ])
}

/// `GET .../activities` (query) or `POST .../activities` (the same fields in the body).
pub fn list(base_url: &str, data: &EnvData, query: &HashMap<String, String>) -> ApiResult<Value> {
    let text = query.get("filter").map(|f| f.trim()).unwrap_or_default();
    if text.is_empty() {
        return Err(refused(
            "A filter with a time range (recordedAt or createdAt, gt and lt) is required",
        ));
    }
    let expression = filter::parse_with_instants(text)?;
    check(&expression)?;
    let (lower, upper) = bounds(&expression);
    if !(lower && upper) {
        return Err(refused(
            "The filter must bound recordedAt or createdAt from below (gt, ge) and above (lt, le)",
        ));
    }
    let limit = match query.get("limit") {
        None => DEFAULT_LIMIT,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::invalid_data(vec![Detail::new(
                    "OUT_OF_RANGE",
                    "limit",
                    format!("limit must be between 1 and {MAX_LIMIT}"),
                )])
            })?,
    };
    let offset = query
        .get("cursor")
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(0);
    let matching: Vec<&Map<String, Value>> = data
        .rows(TABLE)
        .map(|(_, row)| &row.body)
        .filter(|body| expression.matches(body))
        .collect();
    let count = matching.len();
    let items: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(limit)
        .map(|body| render(base_url, body))
        .collect();
    let path = format!("{base_url}/v1/environments/{}/activities", data.id);
    let next =
        (offset + limit < count).then(|| format!("{path}?limit={limit}&cursor={}", offset + limit));
    Ok(links::collection(
        format!("{path}?limit={limit}"),
        next,
        "activities",
        items,
        count,
    ))
}

/// `GET .../activities/{activityID}`.
pub fn read(base_url: &str, data: &EnvData, id: &str) -> ApiResult<Value> {
    let body = data.body(TABLE, id).ok_or_else(ApiError::not_found)?;
    Ok(render(base_url, body))
}

/// Terms joined by `and` over documented attributes; anything else is refused.
fn check(expression: &Filter) -> ApiResult<()> {
    let known = |names: &[&str], attr: &str| names.iter().any(|n| n.eq_ignore_ascii_case(attr));
    match expression {
        Filter::And(a, b) => check(a).and(check(b)),
        Filter::Eq(attr, _) if known(EQUALITY, attr) => Ok(()),
        Filter::Instant(attr, _, _) if known(INSTANTS, attr) => Ok(()),
        Filter::Eq(attr, _) | Filter::Instant(attr, _, _) => Err(refused(format!(
            "The attribute {attr} cannot be filtered on with this operator"
        ))),
        Filter::Or(..) => Err(refused("Activity filters join terms with and only")),
        Filter::Sw(..) | Filter::Any(..) => Err(refused("Unsupported filter operator")),
    }
}

/// Whether the expression bounds time from below and from above.
fn bounds(expression: &Filter) -> (bool, bool) {
    match expression {
        Filter::And(a, b) => {
            let (a_low, a_high) = bounds(a);
            let (b_low, b_high) = bounds(b);
            (a_low || b_low, a_high || b_high)
        }
        Filter::Instant(_, ordering, _) => (ordering.is_lower(), !ordering.is_lower()),
        _ => (false, false),
    }
}

/// An activity with absolute `href`s on itself, its actors and its resources.
fn render(base_url: &str, body: &Map<String, Value>) -> Value {
    let mut value = Value::Object(body.clone());
    let env_id = value["environment"]["id"].as_str().unwrap_or_default();
    let id = value["id"].as_str().unwrap_or_default();
    value["_links"] = links::links(vec![(
        "self".into(),
        format!("{base_url}/v1/environments/{env_id}/activities/{id}"),
    )]);
    if let Some(actors) = value["actors"].as_object_mut() {
        actors
            .values_mut()
            .for_each(|actor| add_href(base_url, actor));
    }
    if let Some(resources) = value["resources"].as_array_mut() {
        resources
            .iter_mut()
            .for_each(|resource| add_href(base_url, resource));
    }
    value
}

fn add_href(base_url: &str, named: &mut Value) {
    let segment = named["type"].as_str().and_then(segment_of);
    let env_id = named["environment"]["id"].as_str();
    let id = named["id"].as_str();
    if let (Some(segment), Some(env_id), Some(id)) = (segment, env_id, id) {
        named["href"] = json!(format!(
            "{base_url}/v1/environments/{env_id}/{segment}/{id}"
        ));
    }
}

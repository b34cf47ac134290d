//! Risk evaluations: an event checked against a risk policy set. Each predictor the set
//! evaluates reports on the event, the set's first policy (by priority) whose condition
//! holds gives the level, else the set's default result. The event's completion status is
//! then reported back while the evaluation is fresh.

use std::net::IpAddr;

use serde_json::{Map, Value, json};

use super::{policy_sets, predictors};
use crate::clock;
use crate::error::{ApiError, ApiResult, Detail};
use crate::links;
use crate::seed;
use crate::store::EnvData;

const USER_TYPES: &[&str] = &["EXTERNAL", "PING_ONE"];
const FLOW_TYPES: &[&str] = &[
    "AUTHENTICATION",
    "REGISTRATION",
    "ACCESS",
    "AUTHORIZATION",
    "TRANSACTION",
];
const SHARING_TYPES: &[&str] = &["UNSPECIFIED", "SHARED", "PRIVATE"];
const COMPLETION: &[&str] = &["SUCCESS", "FAILED"];
/// How long after its creation an evaluation's completion status may be reported.
const UPDATE_WINDOW_SECS: u64 = 30 * 60;

/// Evaluates the request's event and stores the evaluation; returns its id.
pub fn create(data: &mut EnvData, mut body: Map<String, Value>) -> ApiResult<String> {
    let mut details = Vec::new();
    let event = match body.remove("event") {
        Some(Value::Object(event)) => event,
        _ => {
            return Err(ApiError::invalid_data(vec![Detail::required("event")]));
        }
    };
    check_event(&event, &mut details);
    let set_id = policy_set(data, &body, &mut details);
    if !details.is_empty() {
        return Err(ApiError::invalid_data(details));
    }
    let set = set_id
        .as_deref()
        .and_then(|id| data.body("riskPolicySets", id))
        .cloned()
        .ok_or_else(|| {
            ApiError::invalid_value(
                "riskPolicySet",
                "The environment has no default risk policy set",
            )
        })?;
    let evaluated: Option<Vec<&str>> = set
        .get("evaluatedPredictors")
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(|p| p.get("id")?.as_str()).collect());
    let mut found = Map::new();
    for (id, predictor) in data.rows("riskPredictors") {
        if evaluated
            .as_ref()
            .is_none_or(|ids| ids.contains(&id.as_str()))
        {
            predictors::evaluate(&predictor.body, &event, &mut found);
        }
    }
    let level = policy_sets::decide(&set, &event, &found)
        .and_then(|p| p.get("result"))
        .or_else(|| set.get("defaultResult"))
        .and_then(|r| r.get("level"))
        .cloned()
        .unwrap_or(json!("LOW"));
    let mut event = event;
    event.insert("completionStatus".into(), json!("IN_PROGRESS"));
    let stored = json!({
        "event": event,
        "riskPolicySet": {"id": set_id, "name": set.get("name")},
        "result": {"level": level, "type": "VALUE"},
        "details": found,
    });
    let Value::Object(stored) = stored else {
        return Err(ApiError::not_found());
    };
    Ok(seed::insert(data, "riskEvaluations", None, None, stored))
}

fn check_event(event: &Map<String, Value>, details: &mut Vec<Detail>) {
    match event.get("ip").and_then(Value::as_str) {
        None => details.push(Detail::required("event.ip")),
        Some(ip) if ip.parse::<IpAddr>().is_err() => details.push(Detail::invalid(
            "event.ip",
            format!("{ip} is not an IP address"),
        )),
        Some(_) => {}
    }
    match event.get("user") {
        Some(Value::Object(user)) => {
            if user
                .get("id")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                details.push(Detail::required("event.user.id"));
            }
            if user.get("type").is_none_or(Value::is_null) {
                details.push(Detail::required("event.user.type"));
            }
        }
        _ => details.push(Detail::required("event.user")),
    }
    for (path, allowed) in [
        ("user.type", USER_TYPES),
        ("flow.type", FLOW_TYPES),
        ("sharingType", SHARING_TYPES),
    ] {
        let value = crate::management::crud::lookup(event, path).filter(|v| !v.is_null());
        if value.is_some_and(|v| v.as_str().is_none_or(|s| !allowed.contains(&s))) {
            details.push(
                Detail::invalid(
                    &format!("event.{path}"),
                    format!("event.{path} must be one of: {}", allowed.join(", ")),
                )
                .with_inner(json!({"allowedValues": allowed})),
            );
        }
    }
}

/// The set named by `riskPolicySet` `{id}` or `{name}` (or the flat `"riskPolicySet.id"`
/// key PingOne's workflow example sends), else the environment's default set.
fn policy_set(
    data: &EnvData,
    body: &Map<String, Value>,
    details: &mut Vec<Detail>,
) -> Option<String> {
    let nested = |key: &str| {
        body.get("riskPolicySet")
            .and_then(|s| s.get(key))
            .or_else(|| body.get(&format!("riskPolicySet.{key}")))
            .and_then(Value::as_str)
    };
    let named = |key: &str, wanted: &str| {
        data.rows("riskPolicySets")
            .find(|(id, row)| match key {
                "id" => id.as_str() == wanted,
                _ => row.body.get("name").and_then(Value::as_str) == Some(wanted),
            })
            .map(|(id, _)| id.clone())
    };
    for key in ["id", "name"] {
        if let Some(wanted) = nested(key) {
            let found = named(key, wanted);
            if found.is_none() {
                details.push(Detail::invalid(
                    &format!("riskPolicySet.{key}"),
                    "Referenced risk policy set does not exist",
                ));
            }
            return found;
        }
    }
    data.rows("riskPolicySets")
        .find(|(_, row)| row.body.get("default").and_then(Value::as_bool) == Some(true))
        .map(|(id, _)| id.clone())
}

/// `PUT .../riskEvaluations/{id}/event`: reports how the evaluated flow ended.
pub fn update_event(
    base_url: &str,
    data: &mut EnvData,
    id: &str,
    body: Map<String, Value>,
) -> ApiResult<Value> {
    let env_id = data.id.clone();
    let row = data
        .table_mut("riskEvaluations")
        .get_mut(id)
        .ok_or_else(ApiError::not_found)?;
    let status = match body.get("completionStatus").and_then(Value::as_str) {
        Some(s) if COMPLETION.contains(&s) => s,
        Some(_) => {
            return Err(ApiError::invalid_data(vec![
                Detail::invalid(
                    "completionStatus",
                    format!("completionStatus must be one of: {}", COMPLETION.join(", ")),
                )
                .with_inner(json!({"allowedValues": COMPLETION})),
            ]));
        }
        None => {
            return Err(ApiError::invalid_data(vec![Detail::required(
                "completionStatus",
            )]));
        }
    };
    let current = row
        .body
        .get("event")
        .and_then(|e| e.get("completionStatus"))
        .and_then(Value::as_str);
    if current != Some("IN_PROGRESS") {
        return Err(ApiError::invalid_value(
            "completionStatus",
            "The completion status can be updated only while the event is IN_PROGRESS",
        ));
    }
    let created = row
        .body
        .get("createdAt")
        .and_then(Value::as_str)
        .and_then(clock::parse_iso)
        .unwrap_or(0);
    if clock::now().saturating_sub(created) > UPDATE_WINDOW_SECS {
        return Err(ApiError::invalid_value(
            "completionStatus",
            "The completion status can be updated only within 30 minutes of the evaluation",
        ));
    }
    let now = json!(clock::iso_now());
    if let Some(event) = row.body.get_mut("event").and_then(Value::as_object_mut) {
        event.insert("completionStatus".into(), json!(status));
    }
    row.body.insert("updatedAt".into(), now);
    let evaluation = format!("{base_url}/v1/environments/{env_id}/riskEvaluations/{id}");
    let mut response = Map::new();
    response.insert(
        "_links".into(),
        links::links(vec![
            ("self".into(), format!("{evaluation}/event")),
            ("riskEvaluation".into(), evaluation),
            (
                "environment".into(),
                format!("{base_url}/v1/environments/{env_id}"),
            ),
        ]),
    );
    if let Some(Value::Object(event)) = row.body.get("event") {
        response.extend(event.clone());
    }
    Ok(Value::Object(response))
}

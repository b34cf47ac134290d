//! Risk predictors: the built-in ones every environment has, custom (`MAP`) predictors that
//! map an event attribute to a level by IP range, list or numeric range, and what each
//! predictor finds for an event.
//!
//! The sandbox has no threat intelligence. Its one documented source of risk: addresses
//! in 203.0.113.0/24 (TEST-NET-3, RFC 5737) are anonymous networks with a bad reputation;
//! every other address is clean and no travel is impossible.

use serde_json::{Map, Value, json};

use super::ip_range::{self, IpRange};
use super::placeholder;
use super::{LEVELS, level};
use crate::error::{ApiError, ApiResult, Detail};
use crate::store::EnvData;

pub const TYPES: &[&str] = &[
    "ANONYMOUS_NETWORK",
    "GEO_VELOCITY",
    "IP_REPUTATION",
    "USER_LOCATION_ANOMALY",
    "USER_RISK_BEHAVIOR",
    "VELOCITY",
    "DEVICE",
    "BOT",
    "EMAIL_REPUTATION",
    "ADVERSARY_IN_THE_MIDDLE",
    "TRAFFIC_ANOMALY",
    "SUSPICIOUS_DEVICE",
    "COMPOSITE",
    "MAP",
];

/// The range the sandbox reports as anonymous networks.
pub const ANONYMOUS_RANGE: &str = "203.0.113.0/24";

/// Built-in detail keys and the predictor type that yields each.
const BUILT_IN_DETAILS: &[(&str, &str)] = &[
    ("anonymousNetworkDetected", "ANONYMOUS_NETWORK"),
    ("impossibleTravel", "GEO_VELOCITY"),
    ("estimatedSpeed", "GEO_VELOCITY"),
    ("ipAddressReputation", "IP_REPUTATION"),
];

/// The predictors PingOne creates in every environment (not deletable).
pub fn built_in() -> Vec<Map<String, Value>> {
    [
        (
            "Anonymous Network Detection",
            "anonymousNetwork",
            "ANONYMOUS_NETWORK",
        ),
        ("Geovelocity Anomaly", "geoVelocity", "GEO_VELOCITY"),
        ("IP Reputation", "ipRisk", "IP_REPUTATION"),
    ]
    .into_iter()
    .filter_map(|(name, compact, kind)| {
        json!({
            "name": name, "compactName": compact, "type": kind,
            "default": {"weight": 5, "result": {"level": "MEDIUM"}},
            "licensed": true, "deletable": false,
        })
        .as_object()
        .cloned()
    })
    .collect()
}

/// Validates a predictor beyond the family table and sets the service-owned fields.
pub fn prepare(
    existing: Option<&Map<String, Value>>,
    body: &mut Map<String, Value>,
    details: &mut Vec<Detail>,
) {
    if let Some(existing) = existing {
        for field in ["compactName", "type"] {
            if body
                .get(field)
                .is_some_and(|v| Some(v) != existing.get(field))
            {
                details.push(Detail::invalid(field, format!("{field} cannot be changed")));
            }
        }
    }
    let compact = body
        .get("compactName")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !compact.is_empty() && !compact.chars().all(|c| c.is_ascii_alphanumeric()) {
        details.push(Detail::invalid(
            "compactName",
            "compactName may contain only letters and digits",
        ));
    }
    if let Some(default) = body.get_mut("default").and_then(Value::as_object_mut) {
        prepare_default(default, details);
    }
    if body.get("type").and_then(Value::as_str) == Some("MAP") {
        match body.get("map").and_then(Value::as_object) {
            Some(map) => check_map(map, details),
            None => details.push(Detail::required("map")),
        }
    }
    let deletable = existing
        .and_then(|e| e.get("deletable"))
        .cloned()
        .unwrap_or(json!(true));
    body.insert("deletable".into(), deletable);
    body.insert("licensed".into(), json!(true));
}

fn prepare_default(default: &mut Map<String, Value>, details: &mut Vec<Detail>) {
    if let Some(weight) = default.get("weight")
        && weight.as_u64().is_none_or(|w| w > 10)
    {
        details.push(Detail::new(
            "OUT_OF_RANGE",
            "default.weight",
            "default.weight must be an integer between 0 and 10",
        ));
    }
    if let Some(result) = default.get_mut("result").and_then(Value::as_object_mut)
        && result.contains_key("level")
    {
        match level(result.get("level")) {
            Some(l) => {
                result.insert("level".into(), json!(l));
            }
            None => details.push(level_detail("default.result.level")),
        }
    }
}

pub fn level_detail(target: &str) -> Detail {
    Detail::invalid(
        target,
        format!("{target} must be one of: {}", LEVELS.join(", ")),
    )
    .with_inner(json!({"allowedValues": LEVELS}))
}

/// A custom predictor's `map`: per level, what `contains` names and how it is matched.
fn check_map(map: &Map<String, Value>, details: &mut Vec<Detail>) {
    if map.is_empty() {
        details.push(Detail::invalid(
            "map",
            "map must define high, medium or low",
        ));
    }
    for (key, entry) in map {
        let target = format!("map.{key}");
        if !["high", "medium", "low"].contains(&key.as_str()) {
            details.push(Detail::invalid(
                &target,
                "map keys are high, medium and low",
            ));
            continue;
        }
        let contains = entry.get("contains").and_then(Value::as_str);
        if contains.and_then(placeholder::parse).is_none() {
            details.push(Detail::invalid(
                &format!("{target}.contains"),
                "contains must be a placeholder such as ${event.ip}",
            ));
        }
        let matchers = ["ipRange", "list", "between"]
            .iter()
            .filter(|m| entry.get(**m).is_some())
            .count();
        if matchers != 1 {
            details.push(Detail::invalid(
                &target,
                format!("{target} needs exactly one of ipRange, list or between"),
            ));
        } else if let Some(ranges) = entry.get("ipRange") {
            check_ranges(ranges, &format!("{target}.ipRange"), details);
        } else if let Some(list) = entry.get("list") {
            if !list
                .as_array()
                .is_some_and(|l| l.iter().all(Value::is_string))
            {
                details.push(Detail::invalid(
                    &format!("{target}.list"),
                    "list must be an array of strings",
                ));
            }
        } else if let Some(between) = entry.get("between") {
            let min = between.get("minScore").and_then(Value::as_f64);
            let max = between.get("maxScore").and_then(Value::as_f64);
            if !matches!((min, max), (Some(min), Some(max)) if min <= max) {
                details.push(Detail::invalid(
                    &format!("{target}.between"),
                    "between needs numeric minScore and maxScore, minScore not above maxScore",
                ));
            }
        }
    }
}

/// An `ipRange` array: 1 to 400 CIDRs.
pub fn check_ranges(ranges: &Value, target: &str, details: &mut Vec<Detail>) {
    let Some(items) = ranges
        .as_array()
        .filter(|a| !a.is_empty() && a.len() <= 400)
    else {
        details.push(Detail::invalid(target, "ipRange must hold 1 to 400 CIDRs"));
        return;
    };
    for (i, item) in items.iter().enumerate() {
        if item.as_str().and_then(IpRange::parse).is_none() {
            details.push(Detail::invalid(
                &format!("{target}[{i}]"),
                format!("{item} is not an IP address or CIDR range"),
            ));
        }
    }
}

/// The predictor (id, compact name) a `${details.<path>}` reads: one with that compact
/// name, or for a built-in detail key one of the type that yields it.
pub fn for_details_path<'a>(data: &'a EnvData, path: &str) -> Option<(&'a str, &'a str)> {
    let subject = placeholder::details_subject(path);
    let kind = BUILT_IN_DETAILS
        .iter()
        .find(|(key, _)| *key == subject)
        .map(|(_, kind)| *kind);
    data.rows("riskPredictors").find_map(|(id, row)| {
        let compact = row.body.get("compactName").and_then(Value::as_str)?;
        let own_type = row.body.get("type").and_then(Value::as_str);
        let hit = match kind {
            Some(kind) => own_type == Some(kind),
            None => compact == subject,
        };
        hit.then_some((id.as_str(), compact))
    })
}

/// Built-in predictors cannot be deleted, nor predictors a policy set still uses.
pub fn before_delete(data: &EnvData, id: &str) -> ApiResult<()> {
    let Some(body) = data.body("riskPredictors", id) else {
        return Ok(());
    };
    if body.get("deletable").and_then(Value::as_bool) == Some(false) {
        return Err(ApiError::invalid_value(
            "id",
            "A built-in risk predictor cannot be deleted",
        ));
    }
    if let Some((set_id, _)) = data
        .rows("riskPolicySets")
        .find(|(_, set)| super::policy_sets::uses_predictor(data, &set.body, id))
    {
        return Err(ApiError::invalid_data(vec![
            Detail::invalid("id", "The risk predictor is used by a risk policy set")
                .with_inner(json!({"riskPolicySetId": set_id})),
        ]));
    }
    Ok(())
}

/// What a predictor finds for `event`: its level under its compact name, plus the built-in
/// detail keys of its type.
pub fn evaluate(
    predictor: &Map<String, Value>,
    event: &Map<String, Value>,
    details: &mut Map<String, Value>,
) {
    let Some(compact) = predictor.get("compactName").and_then(Value::as_str) else {
        return;
    };
    let kind = predictor
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let ip = event.get("ip").and_then(Value::as_str).unwrap_or_default();
    let anonymous = ip_range::any_contains(&[ANONYMOUS_RANGE.to_string()], ip);
    let fallback = level(
        predictor
            .get("default")
            .and_then(|d| d.get("result"))
            .and_then(|r| r.get("level")),
    )
    .unwrap_or("LOW");
    let found = match kind {
        "ANONYMOUS_NETWORK" => {
            details.insert("anonymousNetworkDetected".into(), json!(anonymous));
            if anonymous { "HIGH" } else { "LOW" }
        }
        "IP_REPUTATION" => {
            let (found, score) = if anonymous { ("HIGH", 90) } else { ("LOW", 0) };
            details.insert(
                "ipAddressReputation".into(),
                json!({"level": found, "score": score}),
            );
            found
        }
        "GEO_VELOCITY" => {
            details.insert("impossibleTravel".into(), json!(false));
            details.insert("estimatedSpeed".into(), json!(0));
            "LOW"
        }
        "MAP" => map_level(predictor, event, details).unwrap_or(fallback),
        _ => "LOW",
    };
    details.insert(compact.into(), json!({"level": found, "type": kind}));
}

/// A custom predictor's level: the highest level whose matcher holds; when two numeric
/// ranges share a bound, the higher level wins, as PingOne documents.
fn map_level(
    predictor: &Map<String, Value>,
    event: &Map<String, Value>,
    details: &Map<String, Value>,
) -> Option<&'static str> {
    let map = predictor.get("map")?.as_object()?;
    [("high", "HIGH"), ("medium", "MEDIUM"), ("low", "LOW")]
        .into_iter()
        .find(|(key, _)| {
            map.get(*key).is_some_and(|entry| {
                let value = entry
                    .get("contains")
                    .and_then(Value::as_str)
                    .and_then(|p| placeholder::resolve(p, event, details));
                value.is_some_and(|value| matches_entry(entry, value))
            })
        })
        .map(|(_, found)| found)
}

fn matches_entry(entry: &Value, value: &Value) -> bool {
    if let Some(ranges) = entry.get("ipRange") {
        let ranges: Vec<String> = serde_json::from_value(ranges.clone()).unwrap_or_default();
        return value
            .as_str()
            .is_some_and(|ip| ip_range::any_contains(&ranges, ip));
    }
    if let Some(list) = entry.get("list").and_then(Value::as_array) {
        return list.contains(value);
    }
    let between = |key| {
        entry
            .get("between")
            .and_then(|b| b.get(key))
            .and_then(Value::as_f64)
    };
    match (value.as_f64(), between("minScore"), between("maxScore")) {
        (Some(v), Some(min), Some(max)) => min <= v && v <= max,
        _ => false,
    }
}

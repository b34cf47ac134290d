//! Risk policy sets: validation of their policies (condition forms, result levels, the
//! predictors they read), priorities, and which policy decides an evaluation.

use serde_json::{Map, Value, json};

use super::placeholder::{self, Source};
use super::predictors::{self, level_detail};
use super::{level, rank};
use crate::error::{ApiResult, Detail};
use crate::generate;
use crate::store::EnvData;

const MAX_POLICIES: usize = 100;

/// Validates a set, fills `defaultResult`, condition types, priorities and policy ids.
pub fn prepare(
    data: &EnvData,
    existing: Option<&Map<String, Value>>,
    body: &mut Map<String, Value>,
    details: &mut Vec<Detail>,
) {
    body.entry("default").or_insert(json!(false));
    let default_result = body
        .entry("defaultResult")
        .or_insert(json!({"level": "LOW"}));
    match level(default_result.get("level")) {
        Some(found) if default_result.is_object() => {
            default_result["level"] = json!(found);
            default_result["type"] = json!("VALUE");
        }
        _ => details.push(level_detail("defaultResult.level")),
    }
    let evaluated = evaluated_predictors(data, body, details);
    let Some(policies) = body.get_mut("riskPolicies") else {
        return;
    };
    let Some(list) = policies
        .as_array_mut()
        .filter(|l| !l.is_empty() && l.len() <= MAX_POLICIES)
    else {
        details.push(Detail::invalid(
            "riskPolicies",
            format!("riskPolicies must hold 1 to {MAX_POLICIES} policies"),
        ));
        return;
    };
    let previous_ids = existing
        .and_then(|e| e.get("riskPolicies"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut names: Vec<String> = Vec::new();
    for (i, policy) in list.iter_mut().enumerate() {
        let target = format!("riskPolicies[{i}]");
        let Some(policy) = policy.as_object_mut() else {
            details.push(Detail::invalid(&target, "a risk policy must be an object"));
            continue;
        };
        match policy.get("name").and_then(Value::as_str) {
            Some(name) if !name.trim().is_empty() => {
                if names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                    details.push(Detail::new(
                        "UNIQUENESS_VIOLATION",
                        format!("{target}.name"),
                        "risk policy names must be unique within the set",
                    ));
                }
                names.push(name.to_string());
            }
            _ => details.push(Detail::required(&format!("{target}.name"))),
        }
        prepare_result(policy, &target, details);
        match policy.get_mut("condition").and_then(Value::as_object_mut) {
            Some(condition) => {
                prepare_condition(data, evaluated.as_deref(), condition, &target, details)
            }
            None => details.push(Detail::required(&format!("{target}.condition"))),
        }
        if policy
            .get("priority")
            .is_some_and(|p| p.as_u64().is_none_or(|p| p == 0))
        {
            details.push(Detail::invalid(
                &format!("{target}.priority"),
                "priority must be a positive integer",
            ));
        }
        // A policy keeps its id across updates when its name stays.
        let id = previous_ids
            .iter()
            .find(|p| p.get("name") == policy.get("name"))
            .and_then(|p| p.get("id"))
            .cloned()
            .unwrap_or_else(|| json!(generate::id()));
        policy.insert("id".into(), id);
    }
    // Given priorities order the policies; the rest follow in the order sent.
    list.sort_by_key(|p| {
        p.get("priority")
            .and_then(Value::as_u64)
            .unwrap_or(u64::MAX)
    });
    for (i, policy) in list.iter_mut().enumerate() {
        policy["priority"] = json!(i + 1);
    }
}

fn prepare_result(policy: &mut Map<String, Value>, target: &str, details: &mut Vec<Detail>) {
    let Some(result) = policy.get_mut("result").and_then(Value::as_object_mut) else {
        details.push(Detail::required(&format!("{target}.result")));
        return;
    };
    match level(result.get("level")) {
        Some(found) => {
            result.insert("level".into(), json!(found));
            result.entry("type").or_insert(json!("VALUE"));
        }
        None => details.push(level_detail(&format!("{target}.result.level"))),
    }
}

/// The ids of `evaluatedPredictors`, each checked to exist; `None` when the set evaluates
/// every predictor of the environment.
fn evaluated_predictors(
    data: &EnvData,
    body: &Map<String, Value>,
    details: &mut Vec<Detail>,
) -> Option<Vec<String>> {
    let list = body.get("evaluatedPredictors").filter(|v| !v.is_null())?;
    let Some(items) = list.as_array() else {
        details.push(Detail::invalid(
            "evaluatedPredictors",
            "evaluatedPredictors must be an array of {id}",
        ));
        return Some(Vec::new());
    };
    let mut ids = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item.get("id").and_then(Value::as_str) {
            Some(id) if data.row("riskPredictors", id).is_some() => ids.push(id.to_string()),
            _ => details.push(Detail::invalid(
                &format!("evaluatedPredictors[{i}].id"),
                "Referenced risk predictor does not exist",
            )),
        }
    }
    Some(ids)
}

/// Which form a condition has, from the fields it holds.
fn form_of(condition: &Map<String, Value>) -> Option<&'static str> {
    if condition.contains_key("ipRange") {
        Some("IP_RANGE")
    } else if condition.contains_key("aggregatedScores") {
        Some("AGGREGATED_SCORES")
    } else if condition.contains_key("aggregatedWeights") {
        Some("AGGREGATED_WEIGHTS")
    } else if condition.contains_key("value") && condition.contains_key("equals") {
        Some("VALUE_COMPARISON")
    } else {
        None
    }
}

fn prepare_condition(
    data: &EnvData,
    evaluated: Option<&[String]>,
    condition: &mut Map<String, Value>,
    policy: &str,
    details: &mut Vec<Detail>,
) {
    let target = format!("{policy}.condition");
    let Some(form) = form_of(condition) else {
        details.push(Detail::invalid(
            &target,
            "condition must be a value comparison (value, equals), an IP range (ipRange, contains) or aggregated scores or weights (between)",
        ));
        return;
    };
    if let Some(given) = condition.get("type").and_then(Value::as_str)
        && given != form
    {
        details.push(Detail::invalid(
            &format!("{target}.type"),
            format!("the condition's fields make it {form}, not {given}"),
        ));
    }
    condition.insert("type".into(), json!(form));
    let check = |value: Option<&Value>, at: String, details: &mut Vec<Detail>| {
        check_read(data, evaluated, value, &at, details)
    };
    match form {
        "IP_RANGE" => {
            if let Some(ranges) = condition.get("ipRange") {
                predictors::check_ranges(ranges, &format!("{target}.ipRange"), details);
            }
            let contains = condition.get("contains").and_then(Value::as_str);
            if contains.and_then(placeholder::parse) != Some(Source::Event("ip")) {
                details.push(Detail::invalid(
                    &format!("{target}.contains"),
                    "contains must be ${transaction.ip} or ${event.ip}",
                ));
            }
        }
        "VALUE_COMPARISON" => check(condition.get("value"), format!("{target}.value"), details),
        _ => {
            let (list, factor, max) = if form == "AGGREGATED_SCORES" {
                ("aggregatedScores", "score", 1000)
            } else {
                ("aggregatedWeights", "weight", 10)
            };
            match condition
                .get(list)
                .and_then(Value::as_array)
                .filter(|l| !l.is_empty())
            {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let at = format!("{target}.{list}[{i}]");
                        check(item.get("value"), format!("{at}.value"), details);
                        if item
                            .get(factor)
                            .and_then(Value::as_u64)
                            .is_none_or(|f| f > max)
                        {
                            details.push(Detail::new(
                                "OUT_OF_RANGE",
                                format!("{at}.{factor}"),
                                format!("{factor} must be an integer between 0 and {max}"),
                            ));
                        }
                    }
                }
                None => details.push(Detail::required(&format!("{target}.{list}"))),
            }
            let between = |key| {
                condition
                    .get("between")
                    .and_then(|b| b.get(key))
                    .and_then(Value::as_u64)
            };
            if !matches!((between("minScore"), between("maxScore")), (Some(min), Some(max)) if min <= max && max <= 1000)
            {
                details.push(Detail::invalid(
                    &format!("{target}.between"),
                    "between needs minScore and maxScore from 0 to 1000, minScore not above maxScore",
                ));
            }
        }
    }
}

/// A `${details...}` value must read a predictor that exists and that the set evaluates.
fn check_read(
    data: &EnvData,
    evaluated: Option<&[String]>,
    value: Option<&Value>,
    target: &str,
    details: &mut Vec<Detail>,
) {
    let Some(Source::Details(path)) = value.and_then(Value::as_str).and_then(placeholder::parse)
    else {
        details.push(Detail::invalid(
            target,
            "value must be a placeholder such as ${details.anonymousNetworkDetected}",
        ));
        return;
    };
    match predictors::for_details_path(data, path) {
        None => details.push(Detail::invalid(
            target,
            format!("no risk predictor yields details.{path}"),
        )),
        Some((id, compact)) if evaluated.is_some_and(|ids| !ids.iter().any(|e| e == id)) => details
            .push(Detail::invalid(
                target,
                format!("risk predictor {compact} is not in evaluatedPredictors"),
            )),
        Some(_) => {}
    }
}

/// Whether a set evaluates or reads the predictor `id`.
pub fn uses_predictor(data: &EnvData, set: &Map<String, Value>, id: &str) -> bool {
    let listed = set
        .get("evaluatedPredictors")
        .and_then(Value::as_array)
        .is_some_and(|l| {
            l.iter()
                .any(|p| p.get("id").and_then(Value::as_str) == Some(id))
        });
    listed
        || reads(set)
            .iter()
            .any(|path| predictors::for_details_path(data, path).is_some_and(|(p, _)| p == id))
}

/// Every `${details...}` path the set's conditions read.
fn reads(set: &Map<String, Value>) -> Vec<String> {
    let mut paths = Vec::new();
    let policies = set.get("riskPolicies").and_then(Value::as_array);
    for condition in policies
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("condition"))
    {
        let mut values: Vec<&Value> = condition.get("value").into_iter().collect();
        for list in ["aggregatedScores", "aggregatedWeights"] {
            let items = condition.get(list).and_then(Value::as_array);
            values.extend(items.into_iter().flatten().filter_map(|i| i.get("value")));
        }
        for value in values.into_iter().filter_map(Value::as_str) {
            if let Some(Source::Details(path)) = placeholder::parse(value) {
                paths.push(path.to_string());
            }
        }
    }
    paths
}

/// The default set cannot be deleted.
pub fn before_delete(data: &EnvData, id: &str) -> ApiResult<()> {
    crate::management::crud::keep_default(data, "riskPolicySets", id, "risk policy set")
}

/// The policy that decides an evaluation: the first by priority whose condition holds.
pub fn decide<'a>(
    set: &'a Map<String, Value>,
    event: &Map<String, Value>,
    details: &Map<String, Value>,
) -> Option<&'a Map<String, Value>> {
    let policies = set.get("riskPolicies").and_then(Value::as_array)?;
    policies
        .iter()
        .filter_map(Value::as_object)
        .find(|p| p.get("condition").is_some_and(|c| holds(c, event, details)))
}

fn holds(condition: &Value, event: &Map<String, Value>, details: &Map<String, Value>) -> bool {
    let text = |key| {
        condition
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    match text("type") {
        "IP_RANGE" => {
            let ranges: Vec<String> = condition
                .get("ipRange")
                .and_then(|r| serde_json::from_value(r.clone()).ok())
                .unwrap_or_default();
            placeholder::resolve(text("contains"), event, details)
                .and_then(Value::as_str)
                .is_some_and(|ip| super::ip_range::any_contains(&ranges, ip))
        }
        "VALUE_COMPARISON" => {
            placeholder::resolve(text("value"), event, details) == condition.get("equals")
        }
        kind @ ("AGGREGATED_SCORES" | "AGGREGATED_WEIGHTS") => {
            let total = aggregate(condition, kind, details);
            let bound = |key| {
                condition
                    .get("between")
                    .and_then(|b| b.get(key))
                    .and_then(Value::as_u64)
            };
            matches!((bound("minScore"), bound("maxScore")), (Some(min), Some(max)) if min <= total && total <= max)
        }
        _ => false,
    }
}

/// The combined score: a predictor adds its score (or ten times its weight) in full at
/// HIGH, half at MEDIUM, nothing at LOW.
fn aggregate(condition: &Value, kind: &str, details: &Map<String, Value>) -> u64 {
    let (list, factor, scale) = if kind == "AGGREGATED_SCORES" {
        ("aggregatedScores", "score", 1)
    } else {
        ("aggregatedWeights", "weight", 10)
    };
    let items = condition.get(list).and_then(Value::as_array);
    items
        .into_iter()
        .flatten()
        .map(|item| {
            let points = item.get(factor).and_then(Value::as_u64).unwrap_or(0) * scale;
            let subject = item
                .get("value")
                .and_then(Value::as_str)
                .and_then(placeholder::parse)
                .map(|source| match source {
                    Source::Details(path) | Source::Event(path) => {
                        placeholder::details_subject(path)
                    }
                })
                .unwrap_or_default();
            let found = details
                .get(subject)
                .and_then(|d| d.get("level"))
                .and_then(Value::as_str)
                .unwrap_or("LOW");
            points * u64::from(rank(found)) / 2
        })
        .sum()
}

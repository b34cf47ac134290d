//! Reads back the `x-caseflow-...` extensions `export arazzo` writes, over
//! the spec the standard fields gave: what Arazzo cannot say returns as it was.

use serde_json::{Map, Value};

use super::export::extension;
use crate::spec::Spec;

/// Step fields no Arazzo field says, kept whole as extensions by the export.
pub(super) const UNSAID_STEP_FIELDS: &[&str] = &[
    "if",
    "for_each",
    "concurrency",
    "retry",
    "until",
    "timeout",
    "continue_on_error",
    "uses",
    "with",
];

/// The spec with the workflow's extensions applied; unchanged when it has
/// none, or when they do not read as spec fields (the reason is returned).
pub fn apply(doc: &Value, workflow: Option<&str>, spec: Spec) -> (Spec, Option<String>) {
    let w = doc
        .get("workflows")
        .and_then(Value::as_array)
        .and_then(|ws| match workflow {
            Some(id) => ws
                .iter()
                .find(|w| w.get("workflowId").and_then(Value::as_str) == Some(id)),
            None => ws.first(),
        });
    let Some(w) = w.filter(|w| w.get(extension("clients")).is_some()) else {
        return (spec, None);
    };
    let Ok(Value::Object(mut s)) = serde_json::to_value(&spec) else {
        return (spec, None);
    };
    // The source clients stand in for the exported ones.
    for d in doc
        .get("sourceDescriptions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(name), Some(Value::Object(inputs))) =
            (d.get("name").and_then(Value::as_str), s.get_mut("inputs"))
        {
            inputs.shift_remove(&format!("{name}_url"));
        }
    }
    for field in ["clients", "cleanup", "tags", "secrets"] {
        if let Some(v) = w.get(extension(field)) {
            s.insert(field.into(), v.clone());
        }
    }
    merge(&mut s, "outputs", w.get(extension("outputs")));
    let props = w.pointer("/inputs/properties").and_then(Value::as_object);
    for (name, p) in props.into_iter().flatten() {
        if let (Some(Value::Object(kept)), Some(Value::Object(input))) = (
            p.get(extension("input")),
            s.get_mut("inputs").and_then(|i| i.get_mut(name)),
        ) {
            input.extend(kept.clone());
        }
    }
    let clients = s.get("clients").cloned().unwrap_or(Value::Null);
    for step in w
        .get("steps")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(id) = step.get("stepId").and_then(Value::as_str) else {
            continue;
        };
        let Some(Value::Object(out)) = s.get_mut("steps").and_then(|st| st.get_mut(id)) else {
            continue;
        };
        // Title, request and expectation are kept when only part of them is said.
        for field in ["title", "request", "expect"]
            .iter()
            .chain(UNSAID_STEP_FIELDS)
        {
            if let Some(v) = step.get(extension(field)) {
                out.insert((*field).into(), v.clone());
            }
        }
        merge(out, "outputs", step.get(extension("outputs")));
        let known = out
            .get("client")
            .and_then(Value::as_str)
            .is_some_and(|c| clients.get(c).is_some());
        if !known {
            out.remove("client");
        }
    }
    match serde_json::from_value(Value::Object(s)) {
        Ok(applied) => (applied, None),
        Err(e) => (
            spec,
            Some(format!(
                "the `x-caseflow-...` extensions are not spec fields: {e}"
            )),
        ),
    }
}

fn merge(into: &mut Map<String, Value>, key: &str, extra: Option<&Value>) {
    let Some(Value::Object(extra)) = extra else {
        return;
    };
    let slot = into
        .entry(key.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(m) = slot {
        m.extend(extra.clone());
    }
}

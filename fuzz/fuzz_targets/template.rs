//! Arbitrary template text rendered with captured values in scope.
//!
//! Input: the template, then optionally a NUL byte and bytes that decide the
//! values. Every variable the template reads (`template::references`) gets
//! a value drawn from those bytes, so renders get past "undefined" into the
//! filters and functions; more `inputs`, step outputs and secrets come from
//! the rest. A seed is just a template from `specs/`.

#![no_main]

use std::sync::Arc;

use arbitrary::{Result, Unstructured};
use caseflow::run::Redactor;
use caseflow::run::context::{IndexedJson, RunState, to_value};
use caseflow::template;
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value as Json, json};

const NAMES: &[&str] = &[
    "id",
    "env_id",
    "access_token",
    "secret",
    "code",
    "flow_id",
    "password",
    "username",
    "a",
    "x",
];

fn name(u: &mut Unstructured) -> Result<String> {
    if u.ratio(3, 4)? {
        Ok(u.choose(NAMES)?.to_string())
    } else {
        u.arbitrary()
    }
}

/// Small numbers or extremes: counts of thousands multiplied together
/// repeat a value past what one render should cost (see [`too_costly`]),
/// an extreme one fails minijinja's own limits at once.
fn int(u: &mut Unstructured) -> Result<i64> {
    Ok(match u.int_in_range(0..=7)? {
        0 => i64::MIN,
        1 => i64::MAX,
        2 => i64::from(u32::MAX),
        3 => -1,
        _ => u.int_in_range(-100..=100)?,
    })
}

fn value(u: &mut Unstructured, depth: u32) -> Result<Json> {
    let kinds = if depth == 0 { 4 } else { 6 };
    Ok(match u.int_in_range(0..=kinds)? {
        0 => Json::String(u.arbitrary()?),
        1 => Json::Null,
        2 => Json::Bool(u.arbitrary()?),
        3 => Json::from(int(u)?),
        4 => serde_json::Number::from_f64(u.arbitrary()?).map_or(Json::Null, Json::Number),
        5 => {
            let n = u.int_in_range(0..=4)?;
            Json::Array((0..n).map(|_| value(u, depth - 1)).collect::<Result<_>>()?)
        }
        _ => {
            let mut map = Map::new();
            for _ in 0..u.int_in_range(0..=4)? {
                map.insert(name(u)?, value(u, depth - 1)?);
            }
            Json::Object(map)
        }
    })
}

/// Sets `path` in `root` unless something is already there; intermediate
/// maps are created, a non-map in the way stops it.
fn set(root: &mut Map<String, Json>, path: &[String], leaf: Json) {
    let Some((last, init)) = path.split_last() else {
        return;
    };
    let mut at = root;
    for key in init {
        let next = at.entry(key.clone()).or_insert_with(|| json!({}));
        let Json::Object(next) = next else { return };
        at = next;
    }
    at.entry(last.clone()).or_insert(leaf);
}

fn fill(source: &str, u: &mut Unstructured) -> Result<Map<String, Json>> {
    let mut root = Map::new();
    root.insert("inputs".into(), json!({}));
    root.insert("steps".into(), json!({}));
    root.insert(
        "run".into(),
        json!({ "id": "r1", "name": "fuzz", "started_at": "2024-01-01T00:00:00Z" }),
    );
    if let Ok(refs) = template::references(source) {
        for r in refs {
            set(&mut root, &r.path, value(u, 2)?);
        }
    }
    for _ in 0..u.int_in_range(0..=3)? {
        let path = match u.int_in_range(0..=2)? {
            0 => vec!["inputs".into(), name(u)?],
            1 => vec!["steps".into(), name(u)?, "outputs".into(), name(u)?],
            _ => vec![name(u)?],
        };
        set(&mut root, &path, value(u, 2)?);
    }
    Ok(root)
}

fn run(source: &str, u: &mut Unstructured) -> Result<()> {
    let mut root = fill(source, u)?;
    let inputs: IndexedJson = match root.remove("inputs") {
        Some(Json::Object(m)) => m.into_iter().collect(),
        _ => IndexedJson::new(),
    };
    let run = root.remove("run").unwrap_or(Json::Null);
    let redactor = Arc::new(Redactor::new());
    let state = RunState::new(&inputs, run, redactor.clone());
    if let Some(Json::Object(steps)) = root.remove("steps") {
        for (id, step) in steps {
            if let Json::Object(mut step) = step
                && let Some(Json::Object(outputs)) = step.remove("outputs")
            {
                state.steps.insert(&id, &outputs);
            }
        }
    }
    for _ in 0..u.int_in_range(0..=2)? {
        match u.int_in_range(0..=1)? {
            0 => state.mark_secret(&["inputs", &name(u)?]),
            _ => state.mark_secret(&["steps", &name(u)?, "outputs", &name(u)?]),
        }
    }
    // What is left (`item`, `index`, `response`, unknown names) goes in as extras.
    let extras: Vec<(String, minijinja::Value)> =
        root.into_iter().map(|(k, v)| (k, to_value(v))).collect();
    let extras: Vec<(&str, minijinja::Value)> = extras
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    let scope = state.scope(&extras);

    if let Ok(out) = scope.render_str(source) {
        let _ = redactor.redact(&out);
    }
    // Typed rendering: as a leaf, as a key, and the text itself when it is JSON.
    let mut body = json!({ "leaf": source, "list": [source, 1, true, null] });
    body[source] = json!("k");
    if let Ok(mut out) = scope.render_value(&body) {
        redactor.redact_value(&mut out);
    }
    if let Ok(parsed) = serde_json::from_str::<Json>(source) {
        let _ = scope.render_value(&parsed);
    }
    let _ = scope.condition(source);
    Ok(())
}

/// Rendering has no budget yet: a loop over `range(100000)` inside
/// another, or a list repeated millions of times (`[1] * 9999999`, or
/// `x * y * z` with numbers from the values) and printed, runs for minutes.
/// Such templates are skipped: with a call or `*` in them, no number
/// literal above 1000 (`indent(99999999)` too), no `**`, and the product of
/// the literals, times 100 (the largest generated number) for every `*`
/// and `range`, at most 10^5.
fn too_costly(source: &str) -> bool {
    if !source.contains(['(', '*']) {
        return false;
    }
    if source.contains("**") {
        return true;
    }
    let mut cost: u128 = 1;
    for digits in source.split(|c: char| !c.is_ascii_digit()) {
        if digits.is_empty() {
            continue;
        }
        let n: u128 = digits.parse().unwrap_or(u128::MAX);
        if n > 1000 {
            return true;
        }
        cost = cost.saturating_mul(n.max(1));
    }
    let multipliers = source.matches('*').count() + source.matches("range").count();
    for _ in 0..multipliers {
        cost = cost.saturating_mul(100);
    }
    cost > 100_000
}

fuzz_target!(|data: &[u8]| {
    let (text, rest) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Ok(source) = std::str::from_utf8(text) else {
        return;
    };
    // Reference extraction on its own, with the thread-local environment
    // and with a finder over the environment runs render with.
    let refs = template::references(source);
    match &refs {
        Ok(refs) => refs.iter().for_each(|r| drop(r.to_string())),
        Err(e) => drop(e.to_string()),
    }
    let finder = template::ReferenceFinder::new(template::shared());
    assert_eq!(finder.references(source), refs, "the two finders disagree");
    if too_costly(source) {
        return;
    }
    let _ = run(source, &mut Unstructured::new(rest));
});

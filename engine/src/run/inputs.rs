//! Resolving a spec's inputs. Order: `with` (sub-workflows) > `--set` >
//! `--inputs FILE` > the input's `env` variable > the sandbox binding (when
//! the sandbox runs) > `default`, a template over `run` and other inputs.

use std::collections::{BTreeMap, HashSet};

use indexmap::IndexMap;
use serde_json::Value as Json;

use crate::spec::model::{Input, Spec};
use crate::template;

/// Where input values come from besides the spec's defaults.
#[derive(Debug, Clone, Default)]
pub struct InputSources {
    /// `--set k=v`.
    pub set: IndexMap<String, Json>,
    /// `--inputs FILE`.
    pub file: IndexMap<String, Json>,
    /// Read the variables named by inputs' `env`.
    pub use_env: bool,
    /// Values of the running sandbox, by key (`env_id`, ...).
    pub sandbox: Option<BTreeMap<String, String>>,
}

/// Resolved input values and which of them are secret.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub values: IndexMap<String, Json>,
    pub secret: HashSet<String>,
}

/// An input that has no value.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct InputError {
    pub input: String,
    pub message: String,
}

/// The value an input gets from outside the spec, if any (not defaults, not the sandbox).
pub fn given(name: &str, input: &Input, sources: &InputSources) -> Option<Json> {
    if let Some(v) = sources.set.get(name).or_else(|| sources.file.get(name)) {
        return Some(v.clone());
    }
    if sources.use_env
        && let Some(var) = &input.env
        && let Ok(v) = std::env::var(var)
    {
        return Some(scalar(&v));
    }
    None
}

/// Does this spec (or a sub-workflow) need the sandbox: an input it can bind that nothing else provides?
pub fn wants_sandbox(spec: &Spec, sources: &InputSources) -> bool {
    spec.inputs.iter().any(|(name, input)| {
        input.sandbox.is_some() && input.default.is_none() && given(name, input, sources).is_none()
    })
}

/// `true`/`false` from the command line or the environment are booleans
/// (so `if: inputs.mfa` works); everything else stays text.
pub fn scalar(text: &str) -> Json {
    match text {
        "true" => Json::Bool(true),
        "false" => Json::Bool(false),
        other => Json::String(other.to_string()),
    }
}

pub fn resolve(
    spec: &Spec,
    sources: &InputSources,
    with: &IndexMap<String, Json>,
    run: &Json,
) -> Result<Inputs, InputError> {
    let mut out = Inputs::default();
    let mut defaults: Vec<(&String, &Input, &Json)> = Vec::new();
    for (name, input) in &spec.inputs {
        let sandbox = || {
            let key = input.sandbox?.key();
            sources
                .sandbox
                .as_ref()?
                .get(key)
                .map(|v| Json::String(v.clone()))
        };
        let value = with
            .get(name)
            .cloned()
            .or_else(|| given(name, input, sources))
            .or_else(sandbox);
        match (value, &input.default) {
            (Some(v), _) => {
                out.values.insert(name.clone(), v);
            }
            (None, Some(default)) => defaults.push((name, input, default)),
            (None, None) => return Err(missing(spec, name, input)),
        }
        if input.is_secret(name) {
            out.secret.insert(name.clone());
        }
    }
    // Defaults may read other inputs: render those whose inputs are known,
    // until nothing changes (the checker has rejected cycles among steps,
    // not among inputs, so a cycle here is reported as unresolvable).
    let templates = template::Templates::default();
    while !defaults.is_empty() {
        let before = defaults.len();
        let mut rest = Vec::new();
        for (name, input, default) in defaults {
            let reads = input_references(default);
            if reads
                .iter()
                .any(|r| !out.values.contains_key(r) && spec.inputs.contains_key(r))
            {
                rest.push((name, input, default));
                continue;
            }
            let ctx = minijinja::context! {
                inputs => super::context::to_value(&out.values),
                run => super::context::to_value(run),
            };
            let value =
                template::render_value(&templates, default, &ctx).map_err(|e| InputError {
                    input: name.clone(),
                    message: format!("input `{name}`: its default does not render: {e}"),
                })?;
            if reads.iter().any(|r| out.secret.contains(r)) {
                out.secret.insert(name.clone());
            }
            out.values.insert(name.clone(), value);
        }
        if rest.len() == before {
            let names: Vec<String> = rest.iter().map(|(n, _, _)| format!("`{n}`")).collect();
            return Err(InputError {
                input: rest[0].0.clone(),
                message: format!(
                    "inputs {} have defaults that depend on each other",
                    names.join(", ")
                ),
            });
        }
        defaults = rest;
    }
    // Keep the spec's order.
    let mut ordered = IndexMap::new();
    for name in spec.inputs.keys() {
        if let Some(v) = out.values.shift_remove(name) {
            ordered.insert(name.clone(), v);
        }
    }
    out.values = ordered;
    Ok(out)
}

fn input_references(value: &Json) -> Vec<String> {
    let mut out = Vec::new();
    let mut walk = vec![value];
    while let Some(v) = walk.pop() {
        match v {
            Json::String(s) => {
                for r in template::references(s).unwrap_or_default() {
                    if r.path.first().map(String::as_str) == Some("inputs")
                        && let Some(name) = r.path.get(1)
                    {
                        out.push(name.clone());
                    }
                }
            }
            Json::Array(items) => walk.extend(items),
            Json::Object(map) => walk.extend(map.values()),
            _ => {}
        }
    }
    out
}

fn missing(spec: &Spec, name: &str, input: &Input) -> InputError {
    let mut ways = vec![
        format!("--set {name}=VALUE"),
        "an --inputs file".to_string(),
    ];
    if let Some(var) = &input.env {
        ways.push(format!("the environment variable {var}"));
    }
    let what = input
        .description
        .as_deref()
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    InputError {
        input: name.to_string(),
        message: format!(
            "{}: input `{name}`{what} has no value; provide it with {}",
            spec.name,
            ways.join(", ")
        ),
    }
}

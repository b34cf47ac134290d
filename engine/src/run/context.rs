//! What templates see while a spec runs (`inputs`, `steps`, `run`, `item`,
//! `index`, `response`), and rendering that remembers which results came
//! from secrets so the redactor can mask them.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use minijinja::value::{Object, Value};
use minijinja::{Environment, Error};
use serde_json::Value as Json;

use super::secrets::Redactor;
use crate::template;

/// The template environment, built once: it registers every function.
pub fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(template::environment)
}

/// Outputs of finished steps, read lazily by templates so a context costs
/// the same for the first step and the ten-thousandth.
#[derive(Debug, Default)]
pub struct StepStore {
    steps: RwLock<HashMap<String, Value>>,
}

impl StepStore {
    pub fn insert(&self, id: &str, outputs: &serde_json::Map<String, Json>) {
        let value = to_value(serde_json::json!({ "outputs": outputs }));
        if let Ok(mut steps) = self.steps.write() {
            steps.insert(id.to_string(), value);
        }
    }
}

#[derive(Debug)]
struct StepsView(Arc<StepStore>);

impl Object for StepsView {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        self.0.steps.read().ok()?.get(key).cloned()
    }
}

/// Everything a spec's templates read, shared by its steps.
#[derive(Debug)]
pub struct RunState {
    pub inputs: Value,
    pub run: Value,
    pub steps: Arc<StepStore>,
    pub redactor: Arc<Redactor>,
    /// Variable paths holding secrets, e.g. `inputs.password`, `steps.get_secret.outputs.secret`.
    secret_paths: RwLock<Vec<Vec<String>>>,
    /// Whether a template reads a secret, by source.
    secret_templates: Mutex<HashMap<String, bool>>,
}

impl RunState {
    pub fn new(inputs: &IndexedJson, run: Json, redactor: Arc<Redactor>) -> Self {
        Self {
            inputs: to_value(inputs),
            run: to_value(run),
            steps: Arc::new(StepStore::default()),
            redactor,
            secret_paths: RwLock::new(Vec::new()),
            secret_templates: Mutex::new(HashMap::new()),
        }
    }

    pub fn mark_secret(&self, path: &[&str]) {
        if let Ok(mut paths) = self.secret_paths.write() {
            paths.push(path.iter().map(|s| s.to_string()).collect());
        }
        if let Ok(mut cache) = self.secret_templates.lock() {
            cache.clear();
        }
    }

    /// Is this variable path (e.g. `steps.a.outputs.token`) secret?
    pub fn is_secret_path(&self, path: &[&str]) -> bool {
        self.secret_paths.read().is_ok_and(|paths| {
            paths.iter().any(|p| {
                let n = p.len().min(path.len());
                p[..n].iter().zip(&path[..n]).all(|(a, b)| a == b)
            })
        })
    }

    /// Does this template read a secret (directly or through a prefix such as `steps.x.outputs`)?
    pub fn reads_secret(&self, source: &str) -> bool {
        if !template::is_template(source) {
            return false;
        }
        if let Some(known) = self
            .secret_templates
            .lock()
            .ok()
            .and_then(|c| c.get(source).copied())
        {
            return known;
        }
        let refs = template::references(source).unwrap_or_default();
        let secret = self.secret_paths.read().is_ok_and(|paths| {
            refs.iter().any(|r| {
                paths.iter().any(|p| {
                    let n = p.len().min(r.path.len());
                    p[..n] == r.path[..n]
                })
            })
        });
        if let Ok(mut cache) = self.secret_templates.lock() {
            cache.insert(source.to_string(), secret);
        }
        secret
    }

    /// The context for one render, with extra variables (`item`, `index`, `response`).
    pub fn scope(&self, extra: &[(&str, Value)]) -> Scope<'_> {
        let mut map: BTreeMap<&str, Value> = BTreeMap::new();
        map.insert("inputs", self.inputs.clone());
        map.insert("run", self.run.clone());
        map.insert("steps", Value::from_object(StepsView(self.steps.clone())));
        for (k, v) in extra {
            map.insert(k, v.clone());
        }
        Scope {
            state: self,
            ctx: to_value(map),
        }
    }
}

pub type IndexedJson = indexmap::IndexMap<String, Json>;

/// A render context bound to its run.
pub struct Scope<'a> {
    pub state: &'a RunState,
    pub ctx: Value,
}

impl Scope<'_> {
    pub fn render_str(&self, source: &str) -> Result<String, String> {
        let out =
            template::render_str(environment(), source, &self.ctx).map_err(|e| e.to_string())?;
        if self.state.reads_secret(source) {
            self.state.redactor.add(&out);
        }
        Ok(out)
    }

    /// Typed rendering of a structured value; leaves rendered from secrets are registered.
    pub fn render_value(&self, value: &Json) -> Result<Json, String> {
        let out =
            template::render_value(environment(), value, &self.ctx).map_err(|e| e.to_string())?;
        self.register_secret_leaves(value, &out);
        Ok(out)
    }

    fn register_secret_leaves(&self, source: &Json, rendered: &Json) {
        match (source, rendered) {
            (Json::String(s), out) if self.state.reads_secret(s) => {
                self.state.redactor.add_value(out);
            }
            (Json::Array(a), Json::Array(b)) => {
                for (s, r) in a.iter().zip(b) {
                    self.register_secret_leaves(s, r);
                }
            }
            (Json::Object(a), Json::Object(b)) => {
                for ((_, s), (_, r)) in a.iter().zip(b) {
                    self.register_secret_leaves(s, r);
                }
            }
            _ => {}
        }
    }

    /// `if` and `until` conditions: a bare expression, or a `{{ }}` template
    /// whose text is judged (`false`, `0`, empty and `none` are false).
    pub fn condition(&self, source: &str) -> Result<bool, String> {
        if template::is_template(source) {
            let text = self.render_str(source)?;
            let t = text.trim().to_ascii_lowercase();
            return Ok(!matches!(t.as_str(), "" | "false" | "0" | "none" | "null"));
        }
        let expr = environment()
            .compile_expression(source)
            .map_err(|e| describe(&e))?;
        expr.eval(&self.ctx)
            .map(|v| v.is_true())
            .map_err(|e| describe(&e))
    }
}

fn describe(e: &Error) -> String {
    match e.detail() {
        Some(d) => format!("{}: {d}", e.kind()),
        None => e.kind().to_string(),
    }
}

/// A serializable value (JSON, maps of JSON) as a template variable.
pub fn to_value<T: serde::Serialize>(value: T) -> Value {
    Value::from(minijinja::value::Serde(value))
}

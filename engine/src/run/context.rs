//! What templates see while a spec runs (`inputs`, `steps`, `run`, `item`,
//! `index`, `response`), and rendering that remembers which results came
//! from secrets so the redactor can mask them (taint: what a template prints
//! from a secret is itself a secret, so slices, concatenations, JWTs and
//! Basic headers built from one are masked too).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};

use minijinja::Error;
use minijinja::value::{Enumerator, Object, ObjectExt, Value};
use serde_json::Value as Json;

use crate::redact::Redactor;
use crate::template::{self, Templates};

/// Outputs of finished steps, read lazily by templates so a context costs
/// the same for the first step and the ten-thousandth. They are kept as
/// JSON and turned into template values only where a template reads them:
/// a map of template values costs several times its JSON.
#[derive(Debug, Default)]
pub struct StepStore {
    steps: RwLock<HashMap<String, Outputs>>,
}

/// A step's captured values, shared with its report when nothing in them is masked.
pub type Outputs = Arc<serde_json::Map<String, Json>>;

impl StepStore {
    pub fn insert(&self, id: &str, outputs: Outputs) {
        if let Ok(mut steps) = self.steps.write() {
            steps.insert(id.to_string(), outputs);
        }
    }
}

/// `steps`: each finished step by id.
#[derive(Debug)]
struct StepsView(Arc<StepStore>);

impl Object for StepsView {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let outputs = self.0.steps.read().ok()?.get(key.as_str()?)?.clone();
        Some(Value::from_object(StepView(outputs)))
    }
}

/// `steps.ID`: what templates can read of one step, its `outputs`.
#[derive(Debug)]
struct StepView(Outputs);

impl Object for StepView {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        (key.as_str()? == "outputs").then(|| Value::from_object(OutputsView(self.0.clone())))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Str(&["outputs"])
    }
}

/// `steps.ID.outputs`: the captured values, converted one at a time.
#[derive(Debug)]
struct OutputsView(Outputs);

impl Object for OutputsView {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.0.get(key.as_str()?).map(to_value)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        self.mapped_enumerator(|this| Box::new(this.0.keys().map(|k| Value::from(k.as_str()))))
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.0.len())
    }
}

/// Everything a spec's templates read, shared by its steps.
#[derive(Debug)]
pub struct RunState {
    pub inputs: Value,
    pub run: Value,
    pub steps: Arc<StepStore>,
    /// `steps` as templates see it.
    steps_view: Value,
    pub redactor: Arc<Redactor>,
    pub templates: Templates,
    /// Variable paths holding secrets, e.g. `inputs.password`, `steps.get_secret.outputs.secret`.
    secret_paths: RwLock<Vec<Vec<String>>>,
    /// Which parts of a template's output are secret, by source.
    secret_templates: Mutex<HashMap<String, Taint>>,
}

impl RunState {
    pub fn new(inputs: &IndexedJson, run: Json, redactor: Arc<Redactor>) -> Self {
        let steps = Arc::new(StepStore::default());
        Self {
            inputs: to_value(inputs),
            run: to_value(run),
            steps: steps.clone(),
            steps_view: Value::from_object(StepsView(steps)),
            redactor,
            templates: Templates::default(),
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

    fn has_secrets(&self) -> bool {
        self.secret_paths.read().is_ok_and(|p| !p.is_empty())
    }

    /// Does this template read a secret (directly or through a prefix such as `steps.x.outputs`)?
    pub fn reads_secret(&self, source: &str) -> bool {
        !matches!(self.taint(source), Taint::Clean)
    }

    fn taint(&self, source: &str) -> Taint {
        // With no secret known yet nothing can read one: no template needs
        // its references parsed.
        if !template::is_template(source) || !self.has_secrets() {
            return Taint::Clean;
        }
        if let Some(known) = self
            .secret_templates
            .lock()
            .ok()
            .and_then(|c| c.get(source).cloned())
        {
            return known;
        }
        let taint = match self.expression_reads_secret(source) {
            false => Taint::Clean,
            // Loops, conditions and `set` can move a secret anywhere in the text.
            true if source.contains("{%") || source.contains("{#") => Taint::Whole,
            true => match expressions(source) {
                Some(exprs) if exprs.len() > 1 || !only_expression(source) => Taint::Pieces(
                    exprs
                        .iter()
                        .map(|e| self.expression_reads_secret(e))
                        .collect(),
                ),
                _ => Taint::Whole,
            },
        };
        if let Ok(mut cache) = self.secret_templates.lock() {
            cache.insert(source.to_string(), taint.clone());
        }
        taint
    }

    /// Whether a template reads a secret path; one that does not parse is assumed to.
    fn expression_reads_secret(&self, source: &str) -> bool {
        let Ok(refs) = template::references(source) else {
            return true;
        };
        self.secret_paths.read().is_ok_and(|paths| {
            refs.iter().any(|r| {
                paths.iter().any(|p| {
                    let n = p.len().min(r.path.len());
                    p[..n] == r.path[..n]
                })
            })
        })
    }

    /// The context for one render, with extra variables (`item`, `index`, `response`).
    pub fn scope(&self, extra: &[(&str, Value)]) -> Scope<'_> {
        let base = [
            ("inputs", &self.inputs),
            ("run", &self.run),
            ("steps", &self.steps_view),
        ];
        let extra = extra.iter().map(|(k, v)| (*k, v));
        let ctx: BTreeMap<Value, Value> = base
            .into_iter()
            .chain(extra)
            .map(|(k, v)| (Value::from(k), v.clone()))
            .collect();
        Scope {
            state: self,
            ctx: Value::from(ctx),
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
        let templates = &self.state.templates;
        let render = |s: &str| template::render_str(templates, s, &self.ctx);
        match self.state.taint(source) {
            Taint::Clean => render(source).map_err(|e| e.to_string()),
            Taint::Whole => {
                let out = render(source).map_err(|e| e.to_string())?;
                self.state.redactor.add(&out);
                Ok(out)
            }
            Taint::Pieces(secret) => {
                let (out, pieces) = template::render_str_pieces(templates, source, &self.ctx)
                    .map_err(|e| e.to_string())?;
                if pieces.len() == secret.len() {
                    for (piece, _) in pieces.iter().zip(&secret).filter(|(_, s)| **s) {
                        self.state.redactor.add(piece);
                    }
                } else {
                    self.state.redactor.add(&out);
                }
                Ok(out)
            }
        }
    }

    /// Typed rendering of a structured value; leaves rendered from secrets are registered.
    pub fn render_value(&self, value: &Json) -> Result<Json, String> {
        let out = template::render_value(&self.state.templates, value, &self.ctx)
            .map_err(|e| e.to_string())?;
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
        let Some(expr) = self.state.templates.expression(source) else {
            let e = template::shared().compile_expression(source).err();
            return Err(e.map_or_else(|| "not an expression".to_string(), |e| describe(&e)));
        };
        expr.eval(&self.ctx)
            .map(|v| v.is_true())
            .map_err(|e| describe(&e))
    }
}

/// Which parts of a template's output are secret.
#[derive(Debug, Clone)]
enum Taint {
    /// It reads no secret.
    Clean,
    /// All of it.
    Whole,
    /// What each `{{ }}`, in order, printed, where it reads a secret; the
    /// literal text around them is not secret (`Bearer {{ token }}`,
    /// `/path?x=1&p={{ inputs.password }}`).
    Pieces(Vec<bool>),
}

/// The `{{ ... }}` expressions of a template without statements, in order;
/// `None` when the braces do not pair up.
fn expressions(source: &str) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    let mut rest = source;
    while let Some(open) = rest.find("{{") {
        let close = rest[open..].find("}}")? + open + 2;
        out.push(&rest[open..close]);
        rest = &rest[close..];
    }
    Some(out)
}

/// Whether the template is one `{{ }}` and nothing else but whitespace.
fn only_expression(source: &str) -> bool {
    let t = source.trim();
    t.starts_with("{{") && t.ends_with("}}") && t[2..].find("{{").is_none()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_read_as_values_whole_or_by_name() {
        let state = RunState::new(
            &IndexedJson::new(),
            serde_json::json!({}),
            Arc::new(Redactor::new()),
        );
        let outputs = serde_json::json!({ "id": "a1", "n": 2, "tags": ["x"] });
        state
            .steps
            .insert("create", Arc::new(outputs.as_object().unwrap().clone()));
        let scope = state.scope(&[]);
        let typed = |s: &str| scope.render_value(&Json::from(s)).unwrap();
        assert_eq!(typed("{{ steps.create.outputs.n }}"), Json::from(2));
        assert_eq!(typed("{{ steps.create.outputs }}"), outputs);
        assert_eq!(
            typed("{{ steps.create }}"),
            serde_json::json!({ "outputs": outputs })
        );
        assert_eq!(
            scope.render_str("{{ steps.create.outputs }}").unwrap(),
            r#"{"id":"a1","n":2,"tags":["x"]}"#
        );
        assert_eq!(
            scope
                .render_str(
                    "{{ steps.create.outputs.tags[0] }}/{{ steps.create.outputs | length }}"
                )
                .unwrap(),
            "x/3"
        );
        let missing = scope
            .render_str("{{ steps.create.outputs.nope }}")
            .unwrap_err();
        assert!(missing.contains("undefined"), "{missing}");
        assert!(scope.render_str("{{ steps.other.outputs.id }}").is_err());
    }

    #[test]
    fn a_code_computed_from_a_secret_is_masked() {
        let redactor = Arc::new(Redactor::new());
        let state = RunState::new(&IndexedJson::new(), serde_json::json!({}), redactor.clone());
        let outputs = serde_json::json!({ "secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" });
        state
            .steps
            .insert("pair", Arc::new(outputs.as_object().unwrap().clone()));
        state.mark_secret(&["steps", "pair", "outputs", "secret"]);
        let scope = state.scope(&[]);
        let body = scope
            .render_value(&serde_json::json!({
                "otp": "{{ totp(steps.pair.outputs.secret, time=59) }}"
            }))
            .unwrap();
        assert_eq!(body, serde_json::json!({ "otp": "287082" }));
        let text = scope
            .render_str("otp={{ totp(steps.pair.outputs.secret, digits=8, time=59) }}")
            .unwrap();
        assert_eq!(text, "otp=94287082");
        assert_eq!(
            redactor.redact("sent 287082 and otp=94287082"),
            "sent ••• and otp=•••"
        );
    }
}

//! Postman `{{var}}` references -> caseflow template expressions: the latest
//! step whose script set the variable, else an input. Records every
//! reference so the converter can order steps.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use indexmap::IndexMap;
use regex::Regex;
use serde_json::Value;

use super::pingone;
use crate::formats::names;
use crate::spec::model::Input;

static VAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{\{\s*([^{}]+?)\s*\}\}").expect("valid regex"));

/// A piece of a Postman string: literal text or a variable reference.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Lit(String),
    Var(String),
}

pub fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut last = 0;
    for m in VAR.captures_iter(text) {
        let whole = m.get(0).expect("group 0 always matches");
        if whole.start() > last {
            out.push(Piece::Lit(text[last..whole.start()].to_string()));
        }
        out.push(Piece::Var(m[1].to_string()));
        last = whole.end();
    }
    if last < text.len() {
        out.push(Piece::Lit(text[last..].to_string()));
    }
    out
}

/// Where in a request a reference sits; only URL and body references say
/// which resource a request touches (headers carry credentials).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    Url,
    Header,
    Body,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ref {
    Step { step: String, output: String },
    Input(String),
}

/// A variable defined by the environment or the collection.
#[derive(Debug, Clone)]
pub struct Known {
    pub value: String,
    pub secret: bool,
}

/// Names that suggest a credential; such inputs are `secret` and get no default.
pub fn looks_secret(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["secret", "password", "token", "key"]
        .iter()
        .any(|w| n.contains(w))
}

#[derive(Debug, Default)]
pub struct Scope {
    pub known: IndexMap<String, Known>,
    pub pingone: bool,
    /// Per-request values, e.g. a JWT built by a recognised pre-request script.
    pub local: HashMap<String, (String, Vec<Ref>)>,
    pub site: Option<Site>,
    setters: HashMap<String, (String, String)>,
    inputs: IndexMap<String, String>,
    input_names: HashSet<String>,
    refs: Vec<(Ref, Site)>,
    /// Variables used but defined nowhere, and dynamic variables guessed at.
    pub notes: Vec<String>,
}

impl Scope {
    pub fn new(known: IndexMap<String, Known>, pingone: bool) -> Self {
        Self {
            known,
            pingone,
            ..Self::default()
        }
    }

    /// From now on `var` is `steps.<step>.outputs.<output>`.
    pub fn set(&mut self, var: &str, step: &str, output: &str) {
        self.setters
            .insert(var.to_string(), (step.to_string(), output.to_string()));
    }

    /// The expression a Postman variable stands for here.
    pub fn expr(&mut self, var: &str) -> String {
        let var = var.trim();
        if let Some((e, refs)) = self.local.get(var).cloned() {
            let site = self.site.unwrap_or(Site::Header);
            self.refs.extend(refs.into_iter().map(|r| (r, site)));
            return e;
        }
        if let Some(name) = var.strip_prefix('$') {
            return self.dynamic(name);
        }
        let site = self.site.unwrap_or(Site::Header);
        if let Some((step, output)) = self.setters.get(var).cloned() {
            let e = format!("steps.{step}.outputs.{output}");
            self.refs.push((Ref::Step { step, output }, site));
            return e;
        }
        let name = self.input_name(var);
        self.refs.push((Ref::Input(name.clone()), site));
        format!("inputs.{name}")
    }

    /// A Postman string as a template: `{{appID}}` -> `{{ steps.x.outputs.app_id }}`.
    pub fn template(&mut self, text: &str) -> String {
        let mut out = String::new();
        for p in pieces(text) {
            match p {
                Piece::Lit(l) => out.push_str(&escape_literal(&l)),
                Piece::Var(v) => {
                    let e = self.expr(&v);
                    out.push_str(&format!("{{{{ {e} }}}}"));
                }
            }
        }
        out
    }

    /// A Postman string as one expression: `{{a}}:x` -> `inputs.a ~ ':x'`.
    pub fn expression(&mut self, text: &str) -> String {
        let parts: Vec<String> = pieces(text)
            .into_iter()
            .map(|p| match p {
                Piece::Lit(l) => quote(&l),
                Piece::Var(v) => self.expr(&v),
            })
            .collect();
        if parts.is_empty() {
            "''".into()
        } else {
            parts.join(" ~ ")
        }
    }

    pub fn take_refs(&mut self) -> Vec<(Ref, Site)> {
        std::mem::take(&mut self.refs)
    }

    fn input_name(&mut self, var: &str) -> String {
        if let Some(n) = self.inputs.get(var) {
            return n.clone();
        }
        let base = if self.pingone {
            pingone::well_known(var).map(|w| w.name.to_string())
        } else {
            None
        };
        let base = base.unwrap_or_else(|| names::snake(var));
        let name = if self.input_names.contains(&base) {
            names::unique(&base, &mut self.input_names, "_")
        } else {
            self.input_names.insert(base.clone());
            base
        };
        self.inputs.insert(var.to_string(), name.clone());
        name
    }

    fn dynamic(&mut self, name: &str) -> String {
        let e = match name {
            "guid" | "randomUUID" => "uuid()",
            "timestamp" => "now(format='unix')",
            "isoTimestamp" => "now()",
            "randomPassword" => "random_password()",
            "randomAlphaNumeric" => "random_string(length=1)",
            "randomEmail" | "randomExampleEmail" => "random_string() ~ '@example.com'",
            _ => {
                self.notes.push(format!(
                    "dynamic variable `{{{{${name}}}}}` has no equivalent; it became `random_string()`"
                ));
                "random_string()"
            }
        };
        e.to_string()
    }

    /// Declares every input used so far (and those their defaults use).
    pub fn declare_inputs(&mut self) -> IndexMap<String, Input> {
        // Defaults may only reference inputs: set-by-step values are out of reach here.
        let setters = std::mem::take(&mut self.setters);
        let local = std::mem::take(&mut self.local);
        let mut declared: IndexMap<String, Input> = IndexMap::new();
        while let Some((var, name)) = self
            .inputs
            .iter()
            .find(|(_, n)| !declared.contains_key(*n))
            .map(|(v, n)| (v.clone(), n.clone()))
        {
            let input = self.input(&var, &name);
            declared.insert(name, input);
        }
        self.refs.clear();
        self.setters = setters;
        self.local = local;
        declared
    }

    fn input(&mut self, var: &str, name: &str) -> Input {
        let known = self.known.get(var).cloned();
        let mut secret = looks_secret(var) || known.as_ref().is_some_and(|k| k.secret);
        let mut input = Input::default();
        if self.pingone
            && let Some(w) = pingone::well_known(var)
        {
            input.description = Some(w.description.to_string());
            input.env = Some(w.env.to_string());
            input.sandbox = w.sandbox;
            secret |= w.secret;
            input.secret = secret.then_some(true);
            if let Some(d) = w.default {
                input.default = Some(Value::String(self.template(d)));
                return input;
            }
        } else if name != var {
            input.description = Some(format!("Postman variable `{var}`"));
        }
        match known {
            Some(k) if !secret && !k.value.is_empty() => {
                input.default = Some(Value::String(self.template(&k.value)));
            }
            Some(_) => {}
            None if input.sandbox.is_none() => self.notes.push(format!(
                "variable `{var}` is defined nowhere (neither set by a script before its first use nor in the environment); input `{name}` needs a value"
            )),
            None => {}
        }
        input.secret = secret.then_some(true);
        input
    }
}

/// A minijinja string literal.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// Literal text that would open a minijinja block or comment is emitted as an expression.
fn escape_literal(text: &str) -> String {
    text.replace("{%", "{{ '{%' }}").replace("{#", "{{ '{#' }}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_and_expressions() {
        let mut s = Scope::default();
        s.set("appID", "create_app", "app_id");
        assert_eq!(
            s.template("{{apiPath}}/apps/{{appID}}"),
            "{{ inputs.api_path }}/apps/{{ steps.create_app.outputs.app_id }}"
        );
        assert_eq!(s.expression("{{user}}:it's"), "inputs.user ~ ':it\\'s'");
        assert_eq!(s.template("{{$guid}}"), "{{ uuid() }}");
        assert_eq!(s.template("a {% b"), "a {{ '{%' }} b");
    }
}

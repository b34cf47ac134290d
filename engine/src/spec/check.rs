//! Semantic checks after the schema: identifiers, references in templates,
//! `needs`, captures, expectations, cycles. Also yields each step's
//! dependencies, which the planner and the runner build on.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use indexmap::{IndexMap, IndexSet};
use serde_json::Value;

use super::codes;
use super::diagnostic::Diagnostic;
use super::field_path::At;
use super::load::LoadedSpec;
use super::model::{Capture, Expect, Matcher, Step};
use super::suggest::{self, Suggester};
use crate::template;

/// Each step and the steps it depends on, in spec order.
pub type Deps = IndexMap<String, IndexSet<String>>;

/// What the checks found, and the dependency edges they read off the templates.
/// The edges are shared, not copied, by every run of the spec.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Each main step and the steps it depends on (references and `needs`), in spec order.
    pub deps: Arc<Deps>,
    /// Each cleanup step and the main steps it references.
    pub cleanup_deps: Arc<Deps>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// The shortest pause between two polls of `until`: shorter would hammer the
/// server (and `0s` spins until the deadline).
pub const MIN_POLL_INTERVAL: std::time::Duration = std::time::Duration::from_millis(10);

/// Variables every template may read besides `steps` and `inputs`.
const RUN_FIELDS: &[&str] = &["id", "name", "started_at"];

#[derive(Clone, Copy, PartialEq)]
enum Section {
    Main,
    Cleanup,
}

/// Where a template sits, which decides the variables it may use.
#[derive(Clone, Copy)]
struct Scope {
    /// `item` and `index` (steps with `for_each`).
    item: bool,
    /// `response` (inside `until`).
    response: bool,
    /// Inputs' defaults may read only `run` and other inputs.
    steps: bool,
}

pub fn analyze(loaded: &LoadedSpec) -> Analysis {
    let mut checker = Checker {
        loaded,
        analysis: Analysis::default(),
        hints: Hints::default(),
        used_inputs: HashSet::new(),
        client_deps: IndexMap::new(),
    };
    checker.run();
    checker.analysis
}

struct Checker<'a> {
    loaded: &'a LoadedSpec,
    analysis: Analysis,
    hints: Hints,
    used_inputs: HashSet<String>,
    /// Steps each client's templates reference (e.g. the token step behind an Authorization header).
    client_deps: IndexMap<String, IndexSet<String>>,
}

impl Checker<'_> {
    fn error(
        &mut self,
        code: &'static str,
        at: impl std::fmt::Display,
        message: impl Into<String>,
    ) {
        let d = self.loaded.error(&at.to_string(), message).with_code(code);
        self.analysis.diagnostics.push(d);
    }
    fn key_error(
        &mut self,
        code: &'static str,
        at: impl std::fmt::Display,
        message: impl Into<String>,
    ) {
        let d = self
            .loaded
            .key_error(&at.to_string(), message)
            .with_code(code);
        self.analysis.diagnostics.push(d);
    }

    /// An error about one reference of a template, its range narrowed to
    /// where the reference is written: the longest written prefix of it.
    fn reference_error(
        &mut self,
        code: &'static str,
        parts: &[&str],
        at: impl std::fmt::Display,
        message: impl Into<String>,
    ) {
        let path = at.to_string();
        let file = self.loaded.file_of(&path);
        let mut d = file.error(&path, message).with_code(code);
        let whole = (d.loc, d.end);
        for n in (1..=parts.len()).rev() {
            d = file.narrow_to(d, &parts[..n].join("."));
            if (d.loc, d.end) != whole {
                break;
            }
        }
        self.analysis.diagnostics.push(d);
    }

    fn run(&mut self) {
        let spec = &self.loaded.spec;
        for (name, input) in &spec.inputs {
            if let Some(default) = &input.default {
                let scope = Scope {
                    item: false,
                    response: false,
                    steps: false,
                };
                let inputs = At::Top("inputs");
                let input = inputs.field(name);
                let at = input.field("default");
                self.value_templates(&at, default, scope, &mut IndexSet::new());
            }
        }
        for (name, client) in &spec.clients {
            let clients = At::Top("clients");
            let base = clients.field(name);
            // Client templates are checked once here; their references become
            // dependencies of every step that uses the client.
            let mut deps = IndexSet::new();
            let scope = Scope {
                item: false,
                response: false,
                steps: true,
            };
            if let Some(url) = &client.base_url {
                self.template(&base.field("base_url"), url, scope, &mut deps);
            }
            let headers = base.field("headers");
            for (h, v) in &client.headers {
                self.template(&headers.key(h), v, scope, &mut deps);
            }
            self.client_deps.insert(name.clone(), deps);
        }
        for section in [Section::Main, Section::Cleanup] {
            let (name, steps) = match section {
                Section::Main => ("steps", &spec.steps),
                Section::Cleanup => ("cleanup", &spec.cleanup),
            };
            let section_at = At::Top(name);
            for (id, step) in steps {
                let path = section_at.field(id);
                if !is_identifier(id) {
                    self.key_error(codes::BAD_ID,
                        path,
                        format!("step id `{id}` must be an identifier (letters, digits, `_`; not starting with a digit) so templates can reference it"),
                    );
                }
                if section == Section::Cleanup && spec.steps.contains_key(id) {
                    self.key_error(
                        codes::DUPLICATE_KEY,
                        path,
                        format!("`{id}` is both a step and a cleanup step"),
                    );
                }
                let deps = self.step(&path, id, step, section == Section::Cleanup);
                match section {
                    Section::Main => {
                        Arc::make_mut(&mut self.analysis.deps).insert(id.clone(), deps)
                    }
                    Section::Cleanup => {
                        Arc::make_mut(&mut self.analysis.cleanup_deps).insert(id.clone(), deps)
                    }
                };
            }
        }
        for (name, output) in &spec.outputs {
            let scope = Scope {
                item: false,
                response: false,
                steps: true,
            };
            let outputs = At::Top("outputs");
            let at = outputs.field(name);
            self.template(&at, output.template(), scope, &mut IndexSet::new());
        }
        self.cycles();
        self.input_cycles();
        self.unused_inputs();
        self.short_secret_defaults();
    }

    /// Inputs whose defaults read each other can never get a value.
    fn input_cycles(&mut self) {
        let inputs = &self.loaded.spec.inputs;
        let mut reads: IndexMap<String, IndexSet<String>> = IndexMap::new();
        for (name, input) in inputs {
            let mut names = IndexSet::new();
            if let Some(default) = &input.default {
                input_reads(default, &mut names);
            }
            names.retain(|n| inputs.contains_key(n));
            reads.insert(name.clone(), names);
        }
        for cycle in crate::plan::cycles(&reads) {
            let first = &cycle[0];
            let message = if cycle.len() == 1 {
                format!("the default of input `{first}` reads `inputs.{first}` itself")
            } else {
                let mut shown = cycle.clone();
                shown.push(first.clone());
                format!(
                    "input defaults form a cycle: {} (each default reads the one before it)",
                    shown.join(" -> ")
                )
            };
            self.error(
                codes::DEFAULT_CYCLE,
                format!("inputs.{first}.default"),
                message,
            );
        }
    }

    fn step(&mut self, path: &At, id: &str, step: &Step, cleanup: bool) -> IndexSet<String> {
        let spec = &self.loaded.spec;
        let mut deps = IndexSet::new();
        let scope = Scope {
            item: step.for_each.is_some(),
            response: false,
            steps: true,
        };
        match (&step.request, &step.uses) {
            (None, None) => self.error(
                codes::MISSING_FIELD,
                path,
                "a step needs a `request` or `uses`",
            ),
            (Some(_), Some(_)) => self.key_error(
                codes::CONFLICT,
                path.field("uses"),
                "a step has either a `request` or `uses`, not both",
            ),
            _ => {}
        }
        if step.uses.is_none() && !step.with.is_empty() {
            self.key_error(
                codes::CONFLICT,
                path.field("with"),
                "`with` only goes with `uses`",
            );
        }
        if let Some(client) = &step.client {
            match spec.clients.get(client) {
                None => {
                    let known: Vec<&str> = spec.clients.keys().map(String::as_str).collect();
                    self.error(
                        codes::UNKNOWN_CLIENT,
                        path.field("client"),
                        format!("unknown client `{client}`{}", one_of(&known)),
                    );
                }
                Some(_) => {
                    if let Some(client_deps) = self.client_deps.get(client) {
                        deps.extend(client_deps.iter().cloned());
                    }
                }
            }
        }
        if let Some(request) = &step.request {
            let rp = path.field("request");
            self.template(&rp.field("url"), &request.url, scope, &mut deps);
            let query = rp.field("query");
            for (k, v) in &request.query {
                self.value_templates(&query.key(k), v, scope, &mut deps);
            }
            let headers = rp.field("headers");
            for (k, v) in &request.headers {
                self.template(&headers.key(k), v, scope, &mut deps);
            }
            if let Some(json) = &request.json {
                self.value_templates(&rp.field("json"), &json.value(), scope, &mut deps);
            }
            if let Some(form) = &request.form {
                let at = rp.field("form");
                for (k, v) in form.iter() {
                    self.value_templates(&at.key(k), v, scope, &mut deps);
                }
            }
            if let Some(body) = &request.body {
                self.template(&rp.field("body"), body, scope, &mut deps);
            }
            let bodies = [
                request.json.is_some(),
                request.form.is_some(),
                request.body.is_some(),
            ];
            if bodies.iter().filter(|b| **b).count() > 1 {
                self.error(
                    codes::CONFLICT,
                    rp,
                    "use only one of `json`, `form` and `body`",
                );
            }
        }
        let with = path.field("with");
        for (k, v) in &step.with {
            self.value_templates(&with.key(k), v, scope, &mut deps);
        }
        if let Some(cond) = &step.if_ {
            self.expression(&path.field("if"), cond, scope, &mut deps);
        }
        if let Some(items) = &step.for_each {
            let outer = Scope {
                item: false,
                ..scope
            };
            self.value_templates(&path.field("for_each"), items, outer, &mut deps);
        }
        if step.concurrency.is_some() && step.for_each.is_none() {
            self.key_error(
                codes::CONFLICT,
                path.field("concurrency"),
                "`concurrency` only goes with `for_each`",
            );
        }
        if let Some(until) = &step.until {
            let polling = Scope {
                response: true,
                ..scope
            };
            self.expression(
                &path.field("until.condition"),
                &until.condition,
                polling,
                &mut deps,
            );
            if let Some(interval) = until.interval
                && interval.0 < MIN_POLL_INTERVAL
            {
                self.error(
                    codes::POLL_TOO_FAST,
                    path.field("until.interval"),
                    format!(
                        "{interval} is too short: polls are at least {}ms apart",
                        MIN_POLL_INTERVAL.as_millis()
                    ),
                );
            }
        }
        let needs = path.field("needs");
        for (i, need) in step.needs.iter().enumerate() {
            let np = needs.index(i);
            if need == id {
                self.error(
                    codes::NEEDS_ITSELF,
                    np,
                    format!("step `{id}` cannot need itself"),
                );
            } else if spec.steps.contains_key(need) || (cleanup && spec.cleanup.contains_key(need))
            {
                // A cleanup step may also wait for other cleanup steps (delete a user before its population).
                deps.insert(need.clone());
            } else {
                let hint = self.hints.step(self.loaded, need, cleanup);
                self.error(
                    codes::UNKNOWN_STEP,
                    np,
                    format!("unknown step `{need}`{hint}"),
                );
            }
        }
        let outputs = path.field("outputs");
        for (i, (name, capture)) in step.outputs.iter().enumerate() {
            self.capture(&outputs.key(name), capture);
            if let Some(source) = &capture.spec().output
                && !step.outputs.keys().take(i).any(|earlier| earlier == source)
            {
                self.error(
                    codes::UNKNOWN_OUTPUT,
                    outputs.key(name).field("output"),
                    format!("`{source}` is not an output captured above this one"),
                );
            }
        }
        if let Some(expect) = &step.expect {
            self.expect(&path.field("expect"), expect, scope, &mut deps);
            let at_expect = path.field("expect");
            let checked = at_expect.field("outputs");
            for name in expect.outputs.keys() {
                if !step.outputs.contains_key(name) {
                    let message = format!("`{name}` is not an output of this step");
                    self.key_error(codes::UNKNOWN_OUTPUT, checked.key(name), message);
                }
            }
        }
        deps.shift_remove(id);
        deps
    }

    fn capture(&mut self, path: &At, capture: &Capture) {
        let spec = capture.spec();
        let sources = [
            spec.json.is_some(),
            spec.header.is_some(),
            spec.cookie.is_some(),
            spec.status,
            spec.body,
            spec.url,
            spec.output.is_some(),
        ];
        let n = sources.iter().filter(|s| **s).count();
        if n > 1 {
            self.error(codes::CONFLICT,
                path,
                "a capture takes one source: `json`, `header`, `cookie`, `status`, `body`, `url` or `output`",
            );
        }
        if n == 0 && spec.regex.is_none() {
            self.error(codes::MISSING_FIELD, path, "a capture needs a source: `json`, `header`, `cookie`, `status`, `body`, `url`, `output` or `regex`");
        }
        if let Some(json) = &spec.json {
            let field = path.field("json");
            let p = match capture {
                Capture::Path(_) => path,
                Capture::Full(_) => &field,
            };
            self.jsonpath(p, json);
        }
        if let Some(re) = &spec.regex {
            self.regex(&path.field("regex"), re);
        }
        if spec.group.is_some() && spec.regex.is_none() {
            self.key_error(
                codes::CONFLICT,
                path.field("group"),
                "`group` only goes with `regex`",
            );
        }
        if spec.query.is_some() && spec.fragment.is_some() {
            self.error(codes::CONFLICT, path, "use either `query` or `fragment`");
        }
    }

    fn expect(&mut self, path: &At, expect: &Expect, scope: Scope, deps: &mut IndexSet<String>) {
        let headers = path.field("headers");
        for (name, m) in &expect.headers {
            self.matcher(&headers.key(name), m, scope, deps);
        }
        let body = path.field("body");
        for (jsonpath, m) in &expect.body {
            let p = body.key(jsonpath);
            self.jsonpath_key(&p, jsonpath);
            self.matcher(&p, m, scope, deps);
        }
        let outputs = path.field("outputs");
        for (name, m) in &expect.outputs {
            self.matcher(&outputs.key(name), m, scope, deps);
        }
        if let Some(schema) = &expect.schema
            && let Err(e) = jsonschema::validator_for(schema)
        {
            self.error(
                codes::BAD_SCHEMA,
                path.field("schema"),
                format!("invalid JSON Schema: {e}"),
            );
        }
    }

    fn matcher(&mut self, path: &At, m: &Matcher, scope: Scope, deps: &mut IndexSet<String>) {
        match m {
            Matcher::Equals(v) => self.value_templates(path, v, scope, deps),
            Matcher::Ops(ops) => {
                for (name, v) in [
                    ("equals", &ops.equals),
                    ("not_equals", &ops.not_equals),
                    ("contains", &ops.contains),
                ] {
                    if let Some(v) = v {
                        self.value_templates(&path.field(name), v, scope, deps);
                    }
                }
                if let Some(re) = &ops.matches {
                    self.regex(&path.field("matches"), re);
                }
            }
        }
    }

    fn jsonpath(&mut self, path: &At, expr: &str) {
        if let Some(message) = jsonpath_error(expr) {
            self.error(codes::BAD_JSONPATH, path, message);
        }
    }

    fn jsonpath_key(&mut self, path: &At, expr: &str) {
        if let Some(message) = jsonpath_error(expr) {
            self.key_error(codes::BAD_JSONPATH, path, message);
        }
    }

    fn regex(&mut self, path: &At, re: &str) {
        if let Err(e) = regex::Regex::new(re) {
            let text = e.to_string();
            let reason = text.lines().last().unwrap_or("invalid").trim();
            let reason = reason.strip_prefix("error: ").unwrap_or(reason);
            self.error(
                codes::BAD_REGEX,
                path,
                format!("invalid regex `{re}`: {reason}"),
            );
        }
    }

    /// Every string inside a structured value is a template.
    fn value_templates(
        &mut self,
        path: &At,
        value: &Value,
        scope: Scope,
        deps: &mut IndexSet<String>,
    ) {
        match value {
            Value::String(s) => self.template(path, s, scope, deps),
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    self.value_templates(&path.index(i), v, scope, deps);
                }
            }
            Value::Object(map) => {
                for (k, v) in map {
                    let p = path.key(k);
                    if template::is_template(k) {
                        self.template(&p, k, scope, deps);
                    }
                    self.value_templates(&p, v, scope, deps);
                }
            }
            _ => {}
        }
    }

    /// `if` and `until` take a bare expression or a `{{ }}` template.
    fn expression(&mut self, path: &At, source: &str, scope: Scope, deps: &mut IndexSet<String>) {
        if template::is_template(source) {
            self.template(path, source, scope, deps);
        } else {
            self.template(path, &format!("{{{{ {source} }}}}"), scope, deps);
        }
    }

    fn template(&mut self, path: &At, source: &str, scope: Scope, deps: &mut IndexSet<String>) {
        if !template::is_template(source) {
            return;
        }
        let read = template::for_each_reference(source, |parts| {
            self.reference(path, parts, scope, deps);
        });
        match read {
            Ok(()) => {}
            Err(e) => {
                let path = path.to_string();
                let file = self.loaded.file_of(&path);
                let loc = file.inside_value(&path, e.line, e.col);
                let end = file.inside_value(&path, e.end_line, e.end_col);
                let d = Diagnostic::error(
                    &file.name,
                    loc,
                    path,
                    format!("template syntax error: {}", e.message),
                )
                .with_end(end)
                .with_code(codes::TEMPLATE_SYNTAX);
                self.analysis.diagnostics.push(d);
            }
        }
    }

    fn reference(&mut self, path: &At, parts: &[&str], scope: Scope, deps: &mut IndexSet<String>) {
        let spec = &self.loaded.spec;
        let Some(&root) = parts.first() else { return };
        // Only diagnostics show the reference.
        let shown = || parts.join(".");
        match root {
            "steps" if scope.steps => {
                let Some(&step_id) = parts.get(1) else { return };
                let target = spec.steps.get(step_id);
                let Some(target) = target else {
                    let hint = if spec.cleanup.contains_key(step_id) {
                        " (cleanup steps run last; nothing can use their outputs)".to_string()
                    } else {
                        self.hints.step(self.loaded, step_id, false)
                    };
                    self.reference_error(
                        codes::UNKNOWN_STEP,
                        parts,
                        path,
                        format!("`{}`: unknown step `{step_id}`{hint}", shown()),
                    );
                    return;
                };
                if !deps.contains(step_id) {
                    deps.insert(step_id.to_string());
                }
                match parts.get(2).copied() {
                    None | Some("outputs") => {}
                    Some(other) => {
                        self.reference_error(
                            codes::BAD_REFERENCE,
                            parts,
                            path,
                            format!(
                                "`{}`: a step exposes only `outputs`, not `{other}`",
                                shown()
                            ),
                        );
                        return;
                    }
                }
                let Some(&output) = parts.get(3) else { return };
                let known: Vec<&str> = match self.loaded.subspecs.get(step_id) {
                    Some(sub) if sub.spec.outputs.contains_key(output) => return,
                    Some(sub) => sub.spec.outputs.keys().map(String::as_str).collect(),
                    None if target.uses.is_some() => return, // the sub-spec failed to load; reported there
                    None if target.outputs.contains_key(output) => return,
                    None => target.outputs.keys().map(String::as_str).collect(),
                };
                let hint = if known.is_empty() {
                    format!(" (step `{step_id}` captures no outputs)")
                } else {
                    suggest::hint(output, &known)
                };
                self.reference_error(
                    codes::UNKNOWN_OUTPUT,
                    parts,
                    path,
                    format!(
                        "`{}`: step `{step_id}` has no output `{output}`{hint}",
                        shown()
                    ),
                );
            }
            "inputs" => {
                let Some(&name) = parts.get(1) else { return };
                if spec.inputs.contains_key(name) {
                    if !self.used_inputs.contains(name) {
                        self.used_inputs.insert(name.to_string());
                    }
                } else {
                    let hint = self.hints.input(self.loaded, name);
                    self.reference_error(
                        codes::UNKNOWN_INPUT,
                        parts,
                        path,
                        format!("`{}`: unknown input `{name}`{hint}", shown()),
                    );
                }
            }
            "run" => {
                if let Some(field) = parts.get(1)
                    && !RUN_FIELDS.contains(field)
                {
                    self.reference_error(
                        codes::BAD_REFERENCE,
                        parts,
                        path,
                        format!("`{}`: `run` has {}", shown(), suggest::list(RUN_FIELDS)),
                    );
                }
            }
            "item" | "index" if scope.item => {}
            "response" if scope.response => {}
            name if is_global(name) => {}
            name => {
                let context = match name {
                    "steps" => " (an input's default cannot use step outputs)",
                    "item" | "index" => " (only steps with `for_each` have it)",
                    "response" => " (only `until` conditions have it)",
                    _ => " (templates read `steps`, `inputs` and `run`)",
                };
                self.reference_error(
                    codes::UNKNOWN_VARIABLE,
                    parts,
                    path,
                    format!("unknown variable `{name}`{context}"),
                );
            }
        }
    }

    fn cycles(&mut self) {
        let main = crate::plan::cycles(&self.analysis.deps);
        // Edges from cleanup steps to main steps leave the cleanup graph, so
        // only `needs` between cleanup steps can close a cycle there.
        let cleanup = crate::plan::cycles(&self.analysis.cleanup_deps);
        for (section, cycle) in main
            .into_iter()
            .map(|c| ("steps", c))
            .chain(cleanup.into_iter().map(|c| ("cleanup", c)))
        {
            let first = &cycle[0];
            let mut shown = cycle.clone();
            shown.push(first.clone());
            let message = if cycle.len() == 1 {
                format!("step `{first}` depends on itself")
            } else {
                format!("dependency cycle: {}", shown.join(" -> "))
            };
            self.key_error(codes::CYCLE, format!("{section}.{first}"), message);
        }
    }

    fn unused_inputs(&mut self) {
        let own: Vec<String> = self
            .loaded
            .spec
            .inputs
            .keys()
            .filter(|k| !self.loaded.origins.contains_key(&format!("inputs.{k}")))
            .filter(|k| !self.used_inputs.contains(*k))
            .cloned()
            .collect();
        for name in own {
            let d = self
                .loaded
                .key_error(
                    &format!("inputs.{name}"),
                    format!("input `{name}` is never used"),
                )
                .with_code(codes::UNUSED_INPUT)
                .warning();
            self.analysis.diagnostics.push(d);
        }
    }

    /// A secret shorter than the redactor's minimum is masked only where it
    /// stands as a whole value; say so rather than leave it to chance.
    fn short_secret_defaults(&mut self) {
        let short: Vec<(String, usize)> = self
            .loaded
            .spec
            .inputs
            .iter()
            .filter(|(name, input)| input.is_secret(name))
            .filter_map(|(name, input)| match &input.default {
                Some(serde_json::Value::String(s)) if !template::is_template(s) => {
                    let n = s.trim().chars().count();
                    (n > 0 && n < crate::redact::MIN_LEN).then(|| (name.clone(), n))
                }
                _ => None,
            })
            .collect();
        for (name, n) in short {
            let d = self
                .loaded
                .key_error(
                    &format!("inputs.{name}.default"),
                    format!(
                        "secret input `{name}` has a {n}-character default: secrets shorter than {} characters are masked only where they stand as a whole value (a JSON string, a header, a form or query value), not inside other text",
                        crate::redact::MIN_LEN
                    ),
                )
                .with_code(codes::SHORT_SECRET)
                .warning();
            self.analysis.diagnostics.push(d);
        }
    }
}

/// The inputs a default's templates read (`inputs.<name>`).
fn input_reads(value: &Value, out: &mut IndexSet<String>) {
    match value {
        Value::String(s) if template::is_template(s) => {
            for r in template::references(s).unwrap_or_default() {
                if r.path.first().map(String::as_str) == Some("inputs")
                    && let Some(name) = r.path.get(1)
                {
                    out.insert(name.clone());
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| input_reads(v, out)),
        Value::Object(map) => map.values().for_each(|v| input_reads(v, out)),
        _ => {}
    }
}

/// "did you mean" indexes of the spec's names, each built on its first miss:
/// a spec with thousands of steps and thousands of mistakes compares each
/// mistake with the names near it, not with every name.
#[derive(Default)]
struct Hints {
    steps: Option<Suggester>,
    steps_and_cleanup: Option<Suggester>,
    inputs: Option<Suggester>,
}

impl Hints {
    /// A step name, among the main steps (and the cleanup steps for `needs` of a cleanup step).
    fn step(&mut self, loaded: &LoadedSpec, name: &str, with_cleanup: bool) -> String {
        let spec = &loaded.spec;
        let index = if with_cleanup {
            self.steps_and_cleanup
                .get_or_insert_with(|| Suggester::new(spec.steps.keys().chain(spec.cleanup.keys())))
        } else {
            self.steps
                .get_or_insert_with(|| Suggester::new(spec.steps.keys()))
        };
        index.hint(name)
    }

    fn input(&mut self, loaded: &LoadedSpec, name: &str) -> String {
        self.inputs
            .get_or_insert_with(|| Suggester::new(loaded.spec.inputs.keys()))
            .hint(name)
    }
}

pub fn is_identifier(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Names the template environment defines (functions like `uuid`), which are not variables.
fn is_global(name: &str) -> bool {
    static GLOBALS: OnceLock<HashSet<String>> = OnceLock::new();
    GLOBALS
        .get_or_init(|| {
            template::environment()
                .globals()
                .map(|(k, _)| k.to_string())
                .collect()
        })
        .contains(name)
}

/// A JSONPath syntax error as a message, with the character it stops at.
fn jsonpath_error(expr: &str) -> Option<String> {
    if is_simple_jsonpath(expr) {
        return None;
    }
    let e = jsonpath_rust::parser::parse_json_path(expr).err()?;
    let text = e.to_string();
    // pest reports `--> line:col`; one-line paths only need the column.
    let at = text
        .split("--> ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|lc| lc.split(':').nth(1))
        .and_then(|c| c.parse::<usize>().ok());
    Some(match at {
        Some(col) => format!("invalid JSONPath `{expr}`: syntax error at character {col}"),
        None => format!(
            "invalid JSONPath `{expr}`: {}",
            text.lines().next().unwrap_or_default()
        ),
    })
}

/// `$`, then `.name`, `.*`, `[0]` or `[*]` segments: the paths most
/// captures and expectations use, valid without asking the JSONPath parser
/// (whose general grammar costs more than the rest of a step's checks).
fn is_simple_jsonpath(expr: &str) -> bool {
    let Some(mut rest) = expr.strip_prefix('$') else {
        return false;
    };
    while !rest.is_empty() {
        let after = if let Some(after) = rest.strip_prefix(".*").or(rest.strip_prefix("[*]")) {
            after
        } else if let Some(after) = rest.strip_prefix('.') {
            let name = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if name == 0 || after.as_bytes()[0].is_ascii_digit() {
                return false;
            }
            &after[name..]
        } else if let Some(after) = rest.strip_prefix('[') {
            let digits = after
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(after.len());
            let index = &after[..digits];
            if !(1..=9).contains(&digits) || index.len() > 1 && index.starts_with('0') {
                return false;
            }
            match after[digits..].strip_prefix(']') {
                Some(after) => after,
                None => return false,
            }
        } else {
            return false;
        };
        rest = after;
    }
    true
}

fn one_of(known: &[&str]) -> String {
    if known.is_empty() {
        " (the spec defines no clients)".into()
    } else {
        format!(", expected one of {}", suggest::list(known))
    }
}

#[cfg(test)]
mod tests {
    use super::is_simple_jsonpath;

    #[test]
    fn simple_jsonpaths_are_ones_the_parser_takes() {
        let simple = [
            "$",
            "$.id",
            "$.access_token",
            "$.a.b_2[0].c",
            "$._embedded.items[12]",
            "$.*",
            "$[*].id",
            "$.items[0][1]",
        ];
        for expr in simple {
            assert!(is_simple_jsonpath(expr), "{expr}");
            assert!(
                jsonpath_rust::parser::parse_json_path(expr).is_ok(),
                "{expr}"
            );
        }
        let other = [
            "",
            "id",
            "$.",
            "$..id",
            "$.1a",
            "$[01]",
            "$[-1]",
            "$['a']",
            "$.a b",
            "$.é",
            "$[0",
            "$[1234567890]",
            "$[?@.a]",
        ];
        for expr in other {
            assert!(!is_simple_jsonpath(expr), "{expr}");
        }
        // Whatever the shape check takes of all short texts, the parser takes too.
        let alphabet = ['.', 'a', '_', '1', '0', '[', ']', '*', '-', '\'', ' '];
        let mut texts = vec![String::from("$")];
        for _ in 0..5 {
            texts = texts
                .iter()
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            for expr in texts.iter().filter(|t| is_simple_jsonpath(t)) {
                assert!(
                    jsonpath_rust::parser::parse_json_path(expr).is_ok(),
                    "{expr}"
                );
            }
        }
    }
}

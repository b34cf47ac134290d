//! One Arazzo workflow as a caseflow spec: inputs, one client per OpenAPI
//! source, a step per Arazzo step. The graph is not written down: every
//! `$steps.x.outputs.y` becomes a template reference, so caseflow orders
//! the steps by their data flow and runs independent ones at once.

use crate::spec::codes;
use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;
use serde_json::Value;

use super::actions::{self, Actions};
use super::criteria;
use super::expression::{self, Expr, Part, Source, Text};
use super::openapi::{Description, Operation};
use crate::formats::names;
use crate::spec::model::{
    Capture, CaptureSpec, Client, Expect, Input, JsonBody, Request, Spec, Step, WorkflowOutput,
};
use crate::spec::{Diagnostic, SourceFile, field_path};

/// What a step of the workflow is called in the spec, and its outputs.
struct StepNames {
    id: String,
    outputs: HashMap<String, String>,
}

struct Converter<'a> {
    file: &'a SourceFile,
    diagnostics: Vec<Diagnostic>,
    inputs: HashMap<String, String>,
    steps: HashMap<String, StepNames>,
    sources: Vec<(Description, String)>,
    /// Every workflow of the document by id, with its output names: steps may run them.
    workflows: HashMap<String, Vec<String>>,
}

/// Converts the workflow `id` (default: the first) of a parsed document.
pub fn convert(
    file: &SourceFile,
    doc: &Value,
    workflow: Option<&str>,
) -> (Option<Spec>, Vec<Diagnostic>) {
    let mut c = Converter {
        file,
        diagnostics: Vec::new(),
        inputs: HashMap::new(),
        steps: HashMap::new(),
        sources: Vec::new(),
        workflows: HashMap::new(),
    };
    let spec = c.document(doc, workflow);
    let failed = c.diagnostics.iter().any(Diagnostic::is_error);
    (spec.filter(|_| !failed), c.diagnostics)
}

/// A name as a caseflow identifier: other characters become `_`.
fn ident(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

fn at(path: &str, key: &str) -> String {
    field_path::key(path, key)
}

fn index(path: &str, i: usize) -> String {
    field_path::push(path, &field_path::Segment::Index(i))
}

fn list(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn text_of(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_string)
}

impl Converter<'_> {
    fn error(&mut self, path: &str, message: impl Into<String>) {
        let d = self.file.error(path, message).with_code(codes::ARAZZO);
        self.diagnostics.push(d);
    }
    fn warn(&mut self, path: &str, message: impl Into<String>) {
        let d = self.file.error(path, message);
        self.diagnostics
            .push(d.with_code(codes::ARAZZO_DROPPED).warning());
    }
    fn not_yet(&mut self, v: &Value, path: &str, what: &str) {
        for field in what.split(',') {
            if v.get(field).is_some() {
                self.warn(
                    &at(path, field),
                    format!("not supported yet: `{field}` is not carried over"),
                );
            }
        }
    }

    fn document(&mut self, doc: &Value, workflow: Option<&str>) -> Option<Spec> {
        let version = doc.get("arazzo").and_then(Value::as_str).unwrap_or("");
        if !version.starts_with("1.") {
            self.error(
                "arazzo",
                format!("`{version}` is not an Arazzo 1.x version"),
            );
            return None;
        }
        self.read_sources(doc);
        let workflows = list(doc.get("workflows"));
        for w in workflows {
            if let Some(id) = w.get("workflowId").and_then(Value::as_str) {
                let outputs = w
                    .get("outputs")
                    .and_then(Value::as_object)
                    .map(|o| o.keys().cloned().collect())
                    .unwrap_or_default();
                self.workflows.insert(id.to_string(), outputs);
            }
        }
        let ids: Vec<&str> = workflows
            .iter()
            .filter_map(|w| w.get("workflowId")?.as_str())
            .collect();
        let found = match workflow {
            None => (!workflows.is_empty()).then_some(0),
            Some(id) => workflows
                .iter()
                .position(|w| w.get("workflowId").and_then(Value::as_str) == Some(id)),
        };
        let Some(i) = found else {
            let message = match workflow {
                None => "the document has no workflows".to_string(),
                Some(id) => format!("no workflow `{id}` (workflows: {})", ids.join(", ")),
            };
            self.error("workflows", message);
            return None;
        };
        self.not_yet(doc, "", "components");
        Some(self.workflow(doc, &workflows[i], &index("workflows", i)))
    }

    fn read_sources(&mut self, doc: &Value) {
        let base = self
            .file
            .path
            .parent()
            .unwrap_or(std::path::Path::new(""))
            .to_path_buf();
        for (i, source) in list(doc.get("sourceDescriptions")).iter().enumerate() {
            let path = index("sourceDescriptions", i);
            let name = text_of(source.get("name")).unwrap_or_default();
            let kind = source
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("openapi");
            if kind != "openapi" {
                self.warn(
                    &at(&path, "type"),
                    format!("not supported yet: `{kind}` source descriptions (sub-workflows from other documents)"),
                );
                continue;
            }
            let Some(url) = source.get("url").and_then(Value::as_str) else {
                self.error(&path, "a source description needs a `url`");
                continue;
            };
            match Description::read(&name, url, &base) {
                Ok(d) => {
                    let client = ident(&name);
                    self.sources.push((d, client));
                }
                Err(e) => self.error(&at(&path, "url"), e),
            }
        }
    }

    fn workflow(&mut self, doc: &Value, w: &Value, path: &str) -> Spec {
        let id = text_of(w.get("workflowId")).unwrap_or_else(|| "workflow".into());
        let mut spec = Spec {
            version: 1,
            name: names::kebab(&id),
            title: text_of(w.get("summary")).or_else(|| text_of(doc.pointer("/info/title"))),
            description: text_of(w.get("description")),
            ..Spec::default()
        };
        self.not_yet(w, path, "dependsOn");
        for (d, client) in &self.sources {
            let input = format!("{client}_url");
            spec.inputs.insert(
                input.clone(),
                Input {
                    description: Some(format!("Server of `{}` (its first `servers` URL)", d.name)),
                    default: d.server.clone().map(Value::String),
                    ..Input::default()
                },
            );
            spec.clients.insert(
                client.clone(),
                Client {
                    base_url: Some(format!("{{{{ inputs.{input} }}}}")),
                    ..Client::default()
                },
            );
        }
        self.inputs_of(w, path, &mut spec);
        let steps = list(w.get("steps"));
        self.name_steps(steps, path);
        let shared = list(w.get("parameters")).to_vec();
        let mut warned = HashSet::new();
        for (i, s) in steps.iter().enumerate() {
            let spath = index(&at(path, "steps"), i);
            if let Some((id, mut step)) = self.step(s, &spath, &shared) {
                let last = i + 1 == steps.len();
                self.actions(s, &spath, w, path, last, &mut step, &mut warned);
                spec.steps.insert(id, step);
            }
        }
        if let Some(outputs) = w.get("outputs").and_then(Value::as_object) {
            for (name, v) in outputs {
                let opath = at(&at(path, "outputs"), name);
                if let Some(Value::String(t)) = self.value(v, &opath) {
                    spec.outputs.insert(ident(name), WorkflowOutput::Value(t));
                }
            }
        }
        spec
    }

    fn inputs_of(&mut self, w: &Value, path: &str, spec: &mut Spec) {
        let Some(schema) = w.get("inputs") else {
            return;
        };
        let ipath = at(path, "inputs");
        if schema.get("$ref").is_some() {
            self.warn(&at(&ipath, "$ref"), "not supported yet: inputs by `$ref`");
        }
        let required: HashSet<&str> = list(schema.get("required"))
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let Some(props) = schema.get("properties").and_then(Value::as_object) else {
            return;
        };
        for (name, p) in props {
            let id = ident(name);
            let secret = p.get("format").and_then(Value::as_str) == Some("password")
                || p.get("writeOnly") == Some(&Value::Bool(true));
            spec.inputs.insert(
                id.clone(),
                Input {
                    description: text_of(p.get("description")),
                    default: p.get("default").cloned(),
                    secret: secret.then_some(true),
                    required: required.contains(name.as_str()),
                    ..Input::default()
                },
            );
            self.inputs.insert(name.clone(), id);
        }
    }

    /// Ids and output names of every step first: references may point forward.
    fn name_steps(&mut self, steps: &[Value], path: &str) {
        let mut taken = HashSet::new();
        for (i, s) in steps.iter().enumerate() {
            let spath = index(&at(path, "steps"), i);
            let Some(step_id) = s.get("stepId").and_then(Value::as_str) else {
                self.error(&spath, "a step needs a `stepId`");
                continue;
            };
            if self.steps.contains_key(step_id) {
                self.error(
                    &at(&spath, "stepId"),
                    format!("step `{step_id}` is defined twice"),
                );
                continue;
            }
            let id = names::unique(&ident(step_id), &mut taken, "_");
            // A step that runs a workflow has that workflow's outputs.
            let sub = s
                .get("workflowId")
                .and_then(Value::as_str)
                .and_then(|w| self.workflows.get(w));
            let outputs = match sub {
                Some(names) => names.iter().map(|k| (k.clone(), ident(k))).collect(),
                None => s
                    .get("outputs")
                    .and_then(Value::as_object)
                    .map(|o| o.keys().map(|k| (k.clone(), ident(k))).collect())
                    .unwrap_or_default(),
            };
            self.steps
                .insert(step_id.to_string(), StepNames { id, outputs });
        }
    }

    fn step(&mut self, s: &Value, path: &str, shared: &[Value]) -> Option<(String, Step)> {
        let step_id = s.get("stepId")?.as_str()?;
        let id = self.steps.get(step_id)?.id.clone();
        if let Some(workflow) = s.get("workflowId") {
            let step = self.workflow_step(s, path, workflow)?;
            return Some((id, self.needs(s, path, step)));
        }
        let (op, client) = self.operation(s, path)?;
        let mut request = Request {
            method: op.method,
            url: op.path.clone(),
            query: IndexMap::new(),
            headers: IndexMap::new(),
            json: None,
            form: None,
            body: None,
        };
        self.parameters(s, path, shared, &mut request);
        if let Some(body) = s.get("requestBody") {
            self.body(body, &at(path, "requestBody"), &op, &mut request);
        }
        let mut step = Step {
            description: text_of(s.get("description")),
            client: Some(client),
            request: Some(Box::new(request)),
            ..Step::default()
        };
        let mut expect = Expect::default();
        for (i, c) in list(s.get("successCriteria")).iter().enumerate() {
            let cpath = index(&at(path, "successCriteria"), i);
            if let Err(e) = criteria::apply(c, &mut expect) {
                self.warn(&at(&cpath, e.field), e.message);
            }
        }
        let has_expect =
            expect.status.is_some() || !expect.body.is_empty() || !expect.headers.is_empty();
        step.expect = has_expect.then(|| Box::new(expect));
        if let Some(outputs) = s.get("outputs").and_then(Value::as_object) {
            for (name, v) in outputs {
                let opath = at(&at(path, "outputs"), name);
                if let Some(capture) = self.capture(v, &opath) {
                    step.outputs.insert(ident(name), capture);
                }
            }
        }
        Some((id, self.needs(s, path, step)))
    }

    /// A step's `dependsOn` as `needs`.
    fn needs(&mut self, s: &Value, path: &str, mut step: Step) -> Step {
        for (i, need) in list(s.get("dependsOn")).iter().enumerate() {
            let npath = index(&at(path, "dependsOn"), i);
            match need.as_str().and_then(|n| self.steps.get(n)) {
                Some(n) => step.needs.push(n.id.clone()),
                None => self.error(&npath, format!("unknown step {need}")),
            }
        }
        step
    }

    /// A step running another workflow of this document: a `uses` step on
    /// `document#workflowId`, its parameters as the workflow's inputs. The
    /// servers of the sources are passed on, so `--set` reaches every level.
    fn workflow_step(&mut self, s: &Value, path: &str, workflow: &Value) -> Option<Step> {
        let field = at(path, "workflowId");
        let Some(wid) = workflow.as_str() else {
            self.error(
                &field,
                "`workflowId` is the id of a workflow of this document",
            );
            return None;
        };
        if wid.starts_with("$sourceDescriptions.") {
            self.error(
                &field,
                "not supported yet: workflows of `arazzo` source descriptions",
            );
            return None;
        }
        if !self.workflows.contains_key(wid) {
            let mut known: Vec<&str> = self.workflows.keys().map(String::as_str).collect();
            known.sort();
            self.error(
                &field,
                format!(
                    "no workflow `{wid}` in the document (workflows: {})",
                    known.join(", ")
                ),
            );
            return None;
        }
        self.not_yet(s, path, "outputs,successCriteria");
        let document = self
            .file
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut with = IndexMap::new();
        for (_, client) in &self.sources {
            let input = format!("{client}_url");
            with.insert(
                input.clone(),
                Value::String(format!("{{{{ inputs.{input} }}}}")),
            );
        }
        for (i, p) in list(s.get("parameters")).iter().enumerate() {
            let ppath = index(&at(path, "parameters"), i);
            let Some((name, value)) = self.name_and_value(p, &ppath) else {
                continue;
            };
            if let Some(value) = self.value(value, &at(&ppath, "value")) {
                with.insert(ident(name), value);
            }
        }
        Some(Step {
            description: text_of(s.get("description")),
            uses: Some(format!("{document}#{wid}")),
            with,
            ..Step::default()
        })
    }

    /// A parameter's `name` and `value`; what is missing or not supported is reported.
    fn name_and_value<'v>(&mut self, p: &'v Value, path: &str) -> Option<(&'v str, &'v Value)> {
        if p.get("reference").is_some() {
            self.warn(
                &at(path, "reference"),
                "not supported yet: parameters from `components`",
            );
            return None;
        }
        let named = (p.get("name").and_then(Value::as_str), p.get("value"));
        let (Some(name), Some(value)) = named else {
            self.error(path, "a parameter needs `name` and `value`");
            return None;
        };
        Some((name, value))
    }

    /// The step's success and failure actions, with the workflow's defaults;
    /// a default's warning is given once, at the workflow.
    #[allow(clippy::too_many_arguments)]
    fn actions(
        &mut self,
        s: &Value,
        spath: &str,
        w: &Value,
        wpath: &str,
        last: bool,
        step: &mut Step,
        warned: &mut HashSet<String>,
    ) {
        let failure = Actions::new(s, spath, "onFailure", w, wpath, "failureActions");
        let failed = actions::on_failure(&failure);
        if let Some(retry) = failed.retry {
            if step.uses.is_some() {
                self.warn(
                    &format!("{spath}.onFailure"),
                    "not supported yet: `retry` of a step that runs a workflow",
                );
            } else {
                step.retry = Some(Box::new(retry));
            }
        }
        let success = Actions::new(s, spath, "onSuccess", w, wpath, "successActions");
        let succeeded = actions::on_success(&success, last);
        for (path, message) in failed.unsupported.into_iter().chain(succeeded.unsupported) {
            if warned.insert(path.clone()) {
                self.warn(&path, message);
            }
        }
    }

    /// The operation a step calls and the client of its source.
    fn operation(&mut self, s: &Value, path: &str) -> Option<(Operation, String)> {
        if s.get("workflowId").is_some() {
            self.error(
                &at(path, "workflowId"),
                "not supported yet: steps that run another workflow",
            );
            return None;
        }
        if let Some(op_id) = s.get("operationId").and_then(Value::as_str) {
            let (source, id) = match op_id.strip_prefix("$sourceDescriptions.") {
                Some(rest) => match rest.split_once('.') {
                    Some((source, id)) => (Some(source), id),
                    None => (None, rest),
                },
                None => (None, op_id),
            };
            let found = self
                .sources
                .iter()
                .filter(|(d, _)| source.is_none_or(|n| d.name == n))
                .find_map(|(d, client)| d.by_id(id).map(|op| (op, client.clone())));
            if found.is_none() {
                let known: Vec<String> = self.sources.iter().flat_map(|(d, _)| d.ids()).collect();
                let message = match source {
                    Some(n) if !self.sources.iter().any(|(d, _)| d.name == n) => {
                        format!("unknown source description `{n}`")
                    }
                    _ => format!(
                        "no operation `{id}` in the source descriptions (operations: {})",
                        known.join(", ")
                    ),
                };
                self.error(&at(path, "operationId"), message);
            }
            return found;
        }
        if let Some(op_path) = s.get("operationPath").and_then(Value::as_str) {
            let field = at(path, "operationPath");
            let parsed = op_path
                .strip_prefix("{$sourceDescriptions.")
                .and_then(|r| r.split_once(".url}#"));
            let Some((name, pointer)) = parsed else {
                self.error(
                    &field,
                    format!("`{op_path}` is not `{{$sourceDescriptions.NAME.url}}#/paths/...`"),
                );
                return None;
            };
            let Some((d, client)) = self.sources.iter().find(|(d, _)| d.name == name) else {
                self.error(&field, format!("unknown source description `{name}`"));
                return None;
            };
            return match d.by_pointer(pointer) {
                Ok(op) => Some((op, client.clone())),
                Err(e) => {
                    self.error(&field, e);
                    None
                }
            };
        }
        self.error(
            path,
            "a step needs `operationId`, `operationPath` or `workflowId`",
        );
        None
    }

    fn parameters(&mut self, s: &Value, path: &str, shared: &[Value], request: &mut Request) {
        // Workflow parameters apply to every step; a step's own of the same name and place win.
        let own = list(s.get("parameters"));
        let key = |p: &Value| (text_of(p.get("name")), text_of(p.get("in")));
        let mut all: Vec<(String, &Value)> = shared
            .iter()
            .enumerate()
            .filter(|(_, p)| !own.iter().any(|o| key(o) == key(p)))
            .map(|(i, p)| (format!("parameters[{i}]"), p))
            .collect();
        all.extend(
            own.iter()
                .enumerate()
                .map(|(i, p)| (index(&at(path, "parameters"), i), p)),
        );
        let mut cookies = Vec::new();
        let mut unfilled = false;
        for (ppath, p) in all {
            let Some((name, value)) = self.name_and_value(p, &ppath) else {
                continue;
            };
            let vpath = at(&ppath, "value");
            let Some(value) = self.value(value, &vpath) else {
                // Reported already; the hole it leaves is no second error.
                unfilled = true;
                continue;
            };
            let text = match &value {
                Value::String(t) => t.clone(),
                other => other.to_string(),
            };
            match p.get("in").and_then(Value::as_str) {
                Some("path") => {
                    let hole = format!("{{{name}}}");
                    if !request.url.contains(&hole) {
                        self.error(
                            &at(&ppath, "name"),
                            format!("the operation's path `{}` has no `{hole}`", request.url),
                        );
                    }
                    request.url = request.url.replace(&hole, &text);
                }
                Some("query") => {
                    request.query.insert(name.to_string(), value);
                }
                Some("header") => {
                    request.headers.insert(name.to_string(), text);
                }
                Some("cookie") => cookies.push(format!("{name}={text}")),
                Some(other) => self.error(
                    &at(&ppath, "in"),
                    format!("`{other}` is not path, query, header or cookie"),
                ),
                None => self.error(
                    &ppath,
                    "a parameter of an operation needs `in` (path, query, header or cookie)",
                ),
            }
        }
        if !cookies.is_empty() {
            request.headers.insert("Cookie".into(), cookies.join("; "));
        }
        if let Some(start) = request.url.find('{')
            && !unfilled
            && !request.url[start..].starts_with("{{")
        {
            let hole: String = request.url[start..]
                .chars()
                .take_while(|&c| c != '}')
                .collect();
            self.error(
                path,
                format!("no `path` parameter gives `{hole}}}` of `{}`", request.url),
            );
        }
    }

    fn body(&mut self, body: &Value, path: &str, op: &Operation, request: &mut Request) {
        self.not_yet(body, path, "replacements");
        let Some(payload) = body.get("payload") else {
            return;
        };
        let content_type = text_of(body.get("contentType"))
            .or_else(|| op.body_types.first().cloned())
            .unwrap_or_else(|| "application/json".into());
        let ppath = at(path, "payload");
        let json = content_type.contains("json");
        let form = content_type.starts_with("application/x-www-form-urlencoded");
        let parsed = match payload {
            Value::String(t) if json => serde_json::from_str::<Value>(t).ok(),
            _ => None,
        };
        let structured = parsed.as_ref().unwrap_or(payload);
        let Some(value) = self.value(structured, &ppath) else {
            return;
        };
        // Text that is not one whole expression is a body template as written (XML, a form string).
        let text = structured
            .as_str()
            .is_some_and(|t| !expression::looks_like(t));
        match value {
            Value::Object(map) if form && !text => {
                request.form = Some(Box::new(map.into_iter().collect()));
            }
            other if json && !text => {
                request.json = Some(JsonBody::from(&other));
                if content_type != "application/json" {
                    request.headers.insert("Content-Type".into(), content_type);
                }
            }
            other => {
                request.body = Some(match other {
                    Value::String(t) => t,
                    v => v.to_string(),
                });
                request.headers.insert("Content-Type".into(), content_type);
            }
        }
    }

    fn capture(&mut self, v: &Value, path: &str) -> Option<Capture> {
        let Some(text) = v.as_str() else {
            self.error(
                path,
                "an output is a runtime expression such as `$response.body#/id`",
            );
            return None;
        };
        let expr = match expression::parse(text) {
            Ok(e) => e,
            Err(e) => {
                self.error(path, e);
                return None;
            }
        };
        let full = |spec: CaptureSpec| Some(Capture::Full(Box::new(spec)));
        match expr {
            Expr::StatusCode => full(CaptureSpec {
                status: true,
                ..CaptureSpec::default()
            }),
            Expr::Url => full(CaptureSpec {
                url: true,
                ..CaptureSpec::default()
            }),
            Expr::Response(Source::Body(None)) => Some(Capture::Path("$".into())),
            Expr::Response(Source::Body(Some(p))) => {
                Some(Capture::Path(expression::pointer_to_jsonpath(&p)))
            }
            Expr::Response(Source::Header(h)) => full(CaptureSpec {
                header: Some(h),
                ..CaptureSpec::default()
            }),
            _ => {
                self.warn(path, format!("not supported yet: a step output of `{text}` (outputs read `$statusCode`, `$url`, `$response.body` and `$response.header`)"));
                None
            }
        }
    }

    /// A parameter value, payload or workflow output with its expressions as templates.
    fn value(&mut self, v: &Value, path: &str) -> Option<Value> {
        Some(match v {
            Value::String(s) => Value::String(self.string(s, path)?),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, x)| self.value(x, &index(path, i)))
                    .collect(),
            ),
            Value::Object(map) => Value::Object(
                map.iter()
                    .filter_map(|(k, x)| Some((k.clone(), self.value(x, &at(path, k))?)))
                    .collect(),
            ),
            other => other.clone(),
        })
    }

    fn string(&mut self, s: &str, path: &str) -> Option<String> {
        let parsed = match expression::text(s) {
            Ok(t) => t,
            Err(e) => {
                self.error(path, e);
                return None;
            }
        };
        match parsed {
            Text::Whole(e) => Some(format!("{{{{ {} }}}}", self.reference(&e, s, path)?)),
            Text::Parts(parts) => {
                let mut out = String::new();
                for part in parts {
                    match part {
                        Part::Literal(t) => out.push_str(&t),
                        Part::Expr(e) => {
                            out.push_str(&format!("{{{{ {} }}}}", self.reference(&e, s, path)?))
                        }
                    }
                }
                Some(out)
            }
        }
    }

    /// The template variable an expression reads.
    fn reference(&mut self, e: &Expr, text: &str, path: &str) -> Option<String> {
        match e {
            Expr::Inputs(name) => match self.inputs.get(name) {
                Some(id) => Some(format!("inputs.{id}")),
                None => {
                    let mut known: Vec<&String> = self.inputs.keys().collect();
                    known.sort();
                    let known: Vec<&str> = known.iter().map(|s| s.as_str()).collect();
                    self.error(
                        path,
                        format!(
                            "`{text}`: the workflow has no input `{name}` (inputs: {})",
                            known.join(", ")
                        ),
                    );
                    None
                }
            },
            Expr::Steps { step, rest } => {
                let Some(names) = self.steps.get(step) else {
                    let mut known: Vec<&str> = self.steps.keys().map(String::as_str).collect();
                    known.sort();
                    self.error(
                        path,
                        format!(
                            "`{text}`: the workflow has no step `{step}` (steps: {})",
                            known.join(", ")
                        ),
                    );
                    return None;
                };
                let Some(output) = rest.strip_prefix("outputs.") else {
                    self.warn(
                        path,
                        format!("not supported yet: `{text}` (only `$steps.ID.outputs.NAME`)"),
                    );
                    return None;
                };
                match names.outputs.get(output) {
                    Some(o) => Some(format!("steps.{}.outputs.{o}", names.id)),
                    None => {
                        self.error(
                            path,
                            format!("`{text}`: step `{step}` has no output `{output}`"),
                        );
                        None
                    }
                }
            }
            _ => {
                self.warn(path, format!("not supported yet: `{text}` in a value (values read `$inputs` and `$steps`)"));
                None
            }
        }
    }
}

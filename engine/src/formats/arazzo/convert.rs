//! One Arazzo workflow as a caseflow spec: inputs, one client per OpenAPI
//! source, a step per Arazzo step. The graph is not written down: every
//! `$steps.x.outputs.y` becomes a template reference, so caseflow orders
//! the steps by their data flow and runs independent ones at once.

use crate::spec::codes;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;
use serde_json::Value;

use super::actions::{self, Actions};
use super::expression::{self, Expr, Part, Source, Text};
use super::openapi::{Description, Operation};
use super::{components, criteria};
use crate::formats::names;
use crate::spec::model::{
    Capture, CaptureSpec, Client, Expect, Input, JsonBody, Request, Spec, Step, WorkflowOutput,
};
use crate::spec::{Diagnostic, SourceFile, field_path, suggest};

/// What a step of the workflow is called in the spec, and its outputs.
struct StepNames {
    id: String,
    outputs: HashMap<String, String>,
}

struct Converter<'a> {
    file: &'a SourceFile,
    doc: &'a Value,
    diagnostics: Vec<Diagnostic>,
    inputs: HashMap<String, String>,
    steps: HashMap<String, StepNames>,
    sources: Vec<(Description, String)>,
    /// Every workflow of the document by id, with its output names: steps may run them.
    workflows: HashMap<String, Vec<String>>,
    /// The workflows of `dependsOn` by id, with the step that runs each.
    depended: HashMap<String, StepNames>,
    /// (spec field path, document field path) of what was converted.
    origins: Vec<(String, String)>,
    /// Sources that could not be read: reported once, at their `url`.
    unreadable: HashSet<String>,
    /// Workflows of `arazzo` sources by the expression that names them
    /// (`$sourceDescriptions.name.workflowId`).
    external: HashMap<String, External>,
}

/// A workflow of another Arazzo document.
struct External {
    /// What a `uses` step names: `other.arazzo.yaml#workflowId`.
    uses: String,
    /// The clients of that document, whose servers are passed on.
    clients: Vec<String>,
}

/// A converted workflow: the spec and where its fields came from.
pub type Converted = (Spec, Vec<(String, String)>);

/// Converts the workflow `id` (default: the first) of a parsed document.
pub fn convert(
    file: &SourceFile,
    doc: &Value,
    workflow: Option<&str>,
) -> (Option<Converted>, Vec<Diagnostic>) {
    let mut c = Converter {
        file,
        doc,
        diagnostics: Vec::new(),
        inputs: HashMap::new(),
        steps: HashMap::new(),
        sources: Vec::new(),
        workflows: HashMap::new(),
        depended: HashMap::new(),
        origins: Vec::new(),
        unreadable: HashSet::new(),
        external: HashMap::new(),
    };
    let spec = c.document(doc, workflow);
    let failed = c.diagnostics.iter().any(Diagnostic::is_error);
    let converted = spec.filter(|_| !failed).map(|s| (s, c.origins));
    (converted, c.diagnostics)
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

/// A workflow step's `outputs` of the form `name: $outputs.other`, as (name, other).
fn renamed_outputs(s: &Value) -> impl Iterator<Item = (String, String)> + '_ {
    s.get("outputs")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(name, v)| {
            let other = v.as_str()?.strip_prefix("$outputs.")?;
            Some((name.clone(), other.to_string()))
        })
}

/// The `{name}`s of a path template.
fn path_holes(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|p| Some(p.split_once('}')?.0.to_string()))
        .filter(|h| !h.starts_with('{'))
        .collect()
}

fn text_of(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_string)
}

impl<'a> Converter<'a> {
    fn error(&mut self, path: &str, message: impl Into<String>) {
        let d = self.file.error(path, message).with_code(codes::ARAZZO);
        self.diagnostics.push(d);
    }
    /// A parameter the operation does not declare: sent, but likely misspelt.
    fn undeclared(&mut self, path: &str, message: impl Into<String>) {
        let d = self.file.error(path, message);
        self.diagnostics
            .push(d.with_code(codes::ARAZZO_UNDECLARED).warning());
    }
    fn warn(&mut self, path: &str, message: impl Into<String>) {
        let d = self.file.error(path, message);
        self.diagnostics
            .push(d.with_code(codes::ARAZZO_DROPPED).warning());
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
            let Some(url) = source.get("url").and_then(Value::as_str) else {
                self.error(&path, "a source description needs a `url`");
                continue;
            };
            if kind == "arazzo" {
                if let Err(e) = self.read_arazzo_source(&name, url, &base) {
                    self.error(&at(&path, "url"), e);
                    self.unreadable.insert(name);
                }
                continue;
            }
            if kind != "openapi" {
                self.warn(
                    &at(&path, "type"),
                    format!("not supported: `{kind}` source descriptions (openapi and arazzo are)"),
                );
                continue;
            }
            // Redocly's `x-serverUrl` names the server to use instead of the description's.
            let server = source.get("x-serverUrl").and_then(Value::as_str);
            match Description::read(&name, url, &base) {
                Ok(d) => {
                    let client = ident(&name);
                    self.origins
                        .push((format!("clients.{client}"), path.clone()));
                    self.origins
                        .push((format!("inputs.{client}_url"), at(&path, "url")));
                    let mut d = d;
                    if let Some(url) = server {
                        d.server = Some(url.trim_end_matches('/').to_string());
                    }
                    self.sources.push((d, client));
                }
                Err(e) => {
                    self.error(&at(&path, "url"), e);
                    self.unreadable.insert(name);
                }
            }
        }
    }

    /// The workflows of another Arazzo document, a file next to this one,
    /// with their outputs: steps may run them.
    fn read_arazzo_source(
        &mut self,
        name: &str,
        url: &str,
        base: &std::path::Path,
    ) -> Result<(), String> {
        if url.contains("://") {
            return Err(format!(
                "`{url}`: caseflow runs workflows of Arazzo documents in files next to this one"
            ));
        }
        let other = super::openapi::read_file(&base.join(url))?;
        let clients: Vec<String> = list(other.get("sourceDescriptions"))
            .iter()
            .filter(|s| s.get("type").and_then(Value::as_str).unwrap_or("openapi") == "openapi")
            .filter_map(|s| Some(ident(s.get("name")?.as_str()?)))
            .collect();
        for w in list(other.get("workflows")) {
            let Some(id) = w.get("workflowId").and_then(Value::as_str) else {
                continue;
            };
            let outputs: Vec<String> = w
                .get("outputs")
                .and_then(Value::as_object)
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            // Arazzo writes `$sourceDescriptions.name.id`; Redocly also `.workflows.id`.
            for key in [
                format!("$sourceDescriptions.{name}.{id}"),
                format!("$sourceDescriptions.{name}.workflows.{id}"),
            ] {
                self.workflows.insert(key.clone(), outputs.clone());
                let uses = format!("{url}#{id}");
                self.external.insert(
                    key,
                    External {
                        uses,
                        clients: clients.clone(),
                    },
                );
            }
        }
        Ok(())
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
        self.origins.push((String::new(), path.to_string()));
        let before = self.depends_on(w, path, &spec);
        let shared = list(w.get("parameters")).to_vec();
        let mut warned = HashSet::new();
        for (i, s) in steps.iter().enumerate() {
            let spath = index(&at(path, "steps"), i);
            if let Some((id, mut step)) = self.step(s, &spath, &shared) {
                let last = i + 1 == steps.len();
                self.actions(s, &spath, w, path, last, &mut step, &mut warned);
                step.needs.extend(before.iter().map(|(id, _)| id.clone()));
                self.record_step(&id, &spath, s);
                spec.steps.insert(id, step);
            }
        }
        // The workflows it depends on run first, as steps of their own.
        for (id, step) in before.into_iter().rev() {
            spec.steps.shift_insert(0, id, step);
        }
        if let Some(outputs) = w.get("outputs").and_then(Value::as_object) {
            for (name, v) in outputs {
                let opath = at(&at(path, "outputs"), name);
                if let Some(Value::String(t)) = self.value(v, &opath) {
                    self.origins
                        .push((format!("outputs.{}", ident(name)), opath));
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
        let schema = match components::schema(self.doc, schema) {
            Ok(s) => s,
            Err(e) => {
                self.error(&at(&ipath, "$ref"), e);
                return;
            }
        };
        let required: HashSet<&str> = list(schema.get("required"))
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let Some(props) = schema.get("properties").and_then(Value::as_object) else {
            return;
        };
        for (name, p) in props {
            let p = components::schema(self.doc, p).unwrap_or(p);
            let id = ident(name);
            self.origins
                .push((format!("inputs.{id}"), at(&at(&ipath, "properties"), name)));
            let secret = p.get("format").and_then(Value::as_str) == Some("password")
                || p.get("writeOnly") == Some(&Value::Bool(true));
            spec.inputs.insert(
                id.clone(),
                Input {
                    description: text_of(p.get("description")),
                    // An input the workflow does not require is null when not given.
                    // An input whose caseflow extension names its source (env, sandbox) has none.
                    default: p.get("default").cloned().or_else(|| {
                        let optional = !required.contains(name.as_str())
                            && p.get(super::export::extension("input")).is_none();
                        optional.then_some(Value::Null)
                    }),
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
                // Its own `outputs` rename the workflow's (`mine: $outputs.theirs`).
                Some(names) => names
                    .iter()
                    .map(|k| (k.clone(), k.clone()))
                    .chain(renamed_outputs(s).filter(|(_, to)| names.contains(to)))
                    .map(|(from, to)| (from, ident(&to)))
                    .collect(),
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
        self.parameters(s, path, shared, &op, &mut request);
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
                if let Some(capture) = self.capture(v, &opath, op.text_response) {
                    step.outputs.insert(ident(name), capture);
                }
            }
        }
        Some((id, self.needs(s, path, step)))
    }

    /// Where the parts of step `id` came from in the Arazzo step at `path`.
    fn record_step(&mut self, id: &str, path: &str, s: &Value) {
        let step = format!("steps.{id}");
        let mut parts = vec![
            ("", String::new()),
            (".expect", at(path, "successCriteria")),
            (".needs", at(path, "dependsOn")),
            (".request.json", at(path, "requestBody")),
            (".request.form", at(path, "requestBody")),
            (".request.body", at(path, "requestBody")),
            (".retry", at(path, "onFailure")),
            (".until", at(path, "onSuccess")),
            (".with", at(path, "parameters")),
        ];
        let named = ["operationId", "operationPath", "workflowId"];
        if let Some(field) = named.iter().find(|f| s.get(**f).is_some()) {
            parts.push((".request", at(path, field)));
            parts.push((".uses", at(path, field)));
        }
        for (from, to) in parts {
            let to = if to.is_empty() { path.to_string() } else { to };
            self.origins.push((format!("{step}{from}"), to));
        }
        for name in s
            .get("outputs")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|o| o.0)
        {
            let to = at(&at(path, "outputs"), name);
            self.origins
                .push((format!("{step}.outputs.{}", ident(name)), to));
        }
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
        let source = wid
            .strip_prefix("$sourceDescriptions.")
            .and_then(|r| r.split('.').next());
        if source.is_some_and(|s| self.unreadable.contains(s)) {
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
        if s.get("successCriteria").is_some() {
            self.warn(
                &at(path, "successCriteria"),
                "a step that runs a workflow succeeds when the workflow's steps do: its `successCriteria` are not checked",
            );
        }
        let known = self.workflows.get(wid).cloned().unwrap_or_default();
        let (uses, mut with) = self.runs(wid);
        for (name, v) in s
            .get("outputs")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let renamed = renamed_outputs(s).find(|(from, _)| from == name);
            if !renamed.is_some_and(|(_, to)| known.contains(&to)) {
                self.error(
                    &at(&at(path, "outputs"), name),
                    format!(
                        "`{}`: a step that runs a workflow outputs `$outputs.NAME`, one of the workflow's outputs ({})",
                        v.as_str().unwrap_or_default(),
                        known.join(", ")
                    ),
                );
            }
        }
        for (ppath, p) in self.resolved(list(s.get("parameters")), &at(path, "parameters")) {
            let Some((name, value)) = self.name_and_value(&p, &ppath) else {
                continue;
            };
            if let Some(value) = self.value(value, &at(&ppath, "value")) {
                with.insert(ident(name), value);
            }
        }
        Some(Step {
            description: text_of(s.get("description")),
            uses: Some(uses),
            with,
            ..Step::default()
        })
    }

    /// Parameters with their `reference`s to `components` resolved, each with
    /// its field path; a reference that names nothing is reported.
    fn resolved<'x>(&mut self, ps: &'x [Value], path: &str) -> Vec<(String, Cow<'x, Value>)>
    where
        'a: 'x,
    {
        let mut out = Vec::new();
        for (i, p) in ps.iter().enumerate() {
            let ppath = index(path, i);
            match components::parameter(self.doc, p) {
                Ok(p) => out.push((ppath, p)),
                Err(e) => self.error(&at(&ppath, "reference"), e),
            }
        }
        out
    }

    /// What a step running workflow `wid` of this document uses, and the
    /// inputs it passes on: the servers of the sources.
    fn runs(&self, wid: &str) -> (String, IndexMap<String, Value>) {
        let input = |client: &String| {
            let input = format!("{client}_url");
            let value = Value::String(format!("{{{{ inputs.{input} }}}}"));
            (input, value)
        };
        if let Some(other) = self.external.get(wid) {
            // Only the servers both documents name.
            let with = self
                .sources
                .iter()
                .map(|(_, c)| c)
                .filter(|c| other.clients.contains(c))
                .map(input)
                .collect();
            return (other.uses.clone(), with);
        }
        let document = self
            .file
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let with = self.sources.iter().map(|(_, c)| input(c)).collect();
        (format!("{document}#{wid}"), with)
    }

    /// The workflow's `dependsOn` as steps that run those workflows, by id;
    /// each is given the inputs of the same name this workflow has.
    fn depends_on(&mut self, w: &Value, path: &str, spec: &Spec) -> Vec<(String, Step)> {
        let mut out = Vec::new();
        for (i, dep) in list(w.get("dependsOn")).iter().enumerate() {
            let dpath = index(&at(path, "dependsOn"), i);
            let wid = dep.as_str().unwrap_or_default();
            let Some(outputs) = self.workflows.get(wid).cloned() else {
                let message = if wid.starts_with("$sourceDescriptions.") {
                    "not supported yet: a workflow `dependsOn` a workflow of another document (a step with that `workflowId` runs it)".to_string()
                } else {
                    let mut known: Vec<&str> = self.workflows.keys().map(String::as_str).collect();
                    known.sort();
                    format!(
                        "no workflow `{wid}` in the document (workflows: {})",
                        known.join(", ")
                    )
                };
                self.error(&dpath, message);
                continue;
            };
            let mut taken: HashSet<String> = self.steps.values().map(|n| n.id.clone()).collect();
            taken.extend(out.iter().map(|(id, _): &(String, Step)| id.clone()));
            let id = names::unique(&format!("workflow_{}", ident(wid)), &mut taken, "_");
            self.origins.push((format!("steps.{id}"), dpath.clone()));
            let (uses, mut with) = self.runs(wid);
            let inputs = self.sub_inputs(wid);
            for name in inputs.iter().filter(|n| spec.inputs.contains_key(*n)) {
                with.insert(
                    name.clone(),
                    Value::String(format!("{{{{ inputs.{name} }}}}")),
                );
            }
            self.depended.insert(
                wid.to_string(),
                StepNames {
                    id: id.clone(),
                    outputs: outputs.iter().map(|o| (o.clone(), ident(o))).collect(),
                },
            );
            let step = Step {
                description: Some(format!("The workflow `{wid}`, which this one depends on")),
                uses: Some(uses),
                with,
                ..Step::default()
            };
            out.push((id, step));
        }
        out
    }

    /// The input names (as caseflow identifiers) of workflow `wid`.
    fn sub_inputs(&self, wid: &str) -> Vec<String> {
        let found = list(self.doc.get("workflows"))
            .iter()
            .find(|w| w.get("workflowId").and_then(Value::as_str) == Some(wid));
        let schema = found
            .and_then(|w| w.get("inputs"))
            .and_then(|s| components::schema(self.doc, s).ok());
        schema
            .and_then(|s| s.get("properties"))
            .and_then(Value::as_object)
            .map(|p| p.keys().map(|k| ident(k)).collect())
            .unwrap_or_default()
    }

    /// A parameter's `name` and `value`; what is missing is reported.
    fn name_and_value<'v>(&mut self, p: &'v Value, path: &str) -> Option<(&'v str, &'v Value)> {
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
        let failure = Actions::new(self.doc, s, spath, "onFailure", w, wpath, "failureActions");
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
        let success = Actions::new(self.doc, s, spath, "onSuccess", w, wpath, "successActions");
        for (path, message) in failure.errors.iter().chain(&success.errors) {
            if warned.insert(path.clone()) {
                self.error(path, message.clone());
            }
        }
        let step_id = s.get("stepId").and_then(Value::as_str).unwrap_or_default();
        let succeeded = actions::on_success(&success, step_id, last);
        if let Some(until) = succeeded.until {
            step.until = Some(Box::new(until));
        }
        for (path, message) in failed.unsupported.into_iter().chain(succeeded.unsupported) {
            if warned.insert(path.clone()) {
                self.warn(&path, message);
            }
        }
    }

    /// The operation a step calls and the client of its source.
    fn operation(&mut self, s: &Value, path: &str) -> Option<(Operation, String)> {
        if let Some(op_id) = s.get("operationId").and_then(Value::as_str) {
            let (source, id) = match op_id.strip_prefix("$sourceDescriptions.") {
                Some(rest) => match rest.split_once('.') {
                    Some((source, id)) => (Some(source), id),
                    None => (None, rest),
                },
                // Redocly's `source.operationId`, when `source` is one.
                None => match op_id.split_once('.') {
                    Some((source, id)) if self.sources.iter().any(|(d, _)| d.name == source) => {
                        (Some(source), id)
                    }
                    _ => (None, op_id),
                },
            };
            let found = self
                .sources
                .iter()
                .filter(|(d, _)| source.is_none_or(|n| d.name == n))
                .find_map(|(d, client)| d.by_id(id).map(|op| (op, client.clone())));
            // An operation of a source that could not be read is not a second error.
            let unread = match source {
                Some(n) => self.unreadable.contains(n),
                None => !self.unreadable.is_empty(),
            };
            if found.is_none() && unread {
                return None;
            }
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
            // `{$sourceDescriptions.name.url}#/paths/...`, or Redocly's `$sourceDescriptions.name#/paths/...`.
            let parsed = op_path
                .strip_prefix("{$sourceDescriptions.")
                .and_then(|r| r.split_once(".url}#"))
                .or_else(|| {
                    op_path
                        .strip_prefix("$sourceDescriptions.")?
                        .split_once('#')
                });
            let Some((name, pointer)) = parsed else {
                self.error(
                    &field,
                    format!("`{op_path}` is not `{{$sourceDescriptions.NAME.url}}#/paths/...`"),
                );
                return None;
            };
            let Some((d, client)) = self.sources.iter().find(|(d, _)| d.name == name) else {
                if !self.unreadable.contains(name) {
                    self.error(&field, format!("unknown source description `{name}`"));
                }
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

    fn parameters(
        &mut self,
        s: &Value,
        path: &str,
        shared: &[Value],
        op: &Operation,
        request: &mut Request,
    ) {
        // Workflow parameters apply to every step; a step's own of the same name and place win.
        let own = self.resolved(list(s.get("parameters")), &at(path, "parameters"));
        let key = |p: &Value| (text_of(p.get("name")), text_of(p.get("in")));
        let mut all: Vec<(String, Cow<Value>)> = self
            .resolved(shared, "parameters")
            .into_iter()
            .filter(|(_, p)| !own.iter().any(|(_, o)| key(o) == key(p)))
            .collect();
        all.extend(own);
        let mut cookies = Vec::new();
        let mut unfilled = false;
        for (ppath, p) in &all {
            let (ppath, p) = (ppath.as_str(), p.as_ref());
            let Some((name, value)) = self.name_and_value(p, ppath) else {
                continue;
            };
            let vpath = at(ppath, "value");
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
                        let holes = path_holes(&request.url);
                        self.error(
                            &at(ppath, "name"),
                            format!(
                                "the operation's path `{}` has no `{hole}`{}",
                                request.url,
                                suggest::hint(name, &holes)
                            ),
                        );
                        unfilled = true;
                    }
                    request.url = request.url.replace(&hole, &text);
                }
                Some("query") => {
                    if !op.query.is_empty() && !op.query.iter().any(|q| q == name) {
                        self.undeclared(
                            &at(ppath, "name"),
                            format!(
                                "the operation declares no query parameter `{name}` (it declares {}){}",
                                suggest::list(&op.query),
                                suggest::hint(name, &op.query)
                            ),
                        );
                    }
                    request.query.insert(name.to_string(), value);
                }
                Some("header") => {
                    request.headers.insert(name.to_string(), text);
                }
                Some("cookie") => cookies.push(format!("{name}={text}")),
                Some(other) => self.error(
                    &at(ppath, "in"),
                    format!("`{other}` is not path, query, header or cookie"),
                ),
                None => self.error(
                    ppath,
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
        let Some(mut value) = self.value(structured, &ppath) else {
            return;
        };
        self.replacements(body, path, json, &mut value);
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

    /// `replacements`: values put at JSON pointers of a JSON payload.
    fn replacements(&mut self, body: &Value, path: &str, json: bool, payload: &mut Value) {
        for (i, r) in list(body.get("replacements")).iter().enumerate() {
            let rpath = index(&at(path, "replacements"), i);
            let (Some(target), Some(v)) = (r.get("target").and_then(Value::as_str), r.get("value"))
            else {
                self.error(&rpath, "a replacement needs `target` and `value`");
                continue;
            };
            if !json || !(target.is_empty() || target.starts_with('/')) {
                self.warn(
                    &at(&rpath, "target"),
                    "not supported yet: replacements other than JSON pointers into a JSON payload",
                );
                continue;
            }
            let Some(value) = self.value(v, &at(&rpath, "value")) else {
                continue;
            };
            match payload.pointer_mut(target) {
                Some(slot) => *slot = value,
                None => self.error(
                    &at(&rpath, "target"),
                    format!("`{target}` names nothing in the payload"),
                ),
            }
        }
    }

    /// A step output; `text` when the operation answers with text only, so
    /// that the whole body is read as text rather than as JSON.
    fn capture(&mut self, v: &Value, path: &str, text_body: bool) -> Option<Capture> {
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
            Expr::Response(Source::Body(None)) if text_body => full(CaptureSpec {
                body: true,
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
                        Part::Literal(t) => out.push_str(&crate::template::literal(&t)),
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
            Expr::Workflows(rest) => {
                let found = rest.split_once(".outputs.").and_then(|(wid, output)| {
                    let names = self.depended.get(wid)?;
                    Some(format!(
                        "steps.{}.outputs.{}",
                        names.id,
                        names.outputs.get(output)?
                    ))
                });
                if found.is_none() {
                    let mut known: Vec<&str> = self.depended.keys().map(String::as_str).collect();
                    known.sort();
                    self.error(
                        path,
                        format!(
                            "`{text}`: `$workflows.ID.outputs.NAME` reads an output of a workflow in `dependsOn` ({})",
                            known.join(", ")
                        ),
                    );
                }
                found
            }
            _ => {
                self.warn(path, format!("not supported yet: `{text}` in a value (values read `$inputs`, `$steps` and `$workflows`)"));
                None
            }
        }
    }
}

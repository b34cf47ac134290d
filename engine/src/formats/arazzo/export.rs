//! A caseflow spec written as an Arazzo 1.1 document and the minimal OpenAPI
//! description its steps call (one operation per method and path template).
//! What Arazzo cannot say is kept in `x-caseflow-...` extensions, each with a
//! warning naming the field, so `import arazzo` can read it back.

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use super::template;
use crate::spec::Spec;

/// Source description of the steps that have no client.
const PLAIN: &str = "plain";

pub struct Exported {
    pub arazzo: Value,
    pub openapi: Value,
    /// `field.path: what is kept where`.
    pub warnings: Vec<String>,
}

/// The Arazzo document of a loaded spec; `openapi_url` is where the OpenAPI
/// description is written, relative to the document.
pub fn export(spec: &Spec, openapi_url: &str) -> Result<Exported, String> {
    let spec = serde_json::to_value(spec).map_err(|e| e.to_string())?;
    let mut x = Exporter::default();
    let workflow = x.workflow(&spec);
    let title = text(&spec, "title").unwrap_or_else(|| text(&spec, "name").unwrap_or_default());
    let mut info = json!({ "title": title, "version": "1.0.0" });
    if let Some(d) = text(&spec, "description") {
        info["description"] = d.into();
    }
    let sources: Vec<Value> = x
        .sources
        .iter()
        .map(|s| json!({ "name": s, "url": openapi_url, "type": "openapi" }))
        .collect();
    let arazzo = json!({
        "arazzo": "1.1.0",
        "info": info,
        "sourceDescriptions": sources,
        "workflows": [workflow],
    });
    let openapi = json!({
        "openapi": "3.1.0",
        "info": { "title": title, "version": "1.0.0" },
        "paths": x.paths,
    });
    Ok(Exported {
        arazzo,
        openapi,
        warnings: x.warnings,
    })
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

fn entries(v: &Value, key: &str) -> Vec<(String, Value)> {
    v.get(key)
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// `x-caseflow-for-each` for the field `for_each`.
pub fn extension(field: &str) -> String {
    format!("x-caseflow-{}", field.replace('_', "-"))
}

#[derive(Default)]
struct Exporter {
    sources: Vec<String>,
    /// path template -> method -> operation.
    paths: Map<String, Value>,
    /// path shape (parameters as `{}`) -> parameter names, one template for every method.
    shapes: IndexMap<String, Vec<String>>,
    /// method and path shape -> operationId.
    operations: IndexMap<(String, String), String>,
    warnings: Vec<String>,
}

impl Exporter {
    fn keep(&mut self, path: &str, field: &str, why: &str) {
        self.warnings
            .push(format!("{path}: {why}; kept as `{}`", extension(field)));
    }

    fn workflow(&mut self, spec: &Value) -> Value {
        let mut w = Map::new();
        w.insert("workflowId".into(), spec["name"].clone());
        for (from, to) in [("title", "summary"), ("description", "description")] {
            if let Some(t) = spec.get(from) {
                w.insert(to.into(), t.clone());
            }
        }
        w.insert("inputs".into(), self.inputs(spec));
        // Clients always: their absence tells the import to drop the source clients.
        w.insert(
            extension("clients"),
            spec.get("clients").cloned().unwrap_or(json!({})),
        );
        for field in ["cleanup", "tags", "secrets"] {
            if let Some(v) = spec.get(field) {
                if field == "cleanup" {
                    self.keep(
                        "cleanup",
                        field,
                        "Arazzo has no steps run after the workflow",
                    );
                }
                w.insert(extension(field), v.clone());
            }
        }
        let clients = spec.get("clients").cloned().unwrap_or(Value::Null);
        let steps: Vec<Value> = entries(spec, "steps")
            .iter()
            .map(|(id, s)| self.step(id, s, &clients))
            .collect();
        w.insert("steps".into(), steps.into());
        let mut outputs = Map::new();
        let mut kept = Map::new();
        for (name, o) in entries(spec, "outputs") {
            match o.as_str().map(template::string) {
                Some(Ok(e)) if e.starts_with('$') => {
                    outputs.insert(name, e.into());
                }
                _ => {
                    self.keep(
                        &format!("outputs.{name}"),
                        "outputs",
                        "not one `$inputs`/`$steps` expression",
                    );
                    kept.insert(name, o);
                }
            }
        }
        if !outputs.is_empty() {
            w.insert("outputs".into(), outputs.into());
        }
        if !kept.is_empty() {
            w.insert(extension("outputs"), kept.into());
        }
        w.into()
    }

    fn inputs(&mut self, spec: &Value) -> Value {
        let mut props = Map::new();
        let mut required = Vec::new();
        for (name, input) in entries(spec, "inputs") {
            let mut p = Map::new();
            let secret = input
                .get("secret")
                .and_then(Value::as_bool)
                .unwrap_or_else(|| crate::redact::is_secret_name(&name));
            match input.get("default") {
                Some(Value::Bool(_)) => p.insert("type".into(), "boolean".into()),
                Some(Value::Number(_)) => p.insert("type".into(), "number".into()),
                _ => p.insert("type".into(), "string".into()),
            };
            if secret {
                p.insert("format".into(), "password".into());
            }
            if let Some(d) = input.get("description") {
                p.insert("description".into(), d.clone());
            }
            if let Some(d) = input.get("default") {
                if d.as_str().is_some_and(|t| t.contains("{{")) {
                    self.warnings.push(format!(
                        "inputs.{name}.default: a template, written as its text (an Arazzo default is a plain value)"
                    ));
                }
                p.insert("default".into(), d.clone());
            }
            // Without a default or a source, a caseflow input is required.
            let sourced = ["default", "env", "sandbox"]
                .iter()
                .any(|f| input.get(*f).is_some());
            if input.get("required") == Some(&Value::Bool(true)) || !sourced {
                required.push(Value::String(name.clone()));
            }
            let mut kept = Map::new();
            for field in ["env", "sandbox", "secret"] {
                if let Some(v) = input.get(field) {
                    kept.insert(field.into(), v.clone());
                }
            }
            if !kept.is_empty() {
                p.insert(extension("input"), kept.into());
            }
            props.insert(name, p.into());
        }
        let mut schema = json!({ "type": "object", "properties": props });
        if !required.is_empty() {
            schema["required"] = required.into();
        }
        schema
    }

    fn step(&mut self, id: &str, s: &Value, clients: &Value) -> Value {
        let path = format!("steps.{id}");
        let mut out = Map::new();
        out.insert("stepId".into(), id.into());
        if let Some(d) = s.get("description").or_else(|| s.get("title")) {
            out.insert("description".into(), d.clone());
        }
        let client = text(s, "client");
        let source = client.clone().unwrap_or_else(|| PLAIN.to_string());
        if !self.sources.contains(&source) {
            self.sources.push(source.clone());
        }
        match s.get("request") {
            Some(r) => {
                let headers = client
                    .as_deref()
                    .and_then(|c| clients.get(c))
                    .and_then(|c| c.get("headers"))
                    .cloned()
                    .unwrap_or(Value::Null);
                self.request(id, &path, r, &headers, &source, &mut out);
            }
            None => {
                self.keep(
                    &path,
                    "uses",
                    "a step that runs another spec has no operation",
                );
                out.insert(
                    "operationId".into(),
                    format!("$sourceDescriptions.{source}.{id}").into(),
                );
            }
        }
        if let Some(e) = s.get("expect") {
            let (criteria, exact) = super::export_criteria::criteria(e);
            if !criteria.is_empty() {
                out.insert("successCriteria".into(), criteria.into());
            }
            if !exact {
                self.keep(
                    &format!("{path}.expect"),
                    "expect",
                    "expectations Arazzo criteria cannot say",
                );
                out.insert(extension("expect"), e.clone());
            }
        }
        let mut outputs = Map::new();
        let mut kept = Map::new();
        for (name, c) in entries(s, "outputs") {
            let (expr, exact) = super::export_criteria::capture(&c);
            outputs.insert(name.clone(), expr.into());
            if !exact {
                self.keep(
                    &format!("{path}.outputs.{name}"),
                    "outputs",
                    "a capture no runtime expression says",
                );
                kept.insert(name, c);
            }
        }
        if !outputs.is_empty() {
            out.insert("outputs".into(), outputs.into());
        }
        if !kept.is_empty() {
            out.insert(extension("outputs"), kept.into());
        }
        if let Some(n) = s.get("needs") {
            out.insert("dependsOn".into(), n.clone());
        }
        if s.get("title").is_some() {
            out.insert(extension("title"), s["title"].clone());
        }
        for &field in super::extensions::UNSAID_STEP_FIELDS {
            if let Some(v) = s.get(field) {
                self.keep(
                    &format!("{path}.{field}"),
                    field,
                    "no Arazzo field says this",
                );
                out.insert(extension(field), v.clone());
            }
        }
        out.into()
    }
}

/// A URL split at its path: the base before it (an absolute URL's origin or
/// a leading template) and the path.
fn split_base(url: &str) -> (&str, &str) {
    let after = if let Some(i) = url.find("://") {
        i + 3
    } else if url.starts_with("{{") {
        url.find("}}").map_or(url.len(), |i| i + 2)
    } else {
        0
    };
    match url[after..].find('/') {
        Some(i) => url.split_at(after + i),
        None => (url, "/"),
    }
}

/// A path template's pieces: literal text and the expressions between.
fn path_pieces(path: &str) -> Option<Vec<(String, Option<String>)>> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find("{{") {
        let len = rest[start..].find("}}")?;
        let expr = template::reference(&rest[start + 2..start + len]);
        out.push((rest[..start].to_string(), Some(expr.unwrap_or_default())));
        rest = &rest[start + len + 2..];
    }
    out.push((rest.to_string(), None));
    Some(out)
}

/// A path parameter's name: the input's or `<step>_<output>`.
fn param_name(expr: &str, taken: &[String]) -> String {
    let parts: Vec<&str> = expr.trim_start_matches('$').split('.').collect();
    let base = match parts.as_slice() {
        ["steps", step, "outputs", name] => format!("{step}_{name}"),
        [.., last] if !last.is_empty() => (*last).to_string(),
        _ => "param".to_string(),
    };
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    name
}

impl Exporter {
    fn request(
        &mut self,
        id: &str,
        path: &str,
        r: &Value,
        client_headers: &Value,
        source: &str,
        out: &mut Map<String, Value>,
    ) {
        let method = text(r, "method").unwrap_or_default().to_lowercase();
        let url = text(r, "url").unwrap_or_default();
        let (base, rest) = split_base(&url);
        let mut exact = base.is_empty();
        let pieces = path_pieces(rest).unwrap_or_else(|| vec![(rest.to_string(), None)]);
        let mut shape = String::new();
        let mut exprs = Vec::new();
        for (literal, expr) in &pieces {
            shape.push_str(literal);
            if let Some(e) = expr {
                shape.push_str("{}");
                exact &= !e.is_empty();
                exprs.push(e.clone());
            }
        }
        let names = match self.shapes.get(&shape) {
            Some(known) => known.clone(),
            None => {
                let mut names: Vec<String> = Vec::new();
                for e in &exprs {
                    let n = param_name(e, &names);
                    names.push(n);
                }
                self.shapes.insert(shape.clone(), names.clone());
                names
            }
        };
        let key = (method.clone(), shape);
        let op_id = match self.operations.get(&key) {
            Some(known) => known.clone(),
            None => {
                self.operations.insert(key, id.to_string());
                self.operation(id, &method, &pieces, &names, r);
                id.to_string()
            }
        };
        out.insert(
            "operationId".into(),
            format!("$sourceDescriptions.{source}.{op_id}").into(),
        );
        let mut params = Vec::new();
        for (name, e) in names.iter().zip(&exprs) {
            params.push(json!({ "name": name, "in": "path", "value": e }));
        }
        for (name, v) in entries(r, "query") {
            let (v, ok) = template::value(&v);
            exact &= ok && !v.is_object();
            params.push(json!({ "name": name, "in": "query", "value": v }));
        }
        let own = entries(r, "headers");
        let mut headers: Vec<(String, Value)> = entries(&json!({ "h": client_headers }), "h")
            .into_iter()
            .filter(|(k, _)| !own.iter().any(|(o, _)| o.eq_ignore_ascii_case(k)))
            .collect();
        headers.extend(own);
        for (name, v) in headers {
            let (v, ok) = template::value(&v);
            exact &= ok;
            params.push(json!({ "name": name, "in": "header", "value": v }));
        }
        if !params.is_empty() {
            out.insert("parameters".into(), params.into());
        }
        if let Some((content_type, payload)) = body_of(r) {
            let (payload, ok) = template::value(&payload);
            exact &= ok;
            out.insert(
                "requestBody".into(),
                json!({ "contentType": content_type, "payload": payload }),
            );
        }
        if !exact {
            self.keep(
                &format!("{path}.request"),
                "request",
                "a URL base or templates with no runtime expression (functions, filters, `run`)",
            );
            out.insert(extension("request"), r.clone());
        }
    }

    fn operation(
        &mut self,
        id: &str,
        method: &str,
        pieces: &[(String, Option<String>)],
        names: &[String],
        r: &Value,
    ) {
        let mut template = String::new();
        let mut params = Vec::new();
        let mut names = names.iter();
        for (literal, expr) in pieces {
            template.push_str(literal);
            if expr.is_some() {
                let name = names.next().cloned().unwrap_or_default();
                template.push_str(&format!("{{{name}}}"));
                params.push(json!({
                    "name": name, "in": "path", "required": true, "schema": { "type": "string" }
                }));
            }
        }
        let mut op = json!({
            "operationId": id,
            "responses": { "default": { "description": "Any response" } },
        });
        if !params.is_empty() {
            op["parameters"] = params.into();
        }
        if let Some((content_type, _)) = body_of(r) {
            op["requestBody"] = json!({ "content": { content_type: {} } });
        }
        let item = self
            .paths
            .entry(template)
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(item) = item.as_object_mut() {
            item.entry(method.to_string()).or_insert(op);
        }
    }
}

/// A request's content type and payload.
fn body_of(r: &Value) -> Option<(String, Value)> {
    let declared = entries(r, "headers")
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .and_then(|(_, v)| v.as_str().map(str::to_string));
    let (default, payload) = if let Some(j) = r.get("json") {
        ("application/json", j.clone())
    } else if let Some(f) = r.get("form") {
        ("application/x-www-form-urlencoded", f.clone())
    } else {
        ("text/plain", r.get("body")?.clone())
    };
    Some((declared.unwrap_or_else(|| default.to_string()), payload))
}

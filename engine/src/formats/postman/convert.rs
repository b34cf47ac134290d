//! Collection -> specs. Requests become steps in collection order; each
//! variable use resolves to the latest earlier step whose test script set it,
//! else to an input. Trailing DELETE requests become `cleanup` steps.

use std::collections::HashSet;

use indexmap::IndexMap;
use serde_json::Value;

use super::collection::{
    Auth, Collection, Environment, Headers, Item, RequestDef, Url, value_text,
};
use super::order::{self, Access};
use super::variables::{Known, Scope, Site, looks_secret};
use super::{auth, body, jwt, scripts};
use crate::formats::{GeneratedSpec, names, yaml};
use crate::spec::model::{Capture, CaptureSpec, Client, Method, Request, Spec, Step};

/// How the collection is cut into specs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Map PingOne's well-known variables to `lib/pingone.yaml`'s inputs with sandbox bindings.
    pub pingone: bool,
    /// One spec per top-level folder (requests at the top level form one more).
    pub per_folder: bool,
}

/// The client every step uses: one cookie jar for the run, like Postman's.
pub const CLIENT: &str = "postman";

/// A request with what it inherits from its folders.
struct Flat<'a> {
    folders: Vec<String>,
    item: &'a Item,
    auth: Option<Auth>,
}

pub fn convert(
    collection: &Collection,
    environment: Option<&Environment>,
    options: &Options,
    warnings: &mut Vec<String>,
) -> Vec<GeneratedSpec> {
    let mut flat = Vec::new();
    let auth = collection.auth.clone();
    flatten(&collection.item, &[], auth.as_ref(), &mut flat, warnings);
    for e in &collection.event {
        if e.source(&e.listen).is_some() {
            warnings.push(format!(
                "collection-level {} script not translated",
                listen_name(&e.listen)
            ));
        }
    }
    let known = known_variables(collection, environment);
    let title = collection.info.name.clone();
    let description = collection.info.description.as_ref().and_then(|d| d.text());
    let mut groups: Vec<(String, Option<String>, Vec<Flat>)> = Vec::new();
    if options.per_folder {
        for f in flat {
            let key = f.folders.first().cloned();
            match groups.iter_mut().find(|g| g.1 == key) {
                Some(g) => g.2.push(f),
                None => groups.push((String::new(), key, vec![f])),
            }
        }
        // Top-level requests come first, like in Postman's runner.
        groups.sort_by_key(|g| g.1.is_some());
    } else {
        groups.push((String::new(), None, flat));
    }
    let sole_folder = collection.item.len() == 1 && collection.item[0].item.is_some();
    let mut spec_names = HashSet::new();
    groups
        .into_iter()
        .map(|(_, folder, requests)| {
            let (name, title) = match &folder {
                Some(f) => (
                    names::kebab(&format!("{title} {f}")),
                    format!("{title}: {f}"),
                ),
                None => (names::kebab(&title), title.clone()),
            };
            let name = names::unique(&name, &mut spec_names, "-");
            let skip = usize::from(folder.is_some() || sole_folder);
            let mut b = Builder::new(Scope::new(known.clone(), options.pingone), warnings);
            for r in &requests {
                b.request(r, skip);
            }
            b.finish(name, title, description.clone(), &collection.info.name)
        })
        .collect()
}

fn listen_name(listen: &str) -> &str {
    if listen == "prerequest" {
        "pre-request"
    } else {
        listen
    }
}

fn flatten<'a>(
    items: &'a [Item],
    folders: &[String],
    auth: Option<&Auth>,
    out: &mut Vec<Flat<'a>>,
    warnings: &mut Vec<String>,
) {
    for item in items {
        let name = item.name.clone().unwrap_or_else(|| "request".into());
        let own_auth = item
            .auth
            .as_ref()
            .or(match &item.request {
                Some(RequestDef::Full(r)) => r.auth.as_ref(),
                _ => None,
            })
            .filter(|a| a.kind != "inherit");
        let auth = own_auth.or(auth);
        if let Some(children) = &item.item {
            for e in &item.event {
                if e.source(&e.listen).is_some() {
                    warnings.push(format!(
                        "folder \"{name}\": {} script not translated (folder scripts run for every request)",
                        listen_name(&e.listen)
                    ));
                }
            }
            let mut path = folders.to_vec();
            path.push(name);
            flatten(children, &path, auth, out, warnings);
        } else if item.request.is_some() {
            out.push(Flat {
                folders: folders.to_vec(),
                item,
                auth: auth.cloned(),
            });
        }
    }
}

/// Environment values over collection variables, as Postman resolves them.
fn known_variables(c: &Collection, env: Option<&Environment>) -> IndexMap<String, Known> {
    let mut known = IndexMap::new();
    for v in c.variable.iter().filter(|v| !v.disabled) {
        if let Some(key) = v.key.clone().or(v.id.clone()) {
            let secret = v.kind.as_deref() == Some("secret");
            known.insert(
                key,
                Known {
                    value: value_text(v.value.as_ref()),
                    secret,
                },
            );
        }
    }
    for v in env.iter().flat_map(|e| &e.values).filter(|v| v.enabled) {
        let secret = v.kind.as_deref() == Some("secret");
        known.insert(
            v.key.clone(),
            Known {
                value: value_text(v.value.as_ref()),
                secret,
            },
        );
    }
    known
}

struct Draft {
    id: String,
    step: Step,
    access: Access,
    delete: bool,
}

struct Builder<'w> {
    scope: Scope,
    warnings: &'w mut Vec<String>,
    ids: HashSet<String>,
    drafts: Vec<Draft>,
    comments: IndexMap<String, Vec<String>>,
}

impl<'w> Builder<'w> {
    fn new(scope: Scope, warnings: &'w mut Vec<String>) -> Self {
        Self {
            scope,
            warnings,
            ids: HashSet::new(),
            drafts: Vec::new(),
            comments: IndexMap::new(),
        }
    }

    fn warn(&mut self, request: &str, message: String) {
        self.warnings
            .push(format!("request \"{request}\": {message}"));
    }

    fn request(&mut self, flat: &Flat, skip_folders: usize) {
        let item = flat.item;
        let title = item.name.clone().unwrap_or_else(|| "request".into());
        let req = match &item.request {
            Some(RequestDef::Full(r)) => Some(r.as_ref()),
            _ => None,
        };
        let method_text = req
            .and_then(|r| r.method.clone())
            .unwrap_or_else(|| "GET".into())
            .to_ascii_uppercase();
        let Some(method) = parse_method(&method_text) else {
            self.warn(
                &title,
                format!("method {method_text} is not supported; request skipped"),
            );
            return;
        };
        let prefix: Vec<String> = flat
            .folders
            .iter()
            .skip(skip_folders)
            .map(|f| names::step_id(f))
            .collect();
        let mut base = prefix.join("_");
        if !base.is_empty() {
            base.push('_');
        }
        base.push_str(&names::step_id(&title));
        let id = names::unique(&base, &mut self.ids, "_");
        let mut comments = Vec::new();

        self.scope.local.clear();
        for e in &item.event {
            if let Some(src) = e.source("prerequest") {
                self.prerequest(&title, &src, &mut comments);
            }
        }

        // URL and query.
        self.scope.site = Some(Site::Url);
        let (url_text, query_list) = match (req.and_then(|r| r.url.as_ref()), &item.request) {
            (_, Some(RequestDef::Url(u))) => split_query(u),
            (Some(Url::Text(u)), _) => split_query(u),
            (Some(Url::Parts(p)), _) => {
                let raw = p.raw.clone().unwrap_or_else(|| build_url(p));
                let (base, parsed) = split_query(&raw);
                let query = if p.query.is_empty() {
                    parsed
                } else {
                    p.query
                        .iter()
                        .filter(|q| !q.disabled)
                        .filter_map(|q| Some((q.key.clone()?, q.value_text())))
                        .collect()
                };
                (base, query)
            }
            (None, _) => (String::new(), Vec::new()),
        };
        let url = self.scope.template(&url_text);
        let mut query: IndexMap<String, Value> = IndexMap::new();
        for (k, v) in query_list {
            let v = Value::String(self.scope.template(&percent_decode(&v)));
            push_multi(&mut query, percent_decode(&k), v);
        }

        // Headers and auth.
        self.scope.site = Some(Site::Header);
        let mut headers: IndexMap<String, String> = IndexMap::new();
        let header_list: Vec<(String, String)> = match req.and_then(|r| r.header.as_ref()) {
            Some(Headers::List(list)) => list
                .iter()
                .filter(|h| !h.disabled)
                .filter_map(|h| Some((h.key.clone()?, h.value_text())))
                .collect(),
            Some(Headers::Text(t)) => t
                .lines()
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .collect(),
            None => Vec::new(),
        };
        for (k, v) in header_list {
            let v = self.scope.template(&v);
            match headers.get_mut(&k) {
                Some(existing) => {
                    existing.push_str(", ");
                    existing.push_str(&v);
                }
                None => {
                    headers.insert(k, v);
                }
            }
        }
        if let Some(a) = &flat.auth {
            let converted = auth::convert(a, &mut self.scope);
            for (k, v) in converted.headers {
                if !headers.keys().any(|h| h.eq_ignore_ascii_case(&k)) {
                    headers.insert(k, v);
                }
            }
            for (k, v) in converted.query {
                push_multi(&mut query, k, Value::String(v));
            }
            if let Some(note) = converted.note {
                self.warn(&title, note.clone());
                comments.push(note);
            }
        }

        // Body.
        self.scope.site = Some(Site::Body);
        let content_type = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.to_ascii_lowercase());
        let json_header = content_type.as_deref().is_some_and(|c| c.contains("json"));
        let mut notes = Vec::new();
        let converted = match req.and_then(|r| r.body.as_ref()) {
            Some(b) => body::convert(b, json_header, &mut self.scope, &mut notes),
            None => body::Converted::None,
        };
        for n in notes {
            self.warn(&title, n.clone());
            comments.push(n);
        }
        let mut request = Request {
            method,
            url,
            query,
            headers,
            json: None,
            form: None,
            body: None,
        };
        // The default Content-Type of `json`/`form` needs no header.
        let drop_default = |h: &mut IndexMap<String, String>, wanted: &str| {
            h.retain(|k, v| {
                !(k.eq_ignore_ascii_case("content-type") && v.trim().eq_ignore_ascii_case(wanted))
            });
        };
        match converted {
            body::Converted::None => {}
            body::Converted::Json(v) => {
                drop_default(&mut request.headers, "application/json");
                request.json = Some((&v).into());
            }
            body::Converted::Form(f) => {
                drop_default(&mut request.headers, "application/x-www-form-urlencoded");
                request.form = Some(Box::new(f));
            }
            body::Converted::Text {
                body,
                content_type: ct,
            } => {
                if let Some(ct) = ct
                    && content_type.is_none()
                {
                    request.headers.insert("Content-Type".into(), ct.into());
                }
                request.body = Some(body);
            }
        }
        self.scope.site = None;
        let refs = self.scope.take_refs();

        // Test script: captures and expectations.
        let mut step = Step {
            title: Some(title.clone()),
            description: req
                .and_then(|r| r.description.as_ref())
                .or(item.description.as_ref())
                .and_then(|d| d.text()),
            client: Some(CLIENT.into()),
            request: Some(Box::new(request)),
            ..Step::default()
        };
        let mut setters = Vec::new();
        for e in &item.event {
            let Some(src) = e.source("test") else {
                continue;
            };
            let scope = &mut self.scope;
            let t = scripts::translate(&src, &mut |v: &str| scope.expr(v));
            let _ = self.scope.take_refs();
            for (var, capture) in t.captures {
                let name = names::snake(&var);
                step.outputs
                    .insert(name.clone(), finish_capture(capture, &var));
                setters.push((var, name));
            }
            if t.expect.status.is_some()
                || !t.expect.body.is_empty()
                || !t.expect.headers.is_empty()
            {
                step.expect = Some(Box::new(t.expect));
            }
            for (line, text) in t.untranslated {
                let text = one_line(&text);
                if text != "}" {
                    self.warn(
                        &title,
                        format!("test script line {line} not translated: {text}"),
                    );
                }
                comments.push(format!("untranslated (line {line}): {text}"));
            }
        }
        for (var, output) in setters {
            self.scope.set(&var, &id, &output);
        }
        for n in std::mem::take(&mut self.scope.notes) {
            self.warn(&title, n.clone());
        }
        if !comments.is_empty() {
            self.comments.insert(id.clone(), comments);
        }
        self.drafts.push(Draft {
            access: Access {
                id: id.clone(),
                write: !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS),
                refs,
            },
            delete: method == Method::DELETE,
            id,
            step,
        });
    }

    fn prerequest(&mut self, title: &str, src: &str, comments: &mut Vec<String>) {
        let scope = &mut self.scope;
        if let Some((var, expr)) = jwt::client_secret_jwt(src, &mut |v: &str| scope.expr(v)) {
            // The JWT's inputs count as used wherever the variable is.
            let refs = self.scope.take_refs().into_iter().map(|(r, _)| r).collect();
            self.scope.local.insert(var, (expr, refs));
            return;
        }
        let _ = self.scope.take_refs();
        for s in super::js::statements(src) {
            let text = one_line(&s.text);
            if text.starts_with("console.") {
                continue;
            }
            if text != "}" {
                self.warn(
                    title,
                    format!("pre-request script line {} not translated: {text}", s.line),
                );
            }
            comments.push(format!(
                "untranslated pre-request (line {}): {text}",
                s.line
            ));
        }
    }

    fn finish(
        mut self,
        name: String,
        title: String,
        description: Option<String>,
        collection: &str,
    ) -> GeneratedSpec {
        // Trailing deletes tear down what the run created: cleanup runs them even after failures.
        let keep = self
            .drafts
            .iter()
            .rposition(|d| !d.delete)
            .map_or(0, |i| i + 1);
        let cleanup_drafts = if keep == 0 {
            Vec::new()
        } else {
            self.drafts.split_off(keep)
        };
        let accesses: Vec<Access> = self
            .drafts
            .iter_mut()
            .map(|d| Access {
                id: d.access.id.clone(),
                write: d.access.write,
                refs: std::mem::take(&mut d.access.refs),
            })
            .collect();
        let needs = order::needs(&accesses);
        let mut spec = Spec {
            version: 1,
            name,
            title: Some(title),
            description,
            tags: vec!["postman".into()],
            inputs: self.scope.declare_inputs(),
            ..Spec::default()
        };
        for n in std::mem::take(&mut self.scope.notes) {
            self.warnings.push(n);
        }
        spec.clients.insert(CLIENT.into(), Client::default());
        for (mut d, needs) in self.drafts.into_iter().zip(needs) {
            d.step.needs = needs;
            spec.steps.insert(d.id, d.step);
        }
        let mut previous: Option<String> = None;
        for mut d in cleanup_drafts {
            // Postman users order teardown deliberately (a user before its population).
            d.step.needs = previous.iter().cloned().collect();
            previous = Some(d.id.clone());
            spec.cleanup.insert(d.id, d.step);
        }
        let mut comments = IndexMap::new();
        for (id, c) in self.comments {
            let section = if spec.cleanup.contains_key(&id) {
                "cleanup"
            } else {
                "steps"
            };
            comments.insert(format!("{section}.{id}"), c);
        }
        let header = vec![format!(
            "Imported from the Postman collection \"{}\" by `caseflow import postman`.",
            one_line(collection)
        )];
        let yaml = yaml::render(&spec, &header, &comments).unwrap_or_else(|e| format!("# {e}\n"));
        GeneratedSpec {
            name: spec.name.clone(),
            spec,
            yaml,
        }
    }
}

fn finish_capture(mut c: CaptureSpec, var: &str) -> Capture {
    c.secret = looks_secret(var);
    match (&c.json, c.secret, c.regex.is_some()) {
        (Some(path), false, false) => Capture::Path(path.clone()),
        _ => Capture::Full(Box::new(c)),
    }
}

pub(crate) fn parse_method(m: &str) -> Option<Method> {
    Some(match m {
        "GET" => Method::GET,
        "POST" => Method::POST,
        "PUT" => Method::PUT,
        "PATCH" => Method::PATCH,
        "DELETE" => Method::DELETE,
        "HEAD" => Method::HEAD,
        "OPTIONS" => Method::OPTIONS,
        _ => return None,
    })
}

fn push_multi(map: &mut IndexMap<String, Value>, key: String, value: Value) {
    match map.get_mut(&key) {
        Some(Value::Array(list)) => list.push(value),
        Some(first) => *first = Value::Array(vec![first.clone(), value]),
        None => {
            map.insert(key, value);
        }
    }
}

/// `base?a=1&b` -> (`base`, [(a, 1), (b, "")]); the fragment is dropped.
fn split_query(url: &str) -> (String, Vec<(String, String)>) {
    let url = url.split('#').next().unwrap_or(url);
    let Some((base, q)) = url.split_once('?') else {
        return (url.to_string(), Vec::new());
    };
    let params = q
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (p.to_string(), String::new()),
        })
        .collect();
    (base.to_string(), params)
}

fn build_url(p: &super::collection::UrlParts) -> String {
    let join = |v: &Option<Value>, sep: &str| match v {
        Some(Value::Array(parts)) => parts
            .iter()
            .map(|x| match x {
                Value::Object(o) => value_text(o.get("value")),
                other => value_text(Some(other)),
            })
            .collect::<Vec<_>>()
            .join(sep),
        other => value_text(other.as_ref()),
    };
    let mut url = String::new();
    if let Some(proto) = &p.protocol {
        url.push_str(proto);
        url.push_str("://");
    }
    url.push_str(&join(&p.host, "."));
    if let Some(port) = &p.port {
        url.push(':');
        url.push_str(port);
    }
    let path = join(&p.path, "/");
    if !path.is_empty() {
        url.push('/');
        url.push_str(&path);
    }
    url
}

/// Query values as typed in Postman may be percent-encoded; the runner encodes them again.
fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len() + 1
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).and_then(|b| hex(*b)),
                bytes.get(i + 2).and_then(|b| hex(*b)),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

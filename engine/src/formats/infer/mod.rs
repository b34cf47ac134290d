//! Data-flow inference for recorded requests (HAR files, curl commands):
//! each value a request sends that an earlier response held becomes a
//! reference to a capture on that earlier step, so the spec replays with
//! new ids, codes and tokens, and the dependency graph comes out of it.
//!
//! The rules:
//! - a value is linked to the latest earlier response that holds it, among
//!   those that came before any request sent it (a response that echoes
//!   what was sent is not where it came from), and only when it is
//!   [`values::meaningful`]: at least 8 characters and not a plain word,
//!   or a one-time code of 6 or 7 digits (JSON integers alike), or an
//!   all-capitals code of 8 to 10 letters from a field named like a code;
//! - what no response gave becomes an input (base URLs, one client per
//!   origin; credentials, secret and never written down: credential-named
//!   fields, `Authorization` and other credential headers, secrets the
//!   redaction layer finds in raw bodies; user names and
//!   ids in paths, with the recorded value as default) or a template
//!   function (`uuid()`, `random_string()`, `pkce()`, `client_secret_jwt()`);
//! - repeated requests that got an error until one succeeded are one step
//!   that polls (`until`);
//! - `needs` only where no value links two steps but order mattered: both
//!   touch the same value or body input and one of them writes;
//! - trailing DELETE requests are cleanup, run in recorded order.

mod assertion;
pub mod exchange;
mod naming;
mod rewrite;
mod sources;
mod values;

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;
use serde_json::Value as Json;

pub use exchange::{Body, Exchange, Seen};
use rewrite::{Place, Site, expression};
use sources::Source;
use values::{Inputs, MASK, Rank};

use super::GeneratedSpec;
use super::names::{snake, unique};
use super::postman::order::{self, Access};
use super::postman::variables::{Ref, Site as RefSite};
use crate::redact::{is_secret_header, is_secret_name};
use crate::spec::duration::Duration;
use crate::spec::model::{
    Capture, CaptureSpec, Client, Expect, Input, JsonBody, JsonType, Matcher, MatcherOps, Method,
    Request, Spec, StatusExpect, StatusPattern, Step, Until,
};

/// What the imported spec is called, and what the file says on top.
pub struct Options {
    pub name: String,
    pub title: String,
    pub tags: Vec<String>,
    /// Comment lines above the spec.
    pub header: Vec<String>,
}

/// The spec, and what the user must know: inputs that need values.
pub struct Inferred {
    pub spec: GeneratedSpec,
    pub notes: Vec<String>,
}

/// Infers the spec of `exchanges`, in the order they were sent.
pub fn infer(exchanges: Vec<Exchange>, options: &Options) -> Result<Inferred, String> {
    let (xs, polls) = collapse_polls(exchanges);
    if xs.is_empty() {
        return Err("no requests to import".into());
    }
    let mut inf = Inference::new(&xs);
    let cleanup_from = xs
        .iter()
        .rposition(|x| x.method != Method::DELETE)
        .map_or(0, |i| i + 1);
    let mut steps = Vec::with_capacity(xs.len());
    for (i, until) in polls.into_iter().enumerate() {
        steps.push(inf.step(&xs, i, until));
    }
    inf.finish(steps, cleanup_from, options)
}

struct Inference {
    /// The first request that sent each value.
    first_sent: HashMap<String, usize>,
    /// Values sent in fields named like credentials, with that name.
    secret_values: HashMap<String, String>,
    /// PKCE verifiers sent anywhere, by their S256 challenge.
    verifiers: HashMap<String, String>,
    sources: Vec<HashMap<String, Source>>,
    ids: Vec<String>,
    taken_ids: HashSet<String>,
    outputs: Vec<IndexMap<String, Capture>>,
    output_keys: HashMap<(usize, String), String>,
    refs: Vec<Vec<(Ref, RefSite)>>,
    inputs: Inputs,
    /// Origin -> client name and the expression of its base URL.
    clients: IndexMap<String, (String, String)>,
    single_origin: bool,
    /// The request being rewritten goes to a token endpoint.
    at_token: bool,
    /// User name inputs: their recorded value and expression.
    user_names: Vec<(String, String)>,
    /// Outputs (step, name) that capture a JSON integer.
    numeric: HashSet<(usize, String)>,
}

/// Whether a value sent at `site` is a credential whatever it looks like.
fn is_secret_site(site: Site<'_>) -> bool {
    match site.place {
        Place::BasicPassword | Place::Bearer | Place::Raw => true,
        Place::Header => is_secret_header(site.name),
        _ => is_secret_name(site.name),
    }
}

impl Inference {
    fn new(xs: &[Exchange]) -> Self {
        let mut first_sent = HashMap::new();
        let mut secret_values = HashMap::new();
        let mut verifiers = HashMap::new();
        for (i, x) in xs.iter().enumerate() {
            rewrite::rewrite(x, &mut |v, site| {
                first_sent.entry(v.to_string()).or_insert(i);
                if is_secret_site(site) {
                    secret_values
                        .entry(v.to_string())
                        .or_insert_with(|| site.name.to_string());
                }
                if snake(site.name) == "code_verifier" {
                    verifiers.insert(assertion::pkce_challenge(v), v.to_string());
                }
                None
            });
        }
        let sources = xs
            .iter()
            .map(|x| match &x.response {
                Some(seen) if x.method != Method::DELETE => sources::index(seen, &x.url),
                _ => HashMap::new(),
            })
            .collect();
        let origins: HashSet<String> = xs.iter().map(|x| origin(&x.url)).collect();
        Self {
            first_sent,
            secret_values,
            verifiers,
            sources,
            ids: Vec::new(),
            taken_ids: HashSet::new(),
            outputs: vec![IndexMap::new(); xs.len()],
            output_keys: HashMap::new(),
            refs: vec![Vec::new(); xs.len()],
            inputs: Inputs::default(),
            clients: IndexMap::new(),
            single_origin: origins.len() == 1,
            at_token: false,
            user_names: Vec::new(),
            numeric: HashSet::new(),
        }
    }

    fn step(&mut self, xs: &[Exchange], i: usize, until: Option<Until>) -> Step {
        let x = &xs[i];
        let client = self.client(&x.url).0;
        self.at_token = x.url.path().ends_with("/token");
        let rw = rewrite::rewrite(x, &mut |v, site| self.resolve(xs, i, v, site));
        let id = naming::step_id(x.method, &rw.words, x.header("content-type"));
        let id = unique(&id, &mut self.taken_ids, "_");
        self.ids.push(id.clone());
        let status = x.response.as_ref().map(|r| r.status);
        Step {
            title: Some(x.title.clone().unwrap_or_else(|| naming::title(&id))),
            client: Some(client),
            request: Some(Box::new(Request {
                method: x.method,
                url: rw.path,
                query: rw.query,
                headers: rw.headers,
                json: rw.json.as_ref().map(JsonBody::from),
                form: rw.form.map(Box::new),
                body: rw.body,
            })),
            expect: status.map(|s| {
                Box::new(Expect {
                    status: Some(StatusExpect::One(StatusPattern::Code(s))),
                    ..Expect::default()
                })
            }),
            until: until.map(Box::new),
            ..Step::default()
        }
    }

    /// The client of an origin, made on first sight: name and base URL expression.
    fn client(&mut self, url: &url::Url) -> (String, String) {
        let origin = origin(url);
        if let Some(c) = self.clients.get(&origin) {
            return c.clone();
        }
        let mut taken: HashSet<String> = self.clients.values().map(|c| c.0.clone()).collect();
        let (name, input) = if self.single_origin {
            ("api".to_string(), "base_url".to_string())
        } else {
            let name = unique(
                &naming::client_name(url.host_str().unwrap_or("")),
                &mut taken,
                "_",
            );
            let input = format!("{name}_url");
            (name, input)
        };
        let expr = self.inputs.fixed(
            &format!("\0origin:{origin}"),
            &input,
            Input {
                description: Some(format!(
                    "Base URL of the `{name}` client (recorded: {origin})"
                )),
                default: Some(Json::String(origin.clone())),
                ..Input::default()
            },
        );
        self.clients.insert(origin, (name.clone(), expr.clone()));
        (name, expr)
    }

    /// What value `v` sent at `site` by request `i` becomes; `None` keeps it.
    fn resolve(&mut self, xs: &[Exchange], i: usize, v: &str, site: Site<'_>) -> Option<String> {
        if v.is_empty() {
            return None;
        }
        if v.contains("{{") {
            return Some(self.placeholders(xs, i, v, site));
        }
        if v == MASK {
            let name = self.secret_name(site);
            let key = format!("\0masked:{name}");
            let secret = site.place != Place::BasicUser;
            let expr = self.input(i, &key, &name, Rank::Field, secret, None, site);
            return Some(template(&expr));
        }
        let key = snake(site.name);
        if key == "client_assertion"
            && let Some(t) = self.client_assertion(xs, i, v)
        {
            return Some(t);
        }
        if let Some(t) = self.pkce(i, &key, v, site) {
            return Some(t);
        }
        if let Some(expr) = self.inputs.known(v) {
            // Sent as a credential after it became a plain input: its
            // recorded default must not be written.
            if is_secret_site(site) {
                self.inputs.mark_secret(v);
            }
            // A later use may name it better: `/environments/{id}` after `/{id}/as/token`.
            if site.place == Place::Path && !site.name.is_empty() && !values::id_like(site.name) {
                let name = format!("{}_id", naming::singular(&snake(site.name)));
                self.inputs
                    .reference(v, &name, Rank::Segment, false, None, "");
            }
            self.note_ref(i, Ref::Input(expr.clone()), site);
            return Some(template(&expr));
        }
        if let Some(j) = self.latest_source(i, v)
            && (values::meaningful(v) || self.is_code_from(j, v))
        {
            return Some(self.link(i, j, v, site));
        }
        if matches!(site.place, Place::Json | Place::Form | Place::Query)
            && let Some(g) = values::generated(v, site.name)
        {
            return Some(g.to_string());
        }
        if self.secret_values.contains_key(v) || is_secret_site(site) {
            let name = self.secret_name(site);
            let expr = self.input(i, v, &name, Rank::Field, true, None, site);
            return Some(template(&expr));
        }
        let (name, rank) = match site.place {
            Place::BasicUser => {
                let name = if self.at_token {
                    "client_id"
                } else {
                    "username"
                };
                (name.to_string(), Rank::Field)
            }
            Place::Path if values::id_like(v) => {
                if site.name.is_empty() || values::id_like(site.name) {
                    ("path_id".to_string(), Rank::Position)
                } else {
                    (
                        format!("{}_id", naming::singular(&snake(site.name))),
                        Rank::Segment,
                    )
                }
            }
            Place::Query | Place::Form | Place::Json if values::is_user_name(site.name) => {
                (snake(site.name), Rank::Field)
            }
            Place::Query | Place::Form | Place::Json => return self.user_name_within(v),
            _ => return None,
        };
        let expr = self.input(i, v, &name, rank, false, Some(v), site);
        if values::is_user_name(site.name) {
            self.user_names.push((v.to_string(), expr.clone()));
        }
        Some(template(&expr))
    }

    /// A value that holds a user name input's value (`alice@example.com`
    /// after `alice`): the name as a reference, the rest as it was.
    fn user_name_within(&self, v: &str) -> Option<String> {
        let (value, expr) = self
            .user_names
            .iter()
            .find(|(value, _)| value.len() >= values::MIN_LINKED && v.contains(value.as_str()))?;
        let parts: Vec<String> = v.split(value.as_str()).map(rewrite::literal).collect();
        Some(parts.join(&template(expr)))
    }

    /// An input reference, recorded for the ordering of steps.
    #[allow(clippy::too_many_arguments)]
    fn input(
        &mut self,
        i: usize,
        key: &str,
        name: &str,
        rank: Rank,
        secret: bool,
        default: Option<&str>,
        site: Site<'_>,
    ) -> String {
        let description = match (secret, site.place) {
            (true, _) => "A credential the requests send; never written to the file",
            (false, _) if default.is_none() => "A placeholder of the requests; give its value",
            (false, Place::Path) => {
                "An id the requests send in their paths (default: the recorded one)"
            }
            (false, Place::BasicUser) => {
                "The user of Basic authentication (default: the recorded one)"
            }
            (false, _) => "Sent by the requests (default: the recorded value)",
        };
        let expr = self
            .inputs
            .reference(key, name, rank, secret, default, description);
        self.note_ref(i, Ref::Input(expr.clone()), site);
        expr
    }

    /// The name of the input holding a credential sent at `site`.
    fn secret_name(&self, site: Site<'_>) -> String {
        match site.place {
            Place::BasicPassword if self.at_token => "client_secret".into(),
            Place::BasicPassword => "password".into(),
            Place::Bearer => "access_token".into(),
            Place::BasicUser if self.at_token => "client_id".into(),
            Place::BasicUser => "username".into(),
            _ if is_secret_name(site.name) => snake(site.name),
            Place::Header if is_secret_header(site.name) => snake(site.name),
            Place::Raw => "secret".into(),
            _ => "password".into(),
        }
    }

    /// `{{envID}}` placeholders (tutorials, Postman) become inputs.
    fn placeholders(&mut self, xs: &[Exchange], i: usize, v: &str, site: Site<'_>) -> String {
        let re = regex::Regex::new(r"\{\{\s*([A-Za-z_$][\w.$-]*)\s*\}\}").expect("valid regex");
        let mut out = String::new();
        let mut last = 0;
        for c in re.captures_iter(v) {
            let whole = c.get(0).expect("a match");
            out.push_str(&rewrite::literal(&v[last..whole.start()]));
            let raw = &c[1];
            let name = snake(raw);
            if let Some(t) = self.token_field(xs, i, &name, site) {
                out.push_str(&t);
                last = whole.end();
                continue;
            }
            let secret = is_secret_name(&name) || is_secret_name(raw);
            let key = format!("\0placeholder:{raw}");
            let expr = self.input(i, &key, &name, Rank::Field, secret, None, site);
            out.push_str(&template(&expr));
            last = whole.end();
        }
        out.push_str(&rewrite::literal(&v[last..]));
        out
    }

    /// A `{{accessToken}}` placeholder after a token request: the field of
    /// the token response it names (RFC 6749), captured on that request.
    fn token_field(
        &mut self,
        xs: &[Exchange],
        i: usize,
        name: &str,
        site: Site<'_>,
    ) -> Option<String> {
        if !matches!(name, "access_token" | "id_token" | "refresh_token") {
            return None;
        }
        let j = (0..i).rev().find(|&j| {
            xs[j].url.path().ends_with("/token")
                && xs[j].response.as_ref().is_none_or(|r| r.json.is_some())
        })?;
        let output = self.output(j, &Source::field(name));
        let step = self.ids[j].clone();
        self.note_ref(
            i,
            Ref::Step {
                step: step.clone(),
                output: output.clone(),
            },
            site,
        );
        Some(format!("{{{{ steps.{step}.outputs.{output} }}}}"))
    }

    /// The latest response before request `i` (and before any request
    /// sent `v`) that holds `v`.
    fn latest_source(&self, i: usize, v: &str) -> Option<usize> {
        let limit = self.first_sent.get(v).copied().unwrap_or(i).min(i);
        (0..limit).rev().find(|&j| self.sources[j].contains_key(v))
    }

    /// An all-capitals code (`verification_code: "QWERTYUI"`) response `j`
    /// gave under a name like a code: letters only, it reads as a word,
    /// but where it came from says it is none.
    fn is_code_from(&self, j: usize, v: &str) -> bool {
        values::capitals_code(v) && values::code_name(&self.sources[j][v].name)
    }

    /// A reference to response `j`'s `v`, adding the capture.
    fn link(&mut self, i: usize, j: usize, v: &str, site: Site<'_>) -> String {
        let source = self.sources[j][v].clone();
        let name = self.output(j, &source);
        let step = self.ids[j].clone();
        let t = format!("{{{{ steps.{step}.outputs.{name} }}}}");
        self.note_ref(i, Ref::Step { step, output: name }, site);
        t
    }

    /// The output of step `j` that captures `source`, added when new.
    fn output(&mut self, j: usize, source: &Source) -> String {
        let key = (
            j,
            serde_json::to_string(&source.capture).unwrap_or_default(),
        );
        if let Some(name) = self.output_keys.get(&key) {
            return name.clone();
        }
        let mut taken: HashSet<String> = self.outputs[j].keys().cloned().collect();
        let name = unique(&source.name, &mut taken, "_");
        let secret = is_secret_name(&name);
        let capture = match &source.capture {
            CaptureSpec {
                json: Some(path), ..
            } if !secret => Capture::Path(path.clone()),
            c => Capture::Full(Box::new(CaptureSpec {
                secret,
                ..c.clone()
            })),
        };
        if source.number {
            self.numeric.insert((j, name.clone()));
        }
        self.outputs[j].insert(name.clone(), capture);
        self.output_keys.insert(key, name.clone());
        name
    }

    fn note_ref(&mut self, i: usize, r: Ref, site: Site<'_>) {
        let at = match site.place {
            Place::Path | Place::Query => RefSite::Url,
            Place::Header | Place::Bearer | Place::BasicUser | Place::BasicPassword => {
                RefSite::Header
            }
            Place::Form | Place::Json | Place::Raw => RefSite::Body,
        };
        self.refs[i].push((r, at));
    }

    /// A CLIENT_SECRET_JWT assertion: `client_secret_jwt(...)` with the
    /// client id, the secret that verifies its signature and the audience.
    fn client_assertion(&mut self, xs: &[Exchange], i: usize, v: &str) -> Option<String> {
        let a = assertion::parse(v)?;
        let issuer_site = Site {
            place: Place::Form,
            name: "client_id",
        };
        let issuer = self.resolve(xs, i, &a.issuer, issuer_site);
        let client = expression(issuer, &a.issuer);
        let found = (0..i).rev().find_map(|j| {
            self.sources[j]
                .iter()
                .find(|(value, s)| s.name.ends_with("secret") && a.signed_with(value))
                .map(|(_, s)| (j, s.clone()))
        });
        let secret_site = Site {
            place: Place::Form,
            name: "client_secret",
        };
        let secret = match found {
            Some((j, source)) => {
                let name = self.output(j, &source);
                let step = self.ids[j].clone();
                self.note_ref(
                    i,
                    Ref::Step {
                        step: step.clone(),
                        output: name.clone(),
                    },
                    secret_site,
                );
                format!("steps.{step}.outputs.{name}")
            }
            None => self.input(
                i,
                "\0assertion",
                "client_secret",
                Rank::Field,
                true,
                None,
                secret_site,
            ),
        };
        let audience = self.url_expression(xs, i, &a.audience);
        Some(format!(
            "{{{{ client_secret_jwt(client_id={client}, secret={secret}, audience={audience}) }}}}"
        ))
    }

    /// A URL as an expression: its client's base URL and its path, ids as
    /// references (`inputs.base_url ~ '/' ~ inputs.env_id ~ '/as/token'`).
    fn url_expression(&mut self, xs: &[Exchange], i: usize, url: &str) -> String {
        let Ok(parsed) = url::Url::parse(url) else {
            return expression(None, url);
        };
        let base = self.client(&parsed).1;
        let mut parts = vec![base];
        let mut literal = String::new();
        let mut prev = String::new();
        for seg in parsed.path_segments().into_iter().flatten() {
            literal.push('/');
            let decoded = rewrite::percent_decode(seg);
            let site = Site {
                place: Place::Path,
                name: &prev,
            };
            match self.resolve(xs, i, &decoded, site) {
                Some(t) => {
                    parts.push(expression(None, &std::mem::take(&mut literal)));
                    parts.push(expression(Some(t), &decoded));
                }
                None => literal.push_str(seg),
            }
            prev = decoded;
        }
        if !literal.is_empty() {
            parts.push(expression(None, &literal));
        }
        parts.join(" ~ ")
    }

    /// A PKCE pair: the challenge of a verifier sent later, and that verifier.
    fn pkce(&mut self, i: usize, key: &str, v: &str, site: Site<'_>) -> Option<String> {
        let part = match key {
            "code_challenge" if self.verifiers.contains_key(v) => "challenge",
            "code_verifier" if self.verifiers.values().any(|x| x == v) => "verifier",
            _ => return None,
        };
        let expr = self.inputs.fixed(
            "\0pkce",
            "pkce",
            Input {
                description: Some("PKCE verifier and S256 challenge of this run".into()),
                default: Some(Json::String("{{ pkce() }}".into())),
                secret: Some(true),
                ..Input::default()
            },
        );
        self.note_ref(i, Ref::Input(expr.clone()), site);
        Some(format!("{{{{ {expr}.{part} }}}}"))
    }

    fn finish(
        mut self,
        mut steps: Vec<Step>,
        cleanup_from: usize,
        options: &Options,
    ) -> Result<Inferred, String> {
        // What later steps read is what the response must hold.
        for (j, (step, outputs)) in steps.iter_mut().zip(&self.outputs).enumerate() {
            step.outputs = outputs.clone();
            for (name, capture) in outputs {
                if let Some(path) = &capture.spec().json {
                    let expect = step.expect.get_or_insert_with(Box::default);
                    let type_ = if self.numeric.contains(&(j, name.clone())) {
                        JsonType::Integer
                    } else {
                        JsonType::String
                    };
                    expect.body.insert(
                        path.clone(),
                        Matcher::Ops(Box::new(MatcherOps {
                            type_: Some(type_),
                            ..MatcherOps::default()
                        })),
                    );
                }
            }
        }
        let accesses: Vec<Access> = steps[..cleanup_from]
            .iter()
            .zip(&self.ids)
            .zip(std::mem::take(&mut self.refs))
            .map(|((s, id), refs)| Access {
                id: id.clone(),
                write: s.request.as_ref().is_some_and(|r| {
                    !matches!(r.method, Method::GET | Method::HEAD | Method::OPTIONS)
                }),
                refs,
            })
            .collect();
        let needs = order::needs(&accesses);
        let mut spec = Spec {
            version: 1,
            name: options.name.clone(),
            title: Some(options.title.clone()),
            tags: options.tags.clone(),
            ..Spec::default()
        };
        for (name, expr) in self.clients.values() {
            spec.clients.insert(
                name.clone(),
                Client {
                    base_url: Some(template(expr)),
                    ..Client::default()
                },
            );
        }
        let mut previous_cleanup: Option<String> = None;
        for (i, (mut step, id)) in steps.into_iter().zip(self.ids.clone()).enumerate() {
            if i < cleanup_from {
                step.needs = needs[i].clone();
                spec.steps.insert(id, step);
            } else {
                // Cleanup ran in this order; it may have had to.
                step.needs = previous_cleanup.iter().cloned().collect();
                previous_cleanup = Some(id.clone());
                spec.cleanup.insert(id, step);
            }
        }
        let needing = self.inputs.needing_values();
        let (inputs, names) = self.inputs.finish();
        spec.inputs = inputs;
        let spec = rename(spec, &names)?;
        let input_names: Vec<&String> = spec.inputs.keys().collect();
        let notes = needing
            .into_iter()
            .map(|(i, secret)| {
                let name = input_names[i];
                if secret {
                    format!("input `{name}` needs a value (a secret: not written to the file); give it with --set {name}=... or --inputs FILE")
                } else {
                    format!("input `{name}` needs a value; give it with --set {name}=... or --inputs FILE")
                }
            })
            .collect();
        let yaml = super::yaml::render(&spec, &options.header, &IndexMap::new())?;
        Ok(Inferred {
            spec: GeneratedSpec {
                name: spec.name.clone(),
                spec,
                yaml,
            },
            notes,
        })
    }
}

fn template(expr: &str) -> String {
    format!("{{{{ {expr} }}}}")
}

fn origin(url: &url::Url) -> String {
    url.origin().ascii_serialization()
}

/// Puts the final input names where placeholders stand.
fn rename(spec: Spec, names: &[(String, String)]) -> Result<Spec, String> {
    fn walk(v: &mut Json, names: &[(String, String)]) {
        match v {
            Json::String(s) if s.contains('\u{1}') => {
                for (from, to) in names {
                    *s = s.replace(from, to);
                }
            }
            Json::Array(items) => items.iter_mut().for_each(|i| walk(i, names)),
            Json::Object(map) => map.values_mut().for_each(|i| walk(i, names)),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(&spec).map_err(|e| e.to_string())?;
    walk(&mut value, names);
    serde_json::from_value(value).map_err(|e| format!("cannot build the spec: {e}"))
}

/// Requests sent again and again until one succeeded (a device polling
/// for its token) become one step that polls: each keeps its first place
/// and the last response.
fn collapse_polls(exchanges: Vec<Exchange>) -> (Vec<Exchange>, Vec<Option<Until>>) {
    let signature = |x: &Exchange| format!("{} {} {:?}", x.method.as_str(), x.url, x.body);
    let mut out: Vec<Exchange> = Vec::new();
    let mut starts: Vec<Vec<f64>> = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    let mut pending: HashMap<String, usize> = HashMap::new();
    for x in exchanges {
        let status = x.response.as_ref().map_or(0, |r| r.status);
        let sig = signature(&x);
        if let Some(&at) = pending.get(&sig) {
            if status < 400 {
                pending.remove(&sig);
            }
            starts[at].extend(x.started_ms);
            counts[at] += 1;
            out[at].response = x.response;
            continue;
        }
        if status >= 400 && x.response.is_some() {
            pending.insert(sig, out.len());
        }
        starts.push(x.started_ms.into_iter().collect());
        counts.push(1);
        out.push(x);
    }
    let polls = out
        .iter()
        .zip(starts.iter().zip(&counts))
        .map(|(x, (times, &count))| {
            if count < 2 {
                return None;
            }
            let status = x.response.as_ref()?.status;
            let gap = times.windows(2).map(|w| w[1] - w[0]).fold(1000.0, f64::max);
            let interval = (gap / 1000.0).round().max(1.0) as u64;
            let span = match (times.first(), times.last()) {
                (Some(a), Some(b)) => (b - a) / 1000.0,
                _ => 0.0,
            };
            let timeout = ((span * 2.0).ceil() as u64 + interval).max(60);
            Some(Until {
                condition: format!("response.status == {status}"),
                interval: Some(Duration(std::time::Duration::from_secs(interval))),
                timeout: Some(Duration(std::time::Duration::from_secs(timeout))),
                max_attempts: None,
            })
        })
        .collect();
    (out, polls)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(method: Method, url: &str, body: Body, response: Seen) -> Exchange {
        Exchange {
            response: Some(response),
            ..request(method, url, &[], body)
        }
    }

    fn options() -> Options {
        Options {
            name: "t".into(),
            title: "t".into(),
            tags: vec![],
            header: vec![],
        }
    }

    fn request(method: Method, url: &str, headers: &[(&str, &str)], body: Body) -> Exchange {
        Exchange {
            title: None,
            method,
            url: url::Url::parse(url).unwrap(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body,
            response: None,
            started_ms: None,
        }
    }

    fn json_seen(body: serde_json::Value) -> Seen {
        Seen {
            status: 200,
            headers: vec![],
            text: body.to_string(),
            json: Some(body),
        }
    }

    #[test]
    fn auth_headers_become_secret_inputs_with_their_scheme_kept() {
        let headers = [
            ("Authorization", "Bearer sk_live_51HqLyjWDarjtT1zdp7dc"),
            ("X-Token-Scheme", "Token tok_a1b2c3d4e5"),
            ("Proxy-Authorization", "Basic dXNlcjpwcjB4eXBhc3M="),
            ("Ocp-Apim-Subscription-Key", "0123abcd4567ef89"),
            ("X-Access-Key", "AKIAIOSFODNN7EXAMPLE"),
        ];
        let a = request(Method::GET, "http://h/a", &headers, Body::None);
        let digest = request(
            Method::GET,
            "http://h/b",
            &[(
                "Authorization",
                r#"Digest username="u", response="6629fae49393a053""#,
            )],
            Body::None,
        );
        let token = request(
            Method::GET,
            "http://h/c",
            &[("Authorization", "Token 9944b09199c62bcf9418ad846dd0e4bb")],
            Body::None,
        );
        let yaml = infer(vec![a, digest, token], &options()).unwrap().spec.yaml;
        for secret in [
            "sk_live_51HqLyjWDarjtT1zdp7dc",
            "dXNlcjpwcjB4eXBhc3M=",
            "pr0xypass",
            "0123abcd4567ef89",
            "AKIAIOSFODNN7EXAMPLE",
            "6629fae49393a053",
            "9944b09199c62bcf9418ad846dd0e4bb",
        ] {
            assert!(!yaml.contains(secret), "{secret}\n{yaml}");
        }
        assert!(yaml.contains("Bearer {{ inputs.access_token }}"), "{yaml}");
        assert!(yaml.contains("Digest {{ inputs."), "{yaml}");
        assert!(yaml.contains("Token {{ inputs."), "{yaml}");
        // Not a credential header: kept as recorded.
        assert!(yaml.contains("Token tok_a1b2c3d4e5"), "{yaml}");
    }

    #[test]
    fn credentials_in_text_bodies_and_numbers_are_never_written() {
        let json_as_text = request(
            Method::POST,
            "http://h/login",
            &[("Content-Type", "text/plain")],
            Exchange::body_from("text/plain", r#"{"user":"alice","password":"hunter2xyz"}"#),
        );
        let raw = request(
            Method::POST,
            "http://h/raw",
            &[("Content-Type", "text/plain")],
            Exchange::body_from("text/plain", "mode=x client_secret=zx81vq77pp end"),
        );
        let numbers = request(
            Method::POST,
            "http://h/verify",
            &[],
            Body::Json(serde_json::json!({"pin": 4821, "otp": 735911, "count": 3})),
        );
        let yaml = infer(vec![json_as_text, raw, numbers], &options())
            .unwrap()
            .spec
            .yaml;
        for secret in ["hunter2xyz", "zx81vq77pp", "4821", "735911"] {
            assert!(!yaml.contains(secret), "{secret}\n{yaml}");
        }
        assert!(yaml.contains("{{ inputs.password }}"), "{yaml}");
        assert!(
            yaml.contains("client_secret={{ inputs.client_secret }} end"),
            "{yaml}"
        );
        assert!(
            yaml.contains("{{ inputs.pin }}") && yaml.contains("{{ inputs.otp }}"),
            "{yaml}"
        );
        assert!(yaml.contains("count: 3"), "{yaml}");
    }

    #[test]
    fn a_value_later_sent_as_a_credential_has_no_default() {
        let first = request(
            Method::POST,
            "http://h/users",
            &[],
            Body::Json(serde_json::json!({"username": "Kq9vL2mZx8"})),
        );
        let second = request(
            Method::GET,
            "http://h/me",
            &[("Authorization", "Bearer Kq9vL2mZx8")],
            Body::None,
        );
        let yaml = infer(vec![first, second], &options()).unwrap().spec.yaml;
        assert!(!yaml.contains("Kq9vL2mZx8"), "{yaml}");
    }

    #[test]
    fn numeric_ids_and_capital_codes_are_linked() {
        let create = exchange(
            Method::POST,
            "http://h/orders",
            Body::Json(serde_json::json!({"item": "book"})),
            json_seen(serde_json::json!({"id": 123456, "verification_code": "QWERTYUI"})),
        );
        let read = exchange(
            Method::GET,
            "http://h/orders/123456",
            Body::None,
            json_seen(serde_json::json!({})),
        );
        let verify = exchange(
            Method::POST,
            "http://h/verify",
            Body::Json(serde_json::json!({"order": 123456, "code": "QWERTYUI"})),
            json_seen(serde_json::json!({})),
        );
        let yaml = infer(vec![create, read, verify], &options())
            .unwrap()
            .spec
            .yaml;
        assert!(!yaml.contains("123456"), "{yaml}");
        assert!(!yaml.contains("QWERTYUI"), "{yaml}");
        assert!(
            yaml.contains("/orders/{{ steps.create_order.outputs.id }}"),
            "{yaml}"
        );
        assert!(yaml.contains("type: integer"), "{yaml}");
    }

    /// 32 random bytes in base64url are letters only now and then: the
    /// code is still the one the redirect carried.
    #[test]
    fn a_code_of_letters_only_is_captured_from_the_redirect() {
        let code = "soVmadNvBUzDJnzSZQiEMrSJRPkzASuIPgnMRCGNfAY";
        let resume = exchange(
            Method::GET,
            "http://h/env/as/resume?flowId=2254c3cb-8a8a-4684-9118-951ee434d2a6",
            Body::None,
            Seen {
                status: 302,
                headers: vec![(
                    "location".into(),
                    format!("https://www.example.com?code={code}"),
                )],
                text: String::new(),
                json: None,
            },
        );
        let token = exchange(
            Method::POST,
            "http://h/env/as/token",
            Body::Form(vec![
                ("grant_type".into(), "authorization_code".into()),
                ("code".into(), code.into()),
            ]),
            json_seen(serde_json::json!({})),
        );
        let inferred = infer(vec![resume, token], &options()).unwrap();
        let yaml = &inferred.spec.yaml;
        assert!(yaml.contains("outputs.code }}"), "{yaml}");
        assert!(!yaml.contains("inputs.code"), "{yaml}");
    }
}

//! One step: `if`, `for_each`, `uses`, or a request with `retry` and
//! `until`, then expectations and captures, all within the step's `timeout`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use indexmap::IndexMap;
use minijinja::Value;
use serde_json::Value as Json;

use super::capture::capture;
use super::client::HttpClient;
use super::context::{Outputs, to_value};
use super::failure_site;
use super::locate::locate;
use super::response::{BodyError, BodyErrorKind, Response};
use super::retry::{self, Failure, Policy, Wait};
use super::{Ctx, Deferred, EventKind, expect, request, scheduler};
use crate::redact::{MASK, is_secret_name};
use crate::report::{Location, Phase, Status, StepReport};
use crate::spec::model::{Capture, Expect, Step};

/// How much of a response body failure messages show.
const EXCERPT: usize = 2048;

/// How much of one request or response `-vv` prints.
const DUMP_LIMIT: usize = 64 * 1024;

/// Longer than any secret a dump may have to mask.
const SECRET_MARGIN: usize = 8 * 1024;

/// The shortest pause between `until` polls, whatever `interval` says.
const MIN_POLL_INTERVAL: Duration = Duration::from_millis(50);

fn lookup<'a>(ctx: &'a Ctx, id: &str, phase: Phase) -> Option<&'a Step> {
    match phase {
        Phase::Main => ctx.loaded.spec.steps.get(id),
        Phase::Cleanup => ctx.loaded.spec.cleanup.get(id),
    }
}

/// Does the step send requests itself (and so run under a permit of the
/// `--max-parallel` cap)? A `uses` step only waits for its own steps.
pub(crate) fn sends_requests(ctx: &Ctx, id: &str, phase: Phase) -> bool {
    lookup(ctx, id, phase).is_none_or(|s| s.uses.is_none())
}

/// The report of a step that did not run.
pub(crate) fn skipped(ctx: &Ctx, id: &str, phase: Phase, reason: String) -> StepReport {
    let title = lookup(ctx, id, phase).and_then(|s| s.title.clone());
    let mut r = StepReport::new(id, title, phase, Status::Skipped);
    r.started_ms = ctx.started.elapsed().as_millis() as u64;
    r.message = Some(reason);
    r
}

/// What a step has sent so far, kept outside the step's future so that a
/// step that times out or is interrupted still reports it.
#[derive(Default)]
struct Sent {
    /// Requests sent, retries and polls included.
    attempts: AtomicU32,
    /// The last request: method and URL, not yet redacted.
    request: std::sync::Mutex<Option<String>>,
}

impl Sent {
    fn record(&self, method: &str, url: &str) {
        if let Ok(mut last) = self.request.lock() {
            *last = Some(format!("{method} {url}"));
        }
    }
}

/// What running a step produced.
#[derive(Default)]
struct Outcome {
    status: Option<Status>,
    http_status: Option<u16>,
    attempts: u32,
    outputs: serde_json::Map<String, Json>,
    message: Option<String>,
    children: Vec<StepReport>,
}

impl Outcome {
    fn failed(message: String) -> Self {
        Self {
            status: Some(Status::Failed),
            message: Some(message),
            ..Self::default()
        }
    }
    fn passed(&self) -> bool {
        self.status == Some(Status::Passed)
    }
}

pub(crate) async fn run(ctx: &Arc<Ctx>, id: &str, phase: Phase) -> StepReport {
    let Some(step) = lookup(ctx, id, phase) else {
        return skipped(ctx, id, phase, "no such step".into());
    };
    // An interrupt while it waited for a permit: it never started.
    let level = if phase == Phase::Main { 1 } else { 2 };
    if step.uses.is_none() && ctx.options.cancel.level() >= level {
        let report = skipped(ctx, id, phase, scheduler::INTERRUPTED.into());
        ctx.emit(EventKind::StepFinished(&report));
        return report;
    }
    ctx.emit(EventKind::StepStarted { step: id });
    let started = Instant::now();
    let started_ms = ctx.started.elapsed().as_millis() as u64;
    let sent = Sent::default();
    let body = async {
        let body = run_body(ctx, id, step, &sent);
        match step.timeout {
            Some(limit) => tokio::time::timeout(limit.0, body)
                .await
                .unwrap_or_else(|_| Outcome::failed(format!("timed out after {limit}"))),
            None => body.await,
        }
    };
    // An interrupt ends the step where it is (the first one main steps, the
    // second cleanup); a sub-workflow ends its own steps and returns.
    let mut outcome = if step.uses.is_some() {
        body.await
    } else {
        tokio::select! {
            biased;
            () = ctx.options.cancel.reached(level) => Outcome::failed(scheduler::INTERRUPTED.into()),
            outcome = body => outcome,
        }
    };
    let site = match (&outcome.message, outcome.status) {
        (Some(m), Some(Status::Failed) | None) => failure_site::site(ctx, phase, id, step, m),
        _ => None,
    };
    outcome.message = outcome.message.map(|m| locate(ctx, phase, id, step, m));
    let status = outcome.status.unwrap_or(Status::Failed);
    let mut report = StepReport::new(id, step.title.clone(), phase, status);
    report.started_ms = started_ms;
    report.duration = started.elapsed();
    report.http_status = outcome.http_status;
    report.attempts = outcome.attempts.max(sent.attempts.load(Ordering::Relaxed));
    let request = sent.request.lock().ok().and_then(|mut r| r.take());
    report.request = request.map(|r| ctx.state.redactor.redact(&r));
    report.message = outcome.message.map(|m| ctx.state.redactor.redact(&m));
    if status == Status::Failed {
        report.location = Some(location(ctx, phase, id));
        report.site = site;
    }
    report.steps = outcome.children;
    report.allowed_failure = status == Status::Failed && step.continue_on_error;
    let outputs = Arc::new(outcome.outputs);
    if phase == Phase::Main && (status == Status::Passed || report.allowed_failure) {
        ctx.state.steps.insert(id, outputs.clone());
    }
    report.outputs = shown_outputs(ctx, id, outputs);
    ctx.emit(EventKind::StepFinished(&report));
    report
}

/// A step's outputs as its report shows them, secrets masked: the captured
/// map itself when nothing in it is (both live for the whole run).
fn shown_outputs(ctx: &Ctx, id: &str, outputs: Outputs) -> Outputs {
    // Sized once: a map grown by inserting holds room for three times its entries.
    let mut shown = serde_json::Map::with_capacity(outputs.len());
    for (name, value) in outputs.iter() {
        let value = if ctx.state.is_secret_path(&["steps", id, "outputs", name]) {
            Json::String(MASK.into())
        } else {
            let mut value = value.clone();
            ctx.state.redactor.redact_value(&mut value);
            value
        };
        shown.insert(name.clone(), value);
    }
    if shown == *outputs {
        outputs
    } else {
        Arc::new(shown)
    }
}

/// Where the step is written (its key), for failures.
fn location(ctx: &Ctx, phase: Phase, id: &str) -> Location {
    let section = match phase {
        Phase::Main => "steps",
        Phase::Cleanup => "cleanup",
    };
    let path = crate::spec::field_path::key(section, id);
    let file = ctx.loaded.file_of(&path);
    let at = file.map().key(&path);
    Location {
        file: file.name.clone(),
        line: at.line,
        column: at.col,
    }
}

async fn run_body(ctx: &Arc<Ctx>, id: &str, step: &Step, sent: &Sent) -> Outcome {
    if let Some(condition) = &step.if_ {
        match ctx.state.scope(&[]).condition(condition) {
            Ok(true) => {}
            Ok(false) => {
                return Outcome {
                    status: Some(Status::Skipped),
                    message: Some(format!("`if: {condition}` is false")),
                    ..Outcome::default()
                };
            }
            Err(e) => return Outcome::failed(format!("if: {e}")),
        }
    }
    if let Some(items) = &step.for_each {
        for_each(ctx, id, step, items, sent).await
    } else if step.uses.is_some() {
        uses(ctx, id, step).await
    } else {
        exchange(ctx, id, step, &[], sent).await
    }
}

async fn for_each(ctx: &Arc<Ctx>, id: &str, step: &Step, items: &Json, sent: &Sent) -> Outcome {
    use futures::StreamExt;
    let items = match ctx.state.scope(&[]).render_value(items) {
        Ok(Json::Array(items)) => items,
        Ok(other) => {
            let kind = if other.is_object() {
                "an object"
            } else {
                "a single value"
            };
            return Outcome::failed(format!("for_each: expected a list, got {kind}"));
        }
        Err(e) => return Outcome::failed(format!("for_each: {e}")),
    };
    let concurrency = step.concurrency.unwrap_or(1).max(1) as usize;
    let results: Vec<Outcome> = futures::stream::iter(items.into_iter().enumerate())
        .map(|(i, item)| async move {
            let extras = [("item", to_value(&item)), ("index", Value::from(i))];
            exchange(ctx, id, step, &extras, sent).await
        })
        .buffered(concurrency)
        .collect()
        .await;
    let mut out = Outcome {
        status: Some(Status::Passed),
        ..Outcome::default()
    };
    for name in step.outputs.keys() {
        let values = results
            .iter()
            .map(|r| r.outputs.get(name).cloned().unwrap_or(Json::Null))
            .collect();
        out.outputs.insert(name.clone(), Json::Array(values));
    }
    for (i, r) in results.into_iter().enumerate() {
        out.http_status = r.http_status.or(out.http_status);
        if !r.passed() && out.message.is_none() {
            out.status = Some(Status::Failed);
            out.message = Some(format!("iteration {i}: {}", r.message.unwrap_or_default()));
        }
    }
    out
}

/// A `uses` step: the sub-spec runs as a nested run with `with` inputs; its
/// workflow outputs become this step's outputs, its cleanup waits for ours.
async fn uses(ctx: &Arc<Ctx>, id: &str, step: &Step) -> Outcome {
    let Some(sub) = ctx.loaded.subspecs.get(id).cloned() else {
        return Outcome::failed("the sub-workflow did not load".into());
    };
    let scope = ctx.state.scope(&[]);
    let mut with = IndexMap::new();
    let mut secret_with = Vec::new();
    for (name, value) in &step.with {
        match scope.render_value(value) {
            Ok(v) => {
                if value.as_str().is_some_and(|s| ctx.state.reads_secret(s)) {
                    secret_with.push(name.clone());
                }
                with.insert(name.clone(), v);
            }
            Err(e) => return Outcome::failed(format!("with.{name}: {e}")),
        }
    }
    let analysis = crate::spec::analyze(&sub);
    let prepared = super::prepare_loaded(
        sub,
        analysis.deps.clone(),
        analysis.cleanup_deps.clone(),
        ctx.sources.clone(),
        &with,
        ctx.state.redactor.clone(),
    );
    let mut prepared = match prepared {
        Ok(p) => p,
        Err(e) => return Outcome::failed(e.message),
    };
    prepared.inputs.secret.extend(secret_with);
    let label = format!("{} › {id}", ctx.label);
    let sub_ctx = match super::new_ctx(prepared, label, &ctx.options, ctx.sink.clone()) {
        Ok(mut c) => {
            // A sub-workflow's dumps print with its parent's.
            c.dumps = ctx.dumps.clone();
            Arc::new(c)
        }
        Err(e) => return Outcome::failed(e),
    };
    let main = scheduler::run_graph(&sub_ctx, Phase::Main, &analysis.deps, &[]).await;
    let mut out = Outcome {
        status: Some(Status::Passed),
        attempts: 1,
        ..Outcome::default()
    };
    if let Some(failed) = main.iter().find(|r| r.is_failure()) {
        out.status = Some(Status::Failed);
        out.message = Some(format!("sub-workflow step `{}` failed", failed.id));
    } else {
        match super::raw_workflow_outputs(&sub_ctx, &main) {
            Ok((raw, _)) => out.outputs = raw,
            Err((_, e)) => out = Outcome::failed(e),
        }
    }
    if let Ok(mut deferred) = ctx.deferred.lock() {
        deferred.push(Deferred {
            ctx: sub_ctx,
            main: main.clone(),
            cleanup_deps: analysis.cleanup_deps,
            parent_step: id.to_string(),
        });
    }
    out.children = main;
    out
}

/// One request with its retries and polling, then expectations and captures.
/// Every request sent is recorded in `sent`.
async fn exchange(
    ctx: &Ctx,
    id: &str,
    step: &Step,
    extras: &[(&str, Value)],
    sent: &Sent,
) -> Outcome {
    let Some(request) = &step.request else {
        return Outcome::failed("the step has no request".into());
    };
    let client = ctx.clients.get(step.client.as_deref());
    let policy = Policy::from_spec(step.retry.as_deref());
    let method = request.method.as_str();
    let until = step.until.as_ref();
    let poll_started = Instant::now();
    let verbose = ctx.options.verbose;
    let (mut tries, mut polls) = (0u32, 0u32);
    let fail = |status: Option<u16>, message: String| Outcome {
        status: Some(Status::Failed),
        http_status: status,
        message: Some(message),
        ..Outcome::default()
    };
    loop {
        // Rendering is synchronous: a unit of the task's budget, spent here,
        // yields now and then so an interrupt stops a `for_each` whose every
        // iteration fails before sending anything. Yielding on every attempt
        // would cost each request a trip through the I/O driver.
        tokio::task::consume_budget().await;
        let attempt = sent.attempts.fetch_add(1, Ordering::Relaxed) + 1;
        let scope = ctx.state.scope(extras);
        let prepared = match request::prepare(request, client, &scope) {
            Ok(p) => p,
            Err(e) => return fail(None, e),
        };
        sent.record(method, prepared.url.as_str());
        let sent_at = Instant::now();
        let response = match prepared.build(&client.http) {
            Ok(b) => b.send().await,
            Err(e) => return fail(None, format!("request: {e}")),
        };
        let resp = match response {
            Ok(r) => Response::read(r, client.max_body)
                .await
                .map_err(Broken::Body),
            Err(e) => Err(Broken::Send(e)),
        };
        let resp = match resp {
            Ok(r) => r,
            Err(broken) => {
                if let Broken::Body(b) = &broken {
                    register_secrets(ctx, step, &b.head);
                }
                // Reports show failed requests too: what was received, or
                // status 0 (HAR's word for no response) when nothing was.
                let nothing;
                let received = match &broken {
                    Broken::Body(b) => &b.head,
                    Broken::Send(_) => {
                        nothing = Response {
                            status: 0,
                            headers: Vec::new(),
                            text: String::new(),
                            json: None,
                            url: prepared.url.to_string(),
                        };
                        &nothing
                    }
                };
                ctx.emit(EventKind::Exchange(super::event::Exchange {
                    step: id,
                    title: step.title.as_deref(),
                    time: sent_at.elapsed(),
                    request: &prepared,
                    response: received,
                }));
                if verbose > 0 {
                    let mut text = clip(ctx, &prepared.dump(verbose > 1));
                    if let Broken::Body(b) = &broken {
                        text.push_str(&dump_response(ctx, &b.head, false));
                    }
                    ctx.record_dump(text);
                }
                let (failure, why) = broken.describe(client);
                tries += 1;
                if let Some(failure) = failure
                    && policy.retries(failure, method)
                    && tries < policy.attempts
                {
                    let wait = policy.wait(tries, None);
                    pause(ctx, id, format!("attempt {attempt}: {why}"), &wait).await;
                    continue;
                }
                let status = match &broken {
                    Broken::Body(b) => Some(b.head.status),
                    Broken::Send(_) => None,
                };
                let mut message = format!("request to {} failed: {why}", prepared.url);
                if let Some(hint) = failure.and_then(|f| policy.held_back(f, method)) {
                    message = format!("{message}\n{hint}");
                }
                return fail(status, message);
            }
        };
        register_secrets(ctx, step, &resp);
        ctx.emit(EventKind::Exchange(super::event::Exchange {
            step: id,
            title: step.title.as_deref(),
            time: sent_at.elapsed(),
            request: &prepared,
            response: &resp,
        }));
        if verbose > 0 {
            let text = format!(
                "{}{}",
                clip(ctx, &prepared.dump(verbose > 1)),
                dump_response(ctx, &resp, verbose > 1)
            );
            ctx.record_dump(text);
        }
        if let Some(until) = until {
            let response = to_value(resp.template_value());
            let mut vars: Vec<(&str, Value)> = extras.to_vec();
            vars.push(("response", response));
            match ctx.state.scope(&vars).condition(&until.condition) {
                Err(e) => {
                    return fail(Some(resp.status), format!("until.condition: {e}"));
                }
                Ok(true) => {}
                Ok(false) => {
                    polls += 1;
                    // Never a busy loop, whatever the spec says.
                    let interval = until
                        .interval
                        .map_or(Duration::from_secs(1), |d| d.0)
                        .max(MIN_POLL_INTERVAL);
                    let deadline = until.timeout.map_or(Duration::from_secs(60), |d| d.0);
                    let out_of_attempts = until.max_attempts.is_some_and(|m| polls >= m);
                    if out_of_attempts || poll_started.elapsed() + interval > deadline {
                        return fail(
                            Some(resp.status),
                            format!(
                                "until: `{}` still false after {polls} attempt(s) in {:.1}s\n{}",
                                until.condition,
                                poll_started.elapsed().as_secs_f64(),
                                resp.excerpt(EXCERPT)
                            ),
                        );
                    }
                    let wait = Wait {
                        duration: interval,
                        reason: "until.interval".into(),
                    };
                    pause(ctx, id, format!("poll {polls}: condition false"), &wait).await;
                    continue;
                }
            }
        }
        let failures = check(step.expect.as_deref(), &resp, &scope);
        if !failures.is_empty() {
            tries += 1;
            let by_status = policy.retries(Failure::Status(resp.status), method);
            if (by_status || policy.retries(Failure::Expectation, method))
                && tries < policy.attempts
            {
                let after = resp.header("retry-after").and_then(retry::retry_after);
                let wait = policy.wait(tries, after);
                let why = format!("attempt {attempt} got HTTP {}", resp.status);
                pause(ctx, id, why, &wait).await;
                continue;
            }
            let mut message = format!(
                "{}\nresponse: {}",
                failures.join("\n"),
                resp.excerpt(EXCERPT)
            );
            if let Some(hint) = policy.held_back(Failure::Status(resp.status), method) {
                message = format!("{message}\n{hint}");
            }
            return fail(Some(resp.status), message);
        }
        let mut outputs = serde_json::Map::with_capacity(step.outputs.len());
        for (name, spec) in &step.outputs {
            match capture(&spec.spec(), &resp, &outputs) {
                Ok(v) => {
                    outputs.insert(name.clone(), v);
                }
                Err(e) => {
                    let message =
                        format!("output `{name}`: {e}\nresponse: {}", resp.excerpt(EXCERPT));
                    return fail(Some(resp.status), message);
                }
            }
        }
        let failures = step
            .expect
            .as_deref()
            .map(|e| expect::check_outputs(e, &outputs, &|v| scope.render_value(v)))
            .unwrap_or_default();
        if !failures.is_empty() {
            return fail(Some(resp.status), failures.join("\n"));
        }
        return Outcome {
            status: Some(Status::Passed),
            http_status: Some(resp.status),
            outputs,
            ..Outcome::default()
        };
    }
}

/// A request that got no usable response.
enum Broken {
    /// Sending failed, or no response came in time.
    Send(reqwest::Error),
    /// A response came but its body could not be read whole.
    Body(Box<BodyError>),
}

impl Broken {
    /// The retry class of the failure (`None`: not transient) and what happened.
    fn describe(&self, client: &HttpClient) -> (Option<Failure>, String) {
        let timeout = retry::seconds(client.timeout);
        match self {
            Broken::Send(e) if e.is_connect() => {
                let why = if e.is_timeout() {
                    "connection not established in time".to_string()
                } else {
                    format!("cannot connect: {}", root_cause(e))
                };
                (Some(Failure::NotSent), why)
            }
            // Nothing a second attempt would change.
            Broken::Send(e) if e.is_builder() || e.is_redirect() => (None, root_cause(e)),
            Broken::Send(e) if e.is_timeout() => (
                Some(Failure::Transport),
                format!("no response within {timeout} (the client's `timeout`)"),
            ),
            Broken::Send(e) => (
                Some(Failure::Transport),
                format!("the connection failed: {}", root_cause(e)),
            ),
            Broken::Body(b) => match &b.kind {
                BodyErrorKind::TooLarge { .. } => (None, format!("HTTP {}: {b}", b.head.status)),
                BodyErrorKind::Broken(e) if e.is_timeout() => (
                    Some(Failure::Transport),
                    format!(
                        "HTTP {}: the body did not arrive within {timeout} (the client's `timeout`)",
                        b.head.status
                    ),
                ),
                BodyErrorKind::Broken(e) => (
                    Some(Failure::Transport),
                    format!(
                        "HTTP {}: the body was cut short: {}",
                        b.head.status,
                        root_cause(e)
                    ),
                ),
            },
        }
    }
}

/// Waits before the next attempt; at `-v` a wait longer than a second is
/// shown as it starts, with its reason.
async fn pause(ctx: &Ctx, id: &str, why: String, wait: &Wait) {
    if ctx.options.verbose > 0 && wait.duration > Duration::from_secs(1) {
        let text = format!(
            "{id}: {why}; waiting {} ({})",
            retry::seconds(wait.duration),
            wait.reason
        );
        let text = ctx.state.redactor.redact(&text);
        ctx.emit(EventKind::Note { text: &text });
    }
    tokio::time::sleep(wait.duration).await;
}

/// A dump cut to [`DUMP_LIMIT`], saying how much was left out. Masked
/// before the cut, so no secret is split by it: the piece masked reaches
/// [`SECRET_MARGIN`] past the limit, and what a secret cut at its end could
/// leave is dropped after masking.
fn clip(ctx: &Ctx, text: &str) -> String {
    if text.len() <= DUMP_LIMIT {
        return text.to_string();
    }
    let piece = &text[..floor_boundary(text, DUMP_LIMIT + SECRET_MARGIN)];
    let masked = ctx.state.redactor.redact(piece);
    let cut = floor_boundary(
        &masked,
        DUMP_LIMIT.min(masked.len() - SECRET_MARGIN.min(masked.len())),
    );
    format!(
        "{}\n… ({} bytes cut)",
        &masked[..cut],
        text.len().saturating_sub(cut)
    )
}

/// The largest char boundary at or below `at`.
fn floor_boundary(text: &str, at: usize) -> usize {
    let mut cut = at.min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    cut
}

/// Expectations, plus the default one: without `expect.status`, an error status fails.
fn check(
    expect: Option<&Expect>,
    resp: &Response,
    scope: &super::context::Scope<'_>,
) -> Vec<String> {
    let render = |v: &Json| scope.render_value(v);
    let mut failures = Vec::new();
    if expect.is_none_or(|e| e.status.is_none()) && resp.status >= 400 {
        failures.push(format!(
            "status: expected a success (below 400), got {} (set `expect.status` to accept it)",
            resp.status
        ));
    }
    if let Some(expect) = expect {
        failures.extend(expect::check(expect, resp, &render));
    }
    failures
}

/// Credentials in the response (cookies, credential-named fields of the
/// body and of URLs in headers, JWTs) and captures that will be secret are
/// registered before anything about the response is printed.
fn register_secrets(ctx: &Ctx, step: &Step, resp: &Response) {
    let redactor = &ctx.state.redactor;
    for (name, value) in &resp.headers {
        redactor.learn_header(name, value);
    }
    match &resp.json {
        Some(json) => {
            redactor.learn_json(json);
            redactor.learn_jwts(&resp.text);
        }
        None => redactor.learn_text(&resp.text),
    }
    // Captured twice only where needed: secret ones, and what an `output:`
    // capture of a secret re-reads.
    let rereads = step.outputs.values().any(Capture::rereads);
    let mut earlier = serde_json::Map::new();
    for (name, spec) in &step.outputs {
        let secret = spec.secret() || is_secret_name(name);
        if !secret && !rereads {
            continue;
        }
        let Ok(v) = capture(&spec.spec(), resp, &earlier) else {
            continue;
        };
        if secret {
            redactor.add_value(&v);
        }
        if rereads {
            earlier.insert(name.clone(), v);
        }
    }
}

fn dump_response(ctx: &Ctx, resp: &Response, body: bool) -> String {
    let mut out = format!("< HTTP {}\n", resp.status);
    for (k, v) in &resp.headers {
        out.push_str(&format!("< {k}: {v}\n"));
    }
    if body && !resp.text.is_empty() {
        // A long body is shown as received: pretty-printing it would only
        // make more text to cut.
        match &resp.json {
            Some(json) if resp.text.len() <= DUMP_LIMIT => {
                out.push_str(&serde_json::to_string_pretty(json).unwrap_or_default());
            }
            _ => out.push_str(&clip(ctx, &resp.text)),
        }
        out.push('\n');
    }
    out
}

/// The innermost cause: "Connection refused (os error 111)". reqwest's own
/// text would repeat the URL, which the message already names.
pub(crate) fn root_cause(e: &reqwest::Error) -> String {
    let mut last: &dyn std::error::Error = e;
    while let Some(s) = last.source() {
        last = s;
    }
    last.to_string()
}

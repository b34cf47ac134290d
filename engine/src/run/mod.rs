//! Running a checked spec: inputs resolved, one client per named client, a
//! ready-queue scheduler over the dependency graph, then cleanup.

pub mod capture;
pub mod cleanup;
pub mod client;
pub mod context;
pub mod dry_run;
pub mod event;
pub mod expect;
mod failure_site;
pub mod inputs;
mod locate;
pub mod request;
pub mod response;
pub mod retry;
pub mod scheduler;
pub mod step;
mod tls;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use indexmap::IndexMap;
use rand::Rng;
use serde_json::Value as Json;
use tokio::sync::{Semaphore, watch};

pub use crate::redact::Redactor;
pub use inputs::{InputError, InputSources, Inputs};

use crate::redact;
use crate::report::{Phase, SpecReport, StepReport};
use crate::spec::check::Deps;
use crate::spec::{CheckedSpec, LoadedSpec};
use client::Clients;
use context::RunState;

/// How a set of runs behaves. Clone it for every spec of one invocation: the
/// parallelism cap and the cancel signal are shared.
#[derive(Clone)]
pub struct RunOptions {
    /// Steps in flight at once, across every spec of the invocation.
    pub permits: Arc<Semaphore>,
    /// After the first failure, start nothing new.
    pub fail_fast: bool,
    /// Skip cleanup.
    pub keep: bool,
    /// Accept invalid TLS certificates for clients that allow it.
    pub insecure: bool,
    /// 1: request and response lines and headers; 2: bodies too.
    pub verbose: u8,
    /// Largest response body read by clients that set no `max_body`.
    pub max_body: u64,
    pub cancel: Cancel,
    /// When the invocation started: events carry the time since.
    pub started: Instant,
    /// Shared by every spec of the invocation, so each output is masked
    /// with every secret any spec has seen.
    pub redactor: Arc<Redactor>,
}

impl RunOptions {
    pub fn new(max_parallel: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(
                max_parallel.clamp(1, Semaphore::MAX_PERMITS),
            )),
            fail_fast: false,
            keep: false,
            insecure: false,
            verbose: 0,
            max_body: response::DEFAULT_MAX_BODY,
            cancel: Cancel::new(),
            started: Instant::now(),
            redactor: Arc::new(Redactor::new()),
        }
    }
}

/// Interrupts: level 1 stops the main steps (cleanup still runs), level 2 stops cleanup too.
#[derive(Clone, Debug)]
pub struct Cancel(Arc<watch::Sender<u8>>);

impl Cancel {
    pub fn new() -> Self {
        Self(Arc::new(watch::channel(0).0))
    }
    pub fn raise(&self) {
        self.0.send_modify(|l| *l = l.saturating_add(1));
    }
    pub fn level(&self) -> u8 {
        *self.0.borrow()
    }
    pub async fn reached(&self, level: u8) {
        let mut rx = self.0.subscribe();
        let _ = rx.wait_for(|l| *l >= level).await;
    }
}

impl Default for Cancel {
    fn default() -> Self {
        Self::new()
    }
}

pub use event::{Event, EventKind, EventSink, Fanout, Silent};

/// `run.id`, `run.name`, `run.started_at`.
#[derive(Debug, Clone)]
pub struct RunInfo {
    pub id: String,
    pub name: String,
    pub started_at: String,
}

impl RunInfo {
    pub fn new(name: &str) -> Self {
        let started = time::OffsetDateTime::now_utc();
        let started = started.replace_nanosecond(0).unwrap_or(started);
        Self {
            id: format!("{:08x}", rand::rng().random::<u32>()),
            name: name.to_string(),
            started_at: started
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
        }
    }
    pub fn value(&self) -> Json {
        serde_json::json!({ "id": self.id, "name": self.name, "started_at": self.started_at })
    }
}

/// A spec with its inputs resolved: ready to run, or to show with `--dry-run`.
pub struct PreparedRun {
    pub loaded: Arc<LoadedSpec>,
    pub deps: Arc<Deps>,
    pub cleanup_deps: Arc<Deps>,
    pub info: RunInfo,
    pub inputs: Inputs,
    pub sources: Arc<InputSources>,
    pub redactor: Arc<Redactor>,
}

/// Resolves a checked spec's inputs. A missing required input is an error
/// that names it and how to provide it.
pub fn prepare(
    spec: &CheckedSpec,
    sources: &InputSources,
    options: &RunOptions,
) -> Result<PreparedRun, InputError> {
    prepare_loaded(
        spec.loaded.clone(),
        spec.analysis.deps.clone(),
        spec.analysis.cleanup_deps.clone(),
        Arc::new(sources.clone()),
        &IndexMap::new(),
        options.redactor.clone(),
    )
}

fn prepare_loaded(
    loaded: Arc<LoadedSpec>,
    deps: Arc<Deps>,
    cleanup_deps: Arc<Deps>,
    sources: Arc<InputSources>,
    with: &IndexMap<String, Json>,
    redactor: Arc<Redactor>,
) -> Result<PreparedRun, InputError> {
    let info = RunInfo::new(&loaded.spec.name);
    redactor.add_fields(&loaded.spec.secrets.fields);
    let inputs = inputs::resolve(&loaded.spec, &sources, with, &info.value())?;
    for name in &inputs.secret {
        if let Some(v) = inputs.values.get(name) {
            redactor.add_value(v);
        }
    }
    Ok(PreparedRun {
        loaded,
        deps,
        cleanup_deps,
        info,
        inputs,
        sources,
        redactor,
    })
}

/// Resolves inputs and runs.
pub async fn run(
    spec: &CheckedSpec,
    sources: &InputSources,
    options: &RunOptions,
    sink: Arc<dyn EventSink>,
) -> Result<SpecReport, InputError> {
    let prepared = prepare(spec, sources, options)?;
    Ok(execute(prepared, options, sink).await)
}

/// The state of one spec's run, shared by its step tasks.
pub(crate) struct Ctx {
    pub loaded: Arc<LoadedSpec>,
    /// Shown in progress and dumps: the spec name, or `parent › step` for sub-workflows.
    pub label: String,
    pub state: RunState,
    pub clients: Clients,
    pub options: RunOptions,
    pub sink: Arc<dyn EventSink>,
    pub sources: Arc<InputSources>,
    pub started: Instant,
    /// Cleanup of sub-workflows, run with this run's cleanup.
    pub deferred: Mutex<Vec<Deferred>>,
    /// `-v` dumps, printed when the spec ends: a secret learned by a later
    /// step must be masked in an earlier step's dump too.
    pub dumps: Arc<Mutex<Vec<(String, String)>>>,
}

impl Ctx {
    pub fn record_dump(&self, text: String) {
        if let Ok(mut dumps) = self.dumps.lock() {
            dumps.push((self.label.clone(), text));
        }
    }

    /// Sends an event of this spec (or sub-workflow) to the sink.
    pub fn emit(&self, kind: EventKind<'_>) {
        emit(&self.sink, &self.options, &self.label, kind);
    }

    /// Sends the recorded dumps, redacted with everything now known.
    fn flush_dumps(&self) {
        let dumps = self
            .dumps
            .lock()
            .map(|mut d| std::mem::take(&mut *d))
            .unwrap_or_default();
        for (label, text) in dumps {
            let text = self.state.redactor.redact(&text);
            emit(
                &self.sink,
                &self.options,
                &label,
                EventKind::Dump { text: &text },
            );
        }
    }
}

/// A finished sub-workflow whose cleanup waits for its parent's.
pub(crate) struct Deferred {
    pub ctx: Arc<Ctx>,
    pub main: Vec<StepReport>,
    pub cleanup_deps: Arc<Deps>,
    pub parent_step: String,
}

/// Runs a prepared spec to the end: main graph, workflow outputs, cleanup.
pub async fn execute(
    prepared: PreparedRun,
    options: &RunOptions,
    sink: Arc<dyn EventSink>,
) -> SpecReport {
    let label = prepared.loaded.spec.name.clone();
    let file = prepared.loaded.file.name.clone();
    let info = prepared.info.clone();
    let redactor = prepared.redactor.clone();
    let steps = prepared.deps.len() + prepared.cleanup_deps.len();
    emit(&sink, options, &label, EventKind::SpecStarted { steps });
    let started = Instant::now();
    let result = execute_inner(prepared, label.clone(), options, sink.clone()).await;
    let (steps, outputs, error) = match result {
        Ok(r) => r,
        Err(e) => (
            Vec::new(),
            serde_json::Map::new(),
            Some(redactor.redact(&e)),
        ),
    };
    let report = SpecReport {
        name: info.name,
        file,
        run_id: info.id,
        started_at: info.started_at,
        duration: started.elapsed(),
        steps,
        outputs,
        error,
        redactor,
    };
    emit(&sink, options, &label, EventKind::SpecFinished(&report));
    report
}

/// Runs prepared specs, `at_once` at a time, each reporting through `sink`,
/// then sends [`EventKind::RunFinished`]. Reports come back in the order given.
pub async fn execute_all(
    prepared: Vec<PreparedRun>,
    options: &RunOptions,
    sink: Arc<dyn EventSink>,
    at_once: usize,
) -> Vec<SpecReport> {
    use futures::StreamExt;
    let reports: Vec<SpecReport> = futures::stream::iter(prepared)
        .map(|p| execute(p, options, sink.clone()))
        .buffered(at_once.max(1))
        .collect()
        .await;
    emit(
        &sink,
        options,
        "",
        EventKind::RunFinished { reports: &reports },
    );
    reports
}

fn emit(sink: &Arc<dyn EventSink>, options: &RunOptions, spec: &str, kind: EventKind<'_>) {
    sink.event(&Event {
        elapsed: options.started.elapsed(),
        spec,
        kind,
    });
}

type Finished = (
    Vec<StepReport>,
    serde_json::Map<String, Json>,
    Option<String>,
);

async fn execute_inner(
    prepared: PreparedRun,
    label: String,
    options: &RunOptions,
    sink: Arc<dyn EventSink>,
) -> Result<Finished, String> {
    let cleanup_deps = prepared.cleanup_deps.clone();
    let deps = prepared.deps.clone();
    let ctx = Arc::new(new_ctx(prepared, label, options, sink)?);
    let main = scheduler::run_graph(&ctx, Phase::Main, &deps, &[]).await;
    let outputs = workflow_outputs(&ctx, &main).unwrap_or_else(|(partial, _)| partial);
    let cleanup = if options.keep {
        Vec::new()
    } else {
        cleanup::run(&ctx, &main, &cleanup_deps).await
    };
    ctx.flush_dumps();
    let mut steps = main;
    steps.extend(cleanup);
    Ok((steps, outputs, None))
}

pub(crate) fn new_ctx(
    prepared: PreparedRun,
    label: String,
    options: &RunOptions,
    sink: Arc<dyn EventSink>,
) -> Result<Ctx, String> {
    let clients = Clients::build(&prepared.loaded.spec, options.insecure, options.max_body)?;
    let state = RunState::new(
        &prepared.inputs.values,
        prepared.info.value(),
        prepared.redactor.clone(),
    );
    for name in &prepared.inputs.secret {
        state.mark_secret(&["inputs", name]);
    }
    mark_secret_outputs(&prepared.loaded, &state);
    Ok(Ctx {
        loaded: prepared.loaded,
        label,
        state,
        clients,
        options: options.clone(),
        sink,
        sources: prepared.sources,
        started: Instant::now(),
        deferred: Mutex::new(Vec::new()),
        dumps: Arc::default(),
    })
}

/// Captures marked secret, or named like a credential, and sub-workflow
/// outputs that are secret, are secret paths from the start, so every
/// template reading them is known to render a secret.
fn mark_secret_outputs(loaded: &LoadedSpec, state: &RunState) {
    for (id, step) in loaded.spec.steps.iter().chain(&loaded.spec.cleanup) {
        for (name, capture) in &step.outputs {
            if capture.secret() || redact::is_secret_name(name) {
                state.mark_secret(&["steps", id, "outputs", name]);
            }
        }
        if let Some(sub) = loaded.subspecs.get(id) {
            for (name, output) in &sub.spec.outputs {
                if output.secret()
                    || redact::is_secret_name(name)
                    || sub_output_reads_secret(sub, output.template())
                {
                    state.mark_secret(&["steps", id, "outputs", name]);
                }
            }
        }
    }
}

/// Whether a sub-workflow's output template reads one of its secret captures or inputs.
fn sub_output_reads_secret(sub: &LoadedSpec, template: &str) -> bool {
    // A template that does not parse is assumed to read a secret.
    let Ok(refs) = crate::template::references(template) else {
        return true;
    };
    refs.iter()
        .any(|r| match r.path.first().map(String::as_str) {
            Some("inputs") => r
                .path
                .get(1)
                .is_some_and(|n| sub.spec.inputs.get(n).is_some_and(|i| i.is_secret(n))),
            Some("steps") => match (r.path.get(1), r.path.get(3)) {
                (Some(step), Some(out)) => sub
                    .spec
                    .steps
                    .get(step)
                    .and_then(|s| s.outputs.get(out))
                    .is_some_and(|c| c.secret() || redact::is_secret_name(out)),
                (Some(_), None) => true,
                _ => false,
            },
            _ => false,
        })
}

/// Renders the spec's `outputs`; secret ones are masked in the returned map
/// (the unmasked values go to a parent workflow). Errs with what rendered
/// and the first failure.
pub(crate) fn workflow_outputs(
    ctx: &Ctx,
    main: &[StepReport],
) -> Result<serde_json::Map<String, Json>, (serde_json::Map<String, Json>, String)> {
    raw_workflow_outputs(ctx, main).map(|(_, shown)| shown)
}

type OutputMaps = (serde_json::Map<String, Json>, serde_json::Map<String, Json>);

pub(crate) fn raw_workflow_outputs(
    ctx: &Ctx,
    main: &[StepReport],
) -> Result<OutputMaps, (serde_json::Map<String, Json>, String)> {
    let _ = main;
    let scope = ctx.state.scope(&[]);
    let mut raw = serde_json::Map::new();
    let mut shown = serde_json::Map::new();
    let mut first_error = None;
    for (name, output) in &ctx.loaded.spec.outputs {
        match scope.render_value(&Json::String(output.template().to_string())) {
            Ok(v) => {
                let secret = output.secret()
                    || redact::is_secret_name(name)
                    || ctx.state.reads_secret(output.template());
                if secret {
                    ctx.state.redactor.add_value(&v);
                    shown.insert(name.clone(), Json::String(redact::MASK.into()));
                } else {
                    shown.insert(name.clone(), v.clone());
                }
                raw.insert(name.clone(), v);
            }
            Err(e) => {
                first_error.get_or_insert(format!("output `{name}`: {e}"));
            }
        }
    }
    match first_error {
        None => Ok((raw, shown)),
        Some(e) => Err((shown, e)),
    }
}

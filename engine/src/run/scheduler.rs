//! The ready queue: a step starts the moment its last dependency ends (no
//! level barriers), under the invocation-wide `--max-parallel` cap. A failed
//! or skipped step skips its dependents; independent branches go on.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use futures::future::BoxFuture;
use indexmap::{IndexMap, IndexSet};
use tokio::sync::OwnedSemaphorePermit;
use tokio::task::JoinSet;

use super::{Ctx, EventKind, step};
use crate::report::{Phase, Status, StepReport};

/// Why a step stopped or never started: an interrupt (Ctrl-C, SIGTERM).
pub(crate) const INTERRUPTED: &str = "interrupted";

/// Runs one phase's graph. `deps` maps each step to the steps it waits for;
/// names outside the phase are ignored here (cleanup gates on main steps are
/// the caller's business, passed as `gates`: step -> main steps that must have passed).
pub(crate) fn run_graph<'a>(
    ctx: &'a Arc<Ctx>,
    phase: Phase,
    deps: &'a IndexMap<String, IndexSet<String>>,
    gates: &'a [(String, Vec<(String, Status)>)],
) -> BoxFuture<'a, Vec<StepReport>> {
    // Boxed with an explicit `Send`: `uses` steps recurse into here.
    Box::pin(run_graph_inner(ctx, phase, deps, gates))
}

async fn run_graph_inner(
    ctx: &Arc<Ctx>,
    phase: Phase,
    deps: &IndexMap<String, IndexSet<String>>,
    gates: &[(String, Vec<(String, Status)>)],
) -> Vec<StepReport> {
    let ids: Vec<&String> = deps.keys().collect();
    let index: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let n = ids.len();
    let mut pending = vec![0usize; n];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, (_, ds)) in deps.iter().enumerate() {
        for d in ds {
            if let Some(&j) = index.get(d.as_str()) {
                pending[i] += 1;
                dependents[j].push(i);
            }
        }
    }
    let gates: HashMap<&str, &Vec<(String, Status)>> =
        gates.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let mut queue = Queue {
        phase,
        ids: &ids,
        dependents,
        ready: (0..n).filter(|&i| pending[i] == 0).collect(),
        pending,
        blocked: vec![None; n],
        reports: vec![None; n],
    };
    let mut running: HashMap<tokio::task::Id, usize> = HashMap::new();
    let mut tasks = JoinSet::new();
    // The first interrupt stops the main steps, the second cleanup too.
    let cancel_level = if phase == Phase::Main { 1 } else { 2 };
    let cancel = ctx.options.cancel.clone();
    let mut stop: Option<&'static str> = (cancel.level() >= cancel_level).then_some(INTERRUPTED);

    // A permit taken while waiting, for the step at the front of the queue.
    let mut permit: Option<OwnedSemaphorePermit> = None;
    loop {
        while let Some(&i) = queue.ready.front() {
            if stop.is_none() && cancel.level() >= cancel_level {
                stop = Some(INTERRUPTED);
            }
            let id = ids[i].as_str();
            let skip = queue.blocked[i]
                .clone()
                .or_else(|| stop.map(str::to_string))
                .or_else(|| {
                    let gate = gates.get(id)?;
                    gate.iter()
                        .find(|(_, s)| *s != Status::Passed)
                        .map(|(dep, s)| format!("`{dep}` {}", s.as_str()))
                });
            if let Some(reason) = skip {
                queue.ready.pop_front();
                let report = step::skipped(ctx, id, phase, reason);
                ctx.emit(EventKind::StepFinished(&report));
                queue.finish(i, report);
                continue;
            }
            // Taken before the task exists, so no more than `--max-parallel`
            // steps are in memory at once. A `uses` step takes none: it only
            // waits for its own steps, which take theirs.
            let held = if step::sends_requests(ctx, id, phase) {
                let free = || ctx.options.permits.clone().try_acquire_owned().ok();
                match permit.take().or_else(free) {
                    Some(p) => Some(p),
                    None => break,
                }
            } else {
                None
            };
            queue.ready.pop_front();
            let task_ctx = ctx.clone();
            let task_id = id.to_string();
            // The permit comes back with the report and is freed only once
            // the outcome is handled: a waiting step cannot start in the gap
            // between a failure and `--fail-fast` seeing it.
            let handle = tasks.spawn(async move {
                let report = step::run(&task_ctx, &task_id, phase).await;
                (report, held)
            });
            running.insert(handle.id(), i);
        }
        let waiting = !queue.ready.is_empty();
        if tasks.is_empty() && !waiting {
            break;
        }
        let joined = tokio::select! {
            joined = tasks.join_next_with_id(), if !tasks.is_empty() => joined,
            taken = ctx.options.permits.clone().acquire_owned(), if waiting => {
                permit = taken.ok();
                continue;
            }
            () = cancel.reached(cancel_level), if stop != Some(INTERRUPTED) => {
                // Running steps see the interrupt themselves and end with
                // their attempts counted; nothing new starts.
                stop = Some(INTERRUPTED);
                continue;
            }
            else => break,
        };
        let Some(joined) = joined else { break };
        let (i, report, _permit) = match joined {
            Ok((task, (report, permit))) => (running.remove(&task), report, permit),
            Err(e) => {
                let i = running.remove(&e.id());
                let id = i.map_or("?", |i| ids[i].as_str());
                let why = if e.is_cancelled() {
                    INTERRUPTED.to_string()
                } else {
                    format!("internal error: {e}")
                };
                let mut r = step::skipped(ctx, id, phase, why);
                r.status = Status::Failed;
                ctx.emit(EventKind::StepFinished(&r));
                (i, r, None)
            }
        };
        let Some(i) = i else { continue };
        if report.is_failure() && ctx.options.fail_fast && phase == Phase::Main && stop.is_none() {
            stop = Some("not started: --fail-fast after a failure");
        }
        queue.finish(i, report);
    }
    // Spec order, not finishing order.
    let needs = deps.values();
    queue
        .reports
        .into_iter()
        .zip(needs)
        .filter_map(|(report, needs)| {
            let mut report = report?;
            let gated = gates.get(report.id.as_str()).into_iter().copied().flatten();
            report.needs = gated.map(|(dep, _)| dep.clone()).collect();
            for dep in needs {
                if !report.needs.contains(dep) {
                    report.needs.push(dep.clone());
                }
            }
            Some(report)
        })
        .collect()
}

/// The steps of one graph by index: what each still waits for, why it
/// cannot run, which are ready, and the reports of those that ended.
struct Queue<'a> {
    phase: Phase,
    ids: &'a [&'a String],
    dependents: Vec<Vec<usize>>,
    pending: Vec<usize>,
    /// The first reason a step cannot run (a dependency failed or was skipped).
    blocked: Vec<Option<String>>,
    ready: VecDeque<usize>,
    reports: Vec<Option<StepReport>>,
}

impl Queue<'_> {
    /// Records a finished step and readies the dependents it was the last wait of.
    fn finish(&mut self, i: usize, report: StepReport) {
        // Cleanup order is only order: a failed delete does not stop the next.
        let blocks =
            self.phase == Phase::Main && (report.is_failure() || report.status == Status::Skipped);
        for &d in &self.dependents[i] {
            if blocks && self.blocked[d].is_none() {
                self.blocked[d] = Some(format!("`{}` {}", self.ids[i], report.status.as_str()));
            }
            self.pending[d] -= 1;
            if self.pending[d] == 0 {
                self.ready.push_back(d);
            }
        }
        self.reports[i] = Some(report);
    }
}

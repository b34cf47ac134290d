//! The ready queue: a step starts the moment its last dependency ends (no
//! level barriers), under the invocation-wide `--max-parallel` cap. A failed
//! or skipped step skips its dependents; independent branches go on.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use futures::future::BoxFuture;
use indexmap::{IndexMap, IndexSet};
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
    // The first reason a step cannot run (a dependency failed or was skipped).
    let mut blocked: Vec<Option<String>> = vec![None; n];
    let mut reports: Vec<Option<StepReport>> = vec![None; n];
    let mut ready: VecDeque<usize> = (0..n).filter(|&i| pending[i] == 0).collect();
    let mut running: HashMap<tokio::task::Id, usize> = HashMap::new();
    let mut tasks = JoinSet::new();
    // The first interrupt stops the main steps, the second cleanup too.
    let cancel_level = if phase == Phase::Main { 1 } else { 2 };
    let cancel = ctx.options.cancel.clone();
    let mut stop: Option<&'static str> = (cancel.level() >= cancel_level).then_some(INTERRUPTED);

    loop {
        while let Some(i) = ready.pop_front() {
            if stop.is_none() && cancel.level() >= cancel_level {
                stop = Some(INTERRUPTED);
            }
            let id = ids[i].as_str();
            let skip = blocked[i]
                .clone()
                .or_else(|| stop.map(str::to_string))
                .or_else(|| {
                    let gate = gates.get(id)?;
                    gate.iter()
                        .find(|(_, s)| *s != Status::Passed)
                        .map(|(dep, s)| format!("`{dep}` {}", s.as_str()))
                });
            if let Some(reason) = skip {
                let report = step::skipped(ctx, id, phase, reason);
                ctx.emit(EventKind::StepFinished(&report));
                finish(
                    i,
                    report,
                    phase,
                    &ids,
                    &dependents,
                    &mut pending,
                    &mut blocked,
                    &mut ready,
                    &mut reports,
                );
                continue;
            }
            let task_ctx = ctx.clone();
            let task_id = id.to_string();
            let handle = tasks.spawn(async move {
                let _permit = task_ctx.options.permits.clone().acquire_owned().await;
                step::run(&task_ctx, &task_id, phase).await
            });
            running.insert(handle.id(), i);
        }
        if tasks.is_empty() {
            break;
        }
        let joined = tokio::select! {
            joined = tasks.join_next_with_id() => joined,
            () = cancel.reached(cancel_level), if stop != Some(INTERRUPTED) => {
                // Running steps see the interrupt themselves and end with
                // their attempts counted; nothing new starts.
                stop = Some(INTERRUPTED);
                continue;
            }
        };
        let Some(joined) = joined else { break };
        let (i, report) = match joined {
            Ok((task, report)) => (running.remove(&task), report),
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
                (i, r)
            }
        };
        let Some(i) = i else { continue };
        if report.is_failure() && ctx.options.fail_fast && phase == Phase::Main && stop.is_none() {
            stop = Some("not started: --fail-fast after a failure");
        }
        finish(
            i,
            report,
            phase,
            &ids,
            &dependents,
            &mut pending,
            &mut blocked,
            &mut ready,
            &mut reports,
        );
    }
    // Spec order, not finishing order.
    reports.into_iter().flatten().collect()
}

#[allow(clippy::too_many_arguments)]
fn finish(
    i: usize,
    report: StepReport,
    phase: Phase,
    ids: &[&String],
    dependents: &[Vec<usize>],
    pending: &mut [usize],
    blocked: &mut [Option<String>],
    ready: &mut VecDeque<usize>,
    reports: &mut [Option<StepReport>],
) {
    // Cleanup order is only order: a failed delete does not stop the next.
    let blocks = phase == Phase::Main && (report.is_failure() || report.status == Status::Skipped);
    for &d in &dependents[i] {
        if blocks && blocked[d].is_none() {
            blocked[d] = Some(format!("`{}` {}", ids[i], report.status.as_str()));
        }
        pending[d] -= 1;
        if pending[d] == 0 {
            ready.push_back(d);
        }
    }
    reports[i] = Some(report);
}

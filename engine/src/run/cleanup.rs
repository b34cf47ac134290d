//! Cleanup: after the main graph (also after failures and interrupts), each
//! cleanup step runs only when the main steps it references passed. `needs`
//! between cleanup steps orders them; sub-workflows' cleanups run last, newest first.
//! A second interrupt abandons cleanup: each step it stopped says what it
//! would have removed.

use std::sync::Arc;

use futures::future::BoxFuture;
use indexmap::{IndexMap, IndexSet};
use serde_json::Value as Json;

use super::scheduler::INTERRUPTED;
use super::{Ctx, request, scheduler};
use crate::report::{Phase, Status, StepReport};

pub(crate) fn run<'a>(
    ctx: &'a Arc<Ctx>,
    main: &'a [StepReport],
    cleanup_deps: &'a IndexMap<String, IndexSet<String>>,
) -> BoxFuture<'a, Vec<StepReport>> {
    Box::pin(run_inner(ctx, main, cleanup_deps))
}

async fn run_inner(
    ctx: &Arc<Ctx>,
    main: &[StepReport],
    cleanup_deps: &IndexMap<String, IndexSet<String>>,
) -> Vec<StepReport> {
    let spec = &ctx.loaded.spec;
    let status = |id: &str| {
        main.iter()
            .find(|r| r.id == id)
            .map_or(Status::Skipped, |r| r.status)
    };
    let mut order = IndexMap::new();
    let mut gates = Vec::new();
    for (id, deps) in cleanup_deps {
        let (main_deps, cleanup): (Vec<&String>, Vec<&String>) =
            deps.iter().partition(|d| spec.steps.contains_key(*d));
        order.insert(
            id.clone(),
            cleanup.into_iter().cloned().collect::<IndexSet<String>>(),
        );
        gates.push((
            id.clone(),
            main_deps
                .into_iter()
                .map(|d| (d.clone(), status(d)))
                .collect(),
        ));
    }
    let mut reports = if order.is_empty() {
        Vec::new()
    } else {
        scheduler::run_graph(ctx, Phase::Cleanup, &order, &gates).await
    };
    for report in &mut reports {
        let created = gates
            .iter()
            .find(|(id, _)| *id == report.id)
            .is_some_and(|(_, g)| g.iter().all(|(_, s)| *s == Status::Passed));
        if created && report.message.as_deref() == Some(INTERRUPTED) {
            let what = would_remove(ctx, &report.id);
            report.message = Some(if report.status == Status::Skipped {
                format!("interrupted: cleanup abandoned, left behind: {what}")
            } else {
                format!("interrupted while running: maybe left behind: {what}")
            });
            report.left_behind = Some(what);
        }
    }
    let deferred: Vec<_> = ctx
        .deferred
        .lock()
        .map(|mut d| std::mem::take(&mut *d))
        .unwrap_or_default();
    for sub in deferred.into_iter().rev() {
        let children = run(&sub.ctx, &sub.main, &sub.cleanup_deps).await;
        if children.is_empty() {
            continue;
        }
        let mut r = StepReport::new(&sub.parent_step, None, Phase::Cleanup, Status::Passed);
        if children.iter().any(StepReport::is_failure) {
            r.status = Status::Failed;
            r.message = Some("a cleanup step of the sub-workflow failed".into());
        }
        r.duration = children.iter().map(|c| c.duration).sum();
        r.steps = children;
        reports.push(r);
    }
    reports
}

/// What an abandoned cleanup step would have removed: its request, rendered
/// as it would have been sent, and the captured values it uses.
fn would_remove(ctx: &Ctx, id: &str) -> String {
    let Some(step) = ctx.loaded.spec.cleanup.get(id) else {
        return String::new();
    };
    let scope = ctx.state.scope(&[]);
    let request = step.request.as_ref().and_then(|r| {
        let client = ctx.clients.get(step.client.as_deref());
        request::prepare(r, client, &scope)
            .ok()
            .map(|p| format!("{} {}", p.method, p.url))
    });
    let mut paths = IndexSet::new();
    collect_outputs(
        &serde_json::to_value(step).unwrap_or(Json::Null),
        &mut paths,
    );
    let values: Vec<String> = paths
        .iter()
        .filter_map(|path| {
            let v = scope.render_str(&format!("{{{{ {path} }}}}")).ok()?;
            Some(format!("{path} = {v}"))
        })
        .collect();
    match (request, values.is_empty()) {
        (Some(r), true) => r,
        (Some(r), false) => format!("{r} ({})", values.join(", ")),
        (None, false) => values.join(", "),
        (None, true) => format!("cleanup step `{id}`"),
    }
}

/// `steps.<id>.outputs.<name>` read anywhere in a step's templates.
fn collect_outputs(value: &Json, out: &mut IndexSet<String>) {
    match value {
        Json::String(s) => {
            for r in crate::template::references(s).unwrap_or_default() {
                if r.path.len() >= 4 && r.path[0] == "steps" && r.path[2] == "outputs" {
                    out.insert(r.path[..4].join("."));
                }
            }
        }
        Json::Array(items) => items.iter().for_each(|v| collect_outputs(v, out)),
        Json::Object(map) => map.values().for_each(|v| collect_outputs(v, out)),
        _ => {}
    }
}

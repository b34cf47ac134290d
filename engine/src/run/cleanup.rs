//! Cleanup: after the main graph (also after failures and interrupts), each
//! cleanup step runs only when the main steps it references passed. `needs`
//! between cleanup steps orders them; sub-workflows' cleanups run last, newest first.

use std::sync::Arc;

use futures::future::BoxFuture;
use indexmap::{IndexMap, IndexSet};

use super::{Ctx, scheduler};
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

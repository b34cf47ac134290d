//! `--dry-run`: every request rendered (redacted), nothing sent. Outputs of
//! other steps are not known yet, so they render as `<steps.id.outputs.name>`.

use std::sync::Arc;

use serde_json::Value as Json;

use super::context::to_value;
use super::{PreparedRun, RunOptions, Silent, new_ctx, request};
use crate::plan::Plan;
use crate::report::Phase;

/// The rendered requests of a spec, main steps in plan order then cleanup; errors inline.
pub fn render(prepared: PreparedRun, options: &RunOptions) -> Result<String, String> {
    let deps = prepared.deps.clone();
    let cleanup_deps = prepared.cleanup_deps.clone();
    let ctx = new_ctx(prepared, String::new(), options, Arc::new(Silent))?;
    let spec = &ctx.loaded.spec;
    for (id, step) in spec.steps.iter() {
        let mut outputs = serde_json::Map::new();
        let names: Vec<String> = match ctx.loaded.subspecs.get(id) {
            Some(sub) => sub.spec.outputs.keys().cloned().collect(),
            None => step.outputs.keys().cloned().collect(),
        };
        for name in names {
            outputs.insert(
                name.clone(),
                Json::String(format!("<steps.{id}.outputs.{name}>")),
            );
        }
        ctx.state.steps.insert(id, Arc::new(outputs));
    }
    let plan = Plan::new(&deps);
    let mut order: Vec<(Phase, String)> = plan
        .levels
        .iter()
        .flatten()
        .map(|id| (Phase::Main, id.clone()))
        .collect();
    order.extend(cleanup_deps.keys().map(|id| (Phase::Cleanup, id.clone())));
    let mut out = format!(
        "# {} (dry run, run.id {})\n",
        spec.name,
        ctx.state
            .run
            .get_attr("id")
            .map(|v| v.to_string())
            .unwrap_or_default()
    );
    let mut failed = false;
    for (phase, id) in order {
        let step = match phase {
            Phase::Main => &spec.steps[&id],
            Phase::Cleanup => &spec.cleanup[&id],
        };
        let label = if phase == Phase::Cleanup {
            format!("cleanup {id}")
        } else {
            id.clone()
        };
        let title = step
            .title
            .as_deref()
            .map(|t| format!(" — {t}"))
            .unwrap_or_default();
        out.push_str(&format!("\n## {label}{title}\n"));
        if let Some(cond) = &step.if_ {
            out.push_str(&format!("if: {cond}\n"));
        }
        if let Some(uses) = &step.uses {
            out.push_str(&format!("uses: {uses}\n"));
            continue;
        }
        let Some(req) = &step.request else { continue };
        let mut extras = Vec::new();
        if step.for_each.is_some() {
            extras.push(("item", to_value(Json::String("<item>".into()))));
            extras.push(("index", to_value(Json::from(0))));
        }
        let scope = ctx.state.scope(&extras);
        match request::prepare(req, ctx.clients.get(step.client.as_deref()), &scope) {
            Ok(p) => out.push_str(&p.dump(true)),
            Err(e) => {
                failed = true;
                out.push_str(&format!("error: {e}\n"));
            }
        }
    }
    let out = ctx.state.redactor.redact(&out);
    if failed { Err(out) } else { Ok(out) }
}

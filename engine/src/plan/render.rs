//! Plans as text (`caseflow plan`), Mermaid and DOT (`caseflow graph`).

use std::fmt::Write;

use petgraph::visit::EdgeRef;

use super::Plan;

pub fn render_text(name: &str, plan: &Plan) -> String {
    let mut out = String::new();
    let steps = plan.graph.node_count();
    let _ = writeln!(
        out,
        "{name}: {steps} steps in {} levels, critical path {} steps, up to {} in parallel",
        plan.levels.len(),
        plan.critical_path.len(),
        plan.max_parallel()
    );
    for (i, level) in plan.levels.iter().enumerate() {
        let mode = if level.len() > 1 { " (parallel)" } else { "" };
        let _ = writeln!(out, "  level {}{mode}: {}", i + 1, level.join(", "));
    }
    let _ = writeln!(out, "  critical path: {}", plan.critical_path.join(" -> "));
    out
}

/// Every edge of the graph as `(dependency, dependent)` step ids.
fn edges(plan: &Plan) -> impl Iterator<Item = (&str, &str)> {
    plan.graph.edge_references().map(|edge| {
        (
            plan.graph[edge.source()].as_str(),
            plan.graph[edge.target()].as_str(),
        )
    })
}

pub fn render_mermaid(plan: &Plan) -> String {
    let mut out = String::from("flowchart TD\n");
    for node in plan.graph.node_indices() {
        let _ = writeln!(out, "  {0}[\"{0}\"]", plan.graph[node]);
    }
    for (from, to) in edges(plan) {
        let _ = writeln!(out, "  {from} --> {to}");
    }
    out
}

pub fn render_dot(name: &str, plan: &Plan) -> String {
    let mut out = format!("digraph \"{name}\" {{\n  rankdir=LR;\n  node [shape=box];\n");
    for node in plan.graph.node_indices() {
        let _ = writeln!(out, "  \"{}\";", plan.graph[node]);
    }
    for (from, to) in edges(plan) {
        let _ = writeln!(out, "  \"{from}\" -> \"{to}\";");
    }
    out.push_str("}\n");
    out
}

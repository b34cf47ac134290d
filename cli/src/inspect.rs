//! `plan`, `graph` and `list`: looking at specs without running them.

use std::path::{Path, PathBuf};

use super::{EXIT_INVALID, EXIT_OK, GraphFormat, PlanFormat, emit};
use caseflow::plan::{self, Plan};
use caseflow::spec::{self, CheckedSpec, Loader};

/// Loads and checks a spec, printing its diagnostics; `None` when invalid.
fn checked(command: &str, path: &Path) -> Option<CheckedSpec> {
    if path.is_dir() {
        eprintln!(
            "error: {} is a directory; `caseflow {command}` shows one spec: give one of its files (`caseflow list {}` lists them)",
            path.display(),
            path.display()
        );
        return None;
    }
    let mut loader = Loader::new();
    let (spec, diagnostics) = spec::check_file(&mut loader, path);
    super::diagnostics::print(&diagnostics);
    spec
}

/// The levels, the critical path and the cleanup steps of a valid spec.
pub(crate) fn plan_text(spec: &CheckedSpec) -> String {
    let plan = Plan::new(&spec.analysis.deps);
    let mut text = plan::render_text(&spec.loaded.spec.name, &plan);
    let cleanup: Vec<&str> = spec
        .analysis
        .cleanup_deps
        .keys()
        .map(String::as_str)
        .collect();
    if !cleanup.is_empty() {
        text.push_str(&format!("  cleanup: {}\n", cleanup.join(", ")));
    }
    text
}

pub fn plan(path: &Path, format: PlanFormat) -> i32 {
    let Some(spec) = checked("plan", path) else {
        return EXIT_INVALID;
    };
    if let PlanFormat::Html = format {
        emit(&caseflow::report::html::render_plan(&spec));
        return EXIT_OK;
    }
    let mut text = plan_text(&spec);
    let text_of_file = std::fs::read_to_string(path).unwrap_or_default();
    if caseflow::formats::arazzo::is_arazzo(path, &text_of_file) {
        let spec_deps = &spec.analysis.deps;
        text.push_str(&caseflow::formats::arazzo::edge_origins(
            &spec.loaded.spec,
            spec_deps,
        ));
    }
    emit(&text);
    EXIT_OK
}

pub fn graph(path: &Path, format: GraphFormat) -> i32 {
    let Some(spec) = checked("graph", path) else {
        return EXIT_INVALID;
    };
    let plan = Plan::new(&spec.analysis.deps);
    match format {
        GraphFormat::Mermaid => emit(&plan::render_mermaid(&plan)),
        GraphFormat::Dot => emit(&plan::render_dot(&spec.loaded.spec.name, &plan)),
    }
    EXIT_OK
}

pub fn list(targets: &[PathBuf]) -> i32 {
    let files = match super::spec_files(targets) {
        Ok(files) => files,
        Err(code) => return code,
    };
    let mut loader = Loader::new();
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::NOTHING);
    table.set_header(["SPEC", "TITLE", "STEPS", "TAGS"]);
    let mut status = EXIT_OK;
    for file in &files {
        let (spec, diagnostics) = spec::check_file(&mut loader, file);
        let Some(spec) = spec else {
            let errors: Vec<_> = diagnostics.into_iter().filter(|d| d.is_error()).collect();
            super::diagnostics::print(&errors);
            status = EXIT_INVALID;
            continue;
        };
        let s = &spec.loaded.spec;
        if s.library {
            continue;
        }
        table.add_row([
            file.display().to_string(),
            s.title.clone().unwrap_or_default(),
            s.steps.len().to_string(),
            s.tags.join(", "),
        ]);
    }
    emit(&format!("{table}\n"));
    status
}

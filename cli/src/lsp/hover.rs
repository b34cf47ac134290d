//! Hover text: a step's title, request line and both directions of its
//! dependencies; an output's capture; an input's sources in the order a
//! run tries them.

use std::fmt::Write as _;

use caseflow::spec::CheckedSpec;

use super::completion::capture_source;
use super::symbols::Symbol;

/// Markdown for a symbol, or `None` when the spec does not define it.
pub fn markdown(spec: &CheckedSpec, symbol: &Symbol) -> Option<String> {
    let model = &spec.loaded.spec;
    let mut out = String::new();
    match symbol {
        Symbol::Step { id, cleanup } => {
            let (step, deps) = if *cleanup {
                (model.cleanup.get(id)?, &spec.analysis.cleanup_deps)
            } else {
                (model.steps.get(id)?, &spec.analysis.deps)
            };
            let _ = write!(out, "**step `{id}`**");
            if let Some(title) = &step.title {
                let _ = write!(out, ": {title}");
            }
            out.push_str("\n\n");
            if let Some(request) = &step.request {
                let _ = writeln!(out, "`{} {}`\n", request.method.as_str(), request.url);
            }
            if let Some(uses) = &step.uses {
                let _ = writeln!(out, "runs `{uses}`\n");
            }
            if let Some(client) = &step.client {
                let _ = writeln!(out, "client `{client}`\n");
            }
            let needs: Vec<&str> = deps
                .get(id)
                .map(|d| d.iter().map(String::as_str).collect())
                .unwrap_or_default();
            let needed_by: Vec<&str> = spec
                .analysis
                .deps
                .iter()
                .chain(spec.analysis.cleanup_deps.iter())
                .filter(|(_, d)| d.contains(id))
                .map(|(other, _)| other.as_str())
                .collect();
            let _ = writeln!(out, "depends on: {}\n", listed(&needs));
            let _ = writeln!(out, "needed by: {}", listed(&needed_by));
        }
        Symbol::Output { step, name } => {
            if let Some(sub) = spec.loaded.subspecs.get(step) {
                let output = sub.spec.outputs.get(name)?;
                let _ = write!(
                    out,
                    "**output `{name}`** of step `{step}`: output of `{}`, `{}`",
                    sub.spec.name,
                    output.template()
                );
            } else {
                let capture = model.steps.get(step)?.outputs.get(name)?;
                let _ = write!(
                    out,
                    "**output `{name}`** of step `{step}`, captured from {}",
                    capture_source(&capture.spec())
                );
            }
        }
        Symbol::Input(name) => {
            let input = model.inputs.get(name)?;
            let _ = write!(out, "**input `{name}`**");
            if let Some(d) = &input.description {
                let _ = write!(out, ": {}", d.trim_end());
            }
            out.push_str("\n\n");
            if input.is_secret(name) {
                out.push_str("secret: masked in every output\n\n");
            }
            if input.required {
                out.push_str("required\n\n");
            }
            out.push_str("value from, in order:\n");
            out.push_str("1. the command line: `--set`\n");
            out.push_str("2. an inputs file: `--inputs FILE`\n");
            let mut n = 3;
            if let Some(env) = &input.env {
                let _ = writeln!(out, "{n}. environment variable `{env}`");
                n += 1;
            }
            if let Some(sandbox) = input.sandbox {
                let _ = writeln!(out, "{n}. the sandbox's `{}`", sandbox.key());
                n += 1;
            }
            if let Some(default) = &input.default {
                let shown = match default {
                    serde_json::Value::String(s) if caseflow::template::is_template(s) => s.clone(),
                    // A literal secret is shown nowhere, however short.
                    _ if input.is_secret(name) => caseflow::redact::MASK.to_string(),
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let _ = writeln!(out, "{n}. default `{shown}`");
            }
        }
        Symbol::Client(name) => {
            let client = model.clients.get(name)?;
            let _ = write!(out, "**client `{name}`**");
            if let Some(url) = &client.base_url {
                let _ = write!(out, ": base URL `{url}`");
            }
            let headers: Vec<&str> = client.headers.keys().map(String::as_str).collect();
            if !headers.is_empty() {
                let _ = write!(out, "\n\nheaders: {}", listed(&headers));
            }
        }
        Symbol::File(path) => {
            let _ = write!(out, "`{}`", path.display());
        }
    }
    Some(out)
}

fn listed(names: &[&str]) -> String {
    if names.is_empty() {
        "nothing".into()
    } else {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

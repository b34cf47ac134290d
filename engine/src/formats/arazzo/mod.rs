//! Arazzo 1.0/1.1 documents (the OpenAPI Initiative's workflow format) and
//! their OpenAPI source descriptions, read into caseflow specs: by
//! `caseflow import arazzo`, and in memory by `run`, `validate` and `plan`.

pub mod actions;
mod components;
mod condition;
pub mod convert;
pub mod criteria;
pub mod export;
mod export_criteria;
pub mod expression;
mod extensions;
pub mod openapi;
mod template;

use std::path::Path;

use serde_json::Value;

use super::{GeneratedSpec, Imported, Reader};
use crate::spec::origin::Origin;
use crate::spec::{Diagnostic, Loc, SourceFile, Spec};

/// Arazzo documents as a [`Reader`]: the workflow to convert, default the first.
pub struct Arazzo {
    pub workflow: Option<String>,
}

impl Reader for Arazzo {
    fn read(&self, document: &Path, _: Option<&Path>) -> Result<Imported, String> {
        let name = document.display().to_string();
        let text = crate::spec::load::read_text(document, &name).map_err(|d| d.to_string())?;
        let (spec, diagnostics) = convert_text(document, name, text, self.workflow.as_deref());
        let lines = |keep: fn(&Diagnostic) -> bool| -> Vec<String> {
            diagnostics
                .iter()
                .filter(|d| keep(d))
                .map(ToString::to_string)
                .collect()
        };
        let Some((spec, _)) = spec else {
            return Err(lines(Diagnostic::is_error).join("\n"));
        };
        let warnings = lines(|d| !d.is_error());
        let header = vec![format!(
            "Converted from the Arazzo document {}",
            document.display()
        )];
        let yaml = super::yaml::render(&spec, &header, &Default::default())?;
        Ok(Imported {
            specs: vec![GeneratedSpec {
                name: spec.name.clone(),
                spec,
                yaml,
            }],
            // The import prints `warning:` before each line already.
            warnings: warnings
                .into_iter()
                .map(|w| w.replacen("warning: ", "", 1))
                .collect(),
        })
    }
}

/// Whether a file is an Arazzo document: named `*.arazzo.yaml`/`.yml`/`.json`,
/// or with a top-level `arazzo` key.
pub fn is_arazzo(path: &Path, text: &str) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if [".arazzo.yaml", ".arazzo.yml", ".arazzo.json"]
        .iter()
        .any(|s| name.ends_with(s))
    {
        return true;
    }
    if text
        .lines()
        .any(|l| l.starts_with("arazzo:") || l.starts_with("\"arazzo\":"))
    {
        return true;
    }
    // A JSON document on one line or indented: look at its keys.
    text.trim_start().starts_with('{')
        && serde_json::from_str::<Value>(text).is_ok_and(|v| v.get("arazzo").is_some())
}

/// Converts a document's text: the spec (none when there are errors) and
/// every diagnostic, positioned in the Arazzo document.
pub fn convert_text(
    path: &Path,
    name: String,
    text: String,
    workflow: Option<&str>,
) -> (Option<(Spec, Origin)>, Vec<Diagnostic>) {
    let doc: Value =
        match serde_saphyr::from_str_with_options(&text, crate::spec::load::yaml_options()) {
            Ok(v) => v,
            Err(e) => {
                return (
                    None,
                    vec![crate::spec::load::yaml_error_in(&name, &text, &e)],
                );
            }
        };
    if !doc.is_object() {
        let d = Diagnostic::error(
            &name,
            Loc { line: 1, col: 1 },
            "",
            "an Arazzo document is a mapping with `arazzo`, `info`, `sourceDescriptions` and `workflows`",
        )
        .with_code(crate::spec::codes::ARAZZO);
        return (None, vec![d]);
    }
    let file = SourceFile::new(name, path.to_path_buf(), text);
    let (converted, mut diagnostics) = convert::convert(&file, &doc, workflow);
    let Some((spec, paths)) = converted else {
        return (None, diagnostics);
    };
    let (spec, problem) = extensions::apply(&doc, workflow, spec);
    if let Some(p) = problem {
        diagnostics.push(
            file.error("workflows", p)
                .with_code(crate::spec::codes::ARAZZO_DROPPED)
                .warning(),
        );
    }
    (Some((spec, Origin::new(file, paths))), diagnostics)
}

/// The plan's dependencies of a converted document, each marked with what
/// made it: a `$steps` output reference or a step's `dependsOn`.
pub fn edge_origins(spec: &Spec, deps: &crate::spec::check::Deps) -> String {
    let mut out = String::new();
    for (id, on) in deps.iter().filter(|(_, on)| !on.is_empty()) {
        let needs = spec
            .steps
            .get(id)
            .map(|s| s.needs.as_slice())
            .unwrap_or(&[]);
        let marked: Vec<String> = on
            .iter()
            .map(|dep| {
                let origin = if needs.contains(dep) {
                    "dependsOn"
                } else {
                    "output"
                };
                format!("{dep} ({origin})")
            })
            .collect();
        out.push_str(&format!("    {id} <- {}\n", marked.join(", ")));
    }
    if out.is_empty() {
        out
    } else {
        format!("  dependencies:\n{out}")
    }
}

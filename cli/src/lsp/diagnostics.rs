//! `validate`'s diagnostics as the protocol's, grouped by the file they are
//! in. A file read by several open specs (a base file they extend) shows
//! what each of them finds there.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use caseflow::spec::diagnostic::Severity;
use caseflow::spec::snippet::SourceRedactor;
use lsp_types::{Diagnostic, DiagnosticSeverity, PublishDiagnosticsParams};

use super::to_proto;
use super::workspace::{Document, Workspace};

/// A document's diagnostics by file, redacted, with its own file always present.
pub fn by_file(
    workspace: &Workspace,
    doc: &Document,
    redactor: &SourceRedactor,
) -> BTreeMap<PathBuf, Vec<Diagnostic>> {
    let mut by_file: BTreeMap<PathBuf, Vec<Diagnostic>> = BTreeMap::new();
    by_file.insert(doc.path.clone(), Vec::new());
    for d in &doc.diagnostics {
        let text = workspace.text_of(doc, &d.file).unwrap_or_default();
        let message = if d.path.is_empty() {
            d.message.clone()
        } else {
            format!("{}: {}", d.path, d.message)
        };
        let severity = match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        };
        by_file
            .entry(PathBuf::from(&d.file))
            .or_default()
            .push(Diagnostic {
                range: to_proto::diagnostic_range(&text, d),
                severity: Some(severity),
                code: (!d.code.is_empty())
                    .then(|| lsp_types::NumberOrString::String(d.code.to_string())),
                source: Some("caseflow".into()),
                message: redactor.redact(&message),
                ..Diagnostic::default()
            });
    }
    by_file
}

/// One notification per file: the union of what every open document
/// finds in it, each diagnostic once.
pub fn publish(workspace: &Workspace, files: &BTreeSet<PathBuf>) -> Vec<PublishDiagnosticsParams> {
    files
        .iter()
        .map(|file| PublishDiagnosticsParams {
            uri: to_proto::uri(file),
            diagnostics: union(workspace, file),
            version: None,
        })
        .collect()
}

fn union(workspace: &Workspace, file: &Path) -> Vec<Diagnostic> {
    let mut lists = workspace
        .documents
        .values()
        .filter_map(|doc| doc.published.get(file));
    // Most files are one document's: its list as it is, without comparing
    // every diagnostic with every other.
    let mut all = lists.next().cloned().unwrap_or_default();
    for list in lists {
        for d in list {
            if !all.contains(d) {
                all.push(d.clone());
            }
        }
    }
    all
}

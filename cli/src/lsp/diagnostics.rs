//! `validate`'s diagnostics as the protocol's, grouped by the file they are in.

use std::collections::BTreeMap;
use std::path::PathBuf;

use caseflow::spec::diagnostic::Severity;
use lsp_types::{Diagnostic, DiagnosticSeverity, PublishDiagnosticsParams};

use super::to_proto;
use super::workspace::Document;

/// One notification per file the document's diagnostics are in, and an
/// empty one for each file that had some last time and has none now.
pub fn publish(doc: &mut Document) -> Vec<PublishDiagnosticsParams> {
    let redactor = doc.redactor();
    let mut by_file: BTreeMap<PathBuf, Vec<Diagnostic>> = BTreeMap::new();
    by_file.insert(doc.path.clone(), Vec::new());
    for d in &doc.diagnostics {
        let text = doc.text_of(&d.file).unwrap_or_default();
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
    for old in std::mem::take(&mut doc.published) {
        by_file.entry(old).or_default();
    }
    doc.published = by_file
        .iter()
        .filter(|(_, list)| !list.is_empty())
        .map(|(path, _)| path.clone())
        .collect();
    by_file
        .into_iter()
        .map(|(path, diagnostics)| PublishDiagnosticsParams {
            uri: to_proto::uri(&path),
            diagnostics,
            version: None,
        })
        .collect()
}

//! The plan of the open spec: a code lens on `steps:` with its shape, and
//! the `caseflow.plan` command that gives `caseflow plan`'s text.

use caseflow::spec::CheckedSpec;
use lsp_types::{CodeLens, Command, Uri};

use super::to_proto;

pub const COMMAND: &str = "caseflow.plan";

/// `caseflow plan`'s text for a spec without errors.
pub fn text(spec: &CheckedSpec) -> Option<String> {
    if spec.analysis.has_errors() {
        return None;
    }
    Some(crate::inspect::plan_text(spec))
}

/// The lens over the `steps:` key: levels, width and critical path.
pub fn lenses(spec: &CheckedSpec, uri: &Uri) -> Vec<CodeLens> {
    let Some(text) = text(spec) else {
        return Vec::new();
    };
    let file = &spec.loaded.file;
    if !file.map().contains("steps") {
        return Vec::new();
    }
    let range = to_proto::token_range(&file.text, file.map().key("steps"));
    let title = text
        .lines()
        .next()
        .and_then(|l| l.split_once(": "))
        .map_or(text.clone(), |(_, shape)| format!("plan: {shape}"));
    vec![CodeLens {
        range,
        command: Some(Command {
            title,
            command: COMMAND.into(),
            arguments: Some(vec![serde_json::json!(uri.as_str())]),
        }),
        data: None,
    }]
}

//! `--report json=PATH`: the whole run as one JSON document, every string
//! redacted. Its shape is [`Document`], published as
//! `schemas/report.schema.json`; [`VERSION`] changes when a field changes
//! meaning or goes away (new fields may appear within a version).

use std::path::PathBuf;
use std::time::Duration;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value as Json;

use super::{FileReport, Reporter, SpecReport};

/// The version of the report's shape, written as `version`.
pub const VERSION: u32 = 1;

/// A caseflow run: every spec with every step, timings relative to each
/// spec's start, so a tool can draw the schedule.
#[derive(Serialize, JsonSchema)]
#[schemars(title = "caseflow run report")]
pub struct Document<'a> {
    /// The shape's version; this schema describes version 1.
    #[schemars(extend("const" = 1))]
    pub version: u32,
    /// Every spec passed.
    pub passed: bool,
    /// Wall time of the whole run in milliseconds.
    pub duration_ms: u64,
    pub specs: Vec<SpecEntry<'a>>,
}

/// One spec's report with its verdict.
#[derive(Serialize, JsonSchema)]
pub struct SpecEntry<'a> {
    /// No step failed (allowed failures aside) and the spec had no error.
    pub passed: bool,
    #[serde(flatten)]
    pub report: &'a SpecReport,
}

pub fn reporter(path: PathBuf) -> Box<dyn Reporter> {
    Box::new(FileReport::new(path, |reports, elapsed| {
        Ok(render(reports, elapsed))
    }))
}

pub fn render(reports: &[SpecReport], elapsed: Duration) -> String {
    let doc = Document {
        version: VERSION,
        passed: reports.iter().all(SpecReport::passed),
        duration_ms: elapsed.as_millis() as u64,
        specs: reports
            .iter()
            .map(|report| SpecEntry {
                passed: report.passed(),
                report,
            })
            .collect(),
    };
    let mut value = serde_json::to_value(&doc).unwrap_or(Json::Null);
    // On the value first, so a secret-named number becomes the string
    // "•••" and the document stays JSON; each spec with its own redactor.
    if let Some(specs) = value.get_mut("specs").and_then(Json::as_array_mut) {
        for (v, r) in specs.iter_mut().zip(reports) {
            r.redactor.redact_value(v);
        }
    }
    let text = serde_json::to_string_pretty(&value).unwrap_or_default();
    super::redact_all(reports, text)
}

/// The report's JSON Schema, as committed in `schemas/report.schema.json`.
pub fn schema_text() -> String {
    let schema = schemars::schema_for!(Document<'static>);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn committed_report_schema_is_current() {
        crate::committed::assert_current(
            "report.schema.json",
            &super::schema_text(),
            "committed_report_schema",
        );
    }
}

//! `--report json=PATH`: the whole run as JSON, every string redacted.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value as Json, json};

use super::{FileReport, Reporter, SpecReport};

pub fn reporter(path: PathBuf) -> Box<dyn Reporter> {
    Box::new(FileReport::new(path, |reports, elapsed| {
        Ok(render(reports, elapsed))
    }))
}

pub fn render(reports: &[SpecReport], elapsed: Duration) -> String {
    let specs: Vec<Json> = reports
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(r).unwrap_or(Json::Null);
            if let Some(obj) = v.as_object_mut() {
                obj.insert("passed".into(), Json::Bool(r.passed()));
            }
            // On the value first, so a secret-named number becomes the
            // string "•••" and the document stays JSON.
            r.redactor.redact_value(&mut v);
            v
        })
        .collect();
    let doc = json!({
        "passed": reports.iter().all(SpecReport::passed),
        "duration": elapsed.as_millis() as u64,
        "specs": specs,
    });
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    super::redact_all(reports, text)
}

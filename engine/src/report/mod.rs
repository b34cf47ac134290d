//! What a run produced (the result model), and the reports written from the
//! run's event stream: JSON, JUnit and HTML. A new format is one new file here
//! plus one line in [`FORMATS`]. Reporters redact every string they write
//! with the run's redactor, since a secret may be learned after a step ended.

pub mod har;
pub mod html;
pub mod json;
pub mod junit;
pub mod timeline;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::redact::Redactor;
use crate::run::{Event, EventSink};

/// A report built from the event stream, written once the run is over.
pub trait Reporter: Send {
    fn event(&mut self, event: &Event<'_>);
    /// Writes the report.
    fn finish(self: Box<Self>) -> Result<(), String>;
}

/// Starts a reporter that writes to a path.
pub type NewReporter = fn(PathBuf) -> Box<dyn Reporter>;

/// Every `--report FORMAT=PATH` format and how to start its reporter.
pub const FORMATS: &[(&str, NewReporter)] = &[
    ("json", json::reporter),
    ("junit", junit::reporter),
    ("html", html::reporter),
    ("har", har::reporter),
];

/// The reporter of a format, or `None` for an unknown one.
pub fn reporter(format: &str, path: PathBuf) -> Option<Box<dyn Reporter>> {
    FORMATS
        .iter()
        .find(|(name, _)| *name == format)
        .map(|(_, new)| new(path))
}

/// Several reporters as one event sink.
#[derive(Default)]
pub struct Reporters(Mutex<Vec<Box<dyn Reporter>>>);

impl Reporters {
    pub fn new(reporters: Vec<Box<dyn Reporter>>) -> Self {
        Self(Mutex::new(reporters))
    }

    /// Writes every report; the errors of those that could not be written.
    pub fn finish(&self) -> Vec<String> {
        let reporters = self.0.lock().map(|mut r| std::mem::take(&mut *r));
        reporters
            .unwrap_or_default()
            .into_iter()
            .filter_map(|r| r.finish().err())
            .collect()
    }
}

impl EventSink for Reporters {
    fn event(&self, event: &Event<'_>) {
        if let Ok(mut reporters) = self.0.lock() {
            for r in reporters.iter_mut() {
                r.event(event);
            }
        }
    }
}

/// Renders a whole run as one document.
type Render = fn(&[SpecReport], Duration) -> Result<String, String>;

/// A report that is one file rendered from the finished run: every spec's
/// report and the wall time, taken from [`EventKind::RunFinished`](crate::run::EventKind::RunFinished).
struct FileReport {
    path: PathBuf,
    render: Render,
    reports: Vec<SpecReport>,
    elapsed: Duration,
}

impl FileReport {
    fn new(path: PathBuf, render: Render) -> Self {
        Self {
            path,
            render,
            reports: Vec::new(),
            elapsed: Duration::ZERO,
        }
    }
}

impl Reporter for FileReport {
    fn event(&mut self, event: &Event<'_>) {
        if let crate::run::EventKind::RunFinished { reports } = event.kind {
            self.reports = reports.to_vec();
            self.elapsed = event.elapsed;
        }
    }

    fn finish(self: Box<Self>) -> Result<(), String> {
        let text = (self.render)(&self.reports, self.elapsed)?;
        std::fs::write(&self.path, text)
            .map_err(|e| format!("cannot write the report {}: {e}", self.path.display()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Passed,
    Failed,
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }
}

/// Main steps run first, cleanup steps after them (also after a failure).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Main,
    Cleanup,
}

/// Where something is written: a spec file, 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

/// One step's result.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct StepReport {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub phase: Phase,
    pub status: Status,
    /// The steps it waited for: those whose outputs it uses and its `needs`
    /// (a cleanup step may name main steps).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    /// HTTP status of the last response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// The last request sent: method and URL, secrets masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// When it started (or was skipped), in milliseconds since its spec started.
    pub started_ms: u64,
    /// How long it ran, in milliseconds, retries and polls included.
    #[serde(
        rename = "duration_ms",
        serialize_with = "millis",
        deserialize_with = "from_millis"
    )]
    #[schemars(with = "u64")]
    pub duration: Duration,
    /// Requests sent, retries and polls included.
    pub attempts: u32,
    /// Captured values, secrets already masked.
    pub outputs: Arc<serde_json::Map<String, Json>>,
    /// Why it failed or was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Where a failed step is written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// A failure that does not fail the run (`continue_on_error`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allowed_failure: bool,
    /// The steps of a `uses` sub-workflow.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepReport>,
    /// A cleanup step a second interrupt abandoned: what it would have
    /// removed (its request and the captured values it uses).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_behind: Option<String>,
    /// Where in the spec a failure points, for the console to draw (the
    /// reports keep `location` and `message`).
    #[serde(skip)]
    #[schemars(skip)]
    pub site: Option<crate::spec::snippet::Site>,
}

impl StepReport {
    pub fn new(id: &str, title: Option<String>, phase: Phase, status: Status) -> Self {
        Self {
            id: id.to_string(),
            title,
            phase,
            status,
            needs: Vec::new(),
            http_status: None,
            request: None,
            started_ms: 0,
            duration: Duration::ZERO,
            attempts: 0,
            outputs: Arc::default(),
            message: None,
            location: None,
            allowed_failure: false,
            steps: Vec::new(),
            left_behind: None,
            site: None,
        }
    }

    /// Failed in a way that fails the run.
    pub fn is_failure(&self) -> bool {
        self.status == Status::Failed && !self.allowed_failure
    }
}

/// One spec's run.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SpecReport {
    pub name: String,
    pub file: String,
    /// The `run.id` its templates saw.
    pub run_id: String,
    /// Wall-clock start, RFC 3339 in UTC.
    pub started_at: String,
    #[serde(
        rename = "duration_ms",
        serialize_with = "millis",
        deserialize_with = "from_millis"
    )]
    #[schemars(with = "u64")]
    pub duration: Duration,
    /// Main steps in spec order, then cleanup steps.
    pub steps: Vec<StepReport>,
    /// Workflow outputs, secrets masked.
    pub outputs: serde_json::Map<String, Json>,
    /// A failure outside any step (e.g. a client that cannot be built).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip)]
    pub redactor: Arc<Redactor>,
}

impl SpecReport {
    pub fn passed(&self) -> bool {
        self.error.is_none() && !self.steps.iter().any(StepReport::is_failure)
    }

    /// Every step, sub-workflow steps included, with its display name.
    pub fn flat_steps(&self) -> Vec<(String, &StepReport)> {
        fn walk<'a>(
            prefix: &str,
            steps: &'a [StepReport],
            out: &mut Vec<(String, &'a StepReport)>,
        ) {
            for s in steps {
                let name = if prefix.is_empty() {
                    s.id.clone()
                } else {
                    format!("{prefix} › {}", s.id)
                };
                out.push((name.clone(), s));
                walk(&name, &s.steps, out);
            }
        }
        let mut out = Vec::new();
        walk("", &self.steps, &mut out);
        out
    }

    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for (_, s) in self.flat_steps() {
            match s.status {
                Status::Passed => c.passed += 1,
                Status::Failed => c.failed += 1,
                Status::Skipped => c.skipped += 1,
            }
        }
        c
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

/// A rendered report, once more through every distinct redactor of the run:
/// a secret learned by one spec may appear in another's text.
pub fn redact_all(reports: &[SpecReport], text: String) -> String {
    let mut seen: Vec<&Arc<Redactor>> = Vec::new();
    reports.iter().fold(text, |text, r| {
        if seen.iter().any(|s| Arc::ptr_eq(s, &r.redactor)) {
            return text;
        }
        seen.push(&r.redactor);
        r.redactor.redact(&text)
    })
}

/// Read back from a JSON report (`caseflow report merge`).
fn from_millis<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    u64::deserialize(d).map(Duration::from_millis)
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

/// `1 step`, `2 steps`.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `1.234s` or `56ms`.
pub fn format_duration(d: Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:.2}s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The HTML report's durations: whole milliseconds below a second,
    /// seconds with two decimals from one on.
    #[test]
    fn durations_read_in_milliseconds_then_seconds() {
        assert_eq!(format_duration(Duration::from_micros(999_999)), "999ms");
        assert_eq!(format_duration(Duration::from_millis(1000)), "1.00s");
        assert_eq!(format_duration(Duration::from_millis(61_234)), "61.23s");
        assert_eq!(plural(1, "step"), "1 step");
        assert_eq!(plural(0, "step"), "0 steps");
    }
}

//! The terminal: live progress of running steps (indicatif, only on a TTY)
//! and `-v` dumps, both driven by the run's events, and the final summary
//! table (comfy-table) with a total line.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value as Json;

use caseflow::redact::Redactor;
use caseflow::report::{SpecReport, Status, StepReport, format_duration};
use caseflow::run::{Event, EventKind, EventSink};

/// Progress bars (one per running spec) and dumps to stderr.
pub struct Console {
    progress: Option<MultiProgress>,
    bars: Mutex<HashMap<String, SpecBar>>,
}

struct SpecBar {
    bar: ProgressBar,
    running: Vec<String>,
}

impl Console {
    pub fn new(show_progress: bool) -> Self {
        let progress =
            show_progress.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Self {
            progress,
            bars: Mutex::new(HashMap::new()),
        }
    }

    /// Registers a spec about to run with its number of steps.
    fn add_spec(&self, name: &str, steps: usize) {
        let Some(progress) = &self.progress else {
            return;
        };
        let style =
            ProgressStyle::with_template("{spinner} {prefix:.bold} [{pos}/{len}] {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bar = progress.add(ProgressBar::new(steps as u64));
        bar.set_style(style);
        bar.set_prefix(name.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        if let Ok(mut bars) = self.bars.lock() {
            bars.insert(
                name.to_string(),
                SpecBar {
                    bar,
                    running: Vec::new(),
                },
            );
        }
    }

    /// Removes a finished spec's bar.
    fn finish_spec(&self, name: &str) {
        if let Some(b) = self.bars.lock().ok().and_then(|mut bars| bars.remove(name)) {
            b.bar.finish_and_clear();
            if let Some(p) = &self.progress {
                p.remove(&b.bar);
            }
        }
    }

    /// A line on stderr, above the progress bars.
    pub fn print(&self, text: &str) {
        let print = || {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "{text}");
        };
        match &self.progress {
            Some(p) => p.suspend(print),
            None => print(),
        }
    }

    fn with_bar(&self, label: &str, f: impl FnOnce(&mut SpecBar, bool)) {
        // Sub-workflows report as `spec › step`; they move their spec's bar.
        let (spec, nested) = match label.split_once(" › ") {
            Some((spec, _)) => (spec, true),
            None => (label, false),
        };
        if let Ok(mut bars) = self.bars.lock()
            && let Some(b) = bars.get_mut(spec)
        {
            f(b, nested);
        }
    }
}

impl EventSink for Console {
    fn event(&self, event: &Event<'_>) {
        let spec = event.spec;
        match event.kind {
            // A sub-workflow's start and end move its parent's bar, not a new one.
            EventKind::SpecStarted { steps } if !spec.contains(" › ") => {
                self.add_spec(spec, steps)
            }
            EventKind::SpecFinished(_) if !spec.contains(" › ") => self.finish_spec(spec),
            EventKind::StepStarted { step } => self.with_bar(spec, |b, _| {
                b.running.push(step.to_string());
                b.bar.set_message(running_text(&b.running));
            }),
            EventKind::StepFinished(step) => self.step_finished(spec, step),
            EventKind::Dump { text } => self.print(&format!("[{spec}]\n{text}")),
            EventKind::Note { text } => self.print(&format!("[{spec}] {text}")),
            _ => {}
        }
    }
}

impl Console {
    fn step_finished(&self, spec: &str, step: &StepReport) {
        self.with_bar(spec, |b, nested| {
            if let Some(i) = b.running.iter().position(|s| *s == step.id) {
                b.running.remove(i);
            }
            if !nested {
                b.bar.inc(1);
            }
            b.bar.set_message(running_text(&b.running));
        });
    }
}

fn running_text(running: &[String]) -> String {
    if running.is_empty() {
        return String::new();
    }
    let shown: Vec<&str> = running.iter().take(4).map(String::as_str).collect();
    let more = running.len().saturating_sub(shown.len());
    if more > 0 {
        format!("running {} +{more}", shown.join(", "))
    } else {
        format!("running {}", shown.join(", "))
    }
}

/// Failure details, the per-step table, and the total line, redacted as a
/// whole at the end (only the outputs, which are shortened, go through the
/// redactor before that).
pub fn summary(reports: &[SpecReport], elapsed: Duration, color: bool) -> String {
    let mut out = String::new();
    for report in reports {
        if let Some(e) = &report.error {
            out.push_str(&format!("✗ {}: {e}\n", report.name));
        }
        for (name, step) in report.flat_steps() {
            if step.status == Status::Failed && step.steps.is_empty() {
                let message = step.message.as_deref().unwrap_or("failed");
                let allowed = if step.allowed_failure {
                    " (continue_on_error)"
                } else {
                    ""
                };
                out.push_str(&format!("✗ {} › {name}{allowed}\n", report.name));
                for line in message.lines() {
                    out.push_str(&format!("    {line}\n"));
                }
            }
        }
    }
    if !out.is_empty() {
        out.push('\n');
    }
    let mut table = Table::new();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    table.set_content_arrangement(ContentArrangement::Disabled);
    if !color {
        table.force_no_tty();
    }
    table.set_header(["SPEC", "STEP", "STATUS", "HTTP", "TIME", "TRIES", "OUTPUTS"]);
    for report in reports {
        let r = &report.redactor;
        for (name, step) in report.flat_steps() {
            let name = if step.phase == caseflow::report::Phase::Cleanup && !name.contains(" › ")
            {
                format!("{name} (cleanup)")
            } else {
                name
            };
            let status = match step.status {
                Status::Passed => Cell::new("passed").fg(Color::Green),
                Status::Failed if step.allowed_failure => {
                    Cell::new("failed (allowed)").fg(Color::Yellow)
                }
                Status::Failed => Cell::new("failed").fg(Color::Red),
                Status::Skipped => Cell::new("skipped").fg(Color::DarkGrey),
            };
            let status = if color {
                status
            } else {
                Cell::new(status.content())
            };
            let skipped = step.status == Status::Skipped;
            table.add_row(vec![
                Cell::new(&report.name),
                Cell::new(name),
                status,
                Cell::new(step.http_status.map(|s| s.to_string()).unwrap_or_default()),
                Cell::new(if skipped {
                    String::new()
                } else {
                    format_duration(step.duration)
                }),
                Cell::new(if skipped {
                    String::new()
                } else {
                    step.attempts.to_string()
                }),
                Cell::new(outputs_text(&step.outputs, r)),
            ]);
        }
    }
    out.push_str(&table.to_string());
    out.push('\n');
    out.push_str(&total_line(reports, elapsed));
    out.push('\n');
    out.push_str(&left_behind(reports));
    caseflow::report::redact_all(reports, out)
}

/// Cleanup steps a second interrupt abandoned, with what each would have
/// removed. Empty when there are none.
pub fn left_behind(reports: &[SpecReport]) -> String {
    let mut lines = String::new();
    for report in reports {
        for (name, step) in report.flat_steps() {
            if let Some(what) = &step.left_behind {
                lines.push_str(&format!("  {} › {name}: {what}\n", report.name));
            }
        }
    }
    if lines.is_empty() {
        return lines;
    }
    format!(
        "cleanup abandoned: these cleanup steps did not run, what they would have removed is left behind:\n{lines}"
    )
}

/// `2 specs, 24 steps: 23 passed, 1 failed, 0 skipped in 1.52s`.
pub fn total_line(reports: &[SpecReport], elapsed: Duration) -> String {
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for r in reports {
        let c = r.counts();
        passed += c.passed;
        failed += c.failed;
        skipped += c.skipped;
    }
    let failed_specs = reports.iter().filter(|r| !r.passed()).count();
    let verdict = if failed_specs == 0 {
        "PASSED"
    } else {
        "FAILED"
    };
    format!(
        "{verdict}: {} spec(s) ({failed_specs} failed), {} step(s): {passed} passed, {failed} failed, {skipped} skipped in {}",
        reports.len(),
        passed + failed + skipped,
        format_duration(elapsed)
    )
}

/// `name=value` pairs, each value redacted before it is shortened (a cut
/// secret would no longer be recognised).
fn outputs_text(outputs: &serde_json::Map<String, Json>, r: &Redactor) -> String {
    let mut parts = Vec::new();
    for (k, v) in outputs {
        let v = match v {
            Json::String(s) => r.redact(s),
            other => r.redact(&other.to_string()),
        };
        let v = if v.chars().count() > 40 {
            format!("{}…", v.chars().take(40).collect::<String>())
        } else {
            v
        };
        parts.push(format!("{k}={v}"));
    }
    parts.join(" ")
}

//! While the run goes: one line per spec as it finishes (stdout), and on a
//! terminal a live area of the specs running with their steps in flight
//! (indicatif, stderr); `-v` dumps and notes (stderr). All driven by the
//! run's events.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::spec_line;
use super::style::Terminal;
use caseflow::report::{SpecReport, StepReport};
use caseflow::run::{Event, EventKind, EventSink};

/// The live part of the console.
pub struct Console {
    progress: Option<MultiProgress>,
    bars: Mutex<HashMap<String, SpecBar>>,
    /// Where spec lines go; `None` under `-q`.
    lines: Option<Terminal>,
}

struct SpecBar {
    bar: ProgressBar,
    running: Vec<String>,
}

impl Console {
    /// `lines`: print a line per finished spec to that terminal.
    pub fn new(show_progress: bool, lines: Option<Terminal>) -> Self {
        let progress =
            show_progress.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Self {
            progress,
            bars: Mutex::new(HashMap::new()),
            lines,
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
        self.above_bars(|| {
            let _ = writeln!(std::io::stderr().lock(), "{text}");
        });
    }

    fn above_bars(&self, print: impl FnOnce()) {
        match &self.progress {
            Some(p) => p.suspend(print),
            None => print(),
        }
    }

    /// A spec's line on stdout (redacted: skip reasons quote messages).
    fn spec_finished(&self, report: &SpecReport) {
        self.finish_spec(&report.name);
        if let Some(term) = &self.lines {
            let text = report.redactor.redact(&spec_line(report, term));
            self.above_bars(|| {
                let _ = std::io::stdout().lock().write_all(text.as_bytes());
            });
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
            EventKind::SpecFinished(report) if !spec.contains(" › ") => {
                self.spec_finished(report)
            }
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

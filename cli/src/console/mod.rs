//! The terminal, in the manner of cargo-nextest: while the run goes, one
//! line per spec as it finishes (and on a terminal a live area of the steps
//! in flight); at the end every failure in full and one summary line, with
//! the per-step table on request.

mod failures;
mod github;
mod live;
pub mod style;
mod table;

use std::time::Duration;

pub use live::Console;
use style::{Paint, Terminal, timing};

use caseflow::report::{SpecReport, Status, plural};

/// How much the end of a run shows.
#[derive(Debug, Clone)]
pub struct Summary {
    pub term: Terminal,
    /// The per-step table of every spec.
    pub table: bool,
    /// `::error` annotations for GitHub Actions.
    pub github: bool,
    /// Stopped by a signal.
    pub interrupted: bool,
    /// A line after the summary line: which shard ran, what was merged.
    pub footer: Option<String>,
}

/// The per-step table (on request), every failure, the summary line and
/// what an abandoned cleanup left behind, redacted as a whole.
pub fn summary(reports: &[SpecReport], elapsed: Duration, how: &Summary) -> String {
    let mut out = String::new();
    if how.table {
        out.push('\n');
        out.push_str(&table::render(reports, &how.term));
    }
    out.push_str(&failures::render(reports, &how.term));
    out.push_str("────────────\n");
    out.push_str(&total_line(reports, elapsed, how));
    out.push('\n');
    if let Some(footer) = &how.footer {
        out.push_str(footer);
        out.push('\n');
    }
    out.push_str(&left_behind(reports));
    if how.github {
        out.push_str(&github::annotations(reports));
    }
    caseflow::report::redact_all(reports, out)
}

/// `    PASS [   0.137s] group-user  10 steps`, then, for a spec that
/// passed, each step it skipped, allowed to fail or passed only after
/// several attempts (a failed spec shows those in its failure block).
pub fn spec_line(report: &SpecReport, term: &Terminal) -> String {
    let c = Tally::of(report);
    let (word, paint) = if report.passed() {
        ("PASS", Paint::Pass)
    } else {
        ("FAIL", Paint::Fail)
    };
    let mut out = format!(
        "{} {} {}  {}\n",
        term.paint(&format!("{word:>8}"), paint),
        timing(report.duration),
        term.paint(&report.name, Paint::Bold),
        c.text(false)
    );
    if report.passed() {
        for (name, step) in report.flat_steps() {
            let why = step.message.as_deref().unwrap_or_default();
            let mut why = why.lines().next().unwrap_or_default().to_string();
            let label = match step.status {
                Status::Skipped => "SKIP",
                Status::Failed if step.steps.is_empty() => "ALLOWED",
                Status::Passed if step.attempts > 1 && step.steps.is_empty() => {
                    why = format!("passed after {} attempts", step.attempts);
                    "RETRY"
                }
                _ => continue,
            };
            let line = format!(
                "{} {name}: {why}",
                term.paint(&format!("{label:>8}"), Paint::Warn)
            );
            out.push_str(&term.clip(&line, 0));
            out.push('\n');
        }
    }
    out
}

/// Step counts of one or more specs.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    passed: usize,
    failed: usize,
    allowed: usize,
    skipped: usize,
    retried: usize,
}

impl Tally {
    fn of(report: &SpecReport) -> Self {
        let mut t = Self::default();
        t.add(report);
        t
    }

    fn add(&mut self, report: &SpecReport) {
        for (_, s) in report.flat_steps() {
            match s.status {
                Status::Passed => self.passed += 1,
                Status::Failed if s.allowed_failure => self.allowed += 1,
                Status::Failed => self.failed += 1,
                Status::Skipped => self.skipped += 1,
            }
            if s.status == Status::Passed && s.attempts > 1 && s.steps.is_empty() {
                self.retried += 1;
            }
        }
    }

    /// `10 steps`, or `10 steps: 5 passed, 1 failed, 4 skipped`; zero
    /// counts other than `passed` are left out. `retried`: say how many
    /// passed only after several attempts.
    fn text(&self, retried: bool) -> String {
        let total = self.passed + self.failed + self.allowed + self.skipped;
        let mut parts = Vec::new();
        if self.passed != total {
            parts.push(format!("{} passed", self.passed));
        }
        for (n, what) in [
            (self.failed, "failed"),
            (self.allowed, "failed (allowed)"),
            (self.skipped, "skipped"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        let mut text = plural(total, "step");
        if !parts.is_empty() {
            text = format!("{text}: {}", parts.join(", "));
        }
        if retried && self.retried > 0 {
            text.push_str(&format!(" ({} after several attempts)", self.retried));
        }
        text
    }
}

/// `PASSED [   1.520s] 2 specs, 24 steps` or
/// `FAILED [   0.137s] 1 spec (1 failed), 10 steps: 5 passed, 1 failed, 4 skipped`.
pub fn total_line(reports: &[SpecReport], elapsed: Duration, how: &Summary) -> String {
    let mut tally = Tally::default();
    for r in reports {
        tally.add(r);
    }
    let failed = reports.iter().filter(|r| !r.passed()).count();
    let (verdict, paint) = if how.interrupted {
        ("INTERRUPTED", Paint::Warn)
    } else if failed == 0 {
        ("PASSED", Paint::Pass)
    } else {
        ("FAILED", Paint::Fail)
    };
    let specs = if failed > 0 {
        format!("{} ({failed} failed)", plural(reports.len(), "spec"))
    } else {
        plural(reports.len(), "spec")
    };
    format!(
        "{} {} {specs}, {}",
        how.term.paint(verdict, paint),
        timing(elapsed),
        tally.text(true)
    )
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

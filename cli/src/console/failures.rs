//! The end of a run that failed: each failed spec in full, its failed steps
//! with what was expected and what came (request line, response excerpt),
//! the steps skipped because of them with the reason, and its cleanup.

use indexmap::IndexMap;

use super::style::{Paint, Terminal, wrap_list};
use caseflow::report::{Phase, SpecReport, Status, StepReport, plural};

/// Response lines a failure shows; the reports have the whole excerpt.
const BODY_LINES: usize = 8;

/// Every failed spec; empty when all passed.
pub fn render(reports: &[SpecReport], term: &Terminal) -> String {
    let mut out = String::new();
    for report in reports.iter().filter(|r| !r.passed()) {
        out.push_str(&spec(report, term));
    }
    out
}

fn spec(report: &SpecReport, term: &Terminal) -> String {
    let mut out = format!(
        "\n{} {} ({})\n",
        term.paint("--- FAIL", Paint::Fail),
        term.paint(&report.name, Paint::Bold),
        report.file
    );
    if let Some(e) = &report.error {
        out.push_str(&format!("  {} {e}\n", term.paint("✗", Paint::Fail)));
    }
    let steps = report.flat_steps();
    for (name, step) in &steps {
        if step.status == Status::Failed && step.steps.is_empty() {
            out.push_str(&failed(name, step, term));
        }
    }
    // Skipped steps grouped by why, in the order the reasons first appear.
    let mut skipped: IndexMap<&str, Vec<String>> = IndexMap::new();
    for (name, step) in &steps {
        if step.status == Status::Skipped {
            let why = step.message.as_deref().unwrap_or("skipped");
            skipped
                .entry(why)
                .or_default()
                .push(display_name(name, step));
        }
    }
    for (why, names) in skipped {
        let head = format!("  skipped ({why}): ");
        let list = wrap_list(&names, head.chars().count(), 6, term.width);
        out.push_str(&format!("{}{list}\n", term.paint(&head, Paint::Dim)));
    }
    let cleaned: Vec<String> = steps
        .iter()
        .filter(|(_, s)| s.phase == Phase::Cleanup && s.status != Status::Skipped)
        .map(|(name, s)| format!("{name} {}", s.status.as_str()))
        .collect();
    if !cleaned.is_empty() {
        let list = wrap_list(&cleaned, "  cleanup: ".len(), 6, term.width);
        out.push_str(&format!("  cleanup: {list}\n"));
    }
    out
}

/// One failed step: heading, where and how long, then its message with
/// the request line before the response.
fn failed(name: &str, step: &StepReport, term: &Terminal) -> String {
    let mark = if step.allowed_failure {
        term.paint("! allowed to fail:", Paint::Warn)
    } else {
        term.paint("✗", Paint::Fail)
    };
    let title = step
        .title
        .as_deref()
        .map(|t| format!(" — {t}"))
        .unwrap_or_default();
    let mut out = format!("  {mark} {}{title}\n", display_name(name, step));
    let at = step
        .location
        .as_ref()
        .map(|l| format!("at {}:{}:{}, ", l.file, l.line, l.column))
        .unwrap_or_default();
    out.push_str(&format!(
        "      {at}{} in {:.3}s\n",
        plural(step.attempts as usize, "attempt"),
        step.duration.as_secs_f64()
    ));
    if let Some(site) = &step.site {
        out.push_str(&crate::diagnostics::site(
            site,
            term.color,
            6,
            term.width.unwrap_or(1000),
        ));
    }
    let message = step.message.as_deref().unwrap_or("failed");
    // Not when the message already names the URL (a request that got no response).
    let mut request = step.request.as_deref().filter(|r| {
        let url = r.split_once(' ').map_or(*r, |(_, url)| url);
        !message.contains(url)
    });
    let mut body_lines = None;
    for line in message.lines() {
        if line.starts_with("response: ") {
            if let Some(r) = request.take() {
                out.push_str(&format!("      request:  {}\n", term.clip(r, 16)));
            }
            body_lines = Some(0);
        }
        if let Some(n) = body_lines.as_mut() {
            *n += 1;
            if *n > BODY_LINES + 1 {
                out.push_str("      …\n");
                break;
            }
        }
        out.push_str(&format!("      {}\n", term.clip(line, 6)));
    }
    if let Some(r) = request {
        out.push_str(&format!("      request:  {}\n", term.clip(r, 16)));
    }
    out
}

fn display_name(name: &str, step: &StepReport) -> String {
    if step.phase == Phase::Cleanup && !name.contains(" › ") {
        format!("{name} (cleanup)")
    } else {
        name.to_string()
    }
}

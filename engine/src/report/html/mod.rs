//! `--report html=PATH`: the run as one self-contained page people read: a
//! summary, then per spec a timeline of its steps (lanes, status colours,
//! the critical path, what each step waited for on hover) and every step's
//! details. The page fetches nothing (a Content-Security-Policy forbids it)
//! and reads without JavaScript: bars are placed here, details are
//! `<details>`. The same drawing serves `caseflow plan --format html`.
//!
//! Every string is redacted with its spec's redactor before it is escaped
//! (an escaped secret would hide from the last pass), and the whole page
//! once more at the end, as the JSON report does.

use std::fmt::Write;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value as Json;

use super::timeline::{Axis, Bar, Mark, Timeline};
use super::{
    Counts, FileReport, Reporter, SpecReport, Status, StepReport, format_duration, plural,
};
use crate::plan::Plan;
use crate::redact::Redactor;
use crate::spec::CheckedSpec;

mod chart;
mod details;

use chart::chart;
use details::{step_details, values_table};

const STYLE: &str = include_str!("html.css");
const SCRIPT: &str = include_str!("html.js");

pub fn reporter(path: PathBuf) -> Box<dyn Reporter> {
    Box::new(FileReport::new(path, |reports, elapsed| {
        Ok(render(reports, elapsed))
    }))
}

/// The run report of these specs, run in `elapsed` wall time.
pub fn render(reports: &[SpecReport], elapsed: Duration) -> String {
    let shown: Vec<SpecReport> = reports.iter().map(redacted_spec).collect();
    let passed = shown.iter().all(SpecReport::passed);
    let counts = shown.iter().fold(Counts::default(), |mut all, s| {
        let c = s.counts();
        all.passed += c.passed;
        all.failed += c.failed;
        all.skipped += c.skipped;
        all
    });
    let step_time: Duration = shown.iter().map(step_time).sum();
    let verdict = if passed { "passed" } else { "failed" };
    let steps = counts.passed + counts.failed + counts.skipped;
    let mut body = format!(
        "<header class=\"run {verdict}\"><h1><span class=\"verdict\">{}</span> caseflow run</h1>\
         <p class=\"stats\">{} · {} · wall {} · step time {}{}</p>",
        verdict.to_uppercase(),
        plural(shown.len(), "spec"),
        counts_text(steps, counts),
        format_duration(elapsed),
        format_duration(step_time),
        speed_up(step_time, elapsed),
    );
    if shown.len() > 1 {
        body.push_str("<nav>");
        for (i, s) in shown.iter().enumerate() {
            let v = if s.passed() { "passed" } else { "failed" };
            let _ = write!(
                body,
                "<a class=\"{v}\" href=\"#spec-{i}\">{}</a>",
                esc(&s.name)
            );
        }
        body.push_str("</nav>");
    }
    body.push_str("</header><main>");
    for (i, spec) in shown.iter().enumerate() {
        spec_section(&mut body, i, spec);
    }
    body.push_str("</main>");
    let title = format!(
        "caseflow: {} {}, {}",
        verdict.to_uppercase(),
        plural(shown.len(), "spec"),
        plural(steps, "step")
    );
    super::redact_all(reports, page(&title, &body))
}

/// `caseflow plan --format html`: the planned schedule, each step one unit
/// long at its level, cleanup after.
pub fn render_plan(spec: &CheckedSpec) -> String {
    let s = &spec.loaded.spec;
    let plan = Plan::new(&spec.analysis.deps);
    let mut timeline = Timeline::of_plan(spec, &plan);
    let mut body = format!(
        "<header class=\"run planned\"><h1><span class=\"verdict\">PLAN</span> {}</h1><p class=\"stats\">",
        esc(&s.name)
    );
    if let Some(title) = &s.title {
        let _ = write!(body, "{} · ", esc(title));
    }
    let _ = write!(
        body,
        "{} in {} levels, critical path {}, up to {} in parallel{}</p></header><main><section class=\"spec\">",
        plural(plan.graph.node_count(), "step"),
        plan.levels.len(),
        plural(plan.critical_path.len(), "step"),
        plan.max_parallel(),
        if spec.analysis.cleanup_deps.is_empty() {
            String::new()
        } else {
            format!(
                ", then {} of cleanup",
                plural(spec.analysis.cleanup_deps.len(), "step")
            )
        },
    );
    chart(&mut body, &mut timeline, &|i| format!("#p-{i}"));
    critical_line(&mut body, &timeline);
    body.push_str("<table class=\"plan\"><tr><th>level</th><th>step</th><th>waits for</th></tr>");
    for (i, bar) in timeline.bars.iter().enumerate() {
        let level = if bar.cleanup {
            format!("cleanup {}", bar.start as usize - plan.levels.len() + 1)
        } else {
            (bar.start as usize + 1).to_string()
        };
        let _ = write!(
            body,
            "<tr id=\"p-{i}\"><td>{level}</td><td><b>{}</b>{}</td><td>{}</td></tr>",
            esc(&bar.id),
            bar.title
                .as_deref()
                .map(|t| format!(" <span class=\"mut\">{}</span>", esc(t)))
                .unwrap_or_default(),
            esc(&bar.needs.join(", "))
        );
    }
    body.push_str("</table></section></main>");
    page(&format!("caseflow plan: {}", s.name), &body)
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head>\n<body>{body}<script>{SCRIPT}</script></body></html>\n",
        esc(title)
    )
}

fn spec_section(out: &mut String, index: usize, spec: &SpecReport) {
    let verdict = if spec.passed() { "passed" } else { "failed" };
    let counts = spec.counts();
    let steps = counts.passed + counts.failed + counts.skipped;
    let _ = write!(
        out,
        "<section class=\"spec {verdict}\" id=\"spec-{index}\"><h2><span class=\"pill m-{verdict}\">{verdict}</span> {}</h2>\
         <p class=\"meta\">{} · run {} · started {} · took {}</p>",
        esc(&spec.name),
        esc(&spec.file),
        esc(&spec.run_id),
        esc(&spec.started_at),
        format_duration(spec.duration),
    );
    if let Some(e) = &spec.error {
        let _ = write!(out, "<pre class=\"error\">{}</pre>", esc(e));
    }
    let mut timeline = Timeline::of_steps(&spec.steps);
    let busy = Duration::from_secs_f64(timeline.span / 1000.0);
    let time = step_time(spec);
    let _ = write!(
        out,
        "<p class=\"stats\">{} · steps busy for {} with {} of step time{}</p>",
        counts_text(steps, counts),
        format_duration(busy),
        format_duration(time),
        speed_up(time, busy)
    );
    if !timeline.bars.is_empty() {
        let anchor = |i: usize| format!("#d{index}-{i}");
        chart(out, &mut timeline, &anchor);
        critical_line(out, &timeline);
    }
    out.push_str("<div class=\"steps\">");
    for (i, step) in spec.steps.iter().enumerate() {
        step_details(out, &format!("d{index}-{i}"), step);
    }
    out.push_str("</div>");
    if !spec.outputs.is_empty() {
        out.push_str("<h3>Workflow outputs</h3>");
        values_table(out, &spec.outputs);
    }
    out.push_str("</section>");
}

fn critical_line(out: &mut String, timeline: &Timeline) {
    let mut path: Vec<&Bar> = timeline.bars.iter().filter(|b| b.critical).collect();
    if path.is_empty() {
        return;
    }
    path.sort_by(|a, b| a.end.total_cmp(&b.end));
    let ids: Vec<String> = path.iter().map(|b| esc(&b.id)).collect();
    let _ = write!(
        out,
        "<p class=\"critical\">critical path ({}): {}</p>",
        plural(ids.len(), "step"),
        ids.join(" → ")
    );
}

/// The time the top-level steps took, added up (a sub-workflow's steps
/// are inside their step's time).
fn step_time(spec: &SpecReport) -> Duration {
    spec.steps.iter().map(|s| s.duration).sum()
}

fn speed_up(step_time: Duration, wall: Duration) -> String {
    if wall.is_zero() || step_time.is_zero() {
        return String::new();
    }
    format!(
        " · <b>{:.1}×</b> parallel",
        step_time.as_secs_f64() / wall.as_secs_f64()
    )
}

fn counts_text(steps: usize, c: Counts) -> String {
    // Failures in red, and only when there are some.
    let failed = if c.failed > 0 {
        " class=\"n-failed\""
    } else {
        ""
    };
    format!(
        "{}: <span class=\"n-passed\">{} passed</span>, <span{failed}>{} failed</span>, {} skipped",
        plural(steps, "step"),
        c.passed,
        c.failed,
        c.skipped
    )
}

/// Text for HTML content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A spec's report with every string redacted by its own redactor.
fn redacted_spec(spec: &SpecReport) -> SpecReport {
    let r = &spec.redactor;
    SpecReport {
        name: r.redact(&spec.name),
        file: r.redact(&spec.file),
        run_id: r.redact(&spec.run_id),
        started_at: spec.started_at.clone(),
        duration: spec.duration,
        steps: spec.steps.iter().map(|s| redacted_step(s, r)).collect(),
        outputs: redacted_map(&spec.outputs, r),
        error: spec.error.as_deref().map(|e| r.redact(e)),
        redactor: spec.redactor.clone(),
    }
}

fn redacted_step(step: &StepReport, r: &Redactor) -> StepReport {
    let text = |s: &Option<String>| s.as_deref().map(|s| r.redact(s));
    let mut shown = step.clone();
    shown.id = r.redact(&step.id);
    shown.title = text(&step.title);
    shown.needs = step.needs.iter().map(|n| r.redact(n)).collect();
    shown.request = text(&step.request);
    shown.message = text(&step.message);
    shown.left_behind = text(&step.left_behind);
    if let Some(l) = &mut shown.location {
        l.file = r.redact(&l.file);
    }
    shown.outputs = std::sync::Arc::new(redacted_map(&step.outputs, r));
    shown.steps = step.steps.iter().map(|s| redacted_step(s, r)).collect();
    shown
}

fn redacted_map(
    map: &serde_json::Map<String, Json>,
    r: &Redactor,
) -> serde_json::Map<String, Json> {
    let mut value = Json::Object(map.clone());
    r.redact_value(&mut value);
    match value {
        Json::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

#[cfg(test)]
mod tests;

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
use super::{Counts, FileReport, Reporter, SpecReport, Status, StepReport, format_duration};
use crate::plan::Plan;
use crate::redact::Redactor;
use crate::spec::CheckedSpec;

const STYLE: &str = include_str!("html.css");
const SCRIPT: &str = include_str!("html.js");

/// The narrowest a chart is drawn (it scrolls in a narrower window): labels
/// are given room for this width, and get more on a wider chart.
const CHART_PX: f64 = 960.0;
/// Width of one label character (11px monospace) and the room around a label.
const CHAR_PX: f64 = 6.7;
const LABEL_PAD_PX: f64 = 10.0;
/// The narrowest bar, so a step of no time (skipped, or under a
/// millisecond) is still seen.
const MIN_BAR_PX: f64 = 4.0;
/// Height of the axis row and of one lane.
const AXIS_PX: usize = 20;
const LANE_PX: usize = 30;
/// Below the lanes, room for the name of the cleanup phase.
const FOOT_PX: usize = 16;

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

/// One step as a `<details>` block (with its sub-workflow's steps inside).
fn step_details(out: &mut String, anchor: &str, step: &StepReport) {
    let mark = Mark::of(step).as_str();
    let open = if step.is_failure() { " open" } else { "" };
    let _ = write!(
        out,
        "<details class=\"step m-{mark}\" id=\"{anchor}\"{open}><summary><span class=\"pill m-{mark}\">{}</span> <b>{}</b>",
        status_text(step),
        esc(&step.id)
    );
    if step.phase == super::Phase::Cleanup {
        out.push_str(" <span class=\"tag\">cleanup</span>");
    }
    if let Some(t) = &step.title {
        let _ = write!(out, " <span class=\"mut\">{}</span>", esc(t));
    }
    out.push_str("<span class=\"facts\">");
    if let Some(s) = step.http_status {
        let _ = write!(out, "HTTP {s} · ");
    }
    if step.attempts > 0 {
        let _ = write!(out, "{} ", format_duration(step.duration));
    }
    let _ = write!(
        out,
        "at +{}</span></summary><dl>",
        format_duration(Duration::from_millis(step.started_ms))
    );
    if let Some(r) = &step.request {
        let _ = write!(out, "<dt>request</dt><dd><code>{}</code></dd>", esc(r));
    }
    let _ = write!(out, "<dt>attempts</dt><dd>{}</dd>", step.attempts);
    if !step.needs.is_empty() {
        let _ = write!(
            out,
            "<dt>waited for</dt><dd>{}</dd>",
            esc(&step.needs.join(", "))
        );
    }
    if let (Some(l), Status::Failed) = (&step.location, step.status) {
        let _ = write!(
            out,
            "<dt>written at</dt><dd><code>{}:{}:{}</code></dd>",
            esc(&l.file),
            l.line,
            l.column
        );
    }
    if let Some(m) = &step.message {
        let first = m.lines().next().unwrap_or_default();
        let _ = write!(
            out,
            "<dt>{}</dt><dd><details class=\"msg\"><summary>{}</summary><pre>{}</pre></details></dd>",
            if step.status == Status::Skipped {
                "why"
            } else {
                "message"
            },
            esc(first),
            esc(m)
        );
    }
    if let Some(l) = &step.left_behind {
        let _ = write!(out, "<dt>left behind</dt><dd><code>{}</code></dd>", esc(l));
    }
    if !step.outputs.is_empty() {
        out.push_str("<dt>outputs</dt><dd>");
        values_table(out, &step.outputs);
        out.push_str("</dd>");
    }
    out.push_str("</dl>");
    if !step.steps.is_empty() {
        out.push_str("<div class=\"sub\">");
        let mut timeline = Timeline::of_steps(&step.steps);
        let child = |i: usize| format!("#{anchor}-{i}");
        chart(out, &mut timeline, &child);
        for (i, s) in step.steps.iter().enumerate() {
            step_details(out, &format!("{anchor}-{i}"), s);
        }
        out.push_str("</div>");
    }
    out.push_str("</details>");
}

fn values_table(out: &mut String, values: &serde_json::Map<String, Json>) {
    out.push_str("<table class=\"values\">");
    for (k, v) in values {
        let text = match v {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        };
        let _ = write!(
            out,
            "<tr><th>{}</th><td><code>{}</code></td></tr>",
            esc(k),
            esc(&text)
        );
    }
    out.push_str("</table>");
}

/// The chart of a timeline: lanes packed so that no two bars of a lane,
/// nor their labels, overlap; `anchor` links a bar (by index) to its details.
/// A plan's bars (one level long each) hold their labels; a run's bars,
/// often a sliver, have theirs below them.
fn chart(out: &mut String, t: &mut Timeline, anchor: &dyn Fn(usize) -> String) {
    // Wide enough for the narrowest bar at the last start, which is
    // `MIN_BAR_PX / CHART_PX` of the span.
    let k = MIN_BAR_PX / CHART_PX;
    let last_start = t.bars.iter().map(|b| b.start).fold(0.0, f64::max);
    let span = t.span.max(last_start / (1.0 - k)).max(1.0);
    let inside = t.axis == Axis::Levels;
    let units = |px: f64| px / CHART_PX * span;
    let min_bar = k * span;
    let width = |b: &Bar| (b.end - b.start).max(min_bar);
    // A label starts under its bar, or ends with it near the right edge.
    let right_aligned = |b: &Bar| !inside && b.start + units(label_px(b)) > span;
    t.pack(|b| {
        let label = if inside { 0.0 } else { units(label_px(b)) };
        if right_aligned(b) {
            let end = b.start + width(b);
            ((end - label).min(b.start), end)
        } else {
            (b.start, (b.start + width(b)).max(b.start + label))
        }
    });
    let pct = |v: f64| format!("{:.3}%", v / span * 100.0);
    let cleanup = t
        .bars
        .iter()
        .filter(|b| b.cleanup)
        .map(|b| b.start)
        .reduce(f64::min);
    let height = AXIS_PX + t.lanes * LANE_PX + if cleanup.is_some() { FOOT_PX } else { 0 };
    let _ = write!(
        out,
        "<figure class=\"timeline{}\">",
        if inside { " inside" } else { "" }
    );
    legend(out, t);
    let _ = write!(
        out,
        "<div class=\"scroll\"><div class=\"chart\" style=\"min-width:{CHART_PX:.0}px;height:{height}px\">"
    );
    for (at, label) in ticks(t.axis, span, cleanup) {
        let _ = write!(
            out,
            "<span class=\"tick\" style=\"left:{}\">{label}</span>",
            pct(at)
        );
    }
    if let Some(start) = cleanup {
        // Named left of its line, or right of it when it starts early.
        let early = if start < 0.15 * span { " early" } else { "" };
        let _ = write!(
            out,
            "<span class=\"phase{early}\" style=\"left:{}\"><span>cleanup →</span></span>",
            pct(start)
        );
    }
    for (i, b) in t.bars.iter().enumerate() {
        let mut class = format!("bar m-{}", b.mark.as_str());
        for (on, name) in [
            (b.cleanup, " cleanup"),
            (b.critical, " crit"),
            (right_aligned(b), " r"),
        ] {
            if on {
                class.push_str(name);
            }
        }
        let status = match b.mark {
            Mark::Planned => "planned",
            Mark::Passed => "passed",
            Mark::Skipped => "skipped",
            Mark::Failed | Mark::AllowedFailure => "failed",
        };
        let _ = write!(
            out,
            "<a class=\"{class}\" href=\"{}\" data-id=\"{}\" data-needs=\"{}\" data-status=\"{status}\" data-lane=\"{}\" \
             style=\"left:{};width:{};top:{}px\" title=\"{}\"><span>{}{}</span></a>",
            anchor(i),
            esc(&b.id),
            esc(&b.needs.join(" ")),
            b.lane,
            pct(b.start),
            pct(width(b)),
            AXIS_PX + b.lane * LANE_PX,
            esc(&bar_tooltip(t.axis, b)),
            mark_sign(b.mark),
            esc(&b.id),
        );
    }
    out.push_str(
        "</div></div><figcaption class=\"hint\">Hover or select a bar: what it waited for \
         is outlined solid, what waited for it dashed.</figcaption></figure>",
    );
}

fn legend(out: &mut String, t: &Timeline) {
    out.push_str("<p class=\"legend\">");
    for mark in [
        Mark::Passed,
        Mark::Failed,
        Mark::AllowedFailure,
        Mark::Skipped,
        Mark::Planned,
    ] {
        if t.bars.iter().any(|b| b.mark == mark) {
            let name = match mark {
                Mark::AllowedFailure => "failed, allowed",
                other => other.as_str(),
            };
            let _ = write!(
                out,
                "<span class=\"key m-{}\"></span>{name} ",
                mark.as_str()
            );
        }
    }
    if t.bars.iter().any(|b| b.cleanup) {
        out.push_str("<span class=\"key cleanup\"></span>cleanup ");
    }
    if t.bars.iter().any(|b| b.critical) {
        out.push_str("<span class=\"key crit\"></span>critical path");
    }
    out.push_str("</p>");
}

/// Ticks along the axis: round numbers of milliseconds (none so close to
/// the end that its label would not fit), or one per level, counted again
/// from 1 where cleanup starts.
fn ticks(axis: Axis, span: f64, cleanup: Option<f64>) -> Vec<(f64, String)> {
    match axis {
        Axis::Levels => (0..span as usize)
            .map(|l| {
                let first = cleanup.filter(|c| l as f64 >= *c).unwrap_or(0.0);
                (l as f64, format!("{}", l + 1 - first as usize))
            })
            .collect(),
        Axis::Millis => {
            let rough = span / 8.0;
            let magnitude = 10f64.powf(rough.log10().floor());
            let step = [1.0, 2.0, 5.0, 10.0]
                .iter()
                .map(|m| m * magnitude)
                .find(|s| *s >= rough)
                .unwrap_or(magnitude * 10.0)
                .max(1.0);
            (0..)
                .map(|i| i as f64 * step)
                .take_while(|at| *at == 0.0 || *at <= span * 0.94)
                .map(|at| {
                    let label = if at == 0.0 {
                        "0".to_string()
                    } else if step >= 1000.0 || at >= 10_000.0 {
                        format!("{}s", at / 1000.0)
                    } else {
                        format!("{at}ms")
                    };
                    (at, label)
                })
                .collect()
        }
    }
}

fn bar_tooltip(axis: Axis, b: &Bar) -> String {
    let mut text = b.id.clone();
    if let Some(t) = &b.title {
        let _ = write!(text, ": {t}");
    }
    match axis {
        Axis::Millis => {
            let _ = write!(
                text,
                " · {} · {} at +{}",
                b.mark.as_str(),
                format_duration(Duration::from_secs_f64((b.end - b.start) / 1000.0)),
                format_duration(Duration::from_secs_f64(b.start / 1000.0))
            );
        }
        Axis::Levels => {
            let _ = write!(text, " · level {}", b.start as usize + 1);
        }
    }
    text
}

/// Besides its colour, a failed bar's label says so by a sign.
fn mark_sign(mark: Mark) -> &'static str {
    match mark {
        Mark::Failed => "× ",
        Mark::AllowedFailure => "! ",
        _ => "",
    }
}

fn label_px(b: &Bar) -> f64 {
    (b.id.chars().count() + mark_sign(b.mark).chars().count()) as f64 * CHAR_PX + LABEL_PAD_PX
}

fn status_text(step: &StepReport) -> &'static str {
    match Mark::of(step) {
        Mark::AllowedFailure => "failed, allowed",
        other => other.as_str(),
    }
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

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
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
    shown.outputs = redacted_map(&step.outputs, r);
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
mod tests {
    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::report::{Location, Phase};

    /// A secret with characters HTML escapes: redacted after escaping, it
    /// would slip through as `&amp;`.
    const SECRET: &str = "s3&cr<t-Value\"x";

    fn step(id: &str, status: Status, started_ms: u64, ms: u64) -> StepReport {
        let mut s = StepReport::new(id, None, Phase::Main, status);
        s.started_ms = started_ms;
        s.duration = Duration::from_millis(ms);
        s.attempts = 1;
        s
    }

    fn spec() -> SpecReport {
        let redactor = Arc::new(Redactor::new());
        redactor.add(SECRET);
        let mut token = step("token", Status::Passed, 0, 10);
        token.title = Some(format!("Get <a> token for {SECRET}"));
        token.request = Some(format!("POST http://x/token?k={SECRET}"));
        token.outputs.insert("id".into(), json!(SECRET));
        token.outputs.insert("pin".into(), json!(1234));
        let mut sub = step("sub", Status::Passed, 10, 6);
        sub.needs = vec!["token".into()];
        sub.steps = vec![step("inner", Status::Passed, 0, 2), {
            let mut s = step("later", Status::Passed, 2, 3);
            s.needs = vec!["inner".into()];
            s
        }];
        let mut fail = step("fail", Status::Failed, 10, 4);
        fail.needs = vec!["token".into()];
        fail.message = Some(format!(
            "status: expected 200, got 500\n{{\"echo\":\"{SECRET}\"}}"
        ));
        fail.location = Some(Location {
            file: "demo.yaml".into(),
            line: 12,
            column: 3,
        });
        let mut skipped = step("after", Status::Skipped, 14, 0);
        skipped.needs = vec!["fail".into()];
        skipped.message = Some("`fail` failed".into());
        let mut allowed = step("maybe", Status::Failed, 2, 3);
        allowed.allowed_failure = true;
        let mut cleanup = step("tidy", Status::Passed, 16, 1);
        cleanup.phase = Phase::Cleanup;
        cleanup.needs = vec!["token".into()];
        SpecReport {
            name: "demo".into(),
            file: "demo.yaml".into(),
            run_id: "r1".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            duration: Duration::from_millis(20),
            steps: vec![token, sub, fail, skipped, allowed, cleanup],
            outputs: serde_json::Map::new(),
            error: None,
            redactor,
        }
    }

    #[test]
    fn secrets_are_masked_before_escaping_and_text_is_escaped() {
        let html = render(&[spec()], Duration::from_millis(25));
        for leak in [SECRET, "s3&amp;cr&lt;t-Value", "s3&amp;cr", "1234"] {
            assert!(!html.contains(leak), "`{leak}` in\n{html}");
        }
        assert!(html.contains("Get &lt;a&gt; token for •••"), "{html}");
        assert!(html.contains("POST http://x/token?k=•••"));
        assert!(html.contains("{&quot;echo&quot;:&quot;•••&quot;}"));
        assert!(!html.contains("<a> token"));
    }

    #[test]
    fn every_step_is_drawn_and_detailed() {
        let html = render(&[spec()], Duration::from_millis(25));
        for (id, status, class) in [
            ("token", "passed", "m-passed crit"),
            ("fail", "failed", "m-failed"),
            ("after", "skipped", "m-skipped"),
            ("maybe", "failed", "m-allowed"),
            ("tidy", "passed", "m-passed cleanup"),
        ] {
            assert!(
                html.contains(&format!("data-id=\"{id}\"")) && html.contains(class),
                "{id} {class}"
            );
            assert!(html.contains(&format!("data-status=\"{status}\"")), "{id}");
        }
        // Sub-workflow steps: their own chart and details inside `sub`'s.
        assert!(html.contains("id=\"d0-1-0\""), "{html}");
        assert!(html.contains("data-id=\"later\" data-needs=\"inner\""));
        // The failed step is open and says where it is written.
        assert!(html.contains("id=\"d0-2\" open>"));
        assert!(html.contains("<code>demo.yaml:12:3</code>"));
        assert!(html.contains(
            "8 steps: <span class=\"n-passed\">5 passed</span>, <span class=\"n-failed\">2 failed</span>, 1 skipped"
        ));
        assert!(html.contains("× fail"));
    }

    #[test]
    fn the_page_fetches_nothing() {
        let html = render(&[spec()], Duration::from_millis(25));
        assert!(html.contains("default-src 'none'"));
        for outside in ["src=", "url(", "@import", "href=\"http", "<link"] {
            assert!(!html.contains(outside), "{outside}");
        }
        assert!(html.len() < 32 * 1024, "{}", html.len());
        // The last redaction pass leaves the style and the script alone.
        assert!(html.contains(STYLE) && html.contains(SCRIPT));
    }

    #[test]
    fn ticks_are_round_and_fit() {
        let at: Vec<String> = ticks(Axis::Millis, 253.0, None)
            .into_iter()
            .map(|(_, l)| l)
            .collect();
        assert_eq!(at, ["0", "50ms", "100ms", "150ms", "200ms"]);
        let at: Vec<String> = ticks(Axis::Millis, 42_000.0, None)
            .into_iter()
            .map(|(_, l)| l)
            .collect();
        assert_eq!(at, ["0", "10s", "20s", "30s"], "40s would not fit");
        let levels: Vec<String> = ticks(Axis::Levels, 4.0, Some(3.0))
            .into_iter()
            .map(|(_, l)| l)
            .collect();
        assert_eq!(levels, ["1", "2", "3", "1"]);
    }
}

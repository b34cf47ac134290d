//! One step's details: status, timings, request, outputs, message.

use super::*;

/// One step as a `<details>` block (with its sub-workflow's steps inside).
pub(super) fn step_details(out: &mut String, anchor: &str, step: &StepReport) {
    let mark = Mark::of(step).as_str();
    let open = if step.is_failure() { " open" } else { "" };
    let _ = write!(
        out,
        "<details class=\"step m-{mark}\" id=\"{anchor}\"{open}><summary><span class=\"pill m-{mark}\">{}</span> <b>{}</b>",
        status_text(step),
        esc(&step.id)
    );
    if step.phase == crate::report::Phase::Cleanup {
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

pub(super) fn values_table(out: &mut String, values: &serde_json::Map<String, Json>) {
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

fn status_text(step: &StepReport) -> &'static str {
    match Mark::of(step) {
        Mark::AllowedFailure => "failed, allowed",
        other => other.as_str(),
    }
}

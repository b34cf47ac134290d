//! `--summary table`: every step of every spec, one row each. On a terminal
//! the table fits its width (the outputs column wraps); in a log it has no
//! borders and no line is padded beyond its content.

use comfy_table::{Cell, CellAlignment, Color, ColumnConstraint, ContentArrangement, Table};
use comfy_table::{Width, presets};
use serde_json::Value as Json;

use super::style::Terminal;
use caseflow::redact::Redactor;
use caseflow::report::{Phase, SpecReport, Status};

/// The longest output value shown; the reports have them whole.
const OUTPUT_CHARS: usize = 40;

pub fn render(reports: &[SpecReport], term: &Terminal) -> String {
    let mut table = Table::new();
    match term.width {
        Some(width) => {
            table.load_preset(presets::UTF8_FULL_CONDENSED);
            table.set_content_arrangement(ContentArrangement::Dynamic);
            table.set_width(u16::try_from(width).unwrap_or(u16::MAX));
        }
        None => {
            table.load_preset(presets::NOTHING);
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    if !term.color {
        table.force_no_tty();
    } else {
        table.enforce_styling();
    }
    table.set_header(["SPEC", "STEP", "STATUS", "HTTP", "TIME", "TRIES", "OUTPUTS"]);
    for report in reports {
        for (name, step) in report.flat_steps() {
            let name = if step.phase == Phase::Cleanup && !name.contains(" › ") {
                format!("{name} (cleanup)")
            } else {
                name
            };
            let (status, color) = match step.status {
                Status::Passed => ("passed", Color::Green),
                Status::Failed if step.allowed_failure => ("failed (allowed)", Color::Yellow),
                Status::Failed => ("failed", Color::Red),
                Status::Skipped => ("skipped", Color::DarkGrey),
            };
            let ran = step.status != Status::Skipped;
            table.add_row(vec![
                Cell::new(&report.name),
                Cell::new(name),
                Cell::new(status).fg(color),
                Cell::new(step.http_status.map(|s| s.to_string()).unwrap_or_default()),
                Cell::new(if ran {
                    format!("{:.3}s", step.duration.as_secs_f64())
                } else {
                    String::new()
                })
                .set_alignment(CellAlignment::Right),
                Cell::new(if ran {
                    step.attempts.to_string()
                } else {
                    String::new()
                })
                .set_alignment(CellAlignment::Right),
                Cell::new(outputs_text(&step.outputs, &report.redactor)),
            ]);
        }
    }
    if term.width.is_some() {
        // Short columns stay whole; names and outputs wrap to make room.
        for i in 2..6 {
            if let Some(column) = table.column_mut(i) {
                column.set_constraint(ColumnConstraint::ContentWidth);
            }
        }
        if let Some(column) = table.column_mut(6) {
            column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(8)));
        }
    }
    let mut out = String::new();
    for line in table.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
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
        let v = if v.chars().count() > OUTPUT_CHARS {
            format!("{}…", v.chars().take(OUTPUT_CHARS).collect::<String>())
        } else {
            v
        };
        parts.push(format!("{k}={v}"));
    }
    parts.join(" ")
}

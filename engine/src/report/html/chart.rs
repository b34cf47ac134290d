//! The timeline chart: lanes, bars, axis ticks, legend.

use super::*;

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

/// The chart of a timeline: lanes packed so that no two bars of a lane,
/// nor their labels, overlap; `anchor` links a bar (by index) to its details.
/// A plan's bars (one level long each) hold their labels; a run's bars,
/// often a sliver, have theirs below them.
pub(super) fn chart(out: &mut String, t: &mut Timeline, anchor: &dyn Fn(usize) -> String) {
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
pub(super) fn ticks(axis: Axis, span: f64, cleanup: Option<f64>) -> Vec<(f64, String)> {
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

//! A schedule as bars on a time axis, the model the HTML report draws: the
//! steps of a run (when each started, how long it took) or of a plan (each
//! step one unit long at its level). Bars are packed into lanes so that
//! steps running at the same time sit one above the other and no two bars
//! of a lane overlap.

use indexmap::IndexMap;

use super::{Phase, Status, StepReport};
use crate::plan::Plan;
use crate::spec::CheckedSpec;

/// What a bar says about its step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Passed,
    Failed,
    /// Failed under `continue_on_error`: reported, but the run goes on.
    AllowedFailure,
    Skipped,
    /// Not run yet: a step of a plan.
    Planned,
}

impl Mark {
    pub fn of(step: &StepReport) -> Mark {
        match step.status {
            Status::Passed => Mark::Passed,
            Status::Failed if step.allowed_failure => Mark::AllowedFailure,
            Status::Failed => Mark::Failed,
            Status::Skipped => Mark::Skipped,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mark::Passed => "passed",
            Mark::Failed => "failed",
            Mark::AllowedFailure => "allowed",
            Mark::Skipped => "skipped",
            Mark::Planned => "planned",
        }
    }
}

/// What the time axis counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// Milliseconds since the spec started.
    Millis,
    /// Levels of the dependency graph, one unit each.
    Levels,
}

/// One step on the axis, from `start` to `end` (in the axis' unit).
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub id: String,
    pub title: Option<String>,
    pub start: f64,
    pub end: f64,
    /// Row of the chart, from 0 at the top; set by [`Timeline::pack`].
    pub lane: usize,
    pub mark: Mark,
    pub cleanup: bool,
    /// The bars it waited for.
    pub needs: Vec<String>,
    /// On the chain of waits that decided when the last bar ended.
    pub critical: bool,
}

/// Bars on one axis, `span` units long, in `lanes` rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    pub axis: Axis,
    pub span: f64,
    pub lanes: usize,
    pub bars: Vec<Bar>,
}

impl Timeline {
    /// The steps of one run (or of one sub-workflow), in one lane each until
    /// [`pack`](Self::pack)ed, the critical path marked.
    pub fn of_steps(steps: &[StepReport]) -> Timeline {
        let mut bars: Vec<Bar> = steps
            .iter()
            .map(|s| {
                let start = s.started_ms as f64;
                Bar {
                    id: s.id.clone(),
                    title: s.title.clone(),
                    start,
                    end: start + s.duration.as_secs_f64() * 1000.0,
                    lane: 0,
                    mark: Mark::of(s),
                    cleanup: s.phase == Phase::Cleanup,
                    needs: s.needs.clone(),
                    critical: false,
                }
            })
            .collect();
        for i in critical_path(&bars) {
            bars[i].critical = true;
        }
        let span = bars.iter().map(|b| b.end).fold(0.0, f64::max);
        Timeline::unpacked(Axis::Millis, span, bars)
    }

    /// A checked spec as it is planned (`main` is the plan of its main
    /// steps): each main step one unit at its level, the cleanup steps after
    /// them by their own levels, the critical path marked.
    pub fn of_plan(spec: &CheckedSpec, main: &Plan) -> Timeline {
        let s = &spec.loaded.spec;
        let after = Plan::new(&spec.analysis.cleanup_deps);
        let mut bars = Vec::new();
        for cleanup in [false, true] {
            let (plan, deps, steps, offset) = if cleanup {
                (
                    &after,
                    &spec.analysis.cleanup_deps,
                    &s.cleanup,
                    main.levels.len(),
                )
            } else {
                (main, &spec.analysis.deps, &s.steps, 0)
            };
            for (level, ids) in plan.levels.iter().enumerate() {
                for id in ids {
                    let start = (offset + level) as f64;
                    bars.push(Bar {
                        id: id.clone(),
                        title: steps.get(id).and_then(|st| st.title.clone()),
                        start,
                        end: start + 1.0,
                        lane: 0,
                        mark: Mark::Planned,
                        cleanup,
                        needs: deps.get(id).into_iter().flatten().cloned().collect(),
                        critical: !cleanup && plan.critical_path.contains(id),
                    });
                }
            }
        }
        let span = (main.levels.len() + after.levels.len()) as f64;
        Timeline::unpacked(Axis::Levels, span, bars)
    }

    fn unpacked(axis: Axis, span: f64, bars: Vec<Bar>) -> Timeline {
        Timeline {
            axis,
            span,
            lanes: usize::from(!bars.is_empty()),
            bars,
        }
    }

    /// Assigns lanes: `room` says which interval of the axis a bar takes
    /// (at least the bar, more where its label or a minimal width needs it);
    /// no two rooms of one lane overlap, and as few lanes as that allows are used.
    pub fn pack(&mut self, room: impl Fn(&Bar) -> (f64, f64)) {
        let rooms: Vec<(f64, f64)> = self.bars.iter().map(room).collect();
        let (lanes, count) = pack_lanes(&rooms);
        for (bar, lane) in self.bars.iter_mut().zip(lanes) {
            bar.lane = lane;
        }
        self.lanes = count;
    }
}

/// Interval partitioning: the lane of each `(start, end)` interval and how
/// many lanes there are. Taken in order of start, each interval goes to the
/// first lane free by then (touching is not overlapping), which uses as few
/// lanes as the most intervals that overlap at one point.
pub fn pack_lanes(intervals: &[(f64, f64)]) -> (Vec<usize>, usize) {
    let mut order: Vec<usize> = (0..intervals.len()).collect();
    order.sort_by(|&a, &b| {
        let (sa, ea) = intervals[a];
        let (sb, eb) = intervals[b];
        sa.total_cmp(&sb).then(ea.total_cmp(&eb)).then(a.cmp(&b))
    });
    let mut lane_ends: Vec<f64> = Vec::new();
    let mut lanes = vec![0; intervals.len()];
    for i in order {
        let (start, end) = intervals[i];
        let end = end.max(start);
        let lane = match lane_ends.iter().position(|&e| e <= start) {
            Some(lane) => lane,
            None => {
                lane_ends.push(f64::NEG_INFINITY);
                lane_ends.len() - 1
            }
        };
        lane_ends[lane] = end;
        lanes[i] = lane;
    }
    (lanes, lane_ends.len())
}

/// The bars, last first, of the chain that decided when the last bar ended:
/// from the bar that ended last, back through the bar it waited for that
/// ended last. A cleanup bar also waited for the whole main phase, so for it
/// the main bar that ended last counts as one it waited for.
pub fn critical_path(bars: &[Bar]) -> Vec<usize> {
    let index: IndexMap<&str, usize> = bars
        .iter()
        .enumerate()
        .map(|(i, b)| (b.id.as_str(), i))
        .collect();
    let last_of = |candidates: &mut dyn Iterator<Item = usize>| {
        // The first of equals, so the path reads like the spec.
        candidates.fold(None, |best: Option<usize>, i| match best {
            Some(b) if bars[b].end >= bars[i].end => Some(b),
            _ => Some(i),
        })
    };
    let last_main = last_of(&mut (0..bars.len()).filter(|&i| !bars[i].cleanup));
    let mut path = Vec::new();
    let mut cursor = last_of(&mut (0..bars.len()));
    while let Some(i) = cursor {
        if path.contains(&i) {
            break;
        }
        path.push(i);
        let bar = &bars[i];
        let barrier = last_main.filter(|_| bar.cleanup);
        cursor = last_of(
            &mut bar
                .needs
                .iter()
                .filter_map(|n| index.get(n.as_str()).copied())
                .chain(barrier)
                .filter(|&n| n != i),
        );
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(id: &str, start: f64, end: f64, needs: &[&str], cleanup: bool) -> Bar {
        Bar {
            id: id.into(),
            title: None,
            start,
            end,
            lane: 0,
            mark: Mark::Passed,
            cleanup,
            needs: needs.iter().map(|n| n.to_string()).collect(),
            critical: false,
        }
    }

    fn overlaps(intervals: &[(f64, f64)], lanes: &[usize]) -> bool {
        (0..intervals.len()).any(|a| {
            (0..a).any(|b| {
                lanes[a] == lanes[b]
                    && intervals[a].0 < intervals[b].1
                    && intervals[b].0 < intervals[a].1
            })
        })
    }

    #[test]
    fn packs_into_as_few_lanes_as_overlap_and_never_overlaps() {
        // At most three overlap at once (around 4..5), so three lanes do;
        // the one starting when another ends reuses its lane.
        let intervals = [
            (0.0, 10.0),
            (1.0, 5.0),
            (2.0, 6.0),
            (5.0, 8.0),
            (6.0, 9.0),
            (10.0, 12.0),
            (4.5, 4.6),
        ];
        let (lanes, count) = pack_lanes(&intervals);
        assert!(!overlaps(&intervals, &lanes), "{lanes:?}");
        assert_eq!(count, 4, "{lanes:?}");
        assert_eq!(lanes[3], lanes[1], "starts when (1, 5) ends");
        assert_eq!(lanes[5], lanes[0], "starts when (0, 10) ends");
        let (lanes, count) = pack_lanes(&intervals[..6]);
        assert_eq!(count, 3, "{lanes:?}");
        assert!(!overlaps(&intervals[..6], &lanes));
    }

    #[test]
    fn zero_length_bars_get_their_room() {
        // Three steps skipped at the same instant: a minimal width each, so
        // three lanes, not one lane of three invisible bars.
        let mut t = Timeline::unpacked(
            Axis::Millis,
            10.0,
            vec![
                bar("a", 3.0, 3.0, &[], false),
                bar("b", 3.0, 3.0, &[], false),
                bar("c", 3.0, 3.0, &[], false),
                bar("d", 0.0, 3.0, &[], false),
            ],
        );
        t.pack(|b| (b.start, b.end.max(b.start + 0.5)));
        assert_eq!(t.lanes, 3);
        let lanes: Vec<usize> = t.bars.iter().map(|b| b.lane).collect();
        assert_eq!(lanes[3], 0);
        assert!(lanes[..3].iter().all(|&l| l < 3));
        assert_ne!(lanes[0], lanes[1]);
        assert_ne!(lanes[1], lanes[2]);
        assert_ne!(lanes[0], lanes[2]);
    }

    #[test]
    fn critical_path_follows_the_wait_that_ended_last() {
        let bars = [
            bar("token", 0.0, 5.0, &[], false),
            bar("app", 5.0, 9.0, &["token"], false),
            bar("user", 5.0, 20.0, &["token"], false),
            bar("login", 20.0, 22.0, &["app", "user"], false),
            bar("side", 5.0, 21.0, &["token"], false),
            bar("delete_user", 22.0, 23.0, &["user"], true),
            bar("delete_app", 23.0, 30.0, &["app", "delete_user"], true),
        ];
        let path: Vec<&str> = critical_path(&bars)
            .into_iter()
            .map(|i| bars[i].id.as_str())
            .collect();
        assert_eq!(
            path,
            ["delete_app", "delete_user", "login", "user", "token"],
            "a cleanup step waits for the main phase: delete_user for login"
        );
    }

    #[test]
    fn run_timeline_marks_and_spans() {
        let mut a = StepReport::new("a", None, Phase::Main, Status::Passed);
        a.duration = std::time::Duration::from_millis(10);
        let mut b = StepReport::new("b", None, Phase::Main, Status::Failed);
        b.allowed_failure = true;
        b.started_ms = 10;
        b.duration = std::time::Duration::from_millis(5);
        b.needs = vec!["a".into()];
        let mut c = StepReport::new("c", None, Phase::Cleanup, Status::Skipped);
        c.started_ms = 15;
        let t = Timeline::of_steps(&[a, b, c]);
        assert_eq!(t.span, 15.0);
        let marks: Vec<Mark> = t.bars.iter().map(|b| b.mark).collect();
        assert_eq!(marks, [Mark::Passed, Mark::AllowedFailure, Mark::Skipped]);
        assert!(t.bars[2].cleanup);
        let critical: Vec<bool> = t.bars.iter().map(|b| b.critical).collect();
        assert_eq!(
            critical,
            [true, true, false],
            "b ended last, first of equals"
        );
    }
}

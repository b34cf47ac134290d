use std::sync::Arc;

use serde_json::json;

use super::chart::ticks;
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
    Arc::make_mut(&mut token.outputs).insert("id".into(), json!(SECRET));
    Arc::make_mut(&mut token.outputs).insert("pin".into(), json!(1234));
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

#[test]
fn the_header_counts_the_steps_of_every_spec() {
    let html = render(&[spec(), spec()], Duration::from_millis(25));
    assert!(
        html.contains(
            "<p class=\"stats\">2 specs · 16 steps: <span class=\"n-passed\">10 passed</span>, \
             <span class=\"n-failed\">4 failed</span>, 2 skipped · "
        ),
        "{html}"
    );
    // Each spec linked from the header; one spec alone needs no links.
    assert!(html.contains(
        "<nav><a class=\"failed\" href=\"#spec-0\">demo</a><a class=\"failed\" href=\"#spec-1\">demo</a></nav>"
    ));
    assert!(!render(&[spec()], Duration::from_millis(25)).contains("<nav>"));
}

#[test]
fn a_spec_section_has_its_own_counts_busy_time_and_critical_path() {
    let html = render(&[spec(), spec()], Duration::from_millis(25));
    // Each section counts its own 8 steps (the header counts 16); the last
    // step ends 17ms in; the chain that decided it is named.
    let section = format!(
        "<p class=\"stats\">8 steps: <span class=\"n-passed\">5 passed</span>, \
         <span class=\"n-failed\">2 failed</span>, 1 skipped · steps busy for {} with ",
        format_duration(Duration::from_millis(17))
    );
    assert_eq!(html.matches(&section).count(), 2, "{html}");
    assert!(html.contains("<p class=\"critical\">critical path (3 steps): token → sub → tidy</p>"));
    // Workflow outputs only where the spec has some.
    assert!(!html.contains("Workflow outputs"));
    let mut with_outputs = spec();
    with_outputs.outputs.insert("user".into(), json!("u-1"));
    let html = render(&[with_outputs], Duration::from_millis(25));
    assert!(
        html.contains("<h3>Workflow outputs</h3>") && html.contains("u-1"),
        "{html}"
    );
}

//! The HTML report and `plan --format html` in a real headless browser:
//! every step drawn with its status, no two bars of a lane (nor their
//! labels) overlapping in the real layout, dependencies outlined on hover,
//! nothing fetched. Screenshots land in `target/` for people to look at.

#[path = "support/browser.rs"]
mod browser;
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use browser::Browser;
use support::binary::{caseflow, text};

const SPEC: &str = "specs/interactive-worker.yaml";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `target/`, where the binary under test was built.
fn target_dir() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_caseflow"));
    bin.parent().and_then(Path::parent).unwrap().to_path_buf()
}

/// Every bar of the page's top-level charts (sub-workflow charts aside), as
/// laid out: step id, status, lane, and the boxes of the bar and its label.
const BARS: &str = r#"JSON.stringify([...document.querySelectorAll('section.spec > figure .chart > .bar')].map((b) => {
  const r = b.getBoundingClientRect(), l = b.firstElementChild.getBoundingClientRect();
  return { spec: b.closest('section').id, id: b.dataset.id, status: b.dataset.status,
    lane: +b.dataset.lane, needs: b.dataset.needs.split(' ').filter(Boolean),
    critical: b.classList.contains('crit'), left: r.left, right: r.right, top: r.top,
    bottom: r.bottom, labelLeft: l.left, labelRight: l.right };
}))"#;

#[derive(Debug)]
struct Drawn {
    spec: String,
    id: String,
    status: String,
    lane: u64,
    needs: Vec<String>,
    critical: bool,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    label: (f64, f64),
}

fn bars(browser: &mut Browser) -> Vec<Drawn> {
    let text = browser.eval(BARS);
    let list: Vec<Value> = serde_json::from_str(text.as_str().unwrap()).unwrap();
    list.iter()
        .map(|b| Drawn {
            spec: b["spec"].as_str().unwrap().into(),
            id: b["id"].as_str().unwrap().into(),
            status: b["status"].as_str().unwrap().into(),
            lane: b["lane"].as_u64().unwrap(),
            needs: serde_json::from_value(b["needs"].clone()).unwrap(),
            critical: b["critical"].as_bool().unwrap(),
            left: b["left"].as_f64().unwrap(),
            right: b["right"].as_f64().unwrap(),
            top: b["top"].as_f64().unwrap(),
            bottom: b["bottom"].as_f64().unwrap(),
            label: (
                b["labelLeft"].as_f64().unwrap(),
                b["labelRight"].as_f64().unwrap(),
            ),
        })
        .collect()
}

/// Sub-pixel rounding of percentages is not an overlap.
const EPSILON: f64 = 0.5;

/// Within each lane of each chart no two bars overlap, and, where `labels`,
/// no two bar-with-label boxes either; lanes stack top to bottom.
fn assert_lanes_apart(drawn: &[Drawn], labels: bool) {
    let mut lanes: BTreeMap<(&str, u64), Vec<&Drawn>> = BTreeMap::new();
    for d in drawn {
        assert!(d.right - d.left >= 2.0, "{} is not visible: {d:?}", d.id);
        lanes.entry((&d.spec, d.lane)).or_default().push(d);
    }
    for ((spec, lane), mut bars) in lanes.clone() {
        bars.sort_by(|a, b| a.left.total_cmp(&b.left));
        for pair in bars.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            assert!(
                a.right <= b.left + EPSILON,
                "{spec} lane {lane}: {} and {} overlap: {a:?} {b:?}",
                a.id,
                b.id
            );
        }
        if labels {
            let room = |d: &Drawn| (d.left.min(d.label.0), d.right.max(d.label.1));
            bars.sort_by(|a, b| room(a).0.total_cmp(&room(b).0));
            for pair in bars.windows(2) {
                let (a, b) = (room(pair[0]), room(pair[1]));
                assert!(
                    a.1 <= b.0 + EPSILON,
                    "{spec} lane {lane}: labels of {} and {} overlap: {a:?} {b:?}",
                    pair[0].id,
                    pair[1].id
                );
            }
        }
        if let Some(below) = lanes.get(&(spec, lane + 1)) {
            let bottom = bars.iter().map(|d| d.bottom).fold(f64::MIN, f64::max);
            let top = below.iter().map(|d| d.top).fold(f64::MAX, f64::min);
            assert!(bottom <= top, "{spec}: lane {lane} reaches into the next");
        }
    }
}

/// The page fetched nothing but itself, threw nothing, logged no error.
fn assert_self_contained(browser: &Browser, url: &str) {
    for e in &browser.events {
        let params = &e["params"];
        match e["method"].as_str().unwrap_or_default() {
            "Network.requestWillBeSent" => {
                assert_eq!(params["request"]["url"], url, "a request: {e}")
            }
            "Runtime.exceptionThrown" => panic!("the page threw: {e}"),
            "Log.entryAdded" if params["entry"]["level"] == "error" => {
                panic!("the page logged an error: {e}")
            }
            _ => {}
        }
    }
    assert!(
        browser
            .events
            .iter()
            .any(|e| e["method"] == "Network.requestWillBeSent"),
        "the Network domain saw no request at all, not even the page's"
    );
}

/// The text of the page may name nothing outside it.
fn assert_no_outside_references(html: &str) {
    assert!(
        html.contains(
            r#"content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'""#
        ),
        "no Content-Security-Policy"
    );
    for outside in ["src=", "url(", "@import", "href=\"http", "//fonts", "<link"] {
        assert!(
            !html.contains(outside),
            "the page refers outside: `{outside}`"
        );
    }
}

fn open(browser: &mut Browser, path: &Path) -> String {
    let url = format!("file://{}", path.display());
    browser.events.clear();
    browser.open(&url);
    url
}

/// The centre of a bar, in the viewport.
fn centre(d: &Drawn) -> (f64, f64) {
    ((d.left + d.right) / 2.0, (d.top + d.bottom) / 2.0)
}

#[test]
fn report_and_plan_pages_in_a_headless_browser() {
    let dir = TempDir::new();
    let out = &dir.0;
    let html_path = out.join("report.html");
    let json_path = out.join("report.json");
    let run = caseflow(
        &[
            "run",
            SPEC,
            "--report",
            &format!("html={}", html_path.display()),
            "--report",
            &format!("json={}", json_path.display()),
        ],
        &root(),
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let html = std::fs::read_to_string(&html_path).unwrap();
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_no_outside_references(&html);
    assert!(!html.contains("eyJ"), "a token in the page");
    assert!(html.len() < 64 * 1024, "{} bytes", html.len());
    let steps = report["specs"][0]["steps"].as_array().unwrap();

    let mut browser = Browser::start(1280, 900);
    for domain in [
        "Network.enable",
        "Page.enable",
        "Runtime.enable",
        "Log.enable",
    ] {
        browser.call(domain, json!({}));
    }
    let url = open(&mut browser, &html_path);
    assert_self_contained(&browser, &url);
    let drawn = bars(&mut browser);
    let shown: BTreeMap<&str, &str> = drawn
        .iter()
        .map(|d| (d.id.as_str(), d.status.as_str()))
        .collect();
    let expected: BTreeMap<&str, &str> = steps
        .iter()
        .map(|s| (s["id"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(shown, expected, "every step drawn once with its status");
    assert_eq!(drawn.len(), steps.len());
    assert_lanes_apart(&drawn, true);
    let end = |s: &Value| s["started_ms"].as_u64().unwrap() + s["duration_ms"].as_u64().unwrap();
    let last_end = steps.iter().map(end).max().unwrap();
    let critical: Vec<&str> = drawn
        .iter()
        .filter(|d| d.critical)
        .map(|d| d.id.as_str())
        .collect();
    assert!(critical.contains(&"admin_token"), "{critical:?}");
    assert!(
        steps
            .iter()
            .filter(|s| end(s) == last_end)
            .any(|s| critical.contains(&s["id"].as_str().unwrap())),
        "the step that ended last is on the critical path: {critical:?}"
    );

    // Hovering `login` outlines what it waited for and what waited for it.
    let login = drawn.iter().find(|d| d.id == "login").unwrap();
    let (x, y) = centre(login);
    browser.hover(x, y);
    let marked = browser.eval(
        "[...document.querySelectorAll('.bar.need')].map((b) => b.dataset.id).sort().join(' ') + ' | ' + \
         [...document.querySelectorAll('.bar.dep')].map((b) => b.dataset.id).sort().join(' ')",
    );
    let mut needs = login.needs.clone();
    needs.sort();
    let mut dependents: Vec<&str> = drawn
        .iter()
        .filter(|d| d.needs.contains(&login.id))
        .map(|d| d.id.as_str())
        .collect();
    dependents.sort();
    assert_eq!(
        marked.as_str().unwrap(),
        format!("{} | {}", needs.join(" "), dependents.join(" "))
    );
    assert!(!needs.is_empty() && !dependents.is_empty());
    let hover_shot = target_dir().join("html-report-hover.png");
    browser.screenshot(&hover_shot);
    browser.hover(0.0, 0.0);
    let shot = target_dir().join("html-report.png");
    browser.screenshot(&shot);
    let dark = |browser: &mut Browser, on: bool| {
        let features = if on {
            json!([{ "name": "prefers-color-scheme", "value": "dark" }])
        } else {
            json!([])
        };
        browser.call(
            "Emulation.setEmulatedMedia",
            json!({ "features": features }),
        );
    };
    dark(&mut browser, true);
    let dark_shot = target_dir().join("html-report-dark.png");
    browser.screenshot(&dark_shot);
    dark(&mut browser, false);
    println!(
        "screenshots: {}, {} and {} ({} bytes of HTML)",
        shot.display(),
        hover_shot.display(),
        dark_shot.display(),
        html.len()
    );

    // The plan: the same drawing, each step at its level.
    let plan = caseflow(&["plan", SPEC, "--format", "html"], &root());
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    let plan_html = String::from_utf8(plan.stdout).unwrap();
    assert_no_outside_references(&plan_html);
    let plan_path = out.join("plan.html");
    std::fs::write(&plan_path, &plan_html).unwrap();
    let url = open(&mut browser, &plan_path);
    assert_self_contained(&browser, &url);
    let planned = bars(&mut browser);
    assert!(planned.iter().all(|d| d.status == "planned"), "{planned:?}");
    let mut ids: Vec<&str> = planned.iter().map(|d| d.id.as_str()).collect();
    ids.sort();
    let mut expected: Vec<&str> = expected.keys().copied().collect();
    expected.sort();
    assert_eq!(ids, expected, "the plan draws the steps the run ran");
    assert_lanes_apart(&planned, false);
    for d in &planned {
        for need in &d.needs {
            let n = planned.iter().find(|p| &p.id == need).unwrap();
            assert!(
                n.right <= d.left + EPSILON,
                "{} is drawn before {need}, which it waits for",
                d.id
            );
        }
    }
    let plan_shot = target_dir().join("html-plan.png");
    browser.screenshot(&plan_shot);
    println!("plan screenshot: {}", plan_shot.display());
}

/// A fresh directory, removed when dropped (also when the test fails).
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let path = std::env::temp_dir().join(format!("caseflow-html-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

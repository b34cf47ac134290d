//! SIGTERM and SIGINT sent to a real `caseflow run` while a step waits on a
//! slow endpoint: cleanup reaches the server, the summary and reports are
//! written, the exit code says which signal; a second signal abandons
//! cleanup and names what was left behind.

#![cfg(unix)]

mod support;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::binary::{command, report_step as step, spec_dir, text};
use support::faults::{self, FaultServer};

fn spawn(args: &[&str], dir: &Path) -> Child {
    command(args, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs")
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args(["-s", name, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -s {name} failed");
}

/// Waits for the child to exit by itself (killed after `limit`: a failure).
fn finish(mut child: Child, limit: Duration) -> (Output, Duration) {
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() && started.elapsed() < limit {
        std::thread::sleep(Duration::from_millis(20));
    }
    let elapsed = started.elapsed();
    let _ = child.kill();
    (child.wait_with_output().unwrap(), elapsed)
}

fn write(name: &str, srv: &FaultServer, body: &str) -> std::path::PathBuf {
    let api = "clients:\n  api: { base_url: \"{{ inputs.base }}\" }\n";
    spec_dir(name, &srv.base, &format!("{api}{body}"))
}

const SLOW: &str = r#"steps:
  create:
    client: api
    request: { method: POST, url: /create/res-1 }
    outputs: { id: $.id }
  slow:
    client: api
    request: { method: GET, url: "/items/{{ steps.create.outputs.id }}?stall=20000" }
  after_slow:
    client: api
    needs: [slow]
    request: { method: GET, url: /items/never }
cleanup:
  delete:
    client: api
    request: { method: DELETE, url: "/items/{{ steps.create.outputs.id }}" }
"#;

/// One signal mid-run: the slow step stops, cleanup runs, reports are written.
fn interrupted_once(name: &str, code: i32) {
    let srv = faults::start();
    let dir = write("slow.yaml", &srv, SLOW);
    let child = spawn(
        &[
            "run",
            "slow.yaml",
            "--report",
            "json=report.json",
            "--report",
            "junit=report.xml",
        ],
        &dir,
    );
    assert!(
        srv.wait_for("GET /items/res-1?stall", Duration::from_secs(20)),
        "the slow step never started: {:?}",
        srv.requests()
    );
    signal(&child, name);
    let (out, elapsed) = finish(child, Duration::from_secs(15));
    let t = text(&out);
    assert_eq!(out.status.code(), Some(code), "{t}");
    // It stopped at once rather than waiting out the 20 s stall.
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}\n{t}");
    assert_eq!(srv.count("DELETE /items/res-1"), 1, "{:?}", srv.requests());
    assert_eq!(srv.count("GET /items/never"), 0);
    assert!(
        t.contains(&format!("{name}: stopping running steps")),
        "{t}"
    );
    assert!(
        t.contains("] 1 spec (1 failed), 4 steps: 2 passed, 1 failed, 1 skipped"),
        "{t}"
    );
    assert!(t.contains("INTERRUPTED ["), "{t}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    let slow = step(&report, "slow");
    assert_eq!(slow["status"], "failed", "{slow:#}");
    assert_eq!(slow["message"], "interrupted", "{slow:#}");
    assert_eq!(slow["attempts"], 1, "{slow:#}");
    assert_eq!(step(&report, "after_slow")["status"], "skipped");
    assert_eq!(step(&report, "delete")["status"], "passed");
    let junit = std::fs::read_to_string(dir.join("report.xml")).unwrap();
    assert!(junit.contains("cleanup: delete"), "{junit}");
}

#[test]
fn sigterm_cleans_up_reports_and_exits_143() {
    interrupted_once("TERM", 143);
}

#[test]
fn sigint_cleans_up_reports_and_exits_130() {
    interrupted_once("INT", 130);
}

#[test]
fn a_step_waiting_for_its_turn_is_skipped_by_an_interrupt() {
    let srv = faults::start();
    let dir = write(
        "queued.yaml",
        &srv,
        r#"steps:
  slow:
    client: api
    request: { method: GET, url: "/items/one?stall=20000" }
  queued:
    client: api
    request: { method: GET, url: "/items/two?stall=20000" }
"#,
    );
    let child = spawn(
        &[
            "run",
            "queued.yaml",
            "--max-parallel",
            "1",
            "--report",
            "json=report.json",
        ],
        &dir,
    );
    assert!(
        srv.wait_for("GET /items/", Duration::from_secs(20)),
        "no step started: {:?}",
        srv.requests()
    );
    signal(&child, "INT");
    let (out, _) = finish(child, Duration::from_secs(15));
    assert_eq!(out.status.code(), Some(130), "{}", text(&out));
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    let steps = report["specs"][0]["steps"].as_array().unwrap();
    let (ran, waited): (Vec<&Value>, Vec<&Value>) =
        steps.iter().partition(|s| s["status"] == "failed");
    assert_eq!((ran.len(), waited.len()), (1, 1), "{report:#}");
    assert_eq!(ran[0]["attempts"], 1, "{report:#}");
    assert_eq!(waited[0]["status"], "skipped", "{report:#}");
    assert_eq!(waited[0]["message"], "interrupted", "{report:#}");
    assert_eq!(waited[0]["attempts"], 0, "{report:#}");
    assert_eq!(srv.count("GET /items/"), 1, "{:?}", srv.requests());
}

#[test]
fn a_second_signal_abandons_cleanup_and_names_what_is_left() {
    let srv = faults::start();
    let dir = write(
        "stuck.yaml",
        &srv,
        r#"steps:
  create_a:
    client: api
    request: { method: POST, url: /create/res-a }
    outputs: { id: $.id }
  create_b:
    client: api
    request: { method: POST, url: /create/res-b }
    outputs: { id: $.id }
  slow:
    client: api
    needs: [create_a, create_b]
    request: { method: GET, url: "/items/x?stall=20000" }
cleanup:
  delete_a:
    client: api
    request: { method: DELETE, url: "/items/{{ steps.create_a.outputs.id }}?stall=20000" }
  delete_b:
    client: api
    needs: [delete_a]
    request: { method: DELETE, url: "/items/{{ steps.create_b.outputs.id }}" }
"#,
    );
    let child = spawn(&["run", "stuck.yaml", "--report", "json=report.json"], &dir);
    assert!(
        srv.wait_for("GET /items/x?stall", Duration::from_secs(20)),
        "{:?}",
        srv.requests()
    );
    signal(&child, "INT");
    assert!(
        srv.wait_for("DELETE /items/res-a", Duration::from_secs(10)),
        "cleanup never started: {:?}",
        srv.requests()
    );
    signal(&child, "INT");
    let (out, elapsed) = finish(child, Duration::from_secs(15));
    let t = text(&out);
    assert_eq!(out.status.code(), Some(130), "{t}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}\n{t}");
    assert!(t.contains("SIGINT again: abandoning cleanup"), "{t}");
    assert_eq!(srv.count("DELETE /items/res-b"), 0, "{:?}", srv.requests());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let left = stdout
        .split_once("cleanup abandoned:")
        .unwrap_or_else(|| panic!("no list of what was left behind:\n{t}"))
        .1;
    assert!(
        left.contains(&format!(
            "stuck › delete_a: DELETE {}/items/res-a?stall=20000 (steps.create_a.outputs.id = res-a)",
            srv.base
        )),
        "{left}"
    );
    assert!(
        left.contains(&format!(
            "stuck › delete_b: DELETE {}/items/res-b (steps.create_b.outputs.id = res-b)",
            srv.base
        )),
        "{left}"
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    let b = step(&report, "delete_b");
    assert_eq!(b["status"], "skipped", "{b:#}");
    assert!(
        b["left_behind"].as_str().unwrap().contains("/items/res-b"),
        "{b:#}"
    );
    assert!(
        b["message"]
            .as_str()
            .unwrap()
            .starts_with("interrupted: cleanup abandoned, left behind: DELETE"),
        "{b:#}"
    );
    let a = step(&report, "delete_a");
    assert_eq!(a["status"], "failed", "{a:#}");
    assert_eq!(a["attempts"], 1, "{a:#}");
}

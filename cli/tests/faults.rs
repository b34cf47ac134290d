//! Fault injection: the built binary against a server that fails in every
//! way a real one does (5xx with Retry-After, 429, resets, truncated and
//! oversized bodies, stalls, HTML where JSON was expected). Each case checks
//! the retries, the message, that dependents are skipped while independent
//! branches finish, that cleanup runs, and the exit code.

mod support;

use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::binary::{
    caseflow, json_report as report, report_step as step, run_spec, spec_dir, text,
};
use support::faults::{self, FaultServer};

fn write(name: &str, srv: &FaultServer, body: &str) -> std::path::PathBuf {
    spec_dir(name, &srv.base, body)
}

/// `(status, attempts)` of a step.
fn outcome(report: &Value, id: &str) -> (String, u64) {
    let s = step(report, id);
    (
        s["status"].as_str().unwrap().to_string(),
        s["attempts"].as_u64().unwrap(),
    )
}

/// The failure details above the summary table, ports and timings masked.
fn failures(o: &Output) -> String {
    let stdout = String::from_utf8_lossy(&o.stdout);
    stdout
        .lines()
        .take_while(|l| !l.starts_with('┌'))
        .collect::<Vec<_>>()
        .join("\n")
}

macro_rules! assert_masked_snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            filters => vec![
                (r"127\.0\.0\.1:\d+", "127.0.0.1:PORT"),
                (r"in \d+(\.\d+)?s", "in [TIME]"),
                (r"\[ *\d+\.\d{3}s\]", "[TIME]"),
                (r"\(os error \d+\)", "(os error N)"),
            ],
        }, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

const FAULTS: &str = r#"clients:
  api: { base_url: "{{ inputs.base }}", timeout: 5s }
  impatient: { base_url: "{{ inputs.base }}", timeout: 300ms }
  small: { base_url: "{{ inputs.base }}", max_body: 1KiB }
steps:
  # Independent branch: must finish whatever fails elsewhere, then be cleaned up.
  create:
    client: api
    request: { method: POST, url: /create/thing-1 }
    expect: { status: 201 }
    outputs: { id: $.id }
  read_back:
    client: api
    request: { method: GET, url: "/items/{{ steps.create.outputs.id }}" }
    outputs: { id: $.id }

  unavailable:
    client: api
    request: { method: GET, url: "/flaky/unavailable/2/503?retry_after=0" }
    retry: { attempts: 3, backoff: 10ms }
  rate_limited:
    client: api
    request: { method: POST, url: "/flaky/rate/1/429?retry_after=0" }
    retry: 2
  server_error_post:
    client: api
    request: { method: POST, url: /flaky/post500/5/500 }
    retry: { attempts: 3, backoff: 10ms }
    outputs: { id: $.id }
  after_server_error:
    client: api
    request: { method: GET, url: "/items/{{ steps.server_error_post.outputs.id }}" }
  server_error_post_opted_in:
    client: api
    request: { method: POST, url: /flaky/optin/1/500 }
    retry: { attempts: 3, backoff: 10ms, on: [5xx] }
  reset:
    client: api
    request: { method: GET, url: /reset }
    retry: { attempts: 2, backoff: 10ms }
    outputs: { id: $.id }
  after_reset:
    client: api
    request: { method: GET, url: "/items/{{ steps.reset.outputs.id }}" }
  reset_post:
    client: api
    request: { method: POST, url: /reset }
    retry: { attempts: 3, backoff: 10ms }
  truncated:
    client: api
    request: { method: GET, url: /truncate }
    retry: { attempts: 3, backoff: 10ms, on: [connect] }
  stalled:
    client: impatient
    request: { method: GET, url: "/items/slow?stall=3000" }
    retry: { attempts: 2, backoff: 10ms }
  step_deadline:
    client: api
    request: { method: GET, url: "/items/slower?stall=3000" }
    timeout: 400ms
  not_json:
    client: api
    request: { method: GET, url: /html }
    outputs: { id: $.id }
  after_not_json:
    client: api
    request: { method: GET, url: "/items/{{ steps.not_json.outputs.id }}" }
  too_large:
    client: api
    request: { method: GET, url: /big/20000000 }
  too_large_chunked:
    client: small
    request: { method: GET, url: "/big/5000?chunked=1" }
cleanup:
  delete_thing:
    client: api
    request: { method: DELETE, url: "/items/{{ steps.create.outputs.id }}" }
  delete_never:
    client: api
    request: { method: DELETE, url: "/items/{{ steps.server_error_post.outputs.id }}" }
"#;

#[test]
fn faults_are_retried_as_configured_and_fail_clearly() {
    let srv = faults::start();
    let dir = write("faults.yaml", &srv, FAULTS);
    let started = Instant::now();
    let out = caseflow(
        &["run", "faults.yaml", "--report", "json=report.json"],
        &dir,
    );
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let r = report(&dir);
    let expect = [
        ("create", "passed", 1),
        ("read_back", "passed", 1),
        // 503 and 429 mean the server did nothing: retried for any method.
        ("unavailable", "passed", 3),
        ("rate_limited", "passed", 2),
        // A 500 on a POST may have created something: not repeated...
        ("server_error_post", "failed", 1),
        ("after_server_error", "skipped", 0),
        // ...unless the policy names 5xx.
        ("server_error_post_opted_in", "passed", 2),
        // A reset GET is repeated, a reset POST is not.
        ("reset", "failed", 2),
        ("after_reset", "skipped", 0),
        ("reset_post", "failed", 1),
        // A truncated body is a connection failure.
        ("truncated", "failed", 3),
        ("stalled", "failed", 2),
        // The step's deadline cut its only attempt, which still counts.
        ("step_deadline", "failed", 1),
        ("not_json", "failed", 1),
        ("after_not_json", "skipped", 0),
        ("too_large", "failed", 1),
        ("too_large_chunked", "failed", 1),
        ("delete_thing", "passed", 1),
        ("delete_never", "skipped", 0),
    ];
    for (id, status, attempts) in expect {
        assert_eq!(
            outcome(&r, id),
            (status.to_string(), attempts),
            "{id}: {:#}",
            step(&r, id)
        );
    }
    assert_eq!(srv.count("GET /flaky/unavailable/"), 3);
    assert_eq!(srv.count("POST /flaky/post500/"), 1);
    assert_eq!(srv.count("POST /reset"), 1);
    assert_eq!(srv.count("GET /truncate"), 3);
    assert_eq!(srv.count("DELETE /items/thing-1"), 1);
    assert_eq!(srv.count("DELETE"), 1, "{:?}", srv.requests());
    assert_eq!(
        step(&r, "after_reset")["message"],
        "`reset` failed",
        "{:#}",
        step(&r, "after_reset")
    );
    // The stalls are cut by timeouts, not waited out.
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    assert_masked_snapshot!("fault_failures", failures(&out));
}

#[test]
fn retry_after_is_capped_by_max_backoff_and_the_wait_is_shown() {
    let srv = faults::start();
    let dir = write(
        "patient.yaml",
        &srv,
        r#"steps:
  busy:
    request: { method: GET, url: "{{ inputs.base }}/flaky/busy/1/503?retry_after=3600" }
    retry: { attempts: 2, backoff: 10ms, max_backoff: 1500ms }
"#,
    );
    let started = Instant::now();
    let out = caseflow(&["run", "patient.yaml", "-v"], &dir);
    let elapsed = started.elapsed();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains(
            "busy: attempt 1 got HTTP 503; waiting 1.5s (Retry-After 3600s, capped by max_backoff 1.5s)"
        ),
        "{t}"
    );
    assert!(elapsed >= Duration::from_millis(1500), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

/// A list that is cheap to make but huge to print stops at the output cap
/// rather than being written out in full.
#[test]
fn a_huge_list_stops_at_the_output_cap() {
    let (code, t) = run_spec(
        "huge.yaml",
        "version: 1\nname: huge\nsteps:\n  a:\n    request: { method: GET, url: \"http://127.0.0.1:9/{{ ([1] * 10000) * 10000 }}\" }\n",
        &["--dry-run"],
    );
    assert_eq!(code, Some(1), "{t}");
    assert!(
        t.contains("request.url: template output larger than 16 MiB"),
        "{t}"
    );
}

#[test]
fn a_runaway_template_fails_its_step_quickly() {
    let dir = support::write_spec(
        "runaway.yaml",
        "version: 1\nname: runaway\nsteps:\n  a:\n    request:\n      method: POST\n      url: http://127.0.0.1:9/x\n      body: \"{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}\"\n  b:\n    request: { method: GET, url: \"http://127.0.0.1:9/{{ 'y' * 20000000 }}\" }\n",
    );
    let dir = dir.parent().unwrap();
    for args in [
        &["run", "runaway.yaml"][..],
        &["run", "runaway.yaml", "--dry-run"],
    ] {
        let started = Instant::now();
        let out = caseflow(args, dir);
        let t = text(&out);
        assert_eq!(out.status.code(), Some(1), "{t}");
        assert!(
            t.contains("request.body: template stopped: it did more work than one template may"),
            "{t}"
        );
        assert!(
            t.contains("request.url: template output larger than 16 MiB"),
            "{t}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }
}

#[test]
fn dumps_cut_long_bodies_and_say_how_much() {
    let srv = faults::start();
    let dir = write(
        "long.yaml",
        &srv,
        r#"steps:
  long:
    request: { method: GET, url: "{{ inputs.base }}/big/300000" }
"#,
    );
    let out = caseflow(&["run", "long.yaml", "-vv"], &dir);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("… (234464 bytes cut)"), "{t}");
    assert!(t.len() < 100_000, "{} bytes of output", t.len());
}

#[test]
fn polling_never_spins() {
    let srv = faults::start();
    let dir = write(
        "poll.yaml",
        &srv,
        r#"steps:
  wait:
    request: { method: GET, url: "{{ inputs.base }}/poll" }
    until: { condition: "response.body.status == 'DONE'", interval: 0s, timeout: 500ms }
"#,
    );
    let out = caseflow(&["run", "poll.yaml"], &dir);
    let t = text(&out);
    // A spec with a zero interval may be refused outright; if it runs, it
    // must not hammer the server.
    if out.status.code() == Some(2) {
        return;
    }
    assert_eq!(out.status.code(), Some(1), "{t}");
    let polls = srv.count("GET /poll");
    assert!((2..=12).contains(&polls), "{polls} polls in 500ms\n{t}");
}

//! What `caseflow run` prints, on a real terminal 80 and 160 columns wide
//! and into a log: a line per spec, failures in full, the summary line,
//! and the per-step table fitted to the width. Timings and ports vary run
//! to run and are masked at their fixed width.

mod support;

use std::time::Duration;

use support::binary::{caseflow, spec_dir, text};
use support::terminal::caseflow_on_terminal;

fn server() -> support::Server {
    support::serve(Duration::ZERO)
}

const ALL_PASS: &str = r#"steps:
  create_item:
    title: Create an item
    request: { method: POST, url: "{{ inputs.base }}/items", json: { name: a fairly long item name to show wrapping } }
    expect: { status: 201 }
    outputs: { id: $.id, name: $.input.name }
  read_item:
    request: { method: GET, url: "{{ inputs.base }}/items/{{ steps.create_item.outputs.id }}" }
    expect: { status: 200 }
  landing:
    request: { method: GET, url: "{{ inputs.base }}/landing" }
    outputs: { page: { body: true } }
"#;

const FAILURE: &str = r#"steps:
  create_item:
    request: { method: POST, url: "{{ inputs.base }}/items", json: {} }
    outputs: { id: $.id }
  check_health:
    title: The service is healthy
    request: { method: GET, url: "{{ inputs.base }}/status/500?body=database%20unavailable" }
    expect: { status: 200 }
  read_item:
    needs: [check_health]
    request: { method: GET, url: "{{ inputs.base }}/items/{{ steps.create_item.outputs.id }}" }
    outputs: { name: $.input.name }
  read_again:
    request: { method: GET, url: "{{ inputs.base }}/items/{{ steps.create_item.outputs.id }}?name={{ steps.read_item.outputs.name }}" }
"#;

const RETRY: &str = r#"steps:
  busy_service:
    title: Answers after two refusals
    request: { method: GET, url: "{{ inputs.base }}/flaky/busy/2" }
    retry: { attempts: 3, backoff: 10ms }
  landing:
    needs: [busy_service]
    request: { method: GET, url: "{{ inputs.base }}/landing" }
"#;

const CLEANUP: &str = r#"steps:
  create_item:
    request: { method: POST, url: "{{ inputs.base }}/items", json: {} }
    outputs: { id: $.id }
  use_item:
    request: { method: GET, url: "{{ inputs.base }}/status/409?body=item%20locked" }
    needs: [create_item]
    expect: { status: 200 }
cleanup:
  delete_item:
    request: { method: DELETE, url: "{{ inputs.base }}/items/{{ steps.create_item.outputs.id }}" }
    expect: { status: 204 }
"#;

/// Output with what varies masked, width kept: `[<elapsed>]` is as wide
/// as `[   0.012s]`.
fn masked(text: &str) -> String {
    let timing = regex::Regex::new(r"\[ *\d+\.\d{3}s\]").unwrap();
    let seconds = regex::Regex::new(r"\b\d+\.\d{3}s\b").unwrap();
    let port = regex::Regex::new(r"127\.0\.0\.1:\d+").unwrap();
    let text = timing.replace_all(text, "[<elapsed>]");
    let text = seconds.replace_all(&text, "#.###s");
    port.replace_all(&text, "127.0.0.1:PORT").into_owned()
}

/// Runs `body` as spec `name` on a terminal of each width and into a log,
/// each time against a fresh server; the masked output of each.
fn three_ways(name: &str, body: &str, code: i32) -> [(String, String); 3] {
    let run = |mode: &str| {
        let srv = server();
        let dir = spec_dir(&format!("{name}.yaml"), &srv.base, body);
        let args = ["run", &format!("{name}.yaml"), "--summary", "table"];
        let (status, out) = match mode {
            "log" => {
                let out = caseflow(&args, &dir);
                (out.status.code(), text(&out))
            }
            cols => caseflow_on_terminal(
                &[&args[..], &["--no-progress"]].concat(),
                &dir,
                cols.parse().unwrap(),
                &[("NO_COLOR", "1")],
            ),
        };
        assert_eq!(status, Some(code), "{out}");
        (mode.to_string(), masked(&out))
    };
    [run("80"), run("160"), run("log")]
}

fn snapshots(scenario: &str, runs: [(String, String); 3]) {
    for (mode, out) in runs {
        if mode != "log" {
            let width: usize = mode.parse().unwrap();
            for line in out.lines() {
                assert!(line.chars().count() <= width, "wider than {width}: {line}");
            }
        } else {
            for line in out.lines() {
                assert_eq!(line, line.trim_end(), "padded in a log: {line:?}");
            }
        }
        let name = if mode == "log" {
            format!("{scenario}_log")
        } else {
            format!("{scenario}_tty{mode}")
        };
        insta::assert_snapshot!(name, out);
    }
}

/// A test per scenario: its spec and the exit code it ends with.
macro_rules! scenario {
    ($test:ident, $name:literal, $spec:expr, $code:expr) => {
        #[test]
        fn $test() {
            snapshots(&$name.replace('-', "_"), three_ways($name, $spec, $code));
        }
    };
}

scenario!(all_pass, "all-pass", ALL_PASS, 0);
scenario!(a_failure_with_skipped_dependents, "failure", FAILURE, 1);
scenario!(a_retry, "retry", RETRY, 0);
scenario!(a_cleanup_after_failure, "cleanup", CLEANUP, 1);

#[test]
fn quiet_prints_failures_and_the_summary_only() {
    let srv = server();
    let dir = spec_dir("failure.yaml", &srv.base, FAILURE);
    let out = caseflow(&["run", "failure.yaml", "-q"], &dir);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(masked(&text(&out)));
    let dir = spec_dir("all-pass.yaml", &srv.base, ALL_PASS);
    let out = caseflow(&["run", "all-pass.yaml", "-q"], &dir);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        masked(&String::from_utf8_lossy(&out.stdout)),
        "────────────\nPASSED [<elapsed>] 1 spec, 3 steps\n"
    );
}

#[test]
fn a_terminal_shows_the_steps_in_flight() {
    let srv = support::serve(Duration::from_millis(800));
    let dir = spec_dir("slow.yaml", &srv.base, ALL_PASS);
    let (code, out) = caseflow_on_terminal(&["run", "slow.yaml"], &dir, 100, &[("NO_COLOR", "1")]);
    assert_eq!(code, Some(0), "{out}");
    // The spec's bar names the slow step while it waits for the server.
    let live = regex::Regex::new(r"slow \[[0-2]/3\] running [a-z_, ]*create_item").unwrap();
    let live = live.find(&out).expect(&out).start();
    let done = out.find("PASS [").expect(&out);
    assert!(live < done, "{out}");
    // In a log there is no live area.
    let out = caseflow(&["run", "slow.yaml"], &dir);
    assert!(!text(&out).contains("running create_item"));
}

#[test]
fn colours_on_a_terminal_only() {
    let srv = server();
    let dir = spec_dir("all-pass.yaml", &srv.base, ALL_PASS);
    let (code, out) =
        caseflow_on_terminal(&["run", "all-pass.yaml", "--no-progress"], &dir, 100, &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("\x1b[1;32m    PASS\x1b[0m"), "{out:?}");
    let (_, out) = caseflow_on_terminal(
        &["run", "all-pass.yaml", "--no-progress"],
        &dir,
        100,
        &[("NO_COLOR", "1")],
    );
    assert!(!out.contains('\x1b'), "{out:?}");
    let out = caseflow(&["run", "all-pass.yaml"], &dir);
    assert!(!text(&out).contains('\x1b'));
}

#[test]
fn github_actions_get_annotations_at_the_failed_step() {
    let srv = server();
    let dir = spec_dir("failure.yaml", &srv.base, FAILURE);
    let mut command = support::binary::command(&["run", "failure.yaml"], &dir);
    let out = command.env("GITHUB_ACTIONS", "true").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let annotations: Vec<&str> = stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(
        annotations,
        [
            "::error file=failure.yaml,line=9,col=3,title=caseflow%3A failure › check_health::status: expected 200, got 500%0Aresponse: HTTP 500 Internal Server Error"
        ],
        "{stdout}"
    );
}

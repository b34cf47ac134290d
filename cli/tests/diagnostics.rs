//! How diagnostics reach a person and a program: the rich form by default
//! (source line, underline, code, help), colour only on a terminal and
//! never with `NO_COLOR`, `--color`, `--message-format short|json`,
//! `caseflow explain`, and run-time failures drawn at their spec line.

mod support;

use std::path::Path;
use std::time::Duration;

use support::binary::{caseflow, command, spec_dir, text};
use support::terminal::caseflow_on_terminal;

const INVALID: &str = r#"version: 1
name: invalid
steps:
  create_app:
    request: { method: POST, url: "http://127.0.0.1:9/apps" }
    outputs: { id: $.id }
  read_app:
    needs: [creat_app]
    request: { method: GET, url: "http://127.0.0.1:9/apps/{{ steps.create_app.outputs.idd }}" }
"#;

/// A directory holding `bad.yaml` (the spec above).
fn invalid_dir() -> std::path::PathBuf {
    let path = support::write_spec("bad.yaml", INVALID);
    path.parent().unwrap().to_path_buf()
}

fn stderr_of(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let out = command(args, dir)
        .env_remove("NO_COLOR")
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `validate --message-format FORMAT` of the invalid spec, which must fail:
/// its directory and what it wrote to standard error.
fn invalid_as(format: &str) -> (std::path::PathBuf, String) {
    let dir = invalid_dir();
    let (code, err) = stderr_of(
        &["validate", "--message-format", format, "bad.yaml"],
        &dir,
        &[],
    );
    assert_eq!(code, Some(2), "{err}");
    (dir, err)
}

const ESC: &str = "\x1b[";

#[test]
fn the_rich_form_is_the_default_and_plain_in_a_pipe() {
    let dir = invalid_dir();
    let (code, err) = stderr_of(&["validate", "bad.yaml"], &dir, &[]);
    assert_eq!(code, Some(2));
    assert!(!err.contains(ESC), "colour in a pipe:\n{err}");
    insta::assert_snapshot!(err);
}

#[test]
fn short_keeps_one_line_per_diagnostic() {
    let (dir, err) = invalid_as("short");
    assert_eq!(
        err,
        "bad.yaml:8:13: steps.read_app.needs[0]: unknown step `creat_app`, did you mean `create_app`?\n\
         bad.yaml:9:62: steps.read_app.request.url: `steps.create_app.outputs.idd`: step `create_app` has no output `idd`, did you mean `id`?\n\
         1 of 1 spec(s) invalid, 2 error(s)\n"
    );
    // The variable gives the same, for editors that cannot pass options.
    let (_, from_env) = stderr_of(
        &["validate", "bad.yaml"],
        &dir,
        &[("CASEFLOW_MESSAGE_FORMAT", "short")],
    );
    assert_eq!(from_env, err);
}

#[test]
fn json_gives_file_range_code_message_and_help() {
    let (_, err) = invalid_as("json");
    let found: Vec<serde_json::Value> = err
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(found.len(), 2, "{err}");
    let step = &found[0];
    assert_eq!(step["file"], "bad.yaml");
    assert_eq!(step["code"], "E0101");
    assert_eq!(step["severity"], "error");
    assert_eq!(step["path"], "steps.read_app.needs[0]");
    assert_eq!(step["message"], "unknown step `creat_app`");
    assert_eq!(step["help"], "did you mean `create_app`?");
    assert_eq!(
        step["range"],
        serde_json::json!({ "start": { "line": 8, "column": 13 }, "end": { "line": 8, "column": 22 } })
    );
    // The range of a reference is the reference itself, inside the string.
    let output = &found[1];
    assert_eq!(output["code"], "E0102");
    let line = INVALID.lines().nth(8).unwrap();
    let start = output["range"]["start"]["column"].as_u64().unwrap() as usize;
    let end = output["range"]["end"]["column"].as_u64().unwrap() as usize;
    assert_eq!(&line[start - 1..end - 1], "steps.create_app.outputs.idd");
}

#[test]
fn colour_follows_the_option_then_no_color_then_the_terminal() {
    let dir = invalid_dir();
    let (_, always) = stderr_of(&["validate", "--color", "always", "bad.yaml"], &dir, &[]);
    assert!(always.contains(ESC), "{always}");
    // An explicit option wins over the variable.
    let (_, forced) = stderr_of(
        &["validate", "--color=always", "bad.yaml"],
        &dir,
        &[("NO_COLOR", "1")],
    );
    assert!(forced.contains(ESC), "{forced}");
    let (_, never) = stderr_of(&["validate", "--color", "never", "bad.yaml"], &dir, &[]);
    assert!(!never.contains(ESC), "{never}");
    // Without colour, the text is the same.
    let plain = regex::Regex::new("\x1b\\[[0-9;]*m").unwrap();
    assert_eq!(plain.replace_all(&always, ""), never);

    let (code, tty) = caseflow_on_terminal(&["validate", "bad.yaml"], &dir, 120, &[]);
    assert_eq!(code, Some(2));
    assert!(tty.contains(ESC), "no colour on a terminal:\n{tty}");
    let (_, no_color) =
        caseflow_on_terminal(&["validate", "bad.yaml"], &dir, 120, &[("NO_COLOR", "1")]);
    assert!(
        !no_color.contains(ESC),
        "colour despite NO_COLOR:\n{no_color}"
    );
    assert!(no_color.contains("error[E0101]: unknown step `creat_app`"));
    let (_, never) = caseflow_on_terminal(
        &["validate", "--color", "never", "bad.yaml"],
        &dir,
        120,
        &[],
    );
    assert!(!never.contains(ESC), "{never}");
}

#[test]
fn explain_prints_the_longer_text_and_lists_the_codes() {
    let dir = std::env::temp_dir();
    let out = caseflow(&["explain", "E0101"], &dir);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("explain_e0101", String::from_utf8_lossy(&out.stdout));
    let lower = caseflow(&["explain", "e0101"], &dir);
    assert_eq!(lower.stdout, out.stdout);

    let list = caseflow(&["explain"], &dir);
    assert_eq!(list.status.code(), Some(0));
    let list = String::from_utf8_lossy(&list.stdout).into_owned();
    for code in ["E0001", "E0101", "E0401", "W0701", "F0901", "F0904"] {
        assert!(
            list.lines().any(|l| l.starts_with(code)),
            "{code} missing:\n{list}"
        );
    }

    let unknown = caseflow(&["explain", "E9999"], &dir);
    assert_eq!(unknown.status.code(), Some(2));
    let err = String::from_utf8_lossy(&unknown.stderr);
    assert!(err.contains("unknown code `E9999`"), "{err}");
}

/// Every kind of run-time failure, against a local server.
const FAILURES: &str = r#"steps:
  expectation:
    request: { method: GET, url: "{{ inputs.base }}/status/404?body=no%20such%20item" }
    expect: { status: 201 }
  capture:
    request: { method: GET, url: "{{ inputs.base }}/status/200?body=plain%20text" }
    outputs:
      id: $.id
  template:
    request: { method: GET, url: "{{ inputs.base }}/items/{{ 1 / 0 }}" }
  connection:
    request: { method: GET, url: "http://127.0.0.1:9/unreachable" }
"#;

fn masked(text: &str) -> String {
    let seconds = regex::Regex::new(r"\b\d+\.\d{3}s\b").unwrap();
    // Only the server's port: `:9` (nothing listens) keeps the underline's width.
    let port = regex::Regex::new(r"127\.0\.0\.1:\d{4,5}").unwrap();
    let text = seconds.replace_all(text, "#.###s");
    port.replace_all(&text, "127.0.0.1:PORT").into_owned()
}

/// The failures block of a run: from `--- FAIL` to the summary rule.
fn failures(out: &str) -> String {
    let start = out.find("--- FAIL").expect("a failure block");
    let end = out[start..].find("────").map_or(out.len(), |i| start + i);
    masked(&out[start..end])
}

#[test]
fn run_time_failures_are_drawn_at_their_spec_line() {
    let srv = support::serve(Duration::ZERO);
    let dir = spec_dir("failures.yaml", &srv.base, FAILURES);
    let out = caseflow(&["run", "failures.yaml", "--no-progress"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let all = text(&out);
    insta::assert_snapshot!(failures(&all));
    assert!(!all.contains(ESC), "colour in a log:\n{all}");
    let coloured = caseflow(
        &["run", "failures.yaml", "--no-progress", "--color", "always"],
        &dir,
    );
    let coloured = String::from_utf8_lossy(&coloured.stdout).into_owned();
    assert!(
        coloured.contains(ESC),
        "`--color always` without colour:\n{coloured}"
    );

    let short = caseflow(
        &[
            "run",
            "failures.yaml",
            "--no-progress",
            "--message-format",
            "short",
        ],
        &dir,
    );
    let short = text(&short);
    assert!(
        !short.contains("-->"),
        "the one-line form draws nothing:\n{short}"
    );
    assert!(short.contains("status: expected 201, got 404"));
}

#[test]
fn a_drawn_failure_masks_secrets() {
    let srv = support::serve(Duration::ZERO);
    // The secret is written on the line the failure is drawn at.
    let spec = format!(
        r#"version: 1
name: secret
inputs:
  base: {{ default: "{}" }}
  api_key: {{ secret: true, default: "k3y-0f-the-service-42" }}
steps:
  call:
    request: {{ method: GET, url: "{{{{ inputs.base }}}}/status/500?key={{{{ inputs.api_key }}}}" }}
    expect: {{ status: 200, headers: {{ x-key: "k3y-0f-the-service-42" }} }}
"#,
        srv.base
    );
    let path = support::write_spec("secret.yaml", &spec);
    let dir = path.parent().unwrap();
    let out = caseflow(&["run", "secret.yaml", "--no-progress"], dir);
    assert_eq!(out.status.code(), Some(1));
    let all = text(&out);
    assert!(all.contains("error[F0901]"), "{all}");
    assert!(all.contains("expect: { status: 200"), "{all}");
    assert!(!all.contains("k3y-0f-the-service-42"), "{all}");
}

#[test]
fn a_drawn_spec_line_masks_credentials() {
    let path = support::write_spec(
        "credential.yaml",
        r#"version: 1
name: credential
steps:
  login:
    request: { method: POST, url: "http://127.0.0.1:9/login", json: { password: "p4ssw0rd-long-value", user: "{{ nobody }}" } }
"#,
    );
    let (code, err) = stderr_of(
        &["validate", "credential.yaml"],
        path.parent().unwrap(),
        &[],
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("error[E0104]: unknown variable `nobody`"),
        "{err}"
    );
    assert!(!err.contains("p4ssw0rd-long-value"), "{err}");
}

/// A template that fails keeps its request from being sent, so the run
/// never saw the literal password on the line it draws: still masked.
#[test]
fn a_failed_template_is_drawn_without_the_credential_beside_it() {
    let path = support::write_spec(
        "template-credential.yaml",
        r#"version: 1
name: template-credential
steps:
  login:
    request: { method: POST, url: "http://127.0.0.1:9/login", json: { password: "p4ssw0rd-long-value", user: "{{ 1 / 0 }}" } }
"#,
    );
    let dir = path.parent().unwrap();
    let out = caseflow(&["run", "template-credential.yaml", "--no-progress"], dir);
    assert_eq!(out.status.code(), Some(1));
    let all = text(&out);
    assert!(all.contains("error[F0903]"), "{all}");
    assert!(all.contains("json: { password: \"•••\""), "{all}");
    assert!(!all.contains("p4ssw0rd-long-value"), "{all}");
}

#[test]
fn the_readme_lists_every_code() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .expect("the README");
    let list = caseflow(&["explain"], &std::env::temp_dir());
    let list = String::from_utf8_lossy(&list.stdout).into_owned();
    let codes: Vec<&str> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(codes.len() >= 30, "{list}");
    for code in codes {
        assert!(
            readme.contains(&format!("| `{code}` |")),
            "{code} is not in the README"
        );
    }
}

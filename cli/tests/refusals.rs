//! What `caseflow` refuses before running anything, each with exit 2 and a
//! message pinned by a snapshot; and where a step's rendering failure points.

mod support;

use support::binary::caseflow;

use std::process::Output;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).trim_end().to_string()
}

/// A spec with two inputs, one used by a `uses` sub-spec only, in a fresh directory.
fn project() -> std::path::PathBuf {
    let spec = support::write_spec(
        "main.yaml",
        "version: 1\nname: main\ninputs:\n  env_id: { default: abc }\n  region: { default: eu }\nsteps:\n  a:\n    request: { method: GET, url: \"http://127.0.0.1:9/{{ inputs.env_id }}/{{ inputs.region }}\" }\n  b:\n    uses: sub.yaml\n",
    );
    let dir = spec.parent().unwrap().to_path_buf();
    std::fs::write(
        dir.join("sub.yaml"),
        "version: 1\nname: sub\nlibrary: true\ninputs:\n  population: { default: p }\nsteps:\n  c:\n    request: { method: GET, url: \"http://127.0.0.1:9/{{ inputs.population }}\" }\n",
    )
    .unwrap();
    dir
}

#[test]
fn unknown_set_keys_are_refused_with_a_suggestion() {
    let dir = project();
    let out = caseflow(
        &[
            "run",
            "main.yaml",
            "--dry-run",
            "--set",
            "evn_id=x",
            "--set",
            "zzz=1",
        ],
        &dir,
    );
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&out));
    // Inputs of sub-specs and of the spec itself are known.
    let out = caseflow(
        &[
            "run",
            "main.yaml",
            "--dry-run",
            "--set",
            "env_id=x",
            "--set",
            "population=q",
        ],
        &dir,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn unknown_inputs_file_keys_are_refused_with_their_position() {
    let dir = project();
    std::fs::write(
        dir.join("profile.yaml"),
        "env_id: x\nregoin: north\npopulation: p\n",
    )
    .unwrap();
    let out = caseflow(
        &["run", "main.yaml", "--dry-run", "--inputs", "profile.yaml"],
        &dir,
    );
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&out));
}

#[test]
fn inputs_files_are_read_like_specs() {
    let dir = project();
    std::fs::write(dir.join("two.yaml"), "env_id: x\n---\nregion: y\n").unwrap();
    std::fs::write(dir.join("tagged.yaml"), "env_id: !vault secret/env\n").unwrap();
    std::fs::write(dir.join("list.yaml"), "- env_id\n").unwrap();
    let mut lines = Vec::new();
    for file in ["two.yaml", "tagged.yaml", "list.yaml"] {
        let out = caseflow(&["run", "main.yaml", "--dry-run", "--inputs", file], &dir);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        lines.push(stderr(&out));
    }
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn a_set_without_a_name_is_refused() {
    let dir = project();
    let out = caseflow(&["run", "main.yaml", "--dry-run", "--set", "=x"], &dir);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&out));
}

#[test]
fn max_parallel_zero_is_refused() {
    let dir = project();
    let out = caseflow(&["run", "main.yaml", "--max-parallel", "0"], &dir);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&out));
}

#[test]
fn an_unwritable_report_fails_before_the_run() {
    let dir = project();
    let out = caseflow(
        &[
            "run",
            "main.yaml",
            "--report",
            "json=missing-dir/report.json",
        ],
        &dir,
    );
    assert_eq!(out.status.code(), Some(2));
    // Nothing ran: no summary.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("step(s)"), "{stdout}");
    let out2 = caseflow(&["run", "main.yaml", "--report", "junit=."], &dir);
    assert_eq!(out2.status.code(), Some(2));
    insta::assert_snapshot!(format!("{}\n{}", stderr(&out), stderr(&out2)));
    // A writable path is left as it was found: no file appears before the run.
    let out = caseflow(
        &["run", "main.yaml", "--dry-run", "--report", "json=r.json"],
        &dir,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!dir.join("r.json").exists());
}

#[test]
fn validate_and_run_agree_on_an_empty_directory() {
    let dir = project();
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    let validate = caseflow(&["validate", "empty"], &dir);
    let run = caseflow(&["run", "empty"], &dir);
    assert_eq!(validate.status.code(), Some(2));
    assert_eq!(run.status.code(), Some(2));
    assert_eq!(stderr(&validate), stderr(&run));
    insta::assert_snapshot!(stderr(&run));
}

#[test]
fn plan_and_graph_want_a_file() {
    let dir = project();
    let plan = caseflow(&["plan", "."], &dir);
    let graph = caseflow(&["graph", "."], &dir);
    assert_eq!(plan.status.code(), Some(2));
    assert_eq!(graph.status.code(), Some(2));
    insta::assert_snapshot!(format!("{}\n{}", stderr(&plan), stderr(&graph)));
}

#[test]
fn a_rendering_failure_names_the_field_and_its_position() {
    let dir = support::write_spec(
        "render.yaml",
        r#"version: 1
name: render
clients:
  api:
    base_url: "http://127.0.0.1:9"
    headers: { X-Trace: "{{ 1 / 0 }}" }
steps:
  big:
    request:
      method: GET
      url: "http://127.0.0.1:9/{% for i in range(100000000) %}{{ i }}{% endfor %}"
  deep:
    for_each: [1]
    request:
      method: POST
      url: http://127.0.0.1:9/items
      json: { items: [1, { name: "{{ item.missing }}" }] }
  header:
    client: api
    request: { method: GET, url: /x }
"#,
    );
    let out = caseflow(
        &["run", "render.yaml", "--no-progress"],
        dir.parent().unwrap(),
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut lines: Vec<&str> = stdout
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("render.yaml:"))
        .collect();
    lines.sort();
    insta::assert_snapshot!(lines.join("\n"));
}

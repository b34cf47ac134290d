//! `caseflow run` as a user runs it: the built binary against a local server.

mod support;

use support::binary::{caseflow, run_spec, text};

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// A server on its own runtime thread, so the test can block on the binary.
use support::serve as server;

const SECRET_SPEC: &str = r#"version: 1
name: secrets
inputs:
  base: {}
  password: { secret: true }
  client_id: { default: my-client }
clients:
  api:
    base_url: "{{ inputs.base }}"
    headers:
      X-Trace: "{{ run.id }}"
steps:
  read_secret:
    client: api
    request: { method: GET, url: /secret }
    outputs:
      app_secret: { json: $.secret, secret: true }
      id: $.id
  use_it:
    client: api
    request:
      method: POST
      url: /echo
      headers:
        Authorization: "{{ basic_auth(inputs.client_id, steps.read_secret.outputs.app_secret) }}"
        X-Derived: "{{ base64(inputs.password) }}"
      json:
        password: "{{ inputs.password }}"
        assertion: "{{ client_secret_jwt(client_id=inputs.client_id, secret=steps.read_secret.outputs.app_secret, audience='aud') }}"
    outputs:
      echoed_body: $.body
      auth_seen: "$.headers.authorization"
      assertion_seen: $.json.assertion
  fails_showing_it:
    client: api
    request: { method: GET, url: /secret }
    expect:
      body:
        $.secret: "not {{ inputs.password }}"
outputs:
  leaked: "{{ steps.read_secret.outputs.app_secret }}"
"#;

#[test]
fn secrets_never_leave_the_process() {
    let srv = server(Duration::ZERO);
    let dir = support::write_spec("secrets.yaml", SECRET_SPEC);
    let dir = dir.parent().unwrap();
    let password = "hunter2-Passw0rd!";
    let base = format!("base={}", srv.base);
    let pass = format!("password={password}");
    let out = caseflow(
        &[
            "run",
            "secrets.yaml",
            "--set",
            &base,
            "--set",
            &pass,
            "-vv",
            "--report",
            "json=report.json",
            "--report",
            "junit=report.xml",
        ],
        dir,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let console = text(&out);
    let json = std::fs::read_to_string(dir.join("report.json")).unwrap();
    let junit = std::fs::read_to_string(dir.join("report.xml")).unwrap();
    // The dumps and the failure really are there, only masked.
    assert!(console.contains("> Authorization: Basic •••"), "{console}");
    assert!(console.contains("fails_showing_it"), "{console}");
    assert!(
        console.contains("expected \"•••\", got \"•••\""),
        "{console}"
    );
    assert!(json.contains("\"app_secret\": \"•••\""), "{json}");
    assert!(junit.contains("testcase"), "{junit}");
    let basic = STANDARD.encode(format!("my-client:{}", support::SECRET));
    for secret in [support::SECRET, password] {
        let forms = [
            secret.to_string(),
            STANDARD.encode(secret),
            URL_SAFE_NO_PAD.encode(secret),
            serde_json::to_string(secret)
                .unwrap()
                .trim_matches('"')
                .to_string(),
            basic.clone(),
        ];
        for form in &forms {
            for (name, output) in [("console", &console), ("json", &json), ("junit", &junit)] {
                assert!(
                    !output.contains(form.as_str()),
                    "{name} output contains `{form}`:\n{output}"
                );
            }
        }
    }
    // The JWT built from the secret is masked as well.
    assert!(!console.contains("eyJ"), "a JWT leaked: {console}");
    assert!(!json.contains("eyJ"), "a JWT leaked: {json}");
}

#[test]
fn missing_input_is_a_usage_error_naming_it() {
    let dir = support::write_spec(
        "needs.yaml",
        "version: 1\nname: needs\ninputs:\n  env_id: { env: CASEFLOW_TEST_ENV_ID, description: Target environment }\nsteps:\n  a:\n    request: { method: GET, url: \"http://127.0.0.1:9/{{ inputs.env_id }}\" }\n",
    );
    let out = caseflow(&["run", "needs.yaml"], dir.parent().unwrap());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("input `env_id`"), "{t}");
    assert!(
        t.contains("--set env_id=VALUE") && t.contains("CASEFLOW_TEST_ENV_ID"),
        "{t}"
    );
}

#[test]
fn invalid_spec_exits_2_before_running_anything() {
    let srv = server(Duration::ZERO);
    let dir = support::write_spec(
        "bad.yaml",
        &format!(
            "version: 1\nname: bad\nsteps:\n  a:\n    request: {{ method: POST, url: \"{}/items\", json: {{}} }}\n  b:\n    request: {{ method: GET, url: \"/x/{{{{ steps.nope.outputs.id }}}}\" }}\n",
            srv.base
        ),
    );
    let out = caseflow(&["run", "bad.yaml"], dir.parent().unwrap());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("unknown step `nope`"));
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(srv.log.lock().unwrap().deleted.len(), 0);
}

#[test]
fn dry_run_renders_without_sending() {
    let (code, t) = run_spec(
        "dry.yaml",
        "version: 1\nname: dry\ninputs:\n  token: { secret: true, default: tok-very-secret }\nsteps:\n  a:\n    request: { method: POST, url: \"http://127.0.0.1:9/items\", headers: { Authorization: \"Bearer {{ inputs.token }}\" }, json: { n: 1 } }\n    outputs: { id: $.id }\n  b:\n    request: { method: GET, url: \"http://127.0.0.1:9/items/{{ steps.a.outputs.id }}\" }\n",
        &["--dry-run"],
    );
    assert_eq!(code, Some(0), "{t}");
    assert!(
        t.contains("> GET http://127.0.0.1:9/items/%3Csteps.a.outputs.id%3E")
            || t.contains("<steps.a.outputs.id>"),
        "{t}"
    );
    assert!(t.contains("> Authorization: Bearer •••"), "{t}");
    assert!(!t.contains("tok-very-secret"), "{t}");
}

#[test]
fn the_json_report_follows_its_published_schema() {
    let srv = server(Duration::ZERO);
    let dir = support::binary::spec_dir(
        "shape.yaml",
        &srv.base,
        r#"steps:
  create:
    request: { method: POST, url: "{{ inputs.base }}/items", json: {} }
    outputs: { id: $.id }
  broken:
    request: { method: GET, url: "{{ inputs.base }}/status/500" }
    needs: [create]
    expect: { status: 200 }
  after:
    needs: [broken]
    request: { method: GET, url: "{{ inputs.base }}/landing" }
cleanup:
  delete:
    request: { method: DELETE, url: "{{ inputs.base }}/items/{{ steps.create.outputs.id }}" }
"#,
    );
    let out = caseflow(&["run", "shape.yaml", "--report", "json=report.json"], &dir);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = support::binary::json_report(&dir);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas/report.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{report:#}");
    assert_eq!(report["version"], 1);
    let step = |id| support::binary::report_step(&report, id);
    assert_eq!(step("broken")["needs"], serde_json::json!(["create"]));
    assert_eq!(step("broken")["location"]["line"], 9);
    assert!(
        step("broken")["request"]
            .as_str()
            .unwrap()
            .starts_with("GET http://127.0.0.1:")
    );
    assert_eq!(step("after")["message"], "`broken` failed");
    assert_eq!(step("delete")["needs"], serde_json::json!(["create"]));
    assert!(step("delete")["started_ms"].as_u64() >= step("broken")["started_ms"].as_u64());
}

#[test]
fn passing_run_exits_0_with_summary_and_total() {
    let srv = server(Duration::ZERO);
    let dir = support::write_spec(
        "ok.yaml",
        &format!(
            "version: 1\nname: ok\nsteps:\n  a:\n    request: {{ method: POST, url: \"{0}/items\", json: {{}} }}\n    outputs: {{ id: $.id }}\n  b:\n    request: {{ method: GET, url: \"{0}/items/{{{{ steps.a.outputs.id }}}}\" }}\n",
            srv.base
        ),
    );
    let out = caseflow(
        &["run", "ok.yaml", "--no-progress", "--summary", "table"],
        dir.parent().unwrap(),
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("id=item-1"), "{t}");
    assert!(t.contains("PASS ["), "{t}");
    assert!(t.contains("] ok  2 steps\n"), "{t}");
    assert!(t.contains("PASSED ["), "{t}");
    assert!(t.contains("] 1 spec, 2 steps\n"), "{t}");
}

/// What a CI system reads of a run: a test case per step (cleanup ones
/// named so), failures with their message, tolerated failures as passes,
/// skipped dependents, attempts, HTTP statuses and captured outputs.
#[test]
fn the_junit_report_has_a_case_per_step() {
    let srv = server(Duration::ZERO);
    let spec = format!(
        r#"version: 1
name: reported
steps:
  make:
    request: {{ method: POST, url: "{0}/items", json: {{}} }}
    outputs: {{ id: $.id }}
  broken:
    needs: [make]
    request: {{ method: GET, url: "{0}/status/500" }}
  tolerated:
    continue_on_error: true
    request: {{ method: GET, url: "{0}/status/404" }}
  later:
    needs: [broken]
    request: {{ method: GET, url: "{0}/items/1" }}
cleanup:
  delete:
    request: {{ method: DELETE, url: "{0}/items/{{{{ steps.make.outputs.id }}}}" }}
"#,
        srv.base
    );
    let path = support::write_spec("reported.yaml", &spec);
    let dir = path.parent().unwrap();
    let out = caseflow(
        &[
            "run",
            "reported.yaml",
            "--max-parallel",
            "1",
            "--report",
            "junit=report.xml",
        ],
        dir,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let junit = std::fs::read_to_string(dir.join("report.xml")).unwrap();
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r#"time="[0-9.]+""#, r#"time="T""#);
    settings.add_filter(r#"timestamp="[^"]+""#, r#"timestamp="T""#);
    settings.add_filter(
        r#"name="started_ms" value="\d+""#,
        r#"name="started_ms" value="MS""#,
    );
    settings.add_filter(
        r#"name="run_id" value="[^"]+""#,
        r#"name="run_id" value="ID""#,
    );
    settings.add_filter(r#"value="[^"]*reported.yaml""#, r#"value="reported.yaml""#);
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT");
    settings.bind(|| insta::assert_snapshot!(junit));
}

/// `--report har=PATH` as a HAR viewer reads it: an entry per exchange, in
/// the order sent, with when it started and how long it took (in
/// milliseconds), the request and its body, the response and its reason
/// phrase; credentials masked unless `--har-keep-secrets`.
#[test]
fn the_har_report_records_every_exchange() {
    // POST /items answers after 300 ms.
    let srv = server(Duration::from_millis(300));
    let spec = format!(
        r#"version: 1
name: har
inputs:
  password: {{ secret: true }}
steps:
  make:
    title: Create a widget
    request:
      method: POST
      url: "{0}/items"
      headers: {{ X-Api-Key: literal-key-1234 }}
      json: {{ name: widget }}
  login:
    needs: [make]
    request:
      method: POST
      url: "{0}/echo?lang=en"
      form: {{ user: bob, password: "{{{{ inputs.password }}}}" }}
"#,
        srv.base
    );
    let path = support::write_spec("har.yaml", &spec);
    let dir = path.parent().unwrap();
    let har = |extra: &[&str]| {
        let before = time::OffsetDateTime::now_utc();
        let args = [
            &[
                "run",
                "har.yaml",
                "--set",
                "password=hunter2-pass",
                "--report",
                "har=run.har",
            ][..],
            extra,
        ]
        .concat();
        let out = caseflow(&args, dir);
        let after = time::OffsetDateTime::now_utc();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let text = std::fs::read_to_string(dir.join("run.har")).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        (doc, text, before, after)
    };
    let (doc, text, before, after) = har(&[]);
    let entries = doc["log"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{text}");
    let (make, login) = (&entries[0], &entries[1]);
    let started = |e: &serde_json::Value| {
        let at = e["startedDateTime"].as_str().unwrap();
        time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).unwrap()
    };
    // Times on the run's clock, in milliseconds: `login` starts once `make` has answered.
    let took = make["time"].as_f64().unwrap();
    assert!((300.0..60_000.0).contains(&took), "{took} ms");
    assert_eq!(make["timings"]["wait"], make["time"]);
    assert!(before <= started(make) && started(login) <= after, "{text}");
    let make_ended = started(make) + Duration::from_secs_f64(took / 1000.0);
    assert!(
        started(login) >= make_ended - Duration::from_millis(2),
        "{text}"
    );
    // Requests and responses.
    assert_eq!(make["request"]["method"], "POST");
    assert_eq!(make["request"]["url"], format!("{}/items", srv.base));
    assert_eq!(make["request"]["postData"]["mimeType"], "application/json");
    assert_eq!(make["request"]["postData"]["text"], r#"{"name":"widget"}"#);
    assert_eq!(make["request"]["bodySize"], 17);
    assert_eq!(make["response"]["status"], 201);
    assert_eq!(make["response"]["statusText"], "Created");
    assert_eq!(make["comment"], "Create a widget");
    assert_eq!(
        make["_caseflow"],
        serde_json::json!({ "spec": "har", "step": "make" })
    );
    let header = |e: &serde_json::Value, name: &str| {
        e["request"]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| {
                h["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .map(|h| h["value"].clone())
    };
    assert_eq!(header(make, "x-api-key"), Some("•••".into()), "{text}");
    let post = &login["request"]["postData"];
    assert_eq!(post["mimeType"], "application/x-www-form-urlencoded");
    assert_eq!(
        post["params"],
        serde_json::json!([{ "name": "user", "value": "bob" }, { "name": "password", "value": "•••" }])
    );
    assert_eq!(
        login["request"]["queryString"],
        serde_json::json!([{ "name": "lang", "value": "en" }])
    );
    assert_eq!(login["response"]["statusText"], "OK");
    for secret in ["hunter2-pass", "literal-key-1234"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    // Kept on request, for replaying the flow.
    let (doc, text, ..) = har(&["--har-keep-secrets"]);
    let entries = doc["log"]["entries"].as_array().unwrap();
    assert_eq!(
        header(&entries[0], "x-api-key"),
        Some("literal-key-1234".into())
    );
    assert!(text.contains("hunter2-pass"), "{text}");
}

/// A secret output that is a list or an object makes every value inside it
/// secret: none reaches the console or a report, used or not.
#[test]
fn secret_lists_and_objects_mask_every_value_inside() {
    let srv = server(Duration::ZERO);
    let spec = format!(
        r#"version: 1
name: lists
steps:
  issue:
    request:
      method: POST
      url: "{0}/echo"
      json: {{ codes: [code-alpha-1, code-beta-22], pair: {{ first: pair-value-1, second: pair-value-2 }} }}
    outputs:
      codes: {{ json: $.json.codes, secret: true }}
      pair: {{ json: $.json.pair, secret: true }}
  use:
    request:
      method: GET
      url: "{0}/echo?c={{{{ steps.issue.outputs.codes[1] }}}}&p={{{{ steps.issue.outputs.pair.first }}}}"
"#,
        srv.base
    );
    let path = support::write_spec("lists.yaml", &spec);
    let dir = path.parent().unwrap();
    let out = caseflow(
        &[
            "run",
            "lists.yaml",
            "--verbose",
            "--report",
            "json=report.json",
            "--report",
            "har=run.har",
        ],
        dir,
    );
    let console = text(&out);
    assert_eq!(out.status.code(), Some(0), "{console}");
    let json = std::fs::read_to_string(dir.join("report.json")).unwrap();
    assert!(json.contains("?c=•••&p=•••"), "{json}");
    // The HAR report holds both bodies: the list and the object as sent and echoed.
    let har = std::fs::read_to_string(dir.join("run.har")).unwrap();
    assert!(har.contains("codes"), "{har}");
    for value in [
        "code-alpha-1",
        "code-beta-22",
        "pair-value-1",
        "pair-value-2",
    ] {
        for (name, output) in [("console", &console), ("json", &json), ("har", &har)] {
            assert!(
                !output.contains(value),
                "{value} in the {name} output:\n{output}"
            );
        }
    }
}

/// `caseflow report merge` reads the durations a run wrote and writes them
/// back unchanged, each step's and the spec's.
#[test]
fn a_merged_report_keeps_the_durations() {
    // POST /items answers after 300 ms.
    let srv = server(Duration::from_millis(300));
    let spec = format!(
        "version: 1\nname: timed\nsteps:\n  make:\n    request: {{ method: POST, url: \"{}/items\", json: {{}} }}\n",
        srv.base
    );
    let path = support::write_spec("timed.yaml", &spec);
    let dir = path.parent().unwrap();
    let out = caseflow(&["run", "timed.yaml", "--report", "json=run.json"], dir);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = caseflow(
        &["report", "merge", "run.json", "--json", "merged.json"],
        dir,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
    };
    let (run, merged) = (read("run.json"), read("merged.json"));
    let step_ms = &run["specs"][0]["steps"][0]["duration_ms"];
    assert!(step_ms.as_u64().unwrap() >= 300, "{run}");
    assert_eq!(&merged["specs"][0]["steps"][0]["duration_ms"], step_ms);
    assert_eq!(
        merged["specs"][0]["duration_ms"],
        run["specs"][0]["duration_ms"]
    );
}

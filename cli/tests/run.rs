//! The runner through its library API against a local test server.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use caseflow::report::{SpecReport, Status, StepReport};
use caseflow::run::{self, InputSources, RunOptions, Silent};
use caseflow::spec::{self, Loader};
use serde_json::{Value, json};

async fn run_spec(base: &str, yaml: &str) -> SpecReport {
    run_with(base, yaml, RunOptions::new(32)).await
}

/// A fresh test server and the spec's run against it.
async fn serve_and_run(yaml: &str) -> (support::Server, SpecReport) {
    let srv = support::start(Duration::ZERO).await;
    let report = run_spec(&srv.base, yaml).await;
    (srv, report)
}

async fn run_with(base: &str, yaml: &str, options: RunOptions) -> SpecReport {
    // Every spec gets a `base` input and an `api` client, unless it brings its own clients.
    let clients = if yaml.contains("\nclients:") {
        String::new()
    } else {
        "clients:\n  api: { base_url: \"{{ inputs.base }}\" }\n".to_string()
    };
    let text = format!("version: 1\nname: t\ninputs:\n  base: {{}}\n{clients}{yaml}");
    let path = support::write_spec("t.yaml", &text);
    let mut loader = Loader::new();
    let (checked, diagnostics) = spec::check_file(&mut loader, &path);
    let checked = checked.unwrap_or_else(|| panic!("invalid spec: {diagnostics:#?}\n{text}"));
    let mut sources = InputSources::default();
    sources.set.insert("base".into(), json!(base));
    run::run(&checked, &sources, &options, Arc::new(Silent))
        .await
        .unwrap()
}

fn step<'a>(r: &'a SpecReport, id: &str) -> &'a StepReport {
    r.steps
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no step {id}"))
}

fn out(r: &SpecReport, id: &str, name: &str) -> Value {
    step(r, id)
        .outputs
        .get(name)
        .cloned()
        .unwrap_or_else(|| panic!("no output {id}.{name}: {:?}", step(r, id)))
}

fn assert_passed(r: &SpecReport) {
    for s in &r.steps {
        assert_eq!(s.status, Status::Passed, "{}: {:?}", s.id, s.message);
    }
}

#[tokio::test]
async fn every_capture_kind() {
    let (srv, r) = serve_and_run(
        r#"
steps:
  item:
    client: api
    request: { method: GET, url: /items/42 }
    outputs:
      id: $.id
      count: $.count
      tags: { json: "$.tags[*]", all: true }
      first_name: "$.items[0].name"
      filtered: "$.items[?(@.v == 2)].name"
      ctype: { header: Content-Type }
      status: { status: true }
      url: { url: true }
      body: { body: true }
      idnum: { json: $.id, regex: "([0-9]+)" }
      maybe: { json: $.nope, optional: true }
  text:
    client: api
    request: { method: GET, url: /text }
    outputs:
      token_part: { regex: "token=(\\w+)" }
      user: { regex: "user=(?P<u>\\w+)", group: u }
  login:
    client: api
    request: { method: GET, url: /login }
    outputs:
      session: { cookie: session }
  redirect:
    client: api
    request: { method: GET, url: /redirect }
    expect: { status: 302 }
    outputs:
      code: { header: Location, query: code }
      state: { header: Location, query: state }
      frag: { header: Location, fragment: access_token }
"#,
    )
    .await;
    assert_passed(&r);
    assert_eq!(out(&r, "item", "id"), json!("42"));
    assert_eq!(out(&r, "item", "count"), json!(3));
    assert_eq!(out(&r, "item", "tags"), json!(["a", "b"]));
    assert_eq!(out(&r, "item", "first_name"), json!("x"));
    assert_eq!(out(&r, "item", "filtered"), json!("y"));
    assert_eq!(out(&r, "item", "ctype"), json!("application/json"));
    assert_eq!(out(&r, "item", "status"), json!(200));
    assert_eq!(
        out(&r, "item", "url"),
        json!(format!("{}/items/42", srv.base))
    );
    assert!(
        out(&r, "item", "body")
            .as_str()
            .unwrap()
            .contains("\"nested\"")
    );
    assert_eq!(out(&r, "item", "idnum"), json!("42"));
    assert_eq!(out(&r, "item", "maybe"), Value::Null);
    // Named like a credential: masked in the report.
    assert_eq!(out(&r, "text", "token_part"), json!("•••"));
    assert_eq!(out(&r, "text", "user"), json!("bob"));
    // Set-Cookie values are credentials.
    assert_eq!(out(&r, "login", "session"), json!("•••"));
    assert_eq!(
        out(&r, "redirect", "code"),
        json!("•••"),
        "`code` is secret-ish"
    );
    assert_eq!(out(&r, "redirect", "state"), json!("xyz"));
    // An `access_token` in a URL is a credential whatever the output is called.
    assert_eq!(out(&r, "redirect", "frag"), json!("•••"));
}

#[tokio::test]
async fn a_capture_that_matches_nothing_fails_with_a_clear_message() {
    let (_srv, r) = serve_and_run(
        r#"
steps:
  redirect:
    client: api
    request: { method: GET, url: /redirect }
    expect: { status: 302 }
    outputs:
      flow: { header: Location, query: flowId }
"#,
    )
    .await;
    let s = step(&r, "redirect");
    assert_eq!(s.status, Status::Failed);
    let m = s.message.as_deref().unwrap();
    assert!(
        m.contains("output `flow`: header `Location` (query parameter `flowId`) matched nothing"),
        "{m}"
    );
    assert!(m.contains("/landing?"), "shows the value it looked at: {m}");
}

#[tokio::test]
async fn matchers_and_schema() {
    let (_srv, r) = serve_and_run(
        r#"
steps:
  item:
    client: api
    request: { method: GET, url: /items/42 }
    expect:
      status: 2xx
      headers:
        content-type: { contains: json }
      body:
        $.id: "42"
        $.count: { gt: 2, gte: 3, lt: 4, lte: 3, type: integer, one_of: [1, 3], not_equals: 5 }
        $.ratio: { type: number, equals: 0.5 }
        $.active: true
        $.tags: { length: 2, contains: b, type: array }
        $.nested: { contains: k, type: object }
        $.nope: { exists: false }
        "$.items[1].name": { matches: "^y$" }
        "$['id']": { equals: "{{ '4' ~ '2' }}" }
      schema:
        type: object
        required: [id, count]
        properties: { id: { type: string }, count: { type: integer } }
  bad:
    client: api
    request: { method: GET, url: /items/42 }
    expect:
      status: [201, 204]
      body:
        $.count: { lt: 1 }
        $.id: other
      schema: { type: object, properties: { count: { type: string } } }
"#,
    )
    .await;
    assert_eq!(
        step(&r, "item").status,
        Status::Passed,
        "{:?}",
        step(&r, "item").message
    );
    let bad = step(&r, "bad");
    assert_eq!(bad.status, Status::Failed);
    let m = bad.message.as_deref().unwrap();
    assert!(
        m.contains("status: expected one of 201, 204, got 200"),
        "{m}"
    );
    assert!(
        m.contains("body `$.count`: expected a number less than 1, got 3"),
        "{m}"
    );
    assert!(
        m.contains(r#"body `$.id`: expected "other", got "42""#),
        "{m}"
    );
    assert!(m.contains("schema: at /count"), "{m}");
    assert!(
        m.contains("response: HTTP 200 OK"),
        "shows the response: {m}"
    );
}

/// Each matcher says no to a value it does not hold for, in words that
/// name what was expected and what came: one failure line each.
#[tokio::test]
async fn every_matcher_refuses_what_it_does_not_hold_for() {
    let body = r#"{"s": "text", "i": 42, "f": 1.5, "b": true, "a": [1, "x"], "o": {"k": "v"}, "n": null, "d": "4217", "w": 42.0, "m": -3}"#;
    let (_srv, r) = serve_and_run(&format!(
        r#"
steps:
  holds:
    client: api
    request: {{ method: POST, url: /echo, body: '{body}', headers: {{ Content-Type: application/json }} }}
    expect:
      body:
        $.json.s: {{ type: string, contains: ex }}
        $.json.i: {{ type: integer, gt: 41, lt: 43, gte: 42, lte: 42 }}
        $['json']['i']: {{ type: number, equals: 42.0 }}
        $.json.f: {{ type: number, equals: 1.5 }}
        $.json.b: {{ type: boolean }}
        $.json.a: {{ type: array, contains: x }}
        $.json.o: {{ type: object, contains: k }}
        $.json.n: {{ type: "null" }}
        $.json.d: {{ equals: 4217 }}
        $['json']['a']: {{ not_equals: '[1,"x"]' }}
        $.json.w: {{ type: integer }}
        $.json.m: {{ type: integer, lt: 0 }}
  refuses:
    client: api
    request: {{ method: POST, url: /echo, body: '{body}', headers: {{ Content-Type: application/json }} }}
    expect:
      body:
        $.json.s: {{ type: number, contains: zz }}
        $.json.i: {{ type: string, gt: 42, lt: 42, gte: 43, lte: 41 }}
        $['json']['i']: {{ equals: 42.5 }}
        $.json.f: {{ type: integer }}
        $.json.b: {{ type: array }}
        $.json.a: {{ type: object, contains: y }}
        $.json.o: {{ type: array, contains: v }}
        $.json.n: {{ type: string }}
        $.json.m: {{ type: string }}
        $.json.missing: {{ type: string }}
"#
    ))
    .await;
    let holds = step(&r, "holds");
    assert_eq!(holds.status, Status::Passed, "{:?}", holds.message);
    let refuses = step(&r, "refuses");
    assert_eq!(refuses.status, Status::Failed);
    let lines: Vec<&str> = refuses
        .message
        .as_deref()
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("body `"))
        .collect();
    insta::assert_snapshot!(lines.join("\n"));
}

/// A regex reads a number or an object as its JSON text, and without a
/// group gives the whole match; without narrowing a value keeps its type.
#[tokio::test]
async fn narrowing_reads_json_text_and_whole_matches() {
    let body = r#"{"s": "text", "i": 4217, "o": {"k": "v"}}"#;
    let (_srv, r) = serve_and_run(&format!(
        r#"
steps:
  read:
    client: api
    request: {{ method: POST, url: /echo, body: '{body}', headers: {{ Content-Type: application/json }} }}
    outputs:
      number: $.json.i
      digit: {{ json: $.json.i, regex: "[0-9]" }}
      key: {{ json: $.json.o, regex: '"(\w)"' }}
      whole: {{ json: $.json.s, regex: "e.t" }}
      grouped: {{ json: $.json.s, regex: "t(e)x" }}
      anchored: {{ json: $.json.s, regex: "^te" }}
      digits: {{ json: $.json.i, regex: "[0-9]", all: true }}
"#
    ))
    .await;
    assert_passed(&r);
    assert_eq!(out(&r, "read", "number"), json!(4217));
    assert_eq!(out(&r, "read", "digit"), json!("4"));
    assert_eq!(out(&r, "read", "key"), json!("k"));
    assert_eq!(out(&r, "read", "whole"), json!("ext"));
    assert_eq!(out(&r, "read", "grouped"), json!("e"));
    assert_eq!(out(&r, "read", "anchored"), json!("te"));
    assert_eq!(out(&r, "read", "digits"), json!(["4", "2", "1", "7"]));
}

#[tokio::test]
async fn typed_rendering_headers_query_and_bodies() {
    let (_srv, r) = serve_and_run(
        r#"
steps:
  item:
    client: api
    request: { method: GET, url: /items/7 }
    outputs: { count: $.count, tags: { json: "$.tags[*]", all: true } }
  typed:
    client: api
    request:
      method: POST
      url: /echo
      query: { repeat: [1, 2], one: "{{ steps.item.outputs.count }}" }
      headers: { Content-Type: application/vnd.example+json }
      json:
        count: "{{ steps.item.outputs.count }}"
        tags: "{{ steps.item.outputs.tags }}"
        text: "n={{ steps.item.outputs.count }}"
        literal: "{{ '{{' }} not a template"
    outputs:
      ctype: "$.headers['content-type']"
      query: $.query
      json: $.json
  form:
    client: api
    request:
      method: POST
      url: "{{ inputs.base }}/echo"
      form: { a: "x y", b: [1, 2] }
    outputs: { ctype: "$.headers['content-type']", body: $.body }
"#,
    )
    .await;
    assert_passed(&r);
    assert_eq!(
        out(&r, "typed", "ctype"),
        json!("application/vnd.example+json")
    );
    assert_eq!(out(&r, "typed", "query"), json!("repeat=1&repeat=2&one=3"));
    assert_eq!(
        out(&r, "typed", "json"),
        json!({ "count": 3, "tags": ["a", "b"], "text": "n=3", "literal": "{{ not a template" })
    );
    assert_eq!(
        out(&r, "form", "ctype"),
        json!("application/x-www-form-urlencoded")
    );
    assert_eq!(out(&r, "form", "body"), json!("a=x+y&b=1&b=2"));
}

#[tokio::test]
async fn retry_and_until() {
    let (_srv, r) = serve_and_run(
        r#"
steps:
  flaky:
    client: api
    request: { method: GET, url: /flaky/a/2 }
    retry: { attempts: 3, backoff: 10ms }
    expect: { status: 200 }
  gives_up:
    client: api
    request: { method: GET, url: /flaky/b/5 }
    retry: { attempts: 2, backoff: 10ms }
    expect: { status: 200 }
  poll:
    client: api
    request: { method: GET, url: /poll/c/3 }
    until: { condition: "response.body.status == 'DONE'", interval: 10ms, timeout: 5s }
    outputs: { calls: $.calls }
  poll_gives_up:
    client: api
    request: { method: GET, url: /poll/d/100 }
    until: { condition: "{{ response.status == 200 and response.body.status == 'DONE' }}", interval: 10ms, max_attempts: 2 }
"#,
    )
    .await;
    let flaky = step(&r, "flaky");
    assert_eq!(
        (flaky.status, flaky.attempts, flaky.http_status),
        (Status::Passed, 3, Some(200))
    );
    let gives_up = step(&r, "gives_up");
    assert_eq!((gives_up.status, gives_up.attempts), (Status::Failed, 2));
    assert!(
        gives_up
            .message
            .as_deref()
            .unwrap()
            .contains("expected 200, got 503")
    );
    let poll = step(&r, "poll");
    assert_eq!((poll.status, poll.attempts), (Status::Passed, 3));
    assert_eq!(out(&r, "poll", "calls"), json!(3));
    let pg = step(&r, "poll_gives_up");
    assert_eq!(pg.status, Status::Failed);
    assert!(
        pg.message
            .as_deref()
            .unwrap()
            .contains("still false after 2 attempt(s)"),
        "{:?}",
        pg.message
    );
}

#[tokio::test]
async fn failure_skips_dependents_and_cleanup_still_runs() {
    let (srv, r) = serve_and_run(
        r#"
steps:
  make:
    client: api
    request: { method: POST, url: /items, json: {} }
    expect: { status: 201 }
    outputs: { id: $.id }
  broken:
    client: api
    request: { method: GET, url: /status/500 }
    expect: { status: 200 }
    outputs: { x: $.x }
  after_broken:
    client: api
    request: { method: GET, url: "/items/{{ steps.broken.outputs.x }}" }
  after_that:
    client: api
    needs: [after_broken]
    request: { method: GET, url: /items/1 }
  independent:
    client: api
    needs: [make]
    request: { method: GET, url: "/items/{{ steps.make.outputs.id }}" }
  allowed:
    client: api
    continue_on_error: true
    request: { method: GET, url: /status/404 }
  after_allowed:
    client: api
    needs: [allowed]
    request: { method: GET, url: /items/2 }
  gated:
    client: api
    if: "inputs.base == 'nope'"
    request: { method: GET, url: /items/3 }
cleanup:
  delete_made:
    client: api
    request: { method: DELETE, url: "/items/{{ steps.make.outputs.id }}" }
  delete_broken:
    client: api
    request: { method: DELETE, url: "/items/{{ steps.broken.outputs.x }}" }
"#,
    )
    .await;
    let status = |id| step(&r, id).status;
    assert_eq!(status("make"), Status::Passed);
    assert_eq!(status("broken"), Status::Failed);
    assert_eq!(status("after_broken"), Status::Skipped);
    assert_eq!(
        step(&r, "after_broken").message.as_deref(),
        Some("`broken` failed")
    );
    assert_eq!(status("after_that"), Status::Skipped);
    assert_eq!(status("independent"), Status::Passed);
    assert_eq!(status("allowed"), Status::Failed);
    assert!(step(&r, "allowed").allowed_failure);
    assert_eq!(status("after_allowed"), Status::Passed);
    assert_eq!(status("gated"), Status::Skipped);
    assert_eq!(status("delete_made"), Status::Passed);
    assert_eq!(status("delete_broken"), Status::Skipped);
    assert!(!r.passed());
    assert_eq!(srv.log.lock().unwrap().deleted, vec!["item-1".to_string()]);
}

#[tokio::test]
async fn fail_fast_stops_new_work_but_cleans_up() {
    let srv = support::start(Duration::ZERO).await;
    let mut options = RunOptions::new(1);
    options.fail_fast = true;
    let r = run_with(
        &srv.base,
        r#"
steps:
  make:
    client: api
    request: { method: POST, url: /items, json: {} }
    outputs: { id: $.id }
  broken:
    client: api
    needs: [make]
    request: { method: GET, url: /status/500 }
  later:
    client: api
    needs: [broken, make]
    request: { method: GET, url: /items/1 }
  unrelated:
    client: api
    needs: [make]
    request: { method: GET, url: /items/2 }
cleanup:
  flaky:
    client: api
    request: { method: GET, url: /status/500 }
  delete:
    client: api
    request: { method: DELETE, url: "/items/{{ steps.make.outputs.id }}" }
"#,
        options,
    )
    .await;
    assert_eq!(step(&r, "broken").status, Status::Failed);
    assert_eq!(step(&r, "later").status, Status::Skipped);
    // Independent of the failure, but not started after it.
    let unrelated = step(&r, "unrelated");
    assert_eq!(unrelated.status, Status::Skipped);
    assert_eq!(
        unrelated.message.as_deref(),
        Some("not started: --fail-fast after a failure")
    );
    // Cleanup is not cut short, even by a failure of its own.
    assert_eq!(step(&r, "flaky").status, Status::Failed);
    assert_eq!(step(&r, "delete").status, Status::Passed);
}

#[tokio::test]
async fn cookie_jars_per_client_and_redirects() {
    let (_srv, r) = serve_and_run(
        r#"
clients:
  alice: { base_url: "{{ inputs.base }}" }
  bob: { base_url: "{{ inputs.base }}" }
  nojar: { base_url: "{{ inputs.base }}", cookies: false }
  follower: { base_url: "{{ inputs.base }}", follow_redirects: true }
steps:
  alice_login:
    client: alice
    request: { method: GET, url: /login }
  nojar_login:
    client: nojar
    request: { method: GET, url: /login }
  alice_who:
    client: alice
    needs: [alice_login, nojar_login]
    request: { method: GET, url: /whoami }
    outputs: { seen: $.cookie }
  bob_who:
    client: bob
    needs: [alice_login]
    request: { method: GET, url: /whoami }
    outputs: { seen: $.cookie }
  nojar_who:
    client: nojar
    needs: [nojar_login]
    request: { method: GET, url: /whoami }
    outputs: { seen: $.cookie }
  not_followed:
    client: alice
    request: { method: GET, url: /redirect }
    expect: { status: 302, headers: { location: { matches: "^/landing" } } }
  followed:
    client: follower
    request: { method: GET, url: /redirect }
    expect: { status: 200 }
    outputs: { body: { body: true }, url: { url: true, regex: "(/landing)" } }
"#,
    )
    .await;
    assert_passed(&r);
    // The session cookie is a credential: masked in the report, but it was sent.
    assert_eq!(out(&r, "alice_who", "seen"), json!("session=•••"));
    assert_eq!(out(&r, "bob_who", "seen"), json!(""));
    assert_eq!(out(&r, "nojar_who", "seen"), json!(""));
    assert_eq!(out(&r, "followed", "body"), json!("landed"));
    assert_eq!(out(&r, "followed", "url"), json!("/landing"));
}

#[tokio::test]
async fn for_each_collects_outputs_into_lists() {
    let (_srv, r) = serve_and_run(
        r#"
steps:
  make:
    client: api
    for_each: [a, b, c]
    concurrency: 3
    request: { method: POST, url: /items, json: { name: "{{ item }}", at: "{{ index }}" } }
    outputs: { name: $.input.name, at: $.input.at }
  read:
    client: api
    for_each: "{{ steps.make.outputs.name }}"
    request: { method: GET, url: "/items/{{ item }}" }
    outputs: { id: $.id }
"#,
    )
    .await;
    assert_passed(&r);
    assert_eq!(out(&r, "make", "name"), json!(["a", "b", "c"]));
    assert_eq!(out(&r, "make", "at"), json!([0, 1, 2]));
    assert_eq!(out(&r, "read", "id"), json!(["a", "b", "c"]));
    assert_eq!(step(&r, "read").attempts, 3);
}

#[tokio::test]
async fn uses_runs_a_sub_workflow_and_defers_its_cleanup() {
    let srv = support::start(Duration::ZERO).await;
    let lib = support::write_spec(
        "make.yaml",
        r#"version: 1
name: make
library: true
inputs:
  base: {}
  label: {}
clients:
  api: { base_url: "{{ inputs.base }}" }
steps:
  create:
    client: api
    request: { method: POST, url: /items, json: { label: "{{ inputs.label }}" } }
    outputs: { id: $.id, label: $.input.label }
cleanup:
  delete:
    client: api
    request: { method: DELETE, url: "/items/{{ steps.create.outputs.id }}" }
outputs:
  id: "{{ steps.create.outputs.id }}"
  label: "{{ steps.create.outputs.label }}"
"#,
    );
    let yaml = format!(
        r#"
steps:
  sub:
    uses: {}
    with: {{ base: "{{{{ inputs.base }}}}", label: hello }}
  use_it:
    client: api
    request: {{ method: GET, url: "/items/{{{{ steps.sub.outputs.id }}}}" }}
    expect: {{ body: {{ $.id: "{{{{ steps.sub.outputs.id }}}}" }} }}
    outputs: {{ label_seen: {{ json: $.id }} }}
"#,
        lib.display()
    );
    let r = run_spec(&srv.base, &yaml).await;
    assert_passed(&r);
    assert_eq!(out(&r, "sub", "label"), json!("hello"));
    assert_eq!(step(&r, "sub").steps.len(), 1);
    // The sub-workflow's cleanup ran after the parent used what it created.
    assert_eq!(srv.log.lock().unwrap().deleted, vec!["item-1".to_string()]);
    // One permit is enough: the `uses` step holds none while its steps run.
    let one = run_with(&srv.base, &yaml, RunOptions::new(1));
    let one = tokio::time::timeout(Duration::from_secs(20), one).await;
    assert_passed(&one.expect("a sub-workflow at --max-parallel 1 finishes"));
}

#[tokio::test]
async fn a_step_starts_when_its_last_dependency_ends() {
    // a(100ms) -> c; b(300ms) independent. With level barriers c would wait for b.
    let srv = support::start(Duration::from_millis(100)).await;
    let started = Instant::now();
    let r = run_spec(
        &srv.base,
        r#"
steps:
  a:
    client: api
    request: { method: POST, url: /items, json: {} }
    outputs: { id: $.id }
  b1:
    client: api
    request: { method: POST, url: /items, json: {} }
  b2:
    client: api
    needs: [b1]
    request: { method: POST, url: /items, json: {} }
  b3:
    client: api
    needs: [b2]
    request: { method: POST, url: /items, json: {} }
  c:
    client: api
    request: { method: GET, url: "/items/{{ steps.a.outputs.id }}" }
"#,
    )
    .await;
    assert_passed(&r);
    let c = step(&r, "c");
    let b2 = step(&r, "b2");
    assert!(
        c.started_ms < b2.started_ms + 50,
        "c started at {}ms, b2 at {}ms",
        c.started_ms,
        b2.started_ms
    );
    assert!(started.elapsed() < Duration::from_millis(900));
}

#[tokio::test]
async fn timeouts_and_step_deadline() {
    let srv = support::start(Duration::from_millis(500)).await;
    let r = run_spec(
        &srv.base,
        r#"
steps:
  slow:
    client: api
    timeout: 100ms
    request: { method: POST, url: /items, json: {} }
"#,
    )
    .await;
    let s = step(&r, "slow");
    assert_eq!(s.status, Status::Failed);
    assert!(
        s.message
            .as_deref()
            .unwrap()
            .contains("timed out after 100ms")
    );
}

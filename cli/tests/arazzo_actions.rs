//! Arazzo failure and success actions, sub-workflows and a long chain, run
//! through the binary against a local items API that can fail on purpose.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde_json::json;
use support::binary::{caseflow, text};
use support::items::{self, Items};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/arazzo")
        .join(name)
}

/// Runs a document against a fresh items API.
fn run(doc: &Path, fail_first: usize) -> (Output, Arc<Items>) {
    let (url, items) = items::serve(Items {
        fail_first,
        scrambled_ids: true,
        ..Items::default()
    });
    let set = format!("items_url={url}");
    let args = ["run", doc.to_str().unwrap(), "--no-progress", "--set", &set];
    let out = caseflow(&args, Path::new("."));
    (out, items)
}

#[test]
fn a_retry_action_sends_the_step_again_until_it_succeeds() {
    let (out, items) = run(&fixture("retry.arazzo.yaml"), 2);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(items.posts.load(Ordering::SeqCst), 3);
    assert_eq!(items.gets.load(Ordering::SeqCst), 1);
    // The workflow's `end` default and the last step's `end` are carried over.
    assert!(!text(&out).contains("not supported"), "{}", text(&out));
}

#[test]
fn a_retry_action_stops_at_its_limit_and_dependents_do_not_run() {
    let (out, items) = run(&fixture("retry.arazzo.yaml"), 100);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    // One attempt and `retryLimit: 3` retries.
    assert_eq!(items.posts.load(Ordering::SeqCst), 4);
    assert_eq!(items.gets.load(Ordering::SeqCst), 0);
}

#[test]
fn an_end_action_on_failure_stops_the_steps_that_need_it() {
    let (out, items) = run(&fixture("end.arazzo.yaml"), 100);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(items.posts.load(Ordering::SeqCst), 1);
    assert_eq!(items.gets.load(Ordering::SeqCst), 0);
    assert!(!text(&out).contains("not supported"), "{}", text(&out));
}

#[test]
fn a_sub_workflow_takes_parameters_and_gives_its_outputs() {
    let (out, items) = run(&fixture("sub-workflow.arazzo.yaml"), 0);
    assert!(out.status.success(), "{}", text(&out));
    let store = items.store.lock().unwrap();
    assert_eq!(store.len(), 1);
    assert_eq!(store[0]["name"], "made elsewhere");
    // `read` found the item by the id the sub-workflow returned.
    assert_eq!(items.gets.load(Ordering::SeqCst), 1);
}

/// A document of `n` creations, each named after the id the one before returned.
fn chain(n: usize) -> String {
    let mut doc = String::from(
        "arazzo: 1.1.0\ninfo: { title: A long chain, version: 1.0.0 }\n\
         sourceDescriptions:\n  - { name: items, url: items.openapi.json, type: openapi }\n\
         workflows:\n  - workflowId: chain\n    steps:\n",
    );
    for i in 1..=n {
        let name = if i == 1 {
            "first".to_string()
        } else {
            format!("after {{$steps.s{}.outputs.id}}", i - 1)
        };
        doc.push_str(&format!(
            "      - stepId: s{i}\n        operationId: createItem\n        \
             requestBody: {{ contentType: application/json, payload: {{ name: \"{name}\" }} }}\n        \
             successCriteria: [{{ condition: $statusCode == 201 }}]\n        \
             outputs: {{ id: $response.body#/id }}\n"
        ));
    }
    doc
}

#[test]
fn two_hundred_chained_steps_each_receive_the_id_before_theirs() {
    let doc = items::document_beside_description("chain.arazzo.yaml", &chain(200));
    let (out, items) = run(&doc, 0);
    assert!(out.status.success(), "{}", text(&out));
    let store = items.store.lock().unwrap();
    assert_eq!(store.len(), 200);
    assert_eq!(store[0]["name"], "first");
    for pair in store.windows(2) {
        let expected = format!("after {}", pair[0]["id"].as_str().unwrap());
        assert_eq!(pair[1]["name"], json!(expected));
    }
}

#[test]
fn plan_marks_each_dependency_with_what_made_it() {
    let doc = fixture("depends-on.arazzo.yaml");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_caseflow"))
        .args(["plan", doc.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let out = text(&out);
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("read <- "))
        .unwrap_or_else(|| panic!("no dependency line for `read`:\n{out}"));
    assert!(line.contains("create (output)"), "{out}");
    assert!(line.contains("audit (dependsOn)"), "{out}");
}

#[test]
fn a_workflow_runs_the_workflows_it_depends_on_first_and_reads_their_outputs() {
    let doc = fixture("workflow-depends-on.arazzo.yaml");
    let (out, items) = run(&doc, 2);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("warning"), "{}", text(&out));
    let store = items.store.lock().unwrap();
    // The seed ran first (its first two attempts got a 500: retried on that code),
    // and was given the input of the same name.
    assert_eq!(store[0]["name"], json!("seed"));
    assert_eq!(store[0]["label"], json!("from-report"));
    let seed = store[0]["id"].as_str().unwrap();
    // Its output reached the report's payload, once as a value, once by a replacement.
    assert_eq!(store[1]["seed"], json!(seed));
    assert_eq!(store[1]["name"], json!(format!("summary of {seed}")));
    assert_eq!(
        store[1]["about"],
        json!({"kind": "summary", "label": "from-report"})
    );
    assert_eq!(items.posts.load(Ordering::SeqCst), 4);
}

#[test]
fn a_retry_on_a_status_code_does_not_retry_other_failures() {
    // The items API fails with 500; a retry `criteria: $statusCode == 503` does not apply.
    let text_doc = std::fs::read_to_string(fixture("workflow-depends-on.arazzo.yaml"))
        .unwrap()
        .replace("$statusCode == 500", "$statusCode == 503");
    let doc = items::document_beside_description("workflow-depends-on.arazzo.yaml", &text_doc);
    let (out, items) = run(&doc, 1);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(items.posts.load(Ordering::SeqCst), 1);
    // Drawn at the criterion in the document, not in the converted spec.
    let all = text(&out);
    assert!(
        all.contains("workflow-depends-on.arazzo.yaml:57:11")
            && all.contains("57 |           - condition: $statusCode == 201")
            && all.contains("expected 201, got 500"),
        "{all}"
    );
}

#[test]
fn a_goto_back_to_the_step_while_it_is_pending_polls_it() {
    let server = support::serve(std::time::Duration::ZERO);
    let dir = support::write_spec("report.json", "")
        .parent()
        .unwrap()
        .to_path_buf();
    let set = format!("jobs_url={}", server.base);
    let report = format!("json={}", dir.join("report.json").display());
    let doc = fixture("poll.arazzo.yaml");
    let args = [
        "run",
        doc.to_str().unwrap(),
        "--set",
        &set,
        "--report",
        &report,
    ];
    let out = caseflow(&args, Path::new("."));
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("warning"), "{}", text(&out));
    // Sent again while `status` was PENDING (compared without case): three times.
    let report = support::binary::json_report(&dir);
    assert_eq!(report["specs"][0]["outputs"]["calls"], json!(3));
}

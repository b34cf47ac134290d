//! Arazzo documents run through the binary against a local items API, their
//! import as YAML, and the errors of bad documents.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::json;
use support::binary::text;
use support::items::{self, Items};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/arazzo")
        .join(name)
}

/// `caseflow ARGS` in the test's directory.
fn caseflow(args: &[&str]) -> Output {
    support::binary::caseflow(args, Path::new("."))
}

/// Runs a fixture against a fresh items API; fails the test unless it passes.
fn run(name: &str, extra: &[&str]) -> (Output, Arc<Items>) {
    let (url, items) = items::serve(Items {
        delay: Duration::from_millis(100),
        ..Items::default()
    });
    let doc = fixture(name);
    let set = format!("items_url={url}");
    let mut args = vec!["run", doc.to_str().unwrap(), "--set", &set, "--no-progress"];
    args.extend_from_slice(extra);
    let out = caseflow(&args);
    assert!(out.status.success(), "{}", text(&out));
    (out, items)
}

#[test]
fn twenty_creations_run_at_once_then_the_last_is_read() {
    let (out, items) = run("fan-out.arazzo.yaml", &[]);
    assert!(text(&out).contains("21 steps"), "{}", text(&out));
    assert_eq!(items.store.lock().unwrap().len(), 20);
    // Independent steps overlap: twenty in a row would never have two in flight.
    assert!(items.peak.load(Ordering::SeqCst) >= 2, "ran one at a time");
}

#[test]
fn a_chain_passes_each_output_to_the_next_step() {
    let (_, items) = run("chain.arazzo.yaml", &["--set", "first=alpha"]);
    let store = items.store.lock().unwrap();
    let names: Vec<&str> = store.iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["alpha", "after 1", "after 2"]);
    assert_eq!(store[2]["tags"], json!(["chain"]));
    assert_eq!(
        items.peak.load(Ordering::SeqCst),
        1,
        "a chain runs in order"
    );
}

/// Text of the document is sent as written: `{{ }}` in it is no template.
#[test]
fn template_syntax_in_the_document_is_sent_as_text() {
    let text_doc = std::fs::read_to_string(fixture("chain.arazzo.yaml"))
        .unwrap()
        .replace(
            "name: $inputs.first",
            "name: \"{{ 6 * 7 }} {$inputs.first} {% x %}\"",
        );
    let doc = items::document_beside_description("chain.arazzo.yaml", &text_doc);
    let (url, items) = items::serve(Items::default());
    let set = format!("items_url={url}");
    let args = [
        "run",
        doc.to_str().unwrap(),
        "--set",
        &set,
        "--set",
        "first=alpha",
    ];
    let out = caseflow(&args);
    assert!(out.status.success(), "{}", text(&out));
    let store = items.store.lock().unwrap();
    assert_eq!(store[0]["name"], json!("{{ 6 * 7 }} alpha {% x %}"));
}

#[test]
fn validate_and_plan_read_arazzo_documents() {
    let doc = fixture("fan-out.arazzo.yaml");
    let out = caseflow(&["validate", doc.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let out = caseflow(&["plan", doc.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("21 steps in 2 levels, critical path 2 steps, up to 20 in parallel"),
        "{}",
        text(&out)
    );
}

#[test]
fn import_writes_the_spec() {
    let doc = fixture("chain.arazzo.yaml");
    let out = caseflow(&["import", "arazzo", doc.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let yaml =
        String::from_utf8_lossy(&out.stdout).replace(fixture("").to_str().unwrap(), "[fixtures]/");
    insta::assert_snapshot!(yaml);
}

#[test]
fn import_picks_a_workflow_by_id() {
    let doc = fixture("chain.arazzo.yaml");
    let out = caseflow(&[
        "import",
        "arazzo",
        doc.to_str().unwrap(),
        "--workflow",
        "nope",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("workflows: no workflow `nope` (workflows: itemChain)"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_missing_operation_names_the_line_and_field() {
    let doc = fixture("bad/missing-operation.arazzo.yaml");
    for command in [&["run"][..], &["validate"], &["import", "arazzo"]] {
        let mut args = command.to_vec();
        args.extend(["--message-format", "short", doc.to_str().unwrap()]);
        let out = caseflow(&args);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(
            text(&out).contains(
                "missing-operation.arazzo.yaml:10:22: workflows[0].steps[0].operationId: no operation `makeItem` in the source descriptions (operations: createItem, getItem)"
            ),
            "{}",
            text(&out)
        );
    }
}

#[test]
fn an_unknown_step_reference_names_the_line_and_field() {
    let doc = fixture("bad/unknown-step.arazzo.yaml");
    let out = caseflow(&[
        "validate",
        "--message-format",
        "short",
        doc.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = text(&out);
    assert!(
        out.contains(
            "unknown-step.arazzo.yaml:18:20: workflows[0].steps[1].parameters[0].value: `$steps.craete.outputs.id`: the workflow has no step `craete` (steps: create, read)"
        ),
        "{out}"
    );
    // What is not carried over is said, not dropped.
    assert!(
        out.contains("warning: workflows[0].steps[1].onSuccess[0].type: not supported yet"),
        "{out}"
    );
    assert!(out.contains("1 of 1 spec(s) invalid, 1 error(s)"), "{out}");
}

#[test]
fn errors_found_after_conversion_point_into_the_document() {
    // A dependency cycle and a bad regex are found by the checks of the
    // converted spec; they are reported at the Arazzo step and criteria.
    let out = caseflow(&[
        "validate",
        "tests/fixtures/arazzo/bad/cycle-and-regex.arazzo.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stderr));
}

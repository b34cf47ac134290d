//! Arazzo documents written for other tools, copied unchanged: the examples
//! of the Arazzo specification's repository (`examples/1.0.0`, in
//! `tests/fixtures/arazzo-examples`) and Redocly's museum workflows for its
//! Respect runner (`tests/fixtures/respect-museum`), checked and run
//! against local servers of the APIs they describe.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};
use support::binary::{self, text};
use support::example_apis::{self, CLIENT_ID, CLIENT_SECRET};

const EXAMPLES: &str = "tests/fixtures/arazzo-examples";

fn caseflow(args: &[&str], dir: &Path) -> Output {
    binary::caseflow(args, dir)
}

/// The examples in a fresh directory, `edit` applied to `name` (the
/// document as another user would adapt it).
fn copy_with(name: &str, edit: &dyn Fn(String) -> String) -> PathBuf {
    let dir = support::write_spec("placeholder", "")
        .parent()
        .unwrap()
        .to_path_buf();
    for entry in std::fs::read_dir(EXAMPLES).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let file = path.file_name().unwrap();
        let text = if file == name { edit(text) } else { text };
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

/// `caseflow run DOC --set S...` in `dir`, writing `report.json`.
fn run(dir: &Path, doc: &str, sets: &[&str]) -> Output {
    let mut args = vec!["run", doc, "--report", "json=report.json"];
    for set in sets {
        args.extend(["--set", set]);
    }
    caseflow(&args, dir)
}

fn report(dir: &Path) -> Value {
    binary::json_report(dir)
}

fn outputs(report: &Value) -> &Value {
    &report["specs"][0]["outputs"]
}

#[test]
fn pet_coupons_as_published_names_parameters_its_operations_lack() {
    let doc = format!("{EXAMPLES}/pet-coupons.arazzo.yaml");
    let out = caseflow(&["validate", &doc], Path::new("."));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stderr));
}

/// The document with its parameters named as its OpenAPI description names them.
fn pet_coupons_fixed() -> PathBuf {
    copy_with("pet-coupons.arazzo.yaml", &|t| {
        t.replace(
            "- name: pet_id\n            in: path",
            "- name: petId\n            in: path",
        )
        .replace("- name: pet_tags", "- name: tags")
    })
}

#[test]
fn pet_coupons_finds_a_pet_its_coupon_and_orders_it_with_the_coupon() {
    let (base, seen) = example_apis::serve();
    let dir = pet_coupons_fixed();
    let set = format!("pet_coupons_url={base}");
    let out = run(
        &dir,
        "pet-coupons.arazzo.yaml",
        &[&set, "my_pet_tags=puppy", "quantity=1"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.queries, ["tags=puppy"]);
    // The sub-workflow `place-order` got the pet of the first step and the coupon of the second.
    assert_eq!(seen.orders.len(), 1);
    let order = &seen.orders[0];
    assert_eq!(order["petId"], json!(41));
    assert_eq!(order["couponCode"], json!("SAVE10-41"));
    assert_eq!(order["status"], json!("placed"));
    assert_eq!(order["complete"], json!(false));
    // Its output, renamed by the step (`my_order_id: $outputs.workflow_order_id`), is the workflow's.
    assert_eq!(
        outputs(&report(&dir))["apply_coupon_pet_order_id"],
        json!(9001)
    );
}

#[test]
fn buy_available_pet_runs_by_its_id_with_parameters_from_components() {
    let (base, seen) = example_apis::serve();
    let dir = pet_coupons_fixed();
    let set = format!("pet_coupons_url={base}");
    let out = run(&dir, "pet-coupons.arazzo.yaml#buy-available-pet", &[&set]);
    assert!(out.status.success(), "{}", text(&out));
    let seen = seen.lock().unwrap();
    // `reference: $components.parameters.page` with the step's `value: 1`, and pageSize's 10.
    assert_eq!(seen.queries, ["page=1&pageSize=10&status=available"]);
    assert_eq!(seen.orders[0]["petId"], json!(52));
    assert_eq!(outputs(&report(&dir))["buy_pet_order_id"], json!(9001));
}

/// LoginAndRetrievePets with its description served by the pet store itself.
fn login_and_retrieve(base: &str) -> PathBuf {
    let served = format!("{base}/specs/petstore.yaml");
    copy_with("LoginAndRetrievePets.arazzo.yaml", &|t| {
        t.replace(
            "https://raw.githubusercontent.com/swagger-api/swagger-petstore/master/src/main/resources/openapi.yaml",
            &served,
        )
    })
}

#[test]
fn login_and_retrieve_pets_downloads_its_description_and_sends_the_session_token() {
    let (base, _) = example_apis::serve();
    let dir = login_and_retrieve(&base);
    let out = run(
        &dir,
        "LoginAndRetrievePets.arazzo.yaml",
        &["username=alice", "password=wonderland"],
    );
    assert!(out.status.success(), "{}", text(&out));
    // The pets endpoint answers only to the token the login gave, at the
    // server relative to the description's address (`/api/v3`).
    assert_eq!(
        outputs(&report(&dir))["available"],
        json!([{"id": 7, "name": "pet-7", "status": "available"}])
    );
}

#[test]
fn login_and_retrieve_pets_fails_at_the_login_with_a_wrong_password() {
    let (base, _) = example_apis::serve();
    let dir = login_and_retrieve(&base);
    let out = run(
        &dir,
        "LoginAndRetrievePets.arazzo.yaml",
        &["username=alice", "password=guess"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = report(&dir);
    assert_eq!(
        binary::report_step(&report, "loginStep")["status"],
        "failed"
    );
    assert_eq!(
        binary::report_step(&report, "getPetStep")["status"],
        "skipped"
    );
}

#[test]
fn an_unreachable_description_is_an_error_at_its_url() {
    let (base, _) = example_apis::serve();
    let dir = login_and_retrieve(&format!("{base}/nowhere"));
    let out = caseflow(&["validate", "LoginAndRetrievePets.arazzo.yaml"], &dir);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr).replace(&base, "http://SERVER");
    insta::assert_snapshot!(stderr);
}

#[test]
fn the_oauth_example_refreshes_the_token_its_sub_workflow_got() {
    let (base, seen) = example_apis::serve();
    let dir = copy_with("", &|t| t);
    let set = format!("apim_auth_url={base}");
    let (id, secret) = (
        format!("my_client_id={CLIENT_ID}"),
        format!("my_client_secret={CLIENT_SECRET}"),
    );
    let redirect = "my_redirect_uri=https://app.example/cb";
    let out = run(&dir, "oauth.arazzo.yaml", &[&set, &id, &secret, redirect]);
    assert!(out.status.success(), "{}", text(&out));
    // The code flow ran first as a step of its own; the refresh used its refresh token.
    assert_eq!(
        seen.lock().unwrap().grants,
        ["authorization_code", "refresh_token"]
    );
    let report = report(&dir);
    assert_eq!(outputs(&report)["expires_in"], json!(3600));
    // Tokens are credentials: the report masks them.
    assert_eq!(outputs(&report)["access_token"], json!("•••"));
    assert_eq!(outputs(&report)["refresh_token"], json!("•••"));
    let written = std::fs::read_to_string(dir.join("report.json")).unwrap();
    assert!(!written.contains("access-2") && !written.contains("refresh-1"));
}

#[test]
fn the_oauth_example_gets_a_client_credentials_token() {
    let (base, seen) = example_apis::serve();
    let dir = copy_with("", &|t| t);
    let set = format!("apim_auth_url={base}");
    let (id, secret) = (
        format!("client_id={CLIENT_ID}"),
        format!("client_secret={CLIENT_SECRET}"),
    );
    let doc = "oauth.arazzo.yaml#client-credentials-flow";
    let out = run(&dir, doc, &[&set, &id, &secret]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(seen.lock().unwrap().grants, ["client_credentials"]);
    assert_eq!(outputs(&report(&dir))["access_token"], json!("•••"));
    // A wrong secret is refused and the step fails.
    let out = run(&dir, doc, &[&set, &id, "client_secret=wrong"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}

const MUSEUM: &str = "tests/fixtures/respect-museum/arazzo/museum-api.arazzo.yaml";

#[test]
fn the_museum_workflow_runs_a_workflow_of_another_arazzo_document() {
    let (base, seen) = example_apis::serve();
    let dir = support::write_spec("placeholder", "")
        .parent()
        .unwrap()
        .to_path_buf();
    let report = dir.join("report.json");
    let (set, report_arg) = (
        format!("museum_api_url={base}"),
        format!("json={}", report.display()),
    );
    let args = ["run", MUSEUM, "--set", &set, "--report", &report_arg];
    let out = caseflow(&args, Path::new("."));
    assert!(out.status.success(), "{}", text(&out));
    let seen = seen.lock().unwrap();
    // `museum-api.getMuseumHours` and, through `$sourceDescriptions.tickets-from-museum-api.workflows.get-museum-tickets`,
    // the ticket workflow of museum-tickets.arazzo.yaml; both with the workflow's header.
    let mut calls = seen.museum_calls.clone();
    calls.sort();
    assert_eq!(calls, ["GET /museum-hours", "POST /tickets"]);
    assert_eq!(seen.tickets[0]["email"], json!("todd@example.com"));
    let report = binary::json_report(&dir);
    assert_eq!(
        binary::report_step(&report, "buy_ticket")["outputs"]["ticketId"],
        json!("ticket-1")
    );
}

#[test]
fn the_museum_events_workflow_creates_reads_updates_and_deletes_an_event() {
    let (base, seen) = example_apis::serve();
    let set = format!("museum_api_url={base}");
    let doc = format!("{MUSEUM}#events-crud");
    // The document reads the event and updates it at once (neither uses the
    // other's output), and deletes it after the update: one at a time here,
    // so that the read never meets a deleted event.
    let args = ["run", &doc, "--set", &set, "--max-parallel", "1"];
    let out = caseflow(&args, Path::new("."));
    assert!(out.status.success(), "{}", text(&out));
    let seen = seen.lock().unwrap();
    let calls: Vec<&str> = seen.museum_calls.iter().map(String::as_str).collect();
    assert_eq!(
        calls,
        [
            "GET /special-events",
            "POST /special-events",
            "GET /special-events/evt-100",
            "PATCH /special-events/evt-100",
            "DELETE /special-events/evt-100",
        ]
    );
    assert!(seen.events.is_empty());
}

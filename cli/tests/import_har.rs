//! Record a library flow as HAR (`--report har=PATH --har-keep-secrets`),
//! import it, and replay the import against a fresh sandbox: new ids,
//! flow ids, codes and tokens, so only inferred data flow passes. The
//! import's dependency edges must be the library spec's.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use caseflow::redact::is_secret_name;
use caseflow::spec::{self, Loader};
use serde_json::Value;
use support::binary::{caseflow, text};

const PASSWORD: &str = "Replay-9f2!kQ7z";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("caseflow-har-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Each step's data-flow edges (references, not `needs`), main and cleanup.
fn data_edges(path: &Path) -> Vec<(String, BTreeSet<String>)> {
    let (checked, diagnostics) = spec::check_file(&mut Loader::new(), path);
    let checked =
        checked.unwrap_or_else(|| panic!("{} is invalid: {diagnostics:?}", path.display()));
    let spec = &checked.loaded.spec;
    let analysis = &checked.analysis;
    let mut out = Vec::new();
    for (deps, steps) in [
        (&analysis.deps, &spec.steps),
        (&analysis.cleanup_deps, &spec.cleanup),
    ] {
        for (id, step) in steps {
            let data = deps
                .get(id)
                .into_iter()
                .flatten()
                .filter(|d| !step.needs.contains(d))
                .cloned()
                .collect();
            out.push((id.clone(), data));
        }
    }
    out
}

/// The library step of each imported step: entries in recorded order,
/// the repeated requests of one step (polls) counted once.
fn recorded_steps(har: &Value) -> Vec<String> {
    let mut seen = Vec::new();
    for e in har["log"]["entries"].as_array().unwrap() {
        let step = e["_caseflow"]["step"].as_str().unwrap().to_string();
        if !seen.contains(&step) {
            seen.push(step);
        }
    }
    seen
}

/// The credentials of a HAR file kept with --har-keep-secrets: the
/// password, credential-named form and JSON fields (the admin client
/// secret, codes, tokens) and the credentials of `Authorization` headers.
fn recorded_secrets(har: &Value) -> BTreeSet<String> {
    fn walk(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    match v {
                        Value::String(s) if is_secret_name(k) && s.len() >= 8 => {
                            out.insert(s.clone());
                        }
                        _ => walk(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::from([PASSWORD.to_string()]);
    for e in har["log"]["entries"].as_array().unwrap() {
        for h in e["request"]["headers"].as_array().into_iter().flatten() {
            if h["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case("authorization"))
            {
                let value = h["value"].as_str().unwrap();
                out.insert(value.split_once(' ').map_or(value, |(_, c)| c).to_string());
            }
        }
        for p in e["request"]["postData"]["params"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if is_secret_name(p["name"].as_str().unwrap_or("")) {
                out.insert(p["value"].as_str().unwrap_or("").to_string());
            }
        }
        for text in [
            &e["request"]["postData"]["text"],
            &e["response"]["content"]["text"],
        ] {
            if let Some(json) = text.as_str().and_then(|t| serde_json::from_str(t).ok()) {
                walk(&json, &mut out);
            }
        }
    }
    out.retain(|s| s.len() >= 8);
    assert!(out.len() > 3, "the recording holds secrets: {out:?}");
    out
}

/// `caseflow import har HAR -o OUT`, which must succeed: the spec written.
fn import_har(har: &Path, out: &Path) -> String {
    let args = [
        "import",
        "har",
        har.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    let import = caseflow(&args, out.parent().unwrap());
    assert_eq!(import.status.code(), Some(0), "{}", text(&import));
    std::fs::read_to_string(out).unwrap()
}

fn record_import_replay(name: &str) {
    let dir = scratch(name);
    let har = dir.join(format!("{name}.har"));
    let library = root().join("specs").join(format!("{name}.yaml"));
    let report = format!("har={}", har.display());
    let run = caseflow(
        &[
            "run",
            library.to_str().unwrap(),
            "--report",
            &report,
            "--har-keep-secrets",
        ],
        &dir,
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    assert!(
        text(&run).contains("warning: --har-keep-secrets:"),
        "keeping values is said out loud:\n{}",
        text(&run)
    );

    let imported = dir.join("imported.yaml");
    let yaml = import_har(&har, &imported);
    if name == "spa-pkce" {
        assert!(
            yaml.contains("code_challenge: \"{{ inputs.pkce.challenge }}\""),
            "{yaml}"
        );
        assert!(
            yaml.contains("code_verifier: \"{{ inputs.pkce.verifier }}\""),
            "{yaml}"
        );
    }
    let recorded: Value = serde_json::from_str(&std::fs::read_to_string(&har).unwrap()).unwrap();

    // A fresh sandbox: another port, environment, admin client and secret.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sandbox = rt
        .block_on(caseflow_sandbox::Sandbox::start(0))
        .expect("the sandbox starts");
    let inputs = sandbox.inputs();
    assert!(
        !yaml.contains(&inputs["env_id"]),
        "the fresh sandbox is another one"
    );
    for secret in recorded_secrets(&recorded) {
        assert!(
            !yaml.contains(&secret),
            "`{secret}` is never written\n{yaml}"
        );
    }
    let sets = [
        format!("base_url={}", sandbox.base_url()),
        format!("environment_id={}", inputs["env_id"]),
        format!("client_id={}", inputs["admin_client_id"]),
        format!("client_secret={}", inputs["admin_client_secret"]),
        format!("password={PASSWORD}"),
    ];
    let mut args = vec!["run", imported.to_str().unwrap()];
    for s in &sets {
        args.extend(["--set", s.as_str()]);
    }
    let replay = caseflow(&args, &dir);
    assert_eq!(replay.status.code(), Some(0), "{}\n{yaml}", text(&replay));
    rt.block_on(sandbox.shutdown());

    // The same graph: every id, flow id, code and token flows as in the library spec.
    let library_edges = data_edges(&library);
    let imported_edges = data_edges(&imported);
    let order = recorded_steps(&recorded);
    assert_eq!(
        order.len(),
        imported_edges.len(),
        "one step per recorded step\n{yaml}"
    );
    let to_library: std::collections::HashMap<&str, &str> = imported_edges
        .iter()
        .map(|(id, _)| id.as_str())
        .zip(order.iter().map(String::as_str))
        .collect();
    let mut checked = 0;
    for (id, deps) in &imported_edges {
        let lib_id = to_library[id.as_str()];
        let mapped: BTreeSet<String> = deps
            .iter()
            .map(|d| to_library[d.as_str()].to_string())
            .collect();
        let expected = &library_edges
            .iter()
            .find(|(l, _)| l == lib_id)
            .unwrap_or_else(|| panic!("`{lib_id}` is a step of {name}"))
            .1;
        assert_eq!(&mapped, expected, "{id} (library step {lib_id})\n{yaml}");
        checked += deps.len();
    }
    assert!(checked >= 10, "only {checked} edges compared");
}

#[test]
fn simple_login_replays_against_a_fresh_sandbox() {
    record_import_replay("simple-login");
}

#[test]
fn client_secret_jwt_replays_against_a_fresh_sandbox() {
    record_import_replay("client-secret-jwt");
}

#[test]
fn spa_pkce_replays_with_a_fresh_pkce_pair() {
    record_import_replay("spa-pkce");
}

#[test]
fn device_authorization_replays_against_a_fresh_sandbox() {
    record_import_replay("device-authorization-grant");
}

/// Without the option the HAR report is masked: a shared file leaks nothing.
#[test]
fn the_har_report_is_masked_by_default() {
    let dir = scratch("masked");
    let har = dir.join("run.har");
    let library = root().join("specs/client-secret-jwt.yaml");
    let report = format!("har={}", har.display());
    let run = caseflow(
        &["run", library.to_str().unwrap(), "--report", &report],
        &dir,
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    assert!(!text(&run).contains("--har-keep-secrets"));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&har).unwrap()).unwrap();
    assert_eq!(doc["log"]["version"], "1.2");
    let entries = doc["log"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 14, "one entry per request");
    let token = entries
        .iter()
        .find(|e| e["_caseflow"]["step"] == "get_token")
        .expect("the token request is recorded");
    let form = &token["request"]["postData"]["params"];
    let param = |n: &str| {
        form.as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == n)
            .map(|p| p["value"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(param("client_assertion"), "•••");
    assert_eq!(param("code"), "•••");
    assert_eq!(param("grant_type"), "authorization_code");
    let body = token["response"]["content"]["text"].as_str().unwrap();
    assert!(body.contains("\"access_token\":\"•••\""), "{body}");
    assert!(body.contains("\"token_type\":\"Bearer\""), "{body}");
    let secret = entries
        .iter()
        .find(|e| e["_caseflow"]["step"] == "get_secret")
        .unwrap();
    let secret_body = secret["response"]["content"]["text"].as_str().unwrap();
    assert!(secret_body.contains("\"secret\":\"•••\""), "{secret_body}");
    // Masked values import as secret inputs, never as literals.
    let yaml = import_har(&har, &dir.join("masked.yaml"));
    assert!(!yaml.contains("•••"), "{yaml}");
}

/// A browser session: the page, its assets, analytics and preflights, a
/// login form with a CSRF field, a token, an order created, read, changed
/// and deleted. Only the use case is imported, linked.
#[test]
fn a_browser_session_imports_without_its_noise() {
    let fixtures = root().join("cli/tests/fixtures/har");
    let out = caseflow(&["import", "har", "browser-session.har"], &fixtures);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let yaml = String::from_utf8_lossy(&out.stdout).to_string();
    for noise in [
        "app.js",
        "site.css",
        "logo.png",
        "google-analytics",
        "woff2",
        "OPTIONS",
    ] {
        assert!(!yaml.contains(noise), "{noise} is left out");
    }
    assert!(!yaml.contains("Tr0ub4dor"), "the password is never written");
    insta::assert_snapshot!("browser_session_spec", yaml);
    insta::assert_snapshot!(
        "browser_session_messages",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn bad_har_files_are_refused_with_their_position() {
    let dir = scratch("bad");
    let cases = [
        ("not-json.har", "{ \"log\": { \"entries\": [ }"),
        ("no-log.har", "{ \"entries\": [] }"),
        (
            "bad-status.har",
            "{\"log\": {\"entries\": [\n  {\"request\": {\"method\": \"GET\", \"url\": \"https://h/x\"},\n   \"response\": {\"status\": \"ok\"}}]}}",
        ),
        ("empty.har", "{\"log\": {\"entries\": []}}"),
    ];
    let mut messages = String::new();
    for (name, body) in cases {
        std::fs::write(dir.join(name), body).unwrap();
        let out = caseflow(&["import", "har", name], &dir);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", text(&out));
        assert!(out.stdout.is_empty());
        messages.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    insta::assert_snapshot!(messages);
}

/// A request that got no response is in the HAR report all the same,
/// with status 0.
#[test]
fn the_har_report_holds_failed_requests() {
    let dir = scratch("failed");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let spec = format!(
        "version: 1\nname: down\nclients:\n  api:\n    base_url: http://127.0.0.1:{port}\nsteps:\n  ping:\n    client: api\n    request:\n      method: GET\n      url: /ping\n"
    );
    std::fs::write(dir.join("down.yaml"), spec).unwrap();
    let har = dir.join("down.har");
    let report = format!("har={}", har.display());
    let run = caseflow(&["run", "down.yaml", "--report", &report], &dir);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&har).unwrap()).unwrap();
    let entries = doc["log"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{doc}");
    assert_eq!(entries[0]["response"]["status"], 0);
    assert_eq!(entries[0]["_caseflow"]["step"], "ping");
    assert!(
        entries[0]["request"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/ping")
    );
}

#[test]
fn keeping_values_needs_a_har_report() {
    let dir = scratch("keep");
    let library = root().join("specs/simple-login.yaml");
    let out = caseflow(
        &["run", library.to_str().unwrap(), "--har-keep-secrets"],
        &dir,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "error: --har-keep-secrets keeps the values of a HAR report: add --report har=PATH"
    );
}

//! `caseflow import postman`: generated YAML and warnings (insta snapshots),
//! validity of every generated spec, and serializer round trips.

use std::path::{Path, PathBuf};

use caseflow::formats::postman::{Options, import_files};
use caseflow::formats::{GeneratedSpec, Imported};
use caseflow::spec::{Loader, Spec, check_file};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/postman")
        .join(name)
}

fn import(collection: &str, environment: Option<&str>, options: Options) -> Imported {
    let env = environment.map(fixture);
    import_files(&fixture(collection), env.as_deref(), &options).expect("the fixture imports")
}

/// Every spec passes `check_file` with no errors (and no warnings).
fn assert_valid(specs: &[GeneratedSpec]) {
    // Tests run in parallel and may generate specs of the same name: one directory per call.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("caseflow-import-test-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for s in specs {
        let path = dir.join(format!("{}.yaml", s.name));
        std::fs::write(&path, &s.yaml).unwrap();
        let (checked, diagnostics) = check_file(&mut Loader::new(), &path);
        let shown: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
        assert!(
            checked.is_some() && shown.is_empty(),
            "{}:\n{}\n{}",
            s.name,
            shown.join("\n"),
            s.yaml
        );
    }
}

/// serialize -> parse -> serialize is a fixed point, and the commented text parses to the same spec.
fn assert_round_trip(specs: &[GeneratedSpec]) {
    for s in specs {
        let first = serde_saphyr::to_string(&s.spec).unwrap();
        let parsed: Spec = serde_saphyr::from_str(&first).unwrap();
        assert_eq!(
            serde_saphyr::to_string(&parsed).unwrap(),
            first,
            "{}",
            s.name
        );
        let commented: Spec = serde_saphyr::from_str(&s.yaml).unwrap();
        assert_eq!(
            serde_saphyr::to_string(&commented).unwrap(),
            first,
            "{}",
            s.name
        );
    }
}

fn snapshot(imported: &Imported) -> String {
    let mut out = String::new();
    for s in &imported.specs {
        out.push_str(&format!("=== {}.yaml\n{}", s.name, s.yaml));
    }
    out.push_str("=== warnings\n");
    for w in &imported.warnings {
        out.push_str(w);
        out.push('\n');
    }
    out
}

#[test]
fn client_secret_jwt_with_pingone_mapping() {
    let imported = import(
        "client-secret-jwt.postman_collection.json",
        Some("pingone.postman_environment.json"),
        Options {
            pingone: true,
            per_folder: false,
        },
    );
    assert_valid(&imported.specs);
    assert_round_trip(&imported.specs);
    // The secret's value from the environment file is never written out.
    assert!(!imported.specs[0].yaml.contains("do-not-leak-this"));
    assert!(!imported.specs[0].yaml.contains("2FederateM0re"));
    insta::assert_snapshot!(snapshot(&imported));
}

#[test]
fn client_secret_jwt_without_mapping() {
    let imported = import(
        "client-secret-jwt.postman_collection.json",
        Some("pingone.postman_environment.json"),
        Options::default(),
    );
    assert_valid(&imported.specs);
    let inputs: Vec<&String> = imported.specs[0].spec.inputs.keys().collect();
    insta::assert_snapshot!(format!("{inputs:?}"), @r#"["auth_path", "admin_env_id", "admin_app_id", "admin_app_secret", "api_path", "env_id", "redirect_uri", "username", "user_password", "tld"]"#);
}

#[test]
fn kitchen_sink_one_file() {
    let imported = import(
        "kitchen-sink.postman_collection.json",
        Some("kitchen-sink.postman_environment.json"),
        Options::default(),
    );
    assert_valid(&imported.specs);
    assert_round_trip(&imported.specs);
    assert!(!imported.specs[0].yaml.contains("rt-secret-value"));
    insta::assert_snapshot!(snapshot(&imported));
}

#[test]
fn kitchen_sink_per_folder() {
    let imported = import(
        "kitchen-sink.postman_collection.json",
        Some("kitchen-sink.postman_environment.json"),
        Options {
            pingone: false,
            per_folder: true,
        },
    );
    assert_valid(&imported.specs);
    assert_round_trip(&imported.specs);
    let names: Vec<&str> = imported.specs.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "kitchen-sink",
            "kitchen-sink-accounts",
            "kitchen-sink-reports"
        ]
    );
    insta::assert_snapshot!(snapshot(&imported));
}

#[test]
fn legacy_scripts() {
    let imported = import("legacy.postman_collection.json", None, Options::default());
    assert_valid(&imported.specs);
    assert_round_trip(&imported.specs);
    insta::assert_snapshot!(snapshot(&imported));
}

#[test]
fn variable_set_twice_resolves_to_the_latest_setter() {
    let imported = import(
        "kitchen-sink.postman_collection.json",
        None,
        Options::default(),
    );
    let spec = &imported.specs[0].spec;
    let url = |id: &str| spec.steps[id].request.as_ref().unwrap().url.clone();
    assert!(
        url("accounts_rotate_account_id")
            .contains("steps.accounts_create_account.outputs.account_id")
    );
    assert!(
        url("reports_get_account_after_rotation")
            .contains("steps.accounts_rotate_account_id.outputs.account_id")
    );
}

#[test]
fn bad_json_names_file_line_and_column() {
    let err = import_files(
        &fixture("broken.postman_collection.json"),
        None,
        &Options::default(),
    )
    .unwrap_err();
    assert!(
        err.ends_with("broken.postman_collection.json:1:53: trailing comma"),
        "{err}"
    );
    let err = import_files(
        &fixture("wrong-type.postman_collection.json"),
        None,
        &Options::default(),
    )
    .unwrap_err();
    assert!(
        err.contains("wrong-type.postman_collection.json:1:21: invalid type: integer `3`"),
        "{err}"
    );
    let err = import_files(&fixture("missing.json"), None, &Options::default()).unwrap_err();
    assert!(err.contains("missing.json: cannot read the file"), "{err}");
}

/// The imported CLIENT_SECRET_JWT collection runs green against the embedded sandbox.
#[test]
fn imported_client_secret_jwt_runs_against_the_sandbox() {
    let dir = std::env::temp_dir().join(format!("caseflow-import-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("client-secret-jwt.yaml");
    let bin = env!("CARGO_BIN_EXE_caseflow");
    let import = std::process::Command::new(bin)
        .args(["import", "postman", "--pingone", "-e"])
        .arg(fixture("pingone.postman_environment.json"))
        .arg(fixture("client-secret-jwt.postman_collection.json"))
        .arg("-o")
        .arg(&spec)
        .output()
        .unwrap();
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    let run = std::process::Command::new(bin)
        .arg("run")
        .arg(&spec)
        .args(["--set", "user_password=2FederateM0re!", "--no-progress"])
        .env_remove("PINGONE_API_PATH")
        .env_remove("PINGONE_AUTH_PATH")
        .env_remove("PINGONE_ENV_ID")
        .env_remove("PINGONE_ADMIN_CLIENT_ID")
        .env_remove("PINGONE_ADMIN_CLIENT_SECRET")
        .output()
        .unwrap();
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(run.status.success(), "{out}");
    assert!(out.contains("] 1 spec, 14 steps\n"), "{out}");
}

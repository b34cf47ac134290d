//! Every library spec exported as Arazzo 1.1: valid against the official
//! schema, imported back, and run green against the embedded sandbox.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn caseflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_caseflow"))
        .args(args)
        .env("CI", "true")
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The specs of `specs/` that run on their own (not `library: true`).
fn library() -> Vec<PathBuf> {
    let mut specs: Vec<PathBuf> = std::fs::read_dir(root().join("specs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .filter(|p| {
            !std::fs::read_to_string(p)
                .unwrap()
                .contains("\nlibrary: true")
        })
        .collect();
    specs.sort();
    specs
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("caseflow-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn export(spec: &Path, dir: &Path) -> PathBuf {
    let stem = spec.file_stem().unwrap().to_string_lossy();
    let out = dir.join(format!("{stem}.arazzo.yaml"));
    let o = caseflow(&[
        "export",
        "arazzo",
        spec.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}: {}", spec.display(), stderr(&o));
    out
}

#[test]
fn every_library_spec_exports_valid_arazzo_imports_and_runs_green() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/arazzo-1.1.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let exported = scratch("arazzo-export");
    let imported = scratch("arazzo-reimport");
    let specs = library();
    assert!(specs.len() >= 50, "{} specs", specs.len());
    for spec in &specs {
        let doc = export(spec, &exported);
        let text = std::fs::read_to_string(&doc).unwrap();
        let value: Value = serde_saphyr::from_str(&text).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", doc.display());
        let back = imported.join(spec.file_name().unwrap());
        let o = caseflow(&[
            "import",
            "arazzo",
            doc.to_str().unwrap(),
            "-o",
            back.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}: {}", doc.display(), stderr(&o));
    }
    let o = caseflow(&["run", imported.to_str().unwrap()]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}\n{}", stderr(&o));
    assert!(out.contains(&format!("{} specs", specs.len())), "{out}");
}

#[test]
fn what_arazzo_cannot_say_is_named_in_a_warning() {
    let dir = scratch("arazzo-warnings");
    let spec = root().join("specs/non-interactive-worker.yaml");
    let out = dir.join("niw.arazzo.yaml");
    let o = caseflow(&[
        "export",
        "arazzo",
        spec.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert!(err.contains("warning: cleanup: Arazzo has no steps run after the workflow; kept as `x-caseflow-cleanup`"), "{err}");
    assert!(err.contains("warning: steps.create_app.request:"), "{err}");
    assert!(dir.join("niw.openapi.yaml").exists());
}

#[test]
fn a_small_spec_exports_as_this_document() {
    let dir = scratch("arazzo-snapshot");
    let spec = root().join("specs/non-interactive-worker.yaml");
    let doc = export(&spec, &dir);
    insta::assert_snapshot!("arazzo", std::fs::read_to_string(doc).unwrap());
    let openapi = dir.join("non-interactive-worker.openapi.yaml");
    insta::assert_snapshot!("openapi", std::fs::read_to_string(openapi).unwrap());
}

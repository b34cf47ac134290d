//! Every file in `tests/invalid/` holds a different mistake; each must give
//! its `file:line:col: field.path: message`, and its rich form (the source
//! line, the range underlined, the code, the help), both pinned by snapshots.

use std::path::Path;

use caseflow_tests::{diagnostics_of, rich_diagnostics_of};

#[test]
fn each_invalid_spec_reports_its_mistake() {
    let dir = Path::new("invalid");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("tests/invalid exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 25, "only {} invalid specs", files.len());
    for file in files {
        let lines = diagnostics_of(&file);
        let errors = lines.iter().filter(|l| !l.contains(": warning: ")).count();
        assert!(errors > 0, "{} should be invalid", file.display());
        for line in &lines {
            assert!(
                line.starts_with(&format!("{}:", file.display())) || line.contains("support/"),
                "{line} should name its file"
            );
        }
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        insta::assert_snapshot!(name.clone(), lines.join("\n"));
        let rich = rich_diagnostics_of(&file);
        for line in &lines {
            // Every diagnostic of the one-line form is drawn at the same position.
            let at = line.split(": ").next().unwrap_or_default();
            assert!(
                rich.contains(&format!("--> {at}")),
                "{at} missing from\n{rich}"
            );
        }
        insta::assert_snapshot!(format!("{name}.rich"), rich);
    }
}

#[test]
fn the_library_is_valid() {
    let files = caseflow::spec::discover::spec_files(&[caseflow_tests::repo_root().join("specs")])
        .expect("specs/ exists");
    assert!(files.len() >= 3);
    for file in files {
        let errors: Vec<String> = diagnostics_of(&file)
            .into_iter()
            .filter(|l| !l.contains(": warning: "))
            .collect();
        assert!(
            errors.is_empty(),
            "{}:\n{}",
            file.display(),
            errors.join("\n")
        );
    }
}

/// The forms the README documents (e.g. `retry.on: [5xx, 429, connect, expect]`) are accepted.
#[test]
fn the_documented_forms_are_valid() {
    let files = caseflow::spec::discover::spec_files(&[Path::new("valid").to_path_buf()])
        .expect("tests/valid exists");
    assert!(!files.is_empty());
    for file in files {
        let lines = diagnostics_of(&file);
        assert!(
            lines.is_empty(),
            "{}:\n{}",
            file.display(),
            lines.join("\n")
        );
    }
}

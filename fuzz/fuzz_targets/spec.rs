//! Arbitrary bytes as a spec file: load, check, render every diagnostic,
//! and plan what passes. Bases in `lib/` (a copy of `specs/lib`) resolve,
//! so `extends: lib/pingone.yaml` reaches the semantic checks.

#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use caseflow::plan::{Plan, render_dot, render_mermaid, render_text};
use caseflow::spec::{Diagnostics, Loader, check_file};
use libfuzzer_sys::fuzz_target;

fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("caseflow-fuzz-spec-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("lib")).expect("scratch dir");
        let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/lib");
        for entry in std::fs::read_dir(lib).expect("specs/lib") {
            let entry = entry.expect("entry").path();
            std::fs::copy(&entry, dir.join("lib").join(entry.file_name().unwrap()))
                .expect("copy a base");
        }
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let path = scratch().join("spec.yaml");
    std::fs::write(&path, data).expect("write the spec");
    let mut loader = Loader::new();
    let (checked, diagnostics) = check_file(&mut loader, &path);
    for d in &diagnostics {
        let _ = d.to_string();
    }
    let _ = Diagnostics(diagnostics).sorted().to_string();
    if let Some(spec) = checked {
        let plan = Plan::new(&spec.analysis.deps);
        let _ = plan.max_parallel();
        let _ = render_text(&spec.loaded.spec.name, &plan);
        let _ = render_mermaid(&plan);
        let _ = render_dot(&spec.loaded.spec.name, &plan);
    }
});

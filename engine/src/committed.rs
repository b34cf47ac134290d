//! Files in `schemas/` generated from the Rust types: a test fails when
//! one is stale, and `UPDATE_SCHEMA=1` rewrites it.

use std::path::Path;

/// `schemas/{file}` must read `current`; `test` names the test to rerun.
pub(crate) fn assert_current(file: &str, current: &str, test: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../schemas")
        .join(file);
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, current).expect("write schema");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == current,
        "schemas/{file} is stale: run `UPDATE_SCHEMA=1 cargo test -p caseflow {test}`"
    );
}

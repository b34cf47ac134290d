//! Helpers shared by the end-to-end tests.

use std::path::{Path, PathBuf};

/// The repository root (tests run with the `tests/` package as working directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// Loads and checks one spec file, returning its diagnostics as lines.
pub fn diagnostics_of(path: &Path) -> Vec<String> {
    let mut loader = caseflow::spec::Loader::new();
    let (_, diagnostics) = caseflow::spec::check_file(&mut loader, path);
    diagnostics.iter().map(ToString::to_string).collect()
}

/// Loads and checks one spec file, returning its diagnostics drawn in the
/// rich form without colour.
pub fn rich_diagnostics_of(path: &Path) -> String {
    use caseflow::spec::snippet::{self, Format, Sources};
    let mut loader = caseflow::spec::Loader::new();
    let (_, diagnostics) = caseflow::spec::check_file(&mut loader, path);
    snippet::render(
        &diagnostics,
        Format::Rich { color: false },
        &mut Sources::new(),
    )
}

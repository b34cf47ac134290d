//! Spec model, YAML loading with positions, schema and semantic checks.

pub mod check;
pub mod codes;
pub mod diagnostic;
pub mod discover;
pub mod duration;
pub mod field_path;
pub mod load;
pub mod model;
pub mod origin;
pub mod plain_yaml;
pub mod schema;
pub mod size;
pub mod snippet;
pub mod source_map;
pub mod suggest;
pub mod wording;

pub use check::{Analysis, analyze};
pub use diagnostic::{Diagnostic, Diagnostics, Loc};
pub use load::{LoadedSpec, Loader, SourceFile};
pub use model::Spec;

use std::path::Path;
use std::sync::Arc;

/// A spec that loaded and passed every check: ready to plan and run.
#[derive(Debug)]
pub struct CheckedSpec {
    pub loaded: Arc<LoadedSpec>,
    pub analysis: Analysis,
}

/// Loads and checks one file. Returns the spec when it has no errors, and
/// every diagnostic (errors and warnings) sorted by position.
pub fn check_file(loader: &mut Loader, path: &Path) -> (Option<CheckedSpec>, Vec<Diagnostic>) {
    let (checked, diagnostics) = inspect_file(loader, path);
    let ok = !diagnostics.iter().any(Diagnostic::is_error);
    (checked.filter(|_| ok), diagnostics)
}

/// [`check_file`], also giving back a spec that loaded but failed its
/// checks (an editor still completes and navigates in it).
pub fn inspect_file(loader: &mut Loader, path: &Path) -> (Option<CheckedSpec>, Vec<Diagnostic>) {
    let loaded = loader.load(path);
    let mut diagnostics = std::mem::take(&mut loader.diagnostics);
    let checked = loaded.map(|loaded| {
        let mut analysis = analyze(&loaded);
        diagnostics.append(&mut analysis.diagnostics);
        CheckedSpec { loaded, analysis }
    });
    diagnostics.sort();
    diagnostics.dedup();
    (checked, diagnostics)
}

//! Other tools' formats, read into the spec model ([`Reader`]) and written
//! from it ([`yaml`] writes caseflow's own), apart from the runner: a new
//! format is a new module here that implements [`Reader`].

pub mod arazzo;
pub mod curl;
pub mod har;
pub mod infer;
pub mod names;
pub mod postman;
pub mod yaml;

use std::path::Path;

/// A format specs are read from: a main document (a Postman collection)
/// and an optional companion (its environment export) in, specs out.
pub trait Reader {
    fn read(&self, main: &Path, companion: Option<&Path>) -> Result<Imported, String>;
}

/// One generated spec: its file stem, the model and the YAML text (with comments).
#[derive(Debug, Clone)]
pub struct GeneratedSpec {
    pub name: String,
    pub spec: crate::spec::Spec,
    pub yaml: String,
}

/// The result of an import: specs plus what could not be carried over.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    pub specs: Vec<GeneratedSpec>,
    pub warnings: Vec<String>,
}

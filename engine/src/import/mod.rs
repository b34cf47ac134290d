//! Importers that turn other tools' collections into caseflow specs.

pub mod emit;
pub mod names;
pub mod postman;

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

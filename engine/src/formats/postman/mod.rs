//! `caseflow import postman`: Postman collections (v2.1, v2.0) and
//! environments -> caseflow specs.

pub mod auth;
pub mod body;
pub mod collection;
pub mod convert;
pub mod js;
pub mod jwt;
pub mod order;
pub mod pingone;
pub mod scripts;
pub mod variables;

use std::path::Path;

pub use convert::Options;

use super::{Imported, Reader};

/// Postman collections as a [`Reader`].
pub struct Postman(pub Options);

impl Reader for Postman {
    fn read(&self, collection: &Path, environment: Option<&Path>) -> Result<Imported, String> {
        import_files(collection, environment, &self.0)
    }
}

/// Reads and converts a collection (and an environment export).
pub fn import_files(
    collection: &Path,
    environment: Option<&Path>,
    options: &Options,
) -> Result<Imported, String> {
    let read = |p: &Path| {
        std::fs::read_to_string(p)
            .map_err(|e| format!("{}: cannot read the file: {e}", p.display()))
    };
    let text = read(collection)?;
    let collection: collection::Collection =
        collection::parse(&collection.display().to_string(), &text)?;
    let environment = match environment {
        Some(p) => Some(collection::parse::<collection::Environment>(
            &p.display().to_string(),
            &read(p)?,
        )?),
        None => None,
    };
    Ok(import(&collection, environment.as_ref(), options))
}

pub fn import(
    collection: &collection::Collection,
    environment: Option<&collection::Environment>,
    options: &Options,
) -> Imported {
    let mut warnings = Vec::new();
    let specs = convert::convert(collection, environment, options, &mut warnings);
    Imported { specs, warnings }
}

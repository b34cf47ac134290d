//! `caseflow export arazzo SPEC [-o FILE.arazzo.yaml]`: the loaded spec (its
//! `extends` resolved) as an Arazzo 1.1 document, with the OpenAPI
//! description of its requests written next to it.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::{EXIT_INTERNAL, EXIT_INVALID, EXIT_OK};
use caseflow::formats::arazzo::export;
use caseflow::spec::Loader;

#[derive(Subcommand, Debug)]
pub enum ExportFormat {
    /// An Arazzo 1.1 document and the minimal OpenAPI description its steps call
    #[command(
        after_help = "With -o FILE.arazzo.yaml the OpenAPI description goes to FILE.openapi.yaml next to it; \
without -o the Arazzo document goes to stdout and the OpenAPI description is not written. \
What Arazzo cannot say is kept in x-caseflow-... extensions and printed as warnings."
    )]
    Arazzo(ArazzoArgs),
}

#[derive(Args, Debug)]
pub struct ArazzoArgs {
    /// The spec file
    pub spec: PathBuf,
    /// Output file (`NAME.arazzo.yaml`); default: stdout
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

pub fn export(format: ExportFormat) -> i32 {
    let ExportFormat::Arazzo(args) = format;
    let mut loader = Loader::new();
    let Some(loaded) = loader.load(&args.spec) else {
        super::diagnostics::print(&loader.diagnostics);
        return EXIT_INVALID;
    };
    let openapi_path = args
        .output
        .as_deref()
        .map(openapi_beside)
        .unwrap_or_else(|| PathBuf::from(format!("{}.openapi.yaml", loaded.spec.name)));
    let url = openapi_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let exported = match export::export(&loaded.spec, &url) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INTERNAL;
        }
    };
    for w in &exported.warnings {
        eprintln!("warning: {w}");
    }
    match write(&exported, args.output.as_deref(), &openapi_path) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_INTERNAL
        }
    }
}

/// `x.arazzo.yaml` -> `x.openapi.yaml`; any other name gets `.openapi.yaml` added to its stem.
fn openapi_beside(output: &Path) -> PathBuf {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = [
        ".arazzo.yaml",
        ".arazzo.yml",
        ".arazzo.json",
        ".yaml",
        ".yml",
        ".json",
    ]
    .iter()
    .find_map(|s| name.strip_suffix(s))
    .unwrap_or(&name);
    output.with_file_name(format!("{stem}.openapi.yaml"))
}

fn write(exported: &export::Exported, output: Option<&Path>, openapi: &Path) -> Result<(), String> {
    let yaml = |v| serde_saphyr::to_string(v).map_err(|e| format!("cannot write YAML: {e}"));
    let arazzo = yaml(&exported.arazzo)?;
    let Some(file) = output else {
        print!("{arazzo}");
        eprintln!(
            "note: without -o the OpenAPI description ({}) is not written",
            openapi.display()
        );
        return Ok(());
    };
    for (path, text) in [(file, arazzo), (openapi, yaml(&exported.openapi)?)] {
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

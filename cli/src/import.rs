//! `caseflow import postman COLLECTION [--environment ENV] [-o FILE|DIR] [--pingone]`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::{EXIT_INTERNAL, EXIT_INVALID, EXIT_OK};
use caseflow::formats::postman::{self, Options};
use caseflow::formats::{GeneratedSpec, Imported, Reader};
use caseflow::spec::{self, Loader};

#[derive(Subcommand, Debug)]
pub enum ImportSource {
    /// A Postman collection (v2.1 or v2.0 export), with an optional environment export
    #[command(
        after_help = "With -o DIR, one spec per top-level folder is written (requests outside folders form one more); \
with -o FILE or no -o, one spec whose step ids are prefixed by their folders. Every written spec is validated."
    )]
    Postman(PostmanArgs),
}

#[derive(Args, Debug)]
pub struct PostmanArgs {
    /// The collection JSON file
    pub collection: PathBuf,
    /// A Postman environment export: its variables become inputs (secret ones without values)
    #[arg(short, long)]
    pub environment: Option<PathBuf>,
    /// Output file, or directory (existing, or ending in `/`) for one spec per top-level folder; default: stdout
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Map PingOne's variables (apiPath, authPath, envID, adminAppID, adminAppSecret, ...) to inputs the embedded sandbox binds
    #[arg(long)]
    pub pingone: bool,
}

pub fn import(source: ImportSource) -> i32 {
    let ImportSource::Postman(args) = source;
    let per_folder = args
        .output
        .as_ref()
        .is_some_and(|o| o.is_dir() || o.to_string_lossy().ends_with('/'));
    let options = Options {
        pingone: args.pingone,
        per_folder,
    };
    let imported =
        match postman::Postman(options).read(&args.collection, args.environment.as_deref()) {
            Ok(i) => i,
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_INVALID;
            }
        };
    for w in &imported.warnings {
        eprintln!("warning: {w}");
    }
    match write(&imported, args.output.as_deref(), per_folder) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_INTERNAL
        }
    }
}

fn write(imported: &Imported, output: Option<&Path>, per_folder: bool) -> Result<i32, String> {
    let mut files = Vec::new();
    match output {
        None => {
            for s in &imported.specs {
                print!("{}", s.yaml);
            }
            // Still validated, through a scratch file, so a bad import never goes unnoticed.
            let scratch =
                std::env::temp_dir().join(format!("caseflow-import-{}.yaml", std::process::id()));
            let code = imported
                .specs
                .iter()
                .map(|s| check(s, &scratch))
                .collect::<Result<Vec<_>, _>>()?;
            let _ = std::fs::remove_file(&scratch);
            return Ok(code.into_iter().max().unwrap_or(EXIT_OK));
        }
        Some(dir) if per_folder => {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            for s in &imported.specs {
                files.push((dir.join(format!("{}.yaml", s.name)), s));
            }
        }
        Some(file) => {
            for s in imported.specs.iter().take(1) {
                files.push((file.to_path_buf(), s));
            }
        }
    }
    let mut code = EXIT_OK;
    for (path, s) in files {
        code = code.max(check(s, &path)?);
        eprintln!("wrote {}", path.display());
    }
    Ok(code)
}

fn check(s: &GeneratedSpec, path: &Path) -> Result<i32, String> {
    std::fs::write(path, &s.yaml).map_err(|e| format!("{}: {e}", path.display()))?;
    let (_, diagnostics) = spec::check_file(&mut Loader::new(), path);
    for d in &diagnostics {
        eprintln!("{d}");
    }
    Ok(if diagnostics.iter().any(|d| d.is_error()) {
        EXIT_INVALID
    } else {
        EXIT_OK
    })
}

//! `caseflow import postman COLLECTION [--environment ENV] [-o FILE|DIR] [--pingone]`
//! `caseflow import arazzo DOCUMENT [-o FILE] [--workflow ID]`,
//! `caseflow import har FILE.har [-o FILE]` and `caseflow import curl FILE|- [-o FILE]`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::{EXIT_INTERNAL, EXIT_INVALID, EXIT_OK};
use caseflow::formats::arazzo::Arazzo;
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
    /// An Arazzo 1.0/1.1 document and its local OpenAPI source descriptions
    #[command(
        after_help = "Converts one workflow (the first, or --workflow ID) into one spec; what is not supported yet is printed as warnings. The written spec is validated."
    )]
    Arazzo(ArazzoArgs),
    /// A HAR file (browser DevTools, or `caseflow run --report har=PATH`), its data flow inferred
    #[command(
        after_help = "Values a request sends that an earlier response returned become captures and references; \
static assets, analytics and OPTIONS preflights are left out; credentials become secret inputs that are never written. \
The written spec is validated."
    )]
    Har(RecordedArgs),
    /// curl command lines (a file, or - for stdin), as tutorials and "copy as cURL" write them
    #[command(
        after_help = "`{{name}}` placeholders, credentials and ids become inputs. The written spec is validated."
    )]
    Curl(RecordedArgs),
}

#[derive(Args, Debug)]
pub struct RecordedArgs {
    /// The file to read (`-`: standard input, for curl)
    pub file: PathBuf,
    /// Output file; default: stdout
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ArazzoArgs {
    /// The Arazzo document (YAML or JSON)
    pub document: PathBuf,
    /// Output file; default: stdout
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// The workflowId to convert (default: the first workflow)
    #[arg(long, value_name = "ID")]
    pub workflow: Option<String>,
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
    let args = match source {
        ImportSource::Postman(args) => args,
        ImportSource::Arazzo(args) => return import_arazzo(args),
        ImportSource::Har(args) => return import_recorded(args, Recorded::Har),
        ImportSource::Curl(args) => return import_recorded(args, Recorded::Curl),
    };
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
    finish(&imported, args.output.as_deref(), per_folder)
}

fn import_arazzo(args: ArazzoArgs) -> i32 {
    let reader = Arazzo {
        workflow: args.workflow,
    };
    match reader.read(&args.document, None) {
        Ok(imported) => finish(&imported, args.output.as_deref(), false),
        Err(e) => {
            eprintln!("{e}");
            EXIT_INVALID
        }
    }
}

enum Recorded {
    Har,
    Curl,
}

fn import_recorded(args: RecordedArgs, kind: Recorded) -> i32 {
    let stdin = args.file.as_os_str() == "-";
    let text = if stdin {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map(|_| text)
    } else {
        std::fs::read_to_string(&args.file)
    };
    let source = if stdin {
        "<stdin>".to_string()
    } else {
        args.file.display().to_string()
    };
    let text = match text {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {source}: cannot read the file: {e}");
            return EXIT_INVALID;
        }
    };
    let stem = args
        .output
        .as_deref()
        .filter(|_| stdin)
        .unwrap_or(&args.file)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("imported")
        .to_string();
    let imported = match kind {
        Recorded::Har => caseflow::formats::har::import(&source, &stem, &text),
        Recorded::Curl => caseflow::formats::curl::import(&source, &stem, &text),
    };
    match imported {
        Ok(imported) => finish(&imported, args.output.as_deref(), false),
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_INVALID
        }
    }
}

/// Prints the warnings, then writes and validates the specs.
fn finish(imported: &Imported, output: Option<&Path>, per_folder: bool) -> i32 {
    for w in &imported.warnings {
        eprintln!("warning: {w}");
    }
    match write(imported, output, per_folder) {
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
    super::diagnostics::print(&diagnostics);
    Ok(if diagnostics.iter().any(|d| d.is_error()) {
        EXIT_INVALID
    } else {
        EXIT_OK
    })
}

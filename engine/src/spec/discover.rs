//! Finding spec files: the paths given, and `*.yaml`/`*.yml` below directories.

use std::path::{Path, PathBuf};

/// Expands files and directories into spec files, sorted, each once. A
/// directory without any is an error: nothing to check or run is a mistake
/// (a wrong path), not a success.
pub fn spec_files(targets: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for target in targets {
        if target.is_dir() {
            let before = out.len();
            walk(target, &mut out).map_err(|e| format!("{}: {e}", target.display()))?;
            if out.len() == before {
                return Err(format!(
                    "{}: no spec files (*.yaml, *.yml) in this directory",
                    target.display()
                ));
            }
        } else if target.is_file() || names_a_workflow(target) {
            out.push(target.clone());
        } else {
            return Err(format!("{}: no such file or directory", target.display()));
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// `doc.arazzo.yaml#workflowId`: one workflow of a document that exists.
fn names_a_workflow(target: &Path) -> bool {
    let text = target.to_string_lossy();
    let (file, id) = super::load::split_workflow(Path::new(""), &text);
    id.is_some() && Path::new(file).is_file()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if hidden {
            continue;
        }
        if path.is_dir() {
            walk(&path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

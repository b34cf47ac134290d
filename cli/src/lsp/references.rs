//! Every place a symbol is written, in the spec's files and the open specs
//! that share its definition; rename rewrites them all.

use std::collections::HashMap;

use caseflow::spec::check::is_identifier;
use caseflow::spec::{CheckedSpec, SourceFile};
use lsp_types::{Location, TextEdit, Uri, WorkspaceEdit};

use super::symbols::{self, Symbol};
use super::to_proto;
use super::workspace::Workspace;

/// The name's own text in a symbol, which rename replaces.
fn name(symbol: &Symbol) -> Option<&str> {
    match symbol {
        Symbol::Step { id, .. } => Some(id),
        Symbol::Output { name, .. } | Symbol::Input(name) | Symbol::Client(name) => Some(name),
        Symbol::File(_) => None,
    }
}

/// The template text that names a symbol (`steps.a`, `inputs.x`), whose
/// last segment is the name.
fn written_as(symbol: &Symbol) -> Option<String> {
    match symbol {
        Symbol::Step { id, cleanup: false } => Some(format!("steps.{id}")),
        Symbol::Output { step, name } => Some(format!("steps.{step}.outputs.{name}")),
        Symbol::Input(name) => Some(format!("inputs.{name}")),
        _ => None,
    }
}

/// Every location of a symbol in one spec (its files, including the definition).
fn in_spec(spec: &CheckedSpec, symbol: &Symbol, out: &mut Vec<Location>) {
    let loaded = &spec.loaded;
    if let Some(def) = symbols::definition(spec, symbol) {
        out.push(def);
    }
    if let Some(text) = written_as(symbol) {
        for file in &super::workspace::own_files(spec) {
            in_text(file, &text, out);
        }
    }
    // `needs` entries and `client` fields name steps and clients as plain values.
    let model = &loaded.spec;
    for (section, steps) in [("steps", &model.steps), ("cleanup", &model.cleanup)] {
        for (id, step) in steps {
            let at = format!("{section}.{id}");
            let file = loaded.file_of(&at);
            match symbol {
                Symbol::Step { id: target, .. } => {
                    for (i, need) in step.needs.iter().enumerate() {
                        if need == target {
                            push_value(file, &format!("{at}.needs[{i}]"), out);
                        }
                    }
                }
                Symbol::Client(target) if step.client.as_ref() == Some(target) => {
                    push_value(file, &format!("{at}.client"), out);
                }
                _ => {}
            }
        }
    }
}

fn push_value(file: &SourceFile, path: &str, out: &mut Vec<Location>) {
    if file.map().contains(path) {
        let range = to_proto::token_range(&file.text, file.map().value(path));
        out.push(Location::new(to_proto::uri(&file.path), range));
    }
}

/// Occurrences of `steps.a` (not `steps.ab`, not `x.steps.a`), located at their last segment.
fn in_text(file: &SourceFile, written: &str, out: &mut Vec<Location>) {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let last = written.rsplit('.').next().unwrap_or(written);
    for (row, line) in file.text.split('\n').enumerate() {
        for (i, _) in line.match_indices(written) {
            let before = line[..i].chars().next_back();
            let after = line[i + written.len()..].chars().next();
            if before.is_some_and(|c| ident(c) || c == '.') || after.is_some_and(ident) {
                continue;
            }
            let end = i + written.len();
            let from = line[..end - last.len()].chars().count() as u32;
            let to = line[..end].chars().count() as u32;
            let loc = |col: u32| caseflow::spec::Loc {
                line: row as u32 + 1,
                col: col + 1,
            };
            let range = lsp_types::Range::new(
                to_proto::position(&file.text, loc(from)),
                to_proto::position(&file.text, loc(to)),
            );
            out.push(Location::new(to_proto::uri(&file.path), range));
        }
    }
}

/// The symbol's locations across the open specs that define it at the same place.
pub fn find(workspace: &Workspace, origin: &CheckedSpec, symbol: &Symbol) -> Vec<Location> {
    let definition = symbols::definition(origin, symbol);
    let mut out = Vec::new();
    in_spec(origin, symbol, &mut out);
    for doc in workspace.documents.values() {
        let Some(spec) = workspace.current_spec(doc) else {
            continue;
        };
        if definition.is_some() && symbols::definition(spec, symbol) == definition {
            in_spec(spec, symbol, &mut out);
        }
    }
    out.sort_by(|a, b| {
        (a.uri.as_str(), a.range.start, a.range.end).cmp(&(
            b.uri.as_str(),
            b.range.start,
            b.range.end,
        ))
    });
    out.dedup();
    out
}

/// The edits that rename a symbol everywhere; an error when the new name is not an id.
pub fn rename(
    workspace: &Workspace,
    origin: &CheckedSpec,
    symbol: &Symbol,
    new_name: &str,
) -> Result<WorkspaceEdit, String> {
    if name(symbol).is_none() {
        return Err("only steps, outputs, inputs and clients can be renamed".into());
    }
    if !is_identifier(new_name) {
        return Err(format!(
            "`{new_name}` is not an identifier (letters, digits, `_`; not starting with a digit)"
        ));
    }
    // An open spec sharing the definition whose text does not load now
    // would keep its old name.
    let definition = symbols::definition(origin, symbol);
    for doc in workspace.documents.values() {
        if let Some(spec) = &doc.spec
            && workspace.current_spec(doc).is_none()
            && definition.is_some()
            && symbols::definition(spec, symbol) == definition
        {
            return Err(format!(
                "`{}` does not load as it is now: fix its errors before renaming",
                doc.path.display()
            ));
        }
    }
    // The URI type caches its parse in a cell, which never changes its
    // hash or equality (both read the text alone).
    #[allow(clippy::mutable_key_type)]
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for location in find(workspace, origin, symbol) {
        changes
            .entry(location.uri)
            .or_default()
            .push(TextEdit::new(location.range, new_name.to_string()));
    }
    Ok(WorkspaceEdit::new(changes))
}

//! What a position names (a step, an output, an input, a client, a file)
//! and where that is defined, read off the engine's model and source map.

use std::path::PathBuf;
use std::sync::Arc;

use caseflow::spec::{CheckedSpec, Loc, SourceFile};
use lsp_types::{Location, Position, Range};

use super::to_proto;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Symbol {
    /// A step id; `cleanup` says in which section it is defined.
    Step {
        id: String,
        cleanup: bool,
    },
    Output {
        step: String,
        name: String,
    },
    Input(String),
    Client(String),
    File(PathBuf),
}

/// The dotted name under a character column (`steps.a.outputs.id`), with
/// the index of the segment the column is on and the name's first column.
pub fn dotted_at(line: &str, col: usize) -> Option<(Vec<String>, usize, usize)> {
    let chars: Vec<char> = line.chars().collect();
    let part = |c: &char| c.is_ascii_alphanumeric() || *c == '_' || *c == '.';
    let mut start = col.min(chars.len());
    while start > 0 && part(&chars[start - 1]) {
        start -= 1;
    }
    let mut end = col.min(chars.len());
    while end < chars.len() && part(&chars[end]) {
        end += 1;
    }
    if start == end {
        return None;
    }
    let word: String = chars[start..end].iter().collect();
    let before: String = chars[start..col.min(end)].iter().collect();
    let segment = before.matches('.').count();
    Some((
        word.split('.').map(str::to_string).collect(),
        segment,
        start,
    ))
}

/// The field path a position is in: the node written last before it on its line.
fn field_at(file: &SourceFile, loc: Loc) -> Option<String> {
    file.map().path_on_line_before(loc)
}

/// Splits a displayed field path (`steps.a.needs[1]`) into its names.
fn segments(path: &str) -> Vec<&str> {
    path.split(['.', '['])
        .map(|s| s.trim_end_matches(']'))
        .collect()
}

/// The symbol at a position of the document's own file.
pub fn at(spec: &CheckedSpec, text: &str, pos: Position) -> Option<Symbol> {
    let model = &spec.loaded.spec;
    let (line, col) = to_proto::line_and_col(text, pos);
    let dotted = dotted_at(line, col);
    if let Some((parts, segment, _)) = &dotted {
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        match parts.as_slice() {
            ["steps", step, "outputs", name, ..] if segment >= &3 => {
                return Some(Symbol::Output {
                    step: step.to_string(),
                    name: name.to_string(),
                });
            }
            ["steps", step, ..] if model.steps.contains_key(*step) => {
                return Some(step_symbol(step, false));
            }
            ["inputs", name, ..] => return Some(Symbol::Input(name.to_string())),
            _ => {}
        }
    }
    let word = dotted.map(|(parts, _, _)| parts.join("."))?;
    let field = field_at(&spec.loaded.file, to_proto::loc(text, pos))?;
    let path = segments(&field);
    match path.as_slice() {
        [section @ ("steps" | "cleanup"), _, "needs", ..] => {
            // A cleanup step may also wait for other cleanup steps.
            let in_cleanup = *section == "cleanup" && model.cleanup.contains_key(&word);
            (model.steps.contains_key(&word) || in_cleanup).then(|| step_symbol(&word, in_cleanup))
        }
        ["steps" | "cleanup", _, "client"] => Some(Symbol::Client(word)),
        ["steps" | "cleanup", _, "uses"] | ["extends", ..] => {
            related_file(&spec.loaded.file, line, col).map(Symbol::File)
        }
        ["steps", id] if *id == word => Some(step_symbol(id, false)),
        ["cleanup", id] if *id == word => Some(step_symbol(id, true)),
        ["steps", step, "outputs", name] if *name == word => Some(Symbol::Output {
            step: step.to_string(),
            name: name.to_string(),
        }),
        ["inputs", name] if *name == word => Some(Symbol::Input(word)),
        ["clients", name] if *name == word => Some(Symbol::Client(word)),
        _ => None,
    }
}

fn step_symbol(id: &str, cleanup: bool) -> Symbol {
    Symbol::Step {
        id: id.to_string(),
        cleanup,
    }
}

/// The file an `extends:` or `uses:` line names at character column
/// `col` (`extends: [a.yaml, b.yaml]` names two), relative to the spec.
fn related_file(file: &SourceFile, line: &str, col: usize) -> Option<PathBuf> {
    let at = line.char_indices().nth(col).map_or(line.len(), |(i, _)| i);
    let line = line.split(" #").next().unwrap_or(line);
    let start = line.find(": ").map_or(0, |i| i + 2);
    let mut entry = "";
    let mut offset = start;
    for part in line.get(start..).unwrap_or("").split(',') {
        entry = part;
        offset += part.len() + 1;
        // The cursor on the key or before the first comma picks the first entry.
        if at < offset {
            break;
        }
    }
    let value = entry
        .trim()
        .trim_start_matches(['[', '-', ' '])
        .trim_end_matches(']')
        .trim()
        .trim_matches(['"', '\'']);
    let name = value.split('#').next().unwrap_or(value);
    let dir = file.path.parent()?;
    let path = dir.join(name);
    path.is_file().then_some(path)
}

/// The field path that defines a symbol, and the file that holds it.
pub fn definition_site(spec: &CheckedSpec, symbol: &Symbol) -> Option<(Arc<SourceFile>, String)> {
    let loaded = &spec.loaded;
    let owner = |path: &str| -> Arc<SourceFile> {
        let mut parts = path.splitn(3, '.');
        let key = format!(
            "{}.{}",
            parts.next().unwrap_or(""),
            parts.next().unwrap_or("")
        );
        loaded
            .origins
            .get(&key)
            .cloned()
            .unwrap_or_else(|| loaded.file.clone())
    };
    let path = match symbol {
        Symbol::Step { id, cleanup } => {
            let section = if *cleanup { "cleanup" } else { "steps" };
            format!("{section}.{id}")
        }
        Symbol::Output { step, name } => {
            if let Some(sub) = loaded.subspecs.get(step) {
                let path = format!("outputs.{name}");
                return sub
                    .spec
                    .outputs
                    .contains_key(name)
                    .then(|| (sub.file.clone(), path));
            }
            format!("steps.{step}.outputs.{name}")
        }
        Symbol::Input(name) => format!("inputs.{name}"),
        Symbol::Client(name) => format!("clients.{name}"),
        Symbol::File(_) => return None,
    };
    let file = owner(&path);
    file.map().contains(&path).then_some((file, path))
}

/// Where a symbol is defined, as a protocol location.
pub fn definition(spec: &CheckedSpec, symbol: &Symbol) -> Option<Location> {
    if let Symbol::File(path) = symbol {
        let start = Position::new(0, 0);
        return Some(Location::new(to_proto::uri(path), Range::new(start, start)));
    }
    let (file, path) = definition_site(spec, symbol)?;
    let range = to_proto::token_range(&file.text, file.map().key(&path));
    Some(Location::new(to_proto::uri(&file.path), range))
}

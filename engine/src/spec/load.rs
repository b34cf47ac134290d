//! Reading spec files: YAML (the plain-YAML reader, else serde-saphyr with
//! duplicate keys rejected) -> JSON Schema check -> model, then `extends`
//! merged and `uses` sub-specs loaded.
//! Every problem becomes a positioned diagnostic; nothing panics.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use super::codes;
use super::diagnostic::{Diagnostic, Loc};
use super::model::Spec;
use super::plain_yaml;
use super::schema;
use super::source_map::SourceMap;
use super::wording;

/// A spec file as read from disk.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user would write it (relative paths stay relative).
    pub name: String,
    pub path: PathBuf,
    pub text: String,
    /// For a spec converted from another document: where its fields came from.
    pub origin: Option<Box<super::origin::Origin>>,
    /// Built on first use: only diagnostics need positions, and a clean
    /// 10,000-step spec should not pay for mapping every node.
    map: OnceLock<SourceMap>,
}

impl SourceFile {
    pub fn new(name: String, path: PathBuf, text: String) -> Self {
        Self {
            name,
            path,
            text,
            origin: None,
            map: OnceLock::new(),
        }
    }

    pub fn map(&self) -> &SourceMap {
        self.map.get_or_init(|| SourceMap::build(&self.text))
    }

    pub fn error(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        if let Some(origin) = &self.origin {
            // The generated text is not the document's: its field is.
            return origin.document.error(&origin.locate(path).0, message);
        }
        let (start, end) = self.map().value_range(path);
        Diagnostic::error(&self.name, start, path, message).with_end(self.first_line(start, end))
    }
    pub fn key_error(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        if self.origin.is_some() {
            return self.error(path, message);
        }
        let (start, end) = self.map().key_range(path);
        Diagnostic::error(&self.name, start, path, message).with_end(self.first_line(start, end))
    }

    /// A range cut at the end of its first line's text: a block mapping's
    /// range would underline every line below it.
    fn first_line(&self, start: Loc, end: Loc) -> Loc {
        if end.line == start.line {
            return end;
        }
        let line = self.text.lines().nth(start.line as usize - 1).unwrap_or("");
        let len = line.trim_end().chars().count() as u32;
        Loc {
            line: start.line,
            col: (len + 1).max(start.col),
        }
    }

    /// Narrows a diagnostic on the string at its path to the first place
    /// `needle` is written inside it (a reference inside a template), as a
    /// whole word; unchanged when the scalar spells it otherwise.
    pub fn narrow_to(&self, mut d: Diagnostic, needle: &str) -> Diagnostic {
        if self.origin.is_some() {
            return d;
        }
        let map = self.map();
        let (start, end) = map.value_range(&d.path);
        let (from, to) = (map.offset(&self.text, start), map.offset(&self.text, end));
        let Some(scalar) = self.text.get(from..to) else {
            return d;
        };
        let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'.';
        let bytes = scalar.as_bytes();
        let found = scalar.match_indices(needle).map(|(i, _)| i).find(|&i| {
            let after = i + needle.len();
            (i == 0 || !word(bytes[i - 1]))
                && bytes.get(after).is_none_or(|&b| !word(b) || b == b'.')
        });
        if let Some(i) = found {
            d.loc = map.loc_at(&self.text, from + i);
            d.end = map.loc_at(&self.text, from + i + needle.len());
        }
        d
    }

    /// The position of `line:col` (1-based) inside the string value at `path`,
    /// e.g. a template syntax error; skips the opening quote of quoted scalars.
    pub fn inside_value(&self, path: &str, line: usize, col: usize) -> Loc {
        if let Some(origin) = &self.origin {
            // The generated text is not the document's: its field's start it is.
            return origin.locate(path).1;
        }
        let at = self.map().value(path);
        if line > 1 {
            return Loc {
                line: at.line + line as u32 - 1,
                col: col as u32,
            };
        }
        let quoted = self
            .text
            .lines()
            .nth(at.line as usize - 1)
            .and_then(|l| l.chars().nth(at.col as usize - 1))
            .is_some_and(|c| c == '"' || c == '\'');
        Loc {
            line: at.line,
            col: at.col + u32::from(quoted) + col.saturating_sub(1) as u32,
        }
    }
}

/// A spec with its `extends` merged in and its `uses` sub-specs loaded.
#[derive(Debug)]
pub struct LoadedSpec {
    pub spec: Spec,
    pub file: Arc<SourceFile>,
    /// Files that inherited entries come from, keyed like `steps.admin_token`.
    pub origins: HashMap<String, Arc<SourceFile>>,
    /// The spec each `uses` step runs, by step id.
    pub subspecs: HashMap<String, Arc<LoadedSpec>>,
}

impl LoadedSpec {
    /// The file a field path lives in: inherited entries point into their base file.
    pub fn file_of(&self, path: &str) -> &SourceFile {
        let mut parts = path.splitn(3, '.');
        if let (Some(section), Some(name)) = (parts.next(), parts.next()) {
            let name = name.split('[').next().unwrap_or(name);
            if let Some(file) = self.origins.get(&format!("{section}.{name}")) {
                return file;
            }
        }
        &self.file
    }
    pub fn error(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        self.file_of(path).error(path, message)
    }
    pub fn key_error(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        self.file_of(path).key_error(path, message)
    }
}

/// Loads specs, caching shared files (e.g. `lib/pingone.yaml`) and detecting
/// `extends`/`uses` cycles.
#[derive(Default)]
pub struct Loader {
    cache: HashMap<PathBuf, Option<Arc<LoadedSpec>>>,
    loading: Vec<PathBuf>,
    /// Texts that stand in for files on disk (an editor's unsaved buffers).
    texts: HashMap<PathBuf, String>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `path` as `text` instead of from disk, also where another spec
    /// names it in `extends` or `uses`; give paths as absolute ones.
    pub fn set_text(&mut self, path: &Path, text: String) {
        self.texts.insert(normalize(path), text);
    }

    /// Loads one spec, or one workflow of an Arazzo document named
    /// `file#workflowId`; `None` when it has errors (they are in `diagnostics`).
    pub fn load(&mut self, path: &Path) -> Option<Arc<LoadedSpec>> {
        let target = path.to_string_lossy();
        match split_workflow(Path::new(""), &target) {
            (file, Some(id)) => self.load_workflow(Path::new(file), Some(id)),
            _ => self.load_workflow(path, None),
        }
    }

    /// Loads one spec, or one workflow of an Arazzo document (`file#workflowId`).
    fn load_workflow(&mut self, path: &Path, workflow: Option<&str>) -> Option<Arc<LoadedSpec>> {
        let key = workflow_key(path, workflow);
        if let Some(done) = self.cache.get(&key) {
            return done.clone();
        }
        self.loading.push(key.clone());
        let loaded = self.load_uncached(path, workflow).map(Arc::new);
        self.loading.pop();
        self.cache.insert(key, loaded.clone());
        loaded
    }

    fn load_uncached(&mut self, path: &Path, workflow: Option<&str>) -> Option<LoadedSpec> {
        let name = path.display().to_string();
        let text = match self
            .texts
            .get(&normalize(path))
            .cloned()
            .map_or_else(|| read_text(path, &name), Ok)
        {
            Ok(text) => text,
            Err(d) => {
                self.diagnostics.push(*d);
                return None;
            }
        };
        let (text, origin) = if crate::formats::arazzo::is_arazzo(path, &text) {
            let (text, origin) = self.convert_arazzo(path, &name, text, workflow)?;
            (text, Some(Box::new(origin)))
        } else {
            (text, None)
        };
        let (spec, mut file) = self.parse(path, name, text)?;
        file.origin = origin;
        let file = Arc::new(file);
        let mut loaded = LoadedSpec {
            spec,
            file: file.clone(),
            origins: HashMap::new(),
            subspecs: HashMap::new(),
        };
        self.merge_bases(&mut loaded);
        self.load_subspecs(&mut loaded);
        Some(loaded)
    }

    /// An Arazzo document converted in memory to the text of its spec;
    /// what could not be carried over is reported as warnings.
    fn convert_arazzo(
        &mut self,
        path: &Path,
        name: &str,
        text: String,
        workflow: Option<&str>,
    ) -> Option<(String, super::origin::Origin)> {
        let (spec, mut diagnostics) =
            crate::formats::arazzo::convert_text(path, name.to_string(), text, workflow);
        self.diagnostics.append(&mut diagnostics);
        let (spec, origin) = spec?;
        match crate::formats::yaml::render(&spec, &[], &Default::default()) {
            Ok(yaml) => Some((yaml, origin)),
            Err(e) => {
                self.diagnostics.push(
                    Diagnostic::error(name, Loc { line: 1, col: 1 }, "", e)
                        .with_code(codes::ARAZZO),
                );
                None
            }
        }
    }

    /// Text -> model, reporting syntax and schema errors with positions.
    pub fn parse(&mut self, path: &Path, name: String, text: String) -> Option<(Spec, SourceFile)> {
        let options = yaml_options;
        // Fast path: a well-formed spec deserializes straight into the model,
        // through the plain-YAML reader when the file is written in the YAML
        // it covers, else through serde-saphyr. Only when that fails, or when
        // the model accepts what the schema forbids, is the file read again
        // as a tree for schema diagnostics.
        let spec = plain_yaml::from_str::<Spec>(&text)
            .or_else(|| serde_saphyr::from_str_with_options::<Spec>(&text, options()).ok());
        if let Some(mut spec) = spec
            && schema::model_is_conformant(&spec)
        {
            compact(&mut spec);
            return Some((spec, SourceFile::new(name, path.to_path_buf(), text)));
        }
        let value: Value = match serde_saphyr::from_str_with_options(&text, options()) {
            Ok(v) => v,
            Err(e) => {
                let diagnostic = yaml_error_in(&name, &text, &e);
                self.diagnostics.push(diagnostic);
                return None;
            }
        };
        let file = SourceFile::new(name, path.to_path_buf(), text);
        let violations = schema::validate(&value);
        if !violations.is_empty() {
            for v in violations {
                let d = if v.at_key {
                    file.key_error(&v.path, v.message)
                } else {
                    file.error(&v.path, v.message)
                };
                self.diagnostics.push(d.with_code(v.code));
            }
            return None;
        }
        match serde_path_to_error::deserialize::<_, Spec>(&value) {
            Ok(mut spec) => {
                compact(&mut spec);
                Some((spec, file))
            }
            Err(e) => {
                let (path, message) = wording::model(&e, &value);
                let code = if message.contains("whole number") || message.contains("too large") {
                    codes::BAD_NUMBER
                } else {
                    codes::WRONG_TYPE
                };
                self.diagnostics
                    .push(file.error(&path, message).with_code(code));
                None
            }
        }
    }

    fn merge_bases(&mut self, loaded: &mut LoadedSpec) {
        let bases = loaded.spec.extends.clone();
        for (i, base) in bases.iter().enumerate() {
            // `extends: file` and `extends: [file]` both name a single base at `extends`.
            let field = if bases.len() == 1 {
                "extends".to_string()
            } else {
                format!("extends[{i}]")
            };
            let Some(base) = self.load_related(loaded, &field, base, "extends") else {
                continue;
            };
            merge(loaded, &base);
        }
    }

    fn load_subspecs(&mut self, loaded: &mut LoadedSpec) {
        let uses: Vec<(String, String, String)> = ["steps", "cleanup"]
            .iter()
            .flat_map(|section| {
                let steps = if *section == "steps" {
                    &loaded.spec.steps
                } else {
                    &loaded.spec.cleanup
                };
                steps.iter().filter_map(move |(id, step)| {
                    step.uses
                        .as_ref()
                        .map(|u| (format!("{section}.{id}.uses"), id.clone(), u.clone()))
                })
            })
            .collect();
        for (field, id, target) in uses {
            if let Some(sub) = self.load_related(loaded, &field, &target, "uses") {
                loaded.subspecs.insert(id, sub);
            }
        }
    }

    /// Loads a file named by `extends` or `uses`, relative to the file that names it.
    fn load_related(
        &mut self,
        from: &LoadedSpec,
        field: &str,
        target: &str,
        what: &str,
    ) -> Option<Arc<LoadedSpec>> {
        let file = from.file_of(field);
        let dir = file.path.parent().unwrap_or(Path::new(""));
        let (target_file, workflow) = split_workflow(dir, target);
        let path = normalize(&dir.join(target_file));
        if !path.is_file() && !self.texts.contains_key(&path) {
            self.diagnostics.push(
                file.error(
                    field,
                    format!(
                        "file `{}` not found (paths are relative to the spec that names them)",
                        path.display()
                    ),
                )
                .with_code(codes::FILE_NOT_FOUND),
            );
            return None;
        }
        let key = workflow_key(&path, workflow);
        if let Some(start) = self.loading.iter().position(|p| *p == key) {
            let cycle: Vec<String> = self.loading[start..]
                .iter()
                .chain(std::iter::once(&key))
                .map(|p| {
                    p.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                })
                .collect();
            self.diagnostics.push(
                file.error(field, format!("`{what}` cycle: {}", cycle.join(" -> ")))
                    .with_code(codes::FILE_CYCLE),
            );
            return None;
        }
        let loaded = self.load_workflow(&path, workflow);
        if loaded.is_none() {
            self.diagnostics.push(
                file.error(field, format!("`{target}` has errors"))
                    .with_code(codes::FILE_HAS_ERRORS),
            );
        }
        loaded
    }
}

/// `file#workflowId` names one workflow of an Arazzo document; a file
/// whose own name holds a `#` is still found.
pub(crate) fn split_workflow<'a>(dir: &Path, target: &'a str) -> (&'a str, Option<&'a str>) {
    match target.rsplit_once('#') {
        Some((file, id)) if !id.is_empty() && !dir.join(target).is_file() => (file, Some(id)),
        _ => (target, None),
    }
}

/// The cache and cycle key of a file, or of one workflow in it.
fn workflow_key(path: &Path, workflow: Option<&str>) -> PathBuf {
    let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    match workflow {
        Some(id) => {
            let mut k = key.into_os_string();
            k.push(format!("#{id}"));
            PathBuf::from(k)
        }
        None => key,
    }
}

/// Inherits inputs, clients, steps and cleanup that the spec does not define itself.
fn merge(loaded: &mut LoadedSpec, base: &LoadedSpec) {
    let spec = &mut loaded.spec;
    macro_rules! inherit {
        ($section:ident) => {
            let mut merged = base.spec.$section.clone();
            for (name, _) in &base.spec.$section {
                if !spec.$section.contains_key(name) {
                    let key = format!("{}.{name}", stringify!($section));
                    let origin = base
                        .origins
                        .get(&key)
                        .cloned()
                        .unwrap_or_else(|| base.file.clone());
                    loaded.origins.insert(key, origin);
                }
            }
            for (name, item) in std::mem::take(&mut spec.$section) {
                merged.insert(name, item);
            }
            spec.$section = merged;
        };
    }
    inherit!(inputs);
    inherit!(clients);
    inherit!(steps);
    inherit!(cleanup);
    for field in &base.spec.secrets.fields {
        if !spec.secrets.fields.contains(field) {
            spec.secrets.fields.push(field.clone());
        }
    }
    for (id, sub) in &base.subspecs {
        loaded
            .subspecs
            .entry(id.clone())
            .or_insert_with(|| sub.clone());
    }
}

/// How every YAML file caseflow reads is parsed: YAML 1.2 booleans only,
/// unknown tags refused (they would be dropped silently otherwise), and no
/// size budget: specs are local files, alias bombs are still bounded by the
/// alias limits, and the default budget refuses 10,000-step specs.
pub fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        reject_unsupported_tags: true,
        budget: None,
    }
}

/// [`yaml_error`] with what the text adds: the field path of a duplicate
/// key or of a tagged node, and the tag's own position.
pub fn yaml_error_in(file: &str, text: &str, e: &serde_saphyr::Error) -> Diagnostic {
    let mut diagnostic = yaml_error(file, e);
    match wording::original(e) {
        // A duplicate key is a well-formed node: name its field path too.
        serde_saphyr::Error::DuplicateMappingKey { .. } => {
            let map = SourceMap::build(text);
            diagnostic.path = map.path_of_key(diagnostic.loc).unwrap_or_default();
            diagnostic.end = map.key_range(&diagnostic.path).1.max(diagnostic.loc);
        }
        // The reader points after the tag, at the node it is on: point
        // at the tag itself and name the node's field.
        serde_saphyr::Error::UnsupportedTag { tag, .. } => {
            let map = SourceMap::build(text);
            diagnostic.path = map.path_on_line_before(diagnostic.loc).unwrap_or_default();
            if let Some(line) = text.lines().nth(diagnostic.loc.line as usize - 1) {
                let before: String = line.chars().take(diagnostic.loc.col as usize - 1).collect();
                let name = tag.rsplit(['!', ':']).next().unwrap_or(tag);
                // The tag as written: from its first `!` to the end of its name.
                let start = |at: usize| {
                    before[..at]
                        .char_indices()
                        .rfind(|&(_, c)| c.is_whitespace() || "[{,".contains(c))
                        .map_or(0, |(i, c)| i + c.len_utf8())
                };
                if let Some((bang, at)) = before
                    .rfind(name)
                    .map(|at| (start(at), at))
                    .filter(|&(bang, _)| before[bang..].starts_with('!'))
                {
                    let written = before[bang..at].chars().count() + name.chars().count();
                    diagnostic.loc.col = before[..bang].chars().count() as u32 + 1;
                    diagnostic.end = Loc {
                        line: diagnostic.loc.line,
                        col: diagnostic.loc.col + written as u32,
                    };
                }
            }
        }
        _ => {}
    }
    diagnostic
}

/// A YAML reading error as a diagnostic at its position.
pub fn yaml_error(file: &str, e: &serde_saphyr::Error) -> Diagnostic {
    let loc = e
        .location()
        .map(|l| Loc {
            line: l.line() as u32,
            col: l.column() as u32,
        })
        .filter(|l| l.line > 0)
        .unwrap_or(Loc { line: 1, col: 1 });
    use serde_saphyr::Error as E;
    let code = match wording::original(e) {
        E::MultipleDocuments { .. } => codes::SEVERAL_DOCUMENTS,
        E::UnsupportedTag { .. } => codes::YAML_TAG,
        E::DuplicateMappingKey { .. } => codes::DUPLICATE_KEY,
        E::InvalidUtf8Input => codes::NOT_UTF8,
        E::InvalidBooleanStrict { .. } => codes::WRONG_TYPE,
        _ => codes::YAML_SYNTAX,
    };
    Diagnostic::error(file, loc, "", wording::yaml(e)).with_code(code)
}

/// A file's text; a non-UTF-8 byte is reported where it is, with the field it is in.
pub fn read_text(path: &Path, name: &str) -> Result<String, Box<Diagnostic>> {
    let at_start = |message: String| {
        Box::new(
            Diagnostic::error(name, Loc { line: 1, col: 1 }, "", message)
                .with_code(codes::UNREADABLE),
        )
    };
    if path.is_dir() {
        return Err(at_start("is a directory, not a spec file".into()));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| at_start(format!("cannot read the file: {}", io_reason(&e))))?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(e) => {
            let bytes = e.as_bytes();
            let at = e.utf8_error().valid_up_to();
            let before = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            let loc = Loc {
                line: before.matches('\n').count() as u32 + 1,
                col: before[line_start..].chars().count() as u32 + 1,
            };
            let lossy = String::from_utf8_lossy(bytes);
            let field = SourceMap::build(&lossy)
                .path_on_line_before(loc)
                .unwrap_or_default();
            Err(Box::new(Diagnostic::error(
                name,
                loc,
                field,
                format!(
                    "byte 0x{:02X} is not UTF-8 text (caseflow reads UTF-8; re-save the file as UTF-8)",
                    bytes[at]
                ),
            )
            .with_end(Loc {
                col: loc.col + 1,
                ..loc
            })
            .with_code(codes::NOT_UTF8)))
        }
    }
}

/// An I/O error's reason without the OS error number.
pub fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// `a/b/../c` -> `a/c` without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Gives back what reading reserved and the spec will not use: maps grow
/// by doubling while read, so a request body of two fields held room for
/// eight, about 1 KiB a step in a large spec.
fn compact(spec: &mut Spec) {
    spec.steps.shrink_to_fit();
    for step in spec.steps.values_mut().chain(spec.cleanup.values_mut()) {
        let Some(request) = step.request.as_mut() else {
            continue;
        };
        request.query.values_mut().for_each(compact_json);
        for form in request.form.iter_mut() {
            form.values_mut().for_each(compact_json);
        }
    }
}

fn compact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.values_mut().for_each(compact_json);
            *map = std::mem::take(map).into_iter().collect();
        }
        Value::Array(items) => {
            items.iter_mut().for_each(compact_json);
            items.shrink_to_fit();
        }
        _ => {}
    }
}

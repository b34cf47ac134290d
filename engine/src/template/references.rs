//! Which variables a template reads: the edges of the dependency graph.

use std::fmt;

use minijinja::Environment;

use super::is_template;

/// A variable a template reads, with its attribute path, e.g.
/// `["steps", "create_app", "outputs", "id"]`, `["inputs", "env_id"]`, `["item"]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    pub path: Vec<String>,
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path.join("."))
    }
}

/// A template that does not parse.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateSyntaxError {
    pub message: String,
    /// 1-based, within the template.
    pub line: usize,
    /// 1-based, in characters; best effort (1 when minijinja gives no span).
    pub col: usize,
    /// Where the failing span ends (exclusive), like `line` and `col`.
    pub end_line: usize,
    pub end_col: usize,
}

impl fmt::Display for TemplateSyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl std::error::Error for TemplateSyntaxError {}

thread_local! {
    // One per thread rather than per call: building an environment
    // registers every function, which would dominate checking a big spec.
    static ENV: (Environment<'static>, Vec<String>) = {
        let env = super::environment();
        let globals = global_names(&env);
        (env, globals)
    };
}

/// [`ReferenceFinder`] over a thread-local copy of [`super::environment`].
pub fn references(source: &str) -> Result<Vec<Reference>, TemplateSyntaxError> {
    if !is_template(source) {
        return Ok(Vec::new());
    }
    ENV.with(|(env, globals)| find(env, globals, source))
}

/// [`references`] handed over one path at a time and borrowed, not copied:
/// the checks read every template of a spec.
pub fn for_each_reference(
    source: &str,
    mut f: impl FnMut(&[&str]),
) -> Result<(), TemplateSyntaxError> {
    if !is_template(source) {
        return Ok(());
    }
    ENV.with(|(env, globals)| visit(env, globals, source, &mut f))
}

/// One-off [`ReferenceFinder::references`]; in a loop build the finder once.
pub fn references_in(
    env: &Environment<'_>,
    source: &str,
) -> Result<Vec<Reference>, TemplateSyntaxError> {
    if !is_template(source) {
        return Ok(Vec::new());
    }
    find(env, &global_names(env), source)
}

/// Finds references with one environment, its global names looked up once.
pub struct ReferenceFinder<'env, 'source> {
    env: &'env Environment<'source>,
    globals: Vec<String>,
}

impl<'env, 'source> ReferenceFinder<'env, 'source> {
    pub fn new(env: &'env Environment<'source>) -> Self {
        ReferenceFinder {
            env,
            globals: global_names(env),
        }
    }

    /// Variables a template reads, sorted and deduplicated, without the
    /// environment's globals (function names such as `uuid`) and without
    /// names the template binds itself (`set`, `for` targets, `loop`).
    ///
    /// Paths are what minijinja's `undeclared_variables(true)` reports,
    /// which follows dotted attribute chains only; `x['id']` is treated as
    /// `x.id` first so subscripts give full paths too. A path ends where the
    /// chain stops being static (`steps.a.outputs[i]` gives `steps.a.outputs`);
    /// a method call adds its name (`x.y.upper()` gives `x.y.upper`), so
    /// consumers should match on prefixes.
    pub fn references(&self, source: &str) -> Result<Vec<Reference>, TemplateSyntaxError> {
        if !is_template(source) {
            return Ok(Vec::new());
        }
        find(self.env, &self.globals, source)
    }
}

fn global_names(env: &Environment<'_>) -> Vec<String> {
    let mut names: Vec<String> = env.globals().map(|(name, _)| name.to_owned()).collect();
    names.sort_unstable();
    names
}

fn find(
    env: &Environment<'_>,
    globals: &[String],
    source: &str,
) -> Result<Vec<Reference>, TemplateSyntaxError> {
    let mut refs = Vec::new();
    visit(env, globals, source, &mut |path| {
        refs.push(Reference {
            path: path.iter().map(|s| (*s).to_owned()).collect(),
        });
    })?;
    Ok(refs)
}

/// Each path a template reads, sorted and once each, as [`find`] returns them.
fn visit(
    env: &Environment<'_>,
    globals: &[String],
    source: &str,
    f: &mut dyn FnMut(&[&str]),
) -> Result<(), TemplateSyntaxError> {
    let is_global = |name: &str| globals.binary_search_by(|g| g.as_str().cmp(name)).is_ok();
    let names;
    let mut paths: Vec<Vec<&str>> = match simple::paths(source) {
        // Most spec strings hold only plain paths; compiling them would
        // dominate checking a large spec.
        Some(paths) => paths,
        None => {
            names = undeclared(env, source)?;
            names.iter().map(|name| name.split('.').collect()).collect()
        }
    };
    paths.retain(|path| !is_global(path[0]));
    paths.sort_unstable();
    paths.dedup();
    paths.iter().for_each(|path| f(path));
    Ok(())
}

/// minijinja's view: compile (for syntax errors), then its analysis.
fn undeclared(
    env: &Environment<'_>,
    source: &str,
) -> Result<std::collections::HashSet<String>, TemplateSyntaxError> {
    let template = env
        .template_from_str(source)
        .map_err(|e| syntax_error(source, &e))?;
    let unsliced = without_slices(source);
    let analysed = unsliced.as_deref().unwrap_or(source);
    if let Some(rewritten) = dotted_subscripts(analysed).or(unsliced.clone()) {
        // The rewrite is only for analysis; if it broke the syntax in some
        // corner (`for x in['a']`), the undotted answer still stands.
        if let Ok(rewritten) = env.template_from_str(&rewritten) {
            return Ok(rewritten.undeclared_variables(true));
        }
    }
    Ok(template.undeclared_variables(true))
}

/// `x[0:10]` -> `x`: minijinja's analysis does not look into slice
/// subscripts, so `inputs.key[0:4]` would seem to read nothing. `None` if
/// there is no slice with literal bounds.
fn without_slices(source: &str) -> Option<String> {
    static SLICE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\[\s*-?[0-9]*\s*:\s*-?[0-9]*\s*(?::\s*-?[0-9]*\s*)?\]")
            .expect("valid pattern")
    });
    (source.contains(':') && SLICE.is_match(source))
        .then(|| SLICE.replace_all(source, "").into_owned())
}

/// `x['id']` / `x["id"]` -> `x.id` where `id` is an identifier and the
/// bracket follows an operand (not a list literal). `None` if nothing changed.
fn dotted_subscripts(source: &str) -> Option<String> {
    if !source.contains("['") && !source.contains("[\"") {
        return None;
    }
    let bytes = source.as_bytes();
    let mut out = String::with_capacity(source.len());
    let mut changed = false;
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        if bytes[i] == b'['
            && i > 0
            && (bytes[i - 1].is_ascii_alphanumeric() || matches!(bytes[i - 1], b'_' | b')' | b']'))
            && let Some((ident, end)) = quoted_identifier(bytes, i + 1)
        {
            out.push_str(&source[copied..i]);
            out.push('.');
            out.push_str(ident);
            copied = end;
            i = end;
            changed = true;
            continue;
        }
        i += 1;
    }
    out.push_str(&source[copied..]);
    changed.then_some(out)
}

/// At `start`: optional spaces, a quoted identifier, optional spaces, `]`.
/// Returns the identifier and the index after `]`.
fn quoted_identifier(bytes: &[u8], start: usize) -> Option<(&str, usize)> {
    let skip_spaces = |mut i: usize| {
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        i
    };
    let open = skip_spaces(start);
    let quote = *bytes.get(open).filter(|q| matches!(q, b'\'' | b'"'))?;
    let first = open + 1;
    let mut end = first;
    while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
        end += 1;
    }
    if end == first || bytes[first].is_ascii_digit() || bytes.get(end) != Some(&quote) {
        return None;
    }
    let close = skip_spaces(end + 1);
    (bytes.get(close) == Some(&b']')).then(|| {
        // ASCII-only range, so this is on char boundaries.
        (
            std::str::from_utf8(&bytes[first..end]).expect("ASCII"),
            close + 1,
        )
    })
}

fn syntax_error(source: &str, err: &minijinja::Error) -> TemplateSyntaxError {
    let message = err
        .detail()
        .map_or_else(|| err.kind().to_string(), str::to_owned);
    let ((line, col), (end_line, end_col)) = match err.range() {
        Some(range) => (
            position(source, range.start),
            position(source, range.end.max(range.start)),
        ),
        None => {
            let line = err.line().unwrap_or(1);
            ((line, 1), (line, 1))
        }
    };
    TemplateSyntaxError {
        message,
        line,
        col,
        end_line,
        end_col,
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(super) fn position(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = source.get(..offset).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

mod simple;
#[cfg(test)]
mod tests;

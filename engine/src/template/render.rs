//! Typed rendering: templates in a JSON tree become values, not text.

use minijinja::value::ValueKind;
use minijinja::{ErrorKind, Value};
use serde_json::Value as Json;

use super::compiled::Templates;
use super::references::position;
use super::{MAX_OUTPUT, is_template};

/// A template failed to render. `path` is the field within the rendered
/// value (`json.grantTypes[0]`, or empty for a whole string).
#[derive(Debug, thiserror::Error)]
#[error("{path}{sep}{message}", sep = if .path.is_empty() { "" } else { ": " })]
pub struct RenderError {
    pub path: String,
    /// minijinja's message, naming the undefined expression where it can.
    pub message: String,
}

/// Renders one string template against a context.
pub fn render_str(templates: &Templates, source: &str, ctx: &Value) -> Result<String, RenderError> {
    render_text(templates, source, ctx).map_err(|message| RenderError {
        path: String::new(),
        message,
    })
}

/// Typed rendering of a structured body: every string leaf (and object key)
/// is a template; a leaf that is exactly one `{{ expr }}` (surrounding
/// whitespace allowed) keeps the expression's type. Values are substituted,
/// never re-parsed: a captured value that contains `{{` stays literal.
pub fn render_value(templates: &Templates, value: &Json, ctx: &Value) -> Result<Json, RenderError> {
    let mut path = String::new();
    render_at(templates, value, ctx, &mut path).map_err(|message| RenderError { path, message })
}

/// On error `path` is left pointing at the failing field.
fn render_at(
    templates: &Templates,
    value: &Json,
    ctx: &Value,
    path: &mut String,
) -> Result<Json, String> {
    match value {
        Json::String(s) => render_leaf(templates, s, ctx),
        Json::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                out.push(render_at(templates, item, ctx, path)?);
                path.truncate(len);
            }
            Ok(Json::Array(out))
        }
        Json::Object(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            for (key, item) in map {
                let len = path.len();
                push_key(path, key);
                let key = render_text(templates, key, ctx)?;
                out.insert(key, render_at(templates, item, ctx, path)?);
                path.truncate(len);
            }
            Ok(Json::Object(out))
        }
        other => Ok(other.clone()),
    }
}

fn push_key(path: &mut String, key: &str) {
    let plain = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if plain {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        path.push_str(&format!("[{}]", Json::from(key)));
    }
}

fn render_leaf(templates: &Templates, source: &str, ctx: &Value) -> Result<Json, String> {
    if !is_template(source) {
        return Ok(Json::String(source.to_owned()));
    }
    if let Some(expr) = single_expression(source) {
        // `{{ a }} {{ b }}` also starts and ends with braces; its inside is
        // not one expression, so it falls through to text rendering.
        if let Some(compiled) = templates.expression(expr) {
            let value = compiled.eval(ctx).map_err(|e| message(expr, &e))?;
            if value.as_str().is_some_and(|s| s.len() > MAX_OUTPUT) {
                return Err(too_long());
            }
            return to_json(&value).map_err(|why| {
                let kind = if why.contains("undefined") {
                    "undefined value: "
                } else {
                    ""
                };
                format!("{kind}`{}` {why}", expr.trim())
            });
        }
    }
    render_text(templates, source, ctx).map(Json::String)
}

/// The inside of `{{ expr }}` when that is the whole (trimmed) string,
/// whitespace-control markers (`{{-`, `-}}`) removed.
fn single_expression(source: &str) -> Option<&str> {
    let inner = source.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    let inner = inner.strip_prefix(['-', '+']).unwrap_or(inner);
    let inner = inner.strip_suffix(['-', '+']).unwrap_or(inner);
    (!inner.contains("{{") && !inner.contains("{%")).then_some(inner)
}

fn render_text(templates: &Templates, source: &str, ctx: &Value) -> Result<String, String> {
    if !is_template(source) {
        return Ok(source.to_owned());
    }
    let mut out = Capped::default();
    match templates.render_to(source, ctx, &mut out) {
        Ok(_) => Ok(String::from_utf8(out.bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())),
        Err(_) if out.over => Err(too_long()),
        Err(e) => Err(message(source, &e)),
    }
}

/// Rendered text, refused past [`MAX_OUTPUT`] bytes.
#[derive(Default)]
pub(super) struct Capped {
    pub(super) bytes: Vec<u8>,
    pub(super) over: bool,
}

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > MAX_OUTPUT {
            self.over = true;
            return Err(std::io::Error::other("template output limit"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub(super) fn too_long() -> String {
    format!(
        "template output larger than {} MiB: rendering stopped",
        MAX_OUTPUT >> 20
    )
}

/// minijinja's message (which names an undefined variable itself) plus
/// where a syntax error is, or the line in a multi-line template. Never
/// includes values: they may be secrets.
fn message(source: &str, err: &minijinja::Error) -> String {
    // The output cap hit while a list was written out (see `format_value`).
    if err.detail() == Some(too_long().as_str()) {
        return too_long();
    }
    let mut text = if err.kind() == ErrorKind::OutOfFuel {
        "template stopped: it did more work than one template may (a loop too large or without end?)"
            .to_string()
    } else {
        err.kind().to_string()
    };
    if let Some(detail) = err.detail() {
        text.push_str(": ");
        text.push_str(detail);
    }
    if err.kind() == ErrorKind::SyntaxError {
        if let Some(range) = err.range() {
            let (line, col) = position(source, range.start);
            text.push_str(&format!(" (at {line}:{col})"));
        }
    } else if let Some(line) = err.line().filter(|_| source.contains('\n')) {
        text.push_str(&format!(" (line {line})"));
    }
    text
}

/// minijinja value -> JSON. Undefined anywhere is an error rather than the
/// `null` serde would produce. The error completes "`expr` ...".
fn to_json(value: &Value) -> Result<Json, &'static str> {
    match value.kind() {
        ValueKind::Undefined => Err("is undefined"),
        ValueKind::Invalid => Err("is an invalid value"),
        ValueKind::Seq | ValueKind::Iterable => {
            let iter = value.try_iter().map_err(|_| "cannot be iterated")?;
            iter.map(|item| to_json(&item).map_err(nested))
                .collect::<Result<_, _>>()
                .map(Json::Array)
        }
        ValueKind::Map => {
            let mut out = serde_json::Map::new();
            for key in value.try_iter().map_err(|_| "cannot be iterated")? {
                let item = value.get_item(&key).map_err(|_| "has an unreadable item")?;
                let key = key.as_str().map_or_else(|| key.to_string(), str::to_owned);
                out.insert(key, to_json(&item).map_err(nested)?);
            }
            Ok(Json::Object(out))
        }
        _ => serde_json::to_value(value).map_err(|_| "cannot be converted to JSON"),
    }
}

fn nested(why: &'static str) -> &'static str {
    match why {
        "is undefined" => "contains an undefined value",
        "is an invalid value" => "contains an invalid value",
        other => other,
    }
}

#[cfg(test)]
mod tests;

//! minijinja environment, template functions, typed rendering and reference extraction.

mod compiled;
pub mod functions;
pub mod references;
pub mod render;

pub use compiled::{Templates, shared};
pub use references::{
    Reference, ReferenceFinder, TemplateSyntaxError, for_each_reference, references, references_in,
};
pub use render::{RenderError, render_str, render_value};

use std::cell::RefCell;

use minijinja::value::{Value, ValueKind};
use minijinja::{
    AutoEscape, Environment, Error, ErrorKind, Output, State, UndefinedBehavior, escape_formatter,
    syntax::SyntaxConfig,
};

/// The work one render may do, in minijinja fuel: about one unit per
/// instruction and per 64 bytes of data created. Real templates use a few
/// hundred; a runaway loop fails in well under a second instead of
/// running for hours.
pub const FUEL: u64 = 1_000_000;

/// The longest text one template may render. Memory stays bounded (fuel also
/// charges for data) and the error says what went wrong.
pub const MAX_OUTPUT: usize = 16 << 20;

/// The environment every spec renders with: strict undefined (an unknown
/// variable or attribute is an error), all functions and filters registered,
/// no autoescape, keep_trailing_newline, and a work budget per render
/// ([`FUEL`]).
///
/// Construct it once and reuse it: building one registers ~30 functions.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Requests are not HTML: a `&` in a query string must stay a `&`.
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_syntax(
        SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .build()
            .expect("default delimiters are valid"),
    );
    // Debug mode (not just in debug builds) makes minijinja track where an
    // undefined value came from, so errors can name the missing variable in
    // release builds too. It only costs on the error path.
    env.set_debug(true);
    env.set_formatter(format_value);
    env.set_fuel(Some(FUEL));
    functions::register(&mut env);
    env
}

/// How a value prints inside text, as in GitHub Actions expressions:
/// `true`/`false` (not Python's `True`), `none` as empty, lists and maps
/// as compact JSON (not Python reprs).
fn format_value(out: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    let text = match value.kind() {
        ValueKind::Bool => (if value.is_true() { "true" } else { "false" }).to_string(),
        ValueKind::None => String::new(),
        // Written through the output cap: `{{ [1] * 10000 * 10000 }}` is a
        // cheap value whose text would take seconds to write in full.
        ValueKind::Seq | ValueKind::Map | ValueKind::Iterable => {
            let mut capped = render::Capped::default();
            match serde_json::to_writer(&mut capped, value) {
                Ok(()) => String::from_utf8_lossy(&capped.bytes).into_owned(),
                Err(_) if capped.over => {
                    return Err(Error::new(ErrorKind::InvalidOperation, render::too_long()));
                }
                Err(e) => return Err(Error::new(ErrorKind::BadSerialization, e.to_string())),
            }
        }
        _ => {
            escape_formatter(out, state, value)?;
            record_piece(|| value.to_string());
            return Ok(());
        }
    };
    out.write_str(&text)?;
    record_piece(|| text);
    Ok(())
}

thread_local! {
    /// What each `{{ }}` printed, while [`render_str_pieces`] records.
    static PIECES: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
}

fn record_piece(text: impl FnOnce() -> String) {
    PIECES.with(|p| {
        if let Some(pieces) = p.borrow_mut().as_mut() {
            pieces.push(text());
        }
    });
}

/// Renders a string template and returns, with the text, what each `{{ }}`
/// printed, in order: the redactor masks the pieces that came from a
/// secret, not the literal text around them.
pub fn render_str_pieces(
    templates: &Templates,
    source: &str,
    ctx: &Value,
) -> Result<(String, Vec<String>), RenderError> {
    let previous = PIECES.with(|p| p.replace(Some(Vec::new())));
    let out = render_str(templates, source, ctx);
    let pieces = PIECES.with(|p| p.replace(previous)).unwrap_or_default();
    out.map(|text| (text, pieces))
}

/// `text` as a template that prints it as it is: each `{{`, `{%` and `{#`
/// becomes an expression printing those two characters. For text an
/// importer copies from a recording or another format.
pub fn literal(text: &str) -> String {
    if !["{{", "{%", "{#"].iter().any(|o| text.contains(o)) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('{', Some(&n)) if matches!(n, '{' | '%' | '#') => {
                chars.next();
                out.push_str(&format!("{{{{ '{{{n}' }}}}"));
            }
            _ => out.push(c),
        }
    }
    out
}

/// Is this string a template at all (contains `{{` or `{%`)? Plain strings
/// skip compilation: specs have many literal leaves.
pub fn is_template(s: &str) -> bool {
    opens(s, b"{%")
}

/// Whether `{` is followed by one of `next` somewhere in `s`. Searching for
/// `{{` with `str::contains` builds a searcher per call, which costs more
/// than the short strings of a spec.
pub(crate) fn opens(s: &str, next: &[u8]) -> bool {
    let bytes = s.as_bytes();
    memchr::memchr_iter(b'{', bytes).any(|i| bytes.get(i + 1).is_some_and(|b| next.contains(b)))
}

/// Where the two bytes `pair` first occur in `s`.
pub(crate) fn find_pair(s: &str, pair: [u8; 2]) -> Option<usize> {
    let bytes = s.as_bytes();
    memchr::memchr_iter(pair[0], bytes).find(|&i| bytes.get(i + 1) == Some(&pair[1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_strings_are_not_templates() {
        assert!(!is_template("https://example.com/{id}"));
        assert!(!is_template("a { { b } }"));
        assert!(is_template("{{ x }}"));
        assert!(is_template("{% if x %}y{% endif %}"));
    }

    #[test]
    fn environment_keeps_trailing_newline_and_does_not_escape() {
        let env = environment();
        let out = env
            .render_str("{{ q }}\n", minijinja::context! { q => "a=1&b=<2>" })
            .unwrap();
        assert_eq!(out, "a=1&b=<2>\n");
    }

    #[test]
    fn values_print_like_json_scalars() {
        let env = environment();
        let ctx = minijinja::context! { t => true, n => (), l => vec![1, 2], m => minijinja::context! { a => "x" } };
        let out = env
            .render_str(
                "{{ t }},{{ not t }},[{{ n }}],{{ l }},{{ m }},{{ 1.5 }}",
                ctx,
            )
            .unwrap();
        assert_eq!(out, r#"true,false,[],[1,2],{"a":"x"},1.5"#);
    }
}

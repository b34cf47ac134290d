//! Diagnostics as a person or a program reads them: the one-line form
//! (`file:line:col: field.path: message`), the rich form with the source
//! lines and an underline of the exact range (drawn by annotate-snippets,
//! the renderer rustc uses), and JSON lines for other tools. Every text
//! shown, source lines included, passes through the file's redactor.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Range;

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};

use super::codes;
use super::diagnostic::{Diagnostic, Loc, Severity};
use super::source_map::SourceMap;
use crate::redact::Redactor;

/// How diagnostics are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One line each, as editors and grep read them.
    Short,
    /// The source lines with the range underlined; ANSI colours if `color`.
    Rich { color: bool },
    /// One JSON object per line.
    Json,
}

/// A file's text as diagnostics show it.
struct Text {
    text: String,
    map: SourceMap,
    secrets: SourceRedactor,
}

impl Text {
    fn new(text: String) -> Self {
        let mut secrets = SourceRedactor::new();
        secrets.learn(&text);
        Text {
            map: SourceMap::lines_of(&text),
            text,
            secrets,
        }
    }

    fn redact(&self, s: &str) -> String {
        self.secrets.redact(s)
    }
}

/// Masks the secrets spec sources write, as `validate` masks its
/// diagnostics: credential-named values, JWTs and secret defaults.
#[derive(Debug, Default)]
pub struct SourceRedactor {
    redactor: Redactor,
    /// Secret defaults shorter than the redactor masks inside text,
    /// masked here where written as a scalar.
    short: Vec<String>,
}

impl SourceRedactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// The redactor underneath, to register more secrets (a spec's
    /// `secrets.fields` before its text is learnt, marked defaults).
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Learns the secrets a spec source writes.
    pub fn learn(&mut self, text: &str) {
        // Credential-named values and JWTs written in the spec itself.
        self.redactor.learn_text(text);
        let short = learn_yaml_secrets(&self.redactor, text);
        self.short.extend(short);
    }

    pub fn redact(&self, s: &str) -> String {
        let mut out = self.redactor.redact(s);
        for secret in &self.short {
            for quote in ['"', '\''] {
                let written = format!("{quote}{secret}{quote}");
                out = out.replace(&written, &format!("{quote}{}{quote}", crate::redact::MASK));
            }
        }
        out
    }
}

/// The values a spec writes under credential names (`password: x`, in
/// block or flow style) and the defaults of inputs marked `secret: true`
/// on the same line: the YAML forms the redactor's text patterns do not read.
/// Returns the secret defaults too short for the redactor to mask inside text.
fn learn_yaml_secrets(redactor: &Redactor, text: &str) -> Vec<String> {
    let mut short = Vec::new();
    static PAIR: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"([A-Za-z0-9_$.-]+)\s*:\s+(?:"([^"]*)"|'([^']*)'|([^\s,{}\[\]#"']+))"#)
            .expect("valid pattern")
    });
    for line in text.lines() {
        let secret_line = line.contains("secret: true");
        for caps in PAIR.captures_iter(line) {
            let name = &caps[1];
            let Some(value) = caps.get(2).or(caps.get(3)).or(caps.get(4)) else {
                continue;
            };
            // `secret: true` marks; it is no credential. Nor is a template:
            // what it renders is masked when it runs.
            if matches!(value.as_str(), "true" | "false" | "null" | "~")
                || crate::template::is_template(value.as_str())
            {
                continue;
            }
            if secret_line && name == "default" {
                redactor.add(value.as_str());
                if value.as_str().chars().count() < crate::redact::MIN_LEN {
                    short.push(value.as_str().to_string());
                }
            } else {
                redactor.learn_pair(name, value.as_str());
            }
        }
    }
    short
}

/// The texts of the files diagnostics point into, each read once.
#[derive(Default)]
pub struct Sources {
    files: HashMap<String, Option<Text>>,
}

impl Sources {
    pub fn new() -> Self {
        Self::default()
    }

    /// Gives a file's text (an editor's buffer, a converted document)
    /// instead of reading it from disk.
    pub fn insert(&mut self, file: &str, text: String) {
        self.files.insert(file.to_string(), Some(Text::new(text)));
    }

    fn get(&mut self, file: &str) -> Option<&Text> {
        self.files
            .entry(file.to_string())
            .or_insert_with(|| {
                let bytes = std::fs::read(file).ok()?;
                Some(Text::new(String::from_utf8_lossy(&bytes).into_owned()))
            })
            .as_ref()
    }
}

/// The diagnostics in `format`, each ending with a newline. In the rich
/// form each file's diagnostics follow one heading line naming the file.
pub fn render(diagnostics: &[Diagnostic], format: Format, sources: &mut Sources) -> String {
    let mut out = String::new();
    match format {
        Format::Short => {
            for d in diagnostics {
                let text = sources.get(&d.file);
                let _ = writeln!(out, "{}", redacted(text, &d.to_string()));
            }
        }
        Format::Json => {
            for d in diagnostics {
                let text = sources.get(&d.file);
                let _ = writeln!(out, "{}", json(d, text));
            }
        }
        Format::Rich { color } => {
            let renderer = if color {
                Renderer::styled()
            } else {
                Renderer::plain()
            };
            let mut start = 0;
            while start < diagnostics.len() {
                let file = &diagnostics[start].file;
                let len = diagnostics[start..]
                    .iter()
                    .take_while(|d| d.file == *file)
                    .count();
                let group = &diagnostics[start..start + len];
                out.push_str(&heading(file, group, color));
                let text = sources.get(file);
                for d in group {
                    out.push_str(&rich(d, text, &renderer));
                    out.push_str("\n\n");
                }
                start += len;
            }
        }
    }
    out
}

fn redacted(text: Option<&Text>, s: &str) -> String {
    match text {
        Some(t) => t.redact(s),
        None => s.to_string(),
    }
}

/// `file: 2 errors, 1 warning`, once per file.
fn heading(file: &str, group: &[Diagnostic], color: bool) -> String {
    let errors = group.iter().filter(|d| d.is_error()).count();
    let warnings = group.len() - errors;
    let mut counts = Vec::new();
    if errors > 0 {
        counts.push(crate::report::plural(errors, "error"));
    }
    if warnings > 0 {
        counts.push(crate::report::plural(warnings, "warning"));
    }
    let line = format!("{file}: {}", counts.join(", "));
    if color {
        format!("\x1b[1m{line}\x1b[0m\n")
    } else {
        format!("{line}\n")
    }
}

/// One diagnostic drawn at its source lines.
fn rich(d: &Diagnostic, text: Option<&Text>, renderer: &Renderer) -> String {
    let excerpt = text.and_then(|t| excerpt(&t.text, &t.map, d, &|s| t.redact(s)));
    let redact = |s: &str| redacted(text, s);
    draw(d, excerpt.as_ref(), None, &redact, renderer)
}

/// The lines a range covers, redacted, with the range inside them.
#[derive(Debug, Clone)]
pub struct Excerpt {
    pub source: String,
    /// Byte range of the underline in `source`.
    pub span: Range<usize>,
    /// The number of the first line.
    pub first_line: usize,
}

/// Where a run-time failure points in the spec, drawn under the failed step.
#[derive(Debug, Clone)]
pub struct Site {
    pub diagnostic: Diagnostic,
    /// What the underline says (e.g. `expected 201, got 404`).
    pub label: String,
    pub excerpt: Option<Excerpt>,
}

impl Site {
    /// The site of `d` in `text` (whose map is `map`), every piece through `redactor`.
    pub fn new(
        d: Diagnostic,
        label: &str,
        text: &str,
        map: &SourceMap,
        redactor: &Redactor,
    ) -> Self {
        // The run masks what it has seen; the file's own credentials (a
        // literal password a failed template kept from being sent) too.
        let mut written = SourceRedactor::new();
        written.learn(text);
        let excerpt = excerpt(text, map, &d, &|s| written.redact(&redactor.redact(s)));
        let mut diagnostic = d;
        diagnostic.message = redactor.redact(&diagnostic.message);
        diagnostic.help = diagnostic.help.map(|h| redactor.redact(&h));
        Site {
            diagnostic,
            label: redactor.redact(label),
            excerpt,
        }
    }

    /// The site drawn like a spec diagnostic (already redacted), long
    /// source lines cut around the underline to fit `width` columns.
    pub fn draw(&self, color: bool, width: usize) -> String {
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        }
        .term_width(width);
        draw(
            &self.diagnostic,
            self.excerpt.as_ref(),
            Some(&self.label),
            &|s| s.to_string(),
            &renderer,
        )
    }
}

fn draw(
    d: &Diagnostic,
    excerpt: Option<&Excerpt>,
    label: Option<&str>,
    redact: &dyn Fn(&str) -> String,
    renderer: &Renderer,
) -> String {
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let mut title = level.primary_title(redact(title_of(d)));
    if !d.code.is_empty() {
        title = title.id(d.code);
    }
    let label = label.or_else(|| codes::label(d.code)).unwrap_or("here");
    let mut group = match excerpt {
        Some(e) => title.element(
            Snippet::source(e.source.as_str())
                .line_start(e.first_line)
                .path(d.file.as_str())
                .annotation(AnnotationKind::Primary.span(e.span.clone()).label(label)),
        ),
        None => title.element(
            annotate_snippets::Origin::path(d.file.as_str())
                .line(d.loc.line as usize)
                .char_column(d.loc.col as usize),
        ),
    };
    if !d.path.is_empty() {
        group = group.element(Level::NOTE.message(format!("in `{}`", d.path)));
    }
    if let Some(help) = &d.help {
        group = group.element(Level::HELP.message(redact(help)));
    }
    renderer.render(&[group])
}

/// The lines the range covers (redacted piece by piece so the underline
/// still falls where it should); `None` when the range is outside the text.
pub fn excerpt(
    text: &str,
    map: &SourceMap,
    d: &Diagnostic,
    redact: &dyn Fn(&str) -> String,
) -> Option<Excerpt> {
    let line_start = map.offset(
        text,
        Loc {
            line: d.loc.line,
            col: 1,
        },
    );
    if line_start >= text.len() && !text.is_empty() {
        return None;
    }
    let from = map.offset(text, d.loc);
    let to = map.offset(text, d.end).max(from);
    let rest = &text[to..];
    let line_end = to + rest.find('\n').unwrap_or(rest.len());
    let mut before = redact(&text[line_start..from]);
    // The underline's column is the position shown: a mask shorter than
    // the secret before it must not move it.
    let (shown, written) = (
        before.chars().count(),
        text[line_start..from].chars().count(),
    );
    before.extend(std::iter::repeat_n(' ', written.saturating_sub(shown)));
    let inside = redact(&text[from..to]);
    let after = redact(&text[to..line_end]);
    let source = format!("{before}{inside}{after}");
    let whole = redact(&source);
    if whole != source {
        // A secret across the underline's edges is in none of the pieces:
        // the lines masked as a whole, underlined as a whole.
        let indent = whole.len() - whole.trim_start().len();
        return Some(Excerpt {
            span: indent..whole.trim_end().len().max(indent),
            source: whole,
            first_line: d.loc.line as usize,
        });
    }
    let span = before.len()..before.len() + inside.len();
    Some(Excerpt {
        source,
        span,
        first_line: d.loc.line as usize,
    })
}

/// The message as the rich and JSON forms give it: without the help, and
/// without the leading `` `steps.a.outputs.x`: `` of a reference error,
/// which the range underlines already.
fn title_of(d: &Diagnostic) -> &str {
    let headline = d.headline();
    let reference = matches!(
        d.code,
        codes::UNKNOWN_STEP | codes::UNKNOWN_OUTPUT | codes::UNKNOWN_INPUT | codes::BAD_REFERENCE
    );
    match headline.strip_prefix('`').and_then(|r| r.split_once("`: ")) {
        Some((_, rest)) if reference && d.loc != d.end => rest,
        _ => headline,
    }
}

/// One diagnostic as a JSON object: positions are 1-based, in characters,
/// the end exclusive.
fn json(d: &Diagnostic, text: Option<&Text>) -> String {
    let at = |l: Loc| serde_json::json!({ "line": l.line, "column": l.col });
    serde_json::json!({
        "file": d.file,
        "severity": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
        "code": d.code,
        "path": d.path,
        "message": redacted(text, title_of(d)),
        "help": d.help.as_deref().map(|h| redacted(text, h)),
        "range": { "start": at(d.loc), "end": at(d.end) },
    })
    .to_string()
}

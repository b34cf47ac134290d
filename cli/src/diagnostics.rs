//! How the commands write spec diagnostics (`--message-format`, `--color`,
//! `NO_COLOR`), and `caseflow explain CODE`.

use std::io::{IsTerminal, Write as _};
use std::sync::OnceLock;

use caseflow::spec::Diagnostic;
use caseflow::spec::codes;
use caseflow::spec::snippet::{self, Format, Sources};
use clap::ValueEnum;

use super::{EXIT_INVALID, EXIT_OK, emit};

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    /// The source lines with the range underlined, a label, the field and a help line
    #[default]
    Rich,
    /// One line each: `file:line:col: field.path: message`
    Short,
    /// One JSON object per line: file, range, code, path, message, help
    Json,
}

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set
    #[default]
    Auto,
    Always,
    Never,
}

static FORMAT: OnceLock<Format> = OnceLock::new();
static FORCED_COLOR: OnceLock<Option<bool>> = OnceLock::new();

/// `--color always` or `never`, which the run's console follows too.
pub fn forced_color() -> Option<bool> {
    FORCED_COLOR.get().copied().flatten()
}

/// Decides the format once, from the options and standard error.
pub fn configure(format: MessageFormat, color: ColorChoice) {
    let _ = FORCED_COLOR.set(match color {
        ColorChoice::Always => Some(true),
        ColorChoice::Never => Some(false),
        ColorChoice::Auto => None,
    });
    let color = match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let format = match format {
        MessageFormat::Rich => Format::Rich { color },
        MessageFormat::Short => Format::Short,
        MessageFormat::Json => Format::Json,
    };
    let _ = FORMAT.set(format);
}

fn format() -> Format {
    *FORMAT.get().unwrap_or(&Format::Short)
}

/// The diagnostics as the options ask, without the last newline.
pub fn render(diagnostics: &[Diagnostic]) -> String {
    let mut text = snippet::render(diagnostics, format(), &mut Sources::new());
    text.truncate(text.trim_end().len());
    text
}

/// Writes the diagnostics to standard error in one write (thousands of
/// them, a line each, unbuffered, add up).
pub fn print(diagnostics: &[Diagnostic]) {
    if diagnostics.is_empty() {
        return;
    }
    let mut text = render(diagnostics);
    // The rich form keeps a blank line after each diagnostic, as rustc does.
    text.push_str(if matches!(format(), Format::Rich { .. }) {
        "\n\n"
    } else {
        "\n"
    });
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// A failed step's place in the spec, drawn and indented by `indent`
/// spaces; nothing in the one-line and JSON forms.
pub fn site(
    site: &caseflow::spec::snippet::Site,
    color: bool,
    indent: usize,
    width: usize,
) -> String {
    if !matches!(format(), Format::Rich { .. }) {
        return String::new();
    }
    let pad = " ".repeat(indent);
    site.draw(color, width.saturating_sub(indent).max(40))
        .lines()
        .map(|l| format!("{pad}{l}\n").replace(&format!("{pad}\n"), "\n"))
        .collect()
}

/// `caseflow explain CODE`; without a code, the list of codes.
pub fn explain(code: Option<&str>) -> i32 {
    let Some(code) = code else {
        let list: String = codes::ALL
            .iter()
            .map(|c| format!("{}  {}\n", c.id, c.label))
            .collect();
        emit(&list);
        return EXIT_OK;
    };
    match codes::lookup(code) {
        Some(c) => {
            emit(&codes::explain(c));
            EXIT_OK
        }
        None => {
            eprintln!(
                "error: unknown code `{code}` (`caseflow explain` lists the codes, E0001 to {})",
                codes::ALL.last().map_or("", |c| c.id)
            );
            EXIT_INVALID
        }
    }
}

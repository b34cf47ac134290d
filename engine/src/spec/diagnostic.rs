//! User-facing errors in the style of rustc/just: `file:line:col: field.path: message`.

use std::fmt;

/// A position in a source file, both 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Loc {
    pub line: u32,
    pub col: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One finding about a spec file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    pub file: String,
    /// Where the range starts.
    pub loc: Loc,
    pub severity: Severity,
    /// Field path inside the spec, e.g. `steps.token.request.method`; empty for the whole file.
    pub path: String,
    pub message: String,
    /// Where the range ends (exclusive); equal to `loc` when only a point is known.
    pub end: Loc,
    /// The stable code (`E0101`), see [`super::codes`]; empty when none fits.
    pub code: &'static str,
    /// A suggestion shown apart in the rich form; the one-line form keeps it
    /// inside `message`, as it always has.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(
        file: &str,
        loc: Loc,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let message = message.into();
        Self {
            file: file.to_string(),
            loc,
            severity: Severity::Error,
            path: path.into(),
            help: super::codes::help_in(&message).map(str::to_string),
            message,
            end: loc,
            code: "",
        }
    }

    /// The range ends here (exclusive); ignored if it would end before it starts.
    pub fn with_end(mut self, end: Loc) -> Self {
        if end >= self.loc {
            self.end = end;
        }
        self
    }

    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    /// A code unless one is set already: for helpers that know only a default.
    pub fn or_code(mut self, code: &'static str) -> Self {
        if self.code.is_empty() {
            self.code = code;
        }
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The message without the suggestion the rich form shows as help.
    pub fn headline(&self) -> &str {
        match &self.help {
            Some(help) => super::codes::without_help(&self.message, help),
            None => &self.message,
        }
    }

    pub fn warning(self) -> Self {
        Self {
            severity: Severity::Warning,
            ..self
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.loc.line, self.loc.col)?;
        if self.severity == Severity::Warning {
            write!(f, "warning: ")?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        write!(f, "{}", self.message)
    }
}

/// The diagnostics of a failed load or check, sorted by file and position.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }
    pub fn sorted(mut self) -> Self {
        self.0.sort();
        self.0.dedup();
        self
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

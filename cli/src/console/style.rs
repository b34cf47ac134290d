//! What the output goes to: a terminal of some width, in colour or not, or
//! a log (no width: lines as long as their content).

use std::io::IsTerminal;
use std::time::Duration;

/// Where stdout goes.
#[derive(Debug, Clone, Copy)]
pub struct Terminal {
    /// ANSI colours (a terminal, and `NO_COLOR` unset).
    pub color: bool,
    /// Columns of the terminal; `None` for a pipe or a file.
    pub width: Option<usize>,
}

/// The width assumed when a terminal does not say.
const DEFAULT_WIDTH: usize = 80;

impl Terminal {
    pub fn stdout() -> Self {
        let stdout = std::io::stdout();
        let forced = crate::diagnostics::forced_color();
        if !stdout.is_terminal() {
            return Self {
                color: forced.unwrap_or(false),
                width: None,
            };
        }
        let width = terminal_size::terminal_size_of(&stdout)
            .map(|(w, _)| usize::from(w.0))
            .filter(|&w| w > 0)
            .or_else(|| std::env::var("COLUMNS").ok()?.parse().ok())
            .unwrap_or(DEFAULT_WIDTH);
        Self {
            color: forced
                .unwrap_or_else(|| std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())),
            width: Some(width),
        }
    }

    /// `text` in `paint` when colours are on.
    pub fn paint(&self, text: &str, paint: Paint) -> String {
        if !self.color {
            return text.to_string();
        }
        let code = match paint {
            Paint::Pass => "1;32",
            Paint::Fail => "1;31",
            Paint::Warn => "1;33",
            Paint::Dim => "2",
            Paint::Bold => "1",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }

    /// `text` cut to the width (less `indent`) with `…`; whole in a log
    /// unless longer than [`LOG_LINE`].
    pub fn clip(&self, text: &str, indent: usize) -> String {
        let room = self
            .width
            .map_or(LOG_LINE, |w| w.saturating_sub(indent).max(20));
        if text.chars().count() <= room {
            return text.to_string();
        }
        let mut cut: String = text.chars().take(room - 1).collect();
        cut.push('…');
        cut
    }
}

/// The longest line a failure shows in a log.
const LOG_LINE: usize = 240;

#[derive(Debug, Clone, Copy)]
pub enum Paint {
    Pass,
    Fail,
    Warn,
    Dim,
    Bold,
}

/// `[   1.234s]`: fixed width, so columns line up run after run.
pub fn timing(d: Duration) -> String {
    format!("[{:>8.3}s]", d.as_secs_f64())
}

/// Items joined by `, ` and wrapped to the width, the first line after a
/// `lead` of that many columns, the others indented by `indent`; one line
/// in a log.
pub fn wrap_list(items: &[String], lead: usize, indent: usize, width: Option<usize>) -> String {
    let Some(width) = width else {
        return items.join(", ");
    };
    let room = |line: usize| {
        let used = if line == 0 { lead } else { indent };
        width.saturating_sub(used).max(20)
    };
    let mut lines: Vec<String> = vec![String::new()];
    for (i, item) in items.iter().enumerate() {
        let piece = if i + 1 < items.len() {
            format!("{item},")
        } else {
            item.clone()
        };
        let room = room(lines.len() - 1);
        let line = lines.last_mut().expect("one line at least");
        let len = line.chars().count();
        if len > 0 && len + 1 + piece.chars().count() > room {
            lines.push(piece);
        } else {
            if len > 0 {
                line.push(' ');
            }
            line.push_str(&piece);
        }
    }
    lines.join(&format!("\n{}", " ".repeat(indent)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_wrap_at_the_width_and_stay_whole_in_a_log() {
        let items: Vec<String> = ["alpha", "beta", "gamma", "delta", "epsilon"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            wrap_list(&items, 4, 4, Some(24)),
            "alpha, beta, gamma,\n    delta, epsilon"
        );
        assert_eq!(
            wrap_list(&items, 0, 4, None),
            "alpha, beta, gamma, delta, epsilon"
        );
    }

    #[test]
    fn clipping_keeps_short_lines_and_marks_cut_ones() {
        let t = Terminal {
            color: false,
            width: Some(30),
        };
        assert_eq!(t.clip("short", 4), "short");
        let cut = t.clip(&"x".repeat(40), 4);
        assert_eq!(cut.chars().count(), 26);
        assert!(cut.ends_with('…'));
        assert_eq!(timing(Duration::from_millis(1234)), "[   1.234s]");
    }
}

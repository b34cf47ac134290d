//! The edge between caseflow's positions and the protocol's: `Loc` is
//! 1-based and counts characters, an LSP `Position` is 0-based and counts
//! UTF-16 units; files are paths here and `file://` URIs there.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use caseflow::spec::{Diagnostic, Loc};
use lsp_types::{Position, Range, Uri};

/// The text of one line (0-based), without its line break.
fn line(text: &str, index: usize) -> &str {
    let line = text.split('\n').nth(index).unwrap_or("");
    line.strip_suffix('\r').unwrap_or(line)
}

/// A character column (0-based) of a line as a protocol position.
fn at(text: &str, line_index: usize, char_col: usize) -> Position {
    let units: usize = line(text, line_index)
        .chars()
        .take(char_col)
        .map(char::len_utf16)
        .sum();
    Position::new(line_index as u32, units as u32)
}

pub fn position(text: &str, loc: Loc) -> Position {
    at(
        text,
        loc.line.saturating_sub(1) as usize,
        loc.col.saturating_sub(1) as usize,
    )
}

/// A protocol position as a `Loc` (a column past the line's end stays there).
pub fn loc(text: &str, pos: Position) -> Loc {
    let (mut units, mut chars) = (0u32, 0u32);
    for c in line(text, pos.line as usize).chars() {
        if units >= pos.character {
            break;
        }
        units += c.len_utf16() as u32;
        chars += 1;
    }
    // Saturating: a client may send any `u32`.
    Loc {
        line: pos.line.saturating_add(1),
        col: chars
            .saturating_add(1)
            .saturating_add(pos.character.saturating_sub(units)),
    }
}

/// The line a position is on and the character index of its column.
pub fn line_and_col(text: &str, pos: Position) -> (&str, usize) {
    let loc = loc(text, pos);
    (
        line(text, pos.line as usize),
        loc.col.saturating_sub(1) as usize,
    )
}

/// Where a diagnostic is drawn: the engine's range, the one `validate`
/// underlines; a point becomes the YAML token that starts there.
pub fn diagnostic_range(text: &str, d: &Diagnostic) -> Range {
    if d.end > d.loc {
        return Range::new(position(text, d.loc), position(text, d.end));
    }
    token_range(text, d.loc)
}

/// The YAML token starting at `loc`: a quoted scalar to its closing quote, a
/// plain one (or a key) to where it ends on its line.
pub fn token_range(text: &str, loc: Loc) -> Range {
    let (row, start, end) = token_chars(text, loc);
    Range::new(at(text, row, start), at(text, row, end))
}

/// The line and the character span of the token at `loc`.
fn token_chars(text: &str, loc: Loc) -> (usize, usize, usize) {
    let row = loc.line.saturating_sub(1) as usize;
    let chars: Vec<char> = line(text, row).chars().collect();
    let start = (loc.col.saturating_sub(1) as usize).min(chars.len());
    let end = match chars.get(start) {
        Some(&q @ ('"' | '\'')) => quoted_end(&chars, start, q),
        Some('|' | '>') => chars.len(),
        Some(_) => plain_end(&chars, start),
        None => start,
    };
    let mut end = end.max(start);
    while end > start && chars[end - 1].is_whitespace() {
        end -= 1;
    }
    (row, start, end)
}

fn quoted_end(chars: &[char], start: usize, quote: char) -> usize {
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if quote == '"' => i += 2,
            '\'' if quote == '\'' && chars.get(i + 1) == Some(&'\'') => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    chars.len()
}

/// A plain scalar ends at `: `, ` #`, the line's end and, inside a flow
/// collection (`[a, b]`, `{ k: v }`), at `,`, `]` or `}`.
fn plain_end(chars: &[char], start: usize) -> usize {
    let depth: i32 = chars[..start]
        .iter()
        .map(|c| match c {
            '[' | '{' => 1,
            ']' | '}' => -1,
            _ => 0,
        })
        .sum();
    let mut i = start;
    while i < chars.len() {
        let next = chars.get(i + 1).copied();
        match chars[i] {
            ':' if next.is_none_or(char::is_whitespace) => return i,
            '#' if i > start && chars[i - 1].is_whitespace() => return i,
            ',' | ']' | '}' if depth > 0 => return i,
            _ => i += 1,
        }
    }
    chars.len()
}

/// A `file://` URI's path.
pub fn path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    let path = rest.find('/').map(|i| &rest[i..])?;
    let mut bytes = Vec::with_capacity(path.len());
    let raw = path.as_bytes();
    let mut i = 0;
    while i < raw.len() {
        let hex = raw
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (raw[i], hex) {
            (b'%', Some(b)) => {
                bytes.push(b);
                i += 3;
            }
            (b, _) => {
                bytes.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(bytes).ok().map(PathBuf::from)
}

/// The `file://` URI of an absolute path.
pub fn uri(path: &Path) -> Uri {
    let mut text = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            text.push(b as char);
        } else {
            text.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&text).unwrap_or_else(|_| Uri::from_str("file:///").expect("a valid URI"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(r: Range) -> (u32, u32, u32, u32) {
        (r.start.line, r.start.character, r.end.line, r.end.character)
    }

    #[test]
    fn tokens_end_where_yaml_ends_them() {
        let text =
            "a:\n  needs: [one, two]\n  url: \"/x/{{ y }}\" # c\n  b: plain text # c\n  key: v\n";
        let at = |line, col| range(token_range(text, Loc { line, col }));
        assert_eq!(at(2, 11), (1, 10, 1, 13));
        assert_eq!(at(2, 16), (1, 15, 1, 18));
        assert_eq!(at(3, 8), (2, 7, 2, 19));
        assert_eq!(at(4, 6), (3, 5, 3, 15));
        assert_eq!(at(5, 3), (4, 2, 4, 5));
    }

    #[test]
    fn diagnostics_take_the_engines_range_and_points_the_token() {
        let text = "url: \"/a/{{ steps.creat.outputs.id }}\"\n";
        let d = Diagnostic::error("f", Loc { line: 1, col: 13 }, "url", "unknown step")
            .with_end(Loc { line: 1, col: 35 });
        assert_eq!(range(diagnostic_range(text, &d)), (0, 12, 0, 34));
        let d = Diagnostic::error("f", Loc { line: 1, col: 6 }, "url", "bad");
        assert_eq!(range(diagnostic_range(text, &d)), (0, 5, 0, 38));
    }

    #[test]
    fn positions_count_utf16_units() {
        let text = "é😀x: 1\n";
        let pos = position(text, Loc { line: 1, col: 3 });
        assert_eq!((pos.line, pos.character), (0, 3));
        assert_eq!(loc(text, pos), Loc { line: 1, col: 3 });
    }

    #[test]
    fn uris_round_trip() {
        let p = Path::new("/tmp/a b/ü.yaml");
        assert_eq!(path(&uri(p)).as_deref(), Some(p));
    }
}

//! The block structure: lines, indentation, mappings, sequences (also the
//! indentless `key:\n- item` form), `- key: value` items, block scalars
//! and double-quoted values over several lines. A file is one document
//! whose top level is a mapping at column 1.

use std::borrow::Cow;
use std::collections::HashSet;

use super::node::Node;
use super::scalar::{self, Plain};
use super::{Declined, MAX_DEPTH, flow, quoted};

type Read<T> = Result<T, Declined>;

/// YAML limits implicit keys to 1024 characters; stay well inside.
const MAX_KEY_LEN: usize = 512;

#[derive(Clone, Copy)]
struct Line<'a> {
    /// Where the line starts in the file.
    start: usize,
    /// Where its line feed is (the file's length for a last line without one).
    end: usize,
    indent: usize,
    /// After the indentation.
    text: &'a str,
    raw: &'a str,
}

impl Line<'_> {
    /// Blank lines and comment lines carry nothing (outside block scalars).
    fn is_trivia(&self) -> bool {
        self.text.is_empty() || self.text.starts_with('#')
    }
}

pub fn document(text: &str) -> Read<Node<'_>> {
    // Document markers and directives: several documents, `%YAML`.
    let at_line_start = |marker: &str| {
        text.starts_with(marker)
            || memchr::memmem::find(text.as_bytes(), format!("\n{marker}").as_bytes()).is_some()
    };
    if ["---", "...", "%"].into_iter().any(at_line_start) {
        return Err(Declined);
    }
    let mut reader = Reader {
        text,
        at: 0,
        last: 0,
        peeked: None,
    };
    match reader.peek() {
        Some(line) if line.indent == 0 && !is_seq_entry(line.text) => {}
        _ => return Err(Declined),
    }
    let root = reader.mapping(0, None, 0)?;
    match reader.peek() {
        None => Ok(root),
        Some(_) => Err(Declined),
    }
}

/// Reads lines one at a time: a 10,000-step spec has 200,000 of them.
struct Reader<'a> {
    text: &'a str,
    /// Where the next line to read starts; past the end when there is none.
    at: usize,
    /// Where the line read last starts.
    last: usize,
    /// The line at `at` once looked at: the loops look at each line twice.
    peeked: Option<Line<'a>>,
}

impl<'a> Reader<'a> {
    fn line_at(&self, start: usize) -> Option<Line<'a>> {
        let end = self.line_end(start)?;
        let raw = &self.text[start..end];
        let text = raw.trim_start_matches(' ');
        Some(Line {
            start,
            end,
            indent: raw.len() - text.len(),
            text,
            raw,
        })
    }

    /// Where the line holding `at` ends.
    fn line_end(&self, at: usize) -> Option<usize> {
        let rest = self.text.get(at..)?;
        Some(memchr::memchr(b'\n', rest.as_bytes()).map_or(self.text.len(), |i| at + i))
    }

    /// The next line that carries content, skipping blank and comment lines.
    fn peek(&mut self) -> Option<Line<'a>> {
        if let Some(line) = self.peeked.filter(|l| l.start == self.at) {
            return Some(line);
        }
        loop {
            let line = self.line_at(self.at)?;
            if !line.is_trivia() {
                self.peeked = Some(line);
                return Some(line);
            }
            self.at = line.end + 1;
        }
    }

    fn take(&mut self, line: Line<'a>) -> &'a str {
        self.last = line.start;
        self.at = line.end + 1;
        line.text
    }

    /// A block mapping whose keys sit at column `indent`; `first` is an
    /// entry already read from the line of a `- ` item.
    fn mapping(&mut self, indent: usize, first: Option<&'a str>, depth: usize) -> Read<Node<'a>> {
        if depth > MAX_DEPTH {
            return Err(Declined);
        }
        let mut entries = Vec::new();
        if let Some(text) = first {
            entries.push(self.entry(text, indent, depth)?);
        }
        while let Some(line) = self.peek() {
            if line.indent < indent {
                break;
            }
            if line.indent > indent || is_seq_entry(line.text) {
                return Err(Declined);
            }
            let text = self.take(line);
            entries.push(self.entry(text, indent, depth)?);
        }
        distinct_keys(&entries)?;
        Ok(Node::Map(entries))
    }

    fn entry(
        &mut self,
        text: &'a str,
        indent: usize,
        depth: usize,
    ) -> Read<(Cow<'a, str>, Node<'a>)> {
        let (key, rest) = split_key(text)?;
        let value = self.value(rest, indent, true, depth)?;
        Ok((key, value))
    }

    /// The value after `key:` (or `- `) given on the line, or on the lines
    /// below when the line has none. `indent` is the column of the key or dash.
    fn value(
        &mut self,
        rest: &'a str,
        indent: usize,
        under_key: bool,
        depth: usize,
    ) -> Read<Node<'a>> {
        let rest = rest.trim_start_matches(' ');
        match rest.as_bytes().first() {
            None | Some(b'#') => self.nested(indent, under_key, depth),
            Some(b'|') => self.block_scalar(&rest[1..], false, indent),
            Some(b'>') => self.block_scalar(&rest[1..], true, indent),
            Some(b'"') if under_key => self.double_quoted(rest, indent),
            Some(b'"' | b'\'' | b'{' | b'[') => {
                let (node, after) = flow::node(rest, depth)?;
                end_of_line(after)?;
                Ok(node)
            }
            _ => block_plain(rest).map(Node::plain),
        }
    }

    /// A collection on the lines below a key or dash at `indent`, an
    /// indentless sequence under a key (a dash at a dash's column is the
    /// next item), or else an empty (null) value.
    fn nested(&mut self, indent: usize, under_key: bool, depth: usize) -> Read<Node<'a>> {
        let Some(line) = self.peek() else {
            return Ok(Node::plain(""));
        };
        let (child, seq) = (line.indent, is_seq_entry(line.text));
        if child > indent && seq {
            self.sequence(child, false, depth + 1)
        } else if child > indent {
            self.mapping(child, None, depth + 1)
        } else if child == indent && seq && under_key {
            self.sequence(child, true, depth + 1)
        } else {
            Ok(Node::plain(""))
        }
    }

    /// Items at column `indent`; an indentless sequence ends at its
    /// mapping's next key.
    fn sequence(&mut self, indent: usize, indentless: bool, depth: usize) -> Read<Node<'a>> {
        if depth > MAX_DEPTH {
            return Err(Declined);
        }
        let mut items = Vec::new();
        while let Some(line) = self.peek() {
            if line.indent < indent {
                break;
            }
            if line.indent > indent {
                return Err(Declined);
            }
            if !is_seq_entry(line.text) {
                if indentless {
                    break;
                }
                return Err(Declined);
            }
            let after_dash = &self.take(line)[1..];
            let item = after_dash.trim_start_matches(' ');
            let column = indent + 1 + after_dash.len() - item.len();
            let node = if is_seq_entry(item) || item.starts_with(['|', '>']) {
                return Err(Declined);
            } else if is_mapping_entry(item)? {
                self.mapping(column, Some(item), depth + 1)?
            } else {
                self.value(item, indent, false, depth)?
            };
            items.push(node);
        }
        Ok(Node::Seq(items))
    }

    /// A double-quoted value, which may go on over the lines below.
    fn double_quoted(&mut self, rest: &'a str, indent: usize) -> Read<Node<'a>> {
        // `rest` ends the line read last.
        let line = self.line_at(self.last).ok_or(Declined)?;
        let from = line.end - rest.len();
        let (text, after) = quoted::double(&self.text[from..], Some(indent))?;
        let closed = self.text.len() - after.len();
        let end = self.line_end(closed).ok_or(Declined)?;
        end_of_line(&self.text[closed..end])?;
        self.at = end + 1;
        Ok(Node::string(text))
    }

    /// A literal (`|`, `|-`) or folded (`>`, `>-`) block scalar below a key
    /// at `indent`: the common forms only (no indentation indicator, no
    /// `+`, no leading empty lines, a line break after the last line).
    fn block_scalar(&mut self, header: &'a str, folded: bool, indent: usize) -> Read<Node<'a>> {
        let (strip, after) = match header.strip_prefix('-') {
            Some(after) => (true, after),
            None => (false, header),
        };
        let comment = after.trim_start_matches(' ');
        if !(comment.is_empty() || comment.starts_with('#') && comment.len() < after.len()) {
            return Err(Declined);
        }
        let first = self.line_at(self.at).ok_or(Declined)?;
        if first.text.is_empty() || first.indent <= indent {
            return Err(Declined);
        }
        let column = first.indent;
        let mut lines = Vec::new();
        let mut kept = 0;
        let mut next = Some(first);
        while let Some(line) = next {
            if !line.text.is_empty() {
                if line.indent < column {
                    break;
                }
                kept = lines.len() + 1;
            } else if line.raw.len() > column {
                // Spaces only, more than the indentation: text made of
                // spaces, and a folding corner.
                if folded {
                    return Err(Declined);
                }
                kept = lines.len() + 1;
            }
            lines.push(line);
            next = self.line_at(line.end + 1);
        }
        // Trailing empty lines are chomped; the last line needs its line feed.
        lines.truncate(kept);
        let last = lines.last().ok_or(Declined)?;
        if last.end == self.text.len() {
            return Err(Declined);
        }
        self.at = last.end + 1;
        let lines = lines.iter().map(|l| l.raw.get(column..).unwrap_or(""));
        let mut text = if folded {
            fold(lines)
        } else {
            lines.collect::<Vec<_>>().join("\n")
        };
        if !strip {
            text.push('\n');
        }
        Ok(Node::string(Cow::Owned(text)))
    }
}

/// Folded lines: a line break between two lines of text is a space, each
/// empty line between them a line feed; breaks around more-indented lines stay.
fn fold<'a>(lines: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    let mut previous_indented = None;
    let mut empty = 0;
    for line in lines {
        if line.is_empty() {
            empty += 1;
            continue;
        }
        let indented = line.starts_with(' ');
        match previous_indented {
            None => {}
            Some(false) if !indented && empty == 0 => out.push(' '),
            Some(false) if !indented => out.extend(std::iter::repeat_n('\n', empty)),
            Some(_) => out.extend(std::iter::repeat_n('\n', empty + 1)),
        }
        out.push_str(line);
        previous_indented = Some(indented);
        empty = 0;
    }
    out
}

/// A line that is a sequence item: `-` alone or followed by a space.
fn is_seq_entry(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// Whether a `- ` item's text starts a mapping (`- key: value`).
fn is_mapping_entry(text: &str) -> Read<bool> {
    Ok(match text.as_bytes().first() {
        Some(b'"') => quoted::double(text, None)?.1.starts_with(':'),
        Some(b'\'') => quoted::single(text)?.1.starts_with(':'),
        Some(b'{' | b'[') => false,
        _ => has_separator(comment_start(text).map_or(text, |i| &text[..i])),
    })
}

/// `key: rest` (or `key:` at the end of the line) into the key and the rest.
fn split_key(text: &str) -> Read<(Cow<'_, str>, &str)> {
    let (key, rest) = match text.as_bytes().first() {
        Some(b'"') => quoted::double(text, None)?,
        Some(b'\'') => quoted::single(text)?,
        _ => {
            plain_start(text)?;
            let colon = separator(text).ok_or(Declined)?;
            let key = text[..colon].trim_end_matches(' ');
            if comment_start(key).is_some() || key.ends_with(':') {
                return Err(Declined);
            }
            string_key(key)?;
            (Cow::Borrowed(key), &text[colon..])
        }
    };
    if key.len() > MAX_KEY_LEN || key == "<<" {
        return Err(Declined);
    }
    match rest.strip_prefix(':') {
        Some(rest) if rest.is_empty() || rest.starts_with(' ') => Ok((key, rest)),
        _ => Err(Declined),
    }
}

/// A plain key must read as a string: `1:`, `true:` or `~:` are declined.
pub fn string_key(text: &str) -> Read<()> {
    match scalar::resolve(text)? {
        Plain::Str => Ok(()),
        _ => Err(Declined),
    }
}

/// A plain scalar may not start with an indicator (`- ` and `? `, `: `
/// included; `-5` and `-x` are fine).
pub fn plain_start(text: &str) -> Read<()> {
    let bytes = text.as_bytes();
    match bytes.first() {
        None => Err(Declined),
        Some(b'-') if matches!(bytes.get(1), None | Some(b' ')) => Err(Declined),
        Some(b'-') => Ok(()),
        Some(
            b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|'
            | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`',
        ) => Err(Declined),
        Some(_) => Ok(()),
    }
}

/// A plain scalar in block context runs to a comment or the end of the line.
fn block_plain(text: &str) -> Read<&str> {
    plain_start(text)?;
    let text = comment_start(text).map_or(text, |i| &text[..i]);
    let text = text.trim_end_matches(' ');
    // `key: a: b` is a YAML error.
    if has_separator(text) {
        return Err(Declined);
    }
    Ok(text)
}

/// Where ` #` starts a comment.
fn comment_start(text: &str) -> Option<usize> {
    text.as_bytes().windows(2).position(|w| w == b" #")
}

/// Where the first `:` followed by a space or the end of the text is.
fn separator(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    (0..bytes.len()).find(|&i| bytes[i] == b':' && matches!(bytes.get(i + 1), None | Some(b' ')))
}

fn has_separator(text: &str) -> bool {
    separator(text).is_some()
}

/// After a quoted scalar or flow collection: only spaces and a comment.
fn end_of_line(rest: &str) -> Read<()> {
    let trimmed = rest.trim_start_matches(' ');
    if trimmed.is_empty() || trimmed.starts_with('#') && trimmed.len() < rest.len() {
        Ok(())
    } else {
        Err(Declined)
    }
}

/// Duplicate keys are errors; serde-saphyr words them.
pub fn distinct_keys(entries: &[(Cow<'_, str>, Node<'_>)]) -> Read<()> {
    let distinct = if entries.len() <= 8 {
        entries
            .iter()
            .enumerate()
            .all(|(i, (k, _))| entries[..i].iter().all(|(other, _)| other != k))
    } else {
        let mut seen = HashSet::with_capacity(entries.len());
        entries.iter().all(|(k, _)| seen.insert(k.as_ref()))
    };
    if distinct { Ok(()) } else { Err(Declined) }
}

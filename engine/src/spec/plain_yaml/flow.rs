//! What can sit on one line: quoted scalars and flow collections
//! (`{ method: GET, url: /x }`, `[a, b]`) that close on the line they open.
//! Everything is read from a line's remainder and hands back what follows.

use std::borrow::Cow;

use super::node::Node;
use super::{Declined, MAX_DEPTH, quoted};

type Read<'a, T> = Result<(T, &'a str), Declined>;

/// A flow node or quoted scalar at the start of `s`.
pub fn node(s: &str, depth: usize) -> Read<'_, Node<'_>> {
    if depth > MAX_DEPTH {
        return Err(Declined);
    }
    match s.as_bytes().first() {
        Some(b'{') => mapping(&s[1..], depth + 1),
        Some(b'[') => sequence(&s[1..], depth + 1),
        Some(b'"') => quoted::double(s, None).map(|(text, rest)| (Node::string(text), rest)),
        Some(b'\'') => quoted::single(s).map(|(text, rest)| (Node::string(text), rest)),
        _ => plain(s).map(|(text, rest)| (Node::plain(text), rest)),
    }
}

fn mapping(s: &str, depth: usize) -> Read<'_, Node<'_>> {
    let (entries, rest) = separated(s, b'}', |s| {
        let (key, rest) = key(s)?;
        let rest = rest
            .strip_prefix(": ")
            .ok_or(Declined)?
            .trim_start_matches(' ');
        if rest.starts_with([',', '}']) {
            return Err(Declined);
        }
        let (value, rest) = node(rest, depth)?;
        Ok(((key, value), rest))
    })?;
    super::block::distinct_keys(&entries)?;
    Ok((Node::Map(entries), rest))
}

fn sequence(s: &str, depth: usize) -> Read<'_, Node<'_>> {
    let (items, rest) = separated(s, b']', |s| node(s, depth))?;
    Ok((Node::Seq(items), rest))
}

/// Entries separated by commas up to `close`, each read by `entry`; empty
/// entries and a trailing comma are declined, and so is anything between
/// an entry and its comma (`[a: b]` pairs, comments).
fn separated<'a, T>(
    s: &'a str,
    close: u8,
    mut entry: impl FnMut(&'a str) -> Read<'a, T>,
) -> Read<'a, Vec<T>> {
    let mut s = s.trim_start_matches(' ');
    let mut entries = Vec::new();
    if s.as_bytes().first() == Some(&close) {
        return Ok((entries, &s[1..]));
    }
    loop {
        if matches!(s.as_bytes().first(), Some(&c) if c == b',' || c == close) {
            return Err(Declined);
        }
        let (item, rest) = entry(s)?;
        entries.push(item);
        s = rest.trim_start_matches(' ');
        match s.as_bytes().first() {
            Some(b',') => s = s[1..].trim_start_matches(' '),
            Some(&c) if c == close => return Ok((entries, &s[1..])),
            _ => return Err(Declined),
        }
    }
}

/// A mapping key inside a flow mapping: quoted, or plain and a string.
fn key(s: &str) -> Read<'_, Cow<'_, str>> {
    match s.as_bytes().first() {
        Some(b'"') => quoted::double(s, None),
        Some(b'\'') => quoted::single(s),
        _ => {
            let (text, rest) = plain(s)?;
            super::block::string_key(text)?;
            Ok((Cow::Borrowed(text), rest))
        }
    }
}

/// A plain scalar inside a flow collection: it ends at a flow indicator or
/// at `: `; a comment or a `:` before an indicator is declined.
fn plain(s: &str) -> Read<'_, &str> {
    super::block::plain_start(s)?;
    let bytes = s.as_bytes();
    let mut end = 0;
    while end < bytes.len() {
        match bytes[end] {
            b',' | b'[' | b']' | b'{' | b'}' => break,
            b':' => match bytes.get(end + 1) {
                Some(b' ') => break,
                Some(b',' | b'[' | b']' | b'{' | b'}') | None => return Err(Declined),
                _ => {}
            },
            b'#' if end > 0 && bytes[end - 1] == b' ' => return Err(Declined),
            _ => {}
        }
        end += 1;
    }
    let text = s[..end].trim_end_matches(' ');
    if text.is_empty() {
        return Err(Declined);
    }
    Ok((text, &s[end..]))
}

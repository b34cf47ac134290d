//! Quoted scalars. Single-quoted ones stay on one line; double-quoted ones
//! may run over several lines as a block value, folded as YAML folds them
//! (a line break is a space, each empty line a line feed, `\` at the end of
//! a line joins the lines).

use std::borrow::Cow;

use super::Declined;

type Read<'a> = Result<(Cow<'a, str>, &'a str), Declined>;

/// `'...'` on one line; `''` is a quote. Returns the text and what follows.
pub fn single(s: &str) -> Read<'_> {
    let body = &s[1..];
    let bytes = body.as_bytes();
    let mut owned: Option<String> = None;
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() && bytes[i] != b'\n' {
        if bytes[i] == b'\'' {
            if bytes.get(i + 1) == Some(&b'\'') {
                owned
                    .get_or_insert_with(String::new)
                    .push_str(&body[start..=i]);
                i += 2;
                start = i;
                continue;
            }
            return Ok((finish(body, owned, start, i), &body[i + 1..]));
        }
        i += 1;
    }
    Err(Declined)
}

/// `"..."` with YAML's escapes. `block_indent` is the indentation of the
/// key it is the value of, when it may continue on lines indented deeper;
/// `None` keeps it on one line.
pub fn double(s: &str, block_indent: Option<usize>) -> Read<'_> {
    let body = &s[1..];
    let bytes = body.as_bytes();
    let mut owned: Option<String> = None;
    let mut start = 0;
    let mut i = 0;
    loop {
        match bytes.get(i) {
            None => return Err(Declined),
            Some(b'"') => return Ok((finish(body, owned, start, i), &body[i + 1..])),
            Some(b'\\') if bytes.get(i + 1) == Some(&b'\n') => {
                let out = owned.get_or_insert_with(String::new);
                out.push_str(&body[start..i]);
                // An escaped line break joins the lines without a space.
                let (next, breaks) = continuation(body, i + 2, block_indent)?;
                out.extend(std::iter::repeat_n('\n', breaks));
                i = next;
                start = i;
            }
            Some(b'\\') => {
                let out = owned.get_or_insert_with(String::new);
                out.push_str(&body[start..i]);
                let (c, len) = escape(&bytes[i + 1..])?;
                out.push(c);
                i += 1 + len;
                start = i;
            }
            Some(b' ' | b'\n') => {
                let spaces_end = i + body[i..].len() - body[i..].trim_start_matches(' ').len();
                if bytes.get(spaces_end) != Some(&b'\n') {
                    i = spaces_end;
                    continue;
                }
                // Spaces before a line break go; the break folds.
                let out = owned.get_or_insert_with(String::new);
                out.push_str(&body[start..i]);
                let (next, breaks) = continuation(body, spaces_end + 1, block_indent)?;
                if breaks == 0 {
                    out.push(' ');
                } else {
                    out.extend(std::iter::repeat_n('\n', breaks));
                }
                i = next;
                start = i;
            }
            Some(_) => i += 1,
        }
    }
}

/// After a line break at `at`: skips indentation and empty lines, returns
/// where the text goes on and how many empty lines were skipped. Each line
/// with text must be indented deeper than the key.
fn continuation(
    body: &str,
    mut at: usize,
    block_indent: Option<usize>,
) -> Result<(usize, usize), Declined> {
    let indent = block_indent.ok_or(Declined)?;
    let mut breaks = 0;
    loop {
        let line = &body[at..];
        let text = line.trim_start_matches(' ');
        let spaces = line.len() - text.len();
        if text.starts_with('\n') {
            breaks += 1;
            at += spaces + 1;
            continue;
        }
        if spaces <= indent || text.is_empty() {
            return Err(Declined);
        }
        return Ok((at + spaces, breaks));
    }
}

fn finish<'a>(body: &'a str, owned: Option<String>, start: usize, end: usize) -> Cow<'a, str> {
    match owned {
        Some(mut o) => {
            o.push_str(&body[start..end]);
            Cow::Owned(o)
        }
        None => Cow::Borrowed(&body[..end]),
    }
}

/// The character an escape stands for and how many bytes follow the `\`.
fn escape(after: &[u8]) -> Result<(char, usize), Declined> {
    let hex = |digits: usize| -> Result<(char, usize), Declined> {
        let text = after.get(1..=digits).ok_or(Declined)?;
        if !text.iter().all(u8::is_ascii_hexdigit) {
            return Err(Declined);
        }
        let text = std::str::from_utf8(text).map_err(|_| Declined)?;
        let code = u32::from_str_radix(text, 16).map_err(|_| Declined)?;
        Ok((char::from_u32(code).ok_or(Declined)?, 1 + digits))
    };
    let c = match after.first().ok_or(Declined)? {
        b'0' => '\0',
        b'a' => '\x07',
        b'b' => '\x08',
        b't' => '\t',
        b'n' => '\n',
        b'v' => '\x0B',
        b'f' => '\x0C',
        b'r' => '\r',
        b'e' => '\x1B',
        b' ' => ' ',
        b'"' => '"',
        b'/' => '/',
        b'\\' => '\\',
        b'N' => '\u{85}',
        b'_' => '\u{A0}',
        b'L' => '\u{2028}',
        b'P' => '\u{2029}',
        b'x' => return hex(2),
        b'u' => return hex(4),
        b'U' => return hex(8),
        _ => return Err(Declined),
    };
    Ok((c, 1))
}

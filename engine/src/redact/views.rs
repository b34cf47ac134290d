//! Decoded views of a text: the same characters with JSON string escapes or
//! percent-encoding undone, each position mapped back to the original, so a
//! secret is found however a server or client escaped it (`ab\/cd`,
//! `\u0061`, `my%20pass`, `my+pass`).

/// A decoded copy of a text and where each decoded byte came from.
pub struct View {
    pub bytes: Vec<u8>,
    /// One entry per decoded escape, in order.
    escapes: Vec<Escape>,
}

/// An escape sequence: `orig_len` original bytes at `orig` became
/// `dec_len` decoded bytes at `dec`.
#[derive(Clone, Copy)]
struct Escape {
    dec: usize,
    dec_len: usize,
    orig: usize,
    orig_len: usize,
}

impl View {
    /// The original range of the decoded range `start..end`, widened to
    /// whole escape sequences.
    pub fn original(&self, start: usize, end: usize) -> (usize, usize) {
        (self.map_start(start), self.map_end(end))
    }

    fn map_start(&self, d: usize) -> usize {
        let i = self.escapes.partition_point(|e| e.dec <= d);
        match i.checked_sub(1).map(|i| self.escapes[i]) {
            None => d,
            Some(e) if d < e.dec + e.dec_len => e.orig,
            Some(e) => e.orig + e.orig_len + (d - e.dec - e.dec_len),
        }
    }

    fn map_end(&self, d: usize) -> usize {
        let i = self.escapes.partition_point(|e| e.dec < d);
        match i.checked_sub(1).map(|i| self.escapes[i]) {
            None => d,
            Some(e) if d <= e.dec + e.dec_len => e.orig + e.orig_len,
            Some(e) => e.orig + e.orig_len + (d - e.dec - e.dec_len),
        }
    }
}

/// JSON string escapes undone: `\"`, `\\`, `\/`, `\n`..., `\uXXXX` (either
/// case, surrogate pairs joined). `None` when the text has no backslash.
pub fn json_unescaped(text: &[u8]) -> Option<View> {
    if !text.contains(&b'\\') {
        return None;
    }
    let mut bytes = Vec::with_capacity(text.len());
    let mut escapes = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if text[i] != b'\\' || i + 1 >= text.len() {
            bytes.push(text[i]);
            i += 1;
            continue;
        }
        let (decoded, len): (Option<char>, usize) = match text[i + 1] {
            b'"' => (Some('"'), 2),
            b'\\' => (Some('\\'), 2),
            b'/' => (Some('/'), 2),
            b'b' => (Some('\u{8}'), 2),
            b'f' => (Some('\u{c}'), 2),
            b'n' => (Some('\n'), 2),
            b'r' => (Some('\r'), 2),
            b't' => (Some('\t'), 2),
            b'u' => unicode_escape(&text[i..]),
            _ => (None, 0),
        };
        match decoded {
            Some(c) => {
                let mut buf = [0u8; 4];
                let s = c.encode_utf8(&mut buf);
                escapes.push(Escape {
                    dec: bytes.len(),
                    dec_len: s.len(),
                    orig: i,
                    orig_len: len,
                });
                bytes.extend_from_slice(s.as_bytes());
                i += len;
            }
            None => {
                bytes.push(text[i]);
                i += 1;
            }
        }
    }
    Some(View { bytes, escapes })
}

/// `\uXXXX`, or a surrogate pair `\uD83D\uDE00`: the character and the length read.
fn unicode_escape(text: &[u8]) -> (Option<char>, usize) {
    let unit = |at: usize| -> Option<u32> {
        let hex = text.get(at..at + 4)?;
        u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()
    };
    let Some(first) = unit(2) else {
        return (None, 0);
    };
    if (0xD800..0xDC00).contains(&first)
        && text.get(6..8) == Some(b"\\u")
        && let Some(second) = unit(8)
        && (0xDC00..0xE000).contains(&second)
    {
        let c = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
        return (char::from_u32(c), 12);
    }
    (char::from_u32(first), 6)
}

/// Percent-encoding undone (`%2F` and `%2f`), `+` read as a space. `None`
/// when the text has neither.
pub fn percent_decoded(text: &[u8]) -> Option<View> {
    if !text.iter().any(|b| *b == b'%' || *b == b'+') {
        return None;
    }
    let hex = |b: u8| (b as char).to_digit(16);
    let mut bytes = Vec::with_capacity(text.len());
    let mut escapes = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let decoded = match text[i] {
            b'+' => Some((b' ', 1)),
            b'%' => match (
                text.get(i + 1).and_then(|b| hex(*b)),
                text.get(i + 2).and_then(|b| hex(*b)),
            ) {
                (Some(h), Some(l)) => Some(((h * 16 + l) as u8, 3)),
                _ => None,
            },
            _ => None,
        };
        match decoded {
            Some((b, len)) => {
                escapes.push(Escape {
                    dec: bytes.len(),
                    dec_len: 1,
                    orig: i,
                    orig_len: len,
                });
                bytes.push(b);
                i += len;
            }
            None => {
                bytes.push(text[i]);
                i += 1;
            }
        }
    }
    Some(View { bytes, escapes })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(view: &View, needle: &str) -> (usize, usize) {
        let at = view
            .bytes
            .windows(needle.len())
            .position(|w| w == needle.as_bytes())
            .expect("found");
        view.original(at, at + needle.len())
    }

    #[test]
    fn json_escapes_map_back_to_the_original() {
        let text = r#"{"a": "ab\/cd\u00E9f", "b": "\u0078"}"#;
        let view = json_unescaped(text.as_bytes()).unwrap();
        let (s, e) = find(&view, "ab/cdé");
        assert_eq!(&text[s..e], r"ab\/cd\u00E9");
        let (s, e) = find(&view, "x");
        assert_eq!(&text[s..e], r"\u0078");
    }

    #[test]
    fn surrogate_pairs_join() {
        let view = json_unescaped(br"x\ud83d\ude00y").unwrap();
        assert_eq!(String::from_utf8(view.bytes).unwrap(), "x😀y");
    }

    #[test]
    fn percent_and_plus_decode() {
        let text = "p=my%20pass%2fword&q=my+pass";
        let view = percent_decoded(text.as_bytes()).unwrap();
        let (s, e) = find(&view, "my pass/word");
        assert_eq!(&text[s..e], "my%20pass%2fword");
        let (s, e) = find(&view, "my pass");
        assert_eq!(&text[s..e], "my%20pass");
        assert!(percent_decoded(b"plain").is_none());
    }

    #[test]
    fn broken_escapes_stay_literal() {
        let view = json_unescaped(br"\u12 \q %zz").unwrap();
        assert_eq!(view.bytes, br"\u12 \q %zz");
        assert!(json_unescaped(b"no escapes").is_none());
    }
}

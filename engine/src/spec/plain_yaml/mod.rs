//! A reader for the YAML that specs are written in: one document, block
//! mappings and sequences, flow collections on one line, plain and quoted
//! scalars (double-quoted values also over several lines), literal and
//! folded block scalars (`|`, `|-`, `>`, `>-`), comments. It builds exactly
//! the values serde-saphyr builds, in a fraction of the time a full YAML
//! parser needs for a 10,000-step spec, and declines everything else:
//! anchors, aliases, merge keys, tags, multi-line plain scalars, `|+` and
//! indentation indicators, tabs, carriage returns, control characters,
//! duplicate keys, any error. The loader then reads the file with
//! serde-saphyr, whose rules and messages stay the only ones.

mod block;
mod compare;
mod de;
mod flow;
mod node;
mod quoted;
mod scalar;

use serde::de::DeserializeOwned;

pub use compare::compare_with_serde_saphyr;

/// Deeper nesting is declined (serde-saphyr limits it too).
const MAX_DEPTH: usize = 48;

/// Why the reader stepped aside; never shown (serde-saphyr words the problem).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Declined;

impl std::fmt::Display for Declined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not the YAML this reader covers")
    }
}

impl std::error::Error for Declined {}

/// The text as `T`, or `None` when the file or a value in it is outside
/// what this reader covers.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Option<T> {
    if !plain_characters(text) {
        return None;
    }
    let tree = block::document(text).ok()?;
    T::deserialize(&tree).ok()
}

/// Printable characters and line feeds only: no tabs, carriage returns,
/// byte-order marks, control characters or Unicode line separators, whose
/// YAML rules the reader leaves to serde-saphyr.
fn plain_characters(text: &str) -> bool {
    let ascii_ok = |b: u8| b == b'\n' || (0x20..0x7F).contains(&b);
    // Whole chunks at a time, which the compiler vectorizes.
    if text
        .as_bytes()
        .chunks(64)
        .all(|chunk| chunk.iter().fold(true, |ok, &b| ok & ascii_ok(b)))
    {
        return true;
    }
    text.chars().all(|c| {
        if c.is_ascii() {
            ascii_ok(c as u8)
        } else {
            !matches!(
                c,
                '\u{80}'
                    ..='\u{9F}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}'
            )
        }
    })
}

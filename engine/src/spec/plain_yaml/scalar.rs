//! What serde-saphyr makes of a plain scalar when the target takes any
//! value (YAML 1.2 core schema, strict booleans), for the spellings whose
//! answer is certain; the rest (`0x1F`, `1_000`, `007`, `.inf`, `1e999`,
//! integers beyond 64 bits) are declined.

use super::Declined;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Plain {
    Null,
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Str,
}

pub fn resolve(text: &str) -> Result<Plain, Declined> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Plain::Null),
        "true" | "True" | "TRUE" => return Ok(Plain::Bool(true)),
        "false" | "False" | "FALSE" => return Ok(Plain::Bool(false)),
        _ => {}
    }
    let negative = text.starts_with('-');
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    match body.as_bytes().first() {
        Some(b'0'..=b'9') => {}
        // `.inf`, `.nan` and their spellings are non-finite floats.
        Some(b'.') if matches!(&body[1..], "inf" | "Inf" | "INF" | "nan" | "NaN" | "NAN") => {
            return Err(Declined);
        }
        Some(b'.') => return Ok(float(text)?.unwrap_or(Plain::Str)),
        // Neither an integer nor a numeral: a string (`inf`, `nan` included).
        _ => return Ok(Plain::Str),
    }
    let radix = body.starts_with('0')
        && matches!(
            body.as_bytes().get(1),
            Some(b'x' | b'X' | b'o' | b'O' | b'b' | b'B')
        );
    if radix || body.contains('_') {
        return Err(Declined);
    }
    if body.bytes().all(|b| b.is_ascii_digit()) {
        if body.len() > 1 && body.starts_with('0') {
            return Err(Declined);
        }
        return match (negative, text.starts_with('+')) {
            (true, _) => text.parse().map(Plain::Signed).map_err(|_| Declined),
            (false, false) => text.parse().map(Plain::Unsigned).map_err(|_| Declined),
            (false, true) => Err(Declined),
        };
    }
    Ok(float(text)?.unwrap_or(Plain::Str))
}

/// A finite float as Rust reads it (as serde-saphyr does); `None` for text
/// that is no float, declined for one that overflows.
fn float(text: &str) -> Result<Option<Plain>, Declined> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(Plain::Float(v))),
        Ok(_) => Err(Declined),
        Err(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_like_the_core_schema() {
        assert_eq!(resolve("~"), Ok(Plain::Null));
        assert_eq!(resolve("TRUE"), Ok(Plain::Bool(true)));
        assert_eq!(resolve("yes"), Ok(Plain::Str));
        assert_eq!(resolve("201"), Ok(Plain::Unsigned(201)));
        assert_eq!(resolve("-0"), Ok(Plain::Signed(0)));
        assert_eq!(resolve("1.5"), Ok(Plain::Float(1.5)));
        assert_eq!(resolve("1e3"), Ok(Plain::Float(1000.0)));
        assert_eq!(resolve("-.5"), Ok(Plain::Float(-0.5)));
        for text in [
            "2xx", "10s", "16MiB", "1.2.3", "-x", "inf", ".hidden", "$.id",
        ] {
            assert_eq!(resolve(text), Ok(Plain::Str), "{text}");
        }
        for text in [
            "0x1F",
            "1_000",
            "007",
            "+5",
            ".inf",
            "1e999",
            "99999999999999999999",
        ] {
            assert_eq!(resolve(text), Err(Declined), "{text}");
        }
    }
}

//! Secrets recognised by their shape in text: values of credential-named
//! fields (`"access_token": "..."`, `code=...`, `<input name="SAMLResponse"
//! value="...">`) and JWTs, found even where nobody captured them.

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use regex::bytes::{Regex, RegexBuilder};

/// A secret found in text: the byte range of the value and the value as the
/// server meant it (JSON escapes or percent-encoding undone).
pub struct Found {
    pub start: usize,
    pub end: usize,
    pub value: String,
}

/// How a name-value pair is written, and so how its value is decoded.
#[derive(Clone, Copy)]
enum Encoding {
    Json,
    Percent,
    Plain,
}

/// A pattern compiled on first use, ASCII only (smaller and quicker to
/// build than a Unicode one; names and separators are ASCII anyway).
struct Pattern {
    source: &'static str,
    encoding: Encoding,
    /// Bytes a text must contain for the pattern to match at all.
    needs: &'static [&'static [u8]],
    regex: OnceLock<Regex>,
}

impl Pattern {
    const fn new(
        source: &'static str,
        encoding: Encoding,
        needs: &'static [&'static [u8]],
    ) -> Self {
        Self {
            source,
            encoding,
            needs,
            regex: OnceLock::new(),
        }
    }

    fn may_match(&self, text: &[u8]) -> bool {
        self.needs.iter().all(|n| memmem(text, n))
    }

    fn regex(&self) -> &Regex {
        self.regex.get_or_init(|| {
            RegexBuilder::new(self.source)
                .unicode(false)
                .build()
                .expect("valid pattern")
        })
    }
}

fn memmem(text: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(text, needle).is_some()
}

static PAIRS: [Pattern; 5] = [
    // "name": "value"
    Pattern::new(
        r#""([A-Za-z0-9_.$-]{1,64})"\s*:\s*"((?:[^"\\]|\\.)*)""#,
        Encoding::Json,
        &[b"\"", b":"],
    ),
    // "name": 123456 (one-time codes sent as numbers)
    Pattern::new(
        r#""([A-Za-z0-9_.$-]{1,64})"\s*:\s*(-?[0-9]+)\b"#,
        Encoding::Plain,
        &[b"\"", b":"],
    ),
    // name=value in forms, query strings, fragments and cookies; a
    // backslash ends the value too: it escapes the quote that closes a
    // form quoted inside JSON text (an echoed request body).
    Pattern::new(
        r#"(?:^|[?&#;\s,(])([A-Za-z0-9_.$-]{1,64})=([^&#;\s"'<>,)\\]+)"#,
        Encoding::Percent,
        &[b"="],
    ),
    // <input type="hidden" name="SAMLResponse" value="...">
    Pattern::new(
        r#"name=["']([A-Za-z0-9_.$-]{1,64})["'][^>]*?\svalue=["']([^"']*)["']"#,
        Encoding::Plain,
        &[b"name=", b"value="],
    ),
    Pattern::new(
        r#"value=["']([^"']*)["'][^>]*?\sname=["']([A-Za-z0-9_.$-]{1,64})["']"#,
        Encoding::Plain,
        &[b"name=", b"value="],
    ),
];

/// Three (JWS) or five (JWE) base64url segments whose first decodes to a JSON header.
static JWT: Pattern = Pattern::new(
    r"ey[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)?",
    Encoding::Plain,
    &[b"ey", b"."],
);

/// Values of fields for which `is_secret(name, value)` holds.
/// `any_name`: names outside the built-in credential words may be secret
/// too (a spec's `secrets.fields`), so a text without those words is searched all the same.
pub fn named_values(
    text: &[u8],
    any_name: bool,
    is_secret: impl Fn(&str, &str) -> bool,
) -> Vec<Found> {
    let mut found = Vec::new();
    if !any_name && !super::names::has_hint(text) {
        return found;
    }
    for (i, pattern) in PAIRS.iter().enumerate() {
        // Most texts (ids, names, URLs without a query) rule most patterns out.
        if !pattern.may_match(text) {
            continue;
        }
        let (re, encoding) = (pattern.regex(), &pattern.encoding);
        // The `value=... name=...` pattern has its groups the other way round.
        let (name_group, value_group) = if i == 4 { (2, 1) } else { (1, 2) };
        for caps in re.captures_iter(text) {
            let (Some(name), Some(value)) = (caps.get(name_group), caps.get(value_group)) else {
                continue;
            };
            if value.is_empty() {
                continue;
            }
            let Ok(name) = std::str::from_utf8(name.as_bytes()) else {
                continue;
            };
            let decoded = decode(value.as_bytes(), *encoding);
            if is_secret(name, &decoded) {
                found.push(Found {
                    start: value.start(),
                    end: value.end(),
                    value: decoded,
                });
            }
        }
    }
    found
}

/// Every JWT-shaped string.
pub fn jwts(text: &[u8]) -> Vec<Found> {
    if !JWT.may_match(text) {
        return Vec::new();
    }
    JWT.regex()
        .find_iter(text)
        .filter(|m| is_jwt(m.as_bytes()))
        .map(|m| Found {
            start: m.start(),
            end: m.end(),
            value: String::from_utf8_lossy(m.as_bytes()).into_owned(),
        })
        .collect()
}

fn is_jwt(token: &[u8]) -> bool {
    let header = token.split(|b| *b == b'.').next().unwrap_or_default();
    URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|h| serde_json::from_slice::<serde_json::Value>(&h).ok())
        .is_some_and(|h| h.get("alg").is_some() || h.get("typ").is_some() || h.get("enc").is_some())
}

fn decode(value: &[u8], encoding: Encoding) -> String {
    match encoding {
        Encoding::Plain => String::from_utf8_lossy(value).into_owned(),
        Encoding::Percent => super::views::percent_decoded(value).map_or_else(
            || String::from_utf8_lossy(value).into_owned(),
            |v| String::from_utf8_lossy(&v.bytes).into_owned(),
        ),
        Encoding::Json => super::views::json_unescaped(value).map_or_else(
            || String::from_utf8_lossy(value).into_owned(),
            |v| String::from_utf8_lossy(&v.bytes).into_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<(String, String)> {
        named_values(text.as_bytes(), false, |n, _| {
            super::super::names::is_secret_name(n)
        })
        .into_iter()
        .map(|f| (text[f.start..f.end].to_string(), f.value))
        .collect()
    }

    #[test]
    fn json_form_and_html_pairs() {
        assert_eq!(
            names(r#"{"access_token": "a\/b", "token_type": "Bearer", "n": {"password":"pw12"}}"#),
            [
                ("a\\/b".into(), "a/b".into()),
                ("pw12".into(), "pw12".into())
            ]
        );
        assert_eq!(
            names("https://x/cb?state=1&code=ab%2Bcd#id_token=xyz1"),
            [
                ("ab%2Bcd".into(), "ab+cd".into()),
                ("xyz1".into(), "xyz1".into())
            ]
        );
        assert_eq!(
            names(r#"<input type="hidden" name="SAMLResponse" value="PHNhbWw+"/>"#),
            [("PHNhbWw+".into(), "PHNhbWw+".into())]
        );
        assert_eq!(
            names(r#"{"otp": 123456}"#),
            [("123456".into(), "123456".into())]
        );
    }

    #[test]
    fn jwt_shapes() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256"}"#);
        let token = format!("{header}.eyJzdWIiOiJ4In0.c2lnbmF0dXJl");
        let text = format!("id_token: {token} and api.pingone.com");
        let found = jwts(text.as_bytes());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].value, token);
        assert!(jwts(b"eyJub3QiOiJqd3QifQ.abcdefghij.klm").is_empty());
    }
}

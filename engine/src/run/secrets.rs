//! Secret masking. Every run keeps a `Redactor` of the secret strings it has
//! seen (inputs and captures marked secret, credential headers, values
//! rendered from secrets) and every string leaving the process goes through it.

use std::collections::HashSet;
use std::sync::RwLock;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

/// What a masked value prints as.
pub const MASK: &str = "•••";

/// Shorter values are not masked: replacing every `1` or `ok` in a report would
/// make it unreadable while protecting nothing.
const MIN_LEN: usize = 4;

/// Header names whose values are always secret.
pub fn is_secret_header(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie" | "x-api-key"
    )
}

/// Output names that hold credentials even when the spec forgets `secret: true`.
pub fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "token",
        "secret",
        "password",
        "assertion",
        "credential",
        "private_key",
        "verifier",
    ]
    .iter()
    .any(|w| n.contains(w))
        || n == "code"
        || n.ends_with("_code")
        || n == "cookie"
}

#[derive(Debug, Default)]
pub struct Redactor {
    inner: RwLock<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    seen: HashSet<String>,
    /// Longest first, so a secret that contains another is masked whole.
    needles: Vec<String>,
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a secret and the encodings it travels in (base64,
    /// base64url, URL-encoded).
    pub fn add(&self, secret: &str) {
        let secret = secret.trim();
        if secret.chars().count() < MIN_LEN {
            return;
        }
        if self
            .inner
            .read()
            .map(|i| i.seen.contains(secret))
            .unwrap_or(false)
        {
            return;
        }
        let mut forms = vec![secret.to_string()];
        for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
            forms.push(engine.encode(secret));
        }
        forms.push(url::form_urlencoded::byte_serialize(secret.as_bytes()).collect());
        forms.push(minimal_percent_encode(secret));
        // A JSON-escaped copy (quotes, backslashes) as it appears inside JSON text.
        if let Ok(json) = serde_json::to_string(secret) {
            forms.push(json[1..json.len() - 1].to_string());
        }
        // `Bearer xyz` / `Basic xyz`: the credential alone travels elsewhere too.
        if let Some((scheme, rest)) = secret.split_once(' ')
            && matches!(scheme.to_ascii_lowercase().as_str(), "bearer" | "basic")
        {
            forms.push(rest.trim().to_string());
        }
        let Ok(mut inner) = self.inner.write() else {
            return;
        };
        inner.seen.insert(secret.to_string());
        for form in forms {
            if form.chars().count() >= MIN_LEN && !inner.needles.contains(&form) {
                inner.needles.push(form);
            }
        }
        inner.needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    }

    /// Registers every string inside a JSON value.
    pub fn add_value(&self, value: &serde_json::Value) {
        match value {
            serde_json::Value::String(s) => self.add(s),
            serde_json::Value::Array(items) => items.iter().for_each(|v| self.add_value(v)),
            serde_json::Value::Object(map) => map.values().for_each(|v| self.add_value(v)),
            serde_json::Value::Number(n) => self.add(&n.to_string()),
            _ => {}
        }
    }

    pub fn is_empty(&self) -> bool {
        self.inner
            .read()
            .map(|i| i.needles.is_empty())
            .unwrap_or(true)
    }

    /// The text with every secret (in any registered form) replaced by `•••`.
    pub fn redact(&self, text: &str) -> String {
        let Ok(inner) = self.inner.read() else {
            return MASK.to_string();
        };
        let mut out = text.to_string();
        for needle in &inner.needles {
            if out.contains(needle.as_str()) {
                out = out.replace(needle.as_str(), MASK);
            }
        }
        out
    }

    /// Redacts every string (and object key) of a JSON value in place.
    pub fn redact_value(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(s) => {
                let r = self.redact(s);
                if r != *s {
                    *s = r;
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.redact_value(v)),
            serde_json::Value::Object(map) => {
                let entries = std::mem::take(map);
                for (k, mut v) in entries {
                    self.redact_value(&mut v);
                    map.insert(self.redact(&k), v);
                }
            }
            serde_json::Value::Number(n) => {
                let text = n.to_string();
                if self.redact(&text) != text {
                    *value = serde_json::Value::String(MASK.into());
                }
            }
            _ => {}
        }
    }
}

/// Percent-encoding of only the characters `encodeURIComponent` escapes, so
/// a secret in a query string is found however the client encoded it.
fn minimal_percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_secret_and_its_encodings() {
        let r = Redactor::new();
        r.add("s3cr3t+/=value");
        let b64 = STANDARD.encode("s3cr3t+/=value");
        let url = URL_SAFE_NO_PAD.encode("s3cr3t+/=value");
        let text = format!("a s3cr3t+/=value b {b64} c {url} d s3cr3t%2B%2F%3Dvalue");
        let out = r.redact(&text);
        assert_eq!(out, "a ••• b ••• c ••• d •••");
    }

    #[test]
    fn short_values_are_not_masked() {
        let r = Redactor::new();
        r.add("ab");
        assert_eq!(r.redact("abc"), "abc");
    }

    #[test]
    fn bearer_credentials_mask_the_token_alone() {
        let r = Redactor::new();
        r.add("Bearer abc.def.ghi");
        assert_eq!(r.redact("token abc.def.ghi"), "token •••");
    }

    #[test]
    fn names_that_hold_credentials() {
        assert!(is_secret_name("access_token"));
        assert!(is_secret_name("code"));
        assert!(is_secret_name("client_secret"));
        assert!(!is_secret_name("id"));
        assert!(!is_secret_name("flow_id"));
    }
}

//! The one redaction layer. Every run keeps a `Redactor` of the secrets it
//! has seen, and every string leaving the process (console, progress, `-v`
//! dumps, failure messages, `--dry-run`, every report) goes through
//! [`Redactor::redact`].
//!
//! Secrets come from marks (inputs, captures and outputs marked `secret`),
//! taint (text rendered from a secret), names (credential-named fields of
//! any request or response, see [`names`]), headers (`Authorization`,
//! cookies) and shape (JWTs). Each is masked in every encoding it travels
//! in: raw, JSON-escaped, percent-encoded, base64 and base64url. Only the
//! value is replaced, so `"token_type": "Bearer"` and `?p=•••` stay readable.

pub mod names;
mod shapes;
mod views;

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::Value as Json;

pub use names::{is_secret_header, is_secret_name};

/// What a masked value prints as.
pub const MASK: &str = "•••";

/// Secrets this long or longer are masked wherever they appear. Shorter
/// ones (a 3-digit PIN) are masked only where they stand as a whole value
/// (a JSON string or number, a header, a form, query or cookie value):
/// masking every `12` inside other text would hide everything and protect
/// nothing.
pub const MIN_LEN: usize = 4;

#[derive(Debug, Default)]
pub struct Redactor {
    inner: RwLock<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Every registered secret, as given.
    seen: HashSet<String>,
    /// Secrets and their base64 forms, matched anywhere.
    needles: Vec<String>,
    /// The same, to keep `needles` free of repeats.
    needle_set: HashSet<String>,
    /// Secrets shorter than `MIN_LEN`, matched as whole values.
    short: Vec<String>,
    /// Extra credential field names (normalised), from specs' `secrets.fields`.
    fields: HashSet<String>,
    /// Built from `needles` on first use after a change, in two parts: an
    /// automaton over the first `len` needles and one over the rest. The
    /// first is rebuilt only once the rest outgrows half of it, so learning
    /// secrets one by one (a token per step) costs a few full builds in all,
    /// not one per secret.
    base: Option<(Arc<AhoCorasick>, usize)>,
    recent: Option<Arc<AhoCorasick>>,
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a secret value and the encodings it travels in.
    pub fn add(&self, secret: &str) {
        let secret = secret.trim();
        if secret.is_empty() || self.read(|i| i.seen.contains(secret)) {
            return;
        }
        // `Bearer xyz` / `Basic xyz`: the credential is the secret, so the
        // header still reads `Authorization: Bearer •••`.
        if let Some((scheme, rest)) = secret.split_once(' ')
            && is_auth_scheme(scheme)
            && !rest.trim().is_empty()
        {
            return self.learn_header("authorization", secret);
        }
        let mut forms = Vec::new();
        if secret.chars().count() >= MIN_LEN {
            forms.push(secret.to_string());
            for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
                forms.push(engine.encode(secret));
            }
        }
        let Ok(mut inner) = self.inner.write() else {
            return;
        };
        inner.seen.insert(secret.to_string());
        if forms.is_empty() {
            inner.short.push(secret.to_string());
        }
        for form in forms {
            if inner.needle_set.insert(form.clone()) {
                inner.needles.push(form);
                inner.recent = None;
            }
        }
    }

    /// Registers every string and number inside a JSON value.
    pub fn add_value(&self, value: &Json) {
        match value {
            Json::String(s) => self.add(s),
            Json::Array(items) => items.iter().for_each(|v| self.add_value(v)),
            Json::Object(map) => map.values().for_each(|v| self.add_value(v)),
            Json::Number(n) => self.add(&n.to_string()),
            _ => {}
        }
    }

    /// Adds field names (from a spec's `secrets.fields`) whose values are secret.
    pub fn add_fields<'a>(&self, names: impl IntoIterator<Item = &'a String>) {
        if let Ok(mut inner) = self.inner.write() {
            inner
                .fields
                .extend(names.into_iter().map(|n| names::field_key(n)));
        }
    }

    fn has_fields(&self) -> bool {
        self.read(|i| !i.fields.is_empty())
    }

    /// Whether values of a body field, form field or query parameter of this name are secret.
    pub fn is_secret_field(&self, name: &str) -> bool {
        is_secret_name(name)
            || self.read(|i| !i.fields.is_empty() && i.fields.contains(&names::field_key(name)))
    }

    /// Whether a field's value is a secret. A `code` that reads like an
    /// error code (`INVALID_DATA`) is PingOne's error shape, not an OAuth code.
    fn is_secret_pair(&self, name: &str, value: &str) -> bool {
        if name.eq_ignore_ascii_case("code")
            && value
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit())
            && value.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
        {
            return false;
        }
        self.is_secret_field(name)
    }

    /// Learns the secrets a JSON body carries under credential names, at any depth.
    pub fn learn_json(&self, value: &Json) {
        match value {
            Json::Object(map) => {
                for (k, v) in map {
                    match v {
                        Json::String(s) if self.is_secret_pair(k, s) => self.add(s),
                        Json::Number(n) if self.is_secret_field(k) => self.add(&n.to_string()),
                        _ => self.learn_json(v),
                    }
                }
            }
            Json::Array(items) => items.iter().for_each(|v| self.learn_json(v)),
            _ => {}
        }
    }

    /// Learns the secrets of a text: credential-named pairs (JSON, form,
    /// query, hidden inputs) and JWTs.
    pub fn learn_text(&self, text: &str) {
        for found in shapes::named_values(text.as_bytes(), self.has_fields(), |n, v| {
            self.is_secret_pair(n, v)
        }) {
            self.add(&found.value);
        }
        self.learn_jwts(text);
    }

    /// Learns the JWTs of a text (whose named fields were learned another way).
    pub fn learn_jwts(&self, text: &str) {
        for found in shapes::jwts(text.as_bytes()) {
            self.add(&found.value);
        }
    }

    /// Learns a form field or query parameter.
    pub fn learn_pair(&self, name: &str, value: &str) {
        if self.is_secret_pair(name, value) {
            self.add(value);
        }
    }

    /// Learns a header: credential headers register their credential
    /// (`Bearer xyz` -> `xyz`, each cookie's value), so the header still
    /// reads `Authorization: Bearer •••`.
    pub fn learn_header(&self, name: &str, value: &str) {
        let is = |h: &str| name.eq_ignore_ascii_case(h);
        if is("cookie") || is("set-cookie") {
            // `Cookie: a=1; b=2` carries several; `Set-Cookie: a=1; Path=/` one.
            let pairs = value
                .split(';')
                .take(if is("cookie") { usize::MAX } else { 1 });
            for pair in pairs {
                // `lang=en` is no credential, and masking every `en` would hurt.
                if let Some((_, v)) = pair.split_once('=')
                    && v.trim().trim_matches('"').chars().count() >= MIN_LEN
                {
                    self.add(v.trim().trim_matches('"'));
                }
            }
        } else if is_secret_header(name) {
            match value.trim().split_once(' ') {
                Some((scheme, credential)) if is_auth_scheme(scheme) => {
                    self.add(credential);
                    if scheme.eq_ignore_ascii_case("basic")
                        && let Some(pair) = STANDARD
                            .decode(credential.trim())
                            .ok()
                            .and_then(|b| String::from_utf8(b).ok())
                        // `Og==` is `:`, no user and no password: nothing to hide
                        // beyond the credential, and masking every `:` would garble output.
                        && pair.split_once(':').is_some_and(|(_, p)| !p.is_empty())
                    {
                        self.add(&pair);
                        if let Some((_, password)) = pair.split_once(':') {
                            self.add(password);
                        }
                    }
                }
                _ => self.add(value),
            }
        } else if is("location") || is("content-location") || is("refresh") || is("link") {
            // URLs: `?code=...`, `#access_token=...`.
            self.learn_text(value);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.read(|i| i.needles.is_empty() && i.short.is_empty())
    }

    /// How many registered secrets are shorter than [`MIN_LEN`].
    pub fn short_secrets(&self) -> usize {
        self.read(|i| i.short.len())
    }

    /// The text with every secret, in any encoding, replaced by `•••`.
    pub fn redact(&self, text: &str) -> String {
        if text.is_empty() {
            return String::new();
        }
        let matchers = self.matchers();
        let (short, any_name) = self.read(|i| (i.short.clone(), !i.fields.is_empty()));
        let bytes = text.as_bytes();
        // Nothing registered and no character a named pair, an escape or a
        // JWT needs: most step outputs (`item-42`) are done here.
        if matchers.is_empty()
            && short.is_empty()
            && !bytes
                .iter()
                .any(|b| matches!(b, b'=' | b':' | b'\\' | b'%' | b'+' | b'.'))
        {
            return text.to_string();
        }
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        let mut scan = |view: &[u8], map: &dyn Fn(usize, usize) -> (usize, usize)| {
            for m in &matchers {
                for found in m.find_iter(view) {
                    ranges.push(map(found.start(), found.end()));
                }
            }
            for found in shapes::named_values(view, any_name, |n, v| self.is_secret_pair(n, v)) {
                ranges.push(map(found.start, found.end));
            }
            for s in &short {
                for (start, end) in whole_values(view, s.as_bytes()) {
                    ranges.push(map(start, end));
                }
            }
        };
        scan(bytes, &|s, e| (s, e));
        let json = views::json_unescaped(bytes);
        if let Some(json) = &json {
            scan(&json.bytes, &|s, e| json.original(s, e));
            if let Some(pct) = views::percent_decoded(&json.bytes) {
                scan(&pct.bytes, &|s, e| {
                    let (s, e) = pct.original(s, e);
                    json.original(s, e)
                });
            }
        }
        if let Some(pct) = views::percent_decoded(bytes) {
            scan(&pct.bytes, &|s, e| pct.original(s, e));
        }
        for found in shapes::jwts(bytes) {
            ranges.push((found.start, found.end));
        }
        if ranges.is_empty() {
            return text.to_string();
        }
        mask(text, ranges)
    }

    /// Redacts every string (and object key) of a JSON value in place.
    pub fn redact_value(&self, value: &mut Json) {
        match value {
            Json::String(s) => {
                let r = self.redact(s);
                if r != *s {
                    *s = r;
                }
            }
            Json::Array(items) => items.iter_mut().for_each(|v| self.redact_value(v)),
            Json::Object(map) => {
                let entries = std::mem::take(map);
                for (k, mut v) in entries {
                    let secret_field = matches!(&v, Json::String(s) if self.is_secret_pair(&k, s))
                        || (v.is_number() && self.is_secret_field(&k));
                    if secret_field {
                        v = Json::String(MASK.into());
                    } else {
                        self.redact_value(&mut v);
                    }
                    map.insert(self.redact(&k), v);
                }
            }
            Json::Number(n) => {
                let text = n.to_string();
                if self.redact(&text) != text {
                    *value = Json::String(MASK.into());
                }
            }
            _ => {}
        }
    }

    fn read<T>(&self, f: impl FnOnce(&Inner) -> T) -> T
    where
        T: Default,
    {
        self.inner.read().map(|i| f(&i)).unwrap_or_default()
    }

    /// The automata over every needle: none, one or two.
    fn matchers(&self) -> Vec<Arc<AhoCorasick>> {
        // `None` while some needle is in neither automaton.
        let built = |i: &Inner| {
            let covered = i.base.as_ref().map_or(0, |(_, len)| *len);
            (covered == i.needles.len() || i.recent.is_some()).then(|| {
                let base = i.base.iter().map(|(m, _)| m.clone());
                base.chain(i.recent.clone()).collect()
            })
        };
        if let Some(m) = self.read(built) {
            return m;
        }
        let Ok(mut inner) = self.inner.write() else {
            return Vec::new();
        };
        let covered = inner.base.as_ref().map_or(0, |(_, len)| *len);
        let rest = inner.needles.len() - covered;
        if covered == 0 || rest * 2 > covered {
            inner.base = automaton(&inner.needles).map(|m| (m, inner.needles.len()));
            inner.recent = None;
        } else if rest > 0 && inner.recent.is_none() {
            inner.recent = automaton(&inner.needles[covered..]);
        }
        built(&inner).unwrap_or_default()
    }
}

/// Leftmost-longest, so a secret and its longer base64 form mask whole. A
/// contiguous NFA, not a DFA: a run adds secrets as it goes and rebuilds,
/// and a DFA over a few tokens' encodings takes milliseconds to build
/// (8 times as long), more than all the searching it would speed up.
fn automaton(needles: &[String]) -> Option<Arc<AhoCorasick>> {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .kind(Some(AhoCorasickKind::ContiguousNFA))
        .build(needles)
        .ok()
        .map(Arc::new)
}

fn is_auth_scheme(scheme: &str) -> bool {
    ["bearer", "basic", "token", "digest", "dpop", "negotiate"]
        .iter()
        .any(|s| scheme.eq_ignore_ascii_case(s))
}

/// Occurrences of a short secret that stand as a whole value: a JSON string
/// or number, a header value, a form, query or cookie value.
fn whole_values(text: &[u8], needle: &[u8]) -> Vec<(usize, usize)> {
    let opens = |at: usize| -> bool {
        at == 0
            || matches!(text[at - 1], b'"' | b'\'' | b'=')
            || (at >= 2 && &text[at - 2..at] == b": ")
            || text[at - 1] == b':'
    };
    let closes = |at: usize| -> bool {
        at == text.len()
            || matches!(
                text[at],
                b'"' | b'\'' | b'&' | b'#' | b';' | b',' | b'}' | b']' | b'\n' | b'\r' | b' '
            )
    };
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(pos) = find(&text[from..], needle) {
        let start = from + pos;
        let end = start + needle.len();
        if opens(start) && closes(end) {
            out.push((start, end));
        }
        from = start + 1;
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Replaces the merged ranges with the mask, on character boundaries.
fn mask(text: &str, mut ranges: Vec<(usize, usize)>) -> String {
    ranges.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut i = 0;
    while i < ranges.len() {
        let (mut start, mut end) = ranges[i];
        i += 1;
        while i < ranges.len() && ranges[i].0 <= end {
            end = end.max(ranges[i].1);
            i += 1;
        }
        while start > 0 && !text.is_char_boundary(start) {
            start -= 1;
        }
        start = start.max(at);
        let mut end = end.min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        if end <= start {
            continue;
        }
        out.push_str(&text[at..start]);
        out.push_str(MASK);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests;

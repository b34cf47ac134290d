//! Every value a request sends, in one walk: path segments, query and form
//! values, JSON leaves, header values (the credentials after an
//! `Authorization` scheme, both halves of `Basic`), and the secrets the
//! redaction layer finds in a raw body. A caller decides what each
//! becomes; the walk puts its answer in place and keeps the literal where
//! it has none.

use base64::Engine;
use indexmap::IndexMap;
use serde_json::Value as Json;

use super::exchange::{Body, Exchange};
use super::values::{MASK, id_like};
use crate::redact::Redactor;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Path,
    Query,
    Form,
    Json,
    Header,
    BasicUser,
    BasicPassword,
    Bearer,
    /// A secret found inside a raw body; `name` is the field it followed.
    Raw,
}

/// Where a value is sent: `name` is its field, its header, or the path
/// segment before it.
#[derive(Debug, Clone, Copy)]
pub struct Site<'a> {
    pub place: Place,
    pub name: &'a str,
}

/// A request with its values replaced by templates.
#[derive(Debug, Default)]
pub struct Rewritten {
    /// The path, with templates.
    pub path: String,
    /// The path's segments, `None` where a value stands.
    pub words: Vec<Option<String>>,
    pub query: IndexMap<String, Json>,
    pub headers: IndexMap<String, String>,
    pub json: Option<Json>,
    pub form: Option<IndexMap<String, Json>>,
    pub body: Option<String>,
}

/// Headers a client sets by itself, or that only a browser sends.
const DROPPED: &[&str] = &[
    "host",
    "content-length",
    "cookie",
    "connection",
    "accept-encoding",
    "accept-language",
    "user-agent",
    "origin",
    "referer",
    "cache-control",
    "pragma",
    "upgrade-insecure-requests",
    "dnt",
    "priority",
    "te",
    "keep-alive",
    "if-none-match",
    "if-modified-since",
];

/// Calls `f` on every value `x` sends; `Some(template)` replaces the value.
pub fn rewrite(x: &Exchange, f: &mut dyn FnMut(&str, Site<'_>) -> Option<String>) -> Rewritten {
    let mut out = Rewritten::default();
    let mut prev = String::new();
    for seg in x.url.path_segments().into_iter().flatten() {
        if seg.is_empty() {
            continue;
        }
        let decoded = percent_decode(seg);
        let site = Site {
            place: Place::Path,
            name: &prev,
        };
        out.path.push('/');
        match f(&decoded, site) {
            Some(t) => {
                out.path.push_str(&t);
                out.words.push(None);
            }
            None => {
                out.path.push_str(seg);
                out.words
                    .push((!id_like(&decoded)).then(|| decoded.clone()));
            }
        }
        prev = decoded;
    }
    if out.path.is_empty() || x.url.path().ends_with('/') && out.path != "/" {
        out.path.push('/');
    }
    for (k, v) in x.url.query_pairs() {
        let site = Site {
            place: Place::Query,
            name: &k,
        };
        let value = Json::String(f(&v, site).unwrap_or_else(|| literal(&v)));
        push_repeated(&mut out.query, &k, value);
    }
    let media_type = x.header("content-type").unwrap_or("").to_ascii_lowercase();
    for (name, value) in &x.headers {
        let lower = name.to_ascii_lowercase();
        if DROPPED.contains(&lower.as_str())
            || lower.starts_with("sec-")
            || lower.starts_with(':')
            || (lower == "accept" && value == "*/*")
            || (lower == "content-type" && implied_type(&x.body, &media_type))
        {
            continue;
        }
        let value = if lower == "authorization" || lower == "proxy-authorization" {
            authorization(value, f)
        } else {
            let site = Site {
                place: Place::Header,
                name,
            };
            f(value, site).unwrap_or_else(|| literal(value))
        };
        out.headers.insert(name.clone(), value);
    }
    match &x.body {
        Body::None => {}
        Body::Json(v) => out.json = Some(json(v, "", f)),
        Body::Form(pairs) => {
            let mut form = IndexMap::new();
            for (k, v) in pairs {
                let site = Site {
                    place: Place::Form,
                    name: k,
                };
                let value = Json::String(f(v, site).unwrap_or_else(|| literal(v)));
                push_repeated(&mut form, k, value);
            }
            out.form = Some(form);
        }
        Body::Raw(text) => out.body = Some(raw(text, f)),
    }
    out
}

/// A `Content-Type` that `json:` or `form:` sets anyway.
fn implied_type(body: &Body, media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or("").trim();
    match body {
        Body::Json(_) => essence == "application/json",
        Body::Form(_) => essence == "application/x-www-form-urlencoded",
        _ => false,
    }
}

fn authorization(value: &str, f: &mut dyn FnMut(&str, Site<'_>) -> Option<String>) -> String {
    let (scheme, credentials) = value.split_once(' ').unwrap_or(("", value));
    // A masked header (a shared HAR file) hides both halves.
    let decoded = match credentials.trim() {
        MASK => Some((MASK.to_string(), MASK.to_string())),
        c => base64::engine::general_purpose::STANDARD
            .decode(c)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|t| {
                t.split_once(':')
                    .map(|(u, p)| (u.to_string(), p.to_string()))
            }),
    };
    if scheme.eq_ignore_ascii_case("basic")
        && let Some((user, password)) = decoded
    {
        let user_site = Site {
            place: Place::BasicUser,
            name: "username",
        };
        let password_site = Site {
            place: Place::BasicPassword,
            name: "password",
        };
        let u = expression(f(&user, user_site), &user);
        let p = expression(f(&password, password_site), &password);
        return format!("{{{{ basic_auth({u}, {p}) }}}}");
    }
    if scheme.eq_ignore_ascii_case("bearer") {
        let site = Site {
            place: Place::Bearer,
            name: "authorization",
        };
        let token = credentials.trim();
        return format!(
            "{scheme} {}",
            f(token, site).unwrap_or_else(|| literal(token))
        );
    }
    let site = Site {
        place: Place::Header,
        name: "authorization",
    };
    // `Token xyz`, `Digest username="a", response="..."`: the scheme word
    // stays readable, what follows it is the credential.
    let is_scheme = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    let credentials = credentials.trim();
    if is_scheme && !credentials.is_empty() {
        let t = f(credentials, site).unwrap_or_else(|| literal(credentials));
        return format!("{scheme} {t}");
    }
    f(value, site).unwrap_or_else(|| literal(value))
}

/// A raw body with each secret the redaction layer finds in it (a
/// credential-named pair, a JWT) handed to `f`; where `f` has no answer
/// the secret is masked, never written.
fn raw(text: &str, f: &mut dyn FnMut(&str, Site<'_>) -> Option<String>) -> String {
    let redactor = Redactor::new();
    redactor.learn_text(text);
    let masked = redactor.redact(text);
    if masked == text {
        return literal(text);
    }
    let Some(pieces) = secrets_between(text, &masked) else {
        // The masks cannot be placed back: the whole body is the secret.
        let site = Site {
            place: Place::Raw,
            name: "body",
        };
        return f(text, site).unwrap_or_else(|| MASK.to_string());
    };
    let name_before = regex::Regex::new(r#"([A-Za-z_][A-Za-z0-9_.$-]*)["']?\s*[:=]\s*["']?$"#)
        .expect("valid regex");
    let mut out = String::new();
    let mut consumed = 0;
    for (plain, secret) in pieces {
        out.push_str(&literal(plain));
        consumed += plain.len();
        if let Some(secret) = secret {
            let before = &text[..consumed];
            let name = name_before
                .captures(before)
                .and_then(|c| c.get(1))
                .map_or("secret", |m| m.as_str());
            let site = Site {
                place: Place::Raw,
                name,
            };
            out.push_str(&f(secret, site).unwrap_or_else(|| MASK.to_string()));
            consumed += secret.len();
        }
    }
    out
}

/// `text` cut at the secrets `masked` (the same text, each secret replaced
/// by [`MASK`]) hides: plain runs, each followed by the secret after it.
fn secrets_between<'a>(text: &'a str, masked: &str) -> Option<Vec<(&'a str, Option<&'a str>)>> {
    let parts: Vec<&str> = masked.split(MASK).collect();
    let mut out = Vec::new();
    let mut rest = text;
    let first = rest.strip_prefix(parts[0])?;
    let mut plain = &text[..parts[0].len()];
    rest = first;
    for (k, part) in parts.iter().enumerate().skip(1) {
        let last = k == parts.len() - 1;
        // Adjacent masks: one secret, up to the next plain run.
        if part.is_empty() && !last {
            continue;
        }
        let end = if last {
            rest.len()
                .checked_sub(part.len())
                .filter(|&e| rest[e..] == **part)?
        } else {
            rest.find(part)?
        };
        if end == 0 {
            return None;
        }
        out.push((plain, Some(&rest[..end])));
        plain = &rest[end..end + part.len()];
        rest = &rest[end + part.len()..];
    }
    out.push((plain, None));
    Some(out)
}

/// The expression inside a template that is one `{{ expr }}`, else the
/// literal as a quoted string.
pub fn expression(template: Option<String>, literal: &str) -> String {
    if let Some(t) = &template
        && let Some(inner) = t.strip_prefix("{{ ").and_then(|t| t.strip_suffix(" }}"))
        && !inner.contains("}}")
    {
        return inner.to_string();
    }
    let text = template.as_deref().unwrap_or(literal);
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn json(v: &Json, key: &str, f: &mut dyn FnMut(&str, Site<'_>) -> Option<String>) -> Json {
    match v {
        Json::String(s) => {
            let site = Site {
                place: Place::Json,
                name: key,
            };
            Json::String(f(s, site).unwrap_or_else(|| literal(s)))
        }
        Json::Array(items) => Json::Array(items.iter().map(|i| json(i, key, f)).collect()),
        Json::Object(map) => Json::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), json(v, k, f)))
                .collect(),
        ),
        // Numbers too: a PIN, a one-time code, an id a response gave.
        Json::Number(n) => {
            let site = Site {
                place: Place::Json,
                name: key,
            };
            f(&n.to_string(), site).map_or_else(|| v.clone(), Json::String)
        }
        other => other.clone(),
    }
}

fn push_repeated(map: &mut IndexMap<String, Json>, key: &str, value: Json) {
    match map.get_mut(key) {
        Some(Json::Array(items)) => items.push(value),
        Some(old) => *old = Json::Array(vec![old.clone(), value]),
        None => {
            map.insert(key.to_string(), value);
        }
    }
}

/// Text kept as it was recorded: no template syntax in it is ever evaluated.
pub use crate::template::literal;

/// `%2F` -> `/`; invalid escapes are kept as written.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_text_never_becomes_template_syntax() {
        assert_eq!(literal("plain {x}"), "plain {x}");
        assert_eq!(literal("a{{b}}"), "a{{ '{{' }}b}}");
        assert_eq!(literal("{%if%}{#c#}"), "{{ '{%' }}if%}{{ '{#' }}c#}");
        assert_eq!(percent_decode("a%2Fb%zz"), "a/b%zz");
        assert_eq!(
            expression(Some("{{ steps.a.outputs.id }}".into()), "x"),
            "steps.a.outputs.id"
        );
        assert_eq!(expression(None, "it's"), "'it\\'s'");
    }

    #[test]
    fn secrets_of_a_raw_body_are_handed_over_and_never_kept() {
        let x = Exchange {
            title: None,
            method: crate::spec::model::Method::POST,
            url: url::Url::parse("http://h/login").unwrap(),
            headers: vec![],
            body: Body::Raw("user=alice password=hunter22x mode=1".into()),
            response: None,
            started_ms: None,
        };
        let mut seen = Vec::new();
        let rw = rewrite(&x, &mut |v, site| {
            if site.place == Place::Raw {
                seen.push((v.to_string(), site.place, site.name.to_string()));
            }
            None
        });
        assert_eq!(
            seen,
            [("hunter22x".to_string(), Place::Raw, "password".to_string())]
        );
        assert_eq!(rw.body.as_deref(), Some("user=alice password=••• mode=1"));
        assert_eq!(
            secrets_between("a=xy&b=zz", "a=•••&b=•••"),
            Some(vec![("a=", Some("xy")), ("&b=", Some("zz")), ("", None)])
        );
    }
}

//! Where each value of a recorded response can be captured from: a JSON
//! leaf (a JSONPath), a parameter of the `Location` URL, another header,
//! or a hidden form field of an HTML page (a regex). `Set-Cookie` values
//! are left out: the client's cookie jar carries them.

use std::collections::HashMap;

use serde_json::Value as Json;

use super::exchange::Seen;
use crate::formats::names::snake;
use crate::spec::model::CaptureSpec;

/// A capture and the output name it suggests.
#[derive(Debug, Clone)]
pub struct Source {
    pub capture: CaptureSpec,
    pub name: String,
    /// JSON depth; a shallower path wins when a value appears twice.
    depth: usize,
    /// A JSON integer (`"id": 123456`), written as text when sent in a path.
    pub number: bool,
}

impl Source {
    /// A JSON field at the top of the body: `$.name`.
    pub fn field(name: &str) -> Self {
        Self {
            capture: CaptureSpec {
                json: Some(format!("$.{name}")),
                ..CaptureSpec::default()
            },
            name: name.to_string(),
            depth: 1,
            number: false,
        }
    }
}

/// Headers whose values say nothing a later request could send back.
const PLAIN_HEADERS: &[&str] = &[
    "set-cookie",
    "date",
    "content-type",
    "content-length",
    "server",
    "connection",
    "cache-control",
    "pragma",
    "expires",
    "vary",
    "keep-alive",
    "transfer-encoding",
];

/// Every value of `seen` with where to capture it.
pub fn index(seen: &Seen, request_url: &url::Url) -> HashMap<String, Source> {
    let mut out: HashMap<String, Source> = HashMap::new();
    let mut put = |value: String, source: Source| {
        if value.is_empty() {
            return;
        }
        match out.get(&value) {
            Some(old) if old.depth <= source.depth => {}
            _ => {
                out.insert(value, source);
            }
        }
    };
    if let Some(json) = &seen.json {
        leaves(json, "$", "", 0, &mut put);
    }
    for (name, value) in &seen.headers {
        let name = name.to_ascii_lowercase();
        if PLAIN_HEADERS.contains(&name.as_str()) {
            continue;
        }
        let header = capitalized(&name);
        if name == "location"
            && let Ok(url) = request_url.join(value)
        {
            for (k, v) in url.query_pairs() {
                put(v.into_owned(), header_source(&header, Some(&k), None));
            }
            if let Some(fragment) = url.fragment() {
                for (k, v) in url::form_urlencoded::parse(fragment.as_bytes()) {
                    put(v.into_owned(), header_source(&header, None, Some(&k)));
                }
            }
        }
        put(value.clone(), header_source(&header, None, None));
    }
    if seen.json.is_none() && seen.text.contains("<input") {
        for (name, value, regex) in hidden_fields(&seen.text) {
            let capture = CaptureSpec {
                body: true,
                regex: Some(regex),
                ..CaptureSpec::default()
            };
            put(
                value,
                Source {
                    capture,
                    name: snake(&name),
                    depth: 0,
                    number: false,
                },
            );
        }
    }
    out
}

fn leaves(json: &Json, path: &str, key: &str, depth: usize, put: &mut impl FnMut(String, Source)) {
    let at = |number| Source {
        capture: CaptureSpec {
            json: Some(path.to_string()),
            ..CaptureSpec::default()
        },
        name: if key.is_empty() {
            "value".into()
        } else {
            snake(key)
        },
        depth,
        number,
    };
    match json {
        Json::String(s) => put(s.clone(), at(false)),
        // Integers are ids too (`{"id": 123456}` then `/orders/123456`);
        // [`super::values::meaningful`] keeps short counts and flags out.
        Json::Number(n) if n.is_i64() || n.is_u64() => put(n.to_string(), at(true)),
        Json::Object(map) => {
            for (k, v) in map {
                let p = if is_identifier(k) {
                    format!("{path}.{k}")
                } else {
                    format!("{path}['{}']", k.replace('\'', "\\'"))
                };
                leaves(v, &p, k, depth + 1, put);
            }
        }
        Json::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                leaves(v, &format!("{path}[{i}]"), key, depth + 1, put);
            }
        }
        _ => {}
    }
}

fn is_identifier(k: &str) -> bool {
    k.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn header_source(header: &str, query: Option<&str>, fragment: Option<&str>) -> Source {
    let name = snake(query.or(fragment).unwrap_or(header));
    Source {
        capture: CaptureSpec {
            header: Some(header.to_string()),
            query: query.map(str::to_string),
            fragment: fragment.map(str::to_string),
            ..CaptureSpec::default()
        },
        name,
        depth: 0,
        number: false,
    }
}

/// `location` -> `Location`, `x-flow-id` -> `X-Flow-Id`.
fn capitalized(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// `<input name="csrf" value="...">` fields: name, value and a regex that
/// captures the value, written in the order the attributes came in.
fn hidden_fields(html: &str) -> Vec<(String, String, String)> {
    let tag = regex::Regex::new(r"(?is)<input\b[^>]*>").expect("valid regex");
    let attr = regex::Regex::new(r#"(?is)\b(name|value)\s*=\s*"([^"]*)""#).expect("valid regex");
    let mut out = Vec::new();
    for t in tag.find_iter(html) {
        let mut name = None;
        let mut value = None;
        let mut name_first = false;
        for a in attr.captures_iter(t.as_str()) {
            match a[1].to_ascii_lowercase().as_str() {
                "name" => {
                    name_first = value.is_none();
                    name = Some(a[2].to_string());
                }
                _ => value = Some(a[2].to_string()),
            }
        }
        if let (Some(name), Some(value)) = (name, value) {
            let n = regex::escape(&name);
            let regex = if name_first {
                format!(r#"name="{n}"[^>]*value="([^"]*)""#)
            } else {
                format!(r#"value="([^"]*)"[^>]*name="{n}""#)
            };
            out.push((name, value, regex));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_found_in_json_location_and_html() {
        let seen = Seen {
            status: 302,
            headers: vec![(
                "location".into(),
                "/signon?flowId=abc123def&x=1#access_token=tok12345".into(),
            )],
            text: r#"<form><input type="hidden" name="csrf" value="k9k9k9k9k9"></form>"#.into(),
            json: None,
        };
        let url = url::Url::parse("http://h/as/authorize").unwrap();
        let found = index(&seen, &url);
        let flow = &found["abc123def"].capture;
        assert_eq!(
            (flow.header.as_deref(), flow.query.as_deref()),
            (Some("Location"), Some("flowId"))
        );
        assert_eq!(
            found["tok12345"].capture.fragment.as_deref(),
            Some("access_token")
        );
        let csrf = &found["k9k9k9k9k9"];
        assert_eq!(csrf.name, "csrf");
        let re = regex::Regex::new(csrf.capture.regex.as_deref().unwrap()).unwrap();
        assert_eq!(&re.captures(&seen.text).unwrap()[1], "k9k9k9k9k9");
        let json = Seen {
            status: 200,
            headers: vec![],
            text: String::new(),
            json: Some(
                serde_json::json!({"a": {"id": "x1234567"}, "id": "x1234567", "odd-key": ["q"]}),
            ),
        };
        let found = index(&json, &url);
        assert_eq!(found["x1234567"].capture.json.as_deref(), Some("$.id"));
        assert_eq!(found["q"].capture.json.as_deref(), Some("$['odd-key'][0]"));
        let numbers = Seen {
            json: Some(serde_json::json!({"order": {"id": 123456}})),
            ..json
        };
        let found = index(&numbers, &url);
        assert!(found["123456"].number);
        assert_eq!(found["123456"].capture.json.as_deref(), Some("$.order.id"));
    }
}

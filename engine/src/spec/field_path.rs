//! Field paths such as `steps.token.request.json.grantTypes[0]`, the common
//! key between JSON Schema errors, semantic checks and the source map.

use std::fmt::Write;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// Appends one segment to a displayed path.
pub fn push(path: &str, segment: &Segment) -> String {
    let mut out = String::with_capacity(path.len() + 16);
    out.push_str(path);
    match segment {
        Segment::Index(i) => {
            let _ = write!(out, "[{i}]");
        }
        Segment::Key(k) if is_plain(k) => {
            if !path.is_empty() {
                out.push('.');
            }
            out.push_str(k);
        }
        Segment::Key(k) => {
            let _ = write!(out, "[{}]", serde_json::Value::String(k.clone()));
        }
    }
    out
}

pub fn key(path: &str, key: &str) -> String {
    push(path, &Segment::Key(key.to_string()))
}

pub fn join<'a>(segments: impl IntoIterator<Item = &'a Segment>) -> String {
    segments.into_iter().fold(String::new(), |p, s| push(&p, s))
}

fn is_plain(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Converts a JSON pointer into segments, using the instance to tell list indexes from keys.
pub fn from_pointer(instance: &serde_json::Value, pointer: &str) -> Vec<Segment> {
    let mut node = Some(instance);
    let mut out = Vec::new();
    for raw in pointer.split('/').skip(1) {
        let token = raw.replace("~1", "/").replace("~0", "~");
        match node {
            Some(serde_json::Value::Array(items)) => {
                let i: usize = token.parse().unwrap_or(usize::MAX);
                node = items.get(i);
                out.push(Segment::Index(i));
            }
            Some(serde_json::Value::Object(map)) => {
                node = map.get(&token);
                out.push(Segment::Key(token));
            }
            _ => {
                node = None;
                out.push(Segment::Key(token));
            }
        }
    }
    out
}

/// Where the checks are in a spec as they descend, written out as a field
/// path only when a diagnostic names it: formatting one for every field
/// would cost more than checking the fields of a large spec.
#[derive(Debug, Clone, Copy)]
pub enum At<'p> {
    /// Where the descent starts, as written (`inputs`, `steps`).
    Top(&'p str),
    /// `.name` as written, whatever it holds (step ids, input names).
    Field(&'p At<'p>, &'p str),
    /// A key as [`key`] writes it, quoted when it is not plain.
    Key(&'p At<'p>, &'p str),
    Index(&'p At<'p>, usize),
}

impl<'p> At<'p> {
    pub fn field(&'p self, name: &'p str) -> At<'p> {
        At::Field(self, name)
    }
    pub fn key(&'p self, key: &'p str) -> At<'p> {
        At::Key(self, key)
    }
    pub fn index(&'p self, index: usize) -> At<'p> {
        At::Index(self, index)
    }
}

impl std::fmt::Display for At<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            At::Top(top) => f.write_str(top),
            At::Field(parent, name) => write!(f, "{parent}.{name}"),
            At::Key(parent, name) => f.write_str(&key(&parent.to_string(), name)),
            At::Index(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_descent_writes_what_the_path_functions_write() {
        let steps = At::Top("steps");
        let step = steps.field("token");
        let body = step.field("expect.body");
        assert_eq!(
            body.key("$.token_type").to_string(),
            key(&format!("{step}.expect.body"), "$.token_type")
        );
        let json = step.field("request.json");
        let types = json.key("grantTypes");
        assert_eq!(
            types.index(0).key("a b").to_string(),
            r#"steps.token.request.json.grantTypes[0]["a b"]"#
        );
        assert_eq!(steps.field("not an id").to_string(), "steps.not an id");
    }

    #[test]
    fn displays_keys_indexes_and_odd_keys() {
        let p = key("", "steps");
        let p = key(&p, "token");
        let p = key(&p, "expect");
        let p = key(&p, "body");
        assert_eq!(
            key(&p, "$.token_type"),
            r#"steps.token.expect.body["$.token_type"]"#
        );
        assert_eq!(
            push("json.grantTypes", &Segment::Index(0)),
            "json.grantTypes[0]"
        );
    }
}

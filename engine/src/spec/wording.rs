//! The YAML reader's and the deserializer's errors in caseflow's words: no
//! crate advice, no Rust type names. Each takes the library's error and
//! returns the field path it concerns and the message a spec author reads.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::field_path::{self, Segment};
use super::model::{CaptureSpec, RetryPolicy, StatusPattern, WorkflowOutputSpec};
use super::schema::show;

/// The error itself, without the snippet and alias wrappers around it.
pub fn original(mut e: &serde_saphyr::Error) -> &serde_saphyr::Error {
    use serde_saphyr::Error as E;
    while let E::AliasError { error, .. } | E::WithSnippet { error, .. } = e {
        e = error;
    }
    e
}

/// A YAML reading error (syntax, duplicate key, tag, several documents).
pub fn yaml(e: &serde_saphyr::Error) -> String {
    use serde_saphyr::Error as E;
    match original(e) {
        E::MultipleDocuments { .. } => {
            "a second YAML document starts here; caseflow reads one document per file (put each spec in its own file)"
                .into()
        }
        E::UnsupportedTag { tag, .. } => format!(
            "unknown YAML tag `{tag}`: caseflow files use no tags (to share parts of specs, use `extends` or `uses`)"
        ),
        E::DuplicateMappingKey { key, .. } => match key {
            Some(k) => format!("duplicate key `{k}`"),
            None => "duplicate key".into(),
        },
        E::Eof { .. } => "unexpected end of the file".into(),
        E::InvalidUtf8Input => "the file is not UTF-8 text".into(),
        E::Budget { .. }
        | E::AliasReplayLimitExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. }
        | E::AliasReplayStackDepthExceeded { .. }
        | E::AliasReplayCounterOverflow { .. } => {
            "the aliases (`*name`) here expand into too large a document".into()
        }
        E::UnknownAnchor { .. } => "alias to an anchor (`&name`) that is not defined before it".into(),
        E::InvalidBooleanStrict { .. } => "expected true or false".into(),
        other => {
            let message = other.to_string();
            // The message repeats the position; the diagnostic already shows it.
            match message.find(" at line ") {
                Some(i) => message[..i].to_string(),
                None => message,
            }
        }
    }
}

/// A deserialization error of a document the schema accepted (a number that
/// is not whole or too large, an alternative that fits no form). Returns the
/// field path and the message.
pub fn model(e: &serde_path_to_error::Error<serde_json::Error>, root: &Value) -> (String, String) {
    let (segments, value) = locate(e.path(), root);
    let path = field_path::join(&segments);
    let message = e.inner().to_string();
    let Some(value) = value else {
        return (path, plain_types(&message));
    };
    if let Some(name) = message.strip_prefix("data did not match any variant of untagged enum ") {
        return untagged(name.trim(), &path, value);
    }
    (
        path,
        number(&message, value).unwrap_or_else(|| plain_types(&message)),
    )
}

/// The segments of a deserializer path, and the value found there.
fn locate<'a>(
    path: &serde_path_to_error::Path,
    root: &'a Value,
) -> (Vec<Segment>, Option<&'a Value>) {
    use serde_path_to_error::Segment as S;
    let mut node = Some(root);
    let mut out = Vec::new();
    for segment in path {
        match segment {
            S::Seq { index } => {
                node = node.and_then(|n| n.get(*index));
                out.push(Segment::Index(*index));
            }
            S::Map { key } => {
                node = node.and_then(|n| n.get(key));
                out.push(Segment::Key(key.clone()));
            }
            S::Enum { .. } | S::Unknown => {}
        }
    }
    (out, node)
}

/// An untagged alternative that fit no form: the struct form is read again
/// on its own to find the field at fault; otherwise the forms are named.
fn untagged(name: &str, path: &str, value: &Value) -> (String, String) {
    let nested = |found: Option<(String, String)>, fallback: String| {
        found.unwrap_or_else(|| (path.to_string(), fallback))
    };
    match name {
        "Retry" => match value {
            Value::Object(_) => nested(
                inner::<RetryPolicy>(path, value),
                "expected a retry policy `{ attempts, backoff, max_backoff, on }`".into(),
            ),
            _ => (
                path.to_string(),
                whole("a number of attempts like 3, or a retry policy", value),
            ),
        },
        "StatusExpect" | "StatusPattern" => match value {
            Value::Array(items) => {
                let bad = items
                    .iter()
                    .position(|v| serde_json::from_value::<StatusPattern>(v.clone()).is_err());
                match bad {
                    Some(i) => (
                        field_path::push(path, &Segment::Index(i)),
                        whole(STATUS, &items[i]),
                    ),
                    None => (path.to_string(), whole(STATUS, value)),
                }
            }
            _ => (path.to_string(), whole(STATUS, value)),
        },
        "Capture" => nested(
            inner::<CaptureSpec>(path, value),
            format!(
                "{} is not a capture (a JSONPath like `$.id`, or `{{ json, header, cookie, ... }}`)",
                show(value)
            ),
        ),
        "WorkflowOutput" => nested(
            inner::<WorkflowOutputSpec>(path, value),
            format!(
                "{} is not an output (a template, or `{{ value, secret }}`)",
                show(value)
            ),
        ),
        "Group" => (
            path.to_string(),
            whole("a group number like 1, or a group name", value),
        ),
        _ => (
            path.to_string(),
            format!(
                "{} does not fit here (`caseflow schema` shows the allowed forms)",
                show(value)
            ),
        ),
    }
}

const STATUS: &str = "a status code like 201 (100 to 599), a class like 2xx, or a list of those";

/// The error of reading `value` as `T` alone, at its path below `path`.
fn inner<T: DeserializeOwned>(path: &str, value: &Value) -> Option<(String, String)> {
    let e = serde_path_to_error::deserialize::<_, T>(value).err()?;
    let (sub, rest) = model(&e, value);
    let full = if sub.is_empty() {
        path.to_string()
    } else if sub.starts_with('[') {
        format!("{path}{sub}")
    } else {
        format!("{path}.{sub}")
    };
    Some((full, rest))
}

/// "expected X, found 1.5" for numbers that are not whole or out of range.
fn whole(expected: &str, value: &Value) -> String {
    match value {
        Value::Number(n) if n.is_f64() => {
            format!("expected {expected}, found {n} (not a whole number)")
        }
        Value::Number(n) => format!("expected {expected}, found {n} (out of range)"),
        other => format!("expected {expected}, found {}", show(other)),
    }
}

/// serde's numeric complaints: `invalid type: floating point `1.5`, expected
/// u32` and `invalid value: integer `99999999999`, expected u32`.
fn number(message: &str, value: &Value) -> Option<String> {
    let Value::Number(n) = value else {
        return None;
    };
    let expected = message.rsplit("expected ").next()?.trim();
    let max = integer_max(expected)?;
    Some(if n.is_f64() {
        format!("expected a whole number, found {n}")
    } else if n.as_i64().is_some_and(|i| i < 0) {
        format!("expected a number from 0 to {max}, found {n}")
    } else {
        format!("{n} is too large (at most {max})")
    })
}

fn integer_max(rust_type: &str) -> Option<u64> {
    Some(match rust_type {
        "u8" => u8::MAX.into(),
        "u16" => u16::MAX.into(),
        "u32" => u32::MAX.into(),
        "u64" | "usize" => u64::MAX,
        _ => return None,
    })
}

/// Whatever else serde says, with its Rust type names in words.
fn plain_types(message: &str) -> String {
    let mut out = message.to_string();
    for (rust, words) in [
        ("u8", "a whole number"),
        ("u16", "a whole number"),
        ("u32", "a whole number"),
        ("u64", "a whole number"),
        ("usize", "a whole number"),
        ("i32", "a whole number"),
        ("i64", "a whole number"),
        ("f64", "a number"),
        ("a map", "an object"),
        ("a sequence", "a list"),
    ] {
        out = out.replace(&format!("expected {rust}"), &format!("expected {words}"));
    }
    out
}

//! The JSON Schema of specs: generated from the model, validated against
//! each file before deserialization, errors turned into diagnostics.

use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use super::field_path::{self, Segment};
use super::model::Spec;
use super::suggest;

/// The schema document, as committed in `schemas/workflow.schema.json`.
pub fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(generate)
}

fn generate() -> Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(Spec)).expect("schema serializes");
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("title".into(), "caseflow workflow spec".into());
    }
    schema
}

/// The schema as pretty JSON with a trailing newline.
pub fn schema_text() -> String {
    let mut text = serde_json::to_string_pretty(schema()).expect("schema serializes");
    text.push('\n');
    text
}

fn validator() -> &'static Validator {
    static VALIDATOR: OnceLock<Validator> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| jsonschema::validator_for(schema()).expect("generated schema compiles"))
}

/// Whether a spec that deserialized into the model also meets the schema's
/// constraints the types cannot express (ranges, patterns, the lenient
/// scalar-to-string conversions of untagged status patterns).
pub fn model_is_conformant(spec: &Spec) -> bool {
    use super::model::{Retry, StatusExpect, StatusPattern, Step};
    let name_ok =
        spec.name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && spec.name.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
            });
    let status_ok = |p: &StatusPattern| match p {
        StatusPattern::Code(c) => (100..=599).contains(c),
        StatusPattern::Class(c) => {
            c.len() == 3 && c.ends_with("xx") && matches!(c.as_bytes()[0], b'1'..=b'5')
        }
    };
    let step_ok = |step: &Step| {
        let statuses = match step.expect.as_ref().and_then(|e| e.status.as_ref()) {
            None => true,
            Some(StatusExpect::One(p)) => status_ok(p),
            Some(StatusExpect::Any(ps)) => ps.iter().all(status_ok),
        };
        let attempts = match step.retry.as_deref() {
            Some(Retry::Attempts(n)) => *n >= 1,
            Some(Retry::Policy(p)) => p.attempts >= 1,
            None => true,
        };
        statuses
            && attempts
            && step.concurrency.is_none_or(|c| c >= 1)
            && step
                .until
                .as_ref()
                .is_none_or(|u| u.max_attempts.is_none_or(|m| m >= 1))
    };
    spec.version == 1
        && name_ok
        && spec
            .steps
            .values()
            .chain(spec.cleanup.values())
            .all(step_ok)
}

/// A schema violation: where (field path), whether the key or the value is at fault, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    pub path: String,
    pub at_key: bool,
    pub message: String,
    /// The diagnostic code, see [`super::codes`].
    pub code: &'static str,
}

pub fn validate(instance: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    for error in validator().iter_errors(instance) {
        describe(&error, instance, &mut out);
    }
    out
}

fn describe(error: &ValidationError<'_>, instance: &Value, out: &mut Vec<Violation>) {
    let segments = field_path::from_pointer(instance, error.instance_path().as_str());
    let path = field_path::join(&segments);
    use super::codes;
    let code = match error.kind() {
        ValidationErrorKind::AdditionalProperties { .. } => codes::UNKNOWN_FIELD,
        ValidationErrorKind::Required { .. } => codes::MISSING_FIELD,
        ValidationErrorKind::Type { .. } => codes::WRONG_TYPE,
        ValidationErrorKind::Enum { .. } => codes::NOT_ALLOWED,
        ValidationErrorKind::Pattern { .. } => codes::BAD_PATTERN,
        ValidationErrorKind::Maximum { .. } | ValidationErrorKind::Minimum { .. }
            if path == "version" =>
        {
            codes::VERSION
        }
        ValidationErrorKind::Maximum { .. } | ValidationErrorKind::Minimum { .. } => {
            codes::BAD_NUMBER
        }
        _ => codes::WRONG_TYPE,
    };
    let at = |message: String| Violation {
        path: path.clone(),
        at_key: false,
        message,
        code,
    };
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let expected = expected_properties(error.schema_path().as_str());
            for name in unexpected {
                let mut message = format!("unknown field `{name}`");
                if let Some(best) = suggest::closest(name, &expected) {
                    message.push_str(&format!(", did you mean `{best}`?"));
                } else if !expected.is_empty() {
                    message.push_str(&format!(", expected one of {}", suggest::list(&expected)));
                }
                out.push(Violation {
                    path: field_path::push(&path, &Segment::Key(name.clone())),
                    at_key: true,
                    message,
                    code,
                });
            }
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            out.push(at(format!("missing required field `{name}`")));
        }
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => t.to_string(),
                TypeKind::Multiple(set) => set
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            out.push(at(format!(
                "expected {}, found {}",
                article(&expected),
                show(error.instance())
            )));
        }
        ValidationErrorKind::Enum { options } => {
            let options: Vec<String> = options
                .as_array()
                .map(|a| a.iter().map(plain).collect())
                .unwrap_or_default();
            out.push(at(format!(
                "{} is not one of {}",
                show(error.instance()),
                options.join(", ")
            )));
        }
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            // Untagged alternatives (e.g. a capture is a string or an object): report
            // the errors of the one alternative whose shape fits the value.
            let fitting: Vec<&Vec<ValidationError<'static>>> = context
                .iter()
                .filter(|branch| {
                    !branch.iter().all(|e| {
                        matches!(e.kind(), ValidationErrorKind::Type { .. })
                            && e.instance_path() == error.instance_path()
                    })
                })
                .collect();
            match fitting.as_slice() {
                [branch] => branch.iter().for_each(|e| describe(e, instance, out)),
                _ => out.push(at(format!(
                    "{} does not match any allowed form ({})",
                    show(error.instance()),
                    shapes(context)
                ))),
            }
        }
        ValidationErrorKind::Pattern { pattern } => out.push(at(format!(
            "{} {}",
            show(error.instance()),
            pattern_meaning(pattern)
        ))),
        ValidationErrorKind::Maximum { .. } | ValidationErrorKind::Minimum { .. }
            if path == "version" =>
        {
            out.push(at(format!(
                "unsupported spec version {}; this caseflow reads version 1",
                show(error.instance())
            )))
        }
        ValidationErrorKind::Minimum { limit } => out.push(at(format!(
            "{} is too small (at least {limit})",
            show(error.instance())
        ))),
        ValidationErrorKind::Maximum { limit } => out.push(at(format!(
            "{} is too large (at most {limit})",
            show(error.instance())
        ))),
        _ => out.push(at(error.to_string())),
    }
}

/// What the schema's patterns mean, in words.
fn pattern_meaning(pattern: &str) -> String {
    match pattern {
        p if p.ends_with("(ms|s|m|h)?$") => "is not a duration like 500ms, 5s, 2m or 1h".into(),
        "^[1-5]xx$" => "is not a status code or class like 201 or 2xx".into(),
        p if p.starts_with("^(5xx|connect") => {
            "is not one of 5xx, connect, expect or a status code like 429 or 503".into()
        }
        p if p.starts_with("^[a-z0-9]") => {
            "is not a spec name (lower-case letters, digits, `.`, `_`, `-`)".into()
        }
        p => format!("does not match the pattern `{p}`"),
    }
}

/// The property names allowed where an `additionalProperties` error was raised.
/// The schema path runs through `$ref`s, which are followed here.
fn expected_properties(schema_path: &str) -> Vec<String> {
    let Some(object_path) = schema_path.strip_suffix("/additionalProperties") else {
        return Vec::new();
    };
    let root = schema();
    let mut node = root;
    for segment in object_path.split('/').skip(1) {
        let next = if segment == "$ref" {
            node.get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
                .and_then(|pointer| root.pointer(pointer))
        } else {
            match node {
                Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => node.get(segment),
            }
        };
        match next {
            Some(n) => node = n,
            None => return Vec::new(),
        }
    }
    node.get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

fn shapes(context: &[Vec<ValidationError<'static>>]) -> String {
    let mut kinds: Vec<String> = context
        .iter()
        .flat_map(|b| b.iter())
        .filter_map(|e| match e.kind() {
            ValidationErrorKind::Type {
                kind: TypeKind::Single(t),
            } => Some(article(&t.to_string())),
            _ => None,
        })
        .collect();
    kinds.dedup();
    if kinds.is_empty() {
        "see the schema".into()
    } else {
        kinds.join(", ")
    }
}

fn article(kind: &str) -> String {
    match kind {
        "object" | "array" | "integer" => format!("an {kind}"),
        "null" => "null".into(),
        _ => format!("a {kind}"),
    }
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A short rendering of an offending value.
pub fn show(v: &Value) -> String {
    match v {
        Value::Object(_) => "an object".into(),
        Value::Array(_) => "a list".into(),
        Value::Null => "null".into(),
        other => {
            let text = other.to_string();
            if text.chars().count() > 40 {
                format!("{}…", text.chars().take(40).collect::<String>())
            } else {
                text
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// The committed schema must match the types (also `caseflow schema > schemas/workflow.schema.json`).
    #[test]
    fn committed_schema_is_current() {
        crate::committed::assert_current(
            "workflow.schema.json",
            &super::schema_text(),
            "committed_schema",
        );
    }
}

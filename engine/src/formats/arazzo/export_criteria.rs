//! caseflow expectations as Arazzo success criteria and captures as step
//! output expressions, with whether they say exactly the same.

use serde_json::{Value, json};

use super::template;

/// The criteria of an `expect`, and `false` when some part has none.
pub fn criteria(expect: &Value) -> (Vec<Value>, bool) {
    let mut out = Vec::new();
    let mut exact = true;
    for (key, v) in expect.as_object().into_iter().flatten() {
        match key.as_str() {
            "status" => match v.as_u64() {
                Some(code) => out.push(json!({ "condition": format!("$statusCode == {code}") })),
                None => exact = false,
            },
            "body" => {
                for (path, m) in v.as_object().into_iter().flatten() {
                    exact &= match template::pointer(path) {
                        Some(ptr) => {
                            matcher(&format!("$response.body#{ptr}"), Some(path), m, &mut out)
                        }
                        None => exists_only(path, m, &mut out),
                    };
                }
            }
            "headers" => {
                for (name, m) in v.as_object().into_iter().flatten() {
                    exact &= matcher(&format!("$response.header.{name}"), None, m, &mut out);
                }
            }
            _ => exact = false,
        }
    }
    (out, exact)
}

/// A JSONPath with no pointer: only `exists: true` has a criterion.
fn exists_only(path: &str, m: &Value, out: &mut Vec<Value>) -> bool {
    if m.get("exists") == Some(&Value::Bool(true)) && m.as_object().is_some_and(|o| o.len() == 1) {
        out.push(json!({ "context": "$response.body", "condition": path, "type": "jsonpath" }));
        return true;
    }
    false
}

/// A literal the simple condition grammar can compare with.
fn literal(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.contains('\'') && !s.contains("{{") => Some(format!("'{s}'")),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some("null".into()),
        _ => None,
    }
}

/// The criteria of one matcher on `context`; `false` when an operator has none.
fn matcher(context: &str, json_path: Option<&str>, m: &Value, out: &mut Vec<Value>) -> bool {
    let Some(ops) = m.as_object() else {
        return match literal(m) {
            // Strings compare without case in Arazzo but exactly in caseflow.
            Some(l) => {
                out.push(json!({ "condition": format!("{context} == {l}") }));
                !m.is_string()
            }
            None => false,
        };
    };
    let mut exact = true;
    for (op, v) in ops {
        let symbol = match op.as_str() {
            "equals" => "==",
            "not_equals" => "!=",
            "gt" => ">",
            "gte" => ">=",
            "lt" => "<",
            "lte" => "<=",
            "matches" => {
                match v.as_str().filter(|r| !r.contains("{{")) {
                    Some(r) => {
                        out.push(json!({ "context": context, "condition": r, "type": "regex" }))
                    }
                    None => exact = false,
                }
                continue;
            }
            "exists" if v == &Value::Bool(true) && json_path.is_some() => {
                let condition = json_path.unwrap_or_default();
                out.push(json!({ "context": "$response.body", "condition": condition, "type": "jsonpath" }));
                continue;
            }
            _ => {
                exact = false;
                continue;
            }
        };
        match literal(v) {
            Some(l) => {
                out.push(json!({ "condition": format!("{context} {symbol} {l}") }));
                exact &= !v.is_string();
            }
            None => exact = false,
        }
    }
    exact
}

/// A capture's runtime expression (the closest one when it narrows or
/// transforms its source) and whether it says exactly the same.
pub fn capture(c: &Value) -> (String, bool) {
    let body = || "$response.body".to_string();
    if let Some(path) = c.as_str() {
        return match template::pointer(path) {
            Some(p) if p.is_empty() => (body(), true),
            Some(p) => (format!("$response.body#{p}"), true),
            None => (body(), false),
        };
    }
    let narrowed = [
        "regex", "group", "query", "fragment", "secret", "decode", "all", "optional",
    ]
    .iter()
    .any(|k| c.get(k).is_some());
    let (expr, exact) = if let Some(path) = c.get("json").and_then(Value::as_str) {
        return match template::pointer(path) {
            Some(p) if !narrowed => (
                format!(
                    "$response.body{}",
                    if p.is_empty() {
                        String::new()
                    } else {
                        format!("#{p}")
                    }
                ),
                true,
            ),
            _ => (body(), false),
        };
    } else if let Some(h) = c.get("header").and_then(Value::as_str) {
        (format!("$response.header.{h}"), true)
    } else if c.get("cookie").is_some() {
        ("$response.header.Set-Cookie".to_string(), false)
    } else if c.get("status").is_some() {
        ("$statusCode".to_string(), true)
    } else if c.get("url").is_some() {
        ("$url".to_string(), true)
    } else {
        (body(), false)
    };
    (expr, exact && !narrowed)
}

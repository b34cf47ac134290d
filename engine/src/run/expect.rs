//! Expectations on a response: status, headers, JSONPath matchers, JSON Schema.
//! Each failure says what was expected and what came back.

use serde_json::Value as Json;

use super::capture;
use super::response::Response;
use crate::spec::model::{Expect, JsonType, Matcher, MatcherOps, StatusExpect, StatusPattern};

/// Failed expectations, one line each; empty when all hold. Matcher values
/// are rendered with `render` (they may be templates).
pub fn check(
    expect: &Expect,
    resp: &Response,
    render: &dyn Fn(&Json) -> Result<Json, String>,
) -> Vec<String> {
    let mut failures = Vec::new();
    if let Some(status) = &expect.status
        && !status_matches(status, resp.status)
    {
        failures.push(format!(
            "status: expected {}, got {}",
            show_status(status),
            resp.status
        ));
    }
    for (name, matcher) in &expect.headers {
        let actual = resp.header(name).map(|v| Json::String(v.to_string()));
        for f in matcher_failures(matcher, actual.as_ref(), render) {
            failures.push(format!("header `{name}`: {f}"));
        }
    }
    for (path, matcher) in &expect.body {
        let actual = match capture::json_path(path, resp) {
            Ok(found) => found.into_iter().next(),
            Err(e) => {
                failures.push(format!("body {e}"));
                continue;
            }
        };
        for f in matcher_failures(matcher, actual.as_ref(), render) {
            failures.push(format!("body `{path}`: {f}"));
        }
    }
    if let Some(schema) = &expect.schema {
        match (&resp.json, jsonschema::validator_for(schema)) {
            (_, Err(e)) => failures.push(format!("schema: invalid JSON Schema: {e}")),
            (None, _) => failures.push("schema: the response body is not JSON".into()),
            (Some(body), Ok(validator)) => {
                for error in validator.iter_errors(body).take(5) {
                    let at = error.instance_path().to_string();
                    let at = if at.is_empty() { "/".to_string() } else { at };
                    failures.push(format!("schema: at {at}: {error}"));
                }
            }
        }
    }
    failures
}

/// Failed expectations on the step's captured outputs (`expect.outputs`).
pub fn check_outputs(
    expect: &Expect,
    outputs: &serde_json::Map<String, Json>,
    render: &dyn Fn(&Json) -> Result<Json, String>,
) -> Vec<String> {
    let mut failures = Vec::new();
    for (name, matcher) in &expect.outputs {
        for f in matcher_failures(matcher, outputs.get(name), render) {
            failures.push(format!("output `{name}`: {f}"));
        }
    }
    failures
}

pub fn status_matches(expect: &StatusExpect, status: u16) -> bool {
    let one = |p: &StatusPattern| match p {
        StatusPattern::Code(c) => *c == status,
        StatusPattern::Class(c) => {
            c.chars().next().and_then(|d| d.to_digit(10)) == Some(u32::from(status / 100))
        }
    };
    match expect {
        StatusExpect::One(p) => one(p),
        StatusExpect::Any(ps) => ps.iter().any(one),
    }
}

fn show_status(expect: &StatusExpect) -> String {
    let one = |p: &StatusPattern| match p {
        StatusPattern::Code(c) => c.to_string(),
        StatusPattern::Class(c) => c.clone(),
    };
    match expect {
        StatusExpect::One(p) => one(p),
        StatusExpect::Any(ps) => format!(
            "one of {}",
            ps.iter().map(one).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn matcher_failures(
    matcher: &Matcher,
    actual: Option<&Json>,
    render: &dyn Fn(&Json) -> Result<Json, String>,
) -> Vec<String> {
    let ops = match matcher {
        Matcher::Equals(v) => MatcherOps {
            equals: Some(v.clone()),
            ..MatcherOps::default()
        },
        Matcher::Ops(ops) => (**ops).clone(),
    };
    let mut out = Vec::new();
    let shown = |a: Option<&Json>| a.map_or_else(|| "nothing (no match)".to_string(), show);
    if let Some(exists) = ops.exists
        && exists != actual.is_some()
    {
        out.push(if exists {
            "expected to exist, found nothing".to_string()
        } else {
            format!("expected to be absent, got {}", shown(actual))
        });
    }
    let mut expect_value = |name: &str, v: &Json| match render(v) {
        Ok(v) => Some(v),
        Err(e) => {
            out.push(format!("{name}: {e}"));
            None
        }
    };
    let equals = ops.equals.as_ref().and_then(|v| expect_value("equals", v));
    let not_equals = ops
        .not_equals
        .as_ref()
        .and_then(|v| expect_value("not_equals", v));
    let contains = ops
        .contains
        .as_ref()
        .and_then(|v| expect_value("contains", v));
    let one_of: Option<Vec<Json>> = ops.one_of.as_ref().map(|vs| {
        vs.iter()
            .filter_map(|v| expect_value("one_of", v))
            .collect()
    });

    if let Some(expected) = equals
        && !actual.is_some_and(|a| loosely_equal(a, &expected))
    {
        out.push(format!(
            "expected {}, got {}",
            show(&expected),
            shown(actual)
        ));
    }
    if let Some(expected) = not_equals
        && actual.is_some_and(|a| loosely_equal(a, &expected))
    {
        out.push(format!("expected anything but {}, got it", show(&expected)));
    }
    if let Some(re) = &ops.matches {
        match regex::Regex::new(re) {
            Err(e) => out.push(format!("invalid regex `{re}`: {e}")),
            Ok(r) => {
                if !actual.is_some_and(|a| r.is_match(&text(a))) {
                    out.push(format!("expected to match /{re}/, got {}", shown(actual)));
                }
            }
        }
    }
    if let Some(needle) = contains {
        let ok = match actual {
            Some(Json::String(s)) => s.contains(&text(&needle)),
            Some(Json::Array(items)) => items.iter().any(|i| loosely_equal(i, &needle)),
            Some(Json::Object(map)) => map.contains_key(&text(&needle)),
            _ => false,
        };
        if !ok {
            out.push(format!(
                "expected to contain {}, got {}",
                show(&needle),
                shown(actual)
            ));
        }
    }
    if let Some(ty) = ops.type_
        && !actual.is_some_and(|a| has_type(a, ty))
    {
        out.push(format!(
            "expected type {}, got {}",
            type_name(ty),
            actual.map_or("nothing", json_type)
        ));
    }
    if let Some(n) = ops.length {
        let len = actual.and_then(|a| match a {
            Json::String(s) => Some(s.chars().count()),
            Json::Array(v) => Some(v.len()),
            Json::Object(m) => Some(m.len()),
            _ => None,
        });
        if len != Some(n) {
            let got = len.map_or_else(|| shown(actual), |l| format!("length {l}"));
            out.push(format!("expected length {n}, got {got}"));
        }
    }
    let number = actual.and_then(as_number);
    for (name, bound, holds) in [
        (
            "greater than",
            ops.gt,
            (|a: f64, b: f64| a > b) as fn(f64, f64) -> bool,
        ),
        ("at least", ops.gte, |a, b| a >= b),
        ("less than", ops.lt, |a, b| a < b),
        ("at most", ops.lte, |a, b| a <= b),
    ] {
        if let Some(bound) = bound
            && !number.is_some_and(|n| holds(n, bound))
        {
            out.push(format!(
                "expected a number {name} {bound}, got {}",
                shown(actual)
            ));
        }
    }
    if let Some(options) = one_of
        && !actual.is_some_and(|a| options.iter().any(|o| loosely_equal(a, o)))
    {
        let list: Vec<String> = options.iter().map(show).collect();
        out.push(format!(
            "expected one of {}, got {}",
            list.join(", "),
            shown(actual)
        ));
    }
    out
}

/// Equal as JSON, as numbers (`1` and `1.0`), or as text when one side is
/// a string and the other a scalar (headers are always text).
fn loosely_equal(a: &Json, b: &Json) -> bool {
    if a == b {
        return true;
    }
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        (Json::String(s), other) | (other, Json::String(s))
            if !other.is_array() && !other.is_object() =>
        {
            *s == text(other)
        }
        _ => false,
    }
}

fn as_number(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn has_type(v: &Json, ty: JsonType) -> bool {
    match ty {
        JsonType::String => v.is_string(),
        JsonType::Number => v.is_number(),
        // `42.0` is an integer too, as JSON Schema counts them.
        JsonType::Integer => v.as_f64().is_some_and(|f| f.fract() == 0.0),
        JsonType::Boolean => v.is_boolean(),
        JsonType::Array => v.is_array(),
        JsonType::Object => v.is_object(),
        JsonType::Null => v.is_null(),
    }
}

fn type_name(ty: JsonType) -> &'static str {
    match ty {
        JsonType::String => "string",
        JsonType::Number => "number",
        JsonType::Integer => "integer",
        JsonType::Boolean => "boolean",
        JsonType::Array => "array",
        JsonType::Object => "object",
        JsonType::Null => "null",
    }
}

fn json_type(v: &Json) -> &'static str {
    match v {
        Json::String(_) => "string",
        Json::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Json::Number(_) => "number",
        Json::Bool(_) => "boolean",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
        Json::Null => "null",
    }
}

fn text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A value as shown in messages, shortened.
fn show(v: &Json) -> String {
    let s = v.to_string();
    if s.chars().count() > 200 {
        format!("{}…", s.chars().take(200).collect::<String>())
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> Response {
        Response {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            text: json.into(),
            json: serde_json::from_str(json).ok(),
            url: String::new(),
        }
    }

    fn run(expect: &str, resp: &Response) -> Vec<String> {
        let expect: Expect = serde_json::from_str(expect).unwrap();
        check(&expect, resp, &|v| Ok(v.clone()))
    }

    #[test]
    fn status_classes_and_lists() {
        let r = body("{}");
        assert!(run(r#"{"status": "2xx"}"#, &r).is_empty());
        assert!(run(r#"{"status": [201, 200]}"#, &r).is_empty());
        assert_eq!(
            run(r#"{"status": 201}"#, &r),
            vec!["status: expected 201, got 200"]
        );
    }

    #[test]
    fn matchers() {
        let r = body(r#"{"a": "Bearer", "n": 3, "l": [1, 2], "o": {"k": 1}}"#);
        let ok = r#"{"body": {
            "$.a": "Bearer",
            "$.n": {"gt": 2, "lte": 3, "type": "integer", "one_of": [1, 3]},
            "$.l": {"length": 2, "contains": 2, "type": "array"},
            "$.o": {"contains": "k", "exists": true},
            "$.missing": {"exists": false},
            "$['a']": {"matches": "^Bea", "not_equals": "Basic"}
        }}"#;
        assert_eq!(run(ok, &r), Vec::<String>::new());
        let bad = run(r#"{"body": {"$.a": "Basic", "$.n": {"lt": 1}}}"#, &r);
        assert_eq!(bad.len(), 2, "{bad:?}");
        assert!(bad[0].contains(r#"expected "Basic", got "Bearer""#));
    }

    #[test]
    fn schema() {
        let r = body(r#"{"id": 5}"#);
        let f = run(
            r#"{"schema": {"type": "object", "properties": {"id": {"type": "string"}}}}"#,
            &r,
        );
        assert_eq!(f.len(), 1);
        assert!(f[0].contains("/id"), "{f:?}");
    }
}

//! `successCriteria` as caseflow expectations: simple conditions on
//! `$statusCode`, a body pointer or a header; regex criteria on a body
//! pointer or a header; JSONPath criteria on the body. Anything else is
//! reported, never dropped quietly.

use serde_json::{Number, Value};

use super::expression::{self, Expr, Source};
use crate::spec::model::{Expect, Matcher, MatcherOps, StatusExpect, StatusPattern};

/// Adds one criterion to `expect`, or says why it cannot be carried over.
pub fn apply(criterion: &Value, expect: &mut Expect) -> Result<(), Unsupported> {
    let condition = criterion
        .get("condition")
        .and_then(Value::as_str)
        .ok_or_else(|| Unsupported::field("condition", "a criterion needs a `condition` string"))?;
    let context = criterion.get("context").and_then(Value::as_str);
    let kind = match criterion.get("type") {
        None => "simple",
        Some(Value::String(s)) => s.as_str(),
        // A Criterion Expression Type Object: `{ type: jsonpath, version: ... }`.
        Some(other) => other.get("type").and_then(Value::as_str).unwrap_or(""),
    };
    match kind {
        "simple" => {
            if context.is_some() {
                return Err(Unsupported::field(
                    "context",
                    "not supported yet: a `context` on a simple condition",
                ));
            }
            for part in split_and(condition) {
                simple(part.trim(), expect)?;
            }
            Ok(())
        }
        "regex" => {
            let at = context.ok_or_else(|| {
                Unsupported::field("context", "a regex criterion needs a `context`")
            })?;
            // `^200$` on the status code names one code.
            let code = condition.trim_start_matches('^').trim_end_matches('$');
            if at == "$statusCode" && code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()) {
                let code: u16 = code.parse().unwrap_or_default();
                expect.status = Some(StatusExpect::One(StatusPattern::Code(code)));
                return Ok(());
            }
            let ops = MatcherOps {
                matches: Some(condition.to_string()),
                ..MatcherOps::default()
            };
            target(at, Matcher::Ops(Box::new(ops)), expect)
                .map_err(|why| Unsupported::field("context", why))
        }
        "jsonpath" => match context {
            // `$.name == 'x'`, as Redocly writes it: a comparison of what the path selects.
            Some("$response.body") if comparison(condition).is_some() => {
                let (path, op, literal) = comparison(condition).unwrap_or_default();
                let m = matcher(op, literal).ok_or_else(|| {
                    Unsupported::field("condition", format!("not supported yet: `{condition}`"))
                })?;
                expect.body.insert(path.to_string(), m);
                Ok(())
            }
            Some("$response.body") => {
                // A JSONPath criterion holds when the query selects something.
                let ops = MatcherOps {
                    exists: Some(true),
                    ..MatcherOps::default()
                };
                expect
                    .body
                    .insert(condition.to_string(), Matcher::Ops(Box::new(ops)));
                Ok(())
            }
            _ => Err(Unsupported::field(
                "context",
                "not supported yet: a JSONPath criterion on anything but `$response.body`",
            )),
        },
        other => Err(Unsupported::field(
            "type",
            format!("not supported yet: `{other}` criteria (simple, regex and jsonpath are)"),
        )),
    }
}

/// Why a criterion stays behind, and at which of its fields.
#[derive(Debug)]
pub struct Unsupported {
    pub field: &'static str,
    pub message: String,
}

impl Unsupported {
    fn field(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// `a && b` into its terms, outside quotes and parentheses.
pub fn split_and(condition: &str) -> Vec<&str> {
    let (mut parts, mut start, mut depth, mut quoted) = (Vec::new(), 0, 0i32, false);
    let bytes = condition.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted => depth -= 1,
            b'&' if !quoted && depth == 0 && bytes.get(i + 1) == Some(&b'&') => {
                parts.push(&condition[start..i]);
                start = i + 2;
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(&condition[start..]);
    parts
}

const OPERATORS: [&str; 6] = ["==", "!=", "<=", ">=", "<", ">"];

/// `$statusCode == 200`, `$response.body#/name == 'x'`, `$response.header.X != 'y'`.
fn simple(condition: &str, expect: &mut Expect) -> Result<(), Unsupported> {
    let unsupported = || {
        Unsupported::field(
            "condition",
            format!(
                "not supported yet: `{condition}` (caseflow takes `EXPRESSION OPERATOR LITERAL` terms joined by `&&`)"
            ),
        )
    };
    if let Some(codes) = status_alternatives(condition) {
        expect.status = Some(StatusExpect::Any(codes));
        return Ok(());
    }
    if condition.contains("||") || condition.starts_with('!') || condition.starts_with('(') {
        return Err(unsupported());
    }
    let Comparison { lhs, op, literal } = comparison_of(condition).ok_or_else(unsupported)?;
    let expr = expression::parse(lhs).map_err(|e| Unsupported::field("condition", e))?;
    if expr == Expr::StatusCode {
        let code = literal.as_u64().filter(|c| (100..=599).contains(c));
        return match (op, code) {
            ("==", Some(code)) => {
                expect.status = Some(StatusExpect::One(StatusPattern::Code(code as u16)));
                Ok(())
            }
            _ => Err(unsupported()),
        };
    }
    let matcher = matcher(op, literal).ok_or_else(unsupported)?;
    target(lhs, matcher, expect).map_err(|why| Unsupported::field("condition", why))
}

/// `$.a.b == 'x'`: a JSONPath that is no filter, an operator and a literal.
fn comparison(condition: &str) -> Option<(&str, &'static str, Value)> {
    if condition.starts_with("$[?") || condition.contains("&&") || condition.contains("||") {
        return None;
    }
    let Comparison { lhs, op, literal } = comparison_of(condition)?;
    (lhs.starts_with('$') && !lhs.contains('?')).then_some(())?;
    Some((lhs, op, literal))
}

/// `$statusCode == 200 || $statusCode == 201`: the codes, when every term is one.
fn status_alternatives(condition: &str) -> Option<Vec<StatusPattern>> {
    if !condition.contains("||") {
        return None;
    }
    Some(
        status_codes(condition)?
            .into_iter()
            .map(StatusPattern::Code)
            .collect(),
    )
}

/// The codes of `$statusCode == 429` or `$statusCode == 429 || $statusCode == 503`.
pub fn status_codes(condition: &str) -> Option<Vec<u16>> {
    condition
        .split("||")
        .map(|term| {
            let (lhs, rhs) = term.split_once("==")?;
            let code: u16 = rhs.trim().parse().ok()?;
            (lhs.trim() == "$statusCode" && (100..=599).contains(&code)).then_some(code)
        })
        .collect()
}

/// `LHS OPERATOR LITERAL`, the operator the first of [`OPERATORS`] found.
pub struct Comparison<'a> {
    pub lhs: &'a str,
    pub op: &'static str,
    pub literal: Value,
}

pub fn comparison_of(condition: &str) -> Option<Comparison<'_>> {
    let (lhs, op, rhs) = OPERATORS.iter().find_map(|op| {
        let (l, r) = condition.split_once(op)?;
        Some((l.trim(), *op, r.trim()))
    })?;
    Some(Comparison {
        lhs,
        op,
        literal: literal(rhs)?,
    })
}

/// Puts a matcher on the body node or header an expression names.
fn target(at: &str, matcher: Matcher, expect: &mut Expect) -> Result<(), String> {
    match expression::parse(at)? {
        Expr::Response(Source::Body(Some(pointer))) => {
            expect
                .body
                .insert(expression::pointer_to_jsonpath(&pointer), matcher);
        }
        Expr::Response(Source::Header(name)) => {
            expect.headers.insert(name, matcher);
        }
        _ => {
            return Err(format!(
                "not supported yet: criteria on `{at}` (a `$response.body#/pointer` or `$response.header.NAME`, or `$statusCode ==` a code)"
            ));
        }
    }
    Ok(())
}

fn matcher(op: &str, literal: Value) -> Option<Matcher> {
    let mut ops = MatcherOps::default();
    match (op, &literal) {
        // Arazzo compares strings case-insensitively.
        ("==", Value::String(s)) => ops.matches = Some(format!("(?i)^{}$", regex::escape(s))),
        ("==", _) => return Some(Matcher::Equals(literal)),
        // No matcher negates a pattern: `!=` compares strings exactly.
        ("!=", _) => ops.not_equals = Some(literal),
        (_, Value::Number(n)) => {
            let n = n.as_f64()?;
            match op {
                "<" => ops.lt = Some(n),
                "<=" => ops.lte = Some(n),
                ">" => ops.gt = Some(n),
                _ => ops.gte = Some(n),
            }
        }
        _ => return None,
    }
    Some(Matcher::Ops(Box::new(ops)))
}

/// A condition literal: number, `'string'` (`''` escapes a quote), true, false, null.
fn literal(text: &str) -> Option<Value> {
    match text {
        "true" => return Some(Value::Bool(true)),
        "false" => return Some(Value::Bool(false)),
        "null" => return Some(Value::Null),
        _ => {}
    }
    if let Some(inner) = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        return Some(Value::String(inner.replace("''", "'")));
    }
    if let Ok(i) = text.parse::<i64>() {
        return Some(Value::Number(i.into()));
    }
    text.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_and_body_conditions_become_expectations() {
        let mut expect = Expect::default();
        apply(&json!({ "condition": "$statusCode == 201" }), &mut expect).unwrap();
        apply(
            &json!({ "condition": "$response.body#/count > 2 && $response.body#/name == 'It''s'" }),
            &mut expect,
        )
        .unwrap();
        let text = serde_json::to_string(&expect).unwrap();
        assert_eq!(
            text,
            r#"{"status":201,"body":{"$.count":{"gt":2.0},"$.name":{"matches":"(?i)^It's$"}}}"#
        );
    }

    #[test]
    fn redocly_comparisons_and_a_status_regex_become_expectations() {
        let mut expect = Expect::default();
        let c = json!({ "context": "$response.body", "type": "jsonpath", "condition": "$.name == 'Orca'" });
        apply(&c, &mut expect).unwrap();
        let c = json!({ "context": "$statusCode", "type": "regex", "condition": "^200$" });
        apply(&c, &mut expect).unwrap();
        let c = json!({ "context": "$response.body", "type": "jsonpath", "condition": "$[?count(@.products) > 0]" });
        apply(&c, &mut expect).unwrap();
        let text = serde_json::to_string(&expect).unwrap();
        assert_eq!(
            text,
            r#"{"status":200,"body":{"$.name":{"matches":"(?i)^Orca$"},"$[?count(@.products) > 0]":{"exists":true}}}"#
        );
    }

    #[test]
    fn what_caseflow_cannot_say_is_reported() {
        let mut expect = Expect::default();
        apply(
            &json!({ "condition": "$statusCode == 200 || $statusCode == 201" }),
            &mut expect,
        )
        .unwrap();
        assert_eq!(serde_json::to_string(&expect.status).unwrap(), "[200,201]");
        for c in [
            json!({ "condition": "$statusCode == 200 || $response.body#/ok == true" }),
            json!({ "condition": "$statusCode < 300" }),
            json!({ "context": "$response.body", "condition": "//a", "type": "xpath" }),
            json!({ "context": "$statusCode", "condition": "^2..$", "type": "regex" }),
        ] {
            assert!(apply(&c, &mut expect).is_err(), "{c}");
        }
    }
}

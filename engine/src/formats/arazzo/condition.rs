//! Arazzo criteria as one caseflow template condition over `response`
//! (what an `until` reads): `$statusCode == 202 && $response.body#/state ==
//! 'pending'` becomes `response.status == 202 and (response.body["state"] |
//! string | lower) == "pending"`.

use serde_json::Value;

use super::criteria::{self, Comparison};
use super::expression::{self, Expr, Source};

/// All `criteria` (they must all hold) as one condition; simple ones only.
pub fn all(criteria: &[Value]) -> Result<String, String> {
    let mut terms = Vec::new();
    for c in criteria {
        if c.get("type").is_some_and(|t| t != "simple") || c.get("context").is_some() {
            return Err("only simple criteria (`EXPRESSION OPERATOR LITERAL`)".into());
        }
        let condition = c
            .get("condition")
            .and_then(Value::as_str)
            .ok_or("a criterion needs a `condition` string")?;
        for part in criteria::split_and(condition) {
            terms.push(term(part.trim())?);
        }
    }
    if terms.is_empty() {
        return Err("no criteria".into());
    }
    Ok(terms.join(" and "))
}

fn term(condition: &str) -> Result<String, String> {
    let Comparison { lhs, op, literal } = criteria::comparison_of(condition)
        .ok_or_else(|| format!("`{condition}` is not `EXPRESSION OPERATOR LITERAL`"))?;
    let subject = match expression::parse(lhs)? {
        Expr::StatusCode => "response.status".to_string(),
        Expr::Response(Source::Body(pointer)) => {
            let mut out = "response.body".to_string();
            for token in pointer.iter().flat_map(|p| p.split('/').skip(1)) {
                let token = token.replace("~1", "/").replace("~0", "~");
                match token.parse::<usize>() {
                    Ok(i) => out.push_str(&format!("[{i}]")),
                    Err(_) => out.push_str(&format!("[{}]", Value::String(token))),
                }
            }
            out
        }
        Expr::Response(Source::Header(name)) => {
            format!("response.headers[{}]", Value::String(name.to_lowercase()))
        }
        _ => {
            return Err(format!(
                "`{lhs}`: conditions read `$statusCode` or `$response`"
            ));
        }
    };
    Ok(match &literal {
        // Arazzo compares strings without case.
        Value::String(s) => format!(
            "(({subject}) | string | lower) {op} {}",
            Value::String(s.to_lowercase())
        ),
        Value::Null => format!(
            "{subject} {} none",
            if op == "!=" { "is not" } else { "is" }
        ),
        other => format!("{subject} {op} {other}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn simple_criteria_read_the_response() {
        let c = [
            json!({"condition": "$statusCode == 200"}),
            json!({"condition": "$response.body#/job/state == 'Pending' && $response.body#/tries/0 < 3"}),
            json!({"condition": "$response.header.Retry-After != null"}),
        ];
        assert_eq!(
            all(&c).unwrap(),
            r#"response.status == 200 and ((response.body["job"]["state"]) | string | lower) == "pending" and response.body["tries"][0] < 3 and response.headers["retry-after"] is not none"#
        );
    }

    #[test]
    fn other_criteria_are_refused() {
        let c = [json!({"context": "$response.body", "type": "jsonpath", "condition": "$[?@.a]"})];
        assert!(all(&c).is_err());
        assert!(all(&[json!({"condition": "$inputs.x == 1"})]).is_err());
    }
}

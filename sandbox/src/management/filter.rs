//! The SCIM filter subset PingOne accepts on lists: `attr eq "v"`, `attr sw "v"`, `and`, `or`,
//! and value paths over multi-valued attributes (`memberOfGroups[id eq "g"]`).

use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult, Detail};
use crate::management::crud::lookup;

#[derive(Debug)]
pub enum Filter {
    Eq(String, Value),
    Sw(String, String),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    /// `attr[inner]`: some element of the array `attr` matches `inner`.
    Any(String, Box<Filter>),
}

fn invalid(message: &str) -> ApiError {
    ApiError::invalid_data(vec![
        Detail::new("INVALID_FILTER", "filter", message.to_string())
            .with_inner(serde_json::json!({"supportedOperators": ["eq", "sw", "and", "or"]})),
    ])
}

/// Splits into words, keeping quoted strings (with `\"` escapes) as one token and
/// `[`/`]` as tokens of their own.
fn tokens(text: &str) -> ApiResult<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut s = String::from("\"");
            loop {
                match chars.next() {
                    Some('\\') => {
                        if let Some(escaped) = chars.next() {
                            s.push(escaped);
                        }
                    }
                    Some('"') => break,
                    Some(other) => s.push(other),
                    None => return Err(invalid("Unterminated string in filter")),
                }
            }
            out.push(s);
        } else {
            let mut word = String::new();
            if c == '[' || c == ']' {
                chars.next();
                out.push(c.to_string());
                continue;
            }
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '[' || c == ']' {
                    break;
                }
                word.push(c);
                chars.next();
            }
            out.push(word);
        }
    }
    Ok(out)
}

pub fn parse(text: &str) -> ApiResult<Filter> {
    let tokens = tokens(text)?;
    let mut pos = 0;
    let filter = parse_or(&tokens, &mut pos)?;
    if pos != tokens.len() {
        return Err(invalid("Unexpected text in filter"));
    }
    Ok(filter)
}

/// Parses one or more operands joined by `keyword`, grouping to the left.
fn parse_chain(
    tokens: &[String],
    pos: &mut usize,
    keyword: &str,
    operand: fn(&[String], &mut usize) -> ApiResult<Filter>,
    join: fn(Box<Filter>, Box<Filter>) -> Filter,
) -> ApiResult<Filter> {
    let mut left = operand(tokens, pos)?;
    while tokens
        .get(*pos)
        .is_some_and(|t| t.eq_ignore_ascii_case(keyword))
    {
        *pos += 1;
        left = join(Box::new(left), Box::new(operand(tokens, pos)?));
    }
    Ok(left)
}

fn parse_or(tokens: &[String], pos: &mut usize) -> ApiResult<Filter> {
    parse_chain(tokens, pos, "or", parse_and, Filter::Or)
}

fn parse_and(tokens: &[String], pos: &mut usize) -> ApiResult<Filter> {
    parse_chain(tokens, pos, "and", parse_leaf, Filter::And)
}

fn parse_leaf(tokens: &[String], pos: &mut usize) -> ApiResult<Filter> {
    if let (Some(attr), Some(open)) = (tokens.get(*pos), tokens.get(*pos + 1))
        && open == "["
    {
        *pos += 2;
        let inner = parse_or(tokens, pos)?;
        if tokens.get(*pos).map(String::as_str) != Some("]") {
            return Err(invalid("Unterminated [ in filter"));
        }
        *pos += 1;
        return Ok(Filter::Any(attr.clone(), Box::new(inner)));
    }
    let (Some(attr), Some(op), Some(raw)) =
        (tokens.get(*pos), tokens.get(*pos + 1), tokens.get(*pos + 2))
    else {
        return Err(invalid("Incomplete filter expression"));
    };
    *pos += 3;
    let value = match raw.strip_prefix('"') {
        Some(s) => Value::String(s.to_string()),
        None => match raw.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            number => number
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| invalid("Filter values must be quoted"))?,
        },
    };
    match op.to_ascii_lowercase().as_str() {
        "eq" => Ok(Filter::Eq(attr.clone(), value)),
        "sw" => match value {
            Value::String(s) => Ok(Filter::Sw(attr.clone(), s)),
            _ => Err(invalid("sw needs a string value")),
        },
        _ => Err(invalid(&format!("Unsupported filter operator {op}"))),
    }
}

impl Filter {
    pub fn matches(&self, body: &Map<String, Value>) -> bool {
        match self {
            Filter::Eq(attr, wanted) => match (lookup(body, attr), wanted) {
                (Some(Value::String(have)), Value::String(want)) => have.eq_ignore_ascii_case(want),
                (Some(have), want) => have == want,
                (None, _) => false,
            },
            Filter::Sw(attr, prefix) => lookup(body, attr)
                .and_then(Value::as_str)
                .is_some_and(|have| have.to_lowercase().starts_with(&prefix.to_lowercase())),
            Filter::And(a, b) => a.matches(body) && b.matches(body),
            Filter::Or(a, b) => a.matches(body) || b.matches(body),
            Filter::Any(attr, inner) => {
                lookup(body, attr)
                    .and_then(Value::as_array)
                    .is_some_and(|items| {
                        items
                            .iter()
                            .filter_map(Value::as_object)
                            .any(|item| inner.matches(item))
                    })
            }
        }
    }

    /// Whether the expression reads `attr` (at any depth), so callers add virtual attributes
    /// such as a user's `memberOfGroups` only when needed.
    pub fn mentions(&self, attr: &str) -> bool {
        match self {
            Filter::Eq(a, _) | Filter::Sw(a, _) => a == attr,
            Filter::And(a, b) | Filter::Or(a, b) => a.mentions(attr) || b.mentions(attr),
            Filter::Any(a, _) => a == attr,
        }
    }
}

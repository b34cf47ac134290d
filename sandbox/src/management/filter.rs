//! The SCIM filter subset PingOne accepts on lists: `attr eq "v"`, `attr sw "v"`, `and`, `or`,
//! parentheses, and value paths over multi-valued attributes (`memberOfGroups[id eq "g"]`).
//! Instant comparisons (`gt`, `lt`, `ge`, `le`) parse only where a list takes them
//! ([`parse_with_instants`], the audit activities); other lists refuse them.
//! Attribute names match case-insensitively and paths reach into arrays, as SCIM reads them.

use serde_json::{Map, Value};

use crate::clock;
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
    /// `attr gt|lt|ge|le "instant"`: the attribute's instant compared to the given one.
    Instant(String, Ordering, i128),
}

/// The comparison of an [`Filter::Instant`] term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ordering {
    Gt,
    Lt,
    Ge,
    Le,
}

impl Ordering {
    fn holds(self, have: i128, bound: i128) -> bool {
        match self {
            Ordering::Gt => have > bound,
            Ordering::Lt => have < bound,
            Ordering::Ge => have >= bound,
            Ordering::Le => have <= bound,
        }
    }

    /// Whether the term bounds the range from below (`gt`, `ge`).
    pub fn is_lower(self) -> bool {
        matches!(self, Ordering::Gt | Ordering::Ge)
    }
}

fn invalid(message: &str) -> ApiError {
    ApiError::invalid_data(vec![
        Detail::new("INVALID_FILTER", "filter", message.to_string())
            .with_inner(serde_json::json!({"supportedOperators": ["eq", "sw", "and", "or"]})),
    ])
}

/// Splits into words, keeping quoted strings (with `\"` escapes) as one token and
/// brackets and parentheses as tokens of their own.
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
            if "[]()".contains(c) {
                chars.next();
                out.push(c.to_string());
                continue;
            }
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || "[]()".contains(c) {
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

/// A list filter without instant comparisons.
pub fn parse(text: &str) -> ApiResult<Filter> {
    let filter = parse_with_instants(text)?;
    if filter.compares_instants() {
        return Err(invalid("Unsupported filter operator for this resource"));
    }
    Ok(filter)
}

/// A filter that may also compare instants (`recordedAt gt "2024-01-01T00:00:00Z"`).
pub fn parse_with_instants(text: &str) -> ApiResult<Filter> {
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
    if tokens.get(*pos).map(String::as_str) == Some("(") {
        *pos += 1;
        let inner = parse_or(tokens, pos)?;
        if tokens.get(*pos).map(String::as_str) != Some(")") {
            return Err(invalid("Unterminated ( in filter"));
        }
        *pos += 1;
        return Ok(inner);
    }
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
    let ordering = match op.to_ascii_lowercase().as_str() {
        "gt" => Some(Ordering::Gt),
        "lt" => Some(Ordering::Lt),
        "ge" => Some(Ordering::Ge),
        "le" => Some(Ordering::Le),
        _ => None,
    };
    if let Some(ordering) = ordering {
        let instant = value
            .as_str()
            .and_then(clock::parse_instant)
            .ok_or_else(|| invalid(&format!("{op} needs a quoted ISO-8601 instant")))?;
        return Ok(Filter::Instant(attr.clone(), ordering, instant));
    }
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
            Filter::Eq(attr, wanted) => {
                values(body, attr).iter().any(|have| match (have, wanted) {
                    (Value::String(have), Value::String(want)) => have.eq_ignore_ascii_case(want),
                    (have, want) => *have == want,
                })
            }
            Filter::Sw(attr, prefix) => values(body, attr).iter().any(|have| {
                have.as_str()
                    .is_some_and(|have| have.to_lowercase().starts_with(&prefix.to_lowercase()))
            }),
            Filter::Instant(attr, ordering, bound) => values(body, attr).iter().any(|have| {
                have.as_str()
                    .and_then(clock::parse_instant)
                    .is_some_and(|have| ordering.holds(have, *bound))
            }),
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
            Filter::Eq(a, _) | Filter::Sw(a, _) | Filter::Instant(a, _, _) => a == attr,
            Filter::And(a, b) | Filter::Or(a, b) => a.mentions(attr) || b.mentions(attr),
            Filter::Any(a, _) => a == attr,
        }
    }

    fn compares_instants(&self) -> bool {
        match self {
            Filter::Instant(..) => true,
            Filter::And(a, b) | Filter::Or(a, b) => a.compares_instants() || b.compares_instants(),
            Filter::Any(_, inner) => inner.compares_instants(),
            Filter::Eq(..) | Filter::Sw(..) => false,
        }
    }
}

/// Every value at a dotted path, keys matched case-insensitively, arrays on the way (and
/// at the end) entered element by element: `resources.id` reads each resource's id.
fn values<'a>(body: &'a Map<String, Value>, path: &str) -> Vec<&'a Value> {
    let mut current: Vec<&Value> = Vec::new();
    for (i, part) in path.split('.').enumerate() {
        let step = |map: &'a Map<String, Value>| {
            map.get(part).or_else(|| {
                map.iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(part))
                    .map(|(_, v)| v)
            })
        };
        current = if i == 0 {
            step(body).into_iter().collect()
        } else {
            current
                .into_iter()
                .filter_map(Value::as_object)
                .filter_map(step)
                .collect()
        };
        current = current
            .into_iter()
            .flat_map(|v| match v {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            })
            .collect();
    }
    current
}

//! Request bodies: raw JSON becomes a structured `json:` body (variables in
//! strings mapped, unquoted `{{var}}` too), urlencoded and form-data text
//! fields a `form:`, GraphQL a `json:` with query and variables, other raw
//! text a `body:`.

use indexmap::IndexMap;
use serde_json::Value;

use super::collection::{Body, KeyValue};
use super::variables::{Scope, pieces};

#[derive(Debug)]
pub enum Converted {
    None,
    Json(Value),
    Form(IndexMap<String, Value>),
    Text {
        body: String,
        content_type: Option<&'static str>,
    },
}

/// Converts a body; `notes` gets what could not be carried over.
pub fn convert(
    body: &Body,
    json_header: bool,
    scope: &mut Scope,
    notes: &mut Vec<String>,
) -> Converted {
    if body.disabled {
        return Converted::None;
    }
    match body.mode.as_deref().unwrap_or("raw") {
        "raw" => raw(body, json_header, scope, notes),
        "urlencoded" => form(&body.urlencoded, scope, notes),
        "formdata" => {
            if body.formdata.iter().any(|f| !f.disabled) {
                notes.push("form-data body sent as a URL-encoded form (multipart bodies are not supported)".into());
            }
            form(&body.formdata, scope, notes)
        }
        "graphql" => graphql(body, scope, notes),
        other => {
            notes.push(format!(
                "`{other}` body not imported (files are not supported)"
            ));
            Converted::None
        }
    }
}

fn raw(body: &Body, json_header: bool, scope: &mut Scope, notes: &mut Vec<String>) -> Converted {
    let text = body.raw.clone().unwrap_or_default();
    if text.trim().is_empty() {
        return Converted::None;
    }
    let language = body
        .options
        .as_ref()
        .and_then(|o| o.pointer("/raw/language"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let looks_json = text.trim_start().starts_with(['{', '[']);
    if language == "json" || json_header || (language.is_empty() && looks_json) {
        match json(&text, scope) {
            Ok(v) => return Converted::Json(v),
            Err(e) => notes.push(format!("raw JSON body does not parse ({e}); kept as text")),
        }
    }
    let content_type = match language {
        "json" => Some("application/json"),
        "xml" => Some("application/xml"),
        "html" => Some("text/html"),
        "javascript" => Some("application/javascript"),
        "text" => Some("text/plain"),
        _ => None,
    };
    Converted::Text {
        body: scope.template(&text),
        content_type,
    }
}

fn form(fields: &[KeyValue], scope: &mut Scope, notes: &mut Vec<String>) -> Converted {
    let mut out: IndexMap<String, Value> = IndexMap::new();
    for f in fields.iter().filter(|f| !f.disabled) {
        let Some(key) = f.key.clone().filter(|k| !k.is_empty()) else {
            continue;
        };
        if f.kind.as_deref() == Some("file") {
            notes.push(format!("file field `{key}` not imported"));
            continue;
        }
        let value = Value::String(scope.template(&f.value_text()));
        match out.get_mut(&key) {
            Some(Value::Array(list)) => list.push(value),
            Some(first) => *first = Value::Array(vec![first.clone(), value]),
            None => {
                out.insert(key, value);
            }
        }
    }
    if out.is_empty() {
        Converted::None
    } else {
        Converted::Form(out)
    }
}

fn graphql(body: &Body, scope: &mut Scope, notes: &mut Vec<String>) -> Converted {
    let g = body.graphql.clone().unwrap_or(Value::Null);
    let query = g.get("query").and_then(Value::as_str).unwrap_or("");
    let mut out = serde_json::Map::new();
    out.insert("query".into(), Value::String(scope.template(query)));
    if let Some(vars) = g.get("variables").and_then(Value::as_str)
        && !vars.trim().is_empty()
    {
        match json(vars, scope) {
            Ok(v) => {
                out.insert("variables".into(), v);
            }
            Err(e) => notes.push(format!("GraphQL variables do not parse ({e}); left out")),
        }
    }
    Converted::Json(Value::Object(out))
}

// Private-use characters mark variables while serde_json parses the text.
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// Raw JSON text with `{{var}}` inside strings or in place of values.
pub fn json(text: &str, scope: &mut Scope) -> Result<Value, String> {
    let mut marked = String::new();
    let mut exprs = Vec::new();
    let mut in_string = false;
    for piece in pieces(text) {
        match piece {
            super::variables::Piece::Lit(l) => {
                let mut escaped = false;
                for c in l.chars() {
                    if in_string && escaped {
                        escaped = false;
                    } else if in_string && c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        in_string = !in_string;
                    }
                    marked.push(c);
                }
            }
            super::variables::Piece::Var(v) => {
                let mark = format!("{OPEN}{}{CLOSE}", exprs.len());
                exprs.push(scope.expr(&v));
                if in_string {
                    marked.push_str(&mark);
                } else {
                    // A bare `{{var}}` stands for a whole value: a typed template keeps its type.
                    marked.push_str(&format!("\"{mark}\""));
                }
            }
        }
    }
    let value: Value = serde_json::from_str(&marked).map_err(|e| {
        format!(
            "line {} column {}: {}",
            e.line(),
            e.column(),
            strip_position(&e)
        )
    })?;
    Ok(unmark(value, &exprs))
}

fn strip_position(e: &serde_json::Error) -> String {
    let m = e.to_string();
    m.rsplit_once(" at line ")
        .map_or(m.clone(), |(a, _)| a.to_string())
}

fn unmark(v: Value, exprs: &[String]) -> Value {
    match v {
        Value::String(s) => Value::String(unmark_str(&s, exprs)),
        Value::Array(a) => Value::Array(a.into_iter().map(|v| unmark(v, exprs)).collect()),
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, v)| (unmark_str(&k, exprs), unmark(v, exprs)))
                .collect(),
        ),
        other => other,
    }
}

fn unmark_str(s: &str, exprs: &[String]) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find(OPEN) {
        let lit = &rest[..start];
        out.push_str(&lit.replace("{%", "{{ '{%' }}").replace("{#", "{{ '{#' }}"));
        let after = &rest[start + OPEN.len_utf8()..];
        let Some(end) = after.find(CLOSE) else {
            break;
        };
        let expr = after[..end]
            .parse::<usize>()
            .ok()
            .and_then(|i| exprs.get(i));
        out.push_str(&format!("{{{{ {} }}}}", expr.map_or("''", String::as_str)));
        rest = &after[end + CLOSE.len_utf8()..];
    }
    out.push_str(&rest.replace("{%", "{{ '{%' }}").replace("{#", "{{ '{#' }}"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_with_variables() {
        let mut s = Scope::default();
        s.set("popID", "create_population", "pop_id");
        let v = json(
            r#"{"name": "u-{{$guid}}", "population": {"id": "{{popID}}"}, "n": {{count}}, "ok": true}"#,
            &mut s,
        )
        .unwrap();
        assert_eq!(
            v.to_string(),
            r#"{"name":"u-{{ uuid() }}","population":{"id":"{{ steps.create_population.outputs.pop_id }}"},"n":"{{ inputs.count }}","ok":true}"#
        );
        assert!(json("{\"a\": }", &mut s).is_err());
    }
}

//! caseflow templates as Arazzo runtime expressions: `{{ inputs.x }}` is
//! `$inputs.x`, `{{ steps.s.outputs.o }}` is `$steps.s.outputs.o`, and text
//! around them embeds them as `{$...}`. Anything else a template can say
//! (functions, filters, `run.id`, blocks) has no expression.

use serde_json::Value;

/// The runtime expression of one template expression, when there is one.
pub fn reference(expr: &str) -> Option<String> {
    let parts: Vec<&str> = expr.trim().split('.').collect();
    let ok = |s: &str| {
        !s.is_empty()
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !s.starts_with(|c: char| c.is_ascii_digit())
    };
    match parts.as_slice() {
        ["inputs", name] if ok(name) => Some(format!("$inputs.{name}")),
        ["steps", step, "outputs", name] if ok(step) && ok(name) => {
            Some(format!("$steps.{step}.outputs.{name}"))
        }
        _ => None,
    }
}

/// A template string as an Arazzo value: `Ok` when it says the same, else
/// `Err` with the text kept as it is (for an `x-caseflow-...` copy).
pub fn string(text: &str) -> Result<String, String> {
    let keep = || Err(text.to_string());
    if text.contains("{%") || text.contains("{#") {
        return keep();
    }
    let mut out = String::new();
    let mut rest = text;
    let mut whole = None;
    while let Some(start) = rest.find("{{") {
        let literal = &rest[..start];
        let Some(len) = rest[start..].find("}}") else {
            return keep();
        };
        let Some(expr) = reference(&rest[start + 2..start + len]) else {
            return keep();
        };
        if literal.contains("{$") {
            return keep();
        }
        out.push_str(literal);
        if out.is_empty() && rest[start + len + 2..].is_empty() && whole.is_none() {
            whole = Some(expr.clone());
        }
        out.push('{');
        out.push_str(&expr);
        out.push('}');
        rest = &rest[start + len + 2..];
    }
    if rest.contains("}}") || rest.contains("{$") {
        return keep();
    }
    out.push_str(rest);
    if let Some(expr) = whole.filter(|e| out == format!("{{{e}}}")) {
        return Ok(expr);
    }
    // A literal starting like an expression would be read as one.
    if !text.contains("{{") && super::expression::looks_like(text) {
        return keep();
    }
    Ok(out)
}

/// A value with every string leaf converted; `false` when some leaf could not be.
pub fn value(v: &Value) -> (Value, bool) {
    match v {
        Value::String(s) => match string(s) {
            Ok(t) => (Value::String(t), true),
            Err(t) => (Value::String(t), false),
        },
        Value::Array(items) => {
            let mut exact = true;
            let out = items
                .iter()
                .map(|x| {
                    let (y, e) = value(x);
                    exact &= e;
                    y
                })
                .collect();
            (Value::Array(out), exact)
        }
        Value::Object(map) => {
            let mut exact = true;
            let out = map
                .iter()
                .map(|(k, x)| {
                    let (y, e) = value(x);
                    exact &= e && !k.contains("{{");
                    (k.clone(), y)
                })
                .collect();
            (Value::Object(out), exact)
        }
        other => (other.clone(), true),
    }
}

/// A JSONPath of plain names and indexes (`$.a.b[0]`) as a JSON pointer (`/a/b/0`).
pub fn pointer(path: &str) -> Option<String> {
    let rest = path.strip_prefix('$')?;
    let mut out = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                let mut name = String::new();
                while let Some(&n) = chars.peek() {
                    if n.is_ascii_alphanumeric() || n == '_' || n == '-' {
                        name.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if name.is_empty() {
                    return None;
                }
                out.push('/');
                out.push_str(&name);
            }
            '[' => {
                let mut index = String::new();
                for n in chars.by_ref() {
                    if n == ']' {
                        break;
                    }
                    index.push(n);
                }
                if index.is_empty() || !index.chars().all(|d| d.is_ascii_digit()) {
                    return None;
                }
                out.push('/');
                out.push_str(&index);
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_become_expressions() {
        assert_eq!(string("{{ inputs.env_id }}"), Ok("$inputs.env_id".into()));
        assert_eq!(
            string("/envs/{{ inputs.e }}/apps/{{ steps.a.outputs.id }}"),
            Ok("/envs/{$inputs.e}/apps/{$steps.a.outputs.id}".into())
        );
        assert_eq!(string("plain"), Ok("plain".into()));
        assert!(string("worker-{{ run.id }}").is_err());
        assert!(string("{{ uuid() }}").is_err());
        assert!(string("{{ inputs.x | upper }}").is_err());
        assert!(string("$inputs.not_a_template").is_err());
        assert!(string("{{ inputs.x").is_err());
    }

    #[test]
    fn json_paths_become_pointers() {
        assert_eq!(pointer("$.a.b[0].c").as_deref(), Some("/a/b/0/c"));
        assert_eq!(pointer("$").as_deref(), Some(""));
        assert_eq!(pointer("$._embedded.users[*].id"), None);
        assert_eq!(pointer("$..id"), None);
    }
}

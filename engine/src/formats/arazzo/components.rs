//! The document's `components`: what steps name by `reference:
//! $components.parameters.page` (a parameter, its `value` overridable),
//! `$components.successActions.x`/`failureActions.x`, and what workflow
//! inputs name by a JSON Schema `$ref` (`#/components/inputs/x`).

use std::borrow::Cow;

use serde_json::Value;

/// The component a `reference` names, of the kind its place takes.
pub fn resolve<'a>(doc: &'a Value, reference: &str, kind: &str) -> Result<&'a Value, String> {
    let name = reference
        .strip_prefix("$components.")
        .and_then(|r| r.strip_prefix(kind))
        .and_then(|r| r.strip_prefix('.'))
        .filter(|n| !n.is_empty())
        .ok_or_else(|| format!("`{reference}` is not `$components.{kind}.NAME`"))?;
    let known = doc.pointer(&format!("/components/{kind}"));
    known.and_then(|k| k.get(name)).ok_or_else(|| {
        let names: Vec<&str> = known
            .and_then(Value::as_object)
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        match names.is_empty() {
            true => format!("`{reference}`: the document has no `components.{kind}`"),
            false => format!(
                "`{reference}`: no `{name}` in `components.{kind}` ({})",
                names.join(", ")
            ),
        }
    })
}

/// A parameter, or the one its `reference` names with the `value` it gives.
pub fn parameter<'a>(doc: &'a Value, p: &'a Value) -> Result<Cow<'a, Value>, String> {
    let Some(reference) = p.get("reference") else {
        return Ok(Cow::Borrowed(p));
    };
    let reference = reference.as_str().unwrap_or_default();
    let found = resolve(doc, reference, "parameters")?;
    Ok(match p.get("value") {
        Some(value) => {
            let mut own = found.clone();
            if let Some(map) = own.as_object_mut() {
                map.insert("value".into(), value.clone());
            }
            Cow::Owned(own)
        }
        None => Cow::Borrowed(found),
    })
}

/// An action, or the one its `reference` names.
pub fn action<'a>(doc: &'a Value, a: &'a Value, kind: &str) -> Result<&'a Value, String> {
    match a.get("reference") {
        Some(r) => resolve(doc, r.as_str().unwrap_or_default(), kind),
        None => Ok(a),
    }
}

/// A schema, or the one its local `$ref` (`#/components/inputs/x`) names;
/// references to other documents are not followed.
pub fn schema<'a>(doc: &'a Value, s: &'a Value) -> Result<&'a Value, String> {
    let mut at = s;
    // A chain of references ends, or it loops: a bound tells which.
    for _ in 0..32 {
        let Some(r) = at.get("$ref") else {
            return Ok(at);
        };
        let r = r.as_str().unwrap_or_default();
        let Some(pointer) = r.strip_prefix('#') else {
            return Err(format!(
                "`{r}`: only references inside this document (`#/components/inputs/NAME`) are followed"
            ));
        };
        at = doc
            .pointer(pointer)
            .ok_or_else(|| format!("`{r}` names nothing in this document"))?;
    }
    Err("the `$ref` chain loops".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"components": {
            "parameters": {"page": {"name": "page", "in": "query", "value": 1}},
            "inputs": {"a": {"$ref": "#/components/inputs/b"}, "b": {"type": "string"},
                       "loop": {"$ref": "#/components/inputs/loop"}},
            "failureActions": {"again": {"name": "again", "type": "retry"}},
        }})
    }

    #[test]
    fn a_referenced_parameter_takes_the_value_the_step_gives() {
        let doc = doc();
        let p = json!({"reference": "$components.parameters.page", "value": 7});
        let got = parameter(&doc, &p).unwrap();
        assert_eq!(*got, json!({"name": "page", "in": "query", "value": 7}));
        let p = json!({"reference": "$components.parameters.page"});
        assert_eq!(parameter(&doc, &p).unwrap()["value"], 1);
    }

    #[test]
    fn unknown_references_say_what_there_is() {
        let doc = doc();
        let p = json!({"reference": "$components.parameters.size"});
        assert_eq!(
            parameter(&doc, &p).unwrap_err(),
            "`$components.parameters.size`: no `size` in `components.parameters` (page)"
        );
        let a = json!({"reference": "$components.successActions.done"});
        assert_eq!(
            action(&doc, &a, "successActions").unwrap_err(),
            "`$components.successActions.done`: the document has no `components.successActions`"
        );
        let a = json!({"reference": "$components.failureActions.again"});
        assert_eq!(action(&doc, &a, "failureActions").unwrap()["type"], "retry");
    }

    #[test]
    fn schema_references_are_followed_to_the_end_and_loops_stop() {
        let doc = doc();
        let s = json!({"$ref": "#/components/inputs/a"});
        assert_eq!(schema(&doc, &s).unwrap(), &json!({"type": "string"}));
        let s = json!({"$ref": "#/components/inputs/loop"});
        assert_eq!(schema(&doc, &s).unwrap_err(), "the `$ref` chain loops");
        let s = json!({"$ref": "other.yaml#/x"});
        assert!(
            schema(&doc, &s)
                .unwrap_err()
                .contains("only references inside")
        );
    }
}

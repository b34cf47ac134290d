//! The reader held to serde-saphyr, for the tests and the fuzz target.

use serde_json::Value;

use super::from_str;
use crate::spec::Spec;
use crate::spec::load::yaml_options;

/// Reads `text` with the reader and with serde-saphyr, as a value and as a
/// spec: `Ok(true)` if the reader accepted it and both agree, `Ok(false)` if
/// it declined, `Err` saying how they differ.
pub fn compare_with_serde_saphyr(text: &str) -> Result<bool, String> {
    let value = from_str::<Value>(text);
    if let Some(value) = &value {
        let expected: Value = serde_saphyr::from_str_with_options(text, yaml_options())
            .map_err(|e| format!("serde-saphyr refuses what the reader took: {e}"))?;
        if *value != expected {
            return Err(format!("the values differ: {value} and {expected}"));
        }
    }
    if let Some(spec) = from_str::<Spec>(text) {
        let expected: Spec = serde_saphyr::from_str_with_options(text, yaml_options())
            .map_err(|e| format!("serde-saphyr refuses the spec the reader took: {e}"))?;
        let (spec, expected) = (json(&spec), json(&expected));
        if spec != expected {
            return Err(format!("the specs differ: {spec} and {expected}"));
        }
    }
    Ok(value.is_some())
}

fn json(spec: &Spec) -> Value {
    serde_json::to_value(spec).unwrap_or_default()
}

//! Human durations in specs: `500ms`, `5s`, `2m`, `1h`, or a number of seconds.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration(pub std::time::Duration);

impl Duration {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (value, unit) = number_and_unit(text)
            .ok_or_else(|| format!("`{text}` is not a duration like 500ms, 5s, 2m or 1h"))?;
        let seconds = match unit {
            "ms" => value / 1000.0,
            "" | "s" => value,
            "m" => value * 60.0,
            "h" => value * 3600.0,
            other => {
                return Err(format!(
                    "unknown duration unit `{other}` (use ms, s, m or h)"
                ));
            }
        };
        if !seconds.is_finite() || seconds > 7.0 * 24.0 * 3600.0 {
            return Err(format!("duration `{text}` is out of range"));
        }
        Ok(Self(std::time::Duration::from_secs_f64(seconds)))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.as_millis();
        if !ms.is_multiple_of(1000) {
            write!(f, "{ms}ms")
        } else {
            write!(f, "{}s", ms / 1000)
        }
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = number_or_text::<D, f64>(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// `1.5s` -> `(1.5, "s")`: the leading number and the unit after it.
pub(crate) fn number_and_unit(text: &str) -> Option<(f64, &str)> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    Some((number.parse().ok()?, unit.trim()))
}

/// A value written as a number (`5`) or as text (`5s`), as text: both
/// forms then go through one parser.
pub(crate) fn number_or_text<'de, D, N>(d: D) -> Result<String, D::Error>
where
    D: Deserializer<'de>,
    N: Deserialize<'de> + ToString,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw<N> {
        Number(N),
        Text(String),
    }
    Ok(match Raw::<N>::deserialize(d)? {
        Raw::Number(n) => n.to_string(),
        Raw::Text(t) => t,
    })
}

/// `impl JsonSchema` for a value written as text matching a pattern, or as a number.
macro_rules! text_or_number_schema {
    ($ty:ty, $name:literal, $description:literal, $pattern:literal, $number:tt) => {
        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                $name.into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "description": $description,
                    "anyOf": [{ "type": "string", "pattern": $pattern }, $number]
                })
            }
        }
    };
}
pub(crate) use text_or_number_schema;

text_or_number_schema!(
    Duration,
    "Duration",
    "A duration: `500ms`, `5s`, `2m`, `1h`, or a number of seconds.",
    "^[0-9]+(\\.[0-9]+)?(ms|s|m|h)?$",
    { "type": "number", "minimum": 0 }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(Duration::parse("500ms").unwrap().0.as_millis(), 500);
        assert_eq!(Duration::parse("2m").unwrap().0.as_secs(), 120);
        assert_eq!(Duration::parse("1.5").unwrap().0.as_millis(), 1500);
        assert!(Duration::parse("5 parsecs").is_err());
        assert!(Duration::parse("").is_err());
    }
}

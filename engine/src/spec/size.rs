//! Sizes in specs and on the command line: `16MiB`, `512KiB`, `2MB`, or a
//! number of bytes.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ByteSize(pub u64);

const UNITS: [(&str, u64); 7] = [
    ("B", 1),
    ("KiB", 1 << 10),
    ("MiB", 1 << 20),
    ("GiB", 1 << 30),
    ("KB", 1000),
    ("MB", 1000 * 1000),
    ("GB", 1000 * 1000 * 1000),
];

impl ByteSize {
    pub const MIB: u64 = 1 << 20;

    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (value, unit) = super::duration::number_and_unit(text)
            .ok_or_else(|| format!("`{text}` is not a size like 16MiB, 512KiB, 2MB or 1048576"))?;
        let factor = if unit.is_empty() {
            1
        } else {
            UNITS
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(unit))
                .map(|(_, f)| *f)
                .ok_or_else(|| {
                    format!("unknown size unit `{unit}` (use B, KiB, MiB, GiB, KB, MB or GB)")
                })?
        };
        let bytes = value * factor as f64;
        if !bytes.is_finite() || bytes < 1.0 || bytes > (1u64 << 40) as f64 {
            return Err(format!("size `{text}` is out of range (1 byte to 1 TiB)"));
        }
        Ok(Self(bytes as u64))
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, factor) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
            if self.0 >= factor && self.0.is_multiple_of(factor) {
                return write!(f, "{} {name}", self.0 / factor);
            }
        }
        write!(f, "{} bytes", self.0)
    }
}

impl std::str::FromStr for ByteSize {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::parse(s)
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = super::duration::number_or_text::<D, u64>(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

super::duration::text_or_number_schema!(
    ByteSize,
    "ByteSize",
    "A size: `16MiB`, `512KiB`, `2MB`, or a number of bytes.",
    "^\\s*[0-9]+(\\.[0-9]+)?\\s*([KkMmGg][Ii]?[Bb]|[Bb])?\\s*$",
    { "type": "integer", "minimum": 1 }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(ByteSize::parse("16MiB").unwrap().0, 16 << 20);
        assert_eq!(ByteSize::parse("512 KiB").unwrap().0, 512 << 10);
        assert_eq!(ByteSize::parse("2MB").unwrap().0, 2_000_000);
        assert_eq!(ByteSize::parse("1.5mib").unwrap().0, 3 << 19);
        assert_eq!(ByteSize::parse("1048576").unwrap().0, 1 << 20);
        assert_eq!(ByteSize::parse("10B").unwrap().0, 10);
        assert!(ByteSize::parse("5 parsecs").is_err());
        assert!(ByteSize::parse("16M").is_err());
        assert!(ByteSize::parse("0").is_err());
        assert!(ByteSize::parse("").is_err());
        assert_eq!(ByteSize(16 << 20).to_string(), "16 MiB");
        assert_eq!(ByteSize(1000).to_string(), "1000 bytes");
    }
}

//! PingOne Protect: risk predictors, risk policy sets, and risk evaluations computed from
//! them.

pub mod evaluations;
pub mod ip_range;
pub mod placeholder;
pub mod policy_sets;
pub mod predictors;

use serde_json::Value;

pub const LEVELS: &[&str] = &["LOW", "MEDIUM", "HIGH"];

/// A risk level as PingOne reads it: case-insensitive (its own examples send `"Low"`),
/// stored upper-case.
pub fn level(value: Option<&Value>) -> Option<&'static str> {
    let text = value?.as_str()?;
    LEVELS
        .iter()
        .copied()
        .find(|l| l.eq_ignore_ascii_case(text))
}

/// Numeric rank of a level, for comparing levels.
pub fn rank(level: &str) -> u8 {
    match level {
        "HIGH" => 2,
        "MEDIUM" => 1,
        _ => 0,
    }
}

//! Password policies: defaults, and checking a candidate password against the policy
//! that governs a user (population policy, else the environment default).

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::error::Detail;
use crate::store::EnvData;

const COMMON: &[&str] = &[
    "password",
    "password1",
    "password123",
    "123456",
    "12345678",
    "qwerty",
    "letmein",
    "welcome",
    "admin",
];
const SPECIALS: &str = "~!@#$%^&*()-_=+[]{}|;:,.<>/?";

pub fn prepare(body: &mut Map<String, Value>, details: &mut Vec<Detail>) {
    body.entry("default").or_insert(json!(false));
    let length = body
        .entry("length")
        .or_insert(json!({"min": 8, "max": 255}));
    let min = length.get("min").and_then(Value::as_u64).unwrap_or(8);
    let max = length.get("max").and_then(Value::as_u64).unwrap_or(255);
    if !(8..=32).contains(&min) {
        details.push(Detail::new(
            "OUT_OF_RANGE",
            "length.min",
            "length.min must be between 8 and 32",
        ));
    }
    if max < min || max > 255 {
        details.push(Detail::new(
            "OUT_OF_RANGE",
            "length.max",
            "length.max must be between length.min and 255",
        ));
    }
    body.entry("populationCount").or_insert(json!(0));
}

/// The id and body of the policy governing a user (population first, then the environment default).
pub fn policy_for<'a>(
    data: &'a EnvData,
    user: &Map<String, Value>,
) -> Option<(&'a str, &'a Map<String, Value>)> {
    let from_population = user
        .get("population")
        .and_then(|p| p.get("id"))
        .and_then(Value::as_str)
        .and_then(|pop| data.body("populations", pop))
        .and_then(|pop| pop.get("passwordPolicy"))
        .and_then(|p| p.get("id"))
        .and_then(Value::as_str)
        .and_then(|id| {
            data.rows("passwordPolicies")
                .find(|(key, _)| key.as_str() == id)
        });
    from_population
        .or_else(|| {
            data.rows("passwordPolicies")
                .find(|(_, row)| row.body.get("default").and_then(Value::as_bool) == Some(true))
        })
        .map(|(id, row)| (id.as_str(), &row.body))
}

/// Policy violations of `password` for `user` (empty = acceptable).
pub fn violations(data: &EnvData, user: &Map<String, Value>, password: &str) -> Vec<Detail> {
    let Some((_, policy)) = policy_for(data, user) else {
        return Vec::new();
    };
    let username = user.get("username").and_then(Value::as_str);
    problems(policy, username, password)
        .into_iter()
        .map(|message| Detail::invalid("password", message))
        .collect()
}

/// What is wrong with `password` under `policy` (a password policy body), for
/// a user named `username`; empty when the policy accepts it.
pub fn problems(
    policy: &Map<String, Value>,
    username: Option<&str>,
    password: &str,
) -> Vec<String> {
    let mut problems = Vec::new();
    let length = password.chars().count() as u64;
    let min = policy
        .get("length")
        .and_then(|l| l.get("min"))
        .and_then(Value::as_u64)
        .unwrap_or(8);
    let max = policy
        .get("length")
        .and_then(|l| l.get("max"))
        .and_then(Value::as_u64)
        .unwrap_or(255);
    if length < min || length > max {
        problems.push(format!("must be between {min} and {max} characters"));
    }
    if let Some(Value::Object(classes)) = policy.get("minCharacters") {
        for (class, need) in classes {
            let need = need.as_u64().unwrap_or(0);
            let have = password.chars().filter(|c| class.contains(*c)).count() as u64;
            if have < need {
                problems.push(format!("must contain at least {need} of '{class}'"));
            }
        }
    }
    if let Some(limit) = policy.get("maxRepeatedCharacters").and_then(Value::as_u64) {
        let chars: Vec<char> = password.chars().collect();
        let mut run = 1u64;
        for pair in chars.windows(2) {
            run = if pair[0] == pair[1] { run + 1 } else { 1 };
            if run > limit {
                problems.push(format!(
                    "must not repeat a character more than {limit} times in a row"
                ));
                break;
            }
        }
    }
    if let Some(unique) = policy.get("minUniqueCharacters").and_then(Value::as_u64) {
        let mut distinct: Vec<char> = password.chars().collect();
        distinct.sort_unstable();
        distinct.dedup();
        if (distinct.len() as u64) < unique {
            problems.push(format!("must contain at least {unique} unique characters"));
        }
    }
    if policy.get("excludesCommonlyUsed").and_then(Value::as_bool) == Some(true)
        && COMMON.contains(&password.to_ascii_lowercase().as_str())
    {
        problems.push("must not be a commonly used password".to_string());
    }
    if policy.get("excludesProfileData").and_then(Value::as_bool) == Some(true) {
        let username = username.unwrap_or_default();
        if !username.is_empty() && password.to_lowercase().contains(&username.to_lowercase()) {
            problems.push("must not contain profile data".to_string());
        }
    }
    problems
}

/// The Standard policy PingOne seeds in every environment.
pub fn standard() -> Map<String, Value> {
    let body = json!({
        "name": "Standard",
        "description": "A standard policy that incorporates industry best practices",
        "default": true,
        "excludesCommonlyUsed": true,
        "excludesProfileData": true,
        "notSimilarToCurrent": true,
        "history": {"count": 6, "retentionDays": 365},
        "length": {"min": 8, "max": 255},
        "lockout": {"failureCount": 5, "durationSeconds": 900},
        "maxAgeDays": 182,
        "minAgeDays": 1,
        "maxRepeatedCharacters": 2,
        "minUniqueCharacters": 5,
        "minCharacters": {
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ": 1,
            "abcdefghijklmnopqrstuvwxyz": 1,
            "0123456789": 1,
            SPECIALS: 1
        },
        "populationCount": 0
    });
    match body {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// Salted SHA-256: the sandbox never keeps a password in clear.
pub fn hash(salt: &str, password: &str) -> String {
    let digest = Sha256::digest(format!("{salt}:{password}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

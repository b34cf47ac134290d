//! Identifiers derived from free-form names: step ids, input and output
//! names (snake_case), spec names (kebab-case), all made unique.

use std::collections::HashSet;

/// `appID` -> `app_id`, `Create a user!` -> `create_a_user`; always an identifier.
pub fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_alphanumeric() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            // A word starts at a lower->Upper change or at the last capital of an acronym (`IDToken`).
            let boundary = c.is_ascii_uppercase()
                && prev.is_some_and(|p| {
                    p.is_ascii_lowercase()
                        || p.is_ascii_digit()
                        || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
                });
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_string();
    match out.chars().next() {
        None => "x".into(),
        Some(c) if c.is_ascii_digit() => format!("_{out}"),
        Some(_) => out,
    }
}

/// A step id from a request name: numbering like `Step 3:` and articles
/// dropped, at most 48 characters cut at a word boundary.
pub fn step_id(name: &str) -> String {
    if !name.chars().any(|c| c.is_ascii_alphanumeric()) {
        return "request".into();
    }
    let trimmed = strip_numbering(name);
    let words: Vec<String> = snake(trimmed)
        .split('_')
        .filter(|w| !matches!(*w, "a" | "an" | "the" | ""))
        .map(str::to_string)
        .collect();
    let mut id = String::new();
    for w in words {
        if !id.is_empty() && id.len() + 1 + w.len() > 48 {
            break;
        }
        if !id.is_empty() {
            id.push('_');
        }
        id.push_str(&w);
    }
    if id.is_empty() {
        return "request".into();
    }
    if id.starts_with(|c: char| c.is_ascii_digit()) {
        id.insert_str(0, "step_");
    }
    id
}

fn strip_numbering(name: &str) -> &str {
    let t = name.trim_start();
    let lower = t.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("step") else {
        return t;
    };
    let digits = rest.trim_start();
    let n = digits.chars().take_while(char::is_ascii_digit).count();
    if n == 0 {
        return t;
    }
    let after = &digits[n..];
    let after = after.trim_start_matches([':', '.', ')', '-', ' ', '\u{2013}']);
    if after.is_empty() {
        return t;
    }
    &t[t.len() - after.len()..]
}

/// `My Collection (v2)` -> `my-collection-v2`: the `name` pattern of specs.
pub fn kebab(name: &str) -> String {
    let s = snake(name).trim_start_matches('_').replace('_', "-");
    if s.is_empty() { "imported".into() } else { s }
}

/// `base`, or `base_2`, `base_3`... whichever is free; records the result.
pub fn unique(base: &str, taken: &mut HashSet<String>, sep: &str) -> String {
    let mut candidate = base.to_string();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{base}{sep}{n}");
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_cases() {
        assert_eq!(snake("appID"), "app_id");
        assert_eq!(snake("envID"), "env_id");
        assert_eq!(snake("adminAppSecret"), "admin_app_secret");
        assert_eq!(snake("IDToken"), "id_token");
        assert_eq!(snake("my-var.x"), "my_var_x");
        assert_eq!(snake("2fa"), "_2fa");
        assert_eq!(snake("!!"), "x");
    }

    #[test]
    fn step_ids() {
        assert_eq!(
            step_id("Step 1: Create a web application"),
            "create_web_application"
        );
        assert_eq!(step_id("Get the access token"), "get_access_token");
        assert_eq!(step_id("Step 10"), "step_10");
        assert_eq!(step_id(""), "request");
    }

    #[test]
    fn kebab_names() {
        assert_eq!(
            kebab("CLIENT_SECRET_JWT Use Case"),
            "client-secret-jwt-use-case"
        );
    }
}

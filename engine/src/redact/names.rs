//! Which names hold credentials: inputs and outputs, body fields (JSON keys,
//! form fields, query parameters, hidden HTML inputs) and headers.
//!
//! A name is split into lower-case words (`clientSecret`, `client_secret`
//! and `client-secret` are `client secret`); it names a credential when its
//! last word is one (`access_token`, `newPassword`, `code_verifier`), so
//! descriptions of credentials (`token_type`, `password_policy`,
//! `tokenEndpointAuthMethod`) stay readable.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

/// Last words that make a name a credential.
const SECRET_WORDS: &[&str] = &[
    "token",
    "secret",
    "password",
    "passwd",
    "passphrase",
    "assertion",
    "credential",
    "credentials",
    "verifier",
    "apikey",
    "otp",
    "pin",
    "samlresponse",
];

/// Words before `code` that make it something other than a credential.
const PLAIN_CODES: &[&str] = &[
    "status", "error", "http", "response", "user", "country", "postal", "zip", "area", "language",
    "lang", "currency", "exit", "reason", "locale", "region",
];

/// Headers whose values are credentials whatever their content.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
];

/// The lower-case words of a name: `clientSecret` -> `client secret`.
pub fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            prev_lower = false;
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            continue;
        }
        if c.is_uppercase() && prev_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        word.extend(c.to_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    // `SAMLResponse`, `APIKey`, `privateKey`: credentials spelled as two words.
    match words.as_slice() {
        [.., a, b] if a == "samlresponse" || (a == "saml" && b == "response") => {
            vec!["samlresponse".into()]
        }
        [.., a, b] if b == "key" && (a == "api" || a == "private") => vec!["apikey".into()],
        [.., a] if a == "apikey" || a == "samlresponse" => vec![a.clone()],
        _ => words,
    }
}

/// Substrings one of which every credential name contains: most names
/// (`id`, `name`, `status`) are answered without splitting them into words.
const HINTS: &[&str] = &[
    "token",
    "secret",
    "pass",
    "assertion",
    "credential",
    "verifier",
    "key",
    "otp",
    "pin",
    "code",
    "saml",
];

static HINTED: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(HINTS)
        .expect("fixed words")
});

/// Whether a text contains one of the words credential names are made of:
/// a text without one holds no credential-named field.
pub fn has_hint(text: &[u8]) -> bool {
    HINTED.is_match(text)
}

/// Whether an input, output or field name holds a credential.
pub fn is_secret_name(name: &str) -> bool {
    if !has_hint(name.as_bytes()) {
        return false;
    }
    let words = words(name);
    match words.as_slice() {
        [] => false,
        [.., before, last] if last == "code" => !PLAIN_CODES.contains(&before.as_str()),
        [.., last] => last == "code" || SECRET_WORDS.contains(&last.as_str()),
    }
}

/// Words before `key` in a header name that make it no credential.
const PLAIN_KEYS: &[&str] = &["idempotency", "cache", "public", "socket", "routing"];

/// Whether a header's value is a credential: the fixed list, or a name
/// like `X-Auth-Token`, `X-Access-Key` or `Ocp-Apim-Subscription-Key`
/// (a header named `*-Key` carries one far more often than not).
pub fn is_secret_header(name: &str) -> bool {
    if SECRET_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name)) || is_secret_name(name) {
        return true;
    }
    // Every request header comes through here: split only a `*key` name.
    let b = name.as_bytes();
    if !b[b.len().saturating_sub(3)..].eq_ignore_ascii_case(b"key") {
        return false;
    }
    match words(name).as_slice() {
        [.., before, last] if last == "key" => !PLAIN_KEYS.contains(&before.as_str()),
        _ => false,
    }
}

/// The normalised form of an extra field name from a spec's `secrets.fields`.
pub fn field_key(name: &str) -> String {
    words(name).join("_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_by_last_word() {
        for name in [
            "access_token",
            "id_token",
            "refresh_token",
            "accessToken",
            "client_secret",
            "clientSecret",
            "client_assertion",
            "password",
            "newPassword",
            "user_password",
            "code",
            "device_code",
            "authorization_code",
            "code_verifier",
            "assertion",
            "SAMLResponse",
            "api_key",
            "x-api-key",
            "apiKey",
            "privateKey",
            "otp",
            "secret",
            "admin_client_secret",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn descriptions_of_credentials_are_not() {
        for name in [
            "token_type",
            "tokenEndpointAuthMethod",
            "password_policy",
            "passwordPolicyId",
            "expires_in",
            "status_code",
            "user_code",
            "error_code",
            "id",
            "flow_id",
            "client_id",
            "idTokenSigningAlgorithm",
            "scope",
            "",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn headers() {
        assert!(is_secret_header("Authorization"));
        assert!(is_secret_header("Set-Cookie"));
        assert!(is_secret_header("X-Auth-Token"));
        assert!(is_secret_header("X-Access-Key"));
        assert!(is_secret_header("Ocp-Apim-Subscription-Key"));
        assert!(is_secret_header("X-Access-Token"));
        assert!(!is_secret_header("Idempotency-Key"));
        assert!(!is_secret_header("Content-Type"));
        assert!(!is_secret_header("Location"));
        // Names too short to end in a word before `key`.
        assert!(!is_secret_header("TE"));
        assert!(!is_secret_header("Key"));
    }

    #[test]
    fn words_split_case_and_separators() {
        assert_eq!(words("clientSecret"), ["client", "secret"]);
        assert_eq!(words("X-Api-Key"), ["apikey"]);
        assert_eq!(words("SAMLResponse"), ["samlresponse"]);
        assert_eq!(field_key("accessToken"), "access_token");
    }
}

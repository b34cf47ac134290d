use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

use super::*;

const SECRET: &str = "ab/cd+ef=gh é";

fn redactor() -> Redactor {
    let r = Redactor::new();
    r.add(SECRET);
    r
}

/// Every encoding the redactor promises to find.
fn encodings(secret: &str) -> Vec<String> {
    let json = serde_json::to_string(secret).unwrap();
    let mut out = vec![
        secret.to_string(),
        json[1..json.len() - 1].to_string(),
        json[1..json.len() - 1].replace('/', "\\/"),
        secret
            .chars()
            .map(|c| format!("\\u{:04x}", c as u32))
            .collect(),
        secret
            .chars()
            .map(|c| format!("\\u{:04X}", c as u32))
            .collect(),
        url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
        secret
            .bytes()
            .map(|b| format!("%{b:02x}"))
            .collect::<String>(),
        secret
            .bytes()
            .map(|b| format!("%{b:02X}"))
            .collect::<String>(),
    ];
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        out.push(engine.encode(secret));
    }
    out
}

#[test]
fn every_encoding_is_masked() {
    let r = redactor();
    for form in encodings(SECRET) {
        let text = format!("before {form} after");
        assert_eq!(r.redact(&text), "before ••• after", "{form}");
    }
}

#[test]
fn escaped_json_from_other_servers() {
    let r = Redactor::new();
    r.add("ab/cd/ef");
    // PHP escapes slashes, Python escapes everything outside ASCII.
    assert_eq!(r.redact(r#"{"v":"ab\/cd\/ef"}"#), r#"{"v":"•••"}"#);
    r.add("pässwörd");
    assert_eq!(
        r.redact(r#"{"v":"p\u00e4ssw\u00F6rd","n":1}"#),
        r#"{"v":"•••","n":1}"#
    );
}

#[test]
fn only_the_value_is_masked() {
    let r = Redactor::new();
    r.add("my pass/word");
    assert_eq!(
        r.redact("> GET http://h/path?x=1&p=my%20pass%2Fword&q=2"),
        "> GET http://h/path?x=1&p=•••&q=2"
    );
    assert_eq!(r.redact("p=my+pass%2fword"), "p=•••");
}

#[test]
fn uncaptured_credential_fields_are_masked() {
    let r = Redactor::new();
    let body = r#"{"access_token":"at-123456","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-abcdef","scope":"openid"}"#;
    assert_eq!(
        r.redact(body),
        r#"{"access_token":"•••","token_type":"Bearer","expires_in":3600,"refresh_token":"•••","scope":"openid"}"#
    );
    assert_eq!(
        r.redact("Location: https://app/cb?code=abc123xyz&state=s1"),
        "Location: https://app/cb?code=•••&state=s1"
    );
    assert_eq!(
        r.redact(r#"{"code":"INVALID_DATA","message":"bad"}"#),
        r#"{"code":"INVALID_DATA","message":"bad"}"#
    );
}

#[test]
fn a_form_quoted_inside_json_keeps_its_escapes() {
    let r = Redactor::new();
    let echoed = r#"{"body":"user=bob&password=hunter2-pass","json":null}"#;
    let text = serde_json::to_string(echoed).unwrap();
    let masked = r.redact(&text);
    let back: String = serde_json::from_str(&masked).expect("still JSON");
    assert_eq!(back, r#"{"body":"user=bob&password=•••","json":null}"#);
}

#[test]
fn learned_fields_are_masked_elsewhere_too() {
    let r = Redactor::new();
    r.learn_json(&serde_json::json!({ "nested": [{ "client_secret": "cs-0123456789" }] }));
    assert_eq!(r.redact("echo: cs-0123456789"), "echo: •••");
    r.learn_text("grant_type=password&username=u&password=pw%2Bplus");
    assert_eq!(r.redact("sent pw+plus"), "sent •••");
}

#[test]
fn spec_fields_extend_the_names() {
    let r = Redactor::new();
    assert_eq!(
        r.redact(r#"{"sessionKey":"k-1234"}"#),
        r#"{"sessionKey":"k-1234"}"#
    );
    r.add_fields([&"session_key".to_string()]);
    assert_eq!(
        r.redact(r#"{"sessionKey":"k-1234"}"#),
        r#"{"sessionKey":"•••"}"#
    );
}

#[test]
fn headers_keep_their_scheme() {
    let r = Redactor::new();
    r.learn_header("Authorization", "Bearer tok-123456");
    assert_eq!(
        r.redact("> Authorization: Bearer tok-123456"),
        "> Authorization: Bearer •••"
    );
    let basic = STANDARD.encode("client:pa55word");
    r.learn_header("Authorization", &format!("Basic {basic}"));
    assert_eq!(
        r.redact(&format!("Authorization: Basic {basic} and pa55word")),
        "Authorization: Basic ••• and •••"
    );
    r.learn_header("Set-Cookie", "ST=sess-98765; Path=/; HttpOnly");
    assert_eq!(
        r.redact("< set-cookie: ST=sess-98765; Path=/; HttpOnly"),
        "< set-cookie: ST=•••; Path=/; HttpOnly"
    );
}

#[test]
fn empty_basic_credentials_mask_the_credential_and_nothing_else() {
    // `Basic Og==` is the pair `:`: masking that would take every `:` of a report.
    let r = Redactor::new();
    r.learn_header("Authorization", "Basic Og==");
    assert_eq!(r.short_secrets(), 0);
    assert_eq!(
        r.redact(r#"{"version": 1, "auth": "Basic Og=="}"#),
        r#"{"version": 1, "auth": "Basic •••"}"#
    );
}

#[test]
fn jwts_are_masked_by_shape() {
    let r = Redactor::new();
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"k1"}"#);
    let jwt = format!("{header}.eyJzdWIiOiJ1c2VyIn0.c2ln");
    assert_eq!(r.redact(&format!("id_token={jwt}&x=1")), "id_token=•••&x=1");
    assert_eq!(r.redact(&format!("got {jwt}.")), "got •••.");
}

#[test]
fn short_secrets_are_masked_as_whole_values() {
    let r = Redactor::new();
    r.add("42a");
    assert_eq!(r.short_secrets(), 1);
    assert_eq!(
        r.redact(r#"{"pin":"42a","n":"x42ab"}"#),
        r#"{"pin":"•••","n":"x42ab"}"#
    );
    assert_eq!(r.redact("> X-Pin: 42a\n"), "> X-Pin: •••\n");
    assert_eq!(r.redact("a=42a&b=1"), "a=•••&b=1");
    assert_eq!(r.redact("42a"), "•••");
}

#[test]
fn longer_secret_wins_over_a_contained_one() {
    let r = Redactor::new();
    r.add("abcd");
    r.add("abcdefgh");
    assert_eq!(r.redact("x abcdefgh y abcd"), "x ••• y •••");
}

#[test]
fn redact_value_masks_credential_fields_and_keys() {
    let r = redactor();
    let mut v = serde_json::json!({
        "password": "literal-pw",
        "token_type": "Bearer",
        SECRET: "k",
        "list": [SECRET, 1],
    });
    r.redact_value(&mut v);
    assert_eq!(
        v,
        serde_json::json!({ "password": "•••", "token_type": "Bearer", "•••": "k", "list": ["•••", 1] })
    );
}

#[test]
fn nothing_to_mask_is_unchanged() {
    let r = Redactor::new();
    let text = "HTTP 200 OK\n{\"id\":\"app-1\",\"name\":\"x\"}";
    assert_eq!(r.redact(text), text);
    assert!(r.is_empty());
}

#[test]
fn secrets_learned_one_by_one_are_all_masked_every_time() {
    let r = Redactor::new();
    let secrets: Vec<String> = (0..40)
        .map(|i| format!("token-{i:03}-{}", "x".repeat(i)))
        .collect();
    for (n, secret) in secrets.iter().enumerate() {
        r.add(secret);
        // Redacting between additions builds the automata in every split.
        let known = secrets[..=n].join(" | ");
        let masked = r.redact(&known);
        assert!(!masked.contains("token-"), "after {n}: {masked}");
        let base64 = STANDARD.encode(secret);
        assert_eq!(r.redact(&format!("b={base64};")), "b=•••;");
    }
    assert_eq!(r.redact("token-999-unknown"), "token-999-unknown");
}

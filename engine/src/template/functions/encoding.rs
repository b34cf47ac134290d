//! base64, hashing and JSON text.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use minijinja::{Error, Value};
use sha2::{Digest, Sha256};

use super::{bytes, fail, text};

pub fn base64(value: &Value) -> Result<String, Error> {
    Ok(STANDARD.encode(bytes("base64", value)?))
}

/// URL-safe alphabet without padding, as JWTs and PKCE use it.
pub fn base64url(value: &Value) -> Result<String, Error> {
    Ok(URL_SAFE_NO_PAD.encode(bytes("base64url", value)?))
}

/// Accepts either alphabet, padded or not; the result must be UTF-8 text.
pub fn b64decode(value: &Value) -> Result<String, Error> {
    let input = text("b64decode", value)?;
    let input = input.trim();
    let decoded = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(input).ok())
        // The input may be a secret: say what is wrong, not what it was.
        .ok_or_else(|| fail("b64decode", "the value is not valid base64"))?;
    String::from_utf8(decoded)
        .map_err(|_| fail("b64decode", "the decoded bytes are not UTF-8 text"))
}

pub fn sha256(value: &Value) -> Result<String, Error> {
    let digest = Sha256::digest(bytes("sha256", value)?);
    Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
}

pub fn sha256_base64url(value: &Value) -> Result<String, Error> {
    Ok(URL_SAFE_NO_PAD.encode(Sha256::digest(bytes("sha256_base64url", value)?)))
}

/// Compact JSON text. Unlike the builtin `tojson` it does not HTML-escape
/// `<`, `>`, `&` and `'`, which would change a signed or hashed payload.
pub fn json(value: &Value) -> Result<String, Error> {
    if value.is_undefined() {
        return Err(fail("json", "the value is undefined"));
    }
    serde_json::to_string(value).map_err(|e| fail("json", e))
}

#[cfg(test)]
mod tests {
    use crate::template::functions::test_support::{eval_err, eval_str};

    #[test]
    fn base64_variants() {
        assert_eq!(eval_str("base64('user:pa ss?')"), "dXNlcjpwYSBzcz8=");
        assert_eq!(eval_str("'user:pa ss?' | base64"), "dXNlcjpwYSBzcz8=");
        assert_eq!(eval_str("base64url('user:pa ss?')"), "dXNlcjpwYSBzcz8");
        assert_eq!(eval_str("'>>>???' | base64url"), "Pj4-Pz8_");
        assert_eq!(eval_str("b64decode('dXNlcjpwYSBzcz8=')"), "user:pa ss?");
        assert_eq!(eval_str("'Pj4-Pz8_' | b64decode"), ">>>???");
        assert_eq!(eval_str("base64(42)"), "NDI=");
    }

    #[test]
    fn b64decode_errors_do_not_echo_the_input() {
        insta::assert_snapshot!(eval_err("b64decode('s3cr3t!!')"));
    }

    #[test]
    fn hashes() {
        assert_eq!(
            eval_str("sha256('abc')"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            eval_str("'abc' | sha256_base64url"),
            "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
        );
    }

    #[test]
    fn json_text_and_urlencode() {
        assert_eq!(
            eval_str("json({'a': [1, true, none], 'b': '<&>'})"),
            r#"{"a":[1,true,null],"b":"<&>"}"#
        );
        assert_eq!(eval_str("{'b': 2, 'a': 1} | json"), r#"{"b":2,"a":1}"#);
        assert_eq!(eval_str("urlencode('a b&c')"), "a%20b%26c");
        assert_eq!(eval_str("'a b&c' | urlencode"), "a%20b%26c");
        insta::assert_snapshot!(eval_err("base64([1, 2])"));
    }
}

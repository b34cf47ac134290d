//! OAuth helpers: PKCE, HTTP Basic credentials, client assertion JWTs.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use minijinja::value::{Kwargs, Serde};
use minijinja::{Error, Value};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::{fail, no_unknown_kwargs, optional, optional_text, required_text, text};

/// `{verifier, challenge, method: "S256"}`; the verifier is 32 random bytes
/// in base64url (43 unreserved characters, RFC 7636 section 4.1).
pub fn pkce() -> Value {
    let mut random = [0u8; 32];
    rand::rng().fill_bytes(&mut random);
    let verifier = URL_SAFE_NO_PAD.encode(random);
    let challenge = challenge_of(&verifier);
    minijinja::context! { verifier => verifier, challenge => challenge, method => "S256" }
}

/// BASE64URL-NOPAD(SHA256(verifier)), the S256 method.
pub fn pkce_challenge(verifier: &Value) -> Result<String, Error> {
    Ok(challenge_of(&text("pkce_challenge", verifier)?))
}

fn challenge_of(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `Basic base64(user:password)`.
pub fn basic_auth(user: &Value, password: &Value) -> Result<String, Error> {
    let user = text("basic_auth", user)?;
    let password = text("basic_auth", password)?;
    Ok(format!(
        "Basic {}",
        STANDARD.encode(format!("{user}:{password}"))
    ))
}

/// The claims both client assertion kinds share (RFC 7523 section 3).
fn assertion_claims(function: &str, kwargs: &Kwargs) -> Result<serde_json::Value, Error> {
    let client_id = required_text(function, kwargs, "client_id")?;
    let audience = required_text(function, kwargs, "audience")?;
    let lifetime: i64 = optional(function, kwargs, "lifetime")?.unwrap_or(300);
    if lifetime <= 0 {
        return Err(fail(
            function,
            format!("`lifetime` must be positive, got {lifetime}"),
        ));
    }
    let iat = time::OffsetDateTime::now_utc().unix_timestamp();
    Ok(serde_json::json!({
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": iat,
        "exp": iat + lifetime,
        // Fresh per call: servers reject a replayed jti.
        "jti": uuid::Uuid::new_v4().to_string(),
    }))
}

/// `client_secret_jwt(client_id=, secret=, audience=, lifetime=300)`: HS256.
pub fn client_secret_jwt(kwargs: Kwargs) -> Result<String, Error> {
    const NAME: &str = "client_secret_jwt";
    let claims = assertion_claims(NAME, &kwargs)?;
    let secret = required_text(NAME, &kwargs, "secret")?;
    no_unknown_kwargs(NAME, &kwargs)?;
    let key = EncodingKey::from_secret(secret.as_bytes());
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key)
        .map_err(|e| fail(NAME, format!("cannot sign: {e}")))
}

/// `private_key_jwt(client_id=, key=PEM, audience=, kid=none, lifetime=300)`: RS256.
pub fn private_key_jwt(kwargs: Kwargs) -> Result<String, Error> {
    const NAME: &str = "private_key_jwt";
    let claims = assertion_claims(NAME, &kwargs)?;
    let pem = required_text(NAME, &kwargs, "key")?;
    let kid = optional_text(NAME, &kwargs, "kid")?;
    no_unknown_kwargs(NAME, &kwargs)?;
    // The parser's message is about the PEM structure, never its content.
    let key = EncodingKey::from_rsa_pem(pem.as_bytes())
        .map_err(|e| fail(NAME, format!("`key` is not an RSA private key in PEM: {e}")))?;
    let mut header = Header::new(Algorithm::RS256);
    header.kid = kid;
    jsonwebtoken::encode(&header, &claims, &key)
        .map_err(|e| fail(NAME, format!("cannot sign: {e}")))
}

/// `signed_jwt(claims, secret=, algorithm="HS256", lifetime=3600)`: a JWT of any claims
/// signed with a shared secret (HS256, HS384 or HS512), such as PingOne's
/// `login_hint_token` and `request` object. `iat` (now) and `exp` (`iat + lifetime`)
/// are added unless the claims carry them.
pub fn signed_jwt(claims: &Value, kwargs: Kwargs) -> Result<String, Error> {
    const NAME: &str = "signed_jwt";
    let secret = required_text(NAME, &kwargs, "secret")?;
    let algorithm = optional_text(NAME, &kwargs, "algorithm")?;
    let lifetime: i64 = optional(NAME, &kwargs, "lifetime")?.unwrap_or(3600);
    no_unknown_kwargs(NAME, &kwargs)?;
    let algorithm = match algorithm.as_deref().unwrap_or("HS256") {
        "HS256" => Algorithm::HS256,
        "HS384" => Algorithm::HS384,
        "HS512" => Algorithm::HS512,
        other => {
            return Err(fail(
                NAME,
                format!("unknown algorithm {other:?} (expected HS256, HS384 or HS512)"),
            ));
        }
    };
    if lifetime <= 0 {
        return Err(fail(
            NAME,
            format!("`lifetime` must be positive, got {lifetime}"),
        ));
    }
    let mut claims = match serde_json::to_value(claims) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => {
            return Err(fail(
                NAME,
                format!("the claims must be a map, got {}", claims.kind()),
            ));
        }
    };
    let iat = time::OffsetDateTime::now_utc().unix_timestamp();
    let issued = claims
        .entry("iat")
        .or_insert_with(|| iat.into())
        .as_i64()
        .unwrap_or(iat);
    claims
        .entry("exp")
        .or_insert_with(|| (issued + lifetime).into());
    let key = EncodingKey::from_secret(secret.as_bytes());
    jsonwebtoken::encode(&Header::new(algorithm), &claims, &key)
        .map_err(|e| fail(NAME, format!("cannot sign: {e}")))
}

/// The claims of a JWT, unverified: for assertions on what a server issued.
pub fn jwt_decode(token: &Value) -> Result<Value, Error> {
    let token = text("jwt_decode", token)?;
    let claims: serde_json::Value = jsonwebtoken::dangerous::insecure_decode_claims(token.trim())
        .map_err(|e| fail("jwt_decode", format!("not a JWT: {e}")))?;
    Ok(Value::from(Serde(claims)))
}

#[cfg(test)]
mod tests;

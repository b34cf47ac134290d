//! A `client_assertion` signed with a client secret (CLIENT_SECRET_JWT):
//! recognised so the import writes `client_secret_jwt(...)`, which signs a
//! fresh one each run, instead of a token that expires.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::Value as Json;
use sha2::Sha256;

pub struct Assertion {
    pub issuer: String,
    pub audience: String,
    signing_input: String,
    signature: Vec<u8>,
}

/// An HS256 JWT with an issuer and one audience.
pub fn parse(token: &str) -> Option<Assertion> {
    let mut parts = token.split('.');
    let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let read = |p: &str| -> Option<Json> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p.trim_end_matches('=')).ok()?).ok()
    };
    if read(header)?.get("alg")?.as_str()? != "HS256" {
        return None;
    }
    let claims = read(payload)?;
    let audience = match claims.get("aud")? {
        Json::String(s) => s.clone(),
        Json::Array(a) => a.first()?.as_str()?.to_string(),
        _ => return None,
    };
    Some(Assertion {
        issuer: claims.get("iss")?.as_str()?.to_string(),
        audience,
        signing_input: format!("{header}.{payload}"),
        signature: URL_SAFE_NO_PAD.decode(signature).ok()?,
    })
}

impl Assertion {
    /// Whether `secret` made the signature.
    pub fn signed_with(&self, secret: &str) -> bool {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
            return false;
        };
        mac.update(self.signing_input.as_bytes());
        mac.verify_slice(&self.signature).is_ok()
    }
}

/// The S256 challenge of a PKCE verifier.
pub fn pkce_challenge(verifier: &str) -> String {
    use sha2::Digest;
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

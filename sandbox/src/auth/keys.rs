//! The RS256 signing key, JWKS publication and JWT signing/verification.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::server::AppState;

/// An RSA 2048 key pair with its `kid` and published components.
pub struct SigningKey {
    pub kid: String,
    pair: KeyPair,
    n: String,
    e: String,
    decoding: DecodingKey,
}

impl SigningKey {
    pub fn generate() -> anyhow::Result<SigningKey> {
        let pair = KeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| anyhow::anyhow!("RSA key generation failed"))?;
        let components = PublicKeyComponents::<Vec<u8>>::from(pair.public_key());
        let n = URL_SAFE_NO_PAD.encode(&components.n);
        let e = URL_SAFE_NO_PAD.encode(&components.e);
        // kid: a thumbprint-like digest of the modulus, stable for the key's lifetime.
        let kid = URL_SAFE_NO_PAD.encode(&Sha256::digest(&components.n)[..16]);
        let decoding = DecodingKey::from_rsa_raw_components(&components.n, &components.e);
        Ok(SigningKey {
            kid,
            pair,
            n,
            e,
            decoding,
        })
    }

    /// Signs `claims` as a compact RS256 JWT; `typ` goes into the header when given.
    pub fn sign(&self, typ: Option<&str>, claims: &Map<String, Value>) -> anyhow::Result<String> {
        let mut header = Map::new();
        header.insert("alg".into(), json!("RS256"));
        header.insert("kid".into(), json!(self.kid));
        if let Some(typ) = typ {
            header.insert("typ".into(), json!(typ));
        }
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header)?),
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims)?)
        );
        let mut signature = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| anyhow::anyhow!("RSA signing failed"))?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }

    /// Verifies the signature of a token we issued and returns its claims (expiry is the caller's call).
    pub fn verify(&self, token: &str) -> Option<Map<String, Value>> {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        decode::<Map<String, Value>>(token, &self.decoding, &validation)
            .ok()
            .map(|data| data.claims)
    }

    pub fn jwk(&self) -> Value {
        json!({"kty": "RSA", "kid": self.kid, "use": "sig", "alg": "RS256", "n": self.n, "e": self.e})
    }
}

/// Claims of a compact JWT without verifying it (to find out who signed it).
pub fn peek_claims(token: &str) -> Option<Map<String, Value>> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// `GET /{envId}/as/jwks`
pub async fn jwks(State(state): State<AppState>) -> impl IntoResponse {
    Json(json!({"keys": [state.store.keys.jwk()]}))
}

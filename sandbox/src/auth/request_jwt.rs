//! JWTs an application signs for `/as/authorize`: the `login_hint_token` that names the
//! user (so an MFA-only policy skips identifying them) and the `request` object that
//! carries the request's parameters.
//!
//! Both are signed with the client secret (`HS256`, `HS384`, `HS512`); a request object
//! may also be signed with the application's own RSA key (`RS256`, `RS384`, `RS512`,
//! verified against its `jwks`). `iss` is the client id and `aud` the environment's
//! issuer (`.../{envId}/as`). A `login_hint_token` must carry `exp`; neither may be
//! nested or encrypted (no `cty` or `enc` header).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::{Map, Value};

use crate::auth::client_auth::app_public_keys;
use crate::clock;
use crate::store::EnvData;

/// Seconds of clock skew allowed on `exp` and `nbf`.
const LEEWAY: u64 = 5;

/// Which of the two JWTs is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    LoginHintToken,
    RequestObject,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::LoginHintToken => "login_hint_token",
            Kind::RequestObject => "request object",
        }
    }
}

/// The verified claims of `token`, or why it is refused.
pub fn verify(
    data: &EnvData,
    app: &Map<String, Value>,
    issuer: &str,
    token: &str,
    kind: Kind,
) -> Result<Map<String, Value>, String> {
    let name = kind.name();
    let malformed = || format!("The {name} is not a signed JWT");
    let raw_header = token
        .split('.')
        .next()
        .and_then(|h| URL_SAFE_NO_PAD.decode(h.trim_end_matches('=')).ok())
        .and_then(|b| serde_json::from_slice::<Map<String, Value>>(&b).ok())
        .ok_or_else(malformed)?;
    if raw_header.contains_key("cty") || raw_header.contains_key("enc") {
        return Err(format!(
            "The {name} must not be nested or encrypted (cty and enc are not supported)"
        ));
    }
    let header = decode_header(token).map_err(|_| malformed())?;
    let client_id = app.get("id").and_then(Value::as_str).unwrap_or_default();
    let now = clock::now();
    let keys: Vec<DecodingKey> = match header.alg {
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
            let Some(secret) = data.app_secrets.get(client_id) else {
                return Err(format!("The {name} signature is invalid"));
            };
            let mut keys = vec![DecodingKey::from_secret(secret.current.as_bytes())];
            if let Some((old, until)) = &secret.previous
                && *until > now
            {
                keys.push(DecodingKey::from_secret(old.as_bytes()));
            }
            keys
        }
        Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512 if kind == Kind::RequestObject => {
            app_public_keys(app, header.kid.as_deref())
        }
        other => {
            return Err(format!(
                "The {name} is signed with {other:?}, which is not supported"
            ));
        }
    };
    let mut validation = Validation::new(header.alg);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    let claims = keys
        .iter()
        .find_map(|key| decode::<Map<String, Value>>(token, key, &validation).ok())
        .map(|d| d.claims)
        .ok_or_else(|| format!("The {name} signature is invalid"))?;
    if claims.get("iss").and_then(Value::as_str) != Some(client_id) {
        return Err(format!("The {name} issuer (iss) must be the client_id"));
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(aud)) => aud == issuer,
        Some(Value::Array(list)) => list.iter().any(|a| a.as_str() == Some(issuer)),
        _ => false,
    };
    if !audience_ok {
        return Err(format!("The {name} audience (aud) must be {issuer}"));
    }
    match claims.get("exp").map(Value::as_u64) {
        None if kind == Kind::LoginHintToken => {
            return Err(format!("The {name} has no expiration time (exp)"));
        }
        None => {}
        Some(None) => return Err(format!("The {name} expiration time (exp) is not a number")),
        Some(Some(exp)) if exp + LEEWAY <= now => return Err(format!("The {name} is expired")),
        Some(Some(_)) => {}
    }
    if let Some(nbf) = claims.get("nbf").and_then(Value::as_u64)
        && nbf > now + LEEWAY
    {
        return Err(format!("The {name} is not valid yet (nbf)"));
    }
    Ok(claims)
}

/// The user a verified `login_hint_token` names by `sub`: a user id or a username.
pub fn hinted_user(data: &EnvData, claims: &Map<String, Value>) -> Result<String, String> {
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or("The login_hint_token has no subject (sub)")?;
    data.row("users", sub)
        .map(|_| sub.to_string())
        .or_else(|| data.user_by_username(sub).map(|(id, _)| id.clone()))
        .ok_or_else(|| "The login_hint_token subject (sub) does not identify a user".to_string())
}

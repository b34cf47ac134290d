//! Client authentication at the token, introspection and revocation endpoints.
//!
//! The method the client presents must be the application's `tokenEndpointAuthMethod`:
//! `CLIENT_SECRET_BASIC`, `CLIENT_SECRET_POST`, `CLIENT_SECRET_JWT` (HS256 with the
//! client secret), `PRIVATE_KEY_JWT` (RS256 against the app's `jwks`) or `NONE`.

use std::collections::HashMap;

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::{Map, Value};

use crate::auth::keys::peek_claims;
use crate::clock;
use crate::error::{OAuthError, OAuthResult};
use crate::store::{EnvData, Store};

pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Client assertions may not expire more than an hour ahead.
const MAX_ASSERTION_LIFETIME: u64 = 3600;

/// An authenticated client.
#[derive(Debug, Clone)]
pub struct Client {
    pub id: String,
    pub app: Map<String, Value>,
    /// Verified claims of the `client_assertion`, for token fulfillment expressions.
    pub assertion: Option<Map<String, Value>>,
}

impl Client {
    /// A numeric setting of the application (`refreshTokenDuration`, `deviceTimeout`), or
    /// `default`.
    pub fn number(&self, key: &str, default: u64) -> u64 {
        self.app.get(key).and_then(Value::as_u64).unwrap_or(default)
    }

    pub fn requester(&self) -> crate::auth::claims::Requester<'_> {
        crate::auth::claims::Requester {
            app_id: &self.id,
            client_assertion: self.assertion.as_ref(),
        }
    }
}

/// Credentials as presented, before checking them.
pub enum Presented {
    Basic {
        id: String,
        secret: String,
    },
    Post {
        id: String,
        secret: String,
    },
    Assertion {
        id: String,
        jwt: String,
        alg: Algorithm,
    },
    IdOnly {
        id: String,
    },
}

impl Presented {
    pub fn client_id(&self) -> &str {
        match self {
            Presented::Basic { id, .. }
            | Presented::Post { id, .. }
            | Presented::Assertion { id, .. }
            | Presented::IdOnly { id } => id,
        }
    }

    fn method(&self) -> &'static str {
        match self {
            Presented::Basic { .. } => "CLIENT_SECRET_BASIC",
            Presented::Post { .. } => "CLIENT_SECRET_POST",
            Presented::Assertion {
                alg: Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512,
                ..
            } => "CLIENT_SECRET_JWT",
            Presented::Assertion { .. } => "PRIVATE_KEY_JWT",
            Presented::IdOnly { .. } => "NONE",
        }
    }
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("v={text}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Reads whatever credentials the request carries.
pub fn presented(headers: &HeaderMap, params: &HashMap<String, String>) -> OAuthResult<Presented> {
    if let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        && let Some((scheme, encoded)) = value.split_once(' ')
        && scheme.eq_ignore_ascii_case("basic")
    {
        let decoded = STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| OAuthError::invalid_client("Malformed Basic authorization header"))?;
        let (id, secret) = decoded
            .split_once(':')
            .ok_or_else(|| OAuthError::invalid_client("Malformed Basic authorization header"))?;
        return Ok(Presented::Basic {
            id: percent_decode(id),
            secret: percent_decode(secret),
        });
    }
    if let Some(jwt) = params.get("client_assertion") {
        if params.get("client_assertion_type").map(String::as_str) != Some(JWT_BEARER) {
            return Err(OAuthError::invalid_client(
                "Unsupported client_assertion_type",
            ));
        }
        let header = decode_header(jwt)
            .map_err(|_| OAuthError::invalid_client("Malformed client assertion"))?;
        let claims = peek_claims(jwt)
            .ok_or_else(|| OAuthError::invalid_client("Malformed client assertion"))?;
        let id = claims
            .get("iss")
            .and_then(Value::as_str)
            .or_else(|| claims.get("sub").and_then(Value::as_str))
            .ok_or_else(|| OAuthError::invalid_client("Client assertion has no iss"))?;
        if let Some(body_id) = params.get("client_id")
            && body_id != id
        {
            return Err(OAuthError::invalid_client(
                "client_id does not match the client assertion",
            ));
        }
        return Ok(Presented::Assertion {
            id: id.to_string(),
            jwt: jwt.clone(),
            alg: header.alg,
        });
    }
    match (params.get("client_id"), params.get("client_secret")) {
        (Some(id), Some(secret)) => Ok(Presented::Post {
            id: id.clone(),
            secret: secret.clone(),
        }),
        (Some(id), None) => Ok(Presented::IdOnly { id: id.clone() }),
        _ => Err(OAuthError::invalid_client(
            "Client authentication is required",
        )),
    }
}

/// Authenticates the client per its configured method. `endpoint` is the URL being called
/// (a valid assertion audience besides the token endpoint and the issuer).
pub fn authenticate(
    store: &Store,
    data: &mut EnvData,
    headers: &HeaderMap,
    params: &HashMap<String, String>,
    endpoint: &str,
) -> OAuthResult<Client> {
    let presented = presented(headers, params)?;
    verify(store, data, presented, endpoint)
}

pub fn verify(
    store: &Store,
    data: &mut EnvData,
    presented: Presented,
    endpoint: &str,
) -> OAuthResult<Client> {
    let id = presented.client_id().to_string();
    let app = data
        .body("applications", &id)
        .filter(|a| a.get("protocol").and_then(Value::as_str) == Some("OPENID_CONNECT"))
        .cloned()
        .ok_or_else(|| OAuthError::invalid_client("Client authentication failed"))?;
    if app.get("enabled").and_then(Value::as_bool) == Some(false) {
        return Err(OAuthError::invalid_client("The application is disabled"));
    }
    let configured = app
        .get("tokenEndpointAuthMethod")
        .and_then(Value::as_str)
        .unwrap_or("CLIENT_SECRET_BASIC");
    if presented.method() != configured {
        return Err(OAuthError::invalid_client(format!(
            "Unsupported authentication method: the application requires {configured}"
        )));
    }
    let now = clock::now();
    let mut assertion = None;
    match presented {
        Presented::Basic { secret, .. } | Presented::Post { secret, .. } => {
            let ok = data
                .app_secrets
                .get(&id)
                .is_some_and(|s| s.matches(&secret, now));
            if !ok {
                return Err(OAuthError::invalid_client("Client authentication failed"));
            }
        }
        Presented::Assertion { jwt, alg, .. } => {
            let keys: Vec<DecodingKey> = if configured == "CLIENT_SECRET_JWT" {
                let Some(secret) = data.app_secrets.get(&id) else {
                    return Err(OAuthError::invalid_client("Client authentication failed"));
                };
                let mut keys = vec![DecodingKey::from_secret(secret.current.as_bytes())];
                if let Some((old, until)) = &secret.previous
                    && *until > now
                {
                    keys.push(DecodingKey::from_secret(old.as_bytes()));
                }
                keys
            } else {
                let kid = decode_header(&jwt).ok().and_then(|h| h.kid);
                app_public_keys(&app, kid.as_deref())
            };
            let issuer = store.issuer(&data.id);
            let audiences = [
                format!("{issuer}/token"),
                issuer.clone(),
                endpoint.to_string(),
            ];
            let mut validation = Validation::new(alg);
            validation.set_audience(&audiences);
            validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
            validation.set_issuer(&[&id]);
            validation.sub = Some(id.clone());
            validation.leeway = 5;
            validation.validate_nbf = true;
            let claims = keys
                .iter()
                .find_map(|key| decode::<Map<String, Value>>(&jwt, key, &validation).ok())
                .map(|d| d.claims)
                .ok_or_else(|| {
                    OAuthError::invalid_client("The client assertion is invalid or expired")
                })?;
            let exp = claims.get("exp").and_then(Value::as_u64).unwrap_or(0);
            if exp > now + MAX_ASSERTION_LIFETIME + 5 {
                return Err(OAuthError::invalid_client(
                    "The client assertion expires more than one hour ahead",
                ));
            }
            if let Some(jti) = claims.get("jti").and_then(Value::as_str) {
                data.used_jtis.retain(|_, until| *until + 10 > now);
                let key = format!("{id}:{jti}");
                if data.used_jtis.contains_key(&key) {
                    return Err(OAuthError::invalid_client(
                        "The client assertion has already been used",
                    ));
                }
                data.used_jtis.insert(key, exp);
            }
            assertion = Some(claims);
        }
        Presented::IdOnly { .. } => {}
    }
    Ok(Client { id, app, assertion })
}

/// RSA keys from the application's `jwks` (a JSON string or object), matching `kid` when given.
pub(crate) fn app_public_keys(app: &Map<String, Value>, kid: Option<&str>) -> Vec<DecodingKey> {
    let jwks = match app.get("jwks") {
        Some(Value::String(text)) => serde_json::from_str::<Value>(text).unwrap_or(Value::Null),
        Some(value) => value.clone(),
        None => Value::Null,
    };
    jwks.get("keys")
        .and_then(Value::as_array)
        .map(|keys| {
            keys.iter()
                .filter(|k| kid.is_none_or(|kid| k.get("kid").and_then(Value::as_str) == Some(kid)))
                .filter_map(|k| {
                    let n = k.get("n")?.as_str()?;
                    let e = k.get("e")?.as_str()?;
                    DecodingKey::from_rsa_components(n, e).ok()
                })
                .collect()
        })
        .unwrap_or_default()
}

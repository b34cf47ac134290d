//! [`Tokens`]: requests to the token endpoint, and [`verify`]: JWTs checked against the
//! environment's JWKS.

use reqwest::StatusCode;
use serde_json::Value;

use super::{Ctx, JWT_BEARER, REDIRECT, merged, send};

/// How a client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy)]
pub enum Auth<'a> {
    /// HTTP Basic (`CLIENT_SECRET_BASIC`).
    Basic(&'a str, &'a str),
    /// `client_id` and `client_secret` in the form (`CLIENT_SECRET_POST`).
    Post(&'a str, &'a str),
    /// `client_id` alone (public clients).
    Public(&'a str),
    /// A `client_assertion` (`CLIENT_SECRET_JWT`).
    Assertion(&'a str),
}

/// The token endpoint of one environment.
pub struct Tokens<'a> {
    ctx: &'a Ctx,
    env: String,
}

impl<'a> Tokens<'a> {
    pub fn new(ctx: &'a Ctx, env: &str) -> Tokens<'a> {
        Tokens {
            ctx,
            env: env.to_string(),
        }
    }

    /// `POST /as/token` with `form`, the client authenticating by `auth`.
    pub async fn request(&self, form: &[(&str, &str)], auth: Auth<'_>) -> (StatusCode, Value) {
        let mut form = form.to_vec();
        let mut request = self.ctx.http.post(self.ctx.auth(&self.env, "/as/token"));
        match auth {
            Auth::Basic(id, secret) => request = request.basic_auth(id, Some(secret)),
            Auth::Post(id, secret) => form.extend([("client_id", id), ("client_secret", secret)]),
            Auth::Public(id) => form.push(("client_id", id)),
            Auth::Assertion(jwt) => form.extend([
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", jwt),
            ]),
        }
        send(request.form(&form)).await
    }

    /// Redeems `code` at the usual redirect URI.
    pub async fn redeem(&self, code: &str, auth: Auth<'_>) -> (StatusCode, Value) {
        self.redeem_with(code, &[], auth).await
    }

    /// Redeems `code`, `form` adding parameters or replacing the redirect URI.
    pub async fn redeem_with(
        &self,
        code: &str,
        form: &[(&str, &str)],
        auth: Auth<'_>,
    ) -> (StatusCode, Value) {
        let defaults = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
        ];
        self.request(&merged(defaults, form), auth).await
    }

    pub async fn refresh(&self, refresh_token: &str, auth: Auth<'_>) -> (StatusCode, Value) {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ];
        self.request(&form, auth).await
    }

    /// `grant_type=client_credentials` with `form` added (a `scope`).
    pub async fn client_credentials(
        &self,
        form: &[(&str, &str)],
        auth: Auth<'_>,
    ) -> (StatusCode, Value) {
        let defaults = vec![("grant_type", "client_credentials")];
        self.request(&merged(defaults, form), auth).await
    }
}

/// Verifies a JWT against the environment's JWKS and returns its claims.
pub async fn verify(ctx: &Ctx, env: &str, jwt: &str) -> Value {
    let jwks: Value = ctx
        .http
        .get(ctx.auth(env, "/as/jwks"))
        .send()
        .await
        .expect("jwks")
        .json()
        .await
        .expect("json");
    let key = &jwks["keys"][0];
    let header = jsonwebtoken::decode_header(jwt).expect("header");
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());
    let decoding = jsonwebtoken::DecodingKey::from_rsa_components(
        key["n"].as_str().expect("n"),
        key["e"].as_str().expect("e"),
    )
    .expect("key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.validate_aud = false;
    validation.set_issuer(&[format!("{}/{env}/as", ctx.sandbox.base_url())]);
    jsonwebtoken::decode::<Value>(jwt, &decoding, &validation)
        .expect("valid signature")
        .claims
}

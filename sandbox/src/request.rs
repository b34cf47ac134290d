//! What the per-environment handlers (auth API, flows, hosted pages, outbox) start from:
//! the environment the path's `{env}` names, resolved, with the request's headers and
//! parameters. Extraction refuses an unknown environment with PingOne's 404, and an OAuth
//! back-channel POST that is not a form with `invalid_request`.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use crate::error::OAuthError;
use crate::server::{AppState, content_type, form};
use crate::store::{Env, Store};

/// A request to one environment (`/{env}/...`), without its body.
pub struct EnvRequest {
    pub state: AppState,
    pub env_id: String,
    pub env: Arc<Env>,
    pub headers: HeaderMap,
    /// The query parameters (first value wins).
    pub query: HashMap<String, String>,
    /// The other path parameters (`{flow}`, `{app}`).
    path: HashMap<String, String>,
}

impl EnvRequest {
    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// A path parameter other than `{env}` (`""` when the route has none of that name).
    pub fn path(&self, name: &str) -> &str {
        self.path.get(name).map(String::as_str).unwrap_or_default()
    }
}

/// What precedes the body: path parameters, headers, query.
struct Head {
    path: HashMap<String, String>,
    headers: HeaderMap,
    query: HashMap<String, String>,
}

impl Head {
    async fn read(parts: &mut Parts, state: &AppState) -> Result<Head, Response> {
        let Path(path) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Head {
            path,
            headers: parts.headers.clone(),
            query: form(parts.uri.query().unwrap_or_default().as_bytes()),
        })
    }

    #[allow(clippy::result_large_err)]
    fn resolve(mut self, state: &AppState) -> Result<EnvRequest, Response> {
        let env_id = self.path.remove("env").unwrap_or_default();
        let env = state.env(&env_id).map_err(IntoResponse::into_response)?;
        Ok(EnvRequest {
            state: state.clone(),
            env_id,
            env,
            headers: self.headers,
            query: self.query,
            path: self.path,
        })
    }
}

impl FromRequestParts<AppState> for EnvRequest {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        Head::read(parts, state).await?.resolve(state)
    }
}

/// An [`EnvRequest`] with its body (read before the environment is looked up).
pub struct EnvPost {
    pub request: EnvRequest,
    pub body: Bytes,
}

impl FromRequest<AppState> for EnvPost {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let head = Head::read(&mut parts, state).await?;
        let body = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(EnvPost {
            request: head.resolve(state)?,
            body,
        })
    }
}

impl Deref for EnvPost {
    type Target = EnvRequest;

    fn deref(&self) -> &EnvRequest {
        &self.request
    }
}

/// An OAuth back-channel POST (token, introspect, revoke, device authorization): the
/// parameters of its `application/x-www-form-urlencoded` body.
pub struct OAuthForm {
    pub request: EnvRequest,
    pub params: HashMap<String, String>,
}

impl OAuthForm {
    #[allow(clippy::result_large_err)]
    pub fn new(request: EnvRequest, body: &[u8]) -> Result<Self, Response> {
        if content_type(&request.headers) != "application/x-www-form-urlencoded" {
            return Err(OAuthError::invalid_request(
                "Content-Type must be application/x-www-form-urlencoded",
            )
            .into_response());
        }
        Ok(OAuthForm {
            request,
            params: form(body),
        })
    }

    /// A back-channel POST to `env_id` made in-process (one environment calling another).
    #[allow(clippy::result_large_err)]
    pub fn in_process(
        state: &AppState,
        env_id: &str,
        headers: HeaderMap,
        body: &[u8],
    ) -> Result<Self, Response> {
        let head = Head {
            path: HashMap::from([("env".to_string(), env_id.to_string())]),
            headers,
            query: HashMap::new(),
        };
        OAuthForm::new(head.resolve(state)?, body)
    }
}

impl FromRequest<AppState> for OAuthForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let post = EnvPost::from_request(req, state).await?;
        OAuthForm::new(post.request, &post.body)
    }
}

impl Deref for OAuthForm {
    type Target = EnvRequest;

    fn deref(&self) -> &EnvRequest {
        &self.request
    }
}

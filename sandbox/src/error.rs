//! Error bodies: PingOne's management/flow error shape and OAuth's `error`/`error_description`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// One entry of `details[]`.
#[derive(Debug, Clone)]
pub struct Detail {
    pub code: &'static str,
    pub target: Option<String>,
    pub message: String,
    pub inner: Option<Value>,
}

impl Detail {
    pub fn new(code: &'static str, target: impl Into<String>, message: impl Into<String>) -> Self {
        Detail {
            code,
            target: Some(target.into()),
            message: message.into(),
            inner: None,
        }
    }

    pub fn required(target: &str) -> Self {
        Detail::new("REQUIRED_VALUE", target, format!("{target} is required"))
    }

    pub fn invalid(target: &str, message: impl Into<String>) -> Self {
        Detail::new("INVALID_VALUE", target, message)
    }

    pub fn with_inner(mut self, inner: Value) -> Self {
        self.inner = Some(inner);
        self
    }
}

/// A PingOne API error (`id`, `code`, `message`, `details[]`).
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Vec<Detail>,
}

pub type ApiResult<T> = Result<T, ApiError>;

const VALIDATION: &str =
    "The request could not be completed. One or more validation errors were in the request.";
const NO_ACCESS: &str =
    "The request could not be completed. You do not have access to this resource.";

impl ApiError {
    pub fn not_found() -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: "NOT_FOUND",
            message: "The request could not be completed. The requested resource was not found."
                .into(),
            details: vec![],
        }
    }

    pub fn invalid_data(details: Vec<Detail>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "INVALID_DATA",
            message: VALIDATION.into(),
            details,
        }
    }

    pub fn invalid_value(target: &str, message: impl Into<String>) -> Self {
        ApiError::invalid_data(vec![Detail::invalid(target, message)])
    }

    pub fn invalid_request(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "INVALID_REQUEST",
            message: message.into(),
            details: vec![],
        }
    }

    pub fn malformed(details: Vec<Detail>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "INVALID_REQUEST",
            message: "The request could not be completed. The request was malformed or invalid."
                .into(),
            details,
        }
    }

    pub fn unsupported_media_type() -> Self {
        ApiError {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code: "INVALID_REQUEST",
            message: "The request could not be completed. The Content-Type is not supported for this operation."
                .into(),
            details: vec![],
        }
    }

    pub fn method_not_allowed() -> Self {
        ApiError {
            status: StatusCode::METHOD_NOT_ALLOWED,
            code: "INVALID_REQUEST",
            message: "The request could not be completed. The HTTP method is not supported for this resource."
                .into(),
            details: vec![],
        }
    }

    /// 401: missing, malformed, expired or foreign token.
    pub fn invalid_token() -> Self {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: "ACCESS_FAILED",
            message: NO_ACCESS.into(),
            details: vec![Detail::new(
                "INVALID_TOKEN",
                "Authentication Credentials",
                "The authorization token is either missing or invalid, or it has expired.",
            )],
        }
    }

    /// 403: a valid token whose actor lacks the needed role.
    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::FORBIDDEN,
            code: "ACCESS_FAILED",
            message: NO_ACCESS.into(),
            details: vec![Detail {
                code: "INSUFFICIENT_PERMISSIONS",
                target: None,
                message: message.into(),
                inner: None,
            }],
        }
    }

    pub fn body(&self) -> Value {
        let mut body = Map::new();
        body.insert("id".into(), json!(crate::generate::id()));
        body.insert("code".into(), json!(self.code));
        body.insert("message".into(), json!(self.message));
        if !self.details.is_empty() {
            let details: Vec<Value> = self
                .details
                .iter()
                .map(|d| {
                    let mut item = Map::new();
                    item.insert("code".into(), json!(d.code));
                    if let Some(target) = &d.target {
                        item.insert("target".into(), json!(target));
                    }
                    item.insert("message".into(), json!(d.message));
                    if let Some(inner) = &d.inner {
                        item.insert("innerError".into(), inner.clone());
                    }
                    Value::Object(item)
                })
                .collect();
            body.insert("details".into(), Value::Array(details));
        }
        Value::Object(body)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

/// An OAuth 2.0 error response (`error`, `error_description`).
#[derive(Debug, Clone)]
pub struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
}

pub type OAuthResult<T> = Result<T, OAuthError>;

impl OAuthError {
    pub fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status,
            error,
            description: description.into(),
        }
    }

    /// A 400 with this `error`.
    pub fn bad_request(error: &'static str, description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error, description)
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::bad_request("invalid_request", description)
    }

    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
    }

    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::bad_request("invalid_grant", description)
    }

    pub fn invalid_scope(description: impl Into<String>) -> Self {
        Self::bad_request("invalid_scope", description)
    }

    pub fn unauthorized_client(description: impl Into<String>) -> Self {
        Self::bad_request("unauthorized_client", description)
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(json!({"error": self.error, "error_description": self.description})),
        )
            .into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

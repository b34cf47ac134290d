//! External identity providers: the settings each provider type requires.

use serde_json::{Map, Value};

use crate::error::Detail;

pub fn prepare(body: &mut Map<String, Value>, details: &mut Vec<Detail>) {
    let required: &[&str] = match body.get("type").and_then(Value::as_str).unwrap_or_default() {
        "OPENID_CONNECT" => &[
            "authorizationEndpoint",
            "clientId",
            "clientSecret",
            "issuer",
            "jwksEndpoint",
            "scopes",
            "tokenEndpoint",
            "tokenEndpointAuthMethod",
        ],
        "SAML" => &[
            "idpEntityId",
            "spEntityId",
            "idpVerification",
            "ssoBinding",
            "ssoEndpoint",
        ],
        "FACEBOOK" => &["appId", "appSecret"],
        "APPLE" => &["clientId", "clientSecretSigningKey", "keyId", "teamId"],
        "TWITTER" => &["clientId", "clientSecret"],
        "GOOGLE" | "LINKEDIN" | "LINKEDIN_OIDC" | "AMAZON" | "YAHOO" | "MICROSOFT" | "PAYPAL"
        | "GITHUB" => &["clientId", "clientSecret"],
        _ => &[],
    };
    for field in required {
        if body.get(*field).is_none_or(Value::is_null) {
            details.push(Detail::required(field));
        }
    }
    if let Some(binding) = body.get("ssoBinding").and_then(Value::as_str)
        && binding != "HTTP_POST"
        && binding != "HTTP_REDIRECT"
    {
        details.push(Detail::invalid(
            "ssoBinding",
            "ssoBinding must be HTTP_POST or HTTP_REDIRECT",
        ));
    }
}

//! The HTTP-POST binding's page: a form posting a base64 SAML message (and
//! `RelayState`) to its endpoint as soon as it loads.

use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::auth::resume::html_escape;

/// `field` is `SAMLRequest` or `SAMLResponse`; the page names which in a comment, as
/// PingOne's templates do (`saml20.response.autopost`).
pub fn autopost(action: &str, field: &str, xml: &str, relay_state: Option<&str>) -> Response {
    let template = if field == "SAMLRequest" {
        "saml20.request.autopost"
    } else {
        "saml20.response.autopost"
    };
    let relay = relay_state
        .map(|r| {
            format!(
                "<input type=\"hidden\" name=\"RelayState\" value=\"{}\"/>",
                html_escape(r)
            )
        })
        .unwrap_or_default();
    let mut out = Html(format!(
        "<!DOCTYPE html><html><!-- {template} --><body onload=\"document.forms[0].submit()\"><form method=\"post\" action=\"{}\"><input type=\"hidden\" name=\"{field}\" value=\"{}\"/>{relay}<noscript><p>Press Resume to continue.</p><button type=\"submit\">Resume</button></noscript></form></body></html>",
        html_escape(action),
        STANDARD.encode(xml)
    ))
    .into_response();
    out.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    out
}

//! An SP's `samlp:AuthnRequest` as the two bindings carry it: HTTP-POST (base64 in
//! the `SAMLRequest` form field) and HTTP-Redirect (DEFLATE, then base64, in the query).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::xml;

const PROTOCOL_NS: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const ASSERTION_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// Larger than any AuthnRequest; an inflated message past it is refused.
const MAX_INFLATED: usize = 64 * 1024;

/// What the IdP needs of an AuthnRequest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthnRequest {
    pub id: String,
    pub issuer: String,
    /// `AssertionConsumerServiceURL`, when the SP names one.
    pub acs_url: Option<String>,
    pub destination: Option<String>,
    pub force_authn: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    Post,
    Redirect,
}

/// Base64 with or without padding, whitespace (line breaks) ignored.
pub fn base64(text: &str) -> Option<Vec<u8>> {
    let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let clean = clean.trim_end_matches('=');
    let padded = format!("{clean}{}", "=".repeat((4 - clean.len() % 4) % 4));
    STANDARD.decode(padded).ok()
}

/// The request's XML text, or what is wrong with its encoding.
pub fn decode(encoded: &str, binding: Binding) -> Result<String, String> {
    let bytes = base64(encoded).ok_or("SAMLRequest is not valid base64")?;
    let bytes = match binding {
        Binding::Post => bytes,
        Binding::Redirect => {
            miniz_oxide::inflate::decompress_to_vec_with_limit(&bytes, MAX_INFLATED)
                .map_err(|_| "SAMLRequest is not DEFLATE-compressed (HTTP-Redirect binding)")?
        }
    };
    String::from_utf8(bytes).map_err(|_| "SAMLRequest is not UTF-8 XML".to_string())
}

/// Reads the AuthnRequest out of its XML.
pub fn parse(text: &str) -> Result<AuthnRequest, String> {
    let root = xml::parse(text).map_err(|e| format!("SAMLRequest is not well-formed XML: {e}"))?;
    let scope = xml::scope_of(&[&root]);
    let namespace = |name: &str| {
        let prefix = name.split_once(':').map_or("", |(p, _)| p);
        scope
            .iter()
            .rev()
            .find(|(p, _)| p == prefix)
            .map(|(_, uri)| uri.clone())
            .unwrap_or_default()
    };
    if root.local() != "AuthnRequest" || namespace(&root.name) != PROTOCOL_NS {
        return Err("SAMLRequest is not a samlp:AuthnRequest".into());
    }
    if root.attribute("Version") != Some("2.0") {
        return Err("the AuthnRequest Version must be 2.0".into());
    }
    let id = root
        .attribute("ID")
        .filter(|id| !id.is_empty())
        .ok_or("the AuthnRequest has no ID")?;
    if root.attribute("IssueInstant").is_none() {
        return Err("the AuthnRequest has no IssueInstant".into());
    }
    let issuer = root
        .child("Issuer")
        .filter(|i| {
            let mut inner = scope.clone();
            inner.extend(xml::scope_of(&[i]));
            let prefix = i.name.split_once(':').map_or("", |(p, _)| p);
            inner
                .iter()
                .rev()
                .find(|(p, _)| p == prefix)
                .map(|(_, u)| u.as_str())
                == Some(ASSERTION_NS)
        })
        .map(|i| i.text())
        .filter(|i| !i.is_empty())
        .ok_or("the AuthnRequest has no saml:Issuer")?;
    Ok(AuthnRequest {
        id: id.to_string(),
        issuer,
        acs_url: root
            .attribute("AssertionConsumerServiceURL")
            .map(str::to_string),
        destination: root.attribute("Destination").map(str::to_string),
        force_authn: root.attribute("ForceAuthn") == Some("true"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUEST: &str = "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_r1\" Version=\"2.0\" IssueInstant=\"2026-01-01T00:00:00Z\" AssertionConsumerServiceURL=\"https://sp/acs\"><saml:Issuer>urn:sp</saml:Issuer></samlp:AuthnRequest>";

    #[test]
    fn both_bindings_decode_to_the_request() {
        let post = STANDARD.encode(REQUEST);
        let request = parse(&decode(&post, Binding::Post).unwrap()).unwrap();
        assert_eq!(request.id, "_r1");
        assert_eq!(request.issuer, "urn:sp");
        assert_eq!(request.acs_url.as_deref(), Some("https://sp/acs"));
        let deflated = miniz_oxide::deflate::compress_to_vec(REQUEST.as_bytes(), 6);
        let redirect = STANDARD.encode(deflated);
        assert_eq!(
            parse(&decode(&redirect, Binding::Redirect).unwrap()).unwrap(),
            request
        );
    }

    #[test]
    fn bad_encodings_and_shapes_are_named() {
        assert!(decode("%%%", Binding::Post).unwrap_err().contains("base64"));
        let not_deflate = STANDARD.encode("plain text, not deflate");
        assert!(
            decode(&not_deflate, Binding::Redirect)
                .unwrap_err()
                .contains("DEFLATE")
        );
        assert!(parse("<a/>").unwrap_err().contains("AuthnRequest"));
        assert!(parse("<x").unwrap_err().contains("XML"));
        let no_issuer = REQUEST.replace("<saml:Issuer>urn:sp</saml:Issuer>", "");
        assert!(parse(&no_issuer).unwrap_err().contains("Issuer"));
    }
}

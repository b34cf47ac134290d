//! The `samlp:Response` an IdP posts to the SP's ACS: a signed assertion naming the
//! user for one audience, valid for the application's `assertionDuration`.

use super::key_material::KeyMaterial;
use super::signature;
use super::xml::{escape_attribute as attr, escape_text as text};
use crate::clock;
use crate::generate;

pub const PROTOCOL_NS: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
pub const ASSERTION_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
pub const UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
const PASSWORD: &str = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";

/// Everything a Response states.
pub struct Issued<'a> {
    /// The IdP's entity id (`{auth host}/{envId}`).
    pub issuer: &'a str,
    /// The ACS URL it is posted to.
    pub destination: &'a str,
    /// The SP's entity id.
    pub audience: &'a str,
    /// The AuthnRequest answered (none for IdP-initiated sign-on).
    pub in_response_to: Option<&'a str>,
    pub name_id: &'a str,
    pub name_id_format: &'a str,
    pub session_index: &'a str,
    pub authn_instant: u64,
    pub lifetime: u64,
    pub sign_assertion: bool,
    pub sign_response: bool,
}

/// The Response XML (no XML declaration), signed as the application asks.
pub fn build(issued: &Issued, key: &KeyMaterial) -> Result<String, String> {
    let now = clock::now();
    let (instant, until) = (clock::iso_at(now), clock::iso_at(now + issued.lifetime));
    let in_response_to = issued
        .in_response_to
        .map(|id| format!(" InResponseTo=\"{}\"", attr(id)))
        .unwrap_or_default();
    let issuer = format!("<saml:Issuer>{}</saml:Issuer>", text(issued.issuer));
    let assertion = format!(
        "<saml:Assertion xmlns:saml=\"{ASSERTION_NS}\" ID=\"_{assertion_id}\" IssueInstant=\"{instant}\" Version=\"2.0\">{issuer}<saml:Subject><saml:NameID Format=\"{format}\">{name_id}</saml:NameID><saml:SubjectConfirmation Method=\"{BEARER}\"><saml:SubjectConfirmationData{in_response_to} NotOnOrAfter=\"{until}\" Recipient=\"{recipient}\"></saml:SubjectConfirmationData></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore=\"{instant}\" NotOnOrAfter=\"{until}\"><saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant=\"{authn}\" SessionIndex=\"{session}\"><saml:AuthnContext><saml:AuthnContextClassRef>{PASSWORD}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement></saml:Assertion>",
        assertion_id = generate::id(),
        format = attr(issued.name_id_format),
        name_id = text(issued.name_id),
        recipient = attr(issued.destination),
        audience = text(issued.audience),
        authn = clock::iso_at(issued.authn_instant),
        session = attr(issued.session_index),
    );
    let assertion = if issued.sign_assertion {
        signature::sign(&assertion, "</saml:Issuer>", key)?
    } else {
        assertion
    };
    let response = format!(
        "<samlp:Response xmlns:samlp=\"{PROTOCOL_NS}\" xmlns:saml=\"{ASSERTION_NS}\" Destination=\"{destination}\" ID=\"_{response_id}\"{in_response_to} IssueInstant=\"{instant}\" Version=\"2.0\">{issuer}<samlp:Status><samlp:StatusCode Value=\"{SUCCESS}\"></samlp:StatusCode></samlp:Status>{assertion}</samlp:Response>",
        destination = attr(issued.destination),
        response_id = generate::id(),
    );
    if issued.sign_response {
        signature::sign(&response, "</saml:Issuer>", key)
    } else {
        Ok(response)
    }
}

/// An unsigned Response saying the IdP could not sign the user on
/// (`Responder` / `AuthnFailed`), for a flow that failed.
pub fn failure(issuer: &str, destination: &str, in_response_to: &str, message: &str) -> String {
    format!(
        "<samlp:Response xmlns:samlp=\"{PROTOCOL_NS}\" xmlns:saml=\"{ASSERTION_NS}\" Destination=\"{}\" ID=\"_{}\" InResponseTo=\"{}\" IssueInstant=\"{}\" Version=\"2.0\"><saml:Issuer>{}</saml:Issuer><samlp:Status><samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Responder\"><samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:AuthnFailed\"></samlp:StatusCode></samlp:StatusCode><samlp:StatusMessage>{}</samlp:StatusMessage></samlp:Status></samlp:Response>",
        attr(destination),
        generate::id(),
        attr(in_response_to),
        clock::iso_now(),
        text(issuer),
        text(message),
    )
}

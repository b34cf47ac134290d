//! What an SP checks of a `samlp:Response` before it trusts it: the IdP's signature
//! (with a certificate configured for the IdP), the issuer, the audience, the
//! recipient, the request it answers and the assertion's time window.

use serde_json::{Map, Value, json};

use super::response::SUCCESS;
use super::signature;
use super::xml::Element;
use crate::clock;

const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
/// Clock skew allowed on `NotBefore`, as IdP and SP clocks drift.
const SKEW_SECONDS: u64 = 60;

/// What the SP expects of the Response.
pub struct Expected<'a> {
    pub idp_entity_id: &'a str,
    pub sp_entity_id: &'a str,
    pub acs_url: &'a str,
    pub request_id: &'a str,
    /// DER SubjectPublicKeyInfo of each verification certificate.
    pub keys: &'a [Vec<u8>],
}

/// A Response that checked out.
#[derive(Debug)]
pub struct Asserted {
    pub assertion_id: String,
    /// `sub` (the NameID) and the assertion's attributes, first value each.
    pub claims: Map<String, Value>,
}

/// The IdP's status when it is not Success (it could not sign the user on).
pub fn failed_status(root: &Element) -> Option<String> {
    let status = root.child("Status")?;
    let code = status.child("StatusCode")?.attribute("Value")?;
    if code == SUCCESS {
        return None;
    }
    let message = status
        .child("StatusMessage")
        .map(|m| m.text())
        .unwrap_or_default();
    Some(
        format!("The identity provider answered {code} {message}")
            .trim()
            .to_string(),
    )
}

fn window_ok(element: &Element, now: u64) -> Result<(), String> {
    let name = element.local();
    if let Some(before) = element.attribute("NotBefore") {
        let at = clock::parse_iso(before).ok_or(format!("{name} NotBefore is not a time"))?;
        if at > now + SKEW_SECONDS {
            return Err(format!("The assertion's {name} is not yet valid"));
        }
    }
    let until = element
        .attribute("NotOnOrAfter")
        .ok_or(format!("{name} has no NotOnOrAfter"))?;
    let at = clock::parse_iso(until).ok_or(format!("{name} NotOnOrAfter is not a time"))?;
    if now >= at {
        return Err("The assertion has expired".to_string());
    }
    Ok(())
}

/// Checks `root` (the parsed Response) against what the SP expects.
pub fn check(root: &Element, expected: &Expected) -> Result<Asserted, String> {
    if root.local() != "Response" {
        return Err("SAMLResponse is not a samlp:Response".into());
    }
    if let Some(destination) = root.attribute("Destination")
        && destination != expected.acs_url
    {
        return Err("The Response Destination is not this ACS".into());
    }
    if let Some(issuer) = root.child("Issuer")
        && issuer.text() != expected.idp_entity_id
    {
        return Err("The Response Issuer is not the identity provider".into());
    }
    let assertions: Vec<&Element> = root
        .elements()
        .filter(|e| e.local() == "Assertion" || e.local() == "EncryptedAssertion")
        .collect();
    let assertion = match assertions.as_slice() {
        [one] if one.local() == "Assertion" => *one,
        [_] => return Err("Encrypted assertions are not supported".into()),
        _ => return Err("The Response must hold exactly one assertion".into()),
    };
    verify_signature(root, assertion, expected.keys)?;
    if assertion.child("Issuer").map(|i| i.text()).as_deref() != Some(expected.idp_entity_id) {
        return Err("The assertion Issuer is not the identity provider".into());
    }
    let now = clock::now();
    let subject = assertion
        .child("Subject")
        .ok_or("The assertion has no Subject")?;
    let name_id = subject
        .child("NameID")
        .map(|n| n.text())
        .filter(|n| !n.is_empty())
        .ok_or("The assertion has no NameID")?;
    let confirmation = subject
        .elements()
        .filter(|e| e.local() == "SubjectConfirmation" && e.attribute("Method") == Some(BEARER))
        .find_map(|e| e.child("SubjectConfirmationData"))
        .ok_or("The assertion has no bearer SubjectConfirmation")?;
    if confirmation.attribute("Recipient") != Some(expected.acs_url) {
        return Err("The assertion's Recipient is not this ACS".into());
    }
    if confirmation.attribute("InResponseTo") != Some(expected.request_id) {
        return Err("The assertion does not answer this AuthnRequest".into());
    }
    window_ok(confirmation, now)?;
    let conditions = assertion
        .child("Conditions")
        .ok_or("The assertion has no Conditions")?;
    window_ok(conditions, now)?;
    let audiences: Vec<String> = conditions
        .elements()
        .filter(|e| e.local() == "AudienceRestriction")
        .flat_map(|r| r.elements().filter(|a| a.local() == "Audience"))
        .map(Element::text)
        .collect();
    if !audiences.iter().any(|a| a == expected.sp_entity_id) {
        return Err("The assertion's Audience is not this service provider".into());
    }
    let mut claims = Map::new();
    for attribute in assertion
        .elements()
        .filter(|e| e.local() == "AttributeStatement")
        .flat_map(|s| s.elements().filter(|a| a.local() == "Attribute"))
    {
        if let (Some(name), Some(value)) = (
            attribute.attribute("Name"),
            attribute.child("AttributeValue"),
        ) {
            claims.insert(name.to_string(), json!(value.text()));
        }
    }
    claims.insert("sub".into(), json!(name_id));
    let assertion_id = assertion
        .attribute("ID")
        .ok_or("The assertion has no ID")?
        .to_string();
    Ok(Asserted {
        assertion_id,
        claims,
    })
}

/// A signed Response covers its assertion; otherwise the assertion must be signed.
/// Any of the configured certificates may verify it (rollover keeps two).
fn verify_signature(root: &Element, assertion: &Element, keys: &[Vec<u8>]) -> Result<(), String> {
    if keys.is_empty() {
        return Err("The identity provider has no verification certificate".into());
    }
    let response_signed = root.elements().any(|e| e.local() == "Signature");
    let mut last = String::new();
    for key in keys {
        let outcome = if response_signed {
            signature::verify(root, &[], key)
        } else {
            signature::verify(assertion, &[root], key)
        };
        match outcome {
            Ok(()) => return Ok(()),
            Err(message) => last = message,
        }
    }
    Err(format!("The signature is not valid: {last}"))
}

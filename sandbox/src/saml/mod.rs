//! SAML 2.0: PingOne as the IdP of SAML applications (SP-initiated SSO, signed
//! responses) and as the SP of external SAML identity providers (AuthnRequests out,
//! verified Responses in at the ACS), with the XML reading, canonicalization and
//! signatures that takes.

pub mod authn_request;
pub mod idp;
pub mod key_material;
pub mod post_binding;
pub mod response;
pub mod response_check;
pub mod signature;
pub mod signing_keys;
pub mod sp;
pub mod xml;

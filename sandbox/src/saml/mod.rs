//! SAML 2.0: PingOne as the IdP of SAML applications (SP-initiated SSO, signed
//! responses), with the XML reading, canonicalization and signatures that takes.

pub mod authn_request;
pub mod idp;
pub mod key_material;
pub mod response;
pub mod signature;
pub mod signing_keys;
pub mod xml;

//! The auth API served per environment under `/{envId}/as/...`, the flow API and the
//! hosted pages.

pub mod authorize;
pub mod claims;
pub mod client_auth;
pub mod davinci;
pub mod device;
pub mod discovery;
pub mod external;
pub mod flows;
pub mod introspect;
pub mod keys;
pub mod request_jwt;
pub mod resume;
pub mod session;
pub mod signoff;
pub mod signon_page;
pub mod token;
pub mod userinfo;

//! The flow API (`/{envId}/flows/{flowId}`): the sign-on state machine driven by the
//! application's sign-on policy, and the actions clients post with vendor media types.
//!
//! Policy actions run in ascending priority; each one either is satisfied (and the next
//! one runs) or sets the status that asks the user for something. When none remains the
//! flow is `COMPLETED`, a session exists and `ST` is set.
//!
//! * `flow`: the flow record and the OAuth request it answers;
//! * `policy`: which policy and actions a flow runs;
//! * `machine`: the state machine (`advance`);
//! * `response`: the flow JSON and its cookies;
//! * `endpoint`: the HTTP handlers and the browser binding;
//! * `actions`: the table of posted actions, one file per family: `password`,
//!   `identifier`, `registration`, `mfa`, `agreement`, `profile`, `device`.

mod actions;
mod agreement;
mod device;
mod endpoint;
mod flow;
mod identifier;
mod machine;
mod mfa;
mod password;
mod policy;
mod profile;
mod registration;
mod response;

pub use device::bind_user_code;
pub use endpoint::{check_access, get_flow, post_flow};
pub use flow::{AuthRequest, External, FLOW_SECONDS, Flow, Purpose};
pub use machine::advance;
pub use policy::policy_for;
pub use registration::mark_verified;
pub use response::{append_cookies, render, respond};

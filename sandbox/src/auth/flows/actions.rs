//! The actions a client posts to a flow, each offered in some statuses only.

use serde_json::{Map, Value};

use crate::auth::flows::flow::Flow;
use crate::auth::flows::{agreement, device, identifier, mfa, password, profile, registration};
use crate::error::{ApiError, ApiResult, Detail};
use crate::store::{EnvData, Store};

/// What a posted action works on.
pub(super) struct Posted<'a> {
    pub store: &'a Store,
    pub data: &'a mut EnvData,
    pub flow: &'a mut Flow,
    /// The request body (`{}` when empty).
    pub request: &'a Map<String, Value>,
}

/// What an action does to the flow.
pub(super) type Run = fn(Posted) -> ApiResult<()>;

/// One flow action, named as its media type names it (lower-cased).
pub(super) struct Action {
    pub name: &'static str,
    /// The flow statuses that offer it; empty: every status.
    pub offered_in: &'static [&'static str],
    pub run: Run,
}

/// `session.reset`: back to the first action, keeping a device grant's code.
const FLOW: &[Action] = &[Action {
    name: "session.reset",
    offered_in: &[],
    run: |Posted { flow, .. }| {
        let device_code = flow.device_code.clone();
        flow.reset();
        flow.device_code = device_code;
        flow.status.clear();
        Ok(())
    },
}];

/// Every action family, in no particular order (names are unique).
const FAMILIES: &[&[Action]] = &[
    password::ACTIONS,
    identifier::ACTIONS,
    registration::ACTIONS,
    mfa::ACTIONS,
    agreement::ACTIONS,
    profile::ACTIONS,
    device::ACTIONS,
    FLOW,
];

/// The required `accept` of a consent.
pub(super) fn accepted(request: &Map<String, Value>) -> ApiResult<bool> {
    request
        .get("accept")
        .and_then(Value::as_bool)
        .ok_or_else(|| ApiError::invalid_data(vec![Detail::required("accept")]))
}

/// The error for an action the flow's status does not offer.
pub(super) fn not_offered(action: &str, status: &str) -> ApiError {
    ApiError::invalid_request(format!(
        "The request could not be completed. The action {action} is not available when the flow status is {status}."
    ))
}

/// Applies one flow action (names compared case-insensitively, as media types are).
pub(super) fn perform(
    store: &Store,
    data: &mut EnvData,
    flow: &mut Flow,
    name: &str,
    request: &Map<String, Value>,
) -> ApiResult<()> {
    let action = FAMILIES
        .iter()
        .flat_map(|family| family.iter())
        .find(|action| action.name == name)
        .ok_or_else(ApiError::unsupported_media_type)?;
    if !action.offered_in.is_empty() && !action.offered_in.contains(&flow.status.as_str()) {
        return Err(not_offered(name, &flow.status));
    }
    (action.run)(Posted {
        store,
        data,
        flow,
        request,
    })
}

#[cfg(test)]
mod tests {
    use super::FAMILIES;

    #[test]
    fn action_names_are_unique_and_lower_case() {
        let names: Vec<&str> = FAMILIES
            .iter()
            .flat_map(|f| f.iter().map(|a| a.name))
            .collect();
        for (i, name) in names.iter().enumerate() {
            // Media types are lower-cased before the lookup.
            assert_eq!(*name, name.to_ascii_lowercase());
            assert!(!names[..i].contains(name), "{name} twice");
        }
    }
}

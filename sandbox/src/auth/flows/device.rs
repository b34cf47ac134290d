//! The user side of a device authorization grant: the user code typed on the device page,
//! then the consent after sign-on.

use crate::auth::device::DeviceState;
use crate::auth::flows::actions::{Action, Posted, accepted};
use crate::auth::flows::flow::Flow;
use crate::auth::flows::policy::policy_for;
use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::management::crud::text;
use crate::store::EnvData;

pub(super) const ACTIONS: &[Action] = &[
    Action {
        name: "deviceauthgrant.usercode.verify",
        offered_in: &["DAG_USER_CODE_REQUIRED"],
        run: |Posted {
                  data,
                  flow,
                  request,
                  ..
              }| {
            let code = text(request, "userCode")?;
            bind_user_code(data, flow, &code)
        },
    },
    Action {
        name: "deviceauthgrant.consent",
        offered_in: &["DAG_CONSENT_REQUIRED"],
        run: consent,
    },
];

/// Binds a device-grant user code to a device flow and loads the app's policy.
pub fn bind_user_code(data: &mut EnvData, flow: &mut Flow, code: &str) -> ApiResult<()> {
    let wanted: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    let now = clock::now();
    let found = data.device_grants.iter().find(|(_, g)| {
        g.user_code.replace('-', "") == wanted
            && g.expires_at > now
            && matches!(g.state, DeviceState::Pending)
    });
    let (device_code, client_id) = match found {
        Some((device_code, grant)) if flow.app_id.is_empty() || grant.client_id == flow.app_id => {
            (device_code.clone(), grant.client_id.clone())
        }
        _ => {
            return Err(ApiError::invalid_value(
                "userCode",
                "The user code is invalid or has expired",
            ));
        }
    };
    let (policy_name, actions) = policy_for(data, &client_id, None);
    flow.app_id = client_id;
    flow.policy_name = policy_name;
    flow.actions = actions;
    // The app's policy runs from its first action (a sign-on already done satisfies it).
    flow.step = 0;
    flow.device_code = Some(device_code);
    Ok(())
}

/// `deviceAuthGrant.consent`: accepting lets the device poll for tokens, declining denies
/// the grant and fails the flow.
fn consent(post: Posted) -> ApiResult<()> {
    let accept = accepted(post.request)?;
    if accept {
        post.flow.dag_consented = true;
    } else {
        if let Some(grant) = post
            .flow
            .device_code
            .as_ref()
            .and_then(|c| post.data.device_grants.get_mut(c))
        {
            grant.state = DeviceState::Denied;
        }
        post.flow
            .fail("ACCESS_DENIED", "The user denied the device authorization");
    }
    Ok(())
}

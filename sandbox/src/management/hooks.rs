//! Where a family's behaviour plugs into the generic CRUD: prepare (validate + defaults),
//! after a write, extra links, and guards before delete.

use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult, Detail};
use crate::management::access::Actor;
use crate::management::family::{Behaviour, Family};
use crate::management::{
    agreements, app_resources, applications, gateways, identity_providers, images,
    password_policies, propagation, resources, risk, roles, sign_on_policies, users,
};
use crate::store::{EnvData, Store};

/// The caller's context for behaviour hooks.
pub struct Hook<'a> {
    pub store: &'a Store,
    pub actor: Option<&'a Actor>,
}

/// Validates beyond the table and fills defaults; returns values taken out of the body
/// (e.g. a user's initial password) for `after_write`.
pub fn prepare(
    hook: &Hook,
    data: &EnvData,
    family: &Family,
    parent: Option<&str>,
    existing: Option<&Map<String, Value>>,
    body: &mut Map<String, Value>,
    details: &mut Vec<Detail>,
) -> ApiResult<Map<String, Value>> {
    let mut stash = Map::new();
    match family.behaviour {
        Behaviour::Application => applications::prepare(body, existing, details, &mut stash),
        Behaviour::Grant => applications::prepare_grant(data, body, details),
        Behaviour::RoleAssignment => {
            if existing.is_some() {
                return Err(ApiError::method_not_allowed());
            }
            roles::prepare_assignment(hook, data, family, parent, body, details);
        }
        Behaviour::Resource => resources::prepare(data, existing, body, details),
        Behaviour::ResourceAttribute => resources::prepare_attribute(body, existing, details),
        Behaviour::Population => {
            body.entry("default").or_insert(Value::Bool(false));
            body.entry("userCount").or_insert(Value::from(0));
        }
        Behaviour::User => users::prepare(data, existing, body, details, &mut stash),
        Behaviour::Device => users::prepare_device(existing, body, details),
        Behaviour::SignOnAction => sign_on_policies::prepare_action(data, body, details)?,
        Behaviour::IdentityProvider => identity_providers::prepare(body, details),
        Behaviour::Gateway => gateways::prepare(body, details),
        Behaviour::GatewayCredential => gateways::prepare_credential(body),
        Behaviour::PasswordPolicy => password_policies::prepare(body, details),
        Behaviour::Agreement => agreements::prepare(family, existing, body, details),
        Behaviour::ApplicationResource => app_resources::prepare(data, parent, body, details),
        Behaviour::ApplicationPermission => {
            app_resources::prepare_permission(data, parent, body, details);
        }
        Behaviour::Image => images::prepare(existing.is_some())?,
        Behaviour::RiskPredictor => risk::predictors::prepare(existing, body, details),
        Behaviour::RiskPolicySet => risk::policy_sets::prepare(data, existing, body, details),
        Behaviour::PropagationPlan => propagation::prepare_plan(data, existing, body, details),
        Behaviour::PropagationStore => propagation::prepare_store(hook, existing, body, details),
        Behaviour::PropagationRule => {
            let self_id = existing.and_then(|e| e.get("id")).and_then(Value::as_str);
            propagation::prepare_rule(data, self_id, body, details);
        }
        Behaviour::PropagationMapping => propagation::prepare_mapping(body, details),
        Behaviour::Plain | Behaviour::ReadOnly => {}
    }
    Ok(stash)
}

pub fn after_write(
    hook: &Hook,
    data: &mut EnvData,
    family: &Family,
    id: &str,
    created: bool,
    stash: Map<String, Value>,
) -> ApiResult<()> {
    match family.behaviour {
        Behaviour::Application => applications::after_write(hook, data, id, created, stash),
        Behaviour::User => users::after_write(data, id, created, stash),
        Behaviour::Device if created => users::after_device_created(data, id),
        Behaviour::Agreement if created => agreements::after_create(data, family, id),
        Behaviour::ApplicationResource if !created => {
            app_resources::after_write(data, id);
            Ok(())
        }
        _ => Ok(()),
    }
}

pub fn extra_links(
    base_url: &str,
    self_url: &str,
    data: &EnvData,
    family: &Family,
    body: &Map<String, Value>,
) -> Vec<(String, String)> {
    match family.behaviour {
        Behaviour::Application => applications::links(self_url, body),
        Behaviour::User => users::links(base_url, self_url, data, body),
        Behaviour::Resource => resources::links(self_url),
        _ => Vec::new(),
    }
}

pub fn before_delete(data: &EnvData, family: &Family, id: &str) -> ApiResult<()> {
    match family.behaviour {
        Behaviour::Resource => resources::before_delete(data, id),
        Behaviour::RiskPredictor => risk::predictors::before_delete(data, id),
        Behaviour::RiskPolicySet => risk::policy_sets::before_delete(data, id),
        Behaviour::PropagationPlan | Behaviour::PropagationStore | Behaviour::PropagationRule => {
            propagation::before_delete(data, family.key, id)
        }
        _ if family.key == "signOnPolicies" => sign_on_policies::before_delete(data, id),
        _ => Ok(()),
    }
}

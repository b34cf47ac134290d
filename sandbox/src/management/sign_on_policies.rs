//! Sign-on policy actions: integer priorities and the per-type required settings.

use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult, Detail};
use crate::store::EnvData;

fn reference_exists(
    data: &EnvData,
    body: &Map<String, Value>,
    field: &str,
    family: &'static str,
) -> Option<bool> {
    let id = body.get(field)?.get("id").and_then(Value::as_str)?;
    Some(data.row(family, id).is_some())
}

pub fn prepare_action(
    data: &EnvData,
    body: &mut Map<String, Value>,
    details: &mut Vec<Detail>,
) -> ApiResult<()> {
    // Sign-on actions reject fractional priorities outright (other services truncate).
    if let Some(priority) = body.get("priority") {
        let valid = priority.as_u64().is_some_and(|p| p >= 1);
        if !valid {
            return Err(ApiError::malformed(vec![Detail::invalid(
                "priority",
                "Invalid value for attribute.",
            )]));
        }
    }
    match body.get("type").and_then(Value::as_str).unwrap_or_default() {
        "LOGIN" => {
            if let Some(population) = body.get("registration").and_then(|r| r.get("population")) {
                let exists = population
                    .get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|id| data.row("populations", id).is_some());
                if !exists {
                    details.push(Detail::invalid(
                        "registration.population.id",
                        "Referenced population does not exist",
                    ));
                }
            }
            body.entry("recovery").or_insert(json!({"enabled": true}));
        }
        "MULTI_FACTOR_AUTHENTICATION" => {
            if reference_exists(
                data,
                body,
                "deviceAuthenticationPolicy",
                "deviceAuthenticationPolicies",
            ) == Some(false)
            {
                details.push(Detail::invalid(
                    "deviceAuthenticationPolicy.id",
                    "Referenced policy does not exist",
                ));
            }
            match body.get("noDevicesMode").and_then(Value::as_str) {
                None => {
                    body.insert("noDevicesMode".into(), json!("BLOCK"));
                }
                Some("BLOCK") | Some("BYPASS") => {}
                Some(_) => details.push(Detail::invalid(
                    "noDevicesMode",
                    "noDevicesMode must be BLOCK or BYPASS",
                )),
            }
        }
        "AGREEMENT" => match body
            .get("agreement")
            .and_then(|a| a.get("id"))
            .and_then(Value::as_str)
        {
            None => details.push(Detail::required("agreement.id")),
            Some(id) => match data.body("agreements", id) {
                None => details.push(Detail::invalid(
                    "agreement.id",
                    "Referenced agreement does not exist",
                )),
                Some(agreement)
                    if agreement.get("enabled").and_then(Value::as_bool) != Some(true) =>
                {
                    details.push(Detail::invalid(
                        "agreement.id",
                        "Referenced agreement is not enabled",
                    ))
                }
                Some(_) => {}
            },
        },
        "IDENTITY_PROVIDER" => {
            match reference_exists(data, body, "identityProvider", "identityProviders") {
                None => details.push(Detail::required("identityProvider.id")),
                Some(false) => details.push(Detail::invalid(
                    "identityProvider.id",
                    "Referenced identity provider does not exist",
                )),
                Some(true) => {}
            }
        }
        "PROGRESSIVE_PROFILING" => {
            let attributes = body.get("attributes").and_then(Value::as_array);
            match attributes {
                Some(list)
                    if !list.is_empty()
                        && list
                            .iter()
                            .all(|a| a.get("name").and_then(Value::as_str).is_some()) => {}
                Some(_) => details.push(Detail::invalid(
                    "attributes",
                    "attributes must be a non-empty list of {name, required}",
                )),
                None => details.push(Detail::required("attributes")),
            }
            body.entry("preventMultiplePromptsPerFlow")
                .or_insert(json!(true));
            body.entry("promptIntervalSeconds")
                .or_insert(json!(7_776_000));
        }
        "IDENTIFIER_FIRST" => {
            if let Some(rules) = body.get("discoveryRules").and_then(Value::as_array)
                && rules.len() > 100
            {
                details.push(Detail::new(
                    "SIZE_LIMIT_EXCEEDED",
                    "discoveryRules",
                    "At most 100 discovery rules",
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

/// The environment's default policy cannot be deleted.
pub fn before_delete(data: &EnvData, id: &str) -> ApiResult<()> {
    crate::management::crud::keep_default(data, "signOnPolicies", id, "sign-on policy")
}

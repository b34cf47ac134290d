//! Identity propagation: one plan per environment, stores (connections to identity
//! stores, each type with its own configuration), rules (a source store to a target store
//! for a subset of identities) and the attribute mappings of a rule.
//!
//! Workday is the one store that is written back to: a writeback rule names the inbound
//! rule as its `parentRule`, reads the PingOne directory (a `directory` store) and writes
//! to the inbound rule's Workday source store, acting only on users that rule provisioned.

use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult, Detail};
use crate::management::crud::{lookup, str_field};
use crate::management::filter;
use crate::management::hooks::Hook;
use crate::store::EnvData;

pub const STORE_TYPES: &[&str] = &[
    "Aquera",
    "AzureActiveDirectorySAML2",
    "directory",
    "LdapGateway",
    "PingOne",
    "Salesforce",
    "SalesforceContacts",
    "scim",
    "Slack",
    "Workday",
    "Zoom",
];

const PLANS: &str = "propagation.plans";
const STORES: &str = "propagation.stores";
const RULES: &str = "propagation.rules";

/// Configuration keys each store type cannot do without; `directory` needs none.
fn required_configuration(store_type: &str) -> &'static [&'static str] {
    match store_type {
        "Workday" => &["username", "password", "tenantId"],
        "PingOne" => &["ENVIRONMENT_ID", "REGION"],
        _ => &[],
    }
}

pub fn prepare_plan(
    data: &EnvData,
    existing: Option<&Map<String, Value>>,
    body: &mut Map<String, Value>,
    details: &mut Vec<Detail>,
) {
    if existing.is_none() && data.rows(PLANS).next().is_some() {
        details.push(Detail::invalid(
            "name",
            "An environment has only one propagation plan",
        ));
    }
    body.entry("status").or_insert(json!("INACTIVE"));
}

pub fn prepare_store(
    hook: &Hook,
    existing: Option<&Map<String, Value>>,
    body: &mut Map<String, Value>,
    details: &mut Vec<Detail>,
) {
    body.remove("syncStatus");
    let store_type = str_field(body, "type").to_string();
    if let Some(before) = existing.map(|e| str_field(e, "type"))
        && before != store_type
    {
        details.push(Detail::invalid("type", "A store's type cannot change"));
    }
    let needed = required_configuration(&store_type);
    match body.get("configuration") {
        Some(Value::Object(configuration)) => {
            for key in needed {
                if configuration
                    .get(*key)
                    .is_none_or(|v| v.is_null() || v == "")
                {
                    details.push(Detail::required(&format!("configuration.{key}")));
                }
            }
            // A PingOne target store provisions into an environment that must exist.
            if store_type == "PingOne"
                && let Some(target) = configuration.get("ENVIRONMENT_ID").and_then(Value::as_str)
                && hook.store.env(target).is_none()
            {
                details.push(Detail::invalid(
                    "configuration.ENVIRONMENT_ID",
                    "The environment does not exist",
                ));
            }
        }
        None | Some(Value::Null) if store_type == "directory" => {
            body.insert("configuration".into(), json!({}));
        }
        None | Some(Value::Null) => details.push(Detail::required("configuration")),
        Some(_) => details.push(Detail::invalid(
            "configuration",
            "configuration must be an object",
        )),
    }
    body.entry("status").or_insert(json!("INACTIVE"));
    body.entry("managed").or_insert(json!(false));
}

fn store_type<'a>(data: &'a EnvData, body: &Map<String, Value>, field: &str) -> Option<&'a str> {
    let id = lookup(body, &format!("{field}.id"))?.as_str()?;
    data.body(STORES, id).map(|store| str_field(store, "type"))
}

fn referenced<'a>(body: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    lookup(body, &format!("{field}.id")).and_then(Value::as_str)
}

/// Beyond the table's references: the stores' directions, a writeback rule's parent, and a
/// population expression PingOne can evaluate.
pub fn prepare_rule(
    data: &EnvData,
    self_id: Option<&str>,
    body: &mut Map<String, Value>,
    details: &mut Vec<Detail>,
) {
    let source = store_type(data, body, "sourceStore");
    let target = store_type(data, body, "targetStore");
    if referenced(body, "sourceStore").is_some()
        && referenced(body, "sourceStore") == referenced(body, "targetStore")
    {
        details.push(Detail::invalid(
            "targetStore.id",
            "The source and target stores must differ",
        ));
    }
    match referenced(body, "parentRule") {
        Some(parent_id) => writeback(data, self_id, parent_id, body, details),
        None => {
            if source == Some("directory") {
                details.push(Detail::invalid(
                    "sourceStore.id",
                    "A directory source store is only read by a writeback rule (parentRule)",
                ));
            }
            if source == Some("Workday") && target.is_some_and(|t| t != "PingOne") {
                details.push(Detail::invalid(
                    "targetStore.id",
                    "A Workday inbound rule provisions into a PingOne store",
                ));
            }
        }
    }
    match body.get("populationExpression") {
        Some(Value::String(text)) if !text.trim().is_empty() => {
            if let Err(err) = filter::parse(text) {
                let message = err
                    .details
                    .first()
                    .map(|d| d.message.clone())
                    .unwrap_or(err.message);
                details.push(Detail::invalid("populationExpression", message));
            }
        }
        None | Some(Value::Null) | Some(Value::String(_)) => {}
        Some(_) => details.push(Detail::invalid(
            "populationExpression",
            "populationExpression must be a SCIM filter",
        )),
    }
    body.entry("active").or_insert(json!(false));
    body.entry("deprovision").or_insert(json!(false));
}

/// A writeback rule reads the directory and writes to its parent's source store, in the
/// parent's plan, for the parent's users only.
fn writeback(
    data: &EnvData,
    self_id: Option<&str>,
    parent_id: &str,
    body: &Map<String, Value>,
    details: &mut Vec<Detail>,
) {
    let Some(parent) = data.body(RULES, parent_id) else {
        return; // the table's reference check names it
    };
    if Some(parent_id) == self_id || referenced(parent, "parentRule").is_some() {
        details.push(Detail::invalid(
            "parentRule.id",
            "The parent rule must be an inbound rule",
        ));
        return;
    }
    if store_type(data, parent, "sourceStore") != Some("Workday") {
        details.push(Detail::invalid(
            "parentRule.id",
            "Only Workday inbound rules are written back to",
        ));
    }
    if store_type(data, body, "sourceStore").is_some_and(|t| t != "directory") {
        details.push(Detail::invalid(
            "sourceStore.id",
            "A writeback rule reads a directory store",
        ));
    }
    if referenced(body, "targetStore").is_some()
        && referenced(body, "targetStore") != referenced(parent, "sourceStore")
    {
        details.push(Detail::invalid(
            "targetStore.id",
            "A writeback rule writes to its parent rule's source store",
        ));
    }
    if referenced(body, "plan") != referenced(parent, "plan") {
        details.push(Detail::invalid(
            "plan.id",
            "A writeback rule belongs to its parent rule's plan",
        ));
    }
    if body
        .get("populationExpression")
        .is_some_and(|v| !v.is_null())
    {
        details.push(Detail::invalid(
            "populationExpression",
            "A writeback rule acts on its parent rule's users; it has no population filter",
        ));
    }
}

/// A mapping takes its value from a source attribute or an expression, never both.
pub fn prepare_mapping(body: &Map<String, Value>, details: &mut Vec<Detail>) {
    let given = |field: &str| body.get(field).is_some_and(|v| !v.is_null() && v != "");
    match (given("sourceAttribute"), given("expression")) {
        (true, true) => details.push(Detail::invalid(
            "expression",
            "Give either sourceAttribute or expression, not both",
        )),
        (false, false) => details.push(Detail::required("sourceAttribute")),
        _ => {}
    }
}

/// The rules of one plan (`/propagation/plans/{planID}/rules`) as a list filter.
pub fn plan_filter(plan_id: &str, filter: Option<&String>) -> String {
    let own = format!("plan.id eq \"{}\"", plan_id.replace('"', ""));
    match filter.filter(|f| !f.trim().is_empty()) {
        Some(given) => format!("{given} and {own}"),
        None => own,
    }
}

/// What still uses a plan, store or rule keeps it: delete the rules first.
pub fn before_delete(data: &EnvData, key: &str, id: &str) -> ApiResult<()> {
    let fields: &[&str] = match key {
        PLANS => &["plan"],
        STORES => &["sourceStore", "targetStore"],
        RULES => &["parentRule"],
        _ => return Ok(()),
    };
    let user = data.rows(RULES).find(|(_, rule)| {
        fields
            .iter()
            .any(|field| referenced(&rule.body, field) == Some(id))
    });
    match user {
        Some((rule_id, _)) => Err(ApiError::invalid_data(vec![
            Detail::invalid("id", "A propagation rule still uses it")
                .with_inner(json!({"ruleId": rule_id})),
        ])),
        None => Ok(()),
    }
}

//! Audit activities: what happened in an environment, by whom, to what, and how it ended,
//! recorded as it happens and read back through `/environments/{envID}/activities`.

pub mod query;

use serde_json::{Map, Value, json};

use crate::clock;
use crate::generate;
use crate::management::access::Actor;
use crate::store::{EnvData, Row, Store};

/// The table the activities are kept in (also the read-only management family).
pub const TABLE: &str = "activities";

/// The resource types audited, with the family holding them and the field naming them.
const SUBJECTS: &[(&str, &str, &str)] = &[
    ("USER", "users", "username"),
    ("APPLICATION", "applications", "name"),
    ("AGREEMENT", "agreements", "name"),
];

/// The management path segment of an audited type, for `href`s.
pub(crate) fn segment_of(kind: &str) -> Option<&'static str> {
    match kind {
        "CLIENT" => Some("applications"),
        _ => SUBJECTS
            .iter()
            .find(|(k, _, _)| *k == kind)
            .map(|(_, family, _)| *family),
    }
}

/// The audited type of a family's rows (`users` -> `USER`), if its changes are audited.
pub fn kind_of_family(family: &str) -> Option<&'static str> {
    SUBJECTS
        .iter()
        .find(|(_, f, _)| *f == family)
        .map(|(kind, _, _)| *kind)
}

/// A stored row as an activity names it: `{type, id, name, environment, population}`;
/// `None` for rows of families that are not audited or rows that do not exist.
pub fn subject(data: &EnvData, family: &str, id: &str) -> Option<Value> {
    let (kind, key, name_field) = SUBJECTS.iter().find(|(_, f, _)| *f == family)?;
    let body = data.body(key, id)?;
    let mut subject = json!({
        "type": kind,
        "id": id,
        "name": body.get(*name_field).cloned().unwrap_or(Value::Null),
        "environment": {"id": data.id},
    });
    if let Some(population) = body.get("population").filter(|p| p.is_object()) {
        subject["population"] = population.clone();
    }
    Some(subject)
}

/// The worker application behind a management call; nothing for a user's token.
pub fn admin_actors(store: &Store, actor: &Actor) -> Map<String, Value> {
    let mut actors = Map::new();
    if let (Some(app_id), Some(env)) = (&actor.app_id, store.env(&actor.env_id)) {
        actors.insert("client".into(), client(&env.read(), app_id));
    }
    actors
}

/// An end user signing on through an application of the same environment.
pub fn end_user_actors(data: &EnvData, user_id: &str, app_id: &str) -> Map<String, Value> {
    let mut actors = Map::new();
    if let Some(mut user) = subject(data, "users", user_id) {
        user["type"] = json!("USER");
        actors.insert("user".into(), user);
    }
    if !app_id.is_empty() {
        actors.insert("client".into(), client(data, app_id));
    }
    actors
}

fn client(data: &EnvData, app_id: &str) -> Value {
    let name = data
        .body("applications", app_id)
        .and_then(|b| b.get("name"))
        .cloned()
        .unwrap_or(Value::Null);
    json!({"id": app_id, "name": name, "type": "CLIENT", "environment": {"id": data.id}})
}

/// Records a successful `action` (`USER.CREATED`) by `actors` on `resources`.
pub fn record(data: &mut EnvData, action: &str, actors: Map<String, Value>, resources: Vec<Value>) {
    store(data, action, actors, resources, None);
}

/// Records an `action` that failed for `reason`.
pub fn record_failure(
    data: &mut EnvData,
    action: &str,
    actors: Map<String, Value>,
    resources: Vec<Value>,
    reason: &str,
) {
    store(data, action, actors, resources, Some(reason));
}

/// Records `<TYPE>.<verb>` (`USER.UPDATED`) on a management resource described by `subject`.
pub fn record_change(data: &mut EnvData, subject: Value, verb: &str, actors: Map<String, Value>) {
    let kind = subject["type"].as_str().unwrap_or_default().to_string();
    record(data, &format!("{kind}.{verb}"), actors, vec![subject]);
}

fn store(
    data: &mut EnvData,
    action: &str,
    actors: Map<String, Value>,
    resources: Vec<Value>,
    failure: Option<&str>,
) {
    let id = generate::id();
    let now = clock::iso_now();
    let result = match failure {
        None => json!({"status": "SUCCESS", "description": describe(action)}),
        Some(reason) => json!({"status": "FAILED", "description": reason}),
    };
    let body = json!({
        "id": id,
        "environment": {"id": data.id},
        "recordedAt": now,
        "createdAt": now,
        "correlationId": generate::id(),
        "action": {"type": action, "description": describe(action)},
        "result": result,
        "actors": actors,
        "resources": resources,
    });
    if let Value::Object(body) = body {
        data.table_mut(TABLE).insert(id, Row { parent: None, body });
    }
}

/// `AGREEMENT_CONSENT.ACCEPTED` -> `Agreement Consent Accepted`.
fn describe(action: &str) -> String {
    action
        .split(['.', '_'])
        .filter(|word| !word.is_empty())
        .map(|word| {
            let lower = word.to_lowercase();
            let mut chars = lower.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

//! Agreements, their languages and revisions (immutable text; the newest effective
//! revision becomes the language's `currentRevision`).

use serde_json::{Map, Value, json};

use crate::error::Detail;
use crate::management::family::Family;
use crate::store::EnvData;

pub fn prepare(
    family: &Family,
    existing: Option<&Map<String, Value>>,
    body: &mut Map<String, Value>,
    details: &mut Vec<Detail>,
) {
    match family.key {
        "agreements" => {
            for key in ["totalConsents", "totalExpiredConsents"] {
                let previous = existing
                    .and_then(|e| e.get(key))
                    .cloned()
                    .unwrap_or(json!(0));
                body.insert(key.into(), previous);
            }
        }
        "agreements.languages" => {
            if let Some(current) = existing.and_then(|e| e.get("currentRevision")) {
                body.insert("currentRevision".into(), current.clone());
            }
        }
        "agreements.languages.revisions" => {
            if let Some(existing) = existing
                && body.get("text") != existing.get("text")
            {
                details.push(Detail::invalid("text", "Revision text cannot be changed"));
            }
            if let Some(at) = body.get("effectiveAt").and_then(Value::as_str) {
                let parsed =
                    time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339);
                if parsed.is_err() {
                    details.push(Detail::invalid(
                        "effectiveAt",
                        "effectiveAt must be an ISO-8601 date-time",
                    ));
                }
            }
        }
        _ => {}
    }
}

pub fn after_create(data: &mut EnvData, family: &Family, id: &str) -> crate::error::ApiResult<()> {
    if family.key != "agreements.languages.revisions" {
        return Ok(());
    }
    let Some(row) = data.row(family.key, id).cloned() else {
        return Ok(());
    };
    let Some(language_id) = row.parent else {
        return Ok(());
    };
    let agreement = data
        .row("agreements.languages", &language_id)
        .and_then(|r| r.parent.clone());
    if let Some(revision) = data.table_mut(family.key).get_mut(id)
        && let Some(agreement) = agreement
    {
        revision
            .body
            .insert("agreement".into(), json!({"id": agreement}));
    }
    if let Some(language) = data.table_mut("agreements.languages").get_mut(&language_id) {
        language
            .body
            .insert("currentRevision".into(), json!({"id": id}));
    }
    Ok(())
}

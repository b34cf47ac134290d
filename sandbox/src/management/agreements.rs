//! Agreements, their languages and revisions (immutable text; the newest effective
//! revision becomes the language's `currentRevision`), and users' consents to them.

use serde_json::{Map, Value, json};

use crate::clock;
use crate::error::{ApiError, ApiResult, Detail};
use crate::links;
use crate::management::family::Family;
use crate::store::{Consent, EnvData};

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

pub fn after_create(data: &mut EnvData, family: &Family, id: &str) -> ApiResult<()> {
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

/// The agreement language a user is shown: the enabled one matching the user's
/// `preferredLanguage` or `locale`, else the environment's default language, else any
/// enabled one. Returns (language id, locale).
fn shown_language(data: &EnvData, user_id: &str, agreement: &str) -> Option<(String, String)> {
    let languages: Vec<(String, String)> = data
        .children("agreements.languages", agreement)
        .filter(|(_, row)| row.body.get("enabled").and_then(Value::as_bool) != Some(false))
        .filter_map(|(id, row)| {
            let locale = row.body.get("locale").and_then(Value::as_str)?;
            Some((id.clone(), locale.to_string()))
        })
        .collect();
    let user = data.body("users", user_id);
    let default_locale = data
        .rows("languages")
        .find(|(_, row)| row.body.get("default").and_then(Value::as_bool) == Some(true))
        .and_then(|(_, row)| row.body.get("locale").and_then(Value::as_str));
    let wanted = ["preferredLanguage", "locale"]
        .iter()
        .filter_map(|field| user.and_then(|u| u.get(*field)).and_then(Value::as_str))
        .chain(default_locale);
    for locale in wanted {
        if let Some(found) = languages
            .iter()
            .find(|(_, l)| l.eq_ignore_ascii_case(locale))
        {
            return Some(found.clone());
        }
    }
    languages.into_iter().next()
}

/// Whether the user's consent still holds: a newer revision with `requireReconsent`
/// in the user's language asks again.
pub fn consent_holds(data: &EnvData, user_id: &str, agreement: &str) -> bool {
    let key = (user_id.to_string(), agreement.to_string());
    let Some(consent) = data.consents.get(&key) else {
        return false;
    };
    let current = shown_language(data, user_id, agreement).and_then(|(id, _)| {
        data.body("agreements.languages", &id)
            .and_then(|b| b.get("currentRevision"))
            .and_then(|r| r.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    match current {
        Some(revision) if consent.revision.as_ref() != Some(&revision) => {
            data.body("agreements.languages.revisions", &revision)
                .and_then(|b| b.get("requireReconsent"))
                .and_then(Value::as_bool)
                != Some(true)
        }
        _ => true,
    }
}

/// Records an accepted agreement (the language and revision the user saw) and counts it.
pub fn record_consent(data: &mut EnvData, user_id: &str, agreement: &str) {
    let language = shown_language(data, user_id, agreement);
    let revision = language.as_ref().and_then(|(id, _)| {
        data.body("agreements.languages", id)
            .and_then(|b| b.get("currentRevision"))
            .and_then(|r| r.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    data.consents.insert(
        (user_id.to_string(), agreement.to_string()),
        Consent {
            language,
            revision,
            consented_at: clock::iso_now(),
        },
    );
    if let Some(row) = data.table_mut("agreements").get_mut(agreement) {
        let total = row
            .body
            .get("totalConsents")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        row.body.insert("totalConsents".into(), json!(total + 1));
    }
}

fn render_consent(
    base_url: &str,
    data: &EnvData,
    user_id: &str,
    agreement: &str,
    consent: &Consent,
) -> Value {
    let env_url = format!("{base_url}/v1/environments/{}", data.id);
    let mut body = json!({
        "_links": links::links(vec![
            (
                "self".into(),
                format!("{env_url}/users/{user_id}/agreementConsents/{agreement}"),
            ),
            ("environment".into(), env_url.clone()),
            ("user".into(), format!("{env_url}/users/{user_id}")),
            ("agreement".into(), format!("{env_url}/agreements/{agreement}")),
        ]),
        "environment": {"id": data.id},
        "user": {"id": user_id},
        "agreement": {"id": agreement},
        "consentedAt": consent.consented_at,
    });
    if let Some((id, locale)) = &consent.language {
        body["language"] = json!({"id": id, "locale": locale});
    }
    if let Some(revision) = &consent.revision {
        body["revision"] = json!({"id": revision});
    }
    body
}

/// `GET .../users/{id}/agreementConsents[/{agreementId}]`: one consent, or all of the user's.
pub fn consents(
    base_url: &str,
    data: &EnvData,
    user_id: &str,
    agreement: Option<&str>,
) -> ApiResult<Value> {
    data.row("users", user_id).ok_or_else(ApiError::not_found)?;
    if let Some(agreement) = agreement {
        let key = (user_id.to_string(), agreement.to_string());
        let consent = data.consents.get(&key).ok_or_else(ApiError::not_found)?;
        return Ok(render_consent(base_url, data, user_id, agreement, consent));
    }
    // In agreement creation order, so the list is stable.
    let items: Vec<Value> = data
        .rows("agreements")
        .filter_map(|(agreement, _)| {
            let key = (user_id.to_string(), agreement.clone());
            let consent = data.consents.get(&key)?;
            Some(render_consent(base_url, data, user_id, agreement, consent))
        })
        .collect();
    let count = items.len();
    Ok(links::collection(
        format!(
            "{base_url}/v1/environments/{}/users/{user_id}/agreementConsents",
            data.id
        ),
        None,
        "agreementConsents",
        items,
        count,
    ))
}

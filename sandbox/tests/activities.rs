//! Audit activities: management changes, sign-ons and agreement consents recorded with
//! their actors, resources and results, read through PingOne's filters.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

/// A time range around any test run, in the form PingOne's examples use.
const ALWAYS: &str =
    r#"recordedAt gt "2000-01-01T00:00:00Z" AND recordedAt lt "2100-01-01T00:00:00Z""#;

/// `GET .../activities?filter=<ALWAYS> and <terms>`: status and body.
async fn search(ctx: &Ctx, env: &str, terms: &str) -> (reqwest::StatusCode, Value) {
    let filter = match terms {
        "" => ALWAYS.to_string(),
        _ => format!("{ALWAYS} and {terms}"),
    };
    let path = format!("/environments/{env}/activities");
    send(ctx.request(Method::GET, &path).query(&[("filter", filter)])).await
}

/// The activities matching `terms`; asserts the search is accepted.
async fn activities(ctx: &Ctx, env: &str, terms: &str) -> Vec<Value> {
    let (status, body) = search(ctx, env, terms).await;
    assert_eq!(status, 200, "{body}");
    body["_embedded"]["activities"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn action_types(list: &[Value]) -> Vec<&str> {
    list.iter()
        .filter_map(|a| a["action"]["type"].as_str())
        .collect()
}

/// `PATCH` the resource at `path` with `change`, then delete it.
async fn update_then_delete(ctx: &Ctx, path: &str, change: Value) {
    let (status, body) = ctx.call("PATCH", path, Some(change)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ctx.call("DELETE", path, None).await.0, 204);
}

#[tokio::test]
async fn user_and_application_changes_are_audited() {
    let (ctx, env) = start().await;
    let (user_id, username) = ctx.user(&env, json!({})).await;
    let user = format!("/environments/{env}/users/{user_id}");
    update_then_delete(&ctx, &user, json!({"nickname": "jo"})).await;

    let trail = activities(&ctx, &env, &format!(r#"resources.id eq "{user_id}""#)).await;
    assert_eq!(
        action_types(&trail),
        ["USER.CREATED", "USER.UPDATED", "USER.DELETED"]
    );
    let created = &trail[0];
    assert!(created["id"].is_string() && created["recordedAt"].is_string());
    assert_eq!(created["result"]["status"], "SUCCESS");
    assert_eq!(created["actors"]["client"]["type"], "CLIENT");
    assert!(created["actors"]["client"]["id"].is_string());
    let resource = &created["resources"][0];
    assert_eq!(
        (resource["type"].as_str(), resource["name"].as_str()),
        (Some("USER"), Some(username.as_str()))
    );
    assert!(resource["href"].as_str().unwrap().ends_with(&user_id));
    let one = ctx
        .read(
            &env,
            &format!("activities/{}", created["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(one["action"]["type"], "USER.CREATED");

    let (app_id, _) = ctx.code_app(&env, "CLIENT_SECRET_BASIC").await;
    let app = format!("/environments/{env}/applications/{app_id}");
    update_then_delete(&ctx, &app, json!({"description": "d"})).await;
    let deleted = activities(&ctx, &env, r#"action.type eq "APPLICATION.DELETED""#).await;
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0]["resources"][0]["id"], app_id);
    let app_trail = activities(&ctx, &env, &format!(r#"resources.id eq "{app_id}""#)).await;
    assert_eq!(
        action_types(&app_trail),
        [
            "APPLICATION.CREATED",
            "APPLICATION.UPDATED",
            "APPLICATION.DELETED"
        ]
    );
    // Another environment's trail holds none of it.
    let other = ctx.environment().await;
    let foreign = activities(&ctx, &other, &format!(r#"resources.id eq "{app_id}""#)).await;
    assert!(foreign.is_empty());
}

/// An enabled agreement with an English revision; returns its id.
async fn enabled_agreement(ctx: &Ctx, env: &str) -> String {
    let name = format!("terms-{}", uuid());
    let agreement = ctx
        .create(env, "agreements", json!({"name": name, "enabled": false}))
        .await;
    let id = agreement["id"].as_str().unwrap().to_string();
    let languages = format!("agreements/{id}/languages");
    let language = ctx
        .create(
            env,
            &languages,
            json!({"locale": "en", "displayName": "Terms", "enabled": true}),
        )
        .await;
    let revisions = format!("{languages}/{}/revisions", language["id"].as_str().unwrap());
    let text = json!({"contentType": "text/plain", "effectiveAt": "2024-01-01T00:00:00Z", "requireReconsent": true, "text": "Fair use."});
    ctx.create(env, &revisions, text).await;
    let path = format!("/environments/{env}/agreements/{id}");
    let (status, body) = ctx
        .call("PUT", &path, Some(json!({"name": name, "enabled": true})))
        .await;
    assert_eq!(status, 200, "{body}");
    id
}

#[tokio::test]
async fn sign_ons_and_consents_are_audited() {
    let (ctx, env) = start().await;
    let agreement = enabled_agreement(&ctx, &env).await;
    let actions = vec![
        json!({"type": "LOGIN", "priority": 1}),
        json!({"type": "AGREEMENT", "priority": 2, "agreement": {"id": agreement}}),
    ];
    let app = app_with_policy(&ctx, &env, actions).await;
    let (user_id, username) = ctx.user(&env, json!({})).await;
    let mut sign_in = SignIn::new(&ctx, &env).authorize(&app).await;
    let wrong = json!({"username": username, "password": "not-it"});
    assert_eq!(sign_in.act("usernamePassword.check", wrong).await.0, 400);
    sign_in.password(&username).await;
    let (_, step) = sign_in.act("user.consent", json!({"accept": true})).await;
    assert_eq!(step["status"], "COMPLETED");

    let by_user = format!(r#"actors.user.id eq "{user_id}""#);
    let signed = activities(&ctx, &env, &by_user).await;
    assert_eq!(
        action_types(&signed),
        [
            "USER.ACCESS_DENIED",
            "AGREEMENT_CONSENT.ACCEPTED",
            "USER.ACCESS_ALLOWED"
        ]
    );
    assert_eq!(signed[0]["result"]["status"], "FAILED");
    assert!(signed[0]["result"]["description"].is_string());
    let allowed = &signed[2];
    assert_eq!(allowed["result"]["status"], "SUCCESS");
    assert_eq!(allowed["actors"]["user"]["name"], username.as_str());
    assert_eq!(allowed["actors"]["client"]["id"], app.as_str());

    // The agreement-consent audit's two filters, as the PingOne workflow writes them.
    let consent = r#"(action.type eq "AGREEMENT_CONSENT.ACCEPTED")"#;
    let of_agreement = format!(r#"resources.id eq "{agreement}" and {consent}"#);
    let of_user =
        format!(r#"resources.type eq "user" and resources.id eq "{user_id}" and {consent}"#);
    for terms in [of_agreement, of_user] {
        let found = activities(&ctx, &env, &terms).await;
        assert_eq!(found.len(), 1, "{terms}");
        let ids: Vec<&str> = found[0]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["id"].as_str())
            .collect();
        assert_eq!(ids, [user_id.as_str(), agreement.as_str()]);
    }

    // The sign-on's session is the one the user's sessions list shows.
    let sessions = ctx.read(&env, &format!("users/{user_id}/sessions")).await;
    assert_eq!(sessions["count"], 1);
    assert_eq!(
        sessions["_embedded"]["sessions"][0]["user"]["id"],
        user_id.as_str()
    );
}

#[tokio::test]
async fn filters_are_held_to_what_pingone_accepts() {
    let (ctx, env) = start().await;
    let (user_id, _) = ctx.user(&env, json!({})).await;
    let path = format!("/environments/{env}/activities");
    let refused = |body: &Value| {
        body["code"] == "INVALID_DATA" && body["details"][0]["code"] == "INVALID_FILTER"
    };

    // The time range is required: no filter, only an action type, or only one bound.
    let (status, body) = ctx.call("GET", &path, None).await;
    assert_eq!(status, 400);
    assert!(refused(&body), "{body}");
    for filter in [
        r#"action.type eq "USER.CREATED""#,
        r#"recordedAt gt "2000-01-01T00:00:00Z" and action.type eq "USER.CREATED""#,
        r#"recordedat lt "2100-01-01T00:00:00Z""#,
    ] {
        let (status, body) =
            send(ctx.request(Method::GET, &path).query(&[("filter", filter)])).await;
        assert_eq!(status, 400, "{filter}");
        assert!(refused(&body), "{body}");
    }
    // Only documented attributes and operators, joined by `and`.
    for terms in [
        r#"actors.user.email eq "a@example.com""#,
        r#"action.type sw "USER""#,
        r#"action.type eq "USER.CREATED" or action.type eq "USER.DELETED""#,
        r#"action.type gt "2000-01-01T00:00:00Z""#,
    ] {
        let (status, body) = search(&ctx, &env, terms).await;
        assert_eq!(status, 400, "{terms}");
        assert!(refused(&body), "{body}");
    }
    let (status, _) = search(&ctx, &env, r#"recordedAt gt "yesterday""#).await;
    assert_eq!(status, 400);

    // Lower-case attribute names (older docs) and a range before everything.
    let lower =
        r#"recordedat ge "2000-01-01T00:00:00.000Z" and recordedat le "2001-01-01T00:00:00Z""#;
    let (status, body) = send(ctx.request(Method::GET, &path).query(&[("filter", lower)])).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["count"], 0);

    // Paging with limit and cursor, and the same search by POST with the filter in the body.
    let (second, _) = ctx.user(&env, json!({})).await;
    let created = r#"action.type eq "USER.CREATED""#;
    let filter = format!("{ALWAYS} and {created}");
    let (status, page) = send(
        ctx.request(Method::GET, &path)
            .query(&[("filter", filter.as_str()), ("limit", "1")]),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (page["count"].as_u64(), page["size"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(
        page["_embedded"]["activities"][0]["resources"][0]["id"],
        user_id.as_str()
    );
    let next = page["_links"]["next"]["href"].as_str().unwrap();
    assert!(next.contains("cursor=1"));
    let (status, posted) = ctx
        .call(
            "POST",
            &path,
            Some(json!({"filter": filter, "limit": 1, "cursor": "1"})),
        )
        .await;
    assert_eq!(status, 200, "{posted}");
    assert_eq!(
        posted["_embedded"]["activities"][0]["resources"][0]["id"],
        second.as_str()
    );
    let (status, _) = send(
        ctx.request(Method::GET, &path)
            .query(&[("filter", filter.as_str()), ("limit", "0")]),
    )
    .await;
    assert_eq!(status, 400);

    // Activities are read-only, and other lists still refuse instant comparisons.
    let one = format!(
        "{path}/{}",
        page["_embedded"]["activities"][0]["id"].as_str().unwrap()
    );
    assert_eq!(ctx.call("DELETE", &one, None).await.0, 405);
    let users = format!("/environments/{env}/users");
    let (status, _) = send(
        ctx.request(Method::GET, &users)
            .query(&[("filter", r#"createdAt gt "2000-01-01T00:00:00Z""#)]),
    )
    .await;
    assert_eq!(status, 400);
}

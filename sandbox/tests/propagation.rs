//! Identity propagation over HTTP: one plan per environment, stores validated by type,
//! inbound and writeback rules checked against their stores and parent, mappings, and
//! deletes refused while a rule still uses what is deleted.

mod common;

use common::*;
use serde_json::{Value, json};

/// POSTs `body` under the environment; asserts a 400 naming `wanted` as a target.
async fn refused(ctx: &Ctx, env: &str, path: &str, body: Value, wanted: &str) {
    let (status, response) = ctx
        .call("POST", &format!("/environments/{env}/{path}"), Some(body))
        .await;
    assert_eq!(status, 400, "{response}");
    assert!(
        targets(&response).iter().any(|t| t == wanted),
        "{wanted} in {response}"
    );
}

async fn delete(ctx: &Ctx, env: &str, path: &str) -> (reqwest::StatusCode, Value) {
    ctx.call("DELETE", &format!("/environments/{env}/{path}"), None)
        .await
}

fn id(value: &Value) -> String {
    value["id"].as_str().expect("id").to_string()
}

/// A plan with a Workday store, a PingOne store and a directory store.
struct Connection {
    plan: String,
    workday: String,
    pingone: String,
    directory: String,
}

async fn connection(ctx: &Ctx, env: &str) -> Connection {
    let plan = ctx
        .create(env, "propagation/plans", json!({"name": "Workday"}))
        .await;
    assert_eq!(plan["status"], "INACTIVE");
    let workday = ctx
        .create(
            env,
            "propagation/stores",
            json!({"name": "Workday", "type": "Workday", "configuration": {
                "username": "isu", "password": "secret", "tenantId": "acme", "host": "wd2-impl-services1.workday.com"}}),
        )
        .await;
    let pingone = ctx
        .create(
            env,
            "propagation/stores",
            json!({"name": "PingOne", "type": "PingOne", "configuration": {
                "ENVIRONMENT_ID": env, "REGION": "North America", "CREATE_USERS": true}}),
        )
        .await;
    let directory = ctx
        .create(
            env,
            "propagation/stores",
            json!({"name": "Directory", "type": "directory"}),
        )
        .await;
    Connection {
        plan: id(&plan),
        workday: id(&workday),
        pingone: id(&pingone),
        directory: id(&directory),
    }
}

fn rule(c: &Connection, source: &str, target: &str) -> Value {
    json!({"name": format!("rule-{}", uuid()), "plan": {"id": c.plan},
           "sourceStore": {"id": source}, "targetStore": {"id": target}})
}

#[tokio::test]
async fn an_environment_has_one_plan_and_stores_need_their_configuration() {
    let (ctx, env) = start().await;
    let c = connection(&ctx, &env).await;
    refused(
        &ctx,
        &env,
        "propagation/plans",
        json!({"name": "Second"}),
        "name",
    )
    .await;
    let plans = ctx.read(&env, "propagation/plans").await;
    assert_eq!(plans["_embedded"]["plans"][0]["id"], c.plan.as_str());
    assert!(
        plans["_embedded"]["plans"][0]["_links"]["self"]["href"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/propagation/plans/{}", c.plan))
    );
    refused(
        &ctx,
        &env,
        "propagation/stores",
        json!({"name": "W", "type": "Workday", "configuration": {"username": "isu"}}),
        "configuration.tenantId",
    )
    .await;
    refused(
        &ctx,
        &env,
        "propagation/stores",
        json!({"name": "P", "type": "PingOne", "configuration": {"ENVIRONMENT_ID": uuid(), "REGION": "North America"}}),
        "configuration.ENVIRONMENT_ID",
    )
    .await;
    refused(
        &ctx,
        &env,
        "propagation/stores",
        json!({"name": "X", "type": "Oracle", "configuration": {}}),
        "type",
    )
    .await;
    let stores = ctx.read(&env, "propagation/stores").await;
    let types: Vec<&str> = stores["_embedded"]["stores"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["type"].as_str())
        .collect();
    assert_eq!(types.len(), 3, "{types:?}");
    let (status, _) = ctx
        .call(
            "PUT",
            &format!("/environments/{env}/propagation/stores/{}", c.directory),
            Some(json!({"name": "Directory", "type": "Workday", "configuration": {}})),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn rules_follow_their_stores_and_writeback_follows_its_parent() {
    let (ctx, env) = start().await;
    let c = connection(&ctx, &env).await;
    let mut bad = rule(&c, &c.workday, &c.pingone);
    bad["populationExpression"] = json!("supervisoryOrg eq");
    refused(&ctx, &env, "propagation/rules", bad, "populationExpression").await;
    refused(
        &ctx,
        &env,
        "propagation/rules",
        rule(&c, &c.directory, &c.workday),
        "sourceStore.id",
    )
    .await;
    refused(
        &ctx,
        &env,
        "propagation/rules",
        rule(&c, &c.workday, &uuid()),
        "targetStore.id",
    )
    .await;
    let mut inbound = rule(&c, &c.workday, &c.pingone);
    inbound["populationExpression"] = json!("supervisoryOrg eq \"Human Resources\"");
    let inbound = ctx
        .post(
            &format!("/environments/{env}/propagation/plans/{}/rules", c.plan),
            inbound,
        )
        .await;
    assert_eq!(inbound["active"], false);
    let inbound_id = id(&inbound);
    let mut writeback = rule(&c, &c.directory, &c.pingone);
    writeback["parentRule"] = json!({"id": inbound_id});
    refused(
        &ctx,
        &env,
        "propagation/rules",
        writeback.clone(),
        "targetStore.id",
    )
    .await;
    writeback["targetStore"] = json!({"id": c.workday});
    writeback["populationExpression"] = json!("active eq true");
    refused(
        &ctx,
        &env,
        "propagation/rules",
        writeback.clone(),
        "populationExpression",
    )
    .await;
    writeback
        .as_object_mut()
        .unwrap()
        .remove("populationExpression");
    let writeback = ctx.create(&env, "propagation/rules", writeback).await;
    let rules = ctx
        .read(&env, &format!("propagation/plans/{}/rules", c.plan))
        .await;
    assert_eq!(rules["count"], 2, "{rules}");
    let mut deeper = rule(&c, &c.directory, &c.workday);
    deeper["parentRule"] = json!({"id": id(&writeback)});
    refused(&ctx, &env, "propagation/rules", deeper, "parentRule.id").await;
}

#[tokio::test]
async fn mappings_belong_to_a_rule_and_deletes_wait_for_the_rules() {
    let (ctx, env) = start().await;
    let c = connection(&ctx, &env).await;
    let inbound = ctx
        .create(&env, "propagation/rules", rule(&c, &c.workday, &c.pingone))
        .await;
    let rule_id = id(&inbound);
    let mappings = format!("propagation/rules/{rule_id}/mappings");
    let mapping = ctx
        .create(
            &env,
            &mappings,
            json!({"sourceAttribute": "wid", "targetAttribute": "externalId"}),
        )
        .await;
    assert_eq!(mapping["rule"]["id"], rule_id.as_str());
    refused(
        &ctx,
        &env,
        &mappings,
        json!({"sourceAttribute": "employeeId", "targetAttribute": "externalId"}),
        "targetAttribute",
    )
    .await;
    refused(
        &ctx,
        &env,
        &mappings,
        json!({"targetAttribute": "nickname"}),
        "sourceAttribute",
    )
    .await;
    let listed = ctx.read(&env, &mappings).await;
    assert_eq!(listed["_embedded"]["mappings"][0]["sourceAttribute"], "wid");
    let in_use = [
        format!("propagation/stores/{}", c.workday),
        format!("propagation/plans/{}", c.plan),
    ];
    for path in &in_use {
        let (status, body) = delete(&ctx, &env, path).await;
        assert_eq!(status, 400, "{path}: {body}");
    }
    let (status, _) = delete(&ctx, &env, &format!("propagation/rules/{rule_id}")).await;
    assert_eq!(status, 204);
    let (status, _) = ctx
        .call("GET", &format!("/environments/{env}/{mappings}"), None)
        .await;
    assert_eq!(status, 404);
    for path in &in_use {
        let (status, _) = delete(&ctx, &env, path).await;
        assert_eq!(status, 204, "{path}");
    }
}

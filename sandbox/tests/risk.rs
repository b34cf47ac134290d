//! PingOne Protect over HTTP: risk predictors, risk policy sets (validation, references,
//! priorities, deletion) and risk evaluations computed from them.

mod common;

use common::*;
use serde_json::{Value, json};

/// A custom predictor scoring addresses of 198.51.100.0/24 HIGH, MEDIUM otherwise.
async fn ip_predictor(ctx: &Ctx, env: &str) -> Value {
    let compact = format!("officeIp{}", uuid());
    ctx.create(
        env,
        "riskPredictors",
        json!({
            "name": format!("Office IP {compact}"), "compactName": compact, "type": "MAP",
            "map": {"high": {"ipRange": ["198.51.100.0/24"], "contains": "${event.ip}"}},
            "default": {"result": {"level": "Medium"}},
        }),
    )
    .await
}

fn set_body(name: &str, compact: &str, predictor: &str) -> Value {
    json!({
        "name": name,
        "defaultResult": {"level": "Low"},
        "evaluatedPredictors": [{"id": predictor}],
        "riskPolicies": [
            {"name": "CUSTOM_IP_HIGH", "result": {"level": "HIGH"},
             "condition": {"value": format!("${{details.{compact}.level}}"), "equals": "HIGH"}},
            {"name": "WHITELIST", "priority": 1, "result": {"level": "LOW"},
             "condition": {"contains": "${transaction.ip}", "ipRange": ["198.51.100.7/32"]}},
        ],
    })
}

/// POSTs `body` to `path`; asserts a 400 naming every one of `wanted` as a target.
async fn refused(ctx: &Ctx, path: &str, body: Value, wanted: &[&str]) {
    let (status, response) = ctx.call("POST", path, Some(body)).await;
    assert_eq!(status, 400, "{response}");
    let targets = targets(&response);
    for wanted in wanted {
        assert!(
            targets.iter().any(|t| t == wanted),
            "{wanted} in {targets:?}"
        );
    }
}

#[tokio::test]
async fn environments_have_built_in_predictors_and_a_default_set() {
    let (ctx, env) = start().await;
    let predictors = ctx.read(&env, "riskPredictors").await;
    let names: Vec<&str> = predictors["_embedded"]["riskPredictors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["compactName"].as_str())
        .collect();
    assert!(names.contains(&"anonymousNetwork") && names.contains(&"ipRisk"));
    let sets = ctx.read(&env, "riskPolicySets").await;
    let default = &sets["_embedded"]["riskPolicySets"][0];
    assert_eq!(default["default"], true);
    let id = default["id"].as_str().unwrap();
    let (status, body) = ctx
        .call(
            "DELETE",
            &format!("/environments/{env}/riskPolicySets/{id}"),
            None,
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (400, Some("INVALID_DATA"))
    );
    let builtin = predictors["_embedded"]["riskPredictors"][0]["id"]
        .as_str()
        .unwrap();
    let (status, _) = ctx
        .call(
            "DELETE",
            &format!("/environments/{env}/riskPredictors/{builtin}"),
            None,
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn predictors_are_validated() {
    let (ctx, env) = start().await;
    let path = format!("/environments/{env}/riskPredictors");
    let bad = json!({
        "name": "bad", "compactName": "bad-name", "type": "MAP",
        "map": {"high": {"ipRange": ["300.1.1.1/8"], "contains": "event.ip"}, "extreme": {}},
        "default": {"result": {"level": "SEVERE"}},
    });
    refused(
        &ctx,
        &path,
        bad,
        &[
            "compactName",
            "map.high.ipRange[0]",
            "map.high.contains",
            "map.extreme",
            "default.result.level",
        ],
    )
    .await;
    let (status, body) = ctx
        .call(
            "POST",
            &path,
            Some(json!({"name": "x", "compactName": "x", "type": "GUESS"})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["details"][0]["target"], "type");

    let predictor = ip_predictor(&ctx, &env).await;
    assert_eq!(predictor["default"]["result"]["level"], "MEDIUM");
    assert_eq!(predictor["deletable"], true);
    let id = predictor["id"].as_str().unwrap();
    let mut renamed = predictor.clone();
    renamed["compactName"] = json!("somethingElse");
    let (status, body) = ctx
        .call("PUT", &format!("{path}/{id}"), Some(renamed))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["details"][0]["target"], "compactName");
}

#[tokio::test]
async fn policy_sets_are_validated_against_the_predictors_they_read() {
    let (ctx, env) = start().await;
    let path = format!("/environments/{env}/riskPolicySets");
    let (status, body) = ctx
        .call(
            "POST",
            &path,
            Some(json!({"name": "empty", "riskPolicies": []})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(targets(&body), ["riskPolicies"]);

    let bad = json!({
        "name": "bad",
        "defaultResult": {"level": "NONE"},
        "evaluatedPredictors": [{"id": uuid()}],
        "riskPolicies": [
            {"name": "A", "result": {"level": "HIGHEST"}, "condition": {"value": "${details.noSuchPredictor.level}", "equals": "HIGH"}},
            {"name": "a", "result": {"level": "LOW"}, "condition": {"ipRange": ["1.2.3.0/99"], "contains": "${event.user.id}"}},
            {"result": {"level": "LOW"}, "condition": {"type": "IP_RANGE", "value": "${details.anonymousNetworkDetected}", "equals": true}},
            {"name": "scores", "result": {"level": "MEDIUM"}, "condition": {"aggregatedScores": [{"value": "${details.aggregatedScores.ipRisk}", "score": 5000}], "between": {"minScore": 90, "maxScore": 10}}},
            {"name": "nothing", "result": {"level": "LOW"}, "condition": {}},
        ],
    });
    refused(
        &ctx,
        &path,
        bad,
        &[
            "defaultResult.level",
            "evaluatedPredictors[0].id",
            "riskPolicies[0].result.level",
            "riskPolicies[0].condition.value",
            "riskPolicies[1].name",
            "riskPolicies[1].condition.ipRange[0]",
            "riskPolicies[1].condition.contains",
            "riskPolicies[2].name",
            "riskPolicies[2].condition.type",
            "riskPolicies[3].condition.aggregatedScores[0].score",
            "riskPolicies[3].condition.between",
            "riskPolicies[4].condition",
        ],
    )
    .await;

    // A predictor that exists but that the set does not evaluate.
    let predictor = ip_predictor(&ctx, &env).await;
    let compact = predictor["compactName"].as_str().unwrap();
    let builtin =
        ctx.read(&env, "riskPredictors").await["_embedded"]["riskPredictors"][0]["id"].clone();
    let mut body = set_body("not-evaluated", compact, "");
    body["evaluatedPredictors"] = json!([{"id": builtin}]);
    let (status, response) = ctx.call("POST", &path, Some(body)).await;
    assert_eq!(status, 400);
    assert!(
        response["details"][0]["message"]
            .as_str()
            .unwrap()
            .contains("evaluatedPredictors")
    );
}

#[tokio::test]
async fn policy_sets_order_by_priority_and_hold_their_predictors() {
    let (ctx, env) = start().await;
    let predictor = ip_predictor(&ctx, &env).await;
    let (predictor_id, compact) = (
        predictor["id"].as_str().unwrap(),
        predictor["compactName"].as_str().unwrap(),
    );
    let name = format!("set-{}", uuid());
    let set = ctx
        .create(
            &env,
            "riskPolicySets",
            set_body(&name, compact, predictor_id),
        )
        .await;
    assert_eq!(set["defaultResult"]["level"], "LOW");
    assert_eq!(set["default"], false);
    let policies = set["riskPolicies"].as_array().unwrap();
    assert_eq!(policies[0]["name"], "WHITELIST");
    assert_eq!(policies[0]["priority"], 1);
    assert_eq!(policies[0]["condition"]["type"], "IP_RANGE");
    assert_eq!(policies[1]["priority"], 2);
    assert_eq!(policies[1]["condition"]["type"], "VALUE_COMPARISON");
    let id = set["id"].as_str().unwrap();

    let path = format!("/environments/{env}/riskPolicySets");
    let (status, body) = ctx
        .call(
            "POST",
            &path,
            Some(set_body(&name.to_uppercase(), compact, predictor_id)),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["details"][0]["code"], "UNIQUENESS_VIOLATION");

    // The predictor is in use; the set keeps policy ids across an update.
    let predictor_path = format!("/environments/{env}/riskPredictors/{predictor_id}");
    let (status, body) = ctx.call("DELETE", &predictor_path, None).await;
    assert_eq!(status, 400);
    assert_eq!(body["details"][0]["innerError"]["riskPolicySetId"], id);
    let mut update = set_body(&name, compact, predictor_id);
    update["description"] = json!("updated");
    let (status, updated) = ctx.call("PUT", &format!("{path}/{id}"), Some(update)).await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["description"], "updated");
    assert_eq!(updated["riskPolicies"][0]["id"], policies[0]["id"]);

    let (status, _) = ctx.call("DELETE", &format!("{path}/{id}"), None).await;
    assert_eq!(status, 204);
    let (status, _) = ctx.call("GET", &format!("{path}/{id}"), None).await;
    assert_eq!(status, 404);
    let (status, _) = ctx.call("DELETE", &predictor_path, None).await;
    assert_eq!(status, 204);
}

async fn evaluate(ctx: &Ctx, env: &str, set: &str, ip: &str) -> Value {
    ctx.create(
        env,
        "riskEvaluations",
        json!({
            "event": {"ip": ip, "user": {"id": "jo", "type": "EXTERNAL"}, "flow": {"type": "AUTHENTICATION"},
                      "targetResource": {"id": "app", "name": "Portal"}},
            "riskPolicySet": {"id": set},
        }),
    )
    .await
}

#[tokio::test]
async fn evaluations_follow_the_policy_set() {
    let (ctx, env) = start().await;
    let predictor = ip_predictor(&ctx, &env).await;
    let (predictor_id, compact) = (
        predictor["id"].as_str().unwrap(),
        predictor["compactName"].as_str().unwrap(),
    );
    let set = ctx
        .create(
            &env,
            "riskPolicySets",
            set_body(&format!("set-{}", uuid()), compact, predictor_id),
        )
        .await;
    let set_id = set["id"].as_str().unwrap();

    // In the predictor's HIGH range: the custom policy decides.
    let high = evaluate(&ctx, &env, set_id, "198.51.100.20").await;
    assert_eq!(high["result"]["level"], "HIGH");
    assert_eq!(high["details"][compact]["level"], "HIGH");
    assert_eq!(high["riskPolicySet"]["id"], set_id);
    assert_eq!(high["event"]["completionStatus"], "IN_PROGRESS");
    assert_eq!(high["event"]["targetResource"]["name"], "Portal");
    // Only the evaluated predictor reports.
    assert!(high["details"].get("anonymousNetworkDetected").is_none());
    // The allow-listed address: the higher-priority WHITELIST policy wins.
    let listed = evaluate(&ctx, &env, set_id, "198.51.100.7").await;
    assert_eq!(listed["result"]["level"], "LOW");
    assert_eq!(listed["details"][compact]["level"], "HIGH");
    // Elsewhere: the predictor's default (MEDIUM), no policy matches, the set's default.
    let other = evaluate(&ctx, &env, set_id, "192.0.2.1").await;
    assert_eq!(other["details"][compact]["level"], "MEDIUM");
    assert_eq!(other["result"]["level"], "LOW");

    // No set named: the environment's default set reads the anonymous network predictor.
    let flat = ctx
        .create(
            &env,
            "riskEvaluations",
            json!({"event": {"ip": "203.0.113.9", "user": {"id": "jo", "type": "EXTERNAL"}}}),
        )
        .await;
    assert_eq!(flat["details"]["anonymousNetworkDetected"], true);
    assert_eq!(flat["result"]["level"], "HIGH");
    // The flat key of PingOne's workflow example names the set too.
    let flat = ctx
        .create(&env, "riskEvaluations", json!({"event": {"ip": "203.0.113.9", "user": {"id": "jo", "type": "EXTERNAL"}}, "riskPolicySet.id": set_id}))
        .await;
    assert_eq!(flat["riskPolicySet"]["id"], set_id);
    assert_eq!(flat["result"]["level"], "LOW");

    let id = high["id"].as_str().unwrap();
    let read = ctx.read(&env, &format!("riskEvaluations/{id}")).await;
    assert_eq!(read["result"]["level"], "HIGH");
}

#[tokio::test]
async fn aggregated_scores_add_up_predictor_levels() {
    let (ctx, env) = start().await;
    let body = json!({
        "name": format!("scores-{}", uuid()),
        "riskPolicies": [
            {"name": "High", "result": {"level": "HIGH"}, "condition": {"aggregatedScores": [
                {"value": "${details.aggregatedScores.ipRisk}", "score": 60},
                {"value": "${details.aggregatedScores.anonymousNetwork}", "score": 40}],
                "between": {"minScore": 80, "maxScore": 1000}}},
        ],
    });
    let set = ctx.create(&env, "riskPolicySets", body).await;
    let id = set["id"].as_str().unwrap();
    assert_eq!(
        set["riskPolicies"][0]["condition"]["type"],
        "AGGREGATED_SCORES"
    );
    assert_eq!(
        evaluate(&ctx, &env, id, "203.0.113.5").await["result"]["level"],
        "HIGH"
    );
    assert_eq!(
        evaluate(&ctx, &env, id, "192.0.2.5").await["result"]["level"],
        "LOW"
    );
}

#[tokio::test]
async fn evaluations_reject_bad_events_and_unknown_sets() {
    let (ctx, env) = start().await;
    let path = format!("/environments/{env}/riskEvaluations");
    let (status, body) = ctx
        .call(
            "POST",
            &path,
            Some(json!({"riskPolicySet": {"id": uuid()}})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(targets(&body), ["event"]);
    let bad = json!({
        "event": {"ip": "999.1.1.1", "user": {"type": "ROBOT"}, "flow": {"type": "LOGIN"}},
        "riskPolicySet": {"id": uuid()},
    });
    refused(
        &ctx,
        &path,
        bad,
        &[
            "event.ip",
            "event.user.id",
            "event.user.type",
            "event.flow.type",
            "riskPolicySet.id",
        ],
    )
    .await;
    let (status, _) = ctx
        .call("DELETE", &format!("{path}/{}", uuid()), None)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn completion_status_is_reported_once() {
    let (ctx, env) = start().await;
    let evaluation = ctx
        .create(
            &env,
            "riskEvaluations",
            json!({"event": {"ip": "192.0.2.8", "user": {"id": "jo", "type": "EXTERNAL"}}}),
        )
        .await;
    let id = evaluation["id"].as_str().unwrap();
    let event = format!("/environments/{env}/riskEvaluations/{id}/event");
    let (status, body) = ctx
        .call("PUT", &event, Some(json!({"completionStatus": "DONE"})))
        .await;
    assert_eq!(
        (status.as_u16(), targets(&body)),
        (400, vec!["completionStatus".to_string()])
    );
    let (status, body) = ctx
        .call("PUT", &event, Some(json!({"completionStatus": "SUCCESS"})))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["completionStatus"], "SUCCESS");
    assert_eq!(body["ip"], "192.0.2.8");
    assert!(
        body["_links"]["riskEvaluation"]["href"]
            .as_str()
            .unwrap()
            .ends_with(id)
    );
    let read = ctx.read(&env, &format!("riskEvaluations/{id}")).await;
    assert_eq!(read["event"]["completionStatus"], "SUCCESS");
    let (status, _) = ctx
        .call("PUT", &event, Some(json!({"completionStatus": "FAILED"})))
        .await;
    assert_eq!(status, 400);
    let unknown = format!("/environments/{env}/riskEvaluations/{}/event", uuid());
    let (status, _) = ctx
        .call(
            "PUT",
            &unknown,
            Some(json!({"completionStatus": "SUCCESS"})),
        )
        .await;
    assert_eq!(status, 404);
}

//! DaVinci flow policies at authorize: an application with a flow policy assignment runs
//! the DaVinci flow (JSON with `pi.flow` and `X-Requested-With: ping-sdk`, a redirect to
//! the hosted page otherwise), driven through its capability with the interaction headers.

mod common;

use common::*;
use serde_json::{Value, json};

/// A code app assigned the environment's DaVinci sign-on flow policy; returns (id, secret).
async fn davinci_app(ctx: &Ctx, env: &str) -> (String, String) {
    let app = ctx.code_app(env, "CLIENT_SECRET_BASIC").await;
    let policies = ctx.read(env, "flowPolicies").await;
    let policy = policies["_embedded"]["flowPolicies"][0]["id"].clone();
    ctx.create(
        env,
        &format!("applications/{}/flowPolicyAssignments", app.0),
        json!({"flowPolicy": {"id": policy}, "priority": 1}),
    )
    .await;
    app
}

async fn start_pi_flow(ctx: &Ctx, env: &str, app: &str, json: bool) -> reqwest::Response {
    let mut request = ctx.http.get(ctx.auth(env, "/as/authorize")).query(&[
        ("client_id", app),
        ("response_type", "code"),
        ("response_mode", "pi.flow"),
        ("scope", "openid"),
    ]);
    if json {
        request = request.header("X-Requested-With", "ping-sdk");
    }
    request.send().await.expect("authorize")
}

async fn submit(
    ctx: &Ctx,
    node: &Value,
    token: &str,
    password: &str,
    username: &str,
) -> (u16, Value) {
    let response = ctx
        .http
        .post(node["_links"]["next"]["href"].as_str().unwrap())
        .header("X-Requested-With", "ping-sdk")
        .header("interactionId", node["interactionId"].as_str().unwrap())
        .header("interactionToken", token)
        .json(
            &json!({"id": node["id"], "eventName": "continue", "parameters": {
            "eventType": "submit", "actionKey": "submit",
            "formData": {"username": username, "password": password}}}),
        )
        .send()
        .await
        .expect("capability");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_flow_policy_assignment_runs_the_davinci_flow_to_a_code() {
    let (ctx, env) = start().await;
    let (app, secret) = davinci_app(&ctx, &env).await;
    let (_, username) = ctx.user(&env, json!({})).await;
    let response = start_pi_flow(&ctx, &env, &app, true).await;
    assert_eq!(response.status(), 200);
    let node: Value = response.json().await.unwrap();
    assert_eq!(node["companyId"], env.as_str());
    assert_eq!(node["capabilityName"], "customHTMLTemplate");
    let token = node["interactionToken"].as_str().unwrap().to_string();
    let (status, _) = submit(&ctx, &node, "forged", PASSWORD, &username).await;
    assert_eq!(status, 401);
    let (status, retry) = submit(&ctx, &node, &token, "wrong-password", &username).await;
    assert_eq!(status, 400, "{retry}");
    let (status, done) = submit(&ctx, &node, &token, PASSWORD, &username).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["success"], true);
    let code = done["authorizeResponse"]["code"].as_str().unwrap();
    let (status, tokens) = send(
        ctx.http
            .post(ctx.auth(&env, "/as/token"))
            .basic_auth(&app, Some(&secret))
            .form(&[("grant_type", "authorization_code"), ("code", code)]),
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    // The interaction is over: its token opens nothing any more.
    let (status, _) = submit(&ctx, &node, &token, PASSWORD, &username).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn without_the_sdk_header_or_pi_flow_the_flow_is_a_page() {
    let (ctx, env) = start().await;
    let (app, _) = davinci_app(&ctx, &env).await;
    let response = start_pi_flow(&ctx, &env, &app, false).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("<form"), "{html}");
    let response = ctx
        .http
        .get(ctx.auth(&env, "/as/authorize"))
        .query(&[
            ("client_id", app.as_str()),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let page = location(&response);
    assert!(
        page.contains(&format!("/{env}/davinci/interactions/")),
        "{page}"
    );
    let response = ctx.http.get(&page).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn apps_without_an_assignment_keep_their_sign_on_policy() {
    let (ctx, env) = start().await;
    let (app, _) = ctx.code_app(&env, "CLIENT_SECRET_BASIC").await;
    let response = start_pi_flow(&ctx, &env, &app, true).await;
    assert_eq!(response.status(), 200);
    let flow: Value = response.json().await.unwrap();
    assert_eq!(flow["status"], "USERNAME_PASSWORD_REQUIRED");
    assert!(flow.get("interactionId").is_none());
}

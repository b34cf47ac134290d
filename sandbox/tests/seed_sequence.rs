//! The seed sequence end to end: worker token -> app -> secret -> population -> user ->
//! password -> authorize -> flow -> login -> resume -> token -> introspect.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn seed_sequence_signs_a_user_in_with_real_tokens() {
    let ctx = start().await;
    let env = ctx.env().to_string();

    let (app, secret) = ctx
        .web_app(
            &env,
            "CLIENT_SECRET_BASIC",
            json!(["AUTHORIZATION_CODE", "REFRESH_TOKEN"]),
            json!(["CODE"]),
        )
        .await;
    ctx.grant(&env, &app, "openid", &["profile", "email"]).await;
    let population = ctx
        .post(
            &format!("/environments/{env}/populations"),
            json!({"name": format!("pop-{}", uuid())}),
        )
        .await;
    let population_id = population["id"].as_str().unwrap();
    let (user_id, username) = ctx
        .user(&env, json!({"population": {"id": population_id}}))
        .await;

    let browser = browser();
    let flow = authorize(
        &ctx,
        &browser,
        &env,
        &[
            ("client_id", app.as_str()),
            ("response_type", "code"),
            ("scope", "openid profile email"),
            ("redirect_uri", REDIRECT),
            ("state", "xyz"),
            ("nonce", "n-123"),
        ],
    )
    .await;
    let current = flow_get(&ctx, &browser, &env, &flow).await;
    assert_eq!(current["status"], "USERNAME_PASSWORD_REQUIRED");
    assert!(current["_links"]["usernamePassword.check"]["href"].is_string());

    let (status, done) = flow_post(
        &ctx,
        &browser,
        &env,
        &flow,
        "usernamePassword.check",
        json!({"username": username, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(done["_embedded"]["user"]["id"], user_id.as_str());

    let location = resume(&ctx, &browser, &env, &flow).await;
    assert!(location.starts_with(REDIRECT), "{location}");
    assert_eq!(param(&location, "state").as_deref(), Some("xyz"));
    let code = param(&location, "code").unwrap();

    let (status, tokens) = token(
        &ctx,
        &env,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
        Some((&app, &secret)),
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert!(tokens["refresh_token"].is_string());

    let access = verify(&ctx, &env, tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(access["sub"], user_id.as_str());
    assert_eq!(access["client_id"], app.as_str());
    assert_eq!(access["env"], env.as_str());
    let header = jsonwebtoken::decode_header(tokens["access_token"].as_str().unwrap()).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    let id_token = verify(&ctx, &env, tokens["id_token"].as_str().unwrap()).await;
    assert_eq!(id_token["aud"], app.as_str());
    assert_eq!(id_token["nonce"], "n-123");
    assert_eq!(id_token["preferred_username"], username.as_str());
    assert_eq!(id_token["email"], format!("{username}@example.com"));

    let introspection: serde_json::Value = ctx
        .http
        .post(ctx.auth(&env, "/as/introspect"))
        .basic_auth(&app, Some(&secret))
        .form(&[("token", tokens["access_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(introspection["active"], true);
    assert_eq!(introspection["sub"], user_id.as_str());

    let userinfo: serde_json::Value = ctx
        .http
        .get(ctx.auth(&env, "/as/userinfo"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(userinfo["sub"], user_id.as_str());
    assert_eq!(userinfo["given_name"], "Jo");

    // The code is single use.
    let (status, again) = token(
        &ctx,
        &env,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
        Some((&app, &secret)),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(again["error"], "invalid_grant");
    ctx.sandbox.shutdown().await;
}

#[tokio::test]
async fn pi_flow_returns_the_code_in_the_flow() {
    let ctx = start().await;
    let env = ctx.env().to_string();
    let (app, secret) = ctx.code_app(&env, "CLIENT_SECRET_POST").await;
    let (_, username) = ctx.user(&env, json!({})).await;
    let browser = browser();
    let response = browser
        .post(ctx.auth(&env, "/as/authorize"))
        .form(&[
            ("client_id", app.as_str()),
            ("response_type", "code"),
            ("response_mode", "pi.flow"),
            ("scope", "openid"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let flow: serde_json::Value = response.json().await.unwrap();
    assert_eq!(flow["status"], "USERNAME_PASSWORD_REQUIRED");
    let flow_id = flow["id"].as_str().unwrap();
    let (_, done) = flow_post(
        &ctx,
        &browser,
        &env,
        flow_id,
        "usernamePassword.check",
        json!({"username": username, "password": PASSWORD}),
    )
    .await;
    assert_eq!(done["status"], "COMPLETED");
    let code = done["authorizeResponse"]["code"].as_str().unwrap();
    let (status, tokens) = token(
        &ctx,
        &env,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", &app),
            ("client_secret", &secret),
        ],
        None,
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    ctx.sandbox.shutdown().await;
}

//! The seed sequence end to end: worker token -> app -> secret -> population -> user ->
//! password -> authorize -> flow -> login -> resume -> token -> introspect.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn seed_sequence_signs_a_user_in_with_real_tokens() {
    let (ctx, env) = start().await;

    let (app, secret) = ctx.refreshing_app(&env).await;
    ctx.grant(&env, &app, "openid", &["profile", "email"]).await;
    let population = ctx.create(&env, "populations", named("pop")).await;
    let population_id = population["id"].as_str().unwrap();
    let (user_id, username) = ctx
        .user(&env, json!({"population": {"id": population_id}}))
        .await;

    let query = [
        ("scope", "openid profile email"),
        ("state", "xyz"),
        ("nonce", "n-123"),
    ];
    let mut sign_in = SignIn::new(&ctx, &env).authorize_with(&app, &query).await;
    let current = sign_in.get().await;
    assert_eq!(current["status"], "USERNAME_PASSWORD_REQUIRED");
    assert!(current["_links"]["usernamePassword.check"]["href"].is_string());

    let done = &sign_in.password(&username).await.step;
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(done["_embedded"]["user"]["id"], user_id.as_str());

    let location = sign_in.resume().await;
    assert!(location.starts_with(REDIRECT), "{location}");
    assert_eq!(param(&location, "state").as_deref(), Some("xyz"));
    let code = param(&location, "code").unwrap();

    let tokens = Tokens::new(&ctx, &env);
    let (status, issued) = tokens.redeem(&code, Auth::Basic(&app, &secret)).await;
    assert_eq!(status, 200, "{issued}");
    assert_eq!(issued["token_type"], "Bearer");
    assert!(issued["refresh_token"].is_string());

    let access_token = issued["access_token"].as_str().unwrap();
    let access = verify(&ctx, &env, access_token).await;
    assert_eq!(access["sub"], user_id.as_str());
    assert_eq!(access["client_id"], app.as_str());
    assert_eq!(access["env"], env.as_str());
    let header = jsonwebtoken::decode_header(access_token).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    let id_token = verify(&ctx, &env, issued["id_token"].as_str().unwrap()).await;
    assert_eq!(id_token["aud"], app.as_str());
    assert_eq!(id_token["nonce"], "n-123");
    assert_eq!(id_token["preferred_username"], username.as_str());
    assert_eq!(id_token["email"], format!("{username}@example.com"));

    // Introspected with the application's own credentials.
    let introspection = ctx.introspect(&env, (&app, &secret), access_token).await;
    assert_eq!(introspection["active"], true);
    assert_eq!(introspection["sub"], user_id.as_str());

    let userinfo: serde_json::Value = ctx.userinfo(&env, access_token).await.json().await.unwrap();
    assert_eq!(userinfo["sub"], user_id.as_str());
    assert_eq!(userinfo["given_name"], "Jo");

    // The code is single use.
    let (status, again) = tokens.redeem(&code, Auth::Basic(&app, &secret)).await;
    assert_eq!(status, 400);
    assert_eq!(again["error"], "invalid_grant");
    // The sequence ends with a graceful stop (other tests let the drop stop the sandbox).
    ctx.sandbox.shutdown().await;
}

#[tokio::test]
async fn pi_flow_returns_the_code_in_the_flow() {
    let (ctx, env) = start().await;
    let (app, secret) = ctx.code_app(&env, "CLIENT_SECRET_POST").await;
    let (_, username) = ctx.user(&env, json!({})).await;
    let mut sign_in = SignIn::new(&ctx, &env);
    let response = sign_in
        .browser
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
    sign_in.flow = flow["id"].as_str().unwrap().to_string();
    let done = &sign_in.password(&username).await.step;
    assert_eq!(done["status"], "COMPLETED");
    // No redirect URI anywhere: the code is redeemed without one.
    let code = done["authorizeResponse"]["code"].as_str().unwrap();
    let form = [("grant_type", "authorization_code"), ("code", code)];
    let (status, tokens) = Tokens::new(&ctx, &env)
        .request(&form, Auth::Post(&app, &secret))
        .await;
    assert_eq!(status, 200, "{tokens}");
}

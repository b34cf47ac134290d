//! Grants and client authentication methods, including the rejections.

mod common;

use common::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn assertion(app: &str, secret: &str, aud: &str, exp: u64, jti: &str) -> String {
    let claims = json!({"iss": app, "sub": app, "aud": aud, "exp": exp, "iat": now(), "jti": jti});
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn client_secret_basic_post_and_wrong_secret() {
    let (ctx, env) = start().await;
    let (_, username) = ctx.user(&env, json!({})).await;

    let tokens = Tokens::new(&ctx, &env);

    let (basic_app, basic_secret) = ctx.code_app(&env, "CLIENT_SECRET_BASIC").await;
    let code = ctx.sign_in_code(&env, &basic_app, &username).await;
    let wrong = Auth::Basic(&basic_app, "wrong-secret");
    let (status, body) = tokens.redeem(&code, wrong).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_client");
    // The failed attempt consumed nothing: client authentication happens first.
    let right = Auth::Basic(&basic_app, &basic_secret);
    assert_eq!(tokens.redeem(&code, right).await.0, 200);

    let (post_app, post_secret) = ctx.code_app(&env, "CLIENT_SECRET_POST").await;
    let code = ctx.sign_in_code(&env, &post_app, &username).await;
    // Method must match the app's tokenEndpointAuthMethod.
    let (status, body) = tokens
        .redeem(&code, Auth::Basic(&post_app, &post_secret))
        .await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body) = tokens
        .redeem(&code, Auth::Post(&post_app, &post_secret))
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn redirect_uri_mismatch_and_code_reuse_are_rejected() {
    let (ctx, env) = start().await;
    let (_, username) = ctx.user(&env, json!({})).await;
    let (app, secret) = ctx.code_app(&env, "CLIENT_SECRET_BASIC").await;

    // Unregistered redirect_uri: a 400 from authorize, no redirect.
    let response = SignIn::new(&ctx, &env)
        .send_authorize(&app, &[("redirect_uri", "https://evil.example.com")])
        .await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["details"][0]["target"], "redirect_uri");

    // redirect_uri at the token endpoint must repeat the authorize one.
    let tokens = Tokens::new(&ctx, &env);
    let code = ctx.sign_in_code(&env, &app, &username).await;
    let other = [("redirect_uri", "https://www.example.com/other")];
    let (status, body) = tokens
        .redeem_with(&code, &other, Auth::Basic(&app, &secret))
        .await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // ...and the code is burnt.
    let (status, _) = tokens.redeem(&code, Auth::Basic(&app, &secret)).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn none_with_pkce_s256_and_mismatch() {
    let (ctx, env) = start().await;
    let (_, username) = ctx.user(&env, json!({})).await;
    let spa = json!({"name": format!("spa-{}", uuid()), "enabled": true, "type": "SINGLE_PAGE_APP", "protocol": "OPENID_CONNECT",
                     "grantTypes": ["AUTHORIZATION_CODE"], "responseTypes": ["CODE"], "redirectUris": [REDIRECT],
                     "tokenEndpointAuthMethod": "NONE", "pkceEnforcement": "S256_REQUIRED"});
    let (app, _) = ctx.app(&env, spa).await;
    // S256 required: no challenge -> error redirect.
    let response = SignIn::new(&ctx, &env).send_authorize(&app, &[]).await;
    assert_eq!(
        param(&location(&response), "error").as_deref(),
        Some("invalid_request")
    );

    let tokens = Tokens::new(&ctx, &env);
    let (verifier, challenge) = pkce();
    let s256 = [
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let code = SignIn::new(&ctx, &env)
        .code_for(&app, &username, &s256)
        .await;
    let wrong = format!("{verifier}x");
    let (status, body) = tokens
        .redeem_with(&code, &[("code_verifier", &wrong)], Auth::Public(&app))
        .await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    let code = SignIn::new(&ctx, &env)
        .code_for(&app, &username, &s256)
        .await;
    let (status, body) = tokens
        .redeem_with(&code, &[("code_verifier", &verifier)], Auth::Public(&app))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["id_token"].is_string());
}

#[tokio::test]
async fn client_secret_jwt_expired_far_future_and_replayed() {
    let (ctx, env) = start().await;
    let (_, username) = ctx.user(&env, json!({})).await;
    let (app, secret) = ctx.code_app(&env, "CLIENT_SECRET_JWT").await;
    let token_url = ctx.auth(&env, "/as/token");

    let cases = [
        (
            assertion(&app, &secret, &token_url, now() - 120, &uuid()),
            401,
        ),
        (
            assertion(&app, &secret, &token_url, now() + 7200, &uuid()),
            401,
        ),
        (
            assertion(
                &app,
                "not-the-secret-at-all",
                &token_url,
                now() + 60,
                &uuid(),
            ),
            401,
        ),
        (
            assertion(
                &app,
                &secret,
                "https://elsewhere.example.com",
                now() + 60,
                &uuid(),
            ),
            401,
        ),
    ];
    let tokens = Tokens::new(&ctx, &env);
    for (jwt, expected) in cases {
        let code = ctx.sign_in_code(&env, &app, &username).await;
        let (status, body) = tokens.redeem(&code, Auth::Assertion(&jwt)).await;
        assert_eq!(status.as_u16(), expected, "{body}");
    }

    let jwt = assertion(&app, &secret, &token_url, now() + 60, &uuid());
    let code = ctx.sign_in_code(&env, &app, &username).await;
    let (status, body) = tokens.redeem(&code, Auth::Assertion(&jwt)).await;
    assert_eq!(status, 200, "{body}");
    // Same assertion (same jti) again: replay.
    let code = ctx.sign_in_code(&env, &app, &username).await;
    let (status, body) = tokens.redeem(&code, Auth::Assertion(&jwt)).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    // The issuer is an accepted audience too.
    let issuer_aud = assertion(&app, &secret, &ctx.auth(&env, "/as"), now() + 60, &uuid());
    let (status, _) = tokens.redeem(&code, Auth::Assertion(&issuer_aud)).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn refresh_tokens_rotate_and_replay_revokes_the_family() {
    let (ctx, env) = start().await;
    let (_, username) = ctx.user(&env, json!({})).await;
    let (app, secret) = ctx.refreshing_app(&env).await;
    let (tokens, client) = (Tokens::new(&ctx, &env), Auth::Basic(&app, &secret));
    let code = ctx.sign_in_code(&env, &app, &username).await;
    let (_, first) = tokens.redeem(&code, client).await;
    let r1 = first["refresh_token"].as_str().unwrap().to_string();
    let (status, second) = tokens.refresh(&r1, client).await;
    assert_eq!(status, 200, "{second}");
    let r2 = second["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(r1, r2);
    // Reusing the rotated token fails and revokes r2 as well.
    let (status, body) = tokens.refresh(&r1, client).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(tokens.refresh(&r2, client).await.0, 400);
}

#[tokio::test]
async fn implicit_returns_tokens_in_the_fragment() {
    let (ctx, env) = start().await;
    let (_, username) = ctx.user(&env, json!({})).await;
    let implicit = json!({"name": format!("implicit-{}", uuid()), "enabled": true, "type": "SINGLE_PAGE_APP", "protocol": "OPENID_CONNECT",
                          "grantTypes": ["IMPLICIT"], "responseTypes": ["TOKEN", "ID_TOKEN"], "redirectUris": [REDIRECT], "tokenEndpointAuthMethod": "NONE"});
    let (app, _) = ctx.app(&env, implicit).await;
    let query = [
        ("response_type", "token id_token"),
        ("nonce", "abc"),
        ("state", "s1"),
    ];
    let mut sign_in = SignIn::new(&ctx, &env).authorize_with(&app, &query).await;
    assert_eq!(sign_in.password(&username).await.status(), "COMPLETED");
    let location = sign_in.resume().await;
    assert!(location.contains('#'), "{location}");
    assert_eq!(param(&location, "state").as_deref(), Some("s1"));
    let id_token = verify(&ctx, &env, &param(&location, "id_token").unwrap()).await;
    assert_eq!(id_token["nonce"], "abc");
    assert!(id_token["at_hash"].is_string());
    verify(&ctx, &env, &param(&location, "access_token").unwrap()).await;
    // A second authorize in the same browser reuses the session (SSO): straight back with tokens.
    let response = sign_in
        .send_authorize(&app, &[("response_type", "token")])
        .await;
    assert!(common::location(&response).starts_with(REDIRECT));
}

#[tokio::test]
async fn client_credentials_for_a_custom_resource_with_claims_and_introspection() {
    let (ctx, env) = start().await;
    let sizes = json!({"name": "Sizes API", "audience": "https://api.sizes.example.org"});
    let resource_id = &ctx
        .resource(&env, sizes, &["sizes:read"], &[("tier", "gold")])
        .await;
    let svc = json!({"name": format!("svc-{}", uuid()), "enabled": true, "type": "CUSTOM_APP", "protocol": "OPENID_CONNECT",
                     "grantTypes": ["CLIENT_CREDENTIALS"], "tokenEndpointAuthMethod": "CLIENT_SECRET_BASIC"});
    let (app, secret) = ctx.app(&env, svc).await;
    ctx.grant(&env, &app, "Sizes API", &["sizes:read"]).await;
    let (tokens, client) = (Tokens::new(&ctx, &env), Auth::Basic(&app, &secret));
    let (status, body) = tokens.client_credentials(&[], client).await;
    assert_eq!(status, 200, "{body}");
    let access_token = body["access_token"].as_str().unwrap();
    let claims = verify(&ctx, &env, access_token).await;
    assert_eq!(claims["aud"], "https://api.sizes.example.org");
    assert_eq!(claims["scope"], "sizes:read");
    assert_eq!(claims["tier"], "gold");
    assert!(claims.get("sub").is_none());

    // Introspection with the resource's own credentials.
    let introspection = ctx
        .introspect_as_resource(&env, resource_id, access_token)
        .await;
    assert_eq!(introspection["active"], true);
    assert_eq!(introspection["tier"], "gold");

    // Not granted -> invalid_scope; a userinfo call with this token -> rejected.
    let write = [("scope", "sizes:write")];
    let (status, refused) = tokens.client_credentials(&write, client).await;
    assert_eq!(
        (status.as_u16(), refused["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    let userinfo = ctx.userinfo(&env, access_token).await;
    assert!(userinfo.status() == 401 || userinfo.status() == 403);
}

#[tokio::test]
async fn device_authorization_grant() {
    let (ctx, env) = start().await;
    let (_, username) = ctx.user(&env, json!({})).await;
    let tv = json!({"name": format!("tv-{}", uuid()), "enabled": true, "type": "CUSTOM_APP", "protocol": "OPENID_CONNECT",
                    "grantTypes": ["DEVICE_CODE", "REFRESH_TOKEN"], "tokenEndpointAuthMethod": "NONE", "devicePathId": format!("tv{}", uuid()), "devicePollingInterval": 1});
    let (app, _) = ctx.app(&env, tv).await;
    let started: Value = ctx
        .http
        .post(ctx.auth(&env, "/as/device_authorization"))
        .form(&[("client_id", app.as_str()), ("scope", "openid")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let device_code = started["device_code"].as_str().unwrap().to_string();
    let user_code = started["user_code"].as_str().unwrap().to_string();
    let poll = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("device_code", device_code.as_str()),
    ];
    let tokens = Tokens::new(&ctx, &env);
    let (status, body) = tokens.request(&poll, Auth::Public(&app)).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("authorization_pending"))
    );

    let mut device = SignIn::new(&ctx, &env);
    let response = device
        .browser
        .get(started["verification_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    device.flow = param(&location(&response), "flowId").unwrap();
    assert_eq!(device.get().await["status"], "DAG_USER_CODE_REQUIRED");
    let (_, step) = device
        .act(
            "deviceAuthGrant.userCode.verify",
            json!({"userCode": user_code}),
        )
        .await;
    assert_eq!(step["status"], "USERNAME_PASSWORD_REQUIRED", "{step}");
    assert_eq!(
        device.password(&username).await.status(),
        "DAG_CONSENT_REQUIRED"
    );
    let (_, step) = device
        .act("deviceAuthGrant.consent", json!({"accept": true}))
        .await;
    assert_eq!(step["status"], "COMPLETED");

    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, body) = tokens.request(&poll, Auth::Public(&app)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["id_token"].is_string());
    assert!(body["refresh_token"].is_string());
}

#[tokio::test]
async fn client_assertion_claims_fulfil_resource_attributes() {
    let (ctx, env) = start().await;
    let (user_id, username) = ctx.user(&env, json!({})).await;
    let attributes = [
        (
            "assertionSubject",
            "${#root.context.requestData.clientAssertion.sub}",
        ),
        (
            "tenant",
            "${#root.context.requestData.clientAssertion.tenant}",
        ),
        (
            "absent",
            "${#root.context.requestData.clientAssertion.nope}",
        ),
        ("mail", "${user.email}"),
        (
            "label",
            "user ${user.username} via ${#root.context.requestData.clientAssertion.iss}",
        ),
    ];
    let orders = json!({"name": "Orders API", "audience": "https://api.orders.example.org"});
    let resource_id = &ctx
        .resource(&env, orders, &["orders:read"], &attributes)
        .await;
    let (app, secret) = ctx.code_app(&env, "CLIENT_SECRET_JWT").await;
    ctx.grant(&env, &app, "Orders API", &["orders:read"]).await;

    let code = SignIn::new(&ctx, &env)
        .code_for(&app, &username, &[("scope", "orders:read")])
        .await;
    let token_url = ctx.auth(&env, "/as/token");
    let claims = json!({"iss": app, "sub": app, "aud": token_url, "exp": now() + 60,
                        "jti": uuid(), "tenant": "acme"});
    let jwt = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap();
    let (status, body) = Tokens::new(&ctx, &env)
        .redeem(&code, Auth::Assertion(&jwt))
        .await;
    assert_eq!(status, 200, "{body}");
    let access_token = body["access_token"].as_str().unwrap();
    let access = verify(&ctx, &env, access_token).await;
    assert_eq!(access["sub"], user_id.as_str());
    assert_eq!(access["assertionSubject"], app.as_str());
    assert_eq!(access["tenant"], "acme");
    assert!(access.get("absent").is_none());
    assert_eq!(access["mail"], format!("{username}@example.com"));
    assert_eq!(access["label"], format!("user {username} via {app}"));

    // Introspection shows the fulfilled claims.
    let introspection = ctx
        .introspect_as_resource(&env, resource_id, access_token)
        .await;
    assert_eq!(introspection["active"], true);
    assert_eq!(introspection["assertionSubject"], app.as_str());
}

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
    let ctx = start().await;
    let env = ctx.env().to_string();
    let (_, username) = ctx.user(&env, json!({})).await;

    let (basic_app, basic_secret) = ctx.code_app(&env, "CLIENT_SECRET_BASIC").await;
    let code = login_code(&ctx, &browser(), &env, &basic_app, &username, &[]).await;
    let (status, body) = token(
        &ctx,
        &env,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
        Some((&basic_app, "wrong-secret")),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_client");
    // The failed attempt consumed nothing: client authentication happens first.
    let (status, _) = token(
        &ctx,
        &env,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
        Some((&basic_app, &basic_secret)),
    )
    .await;
    assert_eq!(status, 200);

    let (post_app, post_secret) = ctx.code_app(&env, "CLIENT_SECRET_POST").await;
    let code = login_code(&ctx, &browser(), &env, &post_app, &username, &[]).await;
    // Method must match the app's tokenEndpointAuthMethod.
    let (status, body) = token(
        &ctx,
        &env,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
        Some((&post_app, &post_secret)),
    )
    .await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body) = token(
        &ctx,
        &env,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &post_app),
            ("client_secret", &post_secret),
        ],
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    ctx.sandbox.shutdown().await;
}

#[tokio::test]
async fn redirect_uri_mismatch_and_code_reuse_are_rejected() {
    let ctx = start().await;
    let env = ctx.env().to_string();
    let (_, username) = ctx.user(&env, json!({})).await;
    let (app, secret) = ctx.code_app(&env, "CLIENT_SECRET_BASIC").await;

    // Unregistered redirect_uri: a 400 from authorize, no redirect.
    let response = browser()
        .get(ctx.auth(&env, "/as/authorize"))
        .query(&[
            ("client_id", app.as_str()),
            ("response_type", "code"),
            ("redirect_uri", "https://evil.example.com"),
            ("scope", "openid"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["details"][0]["target"], "redirect_uri");

    // redirect_uri at the token endpoint must repeat the authorize one.
    let code = login_code(&ctx, &browser(), &env, &app, &username, &[]).await;
    let (status, body) = token(
        &ctx,
        &env,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "https://www.example.com/other"),
        ],
        Some((&app, &secret)),
    )
    .await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // ...and the code is burnt.
    let (status, _) = token(
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
    ctx.sandbox.shutdown().await;
}

#[tokio::test]
async fn none_with_pkce_s256_and_mismatch() {
    let ctx = start().await;
    let env = ctx.env().to_string();
    let (_, username) = ctx.user(&env, json!({})).await;
    let (app, _) = ctx
        .app(
            &env,
            json!({"name": format!("spa-{}", uuid()), "enabled": true, "type": "SINGLE_PAGE_APP", "protocol": "OPENID_CONNECT",
                   "grantTypes": ["AUTHORIZATION_CODE"], "responseTypes": ["CODE"], "redirectUris": [REDIRECT],
                   "tokenEndpointAuthMethod": "NONE", "pkceEnforcement": "S256_REQUIRED"}),
        )
        .await;
    // S256 required: no challenge -> error redirect.
    let response = browser()
        .get(ctx.auth(&env, "/as/authorize"))
        .query(&[
            ("client_id", app.as_str()),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", "openid"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        param(&location(&response), "error").as_deref(),
        Some("invalid_request")
    );

    let (verifier, challenge) = pkce();
    let code = login_code(
        &ctx,
        &browser(),
        &env,
        &app,
        &username,
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    let wrong = format!("{verifier}x");
    let (status, body) = token(
        &ctx,
        &env,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &app),
            ("code_verifier", &wrong),
        ],
        None,
    )
    .await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    let code = login_code(
        &ctx,
        &browser(),
        &env,
        &app,
        &username,
        &[
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    let (status, body) = token(
        &ctx,
        &env,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &app),
            ("code_verifier", &verifier),
        ],
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["id_token"].is_string());
    ctx.sandbox.shutdown().await;
}

#[tokio::test]
async fn client_secret_jwt_expired_far_future_and_replayed() {
    let ctx = start().await;
    let env = ctx.env().to_string();
    let (_, username) = ctx.user(&env, json!({})).await;
    let (app, secret) = ctx.code_app(&env, "CLIENT_SECRET_JWT").await;
    let token_url = ctx.auth(&env, "/as/token");
    let jwt_type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

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
    for (jwt, expected) in cases {
        let code = login_code(&ctx, &browser(), &env, &app, &username, &[]).await;
        let (status, body) = token(
            &ctx,
            &env,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("client_assertion_type", jwt_type),
                ("client_assertion", &jwt),
            ],
            None,
        )
        .await;
        assert_eq!(status.as_u16(), expected, "{body}");
    }

    let jwt = assertion(&app, &secret, &token_url, now() + 60, &uuid());
    let code = login_code(&ctx, &browser(), &env, &app, &username, &[]).await;
    let (status, body) = token(
        &ctx,
        &env,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_assertion_type", jwt_type),
            ("client_assertion", &jwt),
        ],
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // Same assertion (same jti) again: replay.
    let code = login_code(&ctx, &browser(), &env, &app, &username, &[]).await;
    let (status, body) = token(
        &ctx,
        &env,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_assertion_type", jwt_type),
            ("client_assertion", &jwt),
        ],
        None,
    )
    .await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    // The issuer is an accepted audience too.
    let issuer_aud = assertion(&app, &secret, &ctx.auth(&env, "/as"), now() + 60, &uuid());
    let (status, _) = token(
        &ctx,
        &env,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_assertion_type", jwt_type),
            ("client_assertion", &issuer_aud),
        ],
        None,
    )
    .await;
    assert_eq!(status, 200);
    ctx.sandbox.shutdown().await;
}

#[tokio::test]
async fn refresh_tokens_rotate_and_replay_revokes_the_family() {
    let ctx = start().await;
    let env = ctx.env().to_string();
    let (_, username) = ctx.user(&env, json!({})).await;
    let (app, secret) = ctx
        .web_app(
            &env,
            "CLIENT_SECRET_BASIC",
            json!(["AUTHORIZATION_CODE", "REFRESH_TOKEN"]),
            json!(["CODE"]),
        )
        .await;
    let code = login_code(&ctx, &browser(), &env, &app, &username, &[]).await;
    let (_, first) = token(
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
    let r1 = first["refresh_token"].as_str().unwrap().to_string();
    let (status, second) = token(
        &ctx,
        &env,
        &[("grant_type", "refresh_token"), ("refresh_token", &r1)],
        Some((&app, &secret)),
    )
    .await;
    assert_eq!(status, 200, "{second}");
    let r2 = second["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(r1, r2);
    // Reusing the rotated token fails and revokes r2 as well.
    let (status, body) = token(
        &ctx,
        &env,
        &[("grant_type", "refresh_token"), ("refresh_token", &r1)],
        Some((&app, &secret)),
    )
    .await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, _) = token(
        &ctx,
        &env,
        &[("grant_type", "refresh_token"), ("refresh_token", &r2)],
        Some((&app, &secret)),
    )
    .await;
    assert_eq!(status, 400);
    ctx.sandbox.shutdown().await;
}

#[tokio::test]
async fn implicit_returns_tokens_in_the_fragment() {
    let ctx = start().await;
    let env = ctx.env().to_string();
    let (_, username) = ctx.user(&env, json!({})).await;
    let (app, _) = ctx
        .app(
            &env,
            json!({"name": format!("implicit-{}", uuid()), "enabled": true, "type": "SINGLE_PAGE_APP", "protocol": "OPENID_CONNECT",
                   "grantTypes": ["IMPLICIT"], "responseTypes": ["TOKEN", "ID_TOKEN"], "redirectUris": [REDIRECT], "tokenEndpointAuthMethod": "NONE"}),
        )
        .await;
    let browser = browser();
    let flow = authorize(
        &ctx,
        &browser,
        &env,
        &[
            ("client_id", &app),
            ("response_type", "token id_token"),
            ("redirect_uri", REDIRECT),
            ("scope", "openid"),
            ("nonce", "abc"),
            ("state", "s1"),
        ],
    )
    .await;
    let (_, done) = flow_post(
        &ctx,
        &browser,
        &env,
        &flow,
        "usernamePassword.check",
        json!({"username": username, "password": PASSWORD}),
    )
    .await;
    assert_eq!(done["status"], "COMPLETED");
    let location = resume(&ctx, &browser, &env, &flow).await;
    assert!(location.contains('#'), "{location}");
    assert_eq!(param(&location, "state").as_deref(), Some("s1"));
    let id_token = verify(&ctx, &env, &param(&location, "id_token").unwrap()).await;
    assert_eq!(id_token["nonce"], "abc");
    assert!(id_token["at_hash"].is_string());
    verify(&ctx, &env, &param(&location, "access_token").unwrap()).await;
    // A second authorize in the same browser reuses the session (SSO): straight back with tokens.
    let response = browser
        .get(ctx.auth(&env, "/as/authorize"))
        .query(&[
            ("client_id", app.as_str()),
            ("response_type", "token"),
            ("redirect_uri", REDIRECT),
            ("scope", "openid"),
        ])
        .send()
        .await
        .unwrap();
    assert!(common::location(&response).starts_with(REDIRECT));
    ctx.sandbox.shutdown().await;
}

#[tokio::test]
async fn client_credentials_for_a_custom_resource_with_claims_and_introspection() {
    let ctx = start().await;
    let env = ctx.env().to_string();
    let resource = ctx
        .post(
            &format!("/environments/{env}/resources"),
            json!({"name": "Sizes API", "audience": "https://api.sizes.example.org"}),
        )
        .await;
    let resource_id = resource["id"].as_str().unwrap();
    ctx.post(
        &format!("/environments/{env}/resources/{resource_id}/scopes"),
        json!({"name": "sizes:read"}),
    )
    .await;
    ctx.post(
        &format!("/environments/{env}/resources/{resource_id}/attributes"),
        json!({"name": "tier", "value": "gold"}),
    )
    .await;
    let (app, secret) = ctx
        .app(
            &env,
            json!({"name": format!("svc-{}", uuid()), "enabled": true, "type": "CUSTOM_APP", "protocol": "OPENID_CONNECT",
                   "grantTypes": ["CLIENT_CREDENTIALS"], "tokenEndpointAuthMethod": "CLIENT_SECRET_BASIC"}),
        )
        .await;
    ctx.grant(&env, &app, "Sizes API", &["sizes:read"]).await;
    let (status, body) = token(
        &ctx,
        &env,
        &[("grant_type", "client_credentials")],
        Some((&app, &secret)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let claims = verify(&ctx, &env, body["access_token"].as_str().unwrap()).await;
    assert_eq!(claims["aud"], "https://api.sizes.example.org");
    assert_eq!(claims["scope"], "sizes:read");
    assert_eq!(claims["tier"], "gold");
    assert!(claims.get("sub").is_none());

    // Introspection with the resource's own credentials.
    let introspection = ctx
        .introspect_as_resource(&env, resource_id, body["access_token"].as_str().unwrap())
        .await;
    assert_eq!(introspection["active"], true);
    assert_eq!(introspection["tier"], "gold");

    // Not granted -> invalid_scope; a userinfo call with this token -> rejected.
    let (status, body2) = token(
        &ctx,
        &env,
        &[
            ("grant_type", "client_credentials"),
            ("scope", "sizes:write"),
        ],
        Some((&app, &secret)),
    )
    .await;
    assert_eq!(
        (status.as_u16(), body2["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    let userinfo = ctx
        .http
        .get(ctx.auth(&env, "/as/userinfo"))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert!(userinfo.status() == 401 || userinfo.status() == 403);
    ctx.sandbox.shutdown().await;
}

#[tokio::test]
async fn device_authorization_grant() {
    let ctx = start().await;
    let env = ctx.env().to_string();
    let (_, username) = ctx.user(&env, json!({})).await;
    let (app, _) = ctx
        .app(
            &env,
            json!({"name": format!("tv-{}", uuid()), "enabled": true, "type": "CUSTOM_APP", "protocol": "OPENID_CONNECT",
                   "grantTypes": ["DEVICE_CODE", "REFRESH_TOKEN"], "tokenEndpointAuthMethod": "NONE", "devicePathId": format!("tv{}", uuid()), "devicePollingInterval": 1}),
        )
        .await;
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
        ("client_id", app.as_str()),
    ];
    let (status, body) = token(&ctx, &env, &poll, None).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("authorization_pending"))
    );

    let browser = browser();
    let response = browser
        .get(started["verification_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    let flow = param(&location(&response), "flowId").unwrap();
    assert_eq!(
        flow_get(&ctx, &browser, &env, &flow).await["status"],
        "DAG_USER_CODE_REQUIRED"
    );
    let (_, step) = flow_post(
        &ctx,
        &browser,
        &env,
        &flow,
        "deviceAuthGrant.userCode.verify",
        json!({"userCode": user_code}),
    )
    .await;
    assert_eq!(step["status"], "USERNAME_PASSWORD_REQUIRED", "{step}");
    let (_, step) = flow_post(
        &ctx,
        &browser,
        &env,
        &flow,
        "usernamePassword.check",
        json!({"username": username, "password": PASSWORD}),
    )
    .await;
    assert_eq!(step["status"], "DAG_CONSENT_REQUIRED");
    let (_, step) = flow_post(
        &ctx,
        &browser,
        &env,
        &flow,
        "deviceAuthGrant.consent",
        json!({"accept": true}),
    )
    .await;
    assert_eq!(step["status"], "COMPLETED");

    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, body) = token(&ctx, &env, &poll, None).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["id_token"].is_string());
    assert!(body["refresh_token"].is_string());
    ctx.sandbox.shutdown().await;
}

#[tokio::test]
async fn client_assertion_claims_fulfil_resource_attributes() {
    let ctx = start().await;
    let env = ctx.env().to_string();
    let (user_id, username) = ctx.user(&env, json!({})).await;
    let resource = ctx
        .post(
            &format!("/environments/{env}/resources"),
            json!({"name": "Orders API", "audience": "https://api.orders.example.org"}),
        )
        .await;
    let resource_id = resource["id"].as_str().unwrap();
    ctx.post(
        &format!("/environments/{env}/resources/{resource_id}/scopes"),
        json!({"name": "orders:read"}),
    )
    .await;
    for (name, value) in [
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
    ] {
        ctx.post(
            &format!("/environments/{env}/resources/{resource_id}/attributes"),
            json!({"name": name, "value": value}),
        )
        .await;
    }
    let (app, secret) = ctx.code_app(&env, "CLIENT_SECRET_JWT").await;
    ctx.grant(&env, &app, "Orders API", &["orders:read"]).await;

    let browser = browser();
    let flow = authorize(
        &ctx,
        &browser,
        &env,
        &[
            ("client_id", app.as_str()),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", "orders:read"),
        ],
    )
    .await;
    let (_, done) = flow_post(
        &ctx,
        &browser,
        &env,
        &flow,
        "usernamePassword.check",
        json!({"username": username, "password": PASSWORD}),
    )
    .await;
    assert_eq!(done["status"], "COMPLETED");
    let code = param(&resume(&ctx, &browser, &env, &flow).await, "code").unwrap();
    let token_url = ctx.auth(&env, "/as/token");
    let claims = json!({"iss": app, "sub": app, "aud": token_url, "exp": now() + 60,
                        "jti": uuid(), "tenant": "acme"});
    let jwt = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap();
    let (status, body) = token(
        &ctx,
        &env,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &jwt),
        ],
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let access = verify(&ctx, &env, body["access_token"].as_str().unwrap()).await;
    assert_eq!(access["sub"], user_id.as_str());
    assert_eq!(access["assertionSubject"], app.as_str());
    assert_eq!(access["tenant"], "acme");
    assert!(access.get("absent").is_none());
    assert_eq!(access["mail"], format!("{username}@example.com"));
    assert_eq!(access["label"], format!("user {username} via {app}"));

    // Introspection shows the fulfilled claims.
    let introspection = ctx
        .introspect_as_resource(&env, resource_id, body["access_token"].as_str().unwrap())
        .await;
    assert_eq!(introspection["active"], true);
    assert_eq!(introspection["assertionSubject"], app.as_str());
    ctx.sandbox.shutdown().await;
}

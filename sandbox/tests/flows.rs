//! Sign-on policy flows: MFA with the outbox, registration, agreement, progressive profiling.

mod common;

use common::*;
use serde_json::{Value, json};

/// A policy with the given actions assigned to a new web app; returns the app id.
async fn app_with_policy(ctx: &Ctx, env: &str, actions: Vec<Value>) -> String {
    let (app, _) = ctx.code_app(env, "CLIENT_SECRET_BASIC").await;
    let policy = ctx
        .post(
            &format!("/environments/{env}/signOnPolicies"),
            json!({"name": format!("policy-{}", uuid())}),
        )
        .await;
    let policy_id = policy["id"].as_str().unwrap();
    for action in actions {
        ctx.post(
            &format!("/environments/{env}/signOnPolicies/{policy_id}/actions"),
            action,
        )
        .await;
    }
    ctx.post(
        &format!("/environments/{env}/applications/{app}/signOnPolicyAssignments"),
        json!({"signOnPolicy": {"id": policy_id}, "priority": 1}),
    )
    .await;
    app
}

async fn start_flow(ctx: &Ctx, browser: &reqwest::Client, env: &str, app: &str) -> String {
    authorize(
        ctx,
        browser,
        env,
        &[
            ("client_id", app),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", "openid"),
        ],
    )
    .await
}

#[tokio::test]
async fn mfa_otp_comes_through_the_outbox() {
    let ctx = start().await;
    let env = ctx.env().to_string();
    let app = app_with_policy(
        &ctx,
        &env,
        vec![
            json!({"type": "LOGIN", "priority": 1}),
            json!({"type": "MULTI_FACTOR_AUTHENTICATION", "priority": 2}),
        ],
    )
    .await;
    let (user_id, username) = ctx.user(&env, json!({"mfaEnabled": true})).await;
    let device = ctx
        .post(
            &format!("/environments/{env}/users/{user_id}/devices"),
            json!({"type": "SMS", "phone": "+1 (512) 555-0100"}),
        )
        .await;
    assert_eq!(device["status"], "ACTIVE");

    let browser = browser();
    let flow = start_flow(&ctx, &browser, &env, &app).await;
    let (_, step) = flow_post(
        &ctx,
        &browser,
        &env,
        &flow,
        "usernamePassword.check",
        json!({"username": username, "password": PASSWORD}),
    )
    .await;
    assert_eq!(step["status"], "OTP_REQUIRED", "{step}");
    assert_eq!(step["selectedDevice"]["id"], device["id"]);
    assert_eq!(step["_embedded"]["devices"][0]["phone"], "**********00");

    let (status, wrong) = flow_post(
        &ctx,
        &browser,
        &env,
        &flow,
        "otp.check",
        json!({"otp": "000000x"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(wrong["details"][0]["code"], "INVALID_OTP");

    let messages = ctx.outbox(&env, &user_id).await;
    let otp = messages.last().unwrap();
    assert_eq!(otp["type"], "OTP");
    assert_eq!(otp["to"], "+15125550100");
    let (_, done) = flow_post(
        &ctx,
        &browser,
        &env,
        &flow,
        "otp.check",
        json!({"otp": otp["code"]}),
    )
    .await;
    assert_eq!(done["status"], "COMPLETED");
    let location = resume(&ctx, &browser, &env, &flow).await;
    assert!(param(&location, "code").is_some());
    ctx.sandbox.shutdown().await;
}

#[tokio::test]
async fn registration_is_verified_with_the_outbox_code() {
    let ctx = start().await;
    let env = ctx.env().to_string();
    let app = app_with_policy(
        &ctx,
        &env,
        vec![json!({"type": "LOGIN", "priority": 1, "registration": {"enabled": true}})],
    )
    .await;
    let browser = browser();
    let flow = start_flow(&ctx, &browser, &env, &app).await;
    let current = flow_get(&ctx, &browser, &env, &flow).await;
    assert!(current["_links"]["user.register"].is_object());
    let username = format!("new-{}", uuid());
    let email = format!("{username}@example.com");
    let (status, step) = flow_post(
        &ctx,
        &browser,
        &env,
        &flow,
        "user.register",
        json!({"username": username, "email": email, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 200, "{step}");
    assert_eq!(step["status"], "VERIFICATION_CODE_REQUIRED");
    let user_id = step["_embedded"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _) = flow_post(
        &ctx,
        &browser,
        &env,
        &flow,
        "user.verify",
        json!({"verificationCode": "WRONG123"}),
    )
    .await;
    assert_eq!(status, 400);
    let code = ctx.outbox(&env, &user_id).await.last().unwrap()["code"].clone();
    let (_, done) = flow_post(
        &ctx,
        &browser,
        &env,
        &flow,
        "user.verify",
        json!({"verificationCode": code}),
    )
    .await;
    assert_eq!(done["status"], "COMPLETED");
    let user = ctx
        .get(&format!("/environments/{env}/users/{user_id}"))
        .await;
    assert_eq!(user["lifecycle"]["status"], "ACCOUNT_OK");
    assert_eq!(user["emailVerified"], true);
    ctx.sandbox.shutdown().await;
}

#[tokio::test]
async fn agreement_consent_and_progressive_profiling() {
    let ctx = start().await;
    let env = ctx.env().to_string();
    let agreement = ctx
        .post(
            &format!("/environments/{env}/agreements"),
            json!({"name": format!("terms-{}", uuid()), "enabled": false}),
        )
        .await;
    let agreement_id = agreement["id"].as_str().unwrap();
    let language = ctx
        .post(
            &format!("/environments/{env}/agreements/{agreement_id}/languages"),
            json!({"locale": "en", "displayName": "Terms", "enabled": true}),
        )
        .await;
    let language_id = language["id"].as_str().unwrap();
    let revision = ctx
        .post(
            &format!("/environments/{env}/agreements/{agreement_id}/languages/{language_id}/revisions"),
            json!({"contentType": "text/plain", "effectiveAt": "2024-01-01T00:00:00Z", "requireReconsent": true, "text": "Be nice."}),
        )
        .await;
    let updated = ctx
        .call(
            "PUT",
            &format!("/environments/{env}/agreements/{agreement_id}"),
            Some(json!({"name": agreement["name"], "enabled": true})),
        )
        .await;
    assert_eq!(updated.0, 200, "{}", updated.1);
    let language_now = ctx
        .get(&format!(
            "/environments/{env}/agreements/{agreement_id}/languages/{language_id}"
        ))
        .await;
    assert_eq!(language_now["currentRevision"]["id"], revision["id"]);

    let app = app_with_policy(
        &ctx,
        &env,
        vec![
            json!({"type": "LOGIN", "priority": 1}),
            json!({"type": "AGREEMENT", "priority": 2, "agreement": {"id": agreement_id}}),
            json!({"type": "PROGRESSIVE_PROFILING", "priority": 3, "promptText": "More please", "attributes": [{"name": "mobilePhone", "required": true}]}),
        ],
    )
    .await;
    let (user_id, username) = ctx.user(&env, json!({})).await;
    let browser = browser();
    let flow = start_flow(&ctx, &browser, &env, &app).await;
    let (_, step) = flow_post(
        &ctx,
        &browser,
        &env,
        &flow,
        "usernamePassword.check",
        json!({"username": username, "password": PASSWORD}),
    )
    .await;
    assert_eq!(step["status"], "AGREEMENT_CONSENT_REQUIRED");
    assert_eq!(
        step["_embedded"]["agreement"]["revision"]["text"],
        "Be nice."
    );
    let (_, step) = flow_post(
        &ctx,
        &browser,
        &env,
        &flow,
        "user.consent",
        json!({"accept": true}),
    )
    .await;
    assert_eq!(step["status"], "PROFILE_DATA_REQUIRED");
    let (status, _) = flow_post(
        &ctx,
        &browser,
        &env,
        &flow,
        "user.update",
        json!({"nickname": "jo"}),
    )
    .await;
    assert_eq!(status, 400);
    let (_, done) = flow_post(
        &ctx,
        &browser,
        &env,
        &flow,
        "user.update",
        json!({"mobilePhone": "+15125550111"}),
    )
    .await;
    assert_eq!(done["status"], "COMPLETED");
    let user = ctx
        .get(&format!("/environments/{env}/users/{user_id}"))
        .await;
    assert_eq!(user["mobilePhone"], "+15125550111");

    // The consent is recorded with the language and revision the user saw.
    let consent = ctx
        .get(&format!(
            "/environments/{env}/users/{user_id}/agreementConsents/{agreement_id}"
        ))
        .await;
    assert_eq!(consent["agreement"]["id"], agreement_id);
    assert_eq!(consent["user"]["id"], user_id.as_str());
    assert_eq!(consent["language"]["id"], language_id);
    assert_eq!(consent["language"]["locale"], "en");
    assert_eq!(consent["revision"]["id"], revision["id"]);
    assert!(consent["consentedAt"].is_string());
    let all = ctx
        .get(&format!(
            "/environments/{env}/users/{user_id}/agreementConsents"
        ))
        .await;
    assert_eq!(all["count"], 1);
    assert_eq!(
        all["_embedded"]["agreementConsents"][0]["agreement"]["id"],
        agreement_id
    );
    let read = ctx
        .get(&format!("/environments/{env}/agreements/{agreement_id}"))
        .await;
    assert_eq!(read["totalConsents"], 1);

    // A new revision that requires reconsent asks again; signing in again otherwise does not.
    let browser = common::browser();
    let flow = start_flow(&ctx, &browser, &env, &app).await;
    let (_, again) = flow_post(
        &ctx,
        &browser,
        &env,
        &flow,
        "usernamePassword.check",
        json!({"username": username, "password": PASSWORD}),
    )
    .await;
    assert_eq!(again["status"], "COMPLETED");
    ctx.post(
        &format!("/environments/{env}/agreements/{agreement_id}/languages/{language_id}/revisions"),
        json!({"contentType": "text/plain", "effectiveAt": "2024-02-01T00:00:00Z", "requireReconsent": true, "text": "Be nicer."}),
    )
    .await;
    let browser = common::browser();
    let flow = start_flow(&ctx, &browser, &env, &app).await;
    let (_, again) = flow_post(
        &ctx,
        &browser,
        &env,
        &flow,
        "usernamePassword.check",
        json!({"username": username, "password": PASSWORD}),
    )
    .await;
    assert_eq!(again["status"], "AGREEMENT_CONSENT_REQUIRED");

    // Declining fails the flow, and resume reports access_denied to the client.
    let (other_id, other) = ctx.user(&env, json!({})).await;
    let browser = common::browser();
    let flow = start_flow(&ctx, &browser, &env, &app).await;
    flow_post(
        &ctx,
        &browser,
        &env,
        &flow,
        "usernamePassword.check",
        json!({"username": other, "password": PASSWORD}),
    )
    .await;
    let (_, failed) = flow_post(
        &ctx,
        &browser,
        &env,
        &flow,
        "user.consent",
        json!({"accept": false}),
    )
    .await;
    assert_eq!(failed["status"], "FAILED");
    let location = resume(&ctx, &browser, &env, &flow).await;
    assert_eq!(param(&location, "error").as_deref(), Some("access_denied"));
    let (status, _) = ctx
        .call(
            "GET",
            &format!("/environments/{env}/users/{other_id}/agreementConsents/{agreement_id}"),
            None,
        )
        .await;
    assert_eq!(status, 404);
    ctx.sandbox.shutdown().await;
}

#[tokio::test]
async fn flows_need_their_cookies_and_bad_passwords_fail() {
    let ctx = start().await;
    let env = ctx.env().to_string();
    let (app, _) = ctx.code_app(&env, "CLIENT_SECRET_BASIC").await;
    let (_, username) = ctx.user(&env, json!({})).await;
    let browser = browser();
    let flow = start_flow(&ctx, &browser, &env, &app).await;
    // Another browser (no cookies) cannot drive or resume the flow.
    let stranger = common::browser();
    let response = stranger
        .get(ctx.auth(&env, &format!("/flows/{flow}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let (status, body) = flow_post(
        &ctx,
        &browser,
        &env,
        &flow,
        "usernamePassword.check",
        json!({"username": username, "password": "Wrong-Passw0rd!"}),
    )
    .await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (400, Some("INVALID_DATA"))
    );
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
    let response = stranger
        .get(ctx.auth(&env, "/as/resume"))
        .query(&[("flowId", flow.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    ctx.sandbox.shutdown().await;
}

/// A new environment of the sandbox's organization.
async fn environment(ctx: &Ctx) -> String {
    let licenses = ctx
        .get(&format!("/organizations/{}/licenses", ctx.sandbox.org_id()))
        .await;
    let license = licenses["_embedded"]["licenses"][0]["id"].clone();
    let env = ctx
        .post(
            "/environments",
            json!({"name": format!("env-{}", uuid()), "type": "SANDBOX", "region": "NA", "license": {"id": license}}),
        )
        .await;
    env["id"].as_str().unwrap().to_string()
}

async fn get_location(browser: &reqwest::Client, url: &str) -> String {
    let response = browser.get(url).send().await.unwrap();
    assert_eq!(response.status(), 302, "{url}: {:?}", response.text().await);
    location(&response)
}

/// From the destination flow's `authenticate` link through the provider's sign-on and back;
/// returns the destination flow afterwards.
async fn external_sign_on(
    ctx: &Ctx,
    browser: &reqwest::Client,
    (source, destination): (&str, &str),
    flow: &str,
    authenticate: &str,
    source_username: &str,
) -> Value {
    let to_provider = get_location(browser, authenticate).await;
    assert!(to_provider.starts_with(&ctx.auth(source, "/as/authorize")));
    assert_eq!(
        param(&to_provider, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert!(param(&to_provider, "nonce").is_some());
    let source_flow = param(&get_location(browser, &to_provider).await, "flowId").unwrap();
    let (_, done) = flow_post(
        ctx,
        browser,
        source,
        &source_flow,
        "usernamePassword.check",
        json!({"username": source_username, "password": PASSWORD}),
    )
    .await;
    assert_eq!(done["status"], "COMPLETED");
    let callback = resume(ctx, browser, source, &source_flow).await;
    assert!(callback.starts_with(&ctx.auth(destination, "/rp/callback/openid_connect")));
    let back = get_location(browser, &callback).await;
    assert_eq!(param(&back, "flowId").as_deref(), Some(flow));
    flow_get(ctx, browser, destination, flow).await
}

#[tokio::test]
async fn identifier_first_routes_to_an_oidc_provider_and_links_accounts() {
    let ctx = start().await;
    let (source, destination) = (environment(&ctx).await, environment(&ctx).await);
    let callback = ctx.auth(&destination, "/rp/callback/openid_connect");
    let (idp_client, idp_secret) = ctx
        .app(
            &source,
            json!({"name": "idp-client", "enabled": true, "type": "WEB_APP", "protocol": "OPENID_CONNECT",
                   "grantTypes": ["AUTHORIZATION_CODE"], "responseTypes": ["CODE"],
                   "redirectUris": [callback], "tokenEndpointAuthMethod": "CLIENT_SECRET_POST"}),
        )
        .await;
    let (_, source_username) = ctx.user(&source, json!({})).await;
    let issuer = ctx.auth(&source, "/as");
    let idp = ctx
        .post(
            &format!("/environments/{destination}/identityProviders"),
            json!({"type": "OPENID_CONNECT", "name": "source", "enabled": true,
                   "clientId": idp_client, "clientSecret": idp_secret, "issuer": issuer,
                   "authorizationEndpoint": format!("{issuer}/authorize"),
                   "tokenEndpoint": format!("{issuer}/token"), "jwksEndpoint": format!("{issuer}/jwks"),
                   "scopes": ["openid"], "tokenEndpointAuthMethod": "CLIENT_SECRET_POST",
                   "pkceMethod": "S256"}),
        )
        .await;
    let idp_id = idp["id"].as_str().unwrap();
    let app = app_with_policy(
        &ctx,
        &destination,
        vec![json!({"type": "IDENTIFIER_FIRST", "priority": 1, "discoveryRules": [
            {"condition": {"contains": "@idp.test", "value": "${identifier}"}, "identityProvider": {"id": idp_id}}]})],
    )
    .await;
    let (destination_user, destination_username) = ctx.user(&destination, json!({})).await;

    // An identifier the rule does not route, with no local user, is unknown.
    let browser = browser();
    let flow = start_flow(&ctx, &browser, &destination, &app).await;
    let (status, _) = flow_post(
        &ctx,
        &browser,
        &destination,
        &flow,
        "user.lookup",
        json!({"username": "nobody@elsewhere.test"}),
    )
    .await;
    assert_eq!(status, 400);
    // A routed identifier needs no local user.
    let (_, routed) = flow_post(
        &ctx,
        &browser,
        &destination,
        &flow,
        "user.lookup",
        json!({"username": "Someone@IDP.test"}),
    )
    .await;
    assert_eq!(routed["status"], "EXTERNAL_AUTHENTICATION_REQUIRED");
    let authenticate = routed["_links"]["authenticate"]["href"].as_str().unwrap();
    assert!(authenticate.contains(&format!("providerId={idp_id}")));

    // First time: the provider's user is unknown here, so the accounts get linked.
    let linking = external_sign_on(
        &ctx,
        &browser,
        (&source, &destination),
        &flow,
        authenticate,
        &source_username,
    )
    .await;
    assert_eq!(linking["status"], "ACCOUNT_LINKING_REQUIRED");
    let (_, done) = flow_post(
        &ctx,
        &browser,
        &destination,
        &flow,
        "usernamePassword.check",
        json!({"username": destination_username, "password": PASSWORD}),
    )
    .await;
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(done["_embedded"]["user"]["id"], destination_user.as_str());

    // Next time the link signs the user straight on.
    let browser = common::browser();
    let flow = start_flow(&ctx, &browser, &destination, &app).await;
    let authenticate = ctx.auth(
        &destination,
        &format!("/rp/authenticate?providerId={idp_id}&flowId={flow}"),
    );
    let done = external_sign_on(
        &ctx,
        &browser,
        (&source, &destination),
        &flow,
        &authenticate,
        &source_username,
    )
    .await;
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(done["_embedded"]["user"]["id"], destination_user.as_str());
    let code = param(&resume(&ctx, &browser, &destination, &flow).await, "code");
    assert!(code.is_some());

    // A state no flow sent, or a provider the policy does not offer, is refused.
    let bogus = browser
        .get(format!("{callback}?code=x&state=not-ours"))
        .send()
        .await
        .unwrap();
    assert_eq!(bogus.status(), 400);
    let browser = common::browser();
    let flow = start_flow(&ctx, &browser, &destination, &app).await;
    let other = browser
        .get(ctx.auth(
            &destination,
            &format!("/rp/authenticate?providerId={}&flowId={flow}", uuid()),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 400);
    ctx.sandbox.shutdown().await;
}

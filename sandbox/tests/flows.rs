//! Sign-on policy flows: MFA with the outbox and with an authenticator app, registration,
//! agreement, progressive profiling.

mod common;

use common::*;
use serde_json::{Value, json};

/// An application whose policy asks for the password, then a second factor.
async fn login_then_mfa_app(ctx: &Ctx, env: &str) -> String {
    let actions = vec![
        json!({"type": "LOGIN", "priority": 1}),
        json!({"type": "MULTI_FACTOR_AUTHENTICATION", "priority": 2}),
    ];
    app_with_policy(ctx, env, actions).await
}

#[tokio::test]
async fn mfa_otp_comes_through_the_outbox() {
    let (ctx, env) = start().await;
    let app = login_then_mfa_app(&ctx, &env).await;
    let (user_id, username) = ctx.user(&env, json!({"mfaEnabled": true})).await;
    let sms = json!({"type": "SMS", "phone": "+1 (512) 555-0100"});
    let device = ctx
        .create(&env, &format!("users/{user_id}/devices"), sms)
        .await;
    assert_eq!(device["status"], "ACTIVE");

    let mut sign_in = SignIn::new(&ctx, &env).authorize(&app).await;
    let step = &sign_in.password(&username).await.step;
    assert_eq!(step["status"], "OTP_REQUIRED", "{step}");
    assert_eq!(step["selectedDevice"]["id"], device["id"]);
    assert_eq!(step["_embedded"]["devices"][0]["phone"], "**********00");

    let (status, wrong) = sign_in.act("otp.check", json!({"otp": "000000x"})).await;
    assert_eq!(status, 400);
    assert_eq!(wrong["details"][0]["code"], "INVALID_OTP");

    let messages = ctx.outbox(&env, &user_id).await;
    let otp = messages.last().unwrap();
    assert_eq!(otp["type"], "OTP");
    assert_eq!(otp["to"], "+15125550100");
    let (_, done) = sign_in.act("otp.check", json!({"otp": otp["code"]})).await;
    assert_eq!(done["status"], "COMPLETED");
    assert!(param(&sign_in.resume().await, "code").is_some());
}

/// An authenticator app's code (RFC 6238: HMAC-SHA1, 30-second steps, six digits) for
/// the time step `offset` steps from now, from the base32 secret it was paired with.
fn authenticator_code(secret: &str, offset: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let step = (i64::try_from(now / 30).unwrap() + offset) as u64;
    let mut key = Vec::new();
    let (mut buffer, mut bits) = (0u64, 0);
    for c in secret.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'2'..=b'7' => c - b'2' + 26,
            _ => panic!("not base32: {c}"),
        };
        buffer = (buffer << 5) | u64::from(value);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            key.push((buffer >> bits) as u8);
        }
    }
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &key);
    let mac = aws_lc_rs::hmac::sign(&key, &step.to_be_bytes());
    let mac = mac.as_ref();
    let at = usize::from(mac[19] & 0x0f);
    let binary = u32::from_be_bytes([mac[at], mac[at + 1], mac[at + 2], mac[at + 3]]) & 0x7fff_ffff;
    format!("{:06}", binary % 1_000_000)
}

/// A six-digit code that is no step's code near now, so it must be refused.
fn wrong_code(secret: &str) -> String {
    let near: Vec<String> = (-3..=3).map(|o| authenticator_code(secret, o)).collect();
    (0..)
        .map(|n| format!("{n:06}"))
        .find(|c| !near.contains(c))
        .unwrap()
}

fn assert_invalid_otp(status: reqwest::StatusCode, body: &Value) {
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "INVALID_DATA", "{body}");
    assert_eq!(body["details"][0]["code"], "INVALID_OTP", "{body}");
    assert_eq!(body["details"][0]["target"], "otp", "{body}");
}

#[tokio::test]
async fn mfa_with_an_authenticator_app() {
    let (ctx, env) = start().await;
    let app = login_then_mfa_app(&ctx, &env).await;
    let (user_id, username) = ctx.user(&env, json!({"mfaEnabled": true})).await;

    // Pairing: the seed and its otpauth URI, shown once, on create.
    let devices = format!("/environments/{env}/users/{user_id}/devices");
    let (status, device) = ctx
        .call("POST", &devices, Some(json!({"type": "TOTP"})))
        .await;
    assert_eq!(status, 201, "{device}");
    assert_eq!(device["status"], "ACTIVATION_REQUIRED");
    let secret = device["properties"]["secret"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 32);
    assert_eq!(device["secret"], secret.as_str());
    let key_uri = device["properties"]["keyUri"].as_str().unwrap();
    assert!(key_uri.starts_with("otpauth://totp/"), "{key_uri}");
    assert!(
        key_uri.contains(&format!(":{username}?secret={secret}&issuer=")),
        "{key_uri}"
    );
    let device_id = device["id"].as_str().unwrap().to_string();
    let device_path = format!("{devices}/{device_id}");
    let read = ctx.get(&device_path).await;
    assert_eq!(read["status"], "ACTIVATION_REQUIRED");
    for field in ["secret", "keyUri", "properties"] {
        assert!(
            read.get(field).is_none(),
            "{field} shown after pairing: {read}"
        );
    }
    // Nothing is sent to an authenticator app.
    assert!(ctx.outbox(&env, &user_id).await.is_empty());

    // Activation with the app's current code: a wrong one, then the right one, once.
    let activate = |otp: String| {
        send(
            ctx.request(reqwest::Method::POST, &device_path)
                .header(
                    "content-type",
                    "application/vnd.pingidentity.device.activate+json",
                )
                .body(json!({ "otp": otp }).to_string()),
        )
    };
    let (status, body) = activate(wrong_code(&secret)).await;
    assert_invalid_otp(status, &body);
    let (status, body) = activate(authenticator_code(&secret, -3)).await;
    assert_invalid_otp(status, &body);
    let first = authenticator_code(&secret, 0);
    let (status, body) = activate(first.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ACTIVE");
    assert!(body.get("secret").is_none(), "{body}");
    let (status, body) = activate(first.clone()).await;
    assert_invalid_otp(status, &body);

    // Sign-on: the MFA action asks for the app's code.
    let mut sign_in = SignIn::new(&ctx, &env).authorize(&app).await;
    let step = &sign_in.password(&username).await.step;
    assert_eq!(step["status"], "OTP_REQUIRED", "{step}");
    assert_eq!(step["selectedDevice"]["id"], device_id.as_str());
    assert_eq!(step["_embedded"]["devices"][0]["type"], "TOTP");
    assert!(ctx.outbox(&env, &user_id).await.is_empty());
    // The code already used to activate, a wrong one, and one two steps old are refused.
    for otp in [first, wrong_code(&secret), authenticator_code(&secret, -2)] {
        let (status, body) = sign_in.act("otp.check", json!({ "otp": otp })).await;
        assert_invalid_otp(status, &body);
    }
    assert_eq!(sign_in.get().await["status"], "OTP_REQUIRED");
    // One step of clock drift is allowed: the next step's code is taken.
    let (status, done) = sign_in
        .act("otp.check", json!({"otp": authenticator_code(&secret, 1)}))
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["status"], "COMPLETED");
    assert!(param(&sign_in.resume().await, "code").is_some());
}

#[tokio::test]
async fn registration_is_verified_with_the_outbox_code() {
    let (ctx, env) = start().await;
    let registering = json!({"type": "LOGIN", "priority": 1, "registration": {"enabled": true}});
    let app = app_with_policy(&ctx, &env, vec![registering]).await;
    let mut sign_in = SignIn::new(&ctx, &env).authorize(&app).await;
    let current = sign_in.get().await;
    assert!(current["_links"]["user.register"].is_object());
    let username = format!("new-{}", uuid());
    let email = format!("{username}@example.com");
    let new_user = json!({"username": username, "email": email, "password": PASSWORD});
    let (status, step) = sign_in.act("user.register", new_user).await;
    assert_eq!(status, 200, "{step}");
    assert_eq!(step["status"], "VERIFICATION_CODE_REQUIRED");
    let user_id = step["_embedded"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let wrong = json!({"verificationCode": "WRONG123"});
    assert_eq!(sign_in.act("user.verify", wrong).await.0, 400);
    let code = ctx.outbox(&env, &user_id).await.last().unwrap()["code"].clone();
    let (_, done) = sign_in
        .act("user.verify", json!({"verificationCode": code}))
        .await;
    assert_eq!(done["status"], "COMPLETED");
    let user = ctx.read(&env, &format!("users/{user_id}")).await;
    assert_eq!(user["lifecycle"]["status"], "ACCOUNT_OK");
    assert_eq!(user["emailVerified"], true);
}

#[tokio::test]
async fn agreement_consent_and_progressive_profiling() {
    let (ctx, env) = start().await;
    let disabled = json!({"name": format!("terms-{}", uuid()), "enabled": false});
    let agreement = ctx.create(&env, "agreements", disabled).await;
    let agreement_id = agreement["id"].as_str().unwrap();
    let languages = format!("agreements/{agreement_id}/languages");
    let english = json!({"locale": "en", "displayName": "Terms", "enabled": true});
    let language = ctx.create(&env, &languages, english).await;
    let language_id = language["id"].as_str().unwrap();
    let revisions = format!("{languages}/{language_id}/revisions");
    let revision = ctx.create(&env, &revisions, json!({"contentType": "text/plain", "effectiveAt": "2024-01-01T00:00:00Z", "requireReconsent": true, "text": "Be nice."})).await;
    let enabled = json!({"name": agreement["name"], "enabled": true});
    let agreement_path = format!("/environments/{env}/agreements/{agreement_id}");
    let updated = ctx.call("PUT", &agreement_path, Some(enabled)).await;
    assert_eq!(updated.0, 200, "{}", updated.1);
    let language_now = ctx.read(&env, &format!("{languages}/{language_id}")).await;
    assert_eq!(language_now["currentRevision"]["id"], revision["id"]);

    let actions = vec![
        json!({"type": "LOGIN", "priority": 1}),
        json!({"type": "AGREEMENT", "priority": 2, "agreement": {"id": agreement_id}}),
        json!({"type": "PROGRESSIVE_PROFILING", "priority": 3, "promptText": "More please", "attributes": [{"name": "mobilePhone", "required": true}]}),
    ];
    let app = app_with_policy(&ctx, &env, actions).await;
    let (user_id, username) = ctx.user(&env, json!({})).await;
    let mut sign_in = SignIn::new(&ctx, &env).authorize(&app).await;
    let step = &sign_in.password(&username).await.step;
    assert_eq!(step["status"], "AGREEMENT_CONSENT_REQUIRED");
    assert_eq!(
        step["_embedded"]["agreement"]["revision"]["text"],
        "Be nice."
    );
    let (_, step) = sign_in.act("user.consent", json!({"accept": true})).await;
    assert_eq!(step["status"], "PROFILE_DATA_REQUIRED");
    let (status, _) = sign_in.act("user.update", json!({"nickname": "jo"})).await;
    assert_eq!(status, 400);
    let phone = json!({"mobilePhone": "+15125550111"});
    let (_, done) = sign_in.act("user.update", phone).await;
    assert_eq!(done["status"], "COMPLETED");
    let user = ctx.read(&env, &format!("users/{user_id}")).await;
    assert_eq!(user["mobilePhone"], "+15125550111");

    // The consent is recorded with the language and revision the user saw.
    let consents = format!("users/{user_id}/agreementConsents");
    let consent = ctx.read(&env, &format!("{consents}/{agreement_id}")).await;
    assert_eq!(consent["agreement"]["id"], agreement_id);
    assert_eq!(consent["user"]["id"], user_id.as_str());
    assert_eq!(consent["language"]["id"], language_id);
    assert_eq!(consent["language"]["locale"], "en");
    assert_eq!(consent["revision"]["id"], revision["id"]);
    assert!(consent["consentedAt"].is_string());
    let all = ctx.read(&env, &consents).await;
    assert_eq!(all["count"], 1);
    assert_eq!(
        all["_embedded"]["agreementConsents"][0]["agreement"]["id"],
        agreement_id
    );
    let read = ctx.read(&env, &format!("agreements/{agreement_id}")).await;
    assert_eq!(read["totalConsents"], 1);

    // A new revision that requires reconsent asks again; signing in again otherwise does not.
    let mut again = SignIn::new(&ctx, &env).authorize(&app).await;
    assert_eq!(again.password(&username).await.status(), "COMPLETED");
    ctx.create(&env, &revisions, json!({"contentType": "text/plain", "effectiveAt": "2024-02-01T00:00:00Z", "requireReconsent": true, "text": "Be nicer."})).await;
    let mut again = SignIn::new(&ctx, &env).authorize(&app).await;
    let status = again.password(&username).await.status();
    assert_eq!(status, "AGREEMENT_CONSENT_REQUIRED");

    // Declining fails the flow, and resume reports access_denied to the client.
    let (other_id, other) = ctx.user(&env, json!({})).await;
    let mut declining = SignIn::new(&ctx, &env).authorize(&app).await;
    declining.password(&other).await;
    let (_, failed) = declining
        .act("user.consent", json!({"accept": false}))
        .await;
    assert_eq!(failed["status"], "FAILED");
    let location = declining.resume().await;
    assert_eq!(param(&location, "error").as_deref(), Some("access_denied"));
    let declined = format!("/environments/{env}/users/{other_id}/agreementConsents/{agreement_id}");
    assert_eq!(ctx.call("GET", &declined, None).await.0, 404);
}

#[tokio::test]
async fn flows_need_their_cookies_and_bad_passwords_fail() {
    let (ctx, env) = start().await;
    let (app, _) = ctx.code_app(&env, "CLIENT_SECRET_BASIC").await;
    let (_, username) = ctx.user(&env, json!({})).await;
    let mut sign_in = SignIn::new(&ctx, &env).authorize(&app).await;
    let flow = sign_in.flow.clone();
    // Another browser (no cookies) cannot drive or resume the flow.
    let stranger = browser();
    let response = stranger
        .get(ctx.auth(&env, &format!("/flows/{flow}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let wrong = json!({"username": username, "password": "Wrong-Passw0rd!"});
    let (status, body) = sign_in.act("usernamePassword.check", wrong).await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (400, Some("INVALID_DATA"))
    );
    assert_eq!(sign_in.password(&username).await.status(), "COMPLETED");
    let response = stranger
        .get(ctx.auth(&env, "/as/resume"))
        .query(&[("flowId", flow.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

async fn get_location(browser: &reqwest::Client, url: &str) -> String {
    let response = browser.get(url).send().await.unwrap();
    assert_eq!(response.status(), 302, "{url}: {:?}", response.text().await);
    location(&response)
}

/// From the destination flow's `authenticate` link through the provider's sign-on and back;
/// returns the destination flow afterwards.
async fn external_sign_on(
    destination: &SignIn<'_>,
    source: &str,
    authenticate: &str,
    source_username: &str,
) -> Value {
    let browser = &destination.browser;
    let to_provider = get_location(browser, authenticate).await;
    let mut provider = SignIn::in_browser(destination.ctx(), source, browser.clone());
    assert!(to_provider.starts_with(&provider.url("/as/authorize")));
    assert_eq!(
        param(&to_provider, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert!(param(&to_provider, "nonce").is_some());
    provider.flow = param(&get_location(browser, &to_provider).await, "flowId").unwrap();
    assert_eq!(
        provider.password(source_username).await.status(),
        "COMPLETED"
    );
    let callback = provider.resume().await;
    assert!(callback.starts_with(&destination.url("/rp/callback/openid_connect")));
    let back = get_location(browser, &callback).await;
    assert_eq!(
        param(&back, "flowId").as_deref(),
        Some(destination.flow.as_str())
    );
    destination.get().await
}

#[tokio::test]
async fn identifier_first_routes_to_an_oidc_provider_and_links_accounts() {
    let (ctx, _) = start().await;
    let (source, destination) = (ctx.environment().await, ctx.environment().await);
    let callback = ctx.auth(&destination, "/rp/callback/openid_connect");
    let idp_client = json!({"name": "idp-client", "enabled": true, "type": "WEB_APP", "protocol": "OPENID_CONNECT",
                            "grantTypes": ["AUTHORIZATION_CODE"], "responseTypes": ["CODE"],
                            "redirectUris": [callback], "tokenEndpointAuthMethod": "CLIENT_SECRET_POST"});
    let (idp_client, idp_secret) = ctx.app(&source, idp_client).await;
    let (_, source_username) = ctx.user(&source, json!({})).await;
    let issuer = ctx.auth(&source, "/as");
    let provider = json!({"type": "OPENID_CONNECT", "name": "source", "enabled": true,
                          "clientId": idp_client, "clientSecret": idp_secret, "issuer": issuer,
                          "authorizationEndpoint": format!("{issuer}/authorize"),
                          "tokenEndpoint": format!("{issuer}/token"), "jwksEndpoint": format!("{issuer}/jwks"),
                          "scopes": ["openid"], "tokenEndpointAuthMethod": "CLIENT_SECRET_POST",
                          "pkceMethod": "S256"});
    let idp = ctx
        .create(&destination, "identityProviders", provider)
        .await;
    let idp_id = idp["id"].as_str().unwrap();
    let identifier_first = json!({"type": "IDENTIFIER_FIRST", "priority": 1, "discoveryRules": [
        {"condition": {"contains": "@idp.test", "value": "${identifier}"}, "identityProvider": {"id": idp_id}}]});
    let app = app_with_policy(&ctx, &destination, vec![identifier_first]).await;
    let (destination_user, destination_username) = ctx.user(&destination, json!({})).await;

    // An identifier the rule does not route, with no local user, is unknown.
    let mut sign_in = SignIn::new(&ctx, &destination).authorize(&app).await;
    let nobody = json!({"username": "nobody@elsewhere.test"});
    assert_eq!(sign_in.act("user.lookup", nobody).await.0, 400);
    // A routed identifier needs no local user.
    let someone = json!({"username": "Someone@IDP.test"});
    let (_, routed) = sign_in.act("user.lookup", someone).await;
    assert_eq!(routed["status"], "EXTERNAL_AUTHENTICATION_REQUIRED");
    let authenticate = routed["_links"]["authenticate"]["href"].as_str().unwrap();
    assert!(authenticate.contains(&format!("providerId={idp_id}")));

    // First time: the provider's user is unknown here, so the accounts get linked.
    let linking = external_sign_on(&sign_in, &source, authenticate, &source_username).await;
    assert_eq!(linking["status"], "ACCOUNT_LINKING_REQUIRED");
    let done = &sign_in.password(&destination_username).await.step;
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(done["_embedded"]["user"]["id"], destination_user.as_str());

    // Next time the link signs the user straight on.
    let linked = SignIn::new(&ctx, &destination).authorize(&app).await;
    let authenticate = linked.url(&format!(
        "/rp/authenticate?providerId={idp_id}&flowId={}",
        linked.flow
    ));
    let done = external_sign_on(&linked, &source, &authenticate, &source_username).await;
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(done["_embedded"]["user"]["id"], destination_user.as_str());
    assert!(param(&linked.resume().await, "code").is_some());

    // A state no flow sent, or a provider the policy does not offer, is refused.
    let bogus = linked
        .browser
        .get(format!("{callback}?code=x&state=not-ours"))
        .send()
        .await
        .unwrap();
    assert_eq!(bogus.status(), 400);
    let unknown = SignIn::new(&ctx, &destination).authorize(&app).await;
    let other = unknown
        .browser
        .get(unknown.url(&format!(
            "/rp/authenticate?providerId={}&flowId={}",
            uuid(),
            unknown.flow
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 400);
}

/// An MFA-only web app (its policy's one action is SMS MFA) and an MFA-enabled user
/// with an SMS device; (app id, app secret, user id, username).
async fn mfa_only_app_and_user(ctx: &Ctx, env: &str) -> (String, String, String, String) {
    let (app, secret) = ctx.code_app(env, "CLIENT_SECRET_BASIC").await;
    let policy = ctx.create(env, "signOnPolicies", named("mfa-only")).await;
    let policy_id = policy["id"].as_str().unwrap();
    let sms_only = json!({"type": "MULTI_FACTOR_AUTHENTICATION", "priority": 1,
        "sms": {"enabled": true}, "email": {"enabled": false}});
    ctx.create(
        env,
        &format!("signOnPolicies/{policy_id}/actions"),
        sms_only,
    )
    .await;
    let assignment = json!({"signOnPolicy": {"id": policy_id}, "priority": 1});
    ctx.create(
        env,
        &format!("applications/{app}/signOnPolicyAssignments"),
        assignment,
    )
    .await;
    let (user_id, username) = ctx.user(env, json!({"mfaEnabled": true})).await;
    let sms = json!({"type": "SMS", "phone": "+1 (512) 555-0101"});
    ctx.create(env, &format!("users/{user_id}/devices"), sms)
        .await;
    (app, secret, user_id, username)
}

/// A JWT of `claims` signed with `secret` (and the `header`'s algorithm and fields).
fn sign(header: jsonwebtoken::Header, claims: Value, secret: &str) -> String {
    let key = jsonwebtoken::EncodingKey::from_secret(secret.as_bytes());
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

fn epoch() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The claims of a valid login_hint_token of `app` for `subject` in `env`.
fn hint_claims(ctx: &Ctx, env: &str, app: &str, subject: &str) -> Value {
    let now = epoch();
    json!({"iss": app, "sub": subject, "aud": ctx.auth(env, "/as"), "iat": now, "exp": now + 3600})
}

fn hs256() -> jsonwebtoken::Header {
    jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256)
}

/// `GET /as/authorize` with `response_mode=pi.flow` and `query`; status and flow JSON.
async fn pi_flow_authorize(
    sign_in: &SignIn<'_>,
    app: &str,
    query: &[(&str, &str)],
) -> (reqwest::StatusCode, Value) {
    let mut params = vec![
        ("client_id", app),
        ("response_type", "code"),
        ("response_mode", "pi.flow"),
    ];
    params.extend_from_slice(query);
    send(
        sign_in
            .browser
            .get(sign_in.url("/as/authorize"))
            .query(&params),
    )
    .await
}

/// A transaction approval started with `request` as both the request object
/// and the login hint token: the flow is at the OTP, its passcode sent.
async fn approval_at_otp<'a>(ctx: &'a Ctx, env: &str, app: &str, request: &str) -> SignIn<'a> {
    let mut sign_in = SignIn::new(ctx, env);
    let query = [("request", request), ("login_hint_token", request)];
    let (status, flow) = pi_flow_authorize(&sign_in, app, &query).await;
    assert_eq!(status, 200, "{flow}");
    assert_eq!(flow["status"], "OTP_REQUIRED", "{flow}");
    sign_in.flow = flow["id"].as_str().unwrap().to_string();
    sign_in
}

#[tokio::test]
async fn mfa_only_sign_on_with_a_login_hint_token_skips_the_login_step() {
    let (ctx, env) = start().await;
    let (app, secret, user_id, username) = mfa_only_app_and_user(&ctx, &env).await;

    // Step 15 of the use case: the token names the user by id; the flow starts at the OTP.
    let token = sign(hs256(), hint_claims(&ctx, &env, &app, &user_id), &secret);
    let mut sign_in = SignIn::new(&ctx, &env);
    let (status, flow) = pi_flow_authorize(&sign_in, &app, &[("login_hint_token", &token)]).await;
    assert_eq!(status, 200, "{flow}");
    assert_eq!(flow["status"], "OTP_REQUIRED", "{flow}");
    assert_eq!(flow["_embedded"]["user"]["id"], user_id.as_str());
    assert!(flow["_links"]["otp.check"].is_object(), "{flow}");
    sign_in.flow = flow["id"].as_str().unwrap().to_string();
    let messages = ctx.outbox(&env, &user_id).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["to"], "+15125550101");
    assert!(
        messages[0].get("content").is_none(),
        "no template was named"
    );

    // Steps 16 and 17: the OTP completes the flow, resume gives the code (as JSON).
    let (_, done) = sign_in
        .act("otp.check", json!({"otp": messages[0]["code"]}))
        .await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    let (status, resumed) = send(
        sign_in
            .browser
            .get(sign_in.url("/as/resume"))
            .query(&[("flowId", sign_in.flow.as_str())]),
    )
    .await;
    assert_eq!(status, 200, "{resumed}");
    let code = resumed["authorizeResponse"]["code"].as_str().expect("code");
    let form = [("grant_type", "authorization_code"), ("code", code)];
    let (status, tokens) = Tokens::new(&ctx, &env)
        .request(&form, Auth::Basic(&app, &secret))
        .await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(
        verify(&ctx, &env, tokens["access_token"].as_str().unwrap()).await["sub"],
        user_id.as_str()
    );

    // A username as subject, HS512, and the redirect flavour work too.
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512);
    let token = sign(header, hint_claims(&ctx, &env, &app, &username), &secret);
    let sign_in = SignIn::new(&ctx, &env)
        .authorize_with(&app, &[("login_hint_token", &token)])
        .await;
    let flow = sign_in.get().await;
    assert_eq!(flow["status"], "OTP_REQUIRED", "{flow}");
    assert_eq!(flow["_embedded"]["user"]["id"], user_id.as_str());
}

#[tokio::test]
async fn invalid_login_hint_tokens_are_rejected() {
    let (ctx, env) = start().await;
    let (app, secret, user_id, _) = mfa_only_app_and_user(&ctx, &env).await;
    let (other_app, other_secret) = ctx.code_app(&env, "CLIENT_SECRET_BASIC").await;
    let valid = hint_claims(&ctx, &env, &app, &user_id);
    let with = |name: &str, value: Value| {
        let mut claims = valid.clone();
        claims[name] = value;
        claims
    };
    let without = |name: &str| {
        let mut claims = valid.clone();
        claims.as_object_mut().unwrap().remove(name);
        claims
    };
    let mut nested = hs256();
    nested.cty = Some("JWT".into());
    let cases = [
        (
            "signature",
            sign(hs256(), valid.clone(), "not-the-client-secret"),
        ),
        ("signature", sign(hs256(), valid.clone(), &other_secret)),
        (
            "audience",
            sign(
                hs256(),
                with("aud", json!("https://auth.example.com/x/as")),
                &secret,
            ),
        ),
        ("audience", sign(hs256(), without("aud"), &secret)),
        (
            "expired",
            sign(hs256(), with("exp", json!(epoch() - 60)), &secret),
        ),
        ("(exp)", sign(hs256(), without("exp"), &secret)),
        (
            "does not identify a user",
            sign(hs256(), with("sub", json!("nobody-at-all")), &secret),
        ),
        ("(sub)", sign(hs256(), without("sub"), &secret)),
        (
            "issuer",
            sign(hs256(), with("iss", json!(other_app)), &secret),
        ),
        ("nested", sign(nested, valid.clone(), &secret)),
        ("not a signed JWT", "not.a.jwt".to_string()),
    ];
    for (expected, token) in &cases {
        let sign_in = SignIn::new(&ctx, &env);
        let (status, body) =
            pi_flow_authorize(&sign_in, &app, &[("login_hint_token", token)]).await;
        assert_eq!(status, 400, "{expected}: {body}");
        assert_eq!(body["error"], "invalid_request", "{expected}: {body}");
        let description = body["error_description"].as_str().unwrap_or_default();
        assert!(description.contains("login_hint_token"), "{description}");
        assert!(description.contains(expected), "{expected}: {description}");
    }
    // With a redirect URI the error goes back to it, with the state.
    let sign_in = SignIn::new(&ctx, &env);
    let response = sign_in
        .send_authorize(&app, &[("login_hint_token", &cases[0].1), ("state", "s-1")])
        .await;
    assert_eq!(response.status(), 302);
    let back = location(&response);
    assert!(back.starts_with(REDIRECT), "{back}");
    assert_eq!(param(&back, "error").as_deref(), Some("invalid_request"));
    assert_eq!(param(&back, "state").as_deref(), Some("s-1"));
    // Nothing was sent to the user's phone.
    assert!(ctx.outbox(&env, &user_id).await.is_empty());
}

#[tokio::test]
async fn a_request_object_with_a_subject_doubles_as_the_login_hint_token() {
    let (ctx, env) = start().await;
    let (app, secret, user_id, _) = mfa_only_app_and_user(&ctx, &env).await;
    ctx.grant(&env, &app, "openid", &["profile"]).await;
    let sms = json!({"locale": "en", "deliveryMethod": "SMS",
        "content": "Approve this transfer of ${sum} ${currency} to ${recipient}, by entering this OTP: ${OTP}"});
    ctx.create(&env, "templates/transaction/contents", sms)
        .await;
    let mut claims = hint_claims(&ctx, &env, &app, &user_id);
    claims["scope"] = json!("openid profile");
    claims["state"] = json!("from-the-request-object");
    claims["pi.template"] = json!({"name": "transaction",
        "variables": {"sum": "1,000,000", "currency": "USD", "recipient": "Bob"}});
    let request = sign(hs256(), claims.clone(), &secret);
    let mut sign_in = approval_at_otp(&ctx, &env, &app, &request).await;
    let sent = ctx.outbox(&env, &user_id).await.last().unwrap().clone();
    let otp = sent["code"].clone();
    // The passcode went out in the transaction template the request object named.
    let expected = format!(
        "Approve this transfer of 1,000,000 USD to Bob, by entering this OTP: {}",
        otp.as_str().unwrap()
    );
    assert_eq!(sent["content"], expected.as_str());
    let (_, done) = sign_in.act("otp.check", json!({"otp": otp})).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    assert_eq!(
        done["authorizeResponse"]["state"],
        "from-the-request-object"
    );
    let code = done["authorizeResponse"]["code"].as_str().unwrap();
    let form = [("grant_type", "authorization_code"), ("code", code)];
    let (status, tokens) = Tokens::new(&ctx, &env)
        .request(&form, Auth::Basic(&app, &secret))
        .await;
    assert_eq!(status, 200, "{tokens}");
    assert!(
        tokens["scope"].as_str().unwrap().contains("profile"),
        "{tokens}"
    );

    // Without the login_hint_token the user still has to be named.
    let sign_in = SignIn::new(&ctx, &env);
    let (_, flow) = pi_flow_authorize(&sign_in, &app, &[("request", &request)]).await;
    assert_eq!(flow["status"], "SIGN_ON_REQUIRED", "{flow}");

    // A request object that is badly signed, or disagrees with the query, is refused.
    let forged = sign(hs256(), claims.clone(), "not-the-client-secret");
    let mut mismatched = claims;
    mismatched["response_type"] = json!("token");
    let mismatched = sign(hs256(), mismatched, &secret);
    for (expected, request) in [("signature", forged), ("response_type", mismatched)] {
        let (status, body) = pi_flow_authorize(&sign_in, &app, &[("request", &request)]).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"], "invalid_request_object", "{body}");
        let description = body["error_description"].as_str().unwrap_or_default();
        assert!(description.contains(expected), "{description}");
    }
}

#[tokio::test]
async fn transaction_approval_picks_the_named_variant_and_refuses_expired_or_forged_requests() {
    let (ctx, env) = start().await;
    let (app, secret, user_id, _) = mfa_only_app_and_user(&ctx, &env).await;
    let (_, other_secret) = ctx.code_app(&env, "CLIENT_SECRET_BASIC").await;
    let contents = "templates/transaction/contents";
    let plain = json!({"locale": "en", "deliveryMethod": "SMS",
        "content": "Approve ${sum} with ${OTP}"});
    ctx.create(&env, contents, plain).await;
    let variant = json!({"locale": "en", "deliveryMethod": "SMS", "variant": "wire",
        "content": "Wire ${sum} ${currency} to ${recipient}? OTP: ${OTP}"});
    ctx.create(&env, contents, variant).await;
    let mut claims = hint_claims(&ctx, &env, &app, &user_id);
    claims["pi.template"] = json!({"name": "transaction", "variant": "wire",
        "variables": {"sum": "250", "currency": "EUR", "recipient": "Ann"}});

    // An expired request object, or one signed with another secret, is refused
    // before any passcode goes out, also when it doubles as the login_hint_token
    // (as in the use case).
    let mut expired = claims.clone();
    expired["exp"] = json!(epoch() - 60);
    let cases = [
        ("expired", sign(hs256(), expired, &secret)),
        ("signature", sign(hs256(), claims.clone(), &other_secret)),
    ];
    for (expected, request) in &cases {
        let sign_in = SignIn::new(&ctx, &env);
        let query = [
            ("request", request.as_str()),
            ("login_hint_token", request.as_str()),
        ];
        let (status, body) = pi_flow_authorize(&sign_in, &app, &query).await;
        assert_eq!(status, 400, "{expected}: {body}");
        assert_eq!(
            body["error"], "invalid_request_object",
            "{expected}: {body}"
        );
        let description = body["error_description"].as_str().unwrap_or_default();
        assert!(description.contains("request object"), "{description}");
        assert!(description.contains(expected), "{expected}: {description}");
    }
    // Through the redirect, the error goes back to the application with the state.
    let response = SignIn::new(&ctx, &env)
        .send_authorize(&app, &[("request", &cases[0].1), ("state", "s-2")])
        .await;
    assert_eq!(response.status(), 302);
    let back = location(&response);
    assert!(back.starts_with(REDIRECT), "{back}");
    assert_eq!(
        param(&back, "error").as_deref(),
        Some("invalid_request_object")
    );
    assert_eq!(param(&back, "state").as_deref(), Some("s-2"));
    assert!(ctx.outbox(&env, &user_id).await.is_empty());

    // A valid one sends the passcode in the variant it named, variables filled in.
    let request = sign(hs256(), claims, &secret);
    let mut sign_in = approval_at_otp(&ctx, &env, &app, &request).await;
    let sent = ctx.outbox(&env, &user_id).await;
    assert_eq!(sent.len(), 1);
    let otp = sent[0]["code"].as_str().unwrap();
    assert_eq!(
        sent[0]["content"],
        format!("Wire 250 EUR to Ann? OTP: {otp}").as_str()
    );
    let (_, done) = sign_in.act("otp.check", json!({"otp": otp})).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
}

/// `GET /as/authorize` with `prompt=none` in `sign_in`'s browser: where it redirects.
async fn silent_authorize(sign_in: &SignIn<'_>, app: &str) -> String {
    let response = sign_in.send_authorize(app, &[("prompt", "none")]).await;
    assert_eq!(response.status(), 302, "{:?}", response.text().await);
    location(&response)
}

#[tokio::test]
async fn a_terminated_session_leaves_the_list_and_ends_silent_sso() {
    let (ctx, env) = start().await;
    let (app, _) = ctx.code_app(&env, "CLIENT_SECRET_BASIC").await;
    let (user_id, username) = ctx.user(&env, json!({})).await;
    let sessions = format!("/environments/{env}/users/{user_id}/sessions");
    assert_eq!(ctx.get(&sessions).await["_embedded"]["sessions"], json!([]));

    let mut sign_in = SignIn::new(&ctx, &env).authorize(&app).await;
    sign_in.password(&username).await.code().await;
    let session_id = sign_in.step["session"]["id"].as_str().unwrap().to_string();
    let listed = ctx.get(&sessions).await;
    let session = &listed["_embedded"]["sessions"][0];
    assert_eq!(listed["count"], 1, "{listed}");
    assert_eq!(session["id"], session_id.as_str());
    assert_eq!(session["user"]["id"], user_id.as_str());
    assert_eq!(session["environment"]["id"], env.as_str());
    for field in [
        "createdAt",
        "activeAt",
        "lastSignOn",
        "browser",
        "operatingSystem",
    ] {
        assert!(session.get(field).is_some(), "{field}: {session}");
    }
    assert!(
        session["_links"]["self"]["href"]
            .as_str()
            .unwrap()
            .ends_with(&format!("{sessions}/{session_id}"))
    );
    assert_eq!(
        ctx.get(&format!("{sessions}/{session_id}")).await["id"],
        session_id.as_str()
    );

    // The browser's session signs on silently until the session is terminated.
    assert!(param(&silent_authorize(&sign_in, &app).await, "code").is_some());
    let session_path = format!("{sessions}/{session_id}");
    assert_eq!(ctx.call("DELETE", &session_path, None).await.0, 204);
    assert_eq!(ctx.call("DELETE", &session_path, None).await.0, 404);
    assert_eq!(ctx.call("GET", &session_path, None).await.0, 404);
    assert_eq!(ctx.get(&sessions).await["_embedded"]["sessions"], json!([]));
    let refused = silent_authorize(&sign_in, &app).await;
    assert_eq!(param(&refused, "error").as_deref(), Some("login_required"));
    // A new flow in the same browser asks for the password again.
    let again = SignIn::in_browser(&ctx, &env, sign_in.browser.clone())
        .authorize(&app)
        .await;
    assert_eq!(again.get().await["status"], "USERNAME_PASSWORD_REQUIRED");
}

#[tokio::test]
async fn signoff_with_an_id_token_hint_ends_the_session_and_redirects() {
    let (ctx, env) = start().await;
    let logout = "https://www.example.com/logout";
    let (app, secret) = ctx
        .app(
            &env,
            json!({
                "name": format!("app-{}", uuid()), "enabled": true, "type": "WEB_APP",
                "protocol": "OPENID_CONNECT", "grantTypes": ["AUTHORIZATION_CODE"],
                "responseTypes": ["CODE"], "redirectUris": [REDIRECT],
                "postLogoutRedirectUris": [logout],
                "tokenEndpointAuthMethod": "CLIENT_SECRET_BASIC",
            }),
        )
        .await;
    let (user_id, username) = ctx.user(&env, json!({})).await;
    let sessions = format!("/environments/{env}/users/{user_id}/sessions");
    let sign_in = SignIn::new(&ctx, &env);
    let code = SignIn::in_browser(&ctx, &env, sign_in.browser.clone())
        .code_for(&app, &username, &[])
        .await;
    let (status, tokens) = Tokens::new(&ctx, &env)
        .redeem(&code, Auth::Basic(&app, &secret))
        .await;
    assert_eq!(status, 200, "{tokens}");
    let id_token = tokens["id_token"].as_str().unwrap();
    let signoff = ctx.auth(&env, "/as/signoff");
    let send_signoff = |query: Vec<(&'static str, String)>| {
        let request = sign_in.browser.get(&signoff).query(&query);
        async move { request.send().await.unwrap() }
    };

    // Refused: a tampered hint, and a post-logout URI the app does not register.
    let tampered = format!("{}x", &id_token[..id_token.len() - 1]);
    let response = send_signoff(vec![
        ("id_token_hint", tampered),
        ("post_logout_redirect_uri", logout.to_string()),
    ])
    .await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["details"][0]["target"], "id_token_hint", "{body}");
    let response = send_signoff(vec![
        ("id_token_hint", id_token.to_string()),
        (
            "post_logout_redirect_uri",
            "https://evil.example.com/".to_string(),
        ),
    ])
    .await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["details"][0]["target"], "post_logout_redirect_uri",
        "{body}"
    );
    // Neither refusal ended the session.
    assert_eq!(ctx.get(&sessions).await["count"], 1);
    assert!(param(&silent_authorize(&sign_in, &app).await, "code").is_some());

    let response = send_signoff(vec![
        ("id_token_hint", id_token.to_string()),
        ("post_logout_redirect_uri", logout.to_string()),
        ("state", "after signoff".to_string()),
    ])
    .await;
    assert_eq!(response.status(), 302);
    assert_eq!(location(&response), format!("{logout}?state=after+signoff"));
    assert_eq!(ctx.get(&sessions).await["_embedded"]["sessions"], json!([]));
    let refused = silent_authorize(&sign_in, &app).await;
    assert_eq!(param(&refused, "error").as_deref(), Some("login_required"));
}

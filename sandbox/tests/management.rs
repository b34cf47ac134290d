//! Management API: authentication, PingOne error bodies, validation, isolation.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn bearer_is_required_and_errors_have_pingone_shape() {
    let (ctx, env) = start().await;
    let users = format!("/environments/{env}/users");
    let response = ctx.get_as(None, &users).await;
    assert_eq!(response.status(), 401);
    assert!(response.headers().contains_key("correlation-id"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "ACCESS_FAILED");
    assert_eq!(body["details"][0]["code"], "INVALID_TOKEN");
    assert!(body["id"].is_string());

    let response = ctx.get_as(Some("not-a-token"), &users).await;
    assert_eq!(response.status(), 401);

    let unknown = format!("{users}/{}", uuid());
    let (status, body) = ctx.call("GET", &unknown, None).await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (404, Some("NOT_FOUND"))
    );

    let applications = format!("/environments/{env}/applications");
    let thing = json!({"name": "x", "type": "WEB_THING", "protocol": "OPENID_CONNECT"});
    let (status, body) = ctx.call("POST", &applications, Some(thing)).await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], "INVALID_DATA");
    let details = body["details"].as_array().unwrap();
    assert!(
        details
            .iter()
            .any(|d| d["code"] == "REQUIRED_VALUE" && d["target"] == "enabled")
    );
    assert!(
        details
            .iter()
            .any(|d| d["code"] == "INVALID_VALUE" && d["target"] == "type")
    );
}

#[tokio::test]
async fn users_are_unique_and_passwords_follow_the_policy() {
    let (ctx, env) = start().await;
    let (user_id, username) = ctx.user(&env, json!({})).await;
    let users = format!("/environments/{env}/users");
    let shouting = json!({"username": username.to_uppercase(), "email": "a@example.com"});
    let (status, body) = ctx.call("POST", &users, Some(shouting)).await;
    assert_eq!(status, 400);
    assert_eq!(body["details"][0]["code"], "UNIQUENESS_VIOLATION");
    assert_eq!(body["details"][0]["target"], "username");
    assert_eq!(
        body["details"][0]["innerError"]["existingId"],
        user_id.as_str()
    );

    let (status, _) = ctx
        .set_password(&env, &user_id, r#"{"value":"short"}"#)
        .await;
    assert_eq!(status, 400);
    let user_path = format!("{users}/{user_id}");
    let password = format!("{user_path}/password");
    let (status, _) = ctx
        .call("PUT", &password, Some(json!({"value": PASSWORD})))
        .await;
    assert_eq!(status, 415);
    let state = ctx.get(&password).await;
    assert_eq!(state["status"], "OK");

    let filter = format!("username%20eq%20%22{username}%22");
    let filtered = ctx.read(&env, &format!("users?filter={filter}")).await;
    assert_eq!(filtered["count"], 1);
    assert_eq!(filtered["_embedded"]["users"][0]["id"], user_id.as_str());

    let mfa_enabled = format!("{user_path}/mfaEnabled");
    let (_, mfa) = ctx
        .call("PUT", &mfa_enabled, Some(json!({"mfaEnabled": true})))
        .await;
    assert_eq!(mfa["mfaEnabled"], true);

    let group = ctx.create(&env, "groups", named("g")).await;
    let member_of = json!({"id": group["id"]});
    let membership = ctx
        .post(&format!("{user_path}/memberOfGroups"), member_of)
        .await;
    assert_eq!(membership["type"], "DIRECT");
    let user = ctx
        .get(&format!("{user_path}?include=memberOfGroupIDs"))
        .await;
    assert_eq!(user["memberOfGroupIDs"][0], group["id"]);

    assert_eq!(ctx.call("DELETE", &user_path, None).await.0, 204);
    assert_eq!(ctx.call("GET", &user_path, None).await.0, 404);
}

#[tokio::test]
async fn environments_are_isolated() {
    let (ctx, _) = start().await;
    let env_b = ctx.environment().await;
    // The creator manages the new environment, which is born with defaults.
    let resources = ctx.get(&format!("/environments/{env_b}/resources")).await;
    assert!(
        resources["_embedded"]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "openid")
    );
    let roles = ctx.get("/roles").await;
    let env_admin = roles["_embedded"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Environment Admin")
        .unwrap()["id"]
        .clone();

    // A worker of B with Environment Admin on B only.
    let (worker, secret) = ctx.worker(&env_b, "b-worker").await;
    let assignments = format!("/environments/{env_b}/applications/{worker}/roleAssignments");
    let admin_on_b =
        json!({"role": {"id": env_admin}, "scope": {"id": env_b, "type": "ENVIRONMENT"}});
    ctx.post(&assignments, admin_on_b.clone()).await;
    let (status, dup) = ctx.call("POST", &assignments, Some(admin_on_b)).await;
    assert_eq!(
        (status.as_u16(), dup["details"][0]["code"].as_str()),
        (400, Some("UNIQUENESS_VIOLATION"))
    );
    let b_token = ctx.worker_token(&env_b, &worker, &secret).await;

    let (b_users, admin_users) = (
        format!("/environments/{env_b}/users"),
        format!("/environments/{}/users", ctx.env()),
    );
    let own = ctx.get_as(Some(&b_token), &b_users).await;
    assert_eq!(own.status(), 200);
    let foreign = ctx.get_as(Some(&b_token), &admin_users).await;
    assert_eq!(foreign.status(), 403);
    let body: Value = foreign.json().await.unwrap();
    assert_eq!(body["details"][0]["code"], "INSUFFICIENT_PERMISSIONS");

    // An end-user token is not a management credential.
    let (_, username) = ctx.user(&env_b, json!({})).await;
    let (app, app_secret) = ctx.code_app(&env_b, "CLIENT_SECRET_BASIC").await;
    let code = ctx.sign_in_code(&env_b, &app, &username).await;
    let tokens = Tokens::new(&ctx, &env_b);
    let (_, issued) = tokens.redeem(&code, Auth::Basic(&app, &app_secret)).await;
    let user_token = issued["access_token"].as_str();
    let user_call = ctx.get_as(user_token, &admin_users).await;
    assert!(user_call.status() == 401 || user_call.status() == 403);

    // A worker without role assignments gets no token.
    let (bare, bare_secret) = ctx.worker(&env_b, "bare-worker").await;
    let bare = Auth::Basic(&bare, &bare_secret);
    assert_eq!(tokens.client_credentials(&[], bare).await.0, 400);

    let env_b_path = format!("/environments/{env_b}");
    assert_eq!(ctx.call("DELETE", &env_b_path, None).await.0, 204);
    let gone = ctx.get_as(Some(&b_token), &b_users).await;
    assert!(gone.status() == 401 || gone.status() == 404);
}

#[tokio::test]
async fn sign_on_policy_configuration_is_validated() {
    let (ctx, env) = start().await;
    let policy = ctx.create(&env, "signOnPolicies", named("p")).await;
    let policy_id = policy["id"].as_str().unwrap();
    let actions = format!("/environments/{env}/signOnPolicies/{policy_id}/actions");
    let post_action = |body: Value| ctx.call("POST", &actions, Some(body));
    let (status, body) = post_action(json!({"type": "LOGIN", "priority": 1.5})).await;
    assert_eq!(
        (
            status.as_u16(),
            body["code"].as_str(),
            body["details"][0]["target"].as_str()
        ),
        (400, Some("INVALID_REQUEST"), Some("priority"))
    );
    let (status, body) = post_action(json!({"type": "MFA", "priority": 1})).await;
    assert_eq!(
        (status.as_u16(), body["details"][0]["target"].as_str()),
        (400, Some("type"))
    );
    let (status, body) = post_action(json!({"type": "AGREEMENT", "priority": 1})).await;
    assert_eq!(
        (status.as_u16(), body["details"][0]["target"].as_str()),
        (400, Some("agreement.id"))
    );
    let action = ctx
        .post(&actions, json!({"type": "LOGIN", "priority": 1}))
        .await;
    assert_eq!(action["signOnPolicy"]["id"], policy_id);
    assert!(
        action["_links"]["self"]["href"]
            .as_str()
            .unwrap()
            .starts_with(ctx.sandbox.base_url())
    );
    let gateways = format!("/environments/{env}/gateways");
    let ldap = json!({"name": "ldap", "type": "LDAP", "enabled": true});
    assert_eq!(ctx.call("POST", &gateways, Some(ldap)).await.0, 400);
    let facebook =
        json!({"name": "fb", "type": "FACEBOOK", "enabled": true, "appId": "1", "appSecret": "s"});
    let idp = ctx.create(&env, "identityProviders", facebook).await;
    assert_eq!(idp["type"], "FACEBOOK");
}

#[tokio::test]
async fn users_filter_by_group_membership() {
    let (ctx, env) = start().await;
    let group = ctx.create(&env, "groups", named("g")).await;
    let group_id = group["id"].as_str().unwrap().to_string();
    let (member, _) = ctx.user(&env, json!({})).await;
    let (_outsider, _) = ctx.user(&env, json!({})).await;
    let member_of = format!("users/{member}/memberOfGroups");
    ctx.create(&env, &member_of, json!({"id": group_id})).await;

    let path = format!("/environments/{env}/users");
    let users = |filter: String| {
        let request = ctx.request(Method::GET, &path).query(&[("filter", filter)]);
        async move {
            let (status, body) = send(request).await;
            (status.as_u16(), body)
        }
    };
    let (status, body) = users(format!("memberOfGroups[id eq \"{group_id}\"]")).await;
    assert_eq!(status, 200, "{body}");
    let found = body["_embedded"]["users"].as_array().unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["id"], member.as_str());
    assert!(found[0].get("memberOfGroups").is_none());

    let (_, body) = users(format!("memberOfGroups[id eq \"{}\"]", uuid())).await;
    assert_eq!(body["count"], 0);
    let (_, body) = users(format!(
        "memberOfGroups[id eq \"{group_id}\"] and username sw \"nobody\""
    ))
    .await;
    assert_eq!(body["count"], 0);
    let (status, body) = users(format!("memberOfGroups[id eq \"{group_id}\"")).await;
    assert_eq!(
        (status, body["details"][0]["code"].as_str()),
        (400, Some("INVALID_FILTER"))
    );
}

#[tokio::test]
async fn flow_policies_are_listed_and_assignments_reference_them() {
    let (ctx, env) = start().await;
    let flow_policies = format!("/environments/{env}/flowPolicies");
    let listed = ctx.get(&flow_policies).await;
    let policies = listed["_embedded"]["flowPolicies"].as_array().unwrap();
    let policy = policies
        .iter()
        .find(|p| p["trigger"]["type"] == "AUTHENTICATION")
        .expect("an authentication flow policy");
    assert_eq!(policy["enabled"], true);
    assert!(policy["name"].is_string());
    let policy_id = policy["id"].as_str().unwrap();
    let policy_path = format!("{flow_policies}/{policy_id}");
    let read = ctx.get(&policy_path).await;
    assert_eq!(read["id"], policy_id);
    // DaVinci owns them: the platform API does not create them.
    let mine = json!({"name": "mine"});
    assert_eq!(ctx.call("POST", &flow_policies, Some(mine)).await.0, 405);
    assert_eq!(ctx.call("DELETE", &policy_path, None).await.0, 405);

    let (app, _) = ctx.code_app(&env, "CLIENT_SECRET_BASIC").await;
    let path = format!("/environments/{env}/applications/{app}/flowPolicyAssignments");
    let unknown = json!({"priority": 1, "flowPolicy": {"id": uuid()}});
    let (status, body) = ctx.call("POST", &path, Some(unknown)).await;
    assert_eq!(
        (status.as_u16(), body["details"][0]["target"].as_str()),
        (400, Some("flowPolicy.id"))
    );
    let davinci = json!({"priority": 1, "flowPolicy": {"id": policy_id}});
    let assignment = ctx.post(&path, davinci).await;
    assert_eq!(assignment["flowPolicy"]["id"], policy_id);
    assert_eq!(assignment["application"]["id"], app.as_str());
}

const RSA_PEM: &str = include_str!("fixtures/rsa-signing.pem");
const RSA_PKCS7: &str = include_str!("fixtures/rsa-signing.p7b");
const EC_PEM: &str = include_str!("fixtures/ec-p256.pem");

/// Uploads a certificate file the way PingOne's console does: multipart/form-data.
async fn upload_certificate(ctx: &Ctx, usage: Option<&str>, file: &str) -> (u16, Value) {
    let boundary = "sandbox-test-boundary";
    let mut body = String::new();
    if let Some(usage) = usage {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"usageType\"\r\n\r\n{usage}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cert.pem\"\r\nContent-Type: application/x-pem-file\r\n\r\n{file}\r\n--{boundary}--\r\n"
    ));
    let certificates = format!("/environments/{}/certificates", ctx.env());
    let multipart = format!("multipart/form-data; boundary={boundary}");
    let request = ctx.request(Method::POST, &certificates);
    let (status, body) = send(request.header("content-type", multipart).body(body)).await;
    (status.as_u16(), body)
}

#[tokio::test]
async fn certificates_upload_as_multipart_pem_or_pkcs7() {
    let (ctx, env) = start().await;
    let (status, cert) = upload_certificate(&ctx, Some("SIGNING"), RSA_PEM).await;
    assert_eq!(status, 202, "{cert}");
    assert_eq!(cert["usageType"], "SIGNING");
    assert!(cert["status"] == "VALID" || cert["status"] == "NOT_YET_VALID");
    assert_eq!(cert["algorithm"], "RSA");
    assert_eq!(cert["keyLength"], 2048);
    assert_eq!(cert["signatureAlgorithm"], "SHA256withRSA");
    // RFC 4514 order: the last RDN of the DER sequence first (this one encodes CN first).
    assert_eq!(cert["subjectDN"], "C=US, O=Example, CN=idp.example.com");
    assert_eq!(cert["issuerDN"], "C=US, O=Example, CN=idp.example.com");
    assert_eq!(cert["name"], "idp.example.com");
    assert_eq!(
        cert["serialNumber"],
        "394248738847062575536279226604175581396099627478"
    );
    assert_eq!(cert["startsAt"], "2026-11-23T10:39:28.000Z");
    assert_eq!(cert["expiresAt"], "2036-11-20T10:39:28.000Z");
    let id = cert["id"].as_str().unwrap();
    let read = ctx.read(&env, &format!("certificates/{id}")).await;
    assert_eq!(read["serialNumber"], cert["serialNumber"]);

    let (status, pkcs7) = upload_certificate(&ctx, Some("ENCRYPTION"), RSA_PKCS7).await;
    assert_eq!(status, 202, "{pkcs7}");
    assert_eq!(pkcs7["serialNumber"], cert["serialNumber"]);
    assert_eq!(pkcs7["usageType"], "ENCRYPTION");

    let (status, ec) = upload_certificate(&ctx, Some("SIGNING"), EC_PEM).await;
    assert_eq!(status, 202, "{ec}");
    assert_eq!(
        (ec["algorithm"].as_str(), ec["keyLength"].as_u64()),
        (Some("EC"), Some(256))
    );
    assert_eq!(ec["signatureAlgorithm"], "SHA256withECDSA");
    assert_eq!(
        ec["subjectDN"],
        "CN=ec.example.com, OU=Lab, O=Example, C=US"
    );

    // Bad input: PingOne's error shapes, never a crash.
    let (status, body) = upload_certificate(&ctx, Some("SIGNING"), "not a certificate").await;
    assert_eq!(
        (status, body["details"][0]["target"].as_str()),
        (400, Some("file"))
    );
    let (status, body) = upload_certificate(&ctx, None, RSA_PEM).await;
    assert_eq!(
        (status, body["details"][0]["code"].as_str()),
        (400, Some("REQUIRED_VALUE"))
    );
    let (status, _) = upload_certificate(&ctx, Some("WHATEVER"), RSA_PEM).await;
    assert_eq!(status, 400);
    let certificates = format!("/environments/{env}/certificates");
    let json_body = json!({"usageType": "SIGNING"});
    let (status, body) = ctx.call("POST", &certificates, Some(json_body)).await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (415, Some("INVALID_REQUEST"))
    );
}

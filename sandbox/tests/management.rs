//! Management API: authentication, PingOne error bodies, validation, isolation.

mod common;

use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn bearer_is_required_and_errors_have_pingone_shape() {
    let ctx = start().await;
    let env = ctx.env().to_string();
    let response = ctx
        .http
        .get(ctx.api(&format!("/environments/{env}/users")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.headers().contains_key("correlation-id"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "ACCESS_FAILED");
    assert_eq!(body["details"][0]["code"], "INVALID_TOKEN");
    assert!(body["id"].is_string());

    let response = ctx
        .http
        .get(ctx.api(&format!("/environments/{env}/users")))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    let (status, body) = ctx
        .call(
            "GET",
            &format!("/environments/{env}/users/{}", uuid()),
            None,
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (404, Some("NOT_FOUND"))
    );

    let (status, body) = ctx
        .call(
            "POST",
            &format!("/environments/{env}/applications"),
            Some(json!({"name": "x", "type": "WEB_THING", "protocol": "OPENID_CONNECT"})),
        )
        .await;
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
    ctx.sandbox.shutdown().await;
}

#[tokio::test]
async fn users_are_unique_and_passwords_follow_the_policy() {
    let ctx = start().await;
    let env = ctx.env().to_string();
    let (user_id, username) = ctx.user(&env, json!({})).await;
    let (status, body) = ctx
        .call(
            "POST",
            &format!("/environments/{env}/users"),
            Some(json!({"username": username.to_uppercase(), "email": "a@example.com"})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["details"][0]["code"], "UNIQUENESS_VIOLATION");
    assert_eq!(body["details"][0]["target"], "username");
    assert_eq!(
        body["details"][0]["innerError"]["existingId"],
        user_id.as_str()
    );

    let password_url = ctx.api(&format!("/environments/{env}/users/{user_id}/password"));
    let weak = ctx
        .http
        .put(&password_url)
        .bearer_auth(&ctx.token)
        .header(
            "content-type",
            "application/vnd.pingidentity.password.set+json",
        )
        .body(r#"{"value":"short"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), 400);
    let wrong_type = ctx
        .http
        .put(&password_url)
        .bearer_auth(&ctx.token)
        .json(&json!({"value": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), 415);
    let state = ctx
        .get(&format!("/environments/{env}/users/{user_id}/password"))
        .await;
    assert_eq!(state["status"], "OK");

    let filtered = ctx
        .get(&format!(
            "/environments/{env}/users?filter=username%20eq%20%22{username}%22"
        ))
        .await;
    assert_eq!(filtered["count"], 1);
    assert_eq!(filtered["_embedded"]["users"][0]["id"], user_id.as_str());

    let mfa: Value = ctx
        .http
        .put(ctx.api(&format!("/environments/{env}/users/{user_id}/mfaEnabled")))
        .bearer_auth(&ctx.token)
        .json(&json!({"mfaEnabled": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mfa["mfaEnabled"], true);

    let group = ctx
        .post(
            &format!("/environments/{env}/groups"),
            json!({"name": format!("g-{}", uuid())}),
        )
        .await;
    let membership = ctx
        .post(
            &format!("/environments/{env}/users/{user_id}/memberOfGroups"),
            json!({"id": group["id"]}),
        )
        .await;
    assert_eq!(membership["type"], "DIRECT");
    let user = ctx
        .get(&format!(
            "/environments/{env}/users/{user_id}?include=memberOfGroupIDs"
        ))
        .await;
    assert_eq!(user["memberOfGroupIDs"][0], group["id"]);

    let (status, _) = ctx
        .call(
            "DELETE",
            &format!("/environments/{env}/users/{user_id}"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = ctx
        .call("GET", &format!("/environments/{env}/users/{user_id}"), None)
        .await;
    assert_eq!(status, 404);
    ctx.sandbox.shutdown().await;
}

#[tokio::test]
async fn environments_are_isolated() {
    let ctx = start().await;
    let licenses = ctx
        .get(&format!("/organizations/{}/licenses", ctx.sandbox.org_id()))
        .await;
    let license = licenses["_embedded"]["licenses"][0]["id"].clone();
    let created = ctx.post("/environments", json!({"name": format!("env-{}", uuid()), "type": "SANDBOX", "region": "NA", "license": {"id": license}})).await;
    let env_b = created["id"].as_str().unwrap().to_string();
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
    let (worker, secret) = ctx
        .app(&env_b, json!({"name": "b-worker", "enabled": true, "type": "WORKER", "protocol": "OPENID_CONNECT", "tokenEndpointAuthMethod": "CLIENT_SECRET_BASIC", "assignActorRoles": false}))
        .await;
    ctx.post(
        &format!("/environments/{env_b}/applications/{worker}/roleAssignments"),
        json!({"role": {"id": env_admin}, "scope": {"id": env_b, "type": "ENVIRONMENT"}}),
    )
    .await;
    let (status, dup) = ctx
        .call(
            "POST",
            &format!("/environments/{env_b}/applications/{worker}/roleAssignments"),
            Some(json!({"role": {"id": env_admin}, "scope": {"id": env_b, "type": "ENVIRONMENT"}})),
        )
        .await;
    assert_eq!(
        (status.as_u16(), dup["details"][0]["code"].as_str()),
        (400, Some("UNIQUENESS_VIOLATION"))
    );
    let b_token = worker_token(&ctx.http, &ctx.sandbox, &env_b, &worker, &secret).await;

    let admin_env = ctx.env().to_string();
    let own = ctx
        .http
        .get(ctx.api(&format!("/environments/{env_b}/users")))
        .bearer_auth(&b_token)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
    let foreign = ctx
        .http
        .get(ctx.api(&format!("/environments/{admin_env}/users")))
        .bearer_auth(&b_token)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    let body: Value = foreign.json().await.unwrap();
    assert_eq!(body["details"][0]["code"], "INSUFFICIENT_PERMISSIONS");

    // An end-user token is not a management credential.
    let (_, username) = ctx.user(&env_b, json!({})).await;
    let (app, app_secret) = ctx.code_app(&env_b, "CLIENT_SECRET_BASIC").await;
    let code = login_code(&ctx, &browser(), &env_b, &app, &username, &[]).await;
    let (_, tokens) = token(
        &ctx,
        &env_b,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
        Some((&app, &app_secret)),
    )
    .await;
    let user_call = ctx
        .http
        .get(ctx.api(&format!("/environments/{admin_env}/users")))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert!(user_call.status() == 401 || user_call.status() == 403);

    // A worker without role assignments gets no token.
    let (bare, bare_secret) = ctx
        .app(&env_b, json!({"name": "bare-worker", "enabled": true, "type": "WORKER", "protocol": "OPENID_CONNECT", "tokenEndpointAuthMethod": "CLIENT_SECRET_BASIC", "assignActorRoles": false}))
        .await;
    let (status, _) = token(
        &ctx,
        &env_b,
        &[("grant_type", "client_credentials")],
        Some((&bare, &bare_secret)),
    )
    .await;
    assert_eq!(status, 400);

    let (status, _) = ctx
        .call("DELETE", &format!("/environments/{env_b}"), None)
        .await;
    assert_eq!(status, 204);
    let gone = ctx
        .http
        .get(ctx.api(&format!("/environments/{env_b}/users")))
        .bearer_auth(&b_token)
        .send()
        .await
        .unwrap();
    assert!(gone.status() == 401 || gone.status() == 404);
    ctx.sandbox.shutdown().await;
}

#[tokio::test]
async fn sign_on_policy_configuration_is_validated() {
    let ctx = start().await;
    let env = ctx.env().to_string();
    let policy = ctx
        .post(
            &format!("/environments/{env}/signOnPolicies"),
            json!({"name": format!("p{}", uuid())}),
        )
        .await;
    let policy_id = policy["id"].as_str().unwrap();
    let (status, body) = ctx
        .call(
            "POST",
            &format!("/environments/{env}/signOnPolicies/{policy_id}/actions"),
            Some(json!({"type": "LOGIN", "priority": 1.5})),
        )
        .await;
    assert_eq!(
        (
            status.as_u16(),
            body["code"].as_str(),
            body["details"][0]["target"].as_str()
        ),
        (400, Some("INVALID_REQUEST"), Some("priority"))
    );
    let (status, body) = ctx
        .call(
            "POST",
            &format!("/environments/{env}/signOnPolicies/{policy_id}/actions"),
            Some(json!({"type": "MFA", "priority": 1})),
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["details"][0]["target"].as_str()),
        (400, Some("type"))
    );
    let (status, body) = ctx
        .call(
            "POST",
            &format!("/environments/{env}/signOnPolicies/{policy_id}/actions"),
            Some(json!({"type": "AGREEMENT", "priority": 1})),
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["details"][0]["target"].as_str()),
        (400, Some("agreement.id"))
    );
    let action = ctx
        .post(
            &format!("/environments/{env}/signOnPolicies/{policy_id}/actions"),
            json!({"type": "LOGIN", "priority": 1}),
        )
        .await;
    assert_eq!(action["signOnPolicy"]["id"], policy_id);
    assert!(
        action["_links"]["self"]["href"]
            .as_str()
            .unwrap()
            .starts_with(ctx.sandbox.base_url())
    );
    let (status, _) = ctx
        .call(
            "POST",
            &format!("/environments/{env}/gateways"),
            Some(json!({"name": "ldap", "type": "LDAP", "enabled": true})),
        )
        .await;
    assert_eq!(status, 400);
    let idp = ctx.post(&format!("/environments/{env}/identityProviders"), json!({"name": "fb", "type": "FACEBOOK", "enabled": true, "appId": "1", "appSecret": "s"})).await;
    assert_eq!(idp["type"], "FACEBOOK");
    ctx.sandbox.shutdown().await;
}

#[tokio::test]
async fn users_filter_by_group_membership() {
    let ctx = start().await;
    let env = ctx.env().to_string();
    let group = ctx
        .post(
            &format!("/environments/{env}/groups"),
            json!({"name": format!("g-{}", uuid())}),
        )
        .await;
    let group_id = group["id"].as_str().unwrap().to_string();
    let (member, _) = ctx.user(&env, json!({})).await;
    let (_outsider, _) = ctx.user(&env, json!({})).await;
    ctx.post(
        &format!("/environments/{env}/users/{member}/memberOfGroups"),
        json!({"id": group_id}),
    )
    .await;

    let users = |filter: String| {
        let ctx = &ctx;
        let env = env.clone();
        async move {
            let response = ctx
                .http
                .get(ctx.api(&format!("/environments/{env}/users")))
                .query(&[("filter", filter)])
                .bearer_auth(&ctx.token)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
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
    ctx.sandbox.shutdown().await;
}

#[tokio::test]
async fn flow_policies_are_listed_and_assignments_reference_them() {
    let ctx = start().await;
    let env = ctx.env().to_string();
    let listed = ctx.get(&format!("/environments/{env}/flowPolicies")).await;
    let policies = listed["_embedded"]["flowPolicies"].as_array().unwrap();
    let policy = policies
        .iter()
        .find(|p| p["trigger"]["type"] == "AUTHENTICATION")
        .expect("an authentication flow policy");
    assert_eq!(policy["enabled"], true);
    assert!(policy["name"].is_string());
    let policy_id = policy["id"].as_str().unwrap();
    let read = ctx
        .get(&format!("/environments/{env}/flowPolicies/{policy_id}"))
        .await;
    assert_eq!(read["id"], policy_id);
    // DaVinci owns them: the platform API does not create them.
    let (status, _) = ctx
        .call(
            "POST",
            &format!("/environments/{env}/flowPolicies"),
            Some(json!({"name": "mine"})),
        )
        .await;
    assert_eq!(status, 405);
    let (status, _) = ctx
        .call(
            "DELETE",
            &format!("/environments/{env}/flowPolicies/{policy_id}"),
            None,
        )
        .await;
    assert_eq!(status, 405);

    let (app, _) = ctx.code_app(&env, "CLIENT_SECRET_BASIC").await;
    let path = format!("/environments/{env}/applications/{app}/flowPolicyAssignments");
    let (status, body) = ctx
        .call(
            "POST",
            &path,
            Some(json!({"priority": 1, "flowPolicy": {"id": uuid()}})),
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["details"][0]["target"].as_str()),
        (400, Some("flowPolicy.id"))
    );
    let assignment = ctx
        .post(
            &path,
            json!({"priority": 1, "flowPolicy": {"id": policy_id}}),
        )
        .await;
    assert_eq!(assignment["flowPolicy"]["id"], policy_id);
    assert_eq!(assignment["application"]["id"], app.as_str());
    ctx.sandbox.shutdown().await;
}

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
    let response = ctx
        .http
        .post(ctx.api(&format!("/environments/{}/certificates", ctx.env())))
        .bearer_auth(&ctx.token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn certificates_upload_as_multipart_pem_or_pkcs7() {
    let ctx = start().await;
    let env = ctx.env().to_string();
    let (status, cert) = upload_certificate(
        &ctx,
        Some("SIGNING"),
        include_str!("fixtures/rsa-signing.pem"),
    )
    .await;
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
    let read = ctx
        .get(&format!("/environments/{env}/certificates/{id}"))
        .await;
    assert_eq!(read["serialNumber"], cert["serialNumber"]);

    let (status, pkcs7) = upload_certificate(
        &ctx,
        Some("ENCRYPTION"),
        include_str!("fixtures/rsa-signing.p7b"),
    )
    .await;
    assert_eq!(status, 202, "{pkcs7}");
    assert_eq!(pkcs7["serialNumber"], cert["serialNumber"]);
    assert_eq!(pkcs7["usageType"], "ENCRYPTION");

    let (status, ec) =
        upload_certificate(&ctx, Some("SIGNING"), include_str!("fixtures/ec-p256.pem")).await;
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
    let (status, body) =
        upload_certificate(&ctx, None, include_str!("fixtures/rsa-signing.pem")).await;
    assert_eq!(
        (status, body["details"][0]["code"].as_str()),
        (400, Some("REQUIRED_VALUE"))
    );
    let (status, _) = upload_certificate(
        &ctx,
        Some("WHATEVER"),
        include_str!("fixtures/rsa-signing.pem"),
    )
    .await;
    assert_eq!(status, 400);
    let (status, body) = ctx
        .call(
            "POST",
            &format!("/environments/{env}/certificates"),
            Some(json!({"usageType": "SIGNING"})),
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (415, Some("INVALID_REQUEST"))
    );
    ctx.sandbox.shutdown().await;
}

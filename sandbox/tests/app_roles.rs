//! PingOne Authorize application resources, permissions and roles, user application role
//! assignments, and the `p1.permissions` claim they put in a user's access token.

mod common;

use common::*;
use serde_json::{Value, json};

/// A custom resource with one scope and, under it, an application resource `invoices`
/// with `read` and `pay` permissions. Returns (resource id, permission ids).
async fn invoices(ctx: &Ctx, env: &str, claim: bool) -> (String, Vec<String>) {
    let body = json!({
        "name": format!("Invoices API {}", uuid()),
        "audience": format!("https://api.example.org/{}", uuid()),
        "applicationPermissionsSettings": {"claimEnabled": claim},
    });
    let resource = ctx.resource(env, body, &["invoices:use"], &[]).await;
    let app_resource = ctx
        .create(
            env,
            &format!("resources/{resource}/applicationResources"),
            json!({"name": "invoices", "description": "Invoices"}),
        )
        .await;
    assert_eq!(app_resource["parent"]["type"], "PING_ONE_RESOURCE");
    assert_eq!(app_resource["parent"]["id"], resource.as_str());
    let id = app_resource["id"].as_str().unwrap();
    let mut permissions = Vec::new();
    for action in ["read", "pay"] {
        let permission = ctx
            .create(
                env,
                &format!("applicationResources/{id}/permissions"),
                json!({"action": action}),
            )
            .await;
        assert_eq!(permission["key"], format!("invoices:{action}"));
        assert_eq!(permission["resource"]["name"], "invoices");
        permissions.push(permission["id"].as_str().unwrap().to_string());
    }
    (resource, permissions)
}

async fn role(ctx: &Ctx, env: &str) -> String {
    let role = ctx
        .create(env, "applicationRoles", named("Accountant"))
        .await;
    role["id"].as_str().unwrap().to_string()
}

fn codes(body: &Value) -> Vec<(String, String)> {
    body["details"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["target"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn application_resources_live_under_custom_resources_only() {
    let (ctx, env) = start().await;
    let (resource, permissions) = invoices(&ctx, &env, false).await;

    let listed = ctx.read(&env, "applicationResources").await;
    assert_eq!(listed["_embedded"]["resources"][0]["name"], "invoices");
    let app_resource = listed["_embedded"]["resources"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let of_resource = ctx
        .read(
            &env,
            &format!("resources/{resource}/applicationPermissions"),
        )
        .await;
    let keys: Vec<&Value> = of_resource["_embedded"]["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["key"])
        .collect();
    assert_eq!(keys, [&json!("invoices:read"), &json!("invoices:pay")]);
    assert_eq!(
        of_resource["_embedded"]["permissions"][0]["resourceServer"]["id"],
        resource.as_str()
    );

    // The built-in PingOne API resource takes no application resources.
    let all = ctx.read(&env, "resources").await;
    let builtin = all["_embedded"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] != "CUSTOM")
        .and_then(|r| r["id"].as_str())
        .unwrap()
        .to_string();
    let path = format!("/environments/{env}/resources/{builtin}/applicationResources");
    let (status, body) = ctx.call("POST", &path, Some(named("x"))).await;
    assert_eq!(
        (status.as_u16(), &body["code"]),
        (400, &json!("INVALID_DATA"))
    );
    assert!(codes(&body).contains(&("INVALID_VALUE".into(), "parent.id".into())));

    // Names are unique under a resource; a permission needs an action, once.
    let path = format!("/environments/{env}/resources/{resource}/applicationResources");
    let (status, body) = ctx
        .call("POST", &path, Some(json!({"name": "INVOICES"})))
        .await;
    assert_eq!(status, 400);
    assert!(codes(&body).contains(&("UNIQUENESS_VIOLATION".into(), "name".into())));
    let path = format!("/environments/{env}/applicationResources/{app_resource}/permissions");
    let (status, body) = ctx
        .call("POST", &path, Some(json!({"description": "x"})))
        .await;
    assert_eq!(status, 400);
    assert!(codes(&body).contains(&("REQUIRED_VALUE".into(), "action".into())));
    let (status, _) = ctx
        .call("POST", &path, Some(json!({"action": "read"})))
        .await;
    assert_eq!(status, 400);
    let (status, _) = ctx
        .call("POST", &path, Some(json!({"action": "a:b"})))
        .await;
    assert_eq!(status, 400);

    // Unknown application resources are 404, on either path.
    for path in [
        format!("/environments/{env}/applicationResources/{}", uuid()),
        format!(
            "/environments/{env}/applicationResources/{}/permissions",
            uuid()
        ),
        format!(
            "/environments/{env}/resources/{}/applicationPermissions",
            uuid()
        ),
    ] {
        let (status, body) = ctx.call("GET", &path, None).await;
        assert_eq!(
            (status.as_u16(), &body["code"]),
            (404, &json!("NOT_FOUND")),
            "{path}"
        );
    }

    // Renaming the application resource renames its permission keys.
    let path = format!("/environments/{env}/applicationResources/{app_resource}");
    let (status, _) = ctx.call("PUT", &path, Some(json!({"name": "bills"}))).await;
    assert_eq!(status, 200);
    let permission = ctx
        .read(
            &env,
            &format!(
                "applicationResources/{app_resource}/permissions/{}",
                permissions[0]
            ),
        )
        .await;
    assert_eq!(permission["key"], "bills:read");

    // Deleting the custom resource deletes its application resources and permissions.
    let (status, _) = ctx
        .call(
            "DELETE",
            &format!("/environments/{env}/resources/{resource}"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = ctx.call("GET", &path, None).await;
    assert_eq!(status, 404);
    let listed = ctx.read(&env, "applicationResources").await;
    assert_eq!(listed["count"], 0);
}

#[tokio::test]
async fn roles_hold_permissions_and_are_assigned_to_users() {
    let (ctx, env) = start().await;
    let (_, permissions) = invoices(&ctx, &env, false).await;
    let role_id = role(&ctx, &env).await;
    let (user_id, _) = ctx.user(&env, json!({})).await;

    let role_permissions = format!("/environments/{env}/applicationRoles/{role_id}/permissions");
    let added = ctx
        .post(&role_permissions, json!({"id": permissions[0]}))
        .await;
    assert_eq!(added["key"], "invoices:read");
    assert_eq!(added["id"], permissions[0].as_str());
    let listed = ctx.get(&role_permissions).await;
    assert_eq!(listed["_embedded"]["permissions"][0]["action"], "read");

    let user_roles = format!("/environments/{env}/users/{user_id}/applicationRoles");
    let assigned = ctx.post(&user_roles, json!({"id": role_id})).await;
    assert_eq!(assigned["id"], role_id.as_str());
    assert!(assigned["name"].as_str().unwrap().starts_with("Accountant"));
    let read = ctx.get(&format!("{user_roles}/{role_id}")).await;
    assert_eq!(read["id"], role_id.as_str());
    let listed = ctx.get(&user_roles).await;
    assert_eq!(listed["count"], 1);
    let assignments = ctx
        .read(&env, &format!("applicationRoles/{role_id}/assignments"))
        .await;
    assert_eq!(
        assignments["_embedded"]["assignments"][0]["id"],
        user_id.as_str()
    );

    // Rejections: duplicates, unknown references, bad bodies, unknown owners.
    let (status, body) = ctx
        .call("POST", &user_roles, Some(json!({"id": role_id})))
        .await;
    assert_eq!(status, 400);
    assert_eq!(codes(&body), [("UNIQUENESS_VIOLATION".into(), "id".into())]);
    let (status, body) = ctx
        .call("POST", &user_roles, Some(json!({"id": uuid()})))
        .await;
    assert_eq!(status, 400);
    assert_eq!(codes(&body), [("INVALID_VALUE".into(), "id".into())]);
    let (status, body) = ctx.call("POST", &user_roles, Some(json!({}))).await;
    assert_eq!(status, 400);
    assert_eq!(codes(&body), [("REQUIRED_VALUE".into(), "id".into())]);
    let malformed = ctx
        .request(reqwest::Method::POST, &user_roles)
        .header("Content-Type", "application/json")
        .body("{not json");
    let (status, body) = send(malformed).await;
    assert_eq!(
        (status.as_u16(), &body["code"]),
        (400, &json!("INVALID_REQUEST"))
    );
    let (status, _) = ctx
        .call("POST", &role_permissions, Some(json!({"id": role_id})))
        .await;
    assert_eq!(status, 400, "a role is not a permission");
    let nobody = format!("/environments/{env}/users/{}/applicationRoles", uuid());
    let (status, _) = ctx
        .call("POST", &nobody, Some(json!({"id": role_id})))
        .await;
    assert_eq!(status, 404);
    let no_role = format!(
        "/environments/{env}/applicationRoles/{}/permissions",
        uuid()
    );
    let (status, _) = ctx.call("GET", &no_role, None).await;
    assert_eq!(status, 404);
    let (status, body) = ctx
        .call(
            "POST",
            &format!("/environments/{env}/applicationRoles"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(codes(&body), [("REQUIRED_VALUE".into(), "name".into())]);

    // Unassigning, and deleting the role, leave no assignment behind.
    let (status, _) = ctx
        .call("DELETE", &format!("{user_roles}/{role_id}"), None)
        .await;
    assert_eq!(status, 204);
    let (status, _) = ctx
        .call("DELETE", &format!("{user_roles}/{role_id}"), None)
        .await;
    assert_eq!(status, 404);
    ctx.post(&user_roles, json!({"id": role_id})).await;
    let (status, _) = ctx
        .call(
            "DELETE",
            &format!("/environments/{env}/applicationRoles/{role_id}"),
            None,
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(ctx.get(&user_roles).await["count"], 0);
}

#[tokio::test]
async fn a_users_token_carries_the_permissions_of_their_roles() {
    let (ctx, env) = start().await;
    let (resource, permissions) = invoices(&ctx, &env, true).await;
    let role_id = role(&ctx, &env).await;
    for permission in &permissions {
        ctx.create(
            &env,
            &format!("applicationRoles/{role_id}/permissions"),
            json!({"id": permission}),
        )
        .await;
    }
    let (app, secret) = ctx.code_app(&env, "CLIENT_SECRET_BASIC").await;
    let name = ctx.read(&env, &format!("resources/{resource}")).await["name"].clone();
    ctx.grant(&env, &app, name.as_str().unwrap(), &["invoices:use"])
        .await;
    let (user_id, username) = ctx.user(&env, json!({})).await;
    let (other_id, other) = ctx.user(&env, json!({})).await;
    ctx.create(
        &env,
        &format!("users/{user_id}/applicationRoles"),
        json!({"id": role_id}),
    )
    .await;

    let scope = [("scope", "openid invoices:use")];
    let token = |username: String| {
        let (ctx, env, app, secret) = (&ctx, &env, &app, &secret);
        async move {
            let code = SignIn::new(ctx, env).code_for(app, &username, &scope).await;
            let (status, body) = Tokens::new(ctx, env)
                .redeem(&code, Auth::Basic(app, secret))
                .await;
            assert_eq!(status, 200, "{body}");
            body["access_token"].as_str().unwrap().to_string()
        }
    };
    let access_token = token(username.clone()).await;
    let claims = verify(&ctx, &env, &access_token).await;
    assert_eq!(claims["sub"], user_id.as_str());
    assert_eq!(
        claims["p1.permissions"],
        json!(["invoices:read", "invoices:pay"])
    );
    let introspection = ctx.introspect(&env, (&app, &secret), &access_token).await;
    assert_eq!(
        introspection["p1.permissions"],
        json!(["invoices:read", "invoices:pay"])
    );

    // A user without the role gets the claim, empty.
    let claims = verify(&ctx, &env, &token(other).await).await;
    assert_eq!(claims["sub"], other_id.as_str());
    assert_eq!(claims["p1.permissions"], json!([]));

    // With the claim off, no claim.
    let path = format!("/environments/{env}/resources/{resource}");
    let (status, _) = ctx
        .call(
            "PATCH",
            &path,
            Some(json!({"applicationPermissionsSettings": {"claimEnabled": false}})),
        )
        .await;
    assert_eq!(status, 200);
    let claims = verify(&ctx, &env, &token(username).await).await;
    assert!(claims.get("p1.permissions").is_none());

    let (status, body) = ctx
        .call(
            "PATCH",
            &path,
            Some(json!({"applicationPermissionsSettings": {"claimEnabled": "yes"}})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        codes(&body),
        [(
            "INVALID_VALUE".into(),
            "applicationPermissionsSettings.claimEnabled".into()
        )]
    );
}

//! The user password and MFA switch answer only the methods PingOne documents: the
//! password is set and changed by PUT, checked and recovered by POST; `mfaEnabled` is PUT.

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

const PASSWORD_CHECK: &str = "application/vnd.pingidentity.password.check+json";

#[tokio::test]
async fn password_actions_take_their_documented_method() {
    let (ctx, env) = start().await;
    let (user_id, _) = ctx.user(&env, json!({})).await;
    let path = format!("/environments/{env}/users/{user_id}/password");
    let set = json!({"value": PASSWORD, "forceChange": false}).to_string();
    let check = json!({"password": PASSWORD}).to_string();
    let with = |method: Method, media: &str, body: &str| {
        ctx.request(method, &path)
            .header("content-type", media)
            .body(body.to_string())
    };

    let (status, body) = send(with(Method::PUT, PASSWORD_SET, &set)).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = send(with(Method::POST, PASSWORD_SET, &set)).await;
    assert_eq!(status, 405);
    assert_eq!(body["code"], "INVALID_REQUEST");

    assert_eq!(
        send(with(Method::POST, PASSWORD_CHECK, &check)).await.0,
        200
    );
    assert_eq!(send(with(Method::PUT, PASSWORD_CHECK, &check)).await.0, 405);

    let unknown = "application/vnd.pingidentity.password.guess+json";
    assert_eq!(send(with(Method::PUT, unknown, &set)).await.0, 415);
    assert_eq!(send(with(Method::DELETE, PASSWORD_SET, "")).await.0, 405);
    let nobody = format!("/environments/{env}/users/{}/password", uuid());
    let request = ctx
        .request(Method::POST, &nobody)
        .header("content-type", PASSWORD_SET)
        .body(set);
    assert_eq!(send(request).await.0, 404);
}

#[tokio::test]
async fn mfa_enabled_is_put() {
    let (ctx, env) = start().await;
    let (user_id, _) = ctx.user(&env, json!({})).await;
    let path = format!("/environments/{env}/users/{user_id}/mfaEnabled");
    let on = json!({"mfaEnabled": true});

    let (status, body) = ctx.call("POST", &path, Some(on.clone())).await;
    assert_eq!(status, 405);
    assert_eq!(body["code"], "INVALID_REQUEST");
    assert_eq!(
        ctx.read(&env, &format!("users/{user_id}/mfaEnabled")).await["mfaEnabled"],
        false
    );

    let (status, body) = ctx.call("PUT", &path, Some(on)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["mfaEnabled"], true);
    assert_eq!(ctx.call("DELETE", &path, None).await.0, 405);
}

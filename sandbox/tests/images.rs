//! Images: raw-byte uploads, their stored original served back, and a user's photo.

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

/// A 1x1 GIF with no colour table (every byte ASCII, as a text body can carry).
const GIF: &[u8] =
    b"GIF89a\x01\x00\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

async fn upload(
    ctx: &Ctx,
    env: &str,
    media: &str,
    body: Vec<u8>,
) -> (reqwest::StatusCode, serde_json::Value) {
    let request = ctx
        .request(Method::POST, &format!("/environments/{env}/images"))
        .header("Content-Type", media)
        .header("Content-Disposition", "attachment; filename=userimg.gif")
        .body(body);
    send(request).await
}

#[tokio::test]
async fn an_uploaded_image_is_stored_served_and_set_as_a_users_photo() {
    let (ctx, env) = start().await;
    let (status, image) = upload(&ctx, &env, "image/gif", GIF.to_vec()).await;
    assert_eq!(status, 201, "{image}");
    let original = &image["targets"]["original"];
    assert_eq!(original["id"], "original");
    assert_eq!(original["type"], "gif");
    assert_eq!(
        (original["width"].as_u64(), original["height"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(image["environment"]["id"], env.as_str());
    let id = image["id"].as_str().unwrap();
    let href = original["href"].as_str().unwrap().to_string();

    let served = ctx.http.get(&href).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/gif");
    assert_eq!(&served.bytes().await.unwrap()[..], GIF);
    assert_eq!(
        ctx.read(&env, &format!("images/{id}")).await["targets"],
        image["targets"]
    );

    let (user_id, _) = ctx.user(&env, json!({})).await;
    let user = format!("/environments/{env}/users/{user_id}");
    let (status, body) = ctx
        .call("PATCH", &user, Some(json!({"photo": {"href": href}})))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ctx.get(&user).await["photo"]["href"], href.as_str());
    let (status, body) = ctx
        .call(
            "PATCH",
            &user,
            Some(json!({"photo": {"href": "not a url"}})),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["details"][0]["target"], "photo.href");

    // Images are replaced, not edited; deleting one stops serving it.
    let (status, _) = ctx
        .call(
            "PUT",
            &format!("/environments/{env}/images/{id}"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 405);
    let (status, _) = ctx
        .call("DELETE", &format!("/environments/{env}/images/{id}"), None)
        .await;
    assert_eq!(status, 204);
    assert_eq!(ctx.http.get(&href).send().await.unwrap().status(), 404);
    let (status, _) = ctx
        .call("GET", &format!("/environments/{env}/images/{id}"), None)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn uploads_that_are_not_images_are_refused() {
    let (ctx, env) = start().await;
    let (status, body) = upload(&ctx, &env, "image/jpeg", b"plain text".to_vec()).await;
    assert_eq!(
        (status.as_u16(), &body["code"]),
        (400, &json!("INVALID_DATA"))
    );
    assert_eq!(body["details"][0]["target"], "file");
    let (status, body) = upload(&ctx, &env, "image/png", Vec::new()).await;
    assert_eq!(status, 400);
    assert_eq!(body["details"][0]["code"], "REQUIRED_VALUE");
    let (status, _) = upload(&ctx, &env, "application/json", b"{}".to_vec()).await;
    assert_eq!(status, 415);
    let mut large = GIF.to_vec();
    large.resize(2 * 1024 * 1024 + 1, 0);
    let (status, body) = upload(&ctx, &env, "image/gif", large).await;
    assert_eq!(status, 400);
    assert_eq!(body["details"][0]["code"], "SIZE_LIMIT_EXCEEDED");
    let unknown = format!("/environments/{}/images", uuid());
    let request = ctx
        .request(Method::POST, &unknown)
        .header("Content-Type", "image/gif")
        .body(GIF.to_vec());
    assert_eq!(send(request).await.0, 404);
}

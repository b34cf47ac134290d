//! The integration catalog over HTTP: integrations and versions listed and filtered, read
//! only, and a version's kit downloaded through a short-lived redirect.

mod common;

use common::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

async fn mfa_kit(ctx: &Ctx, env: &str) -> (String, Value) {
    let filter = "name%20sw%20%22PingOne%20MFA%22";
    let listed = ctx
        .read(env, &format!("integrations?filter={filter}"))
        .await;
    assert_eq!(listed["count"], 1);
    let integration = &listed["_embedded"]["integrations"][0];
    assert_eq!(integration["publisher"], "Ping Identity");
    let id = integration["id"].as_str().unwrap().to_string();
    let versions = ctx.read(env, &format!("integrations/{id}/versions")).await;
    let version = versions["_embedded"]["versions"][0].clone();
    assert_eq!(version["integration"]["id"], id.as_str());
    assert_eq!(version["type"], "PRODUCT_INTEGRATION_KIT");
    (id, version)
}

#[tokio::test]
async fn the_catalog_is_listed_filtered_and_read_only() {
    let (ctx, env) = start().await;
    let all = ctx.read(&env, "integrations").await;
    assert!(all["count"].as_u64().unwrap() >= 2);
    let (id, version) = mfa_kit(&ctx, &env).await;
    let version_id = version["id"].as_str().unwrap();
    let read = ctx
        .read(&env, &format!("integrations/{id}/versions/{version_id}"))
        .await;
    assert_eq!(read["number"], version["number"]);

    let path = format!("/environments/{env}/integrations");
    let (status, _) = ctx.call("POST", &path, Some(json!({"name": "mine"}))).await;
    assert_eq!(status, 405);
    let (status, _) = ctx.call("DELETE", &format!("{path}/{id}"), None).await;
    assert_eq!(status, 405);
    let (status, body) = ctx.call("GET", &format!("{path}/{}", uuid()), None).await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (404, Some("NOT_FOUND"))
    );
    let (status, body) = ctx
        .call("GET", &format!("{path}?filter=name%20lt%20%22x%22"), None)
        .await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (400, Some("INVALID_DATA"))
    );
}

#[tokio::test]
async fn a_kit_downloads_through_a_short_lived_link() {
    let (ctx, env) = start().await;
    let (id, version) = mfa_kit(&ctx, &env).await;
    let version_id = version["id"].as_str().unwrap();
    let asset = format!("/environments/{env}/integrations/{id}/versions/{version_id}/asset");
    let response = ctx
        .request(reqwest::Method::GET, &asset)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 307);
    let location = response.headers()["location"].to_str().unwrap().to_string();

    // The link needs no token, as a presigned URL needs none.
    let download = ctx.http.get(&location).send().await.unwrap();
    assert_eq!(download.status(), 200);
    let headers = download.headers().clone();
    assert_eq!(headers["content-type"], "application/zip");
    let filename = format!(
        "{}-{}.zip",
        version["name"].as_str().unwrap(),
        version["number"].as_str().unwrap()
    );
    assert_eq!(
        headers["content-disposition"].to_str().unwrap(),
        format!("attachment;filename={filename}")
    );
    let bytes = download.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"));
    let hash: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        headers["x-amz-meta-etag"].to_str().unwrap(),
        format!("sha256={hash}")
    );
    assert_eq!(
        headers["content-length"].to_str().unwrap(),
        bytes.len().to_string()
    );

    // The same version always has the same bytes.
    let again = ctx
        .request(reqwest::Method::GET, &asset)
        .send()
        .await
        .unwrap();
    let location_again = again.headers()["location"].to_str().unwrap().to_string();
    assert_ne!(location, location_again);
    let bytes_again = ctx
        .http
        .get(&location_again)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes, bytes_again);

    let forged = format!(
        "{}/sandbox/environments/{env}/assets/{}",
        ctx.sandbox.api_path().trim_end_matches("/v1"),
        uuid()
    );
    assert_eq!(ctx.http.get(&forged).send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn a_version_must_belong_to_the_integration() {
    let (ctx, env) = start().await;
    let (_, version) = mfa_kit(&ctx, &env).await;
    let version_id = version["id"].as_str().unwrap();
    let all = ctx.read(&env, "integrations").await;
    let other = all["_embedded"]["integrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] != version["integration"]["id"])
        .and_then(|i| i["id"].as_str())
        .unwrap()
        .to_string();
    for path in [
        format!("/environments/{env}/integrations/{other}/versions/{version_id}/asset"),
        format!(
            "/environments/{env}/integrations/{other}/versions/{}/asset",
            uuid()
        ),
    ] {
        let (status, body) = ctx.call("GET", &path, None).await;
        assert_eq!(
            (status.as_u16(), body["code"].as_str()),
            (404, Some("NOT_FOUND"))
        );
    }
}

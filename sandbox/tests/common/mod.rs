//! Shared helpers: a running sandbox, an admin token, and a browser-like client.
#![allow(dead_code)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use caseflow_sandbox::Sandbox;
use reqwest::{Client, StatusCode, redirect};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const PASSWORD: &str = "2FederateM0re!";
pub const REDIRECT: &str = "https://www.example.com/callback";

pub struct Ctx {
    pub sandbox: Sandbox,
    pub http: Client,
    pub token: String,
}

impl Ctx {
    pub fn env(&self) -> &str {
        self.sandbox.env_id()
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}{}", self.sandbox.api_path(), path)
    }

    pub fn auth(&self, env: &str, path: &str) -> String {
        format!("{}/{}{}", self.sandbox.auth_path(), env, path)
    }

    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self
            .http
            .request(method, self.api(path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let (status, value) = self.call("POST", path, Some(body)).await;
        assert!(status.is_success(), "POST {path}: {status} {value}");
        value
    }

    pub async fn get(&self, path: &str) -> Value {
        let (status, value) = self.call("GET", path, None).await;
        assert!(status.is_success(), "GET {path}: {status} {value}");
        value
    }

    /// Creates an OIDC application in `env` and returns (id, secret).
    pub async fn app(&self, env: &str, body: Value) -> (String, String) {
        let app = self
            .post(&format!("/environments/{env}/applications"), body)
            .await;
        let id = app["id"].as_str().expect("app id").to_string();
        let secret = self
            .get(&format!("/environments/{env}/applications/{id}/secret"))
            .await;
        (
            id,
            secret["secret"].as_str().unwrap_or_default().to_string(),
        )
    }

    /// A web app with the given auth method and grants.
    pub async fn web_app(
        &self,
        env: &str,
        auth_method: &str,
        grants: Value,
        responses: Value,
    ) -> (String, String) {
        self.app(
            env,
            json!({
                "name": format!("app-{}", uuid()), "enabled": true, "type": "WEB_APP", "protocol": "OPENID_CONNECT",
                "grantTypes": grants, "responseTypes": responses, "redirectUris": [REDIRECT],
                "tokenEndpointAuthMethod": auth_method, "pkceEnforcement": "OPTIONAL",
            }),
        )
        .await
    }

    /// The usual app of these tests: a web app with the authorization code grant.
    pub async fn code_app(&self, env: &str, auth_method: &str) -> (String, String) {
        self.web_app(
            env,
            auth_method,
            json!(["AUTHORIZATION_CODE"]),
            json!(["CODE"]),
        )
        .await
    }

    /// A user with a password; returns (id, username).
    pub async fn user(&self, env: &str, extra: Value) -> (String, String) {
        let username = format!("user-{}", uuid());
        let mut body = json!({"username": username, "email": format!("{username}@example.com"), "name": {"given": "Jo", "family": "Doe"}});
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        let user = self.post(&format!("/environments/{env}/users"), body).await;
        let id = user["id"].as_str().expect("user id").to_string();
        let response = self
            .http
            .put(self.api(&format!("/environments/{env}/users/{id}/password")))
            .bearer_auth(&self.token)
            .header(
                "content-type",
                "application/vnd.pingidentity.password.set+json",
            )
            .body(json!({"value": PASSWORD, "forceChange": false}).to_string())
            .send()
            .await
            .expect("password");
        assert_eq!(response.status(), 200);
        (id, username)
    }

    /// Grants scopes of a resource (by resource name) to an application.
    pub async fn grant(&self, env: &str, app: &str, resource_name: &str, scopes: &[&str]) -> Value {
        let resources = self.get(&format!("/environments/{env}/resources")).await;
        let resource = resources["_embedded"]["resources"]
            .as_array()
            .and_then(|list| list.iter().find(|r| r["name"] == resource_name))
            .cloned()
            .expect("resource");
        let resource_id = resource["id"].as_str().expect("id");
        let listed = self
            .get(&format!(
                "/environments/{env}/resources/{resource_id}/scopes"
            ))
            .await;
        let ids: Vec<Value> = listed["_embedded"]["scopes"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter(|s| scopes.iter().any(|n| s["name"] == *n))
                    .map(|s| json!({"id": s["id"]}))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(ids.len(), scopes.len(), "scopes {scopes:?}");
        self.post(
            &format!("/environments/{env}/applications/{app}/grants"),
            json!({"resource": {"id": resource_id}, "scopes": ids}),
        )
        .await
    }

    /// Introspects a token with the resource's own credentials (id + `/secret`).
    pub async fn introspect_as_resource(&self, env: &str, resource_id: &str, token: &str) -> Value {
        let secret = self
            .get(&format!(
                "/environments/{env}/resources/{resource_id}/secret"
            ))
            .await;
        self.http
            .post(self.auth(env, "/as/introspect"))
            .basic_auth(resource_id, secret["secret"].as_str())
            .form(&[("token", token)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn outbox(&self, env: &str, user_id: &str) -> Vec<Value> {
        let url = format!(
            "{}/sandbox/environments/{env}/outbox?userId={user_id}",
            self.sandbox.base_url()
        );
        let body: Value = self
            .http
            .get(url)
            .send()
            .await
            .expect("outbox")
            .json()
            .await
            .expect("json");
        body["_embedded"]["messages"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

pub fn uuid() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_string()
}

pub fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .build()
        .expect("client")
}

pub async fn start() -> Ctx {
    let sandbox = Sandbox::start(0).await.expect("sandbox");
    let http = Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .expect("client");
    let token = worker_token(
        &http,
        &sandbox,
        sandbox.env_id(),
        sandbox.admin_client_id(),
        sandbox.admin_client_secret(),
    )
    .await;
    Ctx {
        sandbox,
        http,
        token,
    }
}

pub async fn worker_token(
    http: &Client,
    sandbox: &Sandbox,
    env: &str,
    id: &str,
    secret: &str,
) -> String {
    let response = http
        .post(format!("{}/{env}/as/token", sandbox.auth_path()))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

/// Query (or fragment) parameter of a URL.
pub fn param(url: &str, name: &str) -> Option<String> {
    let parsed = url::Url::parse(&url.replace('#', "?")).ok()?;
    parsed
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

pub fn pkce() -> (String, String) {
    let verifier = format!("{}{}{}", uuid(), uuid(), uuid()) + "-verifier-abc";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// Starts a redirect-mode authorize request; returns the flow id.
pub async fn authorize(ctx: &Ctx, browser: &Client, env: &str, query: &[(&str, &str)]) -> String {
    let response = browser
        .get(ctx.auth(env, "/as/authorize"))
        .query(query)
        .send()
        .await
        .expect("authorize");
    assert_eq!(
        response.status(),
        302,
        "authorize: {:?}",
        response.text().await
    );
    let location = location(&response);
    param(&location, "flowId").expect("flowId")
}

pub async fn flow_get(ctx: &Ctx, browser: &Client, env: &str, flow: &str) -> Value {
    let response = browser
        .get(ctx.auth(env, &format!("/flows/{flow}")))
        .send()
        .await
        .expect("flow");
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

pub async fn flow_post(
    ctx: &Ctx,
    browser: &Client,
    env: &str,
    flow: &str,
    action: &str,
    body: Value,
) -> (StatusCode, Value) {
    let response = browser
        .post(ctx.auth(env, &format!("/flows/{flow}")))
        .header(
            "content-type",
            format!("application/vnd.pingidentity.{action}+json"),
        )
        .body(body.to_string())
        .send()
        .await
        .expect("flow action");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Resumes a completed flow; returns the redirect Location.
pub async fn resume(ctx: &Ctx, browser: &Client, env: &str, flow: &str) -> String {
    let response = browser
        .get(ctx.auth(env, "/as/resume"))
        .query(&[("flowId", flow)])
        .send()
        .await
        .expect("resume");
    assert_eq!(
        response.status(),
        302,
        "resume: {:?}",
        response.text().await
    );
    location(&response)
}

/// Signs a user in through authorize -> flow -> resume; returns the code.
pub async fn login_code(
    ctx: &Ctx,
    browser: &Client,
    env: &str,
    app: &str,
    username: &str,
    extra: &[(&str, &str)],
) -> String {
    let mut query = vec![
        ("client_id", app),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("scope", "openid"),
    ];
    query.extend_from_slice(extra);
    let flow = authorize(ctx, browser, env, &query).await;
    let (status, body) = flow_post(
        ctx,
        browser,
        env,
        &flow,
        "usernamePassword.check",
        json!({"username": username, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "COMPLETED", "{body}");
    let location = resume(ctx, browser, env, &flow).await;
    param(&location, "code").expect("code")
}

pub async fn token(
    ctx: &Ctx,
    env: &str,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> (StatusCode, Value) {
    let mut request = ctx.http.post(ctx.auth(env, "/as/token")).form(form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.expect("token");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Verifies a JWT against the environment's JWKS and returns its claims.
pub async fn verify(ctx: &Ctx, env: &str, jwt: &str) -> Value {
    let jwks: Value = ctx
        .http
        .get(ctx.auth(env, "/as/jwks"))
        .send()
        .await
        .expect("jwks")
        .json()
        .await
        .expect("json");
    let key = &jwks["keys"][0];
    let header = jsonwebtoken::decode_header(jwt).expect("header");
    assert_eq!(header.kid.as_deref(), key["kid"].as_str());
    let decoding = jsonwebtoken::DecodingKey::from_rsa_components(
        key["n"].as_str().expect("n"),
        key["e"].as_str().expect("e"),
    )
    .expect("key");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.validate_aud = false;
    validation.set_issuer(&[format!("{}/{env}/as", ctx.sandbox.base_url())]);
    jsonwebtoken::decode::<Value>(jwt, &decoding, &validation)
        .expect("valid signature")
        .claims
}

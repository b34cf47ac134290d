//! Shared helpers: a running sandbox with an admin token ([`Ctx`]), a browser signing a
//! user in ([`SignIn`]), token requests ([`Tokens`]) and JWT verification against the JWKS.
#![allow(dead_code)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use caseflow_sandbox::Sandbox;
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode, redirect};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

mod sign_in;
mod tokens;

// Each test binary uses some of these.
#[allow(unused_imports)]
pub use sign_in::SignIn;
#[allow(unused_imports)]
pub use tokens::{Auth, Tokens, verify};

pub const PASSWORD: &str = "2FederateM0re!";
pub const REDIRECT: &str = "https://www.example.com/callback";
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
pub const PASSWORD_SET: &str = "application/vnd.pingidentity.password.set+json";

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

    /// A management API request with the admin token.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.api(path))
            .bearer_auth(&self.token)
    }

    /// `GET` on the management API with another token (or none).
    pub async fn get_as(&self, token: Option<&str>, path: &str) -> Response {
        let mut request = self.http.get(self.api(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request")
    }

    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        send(request).await
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

    /// `POST /environments/{env}/{path}`: creates a resource there; asserts it is created.
    pub async fn create(&self, env: &str, path: &str, body: Value) -> Value {
        self.post(&format!("/environments/{env}/{path}"), body)
            .await
    }

    /// `GET /environments/{env}/{path}`; asserts it is found.
    pub async fn read(&self, env: &str, path: &str) -> Value {
        self.get(&format!("/environments/{env}/{path}")).await
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

    /// A code-flow web app that can also refresh its tokens (HTTP Basic client).
    pub async fn refreshing_app(&self, env: &str) -> (String, String) {
        let grants = json!(["AUTHORIZATION_CODE", "REFRESH_TOKEN"]);
        self.web_app(env, "CLIENT_SECRET_BASIC", grants, json!(["CODE"]))
            .await
    }

    /// A worker application in `env` that assigns no roles to its creator; (id, secret).
    pub async fn worker(&self, env: &str, name: &str) -> (String, String) {
        self.app(env, json!({"name": name, "enabled": true, "type": "WORKER", "protocol": "OPENID_CONNECT", "tokenEndpointAuthMethod": "CLIENT_SECRET_BASIC", "assignActorRoles": false}))
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
        let (status, _) = self
            .set_password(
                env,
                &id,
                &json!({"value": PASSWORD, "forceChange": false}).to_string(),
            )
            .await;
        assert_eq!(status, 200);
        (id, username)
    }

    /// `PUT .../users/{id}/password` with the `password.set` media type and `body` as sent.
    pub async fn set_password(&self, env: &str, user: &str, body: &str) -> (StatusCode, Value) {
        let path = format!("/environments/{env}/users/{user}/password");
        send(
            self.request(Method::PUT, &path)
                .header("content-type", PASSWORD_SET)
                .body(body.to_string()),
        )
        .await
    }

    /// A new environment of the sandbox's organization (its creator administers it).
    pub async fn environment(&self) -> String {
        let licenses = self
            .get(&format!(
                "/organizations/{}/licenses",
                self.sandbox.org_id()
            ))
            .await;
        let license = licenses["_embedded"]["licenses"][0]["id"].clone();
        let env = self
            .post(
                "/environments",
                json!({"name": format!("env-{}", uuid()), "type": "SANDBOX", "region": "NA", "license": {"id": license}}),
            )
            .await;
        env["id"].as_str().unwrap().to_string()
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

    /// A custom resource with scopes and `(name, value)` attributes; returns its id.
    pub async fn resource(
        &self,
        env: &str,
        body: Value,
        scopes: &[&str],
        attributes: &[(&str, &str)],
    ) -> String {
        let resource = self
            .post(&format!("/environments/{env}/resources"), body)
            .await;
        let id = resource["id"].as_str().expect("resource id").to_string();
        let path = format!("/environments/{env}/resources/{id}");
        for scope in scopes {
            self.post(&format!("{path}/scopes"), json!({"name": scope}))
                .await;
        }
        for (name, value) in attributes {
            self.post(
                &format!("{path}/attributes"),
                json!({"name": name, "value": value}),
            )
            .await;
        }
        id
    }

    /// Introspects a token with the resource's own credentials (id + `/secret`).
    pub async fn introspect_as_resource(&self, env: &str, resource_id: &str, token: &str) -> Value {
        let secret = self
            .read(env, &format!("resources/{resource_id}/secret"))
            .await;
        let secret = secret["secret"].as_str().unwrap_or_default();
        self.introspect(env, (resource_id, secret), token).await
    }

    /// `POST /as/introspect` authenticated with HTTP Basic `(id, secret)`; the answer.
    pub async fn introspect(&self, env: &str, (id, secret): (&str, &str), token: &str) -> Value {
        let request = self
            .http
            .post(self.auth(env, "/as/introspect"))
            .basic_auth(id, Some(secret))
            .form(&[("token", token)]);
        let (status, body) = send(request).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// `GET /as/userinfo` with a bearer token.
    pub async fn userinfo(&self, env: &str, access_token: &str) -> Response {
        self.http
            .get(self.auth(env, "/as/userinfo"))
            .bearer_auth(access_token)
            .send()
            .await
            .expect("userinfo")
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

    /// The code of `username`'s password sign-in at `app`'s usual code flow.
    pub async fn sign_in_code(&self, env: &str, app: &str, username: &str) -> String {
        SignIn::new(self, env).code_for(app, username, &[]).await
    }

    /// A client credentials token of `env`'s application (id, secret); asserts it is issued.
    pub async fn worker_token(&self, env: &str, id: &str, secret: &str) -> String {
        let (status, body) = Tokens::new(self, env)
            .client_credentials(&[], Auth::Basic(id, secret))
            .await;
        assert_eq!(status, 200, "{body}");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }
}

/// A policy with the given actions assigned to a new web app; returns the app id.
pub async fn app_with_policy(ctx: &Ctx, env: &str, actions: Vec<Value>) -> String {
    let (app, _) = ctx.code_app(env, "CLIENT_SECRET_BASIC").await;
    let policy = ctx.create(env, "signOnPolicies", named("policy")).await;
    let policy_id = policy["id"].as_str().unwrap();
    let policy_actions = format!("signOnPolicies/{policy_id}/actions");
    for action in actions {
        ctx.create(env, &policy_actions, action).await;
    }
    let assignments = format!("applications/{app}/signOnPolicyAssignments");
    let assignment = json!({"signOnPolicy": {"id": policy_id}, "priority": 1});
    ctx.create(env, &assignments, assignment).await;
    app
}

/// Sends a request; returns its status and JSON body (`Null` when it has none).
pub async fn send(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("request");
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// `{"name": "<prefix>-<unique>"}`, the body of many creates.
pub fn named(prefix: &str) -> Value {
    json!({"name": format!("{prefix}-{}", uuid())})
}

/// The `target` of each entry of an error's `details`.
pub fn targets(body: &Value) -> Vec<String> {
    body["details"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["target"].as_str().map(str::to_string))
        .collect()
}

pub fn uuid() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_string()
}

/// A client with its own cookie jar that does not follow redirects.
pub fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .build()
        .expect("client")
}

/// A sandbox on a free port, with an admin token from its seeded worker, and the id of
/// its admin environment. Dropping the `Ctx` stops the sandbox.
pub async fn start() -> (Ctx, String) {
    let sandbox = Sandbox::start(0).await.expect("sandbox");
    let http = Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .expect("client");
    let mut ctx = Ctx {
        sandbox,
        http,
        token: String::new(),
    };
    let (env, id, secret) = (
        ctx.env().to_string(),
        ctx.sandbox.admin_client_id().to_string(),
        ctx.sandbox.admin_client_secret().to_string(),
    );
    ctx.token = ctx.worker_token(&env, &id, &secret).await;
    (ctx, env)
}

/// Query (or fragment) parameter of a URL.
pub fn param(url: &str, name: &str) -> Option<String> {
    let parsed = url::Url::parse(&url.replace('#', "?")).ok()?;
    parsed
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

pub fn location(response: &Response) -> String {
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

/// `defaults` with `overrides` replacing the values of the same names, the others appended.
pub(crate) fn merged<'a>(
    mut defaults: Vec<(&'a str, &'a str)>,
    overrides: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    for (name, value) in overrides {
        match defaults.iter_mut().find(|(n, _)| n == name) {
            Some(pair) => pair.1 = *value,
            None => defaults.push((*name, *value)),
        }
    }
    defaults
}

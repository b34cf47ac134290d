//! Shared helpers: a running sandbox with an admin token ([`Ctx`]), a browser signing a
//! user in ([`SignIn`]), token requests ([`Tokens`]) and JWT verification against the JWKS.
#![allow(dead_code)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use caseflow_sandbox::Sandbox;
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode, redirect};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

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
fn merged<'a>(
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

/// One browser signing a user in through the sandbox's own endpoints: authorize, the
/// flow's actions, resume. Each `SignIn` has its own cookie jar:
/// `SignIn::new(&ctx, &env).authorize(&app).await.password(&user).await.resume().await`.
#[must_use]
pub struct SignIn<'a> {
    ctx: &'a Ctx,
    pub env: String,
    pub browser: Client,
    /// The flow id, once authorized.
    pub flow: String,
    /// The flow as the last action answered it.
    pub step: Value,
}

impl<'a> SignIn<'a> {
    pub fn new(ctx: &'a Ctx, env: &str) -> SignIn<'a> {
        SignIn::in_browser(ctx, env, browser())
    }

    /// A sign-in in `env` with an existing browser (and so its cookies).
    pub fn in_browser(ctx: &'a Ctx, env: &str, browser: Client) -> SignIn<'a> {
        SignIn {
            ctx,
            env: env.to_string(),
            browser,
            flow: String::new(),
            step: Value::Null,
        }
    }

    pub fn ctx(&self) -> &'a Ctx {
        self.ctx
    }

    /// `path` under this sign-in's environment (`/as/authorize`, `/rp/...`).
    pub fn url(&self, path: &str) -> String {
        self.ctx.auth(&self.env, path)
    }

    /// `GET /as/authorize` for `app`'s code flow at the usual redirect URI with `openid`,
    /// `query` adding to or replacing those parameters; the raw response.
    pub async fn send_authorize(&self, app: &str, query: &[(&str, &str)]) -> Response {
        let defaults = vec![
            ("client_id", app),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", "openid"),
        ];
        self.browser
            .get(self.ctx.auth(&self.env, "/as/authorize"))
            .query(&merged(defaults, query))
            .send()
            .await
            .expect("authorize")
    }

    /// Starts the code flow of `app`; asserts the redirect to the sign-on page.
    pub async fn authorize(self, app: &str) -> SignIn<'a> {
        self.authorize_with(app, &[]).await
    }

    /// Like [`SignIn::authorize`], with parameters added or replaced.
    pub async fn authorize_with(mut self, app: &str, query: &[(&str, &str)]) -> SignIn<'a> {
        let response = self.send_authorize(app, query).await;
        assert_eq!(
            response.status(),
            302,
            "authorize: {:?}",
            response.text().await
        );
        self.flow = param(&location(&response), "flowId").expect("flowId");
        self
    }

    /// The flow as `GET /flows/{id}` shows it.
    pub async fn get(&self) -> Value {
        let response = self
            .browser
            .get(self.ctx.auth(&self.env, &format!("/flows/{}", self.flow)))
            .send()
            .await
            .expect("flow");
        assert_eq!(response.status(), 200);
        response.json().await.expect("json")
    }

    /// Posts a flow action (`otp.check`, `user.consent`, ...); keeps and returns the answer.
    pub async fn act(&mut self, action: &str, body: Value) -> (StatusCode, Value) {
        let (status, step) = send(
            self.browser
                .post(self.ctx.auth(&self.env, &format!("/flows/{}", self.flow)))
                .header(
                    "content-type",
                    format!("application/vnd.pingidentity.{action}+json"),
                )
                .body(body.to_string()),
        )
        .await;
        self.step = step.clone();
        (status, step)
    }

    /// `usernamePassword.check` with the tests' password; asserts it is accepted.
    pub async fn password(&mut self, username: &str) -> &mut SignIn<'a> {
        let body = json!({"username": username, "password": PASSWORD});
        let (status, step) = self.act("usernamePassword.check", body).await;
        assert_eq!(status, 200, "{step}");
        self
    }

    /// The flow's status after the last action.
    pub fn status(&self) -> &str {
        self.step["status"].as_str().unwrap_or_default()
    }

    /// `GET /as/resume`: asserts the redirect and returns where it goes.
    pub async fn resume(&self) -> String {
        let response = self
            .browser
            .get(self.ctx.auth(&self.env, "/as/resume"))
            .query(&[("flowId", self.flow.as_str())])
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

    /// The code of a completed flow, from resume's redirect.
    pub async fn code(&self) -> String {
        assert_eq!(self.status(), "COMPLETED", "{}", self.step);
        param(&self.resume().await, "code").expect("code")
    }

    /// The whole sign-on of `username` at `app` with `query`: returns the code.
    pub async fn code_for(self, app: &str, username: &str, query: &[(&str, &str)]) -> String {
        let mut sign_in = self.authorize_with(app, query).await;
        sign_in.password(username).await.code().await
    }
}

/// How a client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy)]
pub enum Auth<'a> {
    /// HTTP Basic (`CLIENT_SECRET_BASIC`).
    Basic(&'a str, &'a str),
    /// `client_id` and `client_secret` in the form (`CLIENT_SECRET_POST`).
    Post(&'a str, &'a str),
    /// `client_id` alone (public clients).
    Public(&'a str),
    /// A `client_assertion` (`CLIENT_SECRET_JWT`).
    Assertion(&'a str),
}

/// The token endpoint of one environment.
pub struct Tokens<'a> {
    ctx: &'a Ctx,
    env: String,
}

impl<'a> Tokens<'a> {
    pub fn new(ctx: &'a Ctx, env: &str) -> Tokens<'a> {
        Tokens {
            ctx,
            env: env.to_string(),
        }
    }

    /// `POST /as/token` with `form`, the client authenticating by `auth`.
    pub async fn request(&self, form: &[(&str, &str)], auth: Auth<'_>) -> (StatusCode, Value) {
        let mut form = form.to_vec();
        let mut request = self.ctx.http.post(self.ctx.auth(&self.env, "/as/token"));
        match auth {
            Auth::Basic(id, secret) => request = request.basic_auth(id, Some(secret)),
            Auth::Post(id, secret) => form.extend([("client_id", id), ("client_secret", secret)]),
            Auth::Public(id) => form.push(("client_id", id)),
            Auth::Assertion(jwt) => form.extend([
                ("client_assertion_type", JWT_BEARER),
                ("client_assertion", jwt),
            ]),
        }
        send(request.form(&form)).await
    }

    /// Redeems `code` at the usual redirect URI.
    pub async fn redeem(&self, code: &str, auth: Auth<'_>) -> (StatusCode, Value) {
        self.redeem_with(code, &[], auth).await
    }

    /// Redeems `code`, `form` adding parameters or replacing the redirect URI.
    pub async fn redeem_with(
        &self,
        code: &str,
        form: &[(&str, &str)],
        auth: Auth<'_>,
    ) -> (StatusCode, Value) {
        let defaults = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
        ];
        self.request(&merged(defaults, form), auth).await
    }

    pub async fn refresh(&self, refresh_token: &str, auth: Auth<'_>) -> (StatusCode, Value) {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ];
        self.request(&form, auth).await
    }

    /// `grant_type=client_credentials` with `form` added (a `scope`).
    pub async fn client_credentials(
        &self,
        form: &[(&str, &str)],
        auth: Auth<'_>,
    ) -> (StatusCode, Value) {
        let defaults = vec![("grant_type", "client_credentials")];
        self.request(&merged(defaults, form), auth).await
    }
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

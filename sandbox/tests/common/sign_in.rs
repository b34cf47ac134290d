//! [`SignIn`]: a browser signing a user in through authorize, the flow and resume.

use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

use super::{Ctx, PASSWORD, REDIRECT, browser, location, merged, param, send};

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

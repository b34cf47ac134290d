//! Load run: N concurrent full login flows (authorize -> flow -> login -> resume -> token)
//! against an embedded sandbox on loopback. Every flow has its own cookie jar.
//!
//! `cargo run --release -p caseflow-sandbox --example load -- 1000`

use std::time::{Duration, Instant};

use reqwest::{Client, redirect};
use serde_json::{Value, json};

const PASSWORD: &str = "2FederateM0re!";
const REDIRECT: &str = "https://www.example.com/callback";

/// A query parameter of the redirect a response answers with.
fn redirect_param(response: &reqwest::Response, name: &str) -> anyhow::Result<String> {
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| anyhow::anyhow!("no redirect ({})", response.status()))?;
    url::Url::parse(location)?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| anyhow::anyhow!("no {name} in {location}"))
}

/// One full sign-on; returns the number of HTTP requests it made.
async fn login(
    base: &str,
    env: &str,
    app: &str,
    secret: &str,
    username: &str,
) -> anyhow::Result<u32> {
    let browser = Client::builder()
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()?;
    let response = browser
        .get(format!("{base}/{env}/as/authorize"))
        .query(&[
            ("client_id", app),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", "openid"),
        ])
        .send()
        .await?;
    anyhow::ensure!(response.status() == 302, "authorize: {}", response.status());
    let flow = redirect_param(&response, "flowId")?;
    let flow_url = format!("{base}/{env}/flows/{flow}");
    let current: Value = browser.get(&flow_url).send().await?.json().await?;
    anyhow::ensure!(
        current["status"] == "USERNAME_PASSWORD_REQUIRED",
        "flow: {current}"
    );
    let done: Value = browser
        .post(&flow_url)
        .header(
            "content-type",
            "application/vnd.pingidentity.usernamePassword.check+json",
        )
        .body(json!({"username": username, "password": PASSWORD}).to_string())
        .send()
        .await?
        .json()
        .await?;
    anyhow::ensure!(done["status"] == "COMPLETED", "login: {done}");
    let response = browser
        .get(format!("{base}/{env}/as/resume"))
        .query(&[("flowId", flow.as_str())])
        .send()
        .await?;
    let code = redirect_param(&response, "code")?;
    let response = browser
        .post(format!("{base}/{env}/as/token"))
        .basic_auth(app, Some(secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await?;
    anyhow::ensure!(response.status() == 200, "token: {}", response.status());
    Ok(5)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let flows: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let sandbox = caseflow_sandbox::Sandbox::start(0).await?;
    let base = sandbox.base_url().to_string();
    let env = sandbox.env_id().to_string();
    let admin = Client::new();
    let token: Value = admin
        .post(format!("{base}/{env}/as/token"))
        .basic_auth(
            sandbox.admin_client_id(),
            Some(sandbox.admin_client_secret()),
        )
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await?
        .json()
        .await?;
    let bearer = token["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let app: Value = admin
        .post(format!("{base}/v1/environments/{env}/applications"))
        .bearer_auth(&bearer)
        .json(&json!({"name": "load", "enabled": true, "type": "WEB_APP", "protocol": "OPENID_CONNECT", "grantTypes": ["AUTHORIZATION_CODE"],
                      "responseTypes": ["CODE"], "redirectUris": [REDIRECT], "tokenEndpointAuthMethod": "CLIENT_SECRET_BASIC"}))
        .send()
        .await?
        .json()
        .await?;
    let app_id = app["id"].as_str().unwrap_or_default().to_string();
    let secret: Value = admin
        .get(format!(
            "{base}/v1/environments/{env}/applications/{app_id}/secret"
        ))
        .bearer_auth(&bearer)
        .send()
        .await?
        .json()
        .await?;
    let secret = secret["secret"].as_str().unwrap_or_default().to_string();
    let mut usernames = Vec::with_capacity(flows);
    for i in 0..flows {
        let username = format!("load-user-{i}");
        let user: Value = admin
            .post(format!("{base}/v1/environments/{env}/users"))
            .bearer_auth(&bearer)
            .json(&json!({"username": username, "email": format!("{username}@example.com"), "password": {"value": PASSWORD}}))
            .send()
            .await?
            .json()
            .await?;
        anyhow::ensure!(user["id"].is_string(), "user: {user}");
        usernames.push(username);
    }
    println!("running {flows} concurrent login flows against {base}");
    let started = Instant::now();
    let tasks: Vec<_> = usernames
        .into_iter()
        .map(|username| {
            let (base, env, app_id, secret) =
                (base.clone(), env.clone(), app_id.clone(), secret.clone());
            tokio::spawn(async move { login(&base, &env, &app_id, &secret, &username).await })
        })
        .collect();
    let (mut ok, mut failed, mut requests) = (0u32, 0u32, 0u32);
    for task in tasks {
        match task.await {
            Ok(Ok(n)) => {
                ok += 1;
                requests += n;
            }
            Ok(Err(err)) => {
                failed += 1;
                eprintln!("flow failed: {err}");
            }
            Err(err) => {
                failed += 1;
                eprintln!("task failed: {err}");
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!("flows ok: {ok}, failed: {failed}, requests: {requests}, elapsed: {elapsed:.2}s");
    println!(
        "throughput: {:.0} requests/s, {:.0} full logins/s",
        f64::from(requests) / elapsed,
        f64::from(ok) / elapsed
    );
    sandbox.shutdown().await;
    anyhow::ensure!(failed == 0, "{failed} flows failed");
    Ok(())
}

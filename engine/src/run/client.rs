//! One reqwest client per named `client` per run: its own cookie jar and
//! connection pool, redirects left alone unless asked for. Runs share nothing.

use std::collections::HashMap;
use std::time::Duration;

use crate::spec::model::{self, Spec};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A client as the steps use it: the HTTP client plus its templates.
#[derive(Debug)]
pub struct HttpClient {
    pub http: reqwest::Client,
    pub spec: model::Client,
    /// Largest response body read: the client's `max_body`, else `--max-body`.
    pub max_body: u64,
    /// The per-request timeout, for error messages.
    pub timeout: Duration,
}

#[derive(Debug)]
pub struct Clients {
    named: HashMap<String, HttpClient>,
    default: HttpClient,
}

impl Clients {
    /// Builds every client of a spec, plus the default one for steps without
    /// `client`. `max_body` applies to clients that set none.
    pub fn build(spec: &Spec, insecure: bool, max_body: u64) -> Result<Self, String> {
        let mut named = HashMap::new();
        for (name, client) in &spec.clients {
            let http =
                build(client, insecure, max_body).map_err(|e| format!("client `{name}`: {e}"))?;
            named.insert(name.clone(), http);
        }
        let default = build(&model::Client::default(), insecure, max_body)
            .map_err(|e| format!("default client: {e}"))?;
        Ok(Self { named, default })
    }

    pub fn get(&self, name: Option<&str>) -> &HttpClient {
        name.and_then(|n| self.named.get(n))
            .unwrap_or(&self.default)
    }
}

fn build(client: &model::Client, insecure: bool, max_body: u64) -> Result<HttpClient, String> {
    let timeout = client.timeout.map_or(DEFAULT_TIMEOUT, |t| t.0);
    let redirect = if client.follow_redirects {
        reqwest::redirect::Policy::limited(10)
    } else {
        reqwest::redirect::Policy::none()
    };
    let http = reqwest::Client::builder()
        .user_agent(concat!("caseflow/", env!("CARGO_PKG_VERSION")))
        .cookie_store(client.cookies.unwrap_or(true))
        .redirect(redirect)
        .timeout(timeout)
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .tcp_nodelay(true);
    // Both the spec and the command line must ask for it.
    let http = if client.insecure && insecure {
        http.danger_accept_invalid_certs(true)
    } else {
        http.tls_backend_preconfigured(super::tls::config()?)
    };
    let http = http.build().map_err(|e| e.to_string())?;
    Ok(HttpClient {
        http,
        spec: client.clone(),
        max_body: client.max_body.map_or(max_body, |m| m.0),
        timeout,
    })
}

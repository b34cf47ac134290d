//! An in-memory, PingOne-compatible emulator with real OAuth/OIDC semantics.
//!
//! Everything is served on one loopback port:
//! * the management API under `/v1/...` (Bearer worker token required),
//! * the auth API under `/{envId}/as/...`, the flow API under `/{envId}/flows/{flowId}`,
//!   the hosted sign-on page `/{envId}/signon/?flowId=...` and the device page `/{envId}/device/...`,
//! * the sandbox-only outbox `GET /sandbox/environments/{envId}/outbox` (see [`outbox`]).
//!
//! [`Sandbox::start`] seeds an organization, an admin environment and an admin worker
//! application whose credentials mint management tokens.

mod audit;
mod auth;
mod clock;
mod error;
mod generate;
mod links;
mod management;
pub mod outbox;
mod request;
mod saml;
mod seed;
mod server;
mod store;
mod totp;
mod zip;

/// The password policy rules the sandbox enforces, as PingOne does: the
/// Standard policy every environment starts with, and the checker every
/// password set through the management API or the sign-on flows goes through.
pub mod password_policy {
    pub use crate::management::password_policies::{problems, standard};
}

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::store::Store;

/// A running sandbox bound to `127.0.0.1`.
pub struct Sandbox {
    base_url: String,
    local_url: String,
    env_id: String,
    org_id: String,
    admin_client_id: String,
    admin_client_secret: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Binds 127.0.0.1:port (0 = a free port), seeds the admin environment, serves in a tokio task.
    pub async fn start(port: u16) -> anyhow::Result<Sandbox> {
        Self::start_behind(port, None).await
    }

    /// Like [`Sandbox::start`], for a sandbox reached through a reverse proxy
    /// at `public_url`: issuers, links and redirects name the proxy.
    pub async fn start_behind(port: u16, public_url: Option<&str>) -> anyhow::Result<Sandbox> {
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
        let addr = listener.local_addr()?;
        let local_url = format!("http://127.0.0.1:{}", addr.port());
        let base_url = public_url
            .map(|u| u.trim_end_matches('/').to_string())
            .unwrap_or_else(|| local_url.clone());
        let store = Arc::new(Store::new(base_url.clone())?);
        let admin = seed::admin_environment(&store)?;
        let router = server::router(store);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            if let Err(err) = axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!("sandbox server stopped: {err}");
            }
        });
        Ok(Sandbox {
            base_url,
            local_url,
            env_id: admin.env_id,
            org_id: admin.org_id,
            admin_client_id: admin.client_id,
            admin_client_secret: admin.client_secret,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Where the server listens (the same as `base_url` unless behind a proxy).
    pub fn local_url(&self) -> &str {
        &self.local_url
    }

    /// `http://127.0.0.1:PORT/v1`
    pub fn api_path(&self) -> String {
        format!("{}/v1", self.base_url)
    }

    /// `http://127.0.0.1:PORT` (the auth API lives under `/{envId}/as`).
    pub fn auth_path(&self) -> String {
        self.base_url.clone()
    }

    /// The seeded admin environment id.
    pub fn env_id(&self) -> &str {
        &self.env_id
    }

    /// The seeded admin worker application (client id).
    pub fn admin_client_id(&self) -> &str {
        &self.admin_client_id
    }

    pub fn admin_client_secret(&self) -> &str {
        &self.admin_client_secret
    }

    pub fn org_id(&self) -> &str {
        &self.org_id
    }

    /// Values the specs' inputs can be bound to.
    pub fn inputs(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("api_path".to_string(), self.api_path()),
            ("auth_path".to_string(), self.auth_path()),
            ("env_id".to_string(), self.env_id.clone()),
            ("admin_client_id".to_string(), self.admin_client_id.clone()),
            (
                "admin_client_secret".to_string(),
                self.admin_client_secret.clone(),
            ),
            ("org_id".to_string(), self.org_id.clone()),
            ("sandbox_url".to_string(), self.base_url.clone()),
        ])
    }

    /// Serves until Ctrl-C, then stops gracefully.
    pub async fn serve_forever(self) {
        let _ = tokio::signal::ctrl_c().await;
        self.shutdown().await;
    }

    /// Graceful stop: in-flight requests finish, then the server task ends.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

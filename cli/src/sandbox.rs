//! `caseflow sandbox`: serve the PingOne sandbox until Ctrl-C.

use super::{EXIT_INTERNAL, EXIT_OK};

pub fn serve(port: u16) -> i32 {
    let runtime = match super::server_runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    runtime.block_on(async move {
        let sandbox = match caseflow_sandbox::Sandbox::start(port).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: cannot start the sandbox on port {port}: {e:#}");
                return EXIT_INTERNAL;
            }
        };
        let inputs = sandbox.inputs();
        let get = |k: &str| inputs.get(k).cloned().unwrap_or_default();
        // The one place a secret is printed: this is the user's own local sandbox.
        println!("PingOne sandbox listening on {}", sandbox.base_url());
        println!("  api_path             {}", get("api_path"));
        println!("  auth_path            {}", get("auth_path"));
        println!("  env_id               {}", get("env_id"));
        println!("  org_id               {}", get("org_id"));
        println!("  admin_client_id      {}", get("admin_client_id"));
        println!("  admin_client_secret  {}", get("admin_client_secret"));
        println!();
        println!("Run specs against it:");
        println!(
            "  PINGONE_API_PATH={} PINGONE_AUTH_PATH={} PINGONE_ENV_ID={} PINGONE_ADMIN_CLIENT_ID={} PINGONE_ADMIN_CLIENT_SECRET={} caseflow run specs",
            get("api_path"),
            get("auth_path"),
            get("env_id"),
            get("admin_client_id"),
            get("admin_client_secret")
        );
        println!("Press Ctrl-C to stop.");
        sandbox.serve_forever().await;
        EXIT_OK
    })
}

/// The sandbox `caseflow run` starts for specs without target inputs. It
/// serves on a thread and runtime of its own, so its work (signing tokens,
/// hashing passwords) runs beside the run's one thread instead of taking
/// turns with it.
pub struct Embedded {
    pub base_url: String,
    pub inputs: std::collections::BTreeMap<String, String>,
    stop: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Embedded {
    pub fn start() -> Result<Self, String> {
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("sandbox".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = started_tx.send(Err(format!("{e}")));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let sandbox = match caseflow_sandbox::Sandbox::start(0).await {
                        Ok(s) => s,
                        Err(e) => {
                            let _ = started_tx.send(Err(format!("{e:#}")));
                            return;
                        }
                    };
                    let _ = started_tx.send(Ok((sandbox.base_url().to_string(), sandbox.inputs())));
                    let _ = stopped.await;
                    let limit = std::time::Duration::from_secs(2);
                    let _ = tokio::time::timeout(limit, sandbox.shutdown()).await;
                });
            })
            .map_err(|e| e.to_string())?;
        match started_rx.recv() {
            Ok(Ok((base_url, inputs))) => Ok(Self {
                base_url,
                inputs,
                stop,
                thread,
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err("the sandbox thread ended before it started".into()),
        }
    }

    /// Stops serving and waits for the thread (its shutdown is bounded),
    /// the caller's runtime free meanwhile to close the clients' connections.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let thread = self.thread;
        let _ = tokio::task::spawn_blocking(move || thread.join()).await;
    }
}

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

//! Serves the sandbox on a port (default 8080) until Ctrl-C and prints its coordinates.
//!
//! `cargo run -p caseflow-sandbox --example serve -- 8080`

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let port = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080);
    let sandbox = caseflow_sandbox::Sandbox::start(port).await?;
    for (key, value) in sandbox.inputs() {
        println!("{key}={value}");
    }
    sandbox.serve_forever().await;
    Ok(())
}

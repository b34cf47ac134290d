//! A real editor as the client: Debian's Neovim, headless, runs
//! `caseflow lsp` on a copy of a library spec with a typo in a step
//! reference, reads the diagnostics and asks for a completion
//! (`fixtures/lsp/neovim.lua`). `.ci/setup` installs Neovim when missing.

mod lsp_client;
mod support;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lsp_client::library_copy;

fn nvim() -> PathBuf {
    support::installed::program("nvim", "neovim")
}

#[test]
fn neovim_shows_the_typo_and_completes_step_ids() {
    let dir = library_copy("neovim").canonicalize().unwrap();
    let spec = dir.join("authorization-code-grant.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    let typo = text.replacen(
        "steps.create_app.outputs.id",
        "steps.create_ap.outputs.id",
        1,
    );
    std::fs::write(&spec, &typo).unwrap();
    // Completion right after `steps.` in the misspelled reference.
    let (row, line) = typo
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("steps.create_ap."))
        .unwrap();
    let col = line.find("steps.create_ap.").unwrap() + "steps.".len();
    let out = dir.join("neovim.out");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/lsp/neovim.lua");

    let mut child = Command::new(nvim())
        .args(["--headless", "--clean", "-u", "NONE", "-n", "-c"])
        .arg(format!("luafile {script}"))
        .env("CASEFLOW_BIN", env!("CARGO_BIN_EXE_caseflow"))
        .env("CASEFLOW_SPEC", &spec)
        .env("CASEFLOW_OUT", &out)
        .env("CASEFLOW_LINE", row.to_string())
        .env("CASEFLOW_COL", col.to_string())
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nvim runs");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() && started.elapsed() < Duration::from_secs(90) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();

    let got = std::fs::read_to_string(&out).unwrap_or_else(|_| {
        panic!("Neovim wrote no findings to {}", out.display());
    });
    let found = |prefix: &str| got.lines().any(|l| l.starts_with(prefix));
    assert!(found("diagnostics true"), "{got}");
    assert!(
        found(&format!(
            "diagnostic {} steps.get_secret.request.url: `steps.create_ap.outputs.id`: unknown step `create_ap`, did you mean `create_app`?",
            row + 1
        )),
        "{got}"
    );
    assert!(
        found("completion create_app Create an OpenID Connect (OIDC) application"),
        "{got}"
    );
    // Inherited from lib/pingone.yaml through `extends`.
    assert!(found("completion admin_token "), "{got}");
    assert!(!found("failed"), "{got}");
}

//! The built `caseflow` binary as a user runs it in CI (`CI=true`: no
//! progress, no colours), and the JSON report it writes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Runs `caseflow ARGS` in `dir` to the end; killed if it is still running
/// after a minute, so a hang fails the test instead of stalling the suite.
pub fn caseflow(args: &[&str], dir: &Path) -> Output {
    let mut child = command(args, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // Drained as it runs: a full pipe would block the child.
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let status = child.wait().unwrap();
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// `caseflow ARGS` in `dir`, not started yet.
pub fn command(args: &[&str], dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_caseflow"));
    c.args(args)
        .current_dir(dir)
        .env("CI", "true")
        .env("NO_COLOR", "1");
    c
}

/// Writes `yaml` as `name` in a fresh directory and runs `caseflow run name
/// ARGS` there: the exit code and stdout then stderr.
pub fn run_spec(name: &str, yaml: &str, args: &[&str]) -> (Option<i32>, String) {
    let path = super::write_spec(name, yaml);
    let out = caseflow(&[&["run", name][..], args].concat(), path.parent().unwrap());
    (out.status.code(), text(&out))
}

/// stdout, then stderr.
pub fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A spec named after `name` with a `base` input defaulting to `base`, in a
/// fresh directory, which is returned.
pub fn spec_dir(name: &str, base: &str, body: &str) -> PathBuf {
    let text = format!(
        "version: 1\nname: {}\ninputs:\n  base: {{ default: \"{base}\" }}\n{body}",
        name.trim_end_matches(".yaml"),
    );
    let path = super::write_spec(name, &text);
    path.parent().unwrap().to_path_buf()
}

/// `report.json` in `dir`.
pub fn json_report(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("report.json")).expect("the JSON report");
    serde_json::from_str(&text).unwrap()
}

/// A step of the first spec of a JSON report.
pub fn report_step<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["specs"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no step {id} in {report:#}"))
}

//! How long `caseflow lsp` takes from a keystroke to its diagnostics, on
//! every spec of the library and on a generated 1,000-step spec: each file
//! is opened, then changed 20 times (a typo in a step reference, and back),
//! and the time from sending the change to reading the published
//! diagnostics is measured over stdio, as an editor sees it.
//!
//! `cargo build --release && cargo run --release --example lsp_latency [-- target/release/caseflow]`

#[path = "../tests/lsp_client/mod.rs"]
mod lsp_client;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lsp_client::Lsp;

const CHANGES: usize = 20;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let binary = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/release/caseflow"));
    let specs = root.join("specs").canonicalize().expect("the library");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&specs)
        .expect("the library")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let generated = std::env::temp_dir().join("caseflow-lsp-latency-1000-steps.yaml");
    std::fs::write(&generated, chain(1000)).expect("a temporary file");

    let mut lsp = Lsp::start_binary(&binary);
    let mut library = Vec::new();
    let mut slowest = (Duration::ZERO, String::new());
    for file in &files {
        let times = measure(&mut lsp, file);
        let worst = *times.iter().max().unwrap();
        if worst > slowest.0 {
            slowest = (worst, file.file_name().unwrap().to_string_lossy().into());
        }
        library.extend(times);
    }
    let large = measure(&mut lsp, &generated);
    lsp.shutdown();

    println!(
        "library: {} specs, {} changes: {}",
        files.len(),
        library.len(),
        summary(&mut library)
    );
    println!(
        "slowest library spec: {} ({:.1} ms)",
        slowest.1,
        ms(slowest.0)
    );
    let mut large = large;
    println!(
        "1,000-step chain, {CHANGES} changes: {}",
        summary(&mut large)
    );
}

/// Keystroke-to-diagnostics times of one file.
fn measure(lsp: &mut Lsp, file: &Path) -> Vec<Duration> {
    let text = std::fs::read_to_string(file).expect("a spec");
    lsp.open(file, &text);
    lsp.diagnostics(file);
    // A typo in the first step reference, as one keystroke makes it.
    let typo = match text.find("{{ steps.") {
        Some(i) => format!("{}{{{{ steps.x{}", &text[..i], &text[i + 9..]),
        None => format!("{text}\n"),
    };
    let mut times = Vec::with_capacity(CHANGES);
    for version in 0..CHANGES {
        let now = if version % 2 == 0 { &typo } else { &text };
        let started = Instant::now();
        lsp.change(file, version as i32 + 2, now);
        lsp.diagnostics(file);
        times.push(started.elapsed());
    }
    lsp.notify(
        "textDocument/didClose",
        serde_json::json!({ "textDocument": { "uri": lsp_client::uri(file) } }),
    );
    lsp.diagnostics(file);
    times
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn summary(times: &mut [Duration]) -> String {
    times.sort();
    let at = |q: f64| ms(times[((times.len() - 1) as f64 * q) as usize]);
    format!(
        "median {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        at(0.5),
        at(0.95),
        at(1.0)
    )
}

/// A spec of `n` steps, each reading the previous one's output.
fn chain(n: usize) -> String {
    let mut out = String::from(
        "version: 1\nname: chain\ninputs:\n  base: { default: \"http://127.0.0.1:1\" }\nsteps:\n",
    );
    for i in 0..n {
        let url = if i == 0 {
            "{{ inputs.base }}/0".to_string()
        } else {
            format!(
                "{{{{ inputs.base }}}}/{{{{ steps.s{}.outputs.id }}}}",
                i - 1
            )
        };
        out.push_str(&format!(
            "  s{i}:\n    title: Step {i}\n    request: {{ method: GET, url: \"{url}\" }}\n    outputs: {{ id: $.id }}\n"
        ));
    }
    out
}

//! `validate` timings for specs with many errors: 1,000 to 50,000 unknown
//! references, near misses of names the spec defines (so every error looks
//! for a "did you mean"), for steps, inputs and `needs`; and the same spec
//! without mistakes, which is what loading and checking cost anyway.
//!
//! `cargo run --release -p caseflow --example validate_bench [-- MAX]`

use std::fmt::Write;
use std::time::{Duration, Instant};

use caseflow::spec::{Loader, check_file};

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// No mistakes: each step reads the one before.
    Valid,
    /// `steps.stpe_N.outputs.id` where the spec has `step_N`.
    Steps,
    /// `inputs.nmae_N` where the spec has `name_N`.
    Inputs,
    /// `needs: [stpe_N]`.
    Needs,
}

fn generate(n: usize, shape: Shape) -> String {
    let mut out = String::from("version: 1\nname: errors\n");
    if shape == Shape::Inputs {
        out.push_str("inputs:\n");
        for i in 0..n {
            let _ = writeln!(out, "  name_{i}: {{ default: x }}");
        }
    }
    out.push_str("steps:\n");
    for i in 0..n {
        let reference = match shape {
            Shape::Valid if i > 0 => format!("{{{{ steps.step_{}.outputs.id }}}}", i - 1),
            Shape::Steps => format!("{{{{ steps.stpe_{i}.outputs.id }}}}"),
            Shape::Inputs => format!("{{{{ inputs.nmae_{i} }}}}"),
            _ => String::new(),
        };
        let _ = write!(
            out,
            "  step_{i}:\n    request: {{ method: GET, url: \"http://127.0.0.1:9/{reference}\" }}\n    outputs: {{ id: $.id }}\n"
        );
        if shape == Shape::Needs {
            let _ = writeln!(out, "    needs: [stpe_{i}]");
        }
    }
    out
}

fn main() {
    let max: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50_000);
    let dir = std::env::temp_dir().join(format!("caseflow-validate-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    println!(
        "{:>7} {:>7} {:>8} {:>10} {:>12}",
        "steps", "shape", "errors", "validate", "per error"
    );
    for n in [1_000, 2_500, 10_000, 50_000]
        .into_iter()
        .filter(|n| *n <= max)
    {
        for (name, shape) in [
            ("valid", Shape::Valid),
            ("steps", Shape::Steps),
            ("inputs", Shape::Inputs),
            ("needs", Shape::Needs),
        ] {
            let path = dir.join(format!("errors-{n}-{name}.yaml"));
            std::fs::write(&path, generate(n, shape)).expect("write spec");
            let runs = if n >= 10_000 { 5 } else { 9 };
            let mut samples: Vec<Duration> = Vec::new();
            let mut found = 0;
            for _ in 0..runs {
                let started = Instant::now();
                let mut loader = Loader::new();
                let (_, diagnostics) = check_file(&mut loader, &path);
                // What `caseflow validate` prints, formatted in full.
                let mut text = String::new();
                for d in &diagnostics {
                    let _ = writeln!(text, "{d}");
                }
                samples.push(started.elapsed());
                found = diagnostics.iter().filter(|d| d.is_error()).count();
                let valid = shape == Shape::Valid;
                assert_eq!(found == 0, valid, "{name}: {found} errors");
                assert!(
                    valid || text.contains("did you mean"),
                    "near misses get a suggestion"
                );
            }
            samples.sort();
            let median = samples[samples.len() / 2];
            let per_error = if found == 0 {
                "-".to_string()
            } else {
                format!("{:.1}µs", median.as_secs_f64() * 1e6 / found as f64)
            };
            println!(
                "{n:>7} {name:>7} {found:>8} {:>8.0}ms {per_error:>12}",
                median.as_secs_f64() * 1e3,
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

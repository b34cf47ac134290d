//! Rendering timings for specs with many errors: 1,000 to 10,000 unknown
//! step references inside templates (each narrowed to its own span, each
//! with a "did you mean"), drawn in the rich form (source line, underline,
//! help), in colour, in the one-line form and as JSON. Loading and checking
//! are timed apart: this measures the drawing alone.
//!
//! `cargo run --release -p caseflow --example render_bench [-- MAX]`

use std::fmt::Write;
use std::time::{Duration, Instant};

use caseflow::spec::snippet::{Format, Sources, render};
use caseflow::spec::{Loader, check_file};

fn generate(n: usize) -> String {
    let mut out = String::from("version: 1\nname: errors\nsteps:\n");
    for i in 0..n {
        let _ = write!(
            out,
            "  step_{i}:\n    request: {{ method: GET, url: \"http://127.0.0.1:9/{{{{ steps.stpe_{i}.outputs.id }}}}\" }}\n    outputs: {{ id: $.id }}\n"
        );
    }
    out
}

/// The best of three, so a stray pause of the machine does not count.
fn best(mut f: impl FnMut() -> usize) -> (Duration, usize) {
    (0..3)
        .map(|_| {
            let started = Instant::now();
            let bytes = f();
            (started.elapsed(), bytes)
        })
        .min()
        .expect("three runs")
}

fn main() {
    let max: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let dir = std::env::temp_dir().join(format!("caseflow-render-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    println!(
        "{:>7} {:>10} {:>10} {:>10} {:>10} {:>10} {:>12}",
        "errors", "check", "rich", "colour", "short", "json", "rich µs/err"
    );
    let mut n = 1_000;
    while n <= max {
        let path = dir.join(format!("errors-{n}.yaml"));
        std::fs::write(&path, generate(n)).expect("write spec");
        let started = Instant::now();
        let (_, diagnostics) = check_file(&mut Loader::new(), &path);
        let check = started.elapsed();
        assert_eq!(diagnostics.len(), n, "one error per step");
        let time =
            |format: Format| best(|| render(&diagnostics, format, &mut Sources::new()).len());
        let (rich, bytes) = time(Format::Rich { color: false });
        let (colour, _) = time(Format::Rich { color: true });
        let (short, _) = time(Format::Short);
        let (json, _) = time(Format::Json);
        assert!(bytes > n * 200, "every error drawn");
        let ms = |d: Duration| format!("{:.1}ms", d.as_secs_f64() * 1e3);
        println!(
            "{n:>7} {:>10} {:>10} {:>10} {:>10} {:>10} {:>12.1}",
            ms(check),
            ms(rich),
            ms(colour),
            ms(short),
            ms(json),
            rich.as_secs_f64() * 1e6 / n as f64
        );
        n = if n < 5_000 { n * 5 } else { n * 2 };
    }
    let _ = std::fs::remove_dir_all(&dir);
}

//! Load/check/plan timings for generated specs of 1,000 to 10,000 steps,
//! wide (all steps depend on one root) and deep (a chain).
//!
//! `cargo run --release -p caseflow --example spec_bench`

use std::fmt::Write;
use std::time::{Duration, Instant};

use caseflow::plan::Plan;
use caseflow::spec::{Loader, analyze};

fn generate(steps: usize, deep: bool) -> String {
    let mut out = String::from(
        "version: 1\nname: generated\ninputs:\n  base: { default: \"http://127.0.0.1:9\" }\nclients:\n  api:\n    base_url: \"{{ inputs.base }}\"\n    headers:\n      Authorization: \"Bearer {{ steps.s0.outputs.token }}\"\nsteps:\n  s0:\n    request: { method: POST, url: \"{{ inputs.base }}/token\" }\n    outputs: { token: $.access_token, id: $.id }\n",
    );
    for i in 1..steps {
        let parent = if deep { i - 1 } else { 0 };
        let _ = write!(
            out,
            "  s{i}:\n    title: Step {i}\n    client: api\n    request:\n      method: POST\n      url: /items/{{{{ steps.s{parent}.outputs.id }}}}\n      json:\n        name: \"item-{i}-{{{{ run.id }}}}\"\n        parent: \"{{{{ steps.s{parent}.outputs.id }}}}\"\n        enabled: true\n    expect:\n      status: 201\n      body:\n        $.name: {{ type: string }}\n    outputs:\n      id: $.id\n      token: $.access_token\n"
        );
    }
    out
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let dir = std::env::temp_dir().join(format!("caseflow-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    println!(
        "{:>6} {:>5} {:>9} {:>9} {:>9} {:>9}",
        "steps", "shape", "parse", "check", "plan", "total"
    );
    for steps in [1_000, 2_500, 5_000, 10_000] {
        for deep in [false, true] {
            let path = dir.join(format!("gen-{steps}-{deep}.yaml"));
            std::fs::write(&path, generate(steps, deep)).expect("write spec");
            let (mut parse, mut check, mut plan) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..5 {
                let t0 = Instant::now();
                let loaded = Loader::new().load(&path).expect("generated spec loads");
                let t1 = Instant::now();
                let analysis = analyze(&loaded);
                assert!(!analysis.has_errors(), "{:?}", &analysis.diagnostics[..1]);
                let t2 = Instant::now();
                let p = Plan::new(&analysis.deps);
                let t3 = Instant::now();
                assert_eq!(p.graph.node_count(), steps);
                parse.push(t1 - t0);
                check.push(t2 - t1);
                plan.push(t3 - t2);
            }
            let (a, b, c) = (median(parse), median(check), median(plan));
            println!(
                "{steps:>6} {:>5} {:>7.1}ms {:>7.1}ms {:>7.1}ms {:>7.1}ms",
                if deep { "deep" } else { "wide" },
                a.as_secs_f64() * 1e3,
                b.as_secs_f64() * 1e3,
                c.as_secs_f64() * 1e3,
                (a + b + c).as_secs_f64() * 1e3
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

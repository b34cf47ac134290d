//! Every spec of the use-case library runs green against the sandbox: one
//! sandbox over real HTTP on 127.0.0.1, each spec its own run, all in parallel.

use std::sync::Arc;

use caseflow::report::Status;
use caseflow::run::{self, InputSources, RunOptions, Silent};
use caseflow::spec::{self, Loader, discover};
use caseflow_tests::repo_root;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_spec_runs_green_against_the_sandbox() {
    let sandbox = caseflow_sandbox::Sandbox::start(0)
        .await
        .expect("sandbox starts");
    let files = discover::spec_files(&[repo_root().join("specs")]).expect("specs/");
    let mut loader = Loader::new();
    let specs: Vec<_> = files
        .iter()
        .filter_map(|file| {
            let (checked, diagnostics) = spec::check_file(&mut loader, file);
            let checked =
                checked.unwrap_or_else(|| panic!("{} is invalid: {diagnostics:?}", file.display()));
            (!checked.loaded.spec.library).then_some(checked)
        })
        .collect();
    assert!(specs.len() >= 30, "only {} use cases", specs.len());

    let sources = InputSources {
        sandbox: Some(sandbox.inputs()),
        ..InputSources::default()
    };
    let options = RunOptions::new(32);
    let runs = specs.into_iter().map(|checked| {
        let (sources, options) = (sources.clone(), options.clone());
        tokio::spawn(async move { run::run(&checked, &sources, &options, Arc::new(Silent)).await })
    });
    let mut failures = Vec::new();
    let mut steps = 0;
    for handle in runs {
        let report = handle
            .await
            .expect("run task")
            .expect("inputs resolve from the sandbox");
        steps += report.steps.len();
        if !report.passed() {
            let failed: Vec<String> = report
                .flat_steps()
                .into_iter()
                .filter(|(_, s)| s.status != Status::Passed)
                .map(|(name, s)| {
                    format!(
                        "  {name}: {} {}",
                        s.status.as_str(),
                        s.message.clone().unwrap_or_default()
                    )
                })
                .collect();
            failures.push(format!(
                "{} ({}):\n{}",
                report.name,
                report.error.clone().unwrap_or_default(),
                failed.join("\n")
            ));
        }
    }
    sandbox.shutdown().await;
    assert!(steps > 300, "only {steps} steps ran");
    assert!(
        failures.is_empty(),
        "failed specs:\n{}",
        failures.join("\n")
    );
}

//! `caseflow report merge`: the JSON reports of a sharded run (one per
//! `--shard K/N`) joined into one run's report, written by the same
//! reporters as `caseflow run --report`. The inputs were redacted when they
//! were written; the secrets themselves are not known here, so each spec
//! gets an empty redactor and the reporters' passes change nothing new.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value as Json;

use super::{EXIT_FAILED, EXIT_INVALID, EXIT_OK};
use crate::console::Summary;
use crate::console::style::Terminal;
use caseflow::report::{self, SpecReport, json::VERSION};

#[derive(clap::Subcommand, Debug)]
pub enum ReportCommand {
    /// Join the JSON reports of shards (`run --shard K/N --report json=PATH`) into one
    Merge(MergeArgs),
}

#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// JSON reports written by `caseflow run --report json=PATH`
    #[arg(required = true, value_name = "REPORT.json")]
    pub inputs: Vec<PathBuf>,
    /// Write the merged JSON report
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Write the merged JUnit report
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Write the merged HTML report
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,
}

/// A reporter's rendering of a whole run, as `caseflow run --report` writes it.
type Render = fn(&[SpecReport], Duration) -> Result<String, String>;

pub fn report(command: ReportCommand) -> i32 {
    match command {
        ReportCommand::Merge(args) => merge(&args),
    }
}

fn merge(args: &MergeArgs) -> i32 {
    let (reports, elapsed) = match read_all(&args.inputs) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INVALID;
        }
    };
    let outputs: [(&Option<PathBuf>, Render); 3] = [
        (&args.json, |r, e| Ok(report::json::render(r, e))),
        (&args.junit, report::junit::render),
        (&args.html, |r, e| Ok(report::html::render(r, e))),
    ];
    for (path, render) in outputs {
        let Some(path) = path else { continue };
        if let Err(e) = render(&reports, elapsed).and_then(|text| write(path, &text)) {
            eprintln!("error: {e}");
            return super::EXIT_INTERNAL;
        }
    }
    let how = Summary {
        term: Terminal::stdout(),
        table: false,
        github: false,
        interrupted: false,
        footer: Some(format!(
            "merged {} into {}",
            report::plural(args.inputs.len(), "report"),
            report::plural(reports.len(), "spec")
        )),
    };
    super::emit(&crate::console::summary(&reports, elapsed, &how));
    if reports.iter().all(SpecReport::passed) {
        EXIT_OK
    } else {
        EXIT_FAILED
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| {
        format!(
            "cannot write the report {}: {}",
            path.display(),
            caseflow::spec::load::io_reason(&e).to_lowercase()
        )
    })
}

/// Every spec of every input, by file; the run's wall time is the longest
/// input's, as shards run side by side. Two inputs holding the same spec
/// file are refused: the shards overlapped and one result would hide the
/// other.
fn read_all(inputs: &[PathBuf]) -> Result<(Vec<SpecReport>, Duration), String> {
    let mut reports: Vec<SpecReport> = Vec::new();
    // The input each spec file came from, by index: the same path given
    // twice overlaps too.
    let mut owner: HashMap<String, usize> = HashMap::new();
    let mut overlaps = Vec::new();
    let mut elapsed = Duration::ZERO;
    for (i, input) in inputs.iter().enumerate() {
        let (specs, duration) = read_one(input)?;
        elapsed = elapsed.max(duration);
        for spec in specs {
            match owner.get(&spec.file) {
                Some(&first) if first != i => overlaps.push(format!(
                    "{} and {} both hold the spec {}",
                    inputs[first].display(),
                    input.display(),
                    spec.file
                )),
                _ => {
                    owner.insert(spec.file.clone(), i);
                }
            }
            reports.push(spec);
        }
    }
    if !overlaps.is_empty() {
        return Err(format!(
            "{}\nerror: overlapping reports: merge the reports of disjoint shards of one run (`--shard 1/N` to `N/N`)",
            overlaps.join("\nerror: ")
        ));
    }
    reports.sort_by(|a, b| (&a.file, &a.name).cmp(&(&b.file, &b.name)));
    Ok((reports, elapsed))
}

/// One JSON report's specs and wall time.
fn read_one(path: &Path) -> Result<(Vec<SpecReport>, Duration), String> {
    let name = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read {name}: {}",
            caseflow::spec::load::io_reason(&e).to_lowercase()
        )
    })?;
    let not_a_report = |why: &str| {
        format!(
            "{name}: not a caseflow JSON report ({why}); write one with `caseflow run --report json=PATH`"
        )
    };
    let doc: Json = serde_json::from_str(&text).map_err(|e| not_a_report(&format!("{e}")))?;
    let version = doc
        .get("version")
        .and_then(Json::as_u64)
        .ok_or_else(|| not_a_report("no `version`"))?;
    if version != u64::from(VERSION) {
        return Err(format!(
            "{name}: report version {version}, this caseflow reads version {VERSION}"
        ));
    }
    let duration = doc
        .get("duration_ms")
        .and_then(Json::as_u64)
        .ok_or_else(|| not_a_report("no `duration_ms`"))?;
    let specs = doc
        .get("specs")
        .cloned()
        .ok_or_else(|| not_a_report("no `specs`"))?;
    let specs: Vec<SpecReport> =
        serde_json::from_value(specs).map_err(|e| not_a_report(&format!("specs: {e}")))?;
    Ok((specs, Duration::from_millis(duration)))
}

//! `caseflow run`: validate every target, resolve inputs (starting the
//! embedded sandbox when inputs it can bind have no value), run the specs
//! concurrently, print the summary, write reports.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::{EXIT_FAILED, EXIT_INTERNAL, EXIT_INVALID, EXIT_OK};
use crate::console::style::Terminal;
use crate::console::{Console, Summary};
use crate::shard::Shard;
use caseflow::report::{self, SpecReport};
use caseflow::run::{self, EventSink, Fanout, InputSources, PreparedRun, RunOptions, inputs};
use caseflow::spec::size::ByteSize;
use caseflow::spec::{self, CheckedSpec, LoadedSpec, Loader, discover};

/// Specs run at once.
const SPECS_AT_ONCE: usize = 8;

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Spec files or directories (library specs in directories are skipped)
    #[arg(default_value = "specs")]
    pub targets: Vec<PathBuf>,
    /// Set an input, e.g. `--set env_id=abc` (repeatable; wins over everything else)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// A YAML or JSON map of input values
    #[arg(long, value_name = "FILE")]
    pub inputs: Option<PathBuf>,
    /// Steps in flight at once, across all specs (1 or more)
    #[arg(long, value_name = "N", default_value_t = 32, value_parser = at_least_one)]
    pub max_parallel: usize,
    /// After the first failed step, start nothing new (cleanup still runs)
    #[arg(long)]
    pub fail_fast: bool,
    /// Skip cleanup steps (keep what the run created)
    #[arg(long)]
    pub keep: bool,
    /// Render every request (secrets masked) without sending anything
    #[arg(long)]
    pub dry_run: bool,
    /// Accept invalid TLS certificates for clients marked `insecure: true`
    #[arg(long)]
    pub insecure: bool,
    /// Largest response body read, e.g. `64MiB` (a client's `max_body` wins)
    #[arg(long, value_name = "SIZE", default_value = "16MiB")]
    pub max_body: ByteSize,
    /// Print requests and responses (-v headers, -vv bodies), secrets masked
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// No live progress (also off when stderr is not a terminal or CI=true)
    #[arg(long)]
    pub no_progress: bool,
    /// Print only failures and the summary line (no line per spec, no progress)
    #[arg(short, long)]
    pub quiet: bool,
    /// What the end of the run shows besides failures: `short` (one summary
    /// line) or `table` (also every step of every spec, fitted to the terminal)
    #[arg(long, value_enum, value_name = "KIND", default_value_t = SummaryKind::Short)]
    pub summary: SummaryKind,
    /// Write a report: `json=PATH`, `junit=PATH`, `html=PATH` (a page with the timeline) or `har=PATH` (every request and response, masked; repeatable)
    #[arg(long = "report", value_name = "FORMAT=PATH")]
    pub reports: Vec<String>,
    /// Keep every value in the `--report har=PATH` file as it was sent:
    /// tokens, client secrets and passwords in clear text. Only for
    /// importing the run again on this machine; never share such a file
    #[arg(long)]
    pub har_keep_secrets: bool,
    /// Run only shard K of N (1 ≤ K ≤ N): a stable part of the specs, placed
    /// by name, shard sizes within one of each other
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SummaryKind {
    Short,
    Table,
}

pub fn run(args: RunArgs) -> i32 {
    let setup = match Setup::read(&args) {
        Ok(s) => s,
        Err(code) => return code,
    };
    // Steps that can run at once, across the specs run together.
    let width: usize = setup
        .specs
        .iter()
        .map(|s| caseflow::plan::Plan::new(&s.analysis.deps).max_parallel())
        .sum();
    let runtime = match super::runtime(width.min(args.max_parallel)) {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    // As a task, not the `block_on` future itself: waking that future goes
    // through the I/O driver's wake-up, one extra system call per step.
    runtime.block_on(async {
        match tokio::spawn(run_async(args, setup)).await {
            Ok(code) => code,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    })
}

/// What the command line and the spec files say, read before anything runs.
struct Setup {
    reports: Vec<Box<dyn report::Reporter>>,
    sources: InputSources,
    specs: Vec<CheckedSpec>,
    warnings: Vec<String>,
    /// `shard K/N: X of Y specs`, when `--shard` chose the specs.
    shard: Option<String>,
}

impl Setup {
    fn read(args: &RunArgs) -> Result<Self, i32> {
        let reports = parse_reports(&args.reports, args.har_keep_secrets).map_err(|e| usage(&e))?;
        let mut sources = InputSources {
            use_env: true,
            ..InputSources::default()
        };
        sources.set = parse_sets(&args.set).map_err(|e| usage(&e))?;
        if let Some(path) = &args.inputs {
            sources.file = read_inputs_file(path).map_err(|e| usage(&e))?;
        }
        let (specs, warnings) = load_targets(&args.targets)?;
        if specs.is_empty() {
            return Err(usage(
                "no specs to run (directories hold only library specs)",
            ));
        }
        // Against every spec, so a shard without the spec that takes an
        // input accepts the same `--set` as the others.
        check_input_names(&specs, &sources, args.inputs.as_deref()).map_err(|e| usage(&e))?;
        let (specs, shard) = match args.shard {
            Some(shard) => {
                let all = specs.len();
                let part = shard.select(specs, |s| {
                    (s.loaded.spec.name.as_str(), s.loaded.file.name.as_str())
                });
                let line = format!(
                    "shard {shard}: {} of {}",
                    part.len(),
                    report::plural(all, "spec")
                );
                (part, Some(line))
            }
            None => (specs, None),
        };
        Ok(Self {
            reports,
            sources,
            specs,
            warnings,
            shard,
        })
    }
}

async fn run_async(args: RunArgs, setup: Setup) -> i32 {
    let Setup {
        reports,
        mut sources,
        specs,
        warnings,
        shard,
    } = setup;

    // The sandbox is started only when some input it can bind has no other value.
    let wants = specs.iter().any(|s| needs_sandbox(&s.loaded, &sources));
    let mut sandbox = None;
    if wants && args.dry_run {
        sources.sandbox = Some(
            [
                "api_path",
                "auth_path",
                "env_id",
                "admin_client_id",
                "admin_client_secret",
                "org_id",
                "sandbox_url",
            ]
            .iter()
            .map(|k| (k.to_string(), format!("<sandbox.{k}>")))
            .collect(),
        );
    } else if wants {
        match crate::sandbox::Embedded::start() {
            Ok(s) => {
                println!(
                    "caseflow: using the embedded PingOne sandbox at {} (no target inputs given)",
                    s.base_url
                );
                sources.sandbox = Some(s.inputs.clone());
                sandbox = Some(s);
            }
            Err(e) => {
                eprintln!("error: cannot start the embedded sandbox: {e}");
                return EXIT_INTERNAL;
            }
        }
    }
    for w in &warnings {
        eprintln!("{w}");
    }

    let mut options = RunOptions::new(args.max_parallel);
    options.fail_fast = args.fail_fast;
    options.keep = args.keep;
    options.insecure = args.insecure;
    options.verbose = args.verbose;
    options.max_body = args.max_body.0;
    let redactor = options.redactor.clone();

    let mut prepared = Vec::new();
    let mut missing = false;
    for spec in &specs {
        match run::prepare(spec, &sources, &options) {
            Ok(p) => prepared.push(p),
            Err(e) => {
                eprintln!("error: {}", redactor.redact(&e.to_string()));
                missing = true;
            }
        }
    }
    if missing {
        stop_sandbox(sandbox).await;
        return EXIT_INVALID;
    }

    if args.dry_run {
        let code = dry_run(prepared, &options);
        if let Some(line) = &shard {
            println!("{line}");
        }
        return code;
    }

    let show_progress = !args.no_progress
        && !args.quiet
        && std::io::stderr().is_terminal()
        && !std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let term = Terminal::stdout();
    let console = Arc::new(Console::new(show_progress, (!args.quiet).then_some(term)));
    let say = console.clone();
    let signals = super::signals::listen(options.cancel.clone(), move |line| say.print(line));

    let reporters = Arc::new(report::Reporters::new(reports));
    let sinks: Vec<Arc<dyn EventSink>> = vec![console.clone(), reporters.clone()];
    let sink = Arc::new(Fanout(sinks));
    let started = Instant::now();
    let results = run::execute_all(prepared, &options, sink, SPECS_AT_ONCE).await;
    let elapsed = started.elapsed();

    let how = Summary {
        term,
        table: args.summary == SummaryKind::Table,
        github: std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true"),
        interrupted: signals.exit_code().is_some(),
        footer: shard,
    };
    super::emit(&crate::console::summary(&results, elapsed, &how));
    let short = redactor.short_secrets();
    if short > 0 {
        eprintln!(
            "warning: {short} secret value(s) shorter than {} characters: masked only where they stand as a whole value (a JSON string, a header, a form or query value), not inside other text",
            caseflow::redact::MIN_LEN
        );
    }
    let mut code = if results.iter().all(SpecReport::passed) {
        EXIT_OK
    } else {
        EXIT_FAILED
    };
    for e in reporters.finish() {
        eprintln!("error: {e}");
        code = EXIT_INTERNAL;
    }
    stop_sandbox(sandbox).await;
    // An interrupted run says so whatever its steps did: 130 or 143.
    signals.exit_code().unwrap_or(code)
}

fn dry_run(prepared: Vec<PreparedRun>, options: &RunOptions) -> i32 {
    let mut code = EXIT_OK;
    for p in prepared {
        match run::dry_run::render(p, options) {
            Ok(text) => print!("{text}"),
            Err(text) => {
                print!("{text}");
                code = EXIT_FAILED;
            }
        }
    }
    code
}

async fn stop_sandbox(sandbox: Option<crate::sandbox::Embedded>) {
    if let Some(s) = sandbox {
        s.stop().await;
    }
}

fn usage(message: &str) -> i32 {
    eprintln!("error: {message}");
    EXIT_INVALID
}

/// `--max-parallel`: 0 would start nothing and wait forever.
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err("expected a whole number of steps, 1 or more".into()),
    }
}

/// `--set KEY=VALUE` pairs; the value may be empty, the key may not.
fn parse_sets(pairs: &[String]) -> Result<IndexMap<String, Json>, String> {
    let mut set = IndexMap::new();
    for pair in pairs {
        let Some((k, v)) = pair.split_once('=') else {
            return Err(format!("--set `{pair}`: expected KEY=VALUE"));
        };
        let k = k.trim();
        if k.is_empty() {
            return Err(format!(
                "--set `{pair}`: the input name before `=` is missing"
            ));
        }
        set.insert(k.to_string(), inputs::scalar(v));
    }
    Ok(set)
}

/// Every `--set` and `--inputs` key must be an input of a spec being run
/// (or of a spec one of them uses): a misspelt name would otherwise be
/// ignored and the run go on with a default or the sandbox's value.
fn check_input_names(
    specs: &[CheckedSpec],
    sources: &InputSources,
    inputs_file: Option<&Path>,
) -> Result<(), String> {
    let mut known: Vec<String> = Vec::new();
    for spec in specs {
        input_names(&spec.loaded, &mut known);
    }
    known.sort();
    known.dedup();
    let hint = |name: &str| {
        let near = caseflow::spec::suggest::hint(name, &known);
        if near.is_empty() && known.is_empty() {
            " (the specs being run take no inputs)".to_string()
        } else {
            near
        }
    };
    let mut problems = Vec::new();
    for name in sources.set.keys().filter(|k| !known.contains(k)) {
        problems.push(format!(
            "--set {name}: no spec being run has an input `{name}`{}",
            hint(name)
        ));
    }
    let unknown: Vec<&String> = sources.file.keys().filter(|k| !known.contains(k)).collect();
    if let (Some(path), false) = (inputs_file, unknown.is_empty()) {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let map = caseflow::spec::source_map::SourceMap::build(&text);
        for name in unknown {
            let at = map.key(&caseflow::spec::field_path::key("", name));
            problems.push(format!(
                "--inputs {}:{}:{}: {name}: no spec being run has an input `{name}`{}",
                path.display(),
                at.line,
                at.col,
                hint(name)
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\nerror: "))
    }
}

/// The inputs of a spec and of the specs its `uses` steps run.
fn input_names(loaded: &LoadedSpec, out: &mut Vec<String>) {
    out.extend(loaded.spec.inputs.keys().cloned());
    for sub in loaded.subspecs.values() {
        input_names(sub, out);
    }
}

/// `--report FORMAT=PATH` values. Each path is checked now, so an
/// unwritable one fails before anything runs rather than after the run.
/// `--report FORMAT=PATH` values as reporters; each path is checked before the run.
fn parse_reports(
    reports: &[String],
    har_keep_secrets: bool,
) -> Result<Vec<Box<dyn report::Reporter>>, String> {
    let formats: Vec<&str> = report::FORMATS.iter().map(|(name, _)| *name).collect();
    if har_keep_secrets && !reports.iter().any(|r| r.starts_with("har=")) {
        return Err(
            "--har-keep-secrets keeps the values of a HAR report: add --report har=PATH".into(),
        );
    }
    reports
        .iter()
        .map(|r| {
            let (kind, path) = r.split_once('=').ok_or_else(|| {
                format!(
                    "--report `{r}`: expected FORMAT=PATH, FORMAT one of {}",
                    formats.join(", ")
                )
            })?;
            let path = PathBuf::from(path);
            writable(&path)
                .map_err(|e| format!("--report {r}: cannot write the report there: {e}"))?;
            if kind == "har" && har_keep_secrets {
                eprintln!(
                    "warning: --har-keep-secrets: {} holds tokens, secrets and passwords in clear text; do not share it",
                    path.display()
                );
                return Ok(report::har::keeping_values(path));
            }
            report::reporter(kind, path).ok_or_else(|| {
                format!(
                    "--report: unknown format `{kind}` ({})",
                    formats.join(" or ")
                )
            })
        })
        .collect()
}

/// Can a report be written at `path`? Tried for real; a file this check
/// creates is removed again.
fn writable(path: &Path) -> Result<(), String> {
    if path.as_os_str().is_empty() {
        return Err("the path is empty".into());
    }
    if path.is_dir() {
        return Err("it is a directory".into());
    }
    let existed = path.exists();
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| caseflow::spec::load::io_reason(&e).to_lowercase())?;
    if !existed {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// An `--inputs` file: a YAML or JSON map of input names to values, read
/// like a spec (positions in errors, no tags, UTF-8).
fn read_inputs_file(path: &Path) -> Result<IndexMap<String, Json>, String> {
    let name = path.display().to_string();
    let text = caseflow::spec::load::read_text(path, &name).map_err(|d| format!("--inputs {d}"))?;
    let value: Json =
        serde_saphyr::from_str_with_options(&text, caseflow::spec::load::yaml_options()).map_err(
            |e| {
                format!(
                    "--inputs {}",
                    caseflow::spec::load::yaml_error_in(&name, &text, &e)
                )
            },
        )?;
    match value {
        Json::Object(map) => Ok(map.into_iter().collect()),
        Json::Null => Ok(IndexMap::new()),
        _ => Err(format!(
            "--inputs {name}:1:1: expected a map of input names to values"
        )),
    }
}

/// Checks every target; on any error prints all diagnostics and returns exit 2.
/// Library specs found by expanding a directory are left out.
fn load_targets(targets: &[PathBuf]) -> Result<(Vec<CheckedSpec>, Vec<String>), i32> {
    let mut loader = Loader::new();
    let mut specs = Vec::new();
    let mut warnings = Vec::new();
    let mut errors = 0;
    for target in targets {
        let files = match discover::spec_files(std::slice::from_ref(target)) {
            Ok(f) => f,
            Err(e) => return Err(usage(&e)),
        };
        for file in files {
            let (checked, diagnostics) = spec::check_file(&mut loader, &file);
            let (errs, warns): (Vec<_>, Vec<_>) =
                diagnostics.into_iter().partition(|d| d.is_error());
            errors += errs.len();
            crate::diagnostics::print(&errs);
            if !warns.is_empty() {
                warnings.push(crate::diagnostics::render(&warns));
            }
            if let Some(c) = checked
                && !(c.loaded.spec.library && target.is_dir())
            {
                specs.push(c);
            }
        }
    }
    if errors > 0 {
        eprintln!("{errors} error(s): nothing was run");
        return Err(EXIT_INVALID);
    }
    Ok((specs, warnings))
}

fn needs_sandbox(loaded: &LoadedSpec, sources: &InputSources) -> bool {
    inputs::wants_sandbox(&loaded.spec, sources)
        || loaded.subspecs.values().any(|s| needs_sandbox(s, sources))
}

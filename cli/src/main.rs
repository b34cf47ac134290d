//! The `caseflow` command line. Exit codes: 0 all passed, 1 a step failed,
//! 2 invalid spec or usage, 3 internal error, 130/143 interrupted by
//! SIGINT/SIGTERM (after cleanup, the summary and the reports).

mod console;
mod diagnostics;
mod export;
mod import;
mod inspect;
mod lsp;
mod report_merge;
mod run;
mod sandbox;
mod shard;
mod signals;
mod validate;

use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

// A run allocates many small, short-lived values (templates' values, JSON
// bodies, reports); mimalloc serves them in a fraction of the system
// allocator's work.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub const EXIT_OK: i32 = 0;
pub const EXIT_FAILED: i32 = 1;
pub const EXIT_INVALID: i32 = 2;
pub const EXIT_INTERNAL: i32 = 3;

#[derive(Parser, Debug)]
#[command(
    name = "caseflow",
    version,
    about = "Run declarative YAML workflow specs of HTTP API calls as a concurrent dependency graph",
    after_help = "Exit codes: 0 all passed, 1 a step failed, 2 invalid spec or usage, 3 internal error, 130 interrupted (SIGINT, Ctrl-C), 143 terminated (SIGTERM)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// How spec diagnostics are written
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t,
        env = "CASEFLOW_MESSAGE_FORMAT"
    )]
    pub message_format: diagnostics::MessageFormat,
    /// Colour in diagnostics (`auto`: on a terminal, unless NO_COLOR is set)
    #[arg(long, global = true, value_enum, default_value_t)]
    pub color: diagnostics::ColorChoice,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check specs against the schema and for semantic errors (references, cycles, JSONPath, regex, templates)
    Validate {
        /// Spec files or directories (searched for *.yaml / *.yml)
        #[arg(default_value = "specs")]
        targets: Vec<PathBuf>,
    },
    /// Show a spec's dependency levels, what runs in parallel, and the critical path
    Plan {
        /// The spec file
        spec: PathBuf,
        /// Output format (`caseflow plan SPEC --format html > plan.html` writes a page)
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
    },
    /// Print a spec's dependency graph as Mermaid or DOT
    Graph {
        /// The spec file
        spec: PathBuf,
        /// Output format
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
    },
    /// List specs with their titles and tags
    List {
        /// Directory (or files) to list
        #[arg(default_value = "specs")]
        targets: Vec<PathBuf>,
    },
    /// Run specs; with no target inputs, against the embedded PingOne sandbox
    Run(run::RunArgs),
    /// Serve the PingOne sandbox and print its admin credentials, until Ctrl-C
    Sandbox {
        /// Port on 127.0.0.1 (0 picks a free one)
        #[arg(long, default_value_t = 8700)]
        port: u16,
    },
    /// Work with JSON run reports: `merge` the reports of shards into one
    Report {
        #[command(subcommand)]
        command: report_merge::ReportCommand,
    },
    /// Convert another tool's collection into specs
    Import {
        #[command(subcommand)]
        source: import::ImportSource,
    },
    /// Write a spec in another format
    Export {
        #[command(subcommand)]
        format: export::ExportFormat,
    },
    /// Explain a diagnostic code (`caseflow explain E0101`); without one, list them
    Explain {
        /// The code, e.g. E0101
        code: Option<String>,
    },
    /// Print the JSON Schema of specs (for editors and CI)
    Schema,
    /// Serve the Language Server Protocol on stdin/stdout, for editors
    Lsp,
    /// Print shell completions
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum PlanFormat {
    /// Levels, what runs in parallel, the critical path
    Text,
    /// One HTML page: the planned timeline, the critical path, what each step waits for
    Html,
}

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum GraphFormat {
    Mermaid,
    Dot,
}

/// The runtime `run` works on, for graphs where at most `width` steps can
/// run at once. A narrow run is a chain of wake-ups (request, connection
/// task, response, next step): on one thread none of them crosses threads,
/// about 30% less time per step. A wide one has enough work to spread over
/// every core.
fn runtime(width: usize) -> Result<tokio::runtime::Runtime, i32> {
    /// Steps in flight from which more threads pay off.
    const WIDE: usize = 64;
    if width >= WIDE {
        started(tokio::runtime::Builder::new_multi_thread().enable_all())
    } else {
        started(tokio::runtime::Builder::new_current_thread().enable_all())
    }
}

/// The standalone sandbox serves on every core.
fn server_runtime() -> Result<tokio::runtime::Runtime, i32> {
    started(tokio::runtime::Builder::new_multi_thread().enable_all())
}

fn started(builder: &mut tokio::runtime::Builder) -> Result<tokio::runtime::Runtime, i32> {
    builder.build().map_err(|e| {
        eprintln!("error: cannot start the async runtime: {e}");
        EXIT_INTERNAL
    })
}

/// The spec files of the targets; a usage error (printed) when there are none.
fn spec_files(targets: &[PathBuf]) -> Result<Vec<PathBuf>, i32> {
    caseflow::spec::discover::spec_files(targets).map_err(|e| {
        eprintln!("error: {e}");
        EXIT_INVALID
    })
}

/// Writes to stdout; a closed pipe (`caseflow plan x | head`) is not an error.
pub(crate) fn emit(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn run_main() -> i32 {
    let cli = Cli::parse();
    diagnostics::configure(cli.message_format, cli.color);
    match cli.command {
        Command::Validate { targets } => validate::validate(&targets),
        Command::Plan { spec, format } => inspect::plan(&spec, format),
        Command::Graph { spec, format } => inspect::graph(&spec, format),
        Command::List { targets } => inspect::list(&targets),
        Command::Run(args) => run::run(args),
        Command::Sandbox { port } => sandbox::serve(port),
        Command::Report { command } => report_merge::report(command),
        Command::Import { source } => import::import(source),
        Command::Export { format } => export::export(format),
        Command::Lsp => lsp::serve(),
        Command::Explain { code } => diagnostics::explain(code.as_deref()),
        Command::Schema => {
            emit(&caseflow::spec::schema::schema_text());
            EXIT_OK
        }
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "caseflow",
                &mut std::io::stdout(),
            );
            EXIT_OK
        }
    }
}

fn main() {
    // Freed memory goes back to the system at once rather than 10 ms later:
    // a long run's peak is what it holds, not what it held a moment ago.
    // (Transparent huge pages are off at build time, `no_thp`: a 2 MiB page
    // for a few KiB of steps is most of the peak of a small run.)
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15; // mi_option_purge_delay
    // SAFETY: sets an allocator option; no allocation is in flight.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
    std::process::exit(run_main());
}

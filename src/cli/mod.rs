//! The command-line interface: argument definitions and one function per command.
//!
//! Commands call the library, pick a renderer and write its output; the exit code says
//! whether the run was clean (0), found problems (1) or could not run at all (2).

mod build;
mod check;
mod diff;
mod inspect;
mod meta;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Check, build and review Manetu PolicyEngine PolicyDomain repositories.
#[derive(Debug, Parser)]
#[command(name = "pdc", version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("PDC_GIT_REVISION"), ")"), about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check PolicyDomains and report every problem found
    Check(CheckArgs),
    /// Check, then write deployable PolicyDomains and the compiled bundle
    Build(BuildArgs),
    /// Print the entity dependency graph
    Graph(GraphArgs),
    /// Explain one entity: where it is defined, what it references, who references it
    Explain(ExplainArgs),
    /// Show what a change does to access: `pdc diff OLD NEW` or `pdc diff --base REV [PATH...]`
    Diff(DiffArgs),
    /// List the diagnostic codes, or explain one with an example (`pdc rules PD401`)
    Rules(RulesArgs),
    /// Print the JSON Schema of PolicyDomain documents, for editors and validators
    Schema(SchemaArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
    /// Print the manual page (roff)
    Man,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// A code (`PD401`) or name (`unresolved-reference`) to explain
    pub code: Option<String>,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Only this apiVersion [default: one schema for every apiVersion and kind]
    #[arg(long, value_enum)]
    pub api_version: Option<ApiVersionArg>,
    /// Only this kind (with --api-version)
    #[arg(long, value_enum, requires = "api_version")]
    pub kind: Option<KindArg>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ApiVersionArg {
    V1alpha3,
    V1alpha4,
    V1beta1,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    #[value(name = "PolicyDomain")]
    PolicyDomain,
    #[value(name = "PolicyDomainReference")]
    PolicyDomainReference,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Diff output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// For a terminal
    Text,
    /// A pull-request comment
    Markdown,
    /// Versioned JSON, for bots
    Json,
}

/// The least serious class of change that fails the command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Breaking,
    Access,
    Any,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// OLD and NEW, each a path, a bundle.json, a Git revision `REV`, or `REV:path`;
    /// with --base, the paths to compare instead [default: policy-domains]
    pub sides: Vec<String>,
    /// Compare this Git revision with the working tree
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// Exit with 1 when there is any change
    #[arg(long)]
    pub exit_code: bool,
    /// Exit with 1 when there is a change of this class or a worse one
    #[arg(long, value_enum, value_name = "CLASS")]
    pub fail_on: Option<FailOn>,
    /// When to use colours in text output
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

/// Graph output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT (`dot -Tsvg`)
    Dot,
    /// Mermaid flowchart (renders in GitHub and GitLab comments)
    Mermaid,
    /// Nodes and edges as JSON
    Json,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Files or directories to read [default: policy-domains]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Show only this entity's neighbourhood (an MRN, `domain/mrn` or a name), both ways
    #[arg(long, value_name = "MRN")]
    pub focus: Option<String>,
    /// How many references away from --focus to go [default: 2 with --focus]
    #[arg(long, value_name = "N")]
    pub depth: Option<usize>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The entity: an MRN, `domain/mrn`, or the name of an operation, mapper or resource
    pub id: String,
    /// Files or directories to read [default: policy-domains]
    pub paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// Output format of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Source snippets with labels and help, for people
    Human,
    /// One JSON document, for scripts and bots
    Json,
}

/// Format of a check report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Source snippets with labels and help, for people
    Human,
    /// One JSON document, for scripts and bots
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers
    Sarif,
    /// GitHub Actions workflow commands (annotations), plus a job summary when
    /// GITHUB_STEP_SUMMARY is set
    Github,
    /// JUnit XML, one test case per checked file
    Junit,
}

/// Severity at which a check fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailLevel {
    Error,
    Warning,
}

/// When to colour human output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// Colour when writing to a terminal and `NO_COLOR` is not set
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub check: CheckArgs,
    /// Directory to write the bundle to (replaced as a whole)
    #[arg(
        short = 'o',
        long = "out-dir",
        value_name = "DIR",
        default_value = "dist"
    )]
    pub out_dir: PathBuf,
    /// Source revision to record in the manifest [default: the Git commit of the sources]
    #[arg(long, value_name = "REV")]
    pub revision: Option<String>,
    /// Write nothing; exit 1 when DIR differs from what the build would write (the manifest's
    /// source revision aside)
    #[arg(long)]
    pub verify: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to check; directories are searched for .yml/.yaml files
    /// [default: policy-domains]
    pub paths: Vec<PathBuf>,
    /// Report format; repeat it to write several reports in one run, each to the matching
    /// --output (a format without one goes to standard output)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Vec<ReportFormat>,
    /// File for the report of the matching --format (`-` for standard output)
    #[arg(long, value_name = "FILE")]
    pub output: Vec<PathBuf>,
    /// Lowest severity that fails the run (exit 1)
    #[arg(long, value_enum, default_value_t = FailLevel::Error)]
    pub fail_level: FailLevel,
    /// Exit with 1 when there are warnings, not only errors (same as --fail-level warning)
    #[arg(long)]
    pub deny_warnings: bool,
    /// When to use colours in human output
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Rego syntax of the modules [default: `[rego] version` in pdc.toml, else v0]
    #[arg(long, value_enum)]
    pub rego_version: Option<RegoVersionArg>,
    /// Also check delete-safety against this Git revision: removed or renamed entities that
    /// are still referenced, or used outside the repository
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
}

/// Rego syntax version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RegoVersionArg {
    /// Rego v0, the incumbent's default (`--v0-compatible`)
    V0,
    /// Rego v1 (OPA 1.0 syntax: `if` and `contains` required)
    V1,
}

impl From<RegoVersionArg> for pdc::rego::RegoVersion {
    fn from(arg: RegoVersionArg) -> Self {
        match arg {
            RegoVersionArg::V0 => pdc::rego::RegoVersion::V0,
            RegoVersionArg::V1 => pdc::rego::RegoVersion::V1,
        }
    }
}

/// How a run ended, as an exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing at the failing severity.
    Clean = 0,
    /// Problems found.
    Findings = 1,
    /// The command could not run: bad arguments, missing paths.
    Invocation = 2,
}

impl From<Outcome> for std::process::ExitCode {
    fn from(outcome: Outcome) -> Self {
        std::process::ExitCode::from(outcome as u8)
    }
}

pub fn run(cli: Cli) -> Outcome {
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Build(args) => build::run(&args),
        Command::Graph(args) => inspect::graph(&args),
        Command::Explain(args) => inspect::explain(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Rules(args) => meta::rules(&args),
        Command::Schema(args) => meta::schema(&args),
        Command::Completions(args) => meta::completions(&args),
        Command::Man => meta::man(),
    }
}

/// The paths to work on: those given, or the sample layout's `policy-domains/`.
fn paths_or_default(paths: &[PathBuf]) -> Vec<PathBuf> {
    if paths.is_empty() {
        vec![PathBuf::from("policy-domains")]
    } else {
        paths.to_vec()
    }
}

/// Whether to colour output written to stdout.
fn use_color(choice: Color) -> bool {
    colour_for(choice, std::io::stdout().is_terminal())
}

fn colour_for(choice: Color, terminal: bool) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && terminal,
    }
}

/// Shows on stderr the errors met while reading `workspace` (files that do not parse,
/// entities that could not be lowered): its model lacks whatever they cut out. Returns
/// how many there were.
fn report_reading_errors(workspace: &pdc::workspace::Workspace, choice: Color) -> usize {
    let mut errors: Vec<_> = workspace
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .cloned()
        .collect();
    if !errors.is_empty() {
        pdc::diagnostics::sort_and_dedup(&mut errors, &workspace.sources);
        let options = pdc::render::HumanOptions {
            color: colour_for(choice, std::io::stderr().is_terminal()),
        };
        let text = pdc::render::snippets(&workspace.sources, &errors, options);
        let _ = std::io::stderr().write_all(text.as_bytes());
    }
    errors.len()
}

/// Writes to stdout; a closed pipe (`pdc check | head`) is not an error.
fn emit(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

/// Reports an invocation problem on stderr.
fn fail(message: &str) -> Outcome {
    let _ = writeln!(std::io::stderr(), "pdc: error: {message}");
    Outcome::Invocation
}

//! `pdc check`: load, check and report in one or more formats.

use super::{CheckArgs, FailLevel, Outcome, ReportFormat, emit, fail, paths_or_default, use_color};
use pdc::render::{self, HumanOptions};
use pdc::sources::RepositoryPaths;
use pdc::workspace::{self, Report};

pub fn run(args: &CheckArgs) -> Outcome {
    let report = match load(args) {
        Ok(report) => report,
        Err(outcome) => return outcome,
    };
    if let Err(outcome) = write_reports(args, &report, None) {
        return outcome;
    }
    let outcome = verdict(args, &report);
    if outcome == Outcome::Findings && report.summary.errors == 0 {
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            b"pdc: failing on warnings (--deny-warnings or --fail-level warning)\n",
        );
    }
    release(report);
    outcome
}

/// Hands a finished report's memory back to the operating system at exit instead of
/// freeing a large tree node by node (a tenth of a second on big repositories).
pub fn release<T>(value: T) {
    std::mem::forget(value);
}

/// Loads and checks what `args` names; an invocation problem is already reported.
pub fn load(args: &CheckArgs) -> Result<Report, Outcome> {
    let cwd = std::env::current_dir()
        .map_err(|e| fail(&format!("cannot read the current directory: {e}")))?;
    let paths = paths_or_default(&args.paths);
    let options = workspace::Options {
        rego_version: args.rego_version.map(Into::into),
        base: args.base.clone(),
    };
    workspace::check(&paths, &cwd, &options).map_err(|e| fail(&e.to_string()))
}

/// Writes the report in every requested format: the k-th `--format` to the k-th `--output`,
/// the rest to standard output. With `github`, also appends a job summary to
/// `$GITHUB_STEP_SUMMARY` when that is set.
pub fn write_reports(
    args: &CheckArgs,
    report: &Report,
    build: Option<&render::BuildSummary>,
) -> Result<(), Outcome> {
    let formats = if args.format.is_empty() {
        vec![ReportFormat::Human]
    } else {
        args.format.clone()
    };
    if args.output.len() > formats.len() {
        return Err(fail(
            "more --output than --format options: give a --format for each --output",
        ));
    }
    for (i, format) in formats.iter().enumerate() {
        let text = render_report(args, *format, report, build);
        match args.output.get(i).filter(|p| p.as_os_str() != "-") {
            Some(path) => std::fs::write(path, text).map_err(|e| {
                fail(&format!(
                    "cannot write `{}`: {}",
                    path.display(),
                    pdc::sources::io_message(&e)
                ))
            })?,
            None => emit(&text),
        }
        if *format == ReportFormat::Github {
            append_step_summary(report)?;
        }
    }
    Ok(())
}

/// GitHub's job summary, when the step runs in GitHub Actions.
fn append_step_summary(report: &Report) -> Result<(), Outcome> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) else {
        return Ok(());
    };
    let text = render::github::step_summary(
        &report.workspace.sources,
        &report.diagnostics,
        &report.summary,
    );
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| std::io::Write::write_all(&mut file, text.as_bytes()))
        .map_err(|e| {
            fail(&format!(
                "cannot append to GITHUB_STEP_SUMMARY: {}",
                pdc::sources::io_message(&e)
            ))
        })
}

/// The report in one format; `build` adds what a build wrote.
pub fn render_report(
    args: &CheckArgs,
    format: ReportFormat,
    report: &Report,
    build: Option<&render::BuildSummary>,
) -> String {
    let sources = &report.workspace.sources;
    let (diagnostics, summary) = (&report.diagnostics, &report.summary);
    match format {
        ReportFormat::Human => {
            let options = HumanOptions {
                color: use_color(args.color),
            };
            let mut text = render::human(sources, diagnostics, summary, options);
            if let Some(build) = build {
                text.push_str(&render::build_line(build));
            }
            text
        }
        ReportFormat::Json => render::json(sources, diagnostics, summary, build),
        ReportFormat::Sarif => {
            render::sarif::sarif(sources, diagnostics, summary, &repository_paths(args))
        }
        ReportFormat::Github => {
            render::github::github(sources, diagnostics, summary, &repository_paths(args))
        }
        ReportFormat::Junit => render::junit::junit(sources, diagnostics, summary),
    }
}

/// Paths from the root of the repository holding the checked files (else of the directory
/// pdc runs in): SARIF and GitHub name files that way, while diagnostics name them as they
/// were given.
fn repository_paths(args: &CheckArgs) -> RepositoryPaths {
    let cwd = std::env::current_dir().unwrap_or_default();
    let dir = pdc::sources::first_existing_dir(&paths_or_default(&args.paths), &cwd);
    let root =
        pdc::git::toplevel(&dir).unwrap_or_else(|_| pdc::sources::repository_root(&dir, &cwd));
    RepositoryPaths::new(&root, &cwd)
}

/// Exit code for a checked workspace.
pub fn verdict(args: &CheckArgs, report: &Report) -> Outcome {
    let warnings_fail = args.deny_warnings || args.fail_level == FailLevel::Warning;
    let failing = report.summary.errors > 0 || (warnings_fail && report.summary.warnings > 0);
    if failing {
        Outcome::Findings
    } else {
        Outcome::Clean
    }
}

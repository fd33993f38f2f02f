//! `pdc check`: load, check and report.

use super::{CheckArgs, Format, Outcome, emit, fail, paths_or_default, use_color};
use pdc::render::{self, HumanOptions};
use pdc::workspace;

pub fn run(args: &CheckArgs) -> Outcome {
    let cwd = match std::env::current_dir() {
        Ok(cwd) => cwd,
        Err(e) => return fail(&format!("cannot read the current directory: {e}")),
    };
    let paths = paths_or_default(&args.paths);
    let options = workspace::Options {
        rego_version: args.rego_version.map(Into::into),
    };
    let report = match workspace::check(&paths, &cwd, &options) {
        Ok(report) => report,
        Err(e) => return fail(&e.to_string()),
    };
    let text = match args.format {
        Format::Human => render::human(
            &report.sources,
            &report.diagnostics,
            &report.summary,
            HumanOptions {
                color: use_color(args.color),
            },
        ),
        Format::Json => render::json(&report.sources, &report.diagnostics, &report.summary),
    };
    emit(&text);
    let failing = report.summary.errors > 0 || (args.deny_warnings && report.summary.warnings > 0);
    if failing {
        Outcome::Findings
    } else {
        Outcome::Clean
    }
}

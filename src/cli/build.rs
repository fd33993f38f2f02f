//! `pdc build`: check, then write the bundle; with any error, write nothing.

use super::check::{load, release, verdict, write_reports};
use super::{BuildArgs, Outcome, emit, fail, paths_or_default};
use pdc::bundle::{self, SourceRevision};
use pdc::render::BuildSummary;

pub fn run(args: &BuildArgs) -> Outcome {
    let report = match load(&args.check) {
        Ok(report) => report,
        Err(outcome) => return outcome,
    };
    if verdict(&args.check, &report) != Outcome::Clean {
        return write_reports(&args.check, &report, None)
            .err()
            .unwrap_or(Outcome::Findings);
    }
    if report.summary.domains == 0 {
        // most likely a wrong path: an empty bundle would replace a good one
        if let Err(outcome) = write_reports(&args.check, &report, None) {
            return outcome;
        }
        return fail(&format!(
            "nothing to build: no PolicyDomain found; `{}` was left as it was",
            pdc::sources::display_path(&args.out_dir)
        ));
    }
    let revision = match &args.revision {
        Some(revision) => Some(SourceRevision::Given {
            revision: revision.clone(),
        }),
        None => source_revision(&args.check.paths, &report.workspace),
    };
    let output = bundle::compile(&report.workspace, revision.as_ref());
    if args.verify {
        return verify(args, &report, &output);
    }
    let sources: Vec<(std::path::PathBuf, String)> = report
        .workspace
        .sources
        .iter()
        .filter_map(|(_, file)| Some((file.path.clone()?, file.name.clone())))
        .collect();
    if let Err(error) = bundle::write(&output, &args.out_dir, &sources) {
        let _ = write_reports(&args.check, &report, None);
        return fail(&error.to_string());
    }
    let summary = BuildSummary {
        directory: pdc::sources::display_path(&args.out_dir),
        domains: output.domains.clone(),
        files: output
            .files
            .iter()
            .map(|(path, bytes)| (path.clone(), bundle::model::sha256_hex(bytes)))
            .collect(),
    };
    if let Err(outcome) = write_reports(&args.check, &report, Some(&summary)) {
        return outcome;
    }
    release(output);
    release(report);
    Outcome::Clean
}

/// The Git revision of the sources, when they are in a work tree: asked of the repository
/// holding them (not of the current directory), and dirty when any file the build read or
/// anything under the paths given has uncommitted changes.
fn source_revision(
    paths: &[std::path::PathBuf],
    workspace: &pdc::workspace::Workspace,
) -> Option<SourceRevision> {
    let cwd = std::env::current_dir().ok()?;
    let mut watched: Vec<std::path::PathBuf> = paths_or_default(paths)
        .iter()
        .map(|p| cwd.join(p))
        .collect();
    watched.extend(
        workspace
            .sources
            .iter()
            .filter_map(|(_, file)| file.path.clone()),
    );
    let first = watched.first()?;
    let dir = if first.is_dir() {
        first.clone()
    } else {
        first.parent()?.to_path_buf()
    };
    pdc::git::revision(&dir, &watched).map(|r| SourceRevision::Git {
        commit: r.commit,
        dirty: r.dirty,
    })
}

/// `--verify`: compares the output with what `DIR` holds, writing nothing.
fn verify(args: &BuildArgs, report: &pdc::workspace::Report, output: &bundle::Output) -> Outcome {
    if let Err(outcome) = write_reports(&args.check, report, None) {
        return outcome;
    }
    let stale = bundle::stale_files(output, &args.out_dir);
    let shown = pdc::sources::display_path(&args.out_dir);
    let line = if stale.is_empty() {
        format!("{shown}/ is up to date\n")
    } else {
        format!(
            "{shown}/ is out of date ({}); run `pdc build -o {shown}` and commit the result\n",
            stale.join(", ")
        )
    };
    // machine-readable reports keep standard output to themselves
    let human_only = args
        .check
        .format
        .iter()
        .all(|f| *f == super::ReportFormat::Human);
    if human_only {
        emit(&line);
    } else {
        let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
    }
    if stale.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    }
}

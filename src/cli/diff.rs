//! `pdc diff`: compare two states and report what the change does to access.

use std::io::Write;
use std::path::PathBuf;

use super::{
    Color, DiffArgs, DiffFormat, FailOn, Outcome, emit, fail, paths_or_default, use_color,
};
use pdc::diff::{self, Class, DiffOptions, side};
use pdc::render::diff as render;

pub fn run(args: &DiffArgs) -> Outcome {
    let cwd = match std::env::current_dir() {
        Ok(cwd) => cwd,
        Err(e) => return fail(&format!("cannot read the current directory: {e}")),
    };
    let loaded = match &args.base {
        Some(base) => {
            let paths = paths_or_default(&args.sides.iter().map(PathBuf::from).collect::<Vec<_>>());
            let label = paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" ");
            rayon::join(
                || side::revision_side(base, &paths, &cwd),
                || {
                    pdc::workspace::load(&paths, &cwd)
                        .map(|w| side::from_workspace(&label, w))
                        .map_err(side::SideError::Discover)
                },
            )
        }
        None => {
            let [old, new] = args.sides.as_slice() else {
                return fail(
                    "give two states to compare (`pdc diff OLD NEW`), or `--base REV [PATH...]`",
                );
            };
            let defaults = paths_or_default(&[]);
            rayon::join(
                || side::load(old, &defaults, &cwd),
                || side::load(new, &defaults, &cwd),
            )
        }
    };
    let (old, new) = match loaded {
        (Ok(old), Ok(new)) => (old, new),
        (Err(e), _) | (_, Err(e)) => return fail(&e.to_string()),
    };
    for side in [&old, &new] {
        if let Some(reason) = side
            .workspace
            .as_ref()
            .and_then(|w| incomplete(w, args.color))
        {
            return fail(&format!(
                "cannot compare: `{}` {reason}",
                side.compiled.label
            ));
        }
    }
    let files = |side: &side::Side| side.workspace.as_ref().map(|w| w.files);
    if files(&old) == Some(0) && files(&new) == Some(0) {
        return fail(&format!(
            "nothing to compare: neither `{}` nor `{}` holds PolicyDomain files there",
            old.compiled.label, new.compiled.label
        ));
    }
    for side in [&old, &new] {
        if files(side) == Some(0) {
            let _ = writeln!(
                std::io::stderr(),
                "pdc: warning: `{}` holds no PolicyDomain files there; it is compared as empty",
                side.compiled.label
            );
        }
    }
    let external = new
        .workspace
        .as_ref()
        .map(|w| w.config.delete_safety.mrns().map(str::to_string).collect())
        .unwrap_or_default();
    let result = diff::diff(&old.compiled, &new.compiled, &DiffOptions { external });
    emit(&match args.format {
        DiffFormat::Text => {
            render::text(&result, use_color(args.color) && args.color != Color::Never)
        }
        DiffFormat::Markdown => render::markdown(&result),
        DiffFormat::Json => render::json(&result),
    });
    let threshold = match args.fail_on {
        Some(FailOn::Breaking) => Some(Class::Breaking),
        Some(FailOn::Access) => Some(Class::Access),
        Some(FailOn::Any) => Some(Class::Cosmetic),
        None if args.exit_code => Some(Class::Cosmetic),
        None => None,
    };
    let failing = threshold.is_some_and(|t| result.worst().is_some_and(|w| w <= t));
    super::check::release((old, new, result));
    if failing {
        Outcome::Findings
    } else {
        Outcome::Clean
    }
}

/// Why a side's model would leave part of it out, if it would: errors while reading (shown
/// on stderr), or one domain defined twice.
fn incomplete(workspace: &pdc::workspace::Workspace, color: super::Color) -> Option<String> {
    let errors = super::report_reading_errors(workspace, color);
    if errors > 0 {
        let (count, verb) = match errors {
            1 => ("1 error".to_string(), "leaves"),
            n => (format!("{n} errors"), "leave"),
        };
        return Some(format!(
            "has {count} (shown above) that {verb} part of it unread"
        ));
    }
    duplicate_domain(workspace)
        .map(|duplicate| format!("{duplicate}; `pdc check` reports it as PD302"))
}

/// "defines domain `d` in two files (`a.yaml`, `b.yaml`)" when it does: the compiled model
/// keeps one of them, so a comparison would silently leave the other out.
fn duplicate_domain(workspace: &pdc::workspace::Workspace) -> Option<String> {
    let mut seen: std::collections::HashMap<&str, &pdc::model::Domain> =
        std::collections::HashMap::new();
    let mut found: Vec<String> = workspace
        .domains
        .iter()
        .filter_map(|domain| {
            let first = *seen.entry(&domain.name.value).or_insert(domain);
            (!std::ptr::eq(first, domain)).then(|| {
                format!(
                    "defines domain `{}` in two places (`{}`, `{}`)",
                    domain.name.value,
                    workspace.sources.get(first.file).name,
                    workspace.sources.get(domain.file).name
                )
            })
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

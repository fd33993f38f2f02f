//! Git: the few facts pdc reads from a repository, by running `git` itself.
//!
//! Shelling out keeps pdc small and handles every repository layout `git` does (worktrees,
//! alternates, partial clones). Failures are values, never panics: a tree outside Git, or a
//! machine without `git`, simply has no revision.

use std::path::Path;
use std::process::Command;

/// The commit a tree is at, and whether the given paths have uncommitted changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revision {
    pub commit: String,
    pub dirty: bool,
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("LC_ALL", "C")
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The revision of the work tree containing `dir`, with `dirty` set when any of `paths`
/// (relative to `dir`) has uncommitted or untracked changes. `None` outside a work tree.
pub fn revision(dir: &Path, paths: &[&Path]) -> Option<Revision> {
    let commit = git(dir, &["rev-parse", "--verify", "-q", "HEAD"])?
        .trim()
        .to_string();
    if commit.is_empty() {
        return None;
    }
    let mut args: Vec<&str> = vec!["status", "--porcelain", "--"];
    let paths: Vec<String> = paths
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    args.extend(paths.iter().map(String::as_str));
    let status = git(dir, &args)?;
    Some(Revision {
        commit,
        dirty: !status.trim().is_empty(),
    })
}

//! Helpers shared by the command-line tests.

use std::path::Path;
use std::process::Command;

/// Runs `git` in `repo` with a fixed identity and no signing, so commits work on any machine.
pub fn git(repo: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(repo)
        .args(["-c", "user.email=ci@example.com", "-c", "user.name=ci"])
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?} in {}", repo.display());
}

/// The commit `HEAD` names in `repo`.
#[allow(
    dead_code,
    reason = "not every test binary that shares this module needs it"
)]
pub fn head(repo: &Path) -> String {
    let output = Command::new("git")
        .current_dir(repo)
        .args(["rev-parse", "HEAD"])
        .output()
        .expect("git runs");
    String::from_utf8(output.stdout)
        .expect("a commit id is ASCII")
        .trim()
        .to_string()
}

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

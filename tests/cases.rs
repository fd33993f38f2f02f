//! Command-line cases: each directory under `tests/cases/` (and each example under
//! `examples/`) holds input files, a `cmd` file and the expected output of `pdc` in both
//! report formats.
//!
//! `cmd` has two lines, `args: check a.yml b.yml` (run from the case directory) and
//! `exit: 1`. `expected.human` holds stdout with `--format human --color never`, and
//! `expected.json` stdout with `--format json`. Run with `PDC_BLESS=1` to write the expected
//! files from the current output (then review the diff before committing).
//!
//! An optional third line, `base: DIR`, is for delete-safety (`check --base HEAD`): the case
//! then runs in a temporary Git repository whose one commit holds the files of the case's
//! subdirectory `DIR` (the files as they were at the base revision), with the case's other
//! input files laid over them as the working tree.
//!
//! A second test checks that every diagnostic code in the registry appears in at least one
//! case, so no rule ships without a test of what users see.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use pdc::diagnostics::Code;

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<PathBuf> = ["tests/cases", "examples"]
        .iter()
        .filter_map(|d| std::fs::read_dir(root.join(d)).ok())
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("cmd").is_file())
        .collect();
    dirs.sort();
    dirs
}

struct Cmd {
    args: Vec<String>,
    exit: i32,
    base: Option<String>,
}

fn read_cmd(dir: &Path) -> Cmd {
    let text = std::fs::read_to_string(dir.join("cmd")).expect("cmd is readable");
    let mut args = vec!["check".to_string(), ".".to_string()];
    let mut exit = 0;
    let mut base = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("args:") {
            args = rest.split_whitespace().map(str::to_string).collect();
        } else if let Some(rest) = line.strip_prefix("exit:") {
            exit = rest.trim().parse().expect("exit is a number");
        } else if let Some(rest) = line.strip_prefix("base:") {
            base = Some(rest.trim().to_string());
        }
    }
    Cmd { args, exit, base }
}

/// A temporary Git repository for a case with a `base:` line, removed when dropped.
struct GitFixture {
    dir: PathBuf,
}

impl GitFixture {
    /// Commits the files of `case/base` and then lays the case's own input files over them
    /// (everything but `cmd`, `expected.*` and `base` itself).
    fn new(case: &Path, base: &str) -> GitFixture {
        let name = case.file_name().unwrap().to_string_lossy();
        let dir = std::env::temp_dir().join(format!("pdc-case-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let fixture = GitFixture { dir };
        copy_tree(&case.join(base), &fixture.dir, &|_| true);
        fixture.git(&["init", "-q", "-b", "main"]);
        fixture.git(&["add", "-A"]);
        fixture.git(&["commit", "-q", "-m", "base"]);
        for entry in std::fs::read_dir(&fixture.dir)
            .unwrap()
            .filter_map(Result::ok)
        {
            if entry.file_name() == ".git" {
                continue;
            }
            let path = entry.path();
            if path.is_dir() {
                std::fs::remove_dir_all(&path).unwrap();
            } else {
                std::fs::remove_file(&path).unwrap();
            }
        }
        copy_tree(case, &fixture.dir, &|name| {
            name != "cmd" && name != base && !name.starts_with("expected.")
        });
        fixture
    }

    fn git(&self, args: &[&str]) {
        support::git(&self.dir, args);
    }
}

impl Drop for GitFixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Copies the files under `from` to `to`, keeping only top-level entries `keep` accepts.
fn copy_tree(from: &Path, to: &Path, keep: &dyn Fn(&str) -> bool) {
    for entry in std::fs::read_dir(from).unwrap().filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !keep(&name) {
            continue;
        }
        let (source, target) = (entry.path(), to.join(&name));
        if source.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&source, &target, &|_| true);
        } else {
            std::fs::copy(&source, &target).unwrap();
        }
    }
}

fn run(dir: &Path, args: &[String], format: &str) -> (String, i32) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pdc"));
    command
        .current_dir(dir)
        .args(args)
        .args(["--format", format]);
    if format == "human" {
        command.args(["--color", "never"]);
    }
    let output = command.env_remove("NO_COLOR").output().expect("pdc runs");
    let stdout = String::from_utf8(output.stdout).expect("stdout is UTF-8");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("panicked"),
        "pdc panicked in {}: {stderr}",
        dir.display()
    );
    (stdout, output.status.code().unwrap_or(-1))
}

#[test]
fn every_case_matches_its_expected_output() {
    let bless = std::env::var_os("PDC_BLESS").is_some();
    let mut failures = Vec::new();
    let all = cases();
    assert!(!all.is_empty(), "no cases found under tests/cases");
    for dir in all {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let cmd = read_cmd(&dir);
        let fixture = cmd.base.as_deref().map(|base| GitFixture::new(&dir, base));
        let workdir = fixture.as_ref().map_or(dir.as_path(), |f| f.dir.as_path());
        let mut exit_codes = Vec::new();
        for (format, file) in [("human", "expected.human"), ("json", "expected.json")] {
            let (stdout, code) = run(workdir, &cmd.args, format);
            exit_codes.push(code);
            let path = dir.join(file);
            if bless {
                std::fs::write(&path, &stdout).unwrap();
                continue;
            }
            let expected = std::fs::read_to_string(&path).unwrap_or_default();
            if expected != stdout {
                failures.push(format!(
                    "{name}: {file} differs\n--- expected\n{expected}\n--- actual\n{stdout}"
                ));
            }
        }
        if bless {
            let args = cmd.args.join(" ");
            let base = cmd
                .base
                .as_ref()
                .map(|b| format!("base: {b}\n"))
                .unwrap_or_default();
            std::fs::write(
                dir.join("cmd"),
                format!("args: {args}\nexit: {}\n{base}", exit_codes[0]),
            )
            .unwrap();
        } else if exit_codes.iter().any(|&c| c != cmd.exit) {
            failures.push(format!(
                "{name}: exit codes {exit_codes:?}, expected {}",
                cmd.exit
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_code_is_covered_by_a_case() {
    if std::env::var_os("PDC_BLESS").is_some() {
        // the other test is rewriting the expected files right now
        return;
    }
    let mut seen = BTreeSet::new();
    for dir in cases() {
        let Ok(text) = std::fs::read_to_string(dir.join("expected.json")) else {
            continue;
        };
        let report: serde_json::Value = serde_json::from_str(&text).expect("expected.json is JSON");
        for diagnostic in report["diagnostics"].as_array().into_iter().flatten() {
            if let Some(code) = diagnostic["code"].as_str() {
                seen.insert(code.to_string());
            }
        }
    }
    let missing: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.id())
        .filter(|id| !seen.contains(*id))
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a case under tests/cases: {missing:?}"
    );
}

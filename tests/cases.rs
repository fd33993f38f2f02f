//! Command-line cases: each directory under `tests/cases/` (and each example under
//! `examples/`) holds input files, a `cmd` file and the expected output of `pdc` in both
//! report formats.
//!
//! `cmd` has two lines, `args: check a.yml b.yml` (run from the case directory) and
//! `exit: 1`. `expected.human` holds stdout with `--format human --color never`, and
//! `expected.json` stdout with `--format json`. Run with `PDC_BLESS=1` to write the expected
//! files from the current output (then review the diff before committing).
//!
//! A second test checks that every diagnostic code in the registry appears in at least one
//! case, so no rule ships without a test of what users see.

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
}

fn read_cmd(dir: &Path) -> Cmd {
    let text = std::fs::read_to_string(dir.join("cmd")).expect("cmd is readable");
    let mut args = vec!["check".to_string(), ".".to_string()];
    let mut exit = 0;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("args:") {
            args = rest.split_whitespace().map(str::to_string).collect();
        } else if let Some(rest) = line.strip_prefix("exit:") {
            exit = rest.trim().parse().expect("exit is a number");
        }
    }
    Cmd { args, exit }
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
        let mut exit_codes = Vec::new();
        for (format, file) in [("human", "expected.human"), ("json", "expected.json")] {
            let (stdout, code) = run(&dir, &cmd.args, format);
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
            std::fs::write(
                dir.join("cmd"),
                format!("args: {args}\nexit: {}\n", exit_codes[0]),
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

//! Build script: records the Git revision pdc is built from (for `pdc --version`), and
//! collects the command-line case of each diagnostic code as the worked example that
//! `pdc rules CODE` prints.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs");
    println!("cargo:rerun-if-changed=tests/cases");
    let revision = Command::new("git")
        .args(["describe", "--always", "--dirty", "--abbrev=12"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "unknown revision".to_string());
    println!("cargo:rustc-env=PDC_GIT_REVISION={revision}");
    examples();
}

/// Writes `$OUT_DIR/rule_examples.rs`: for each code with a case directory named after it
/// (`tests/cases/pd401-unresolved-reference/`), its YAML inputs and expected human output.
fn examples() {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let mut code = String::from(
        "/// An input file: name and content.\npub type File = (&'static str, &'static str);\n/// Worked examples by code id: input files and the expected report.\npub const RULE_EXAMPLES: &[(&str, &[File], &str)] = &[\n",
    );
    let cases = Path::new("tests/cases");
    let mut dirs: Vec<_> = std::fs::read_dir(cases)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.sort();
    for dir in dirs {
        let name = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let Some(id) = name
            .split('-')
            .next()
            .filter(|id| id.len() == 5 && id.starts_with("pd"))
        else {
            continue;
        };
        let expected = dir.join("expected.human");
        if !expected.is_file() {
            continue;
        }
        let mut inputs = Vec::new();
        collect_inputs(&dir, &dir, &mut inputs);
        inputs.sort();
        let _ = write!(code, "    ({:?}, &[", id.to_uppercase());
        for (name, input) in inputs {
            let absolute = std::fs::canonicalize(&input).unwrap_or(input.clone());
            let _ = write!(
                code,
                "({name:?}, include_str!({:?})), ",
                absolute.display().to_string()
            );
        }
        let expected = std::fs::canonicalize(&expected).unwrap_or(expected);
        let _ = writeln!(
            code,
            "], include_str!({:?})),",
            expected.display().to_string()
        );
    }
    code.push_str("];\n");
    let _ = std::fs::write(Path::new(&out).join("rule_examples.rs"), code);
}

/// The text input files of a case, with paths relative to it (`base/domain.yaml`).
fn collect_inputs(case: &Path, dir: &Path, out: &mut Vec<(String, std::path::PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            collect_inputs(case, &path, out);
            continue;
        }
        let text_input = path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "rego" || e == "toml")
            && std::fs::read(&path).is_ok_and(|bytes| std::str::from_utf8(&bytes).is_ok());
        if text_input {
            let name = path
                .strip_prefix(case)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            out.push((name, path));
        }
    }
}

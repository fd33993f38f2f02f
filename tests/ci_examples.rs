//! The CI examples in `examples/ci/` work as written: every `pdc` command of the GitHub
//! Actions workflow and of the GitLab CI file runs, as CI would run it, in a temporary Git
//! repository with a base branch (`origin/main`) and a non-breaking change on top, and
//! produces the files the workflows upload.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use pdc::sources::FileId;
use pdc::syntax::{Node, NodeKind, parse_stream};

/// Every scalar under a `run` key (GitHub) or in a `script` list (GitLab).
fn commands(node: &Node, out: &mut Vec<String>) {
    match &node.kind {
        NodeKind::Mapping(entries) => {
            for entry in entries {
                match (entry.key.as_str(), &entry.value.kind) {
                    (Some("run"), NodeKind::Scalar(s)) => out.push(s.text.clone()),
                    (Some("script"), NodeKind::Sequence(items)) => {
                        out.extend(items.iter().filter_map(|i| i.as_str().map(str::to_string)))
                    }
                    _ => commands(&entry.value, out),
                }
            }
        }
        NodeKind::Sequence(items) => items.iter().for_each(|i| commands(i, out)),
        NodeKind::Scalar(_) => {}
    }
}

fn pdc_commands(file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/ci")
            .join(file),
    )
    .unwrap();
    let parsed = parse_stream(&text, FileId(0));
    assert!(
        parsed.diagnostics.is_empty(),
        "{file} is not valid YAML: {:?}",
        parsed.diagnostics
    );
    let mut all = Vec::new();
    commands(parsed.documents[0].root.as_ref().unwrap(), &mut all);
    let found: Vec<String> = all
        .into_iter()
        .filter(|c| c.trim_start().starts_with("pdc "))
        .collect();
    assert!(found.len() >= 4, "{file}: {found:?}");
    found
}

fn repository(name: &str) -> PathBuf {
    let repo = std::env::temp_dir().join(format!("pdc-ci-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&repo);
    std::fs::create_dir_all(&repo).unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("policy-domains");
    let status = Command::new("cp")
        .arg("-r")
        .arg(&sample)
        .arg(repo.join("policy-domains"))
        .status()
        .unwrap();
    assert!(status.success());
    support::git(&repo, &["init", "-q", "-b", "main"]);
    support::git(&repo, &["add", "-A"]);
    support::git(&repo, &["commit", "-q", "-m", "base"]);
    support::git(&repo, &["update-ref", "refs/remotes/origin/main", "HEAD"]);
    support::git(&repo, &["checkout", "-q", "-b", "feature"]);
    let domain = repo.join("policy-domains/payments/domain.yaml");
    let text = std::fs::read_to_string(&domain).unwrap();
    std::fs::write(
        &domain,
        text.replacen("value: '250000'", "value: '300000'", 1),
    )
    .unwrap();
    support::git(&repo, &["commit", "-q", "-am", "raise the clerk limit"]);
    repo
}

fn run_all(name: &str, file: &str, env: &[(&str, &str)], produced: &[&str]) {
    let repo = repository(name);
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_pdc"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for command in pdc_commands(file) {
        let output = Command::new("sh")
            .current_dir(&repo)
            .args(["-c", &command])
            .env("PATH", &path)
            .envs(env.iter().copied())
            .env_remove("GITHUB_STEP_SUMMARY")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{file}: `{command}` failed\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    for file in produced {
        assert!(repo.join(file).exists(), "{file} was not produced");
    }
    let _ = std::fs::remove_dir_all(&repo);
}

#[test]
fn github_actions_commands_run() {
    run_all(
        "github",
        "github-actions.yml",
        &[("GITHUB_BASE_REF", "main")],
        &["pdc.sarif", "dist/bundle.json", "pdc-diff.md"],
    );
}

#[test]
fn gitlab_ci_commands_run() {
    run_all(
        "gitlab",
        "gitlab-ci.yml",
        &[("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main")],
        &["pdc-junit.xml", "dist/bundle.json", "pdc-diff.md"],
    );
}

/// GitHub and SARIF name files from the repository root whichever directory pdc runs in and
/// however the files are given, and a finding in the base revision annotates its file as a
/// whole (its lines are not the working tree's).
#[test]
fn ci_reports_name_files_from_the_repository_root() {
    let repo = repository("paths");
    let domain = repo.join("policy-domains/payments/domain.yaml");
    let text = std::fs::read_to_string(&domain).unwrap();
    let removed = "    - mrn: mrn:iam:payments:group:accounts-payable\n      name: accounts-payable\n      roles:\n        - mrn:iam:payments:role:clerk\n      annotations:\n        - name: cost-center\n          value: '3100'\n\n";
    assert!(text.contains(removed));
    std::fs::write(&domain, text.replacen(removed, "", 1)).unwrap();
    let subdir = repo.join("policy-domains/payments");
    let absolute = repo.join("policy-domains").canonicalize().unwrap();
    let absolute = absolute.display().to_string();
    // from inside the repository, and from outside any repository
    let outside = std::env::temp_dir();
    for (cwd, given) in [
        (&subdir, ".."),
        (&subdir, "../../policy-domains/"),
        (&subdir, absolute.as_str()),
        (&outside, absolute.as_str()),
    ] {
        let run = |format: &str| {
            let output = Command::new(env!("CARGO_BIN_EXE_pdc"))
                .current_dir(cwd)
                .args(["check", "--base", "main", given, "--format", format])
                .output()
                .unwrap();
            assert_eq!(output.status.code(), Some(0), "{given} {format}");
            String::from_utf8(output.stdout).unwrap()
        };
        let github = run("github");
        assert_eq!(
            github.trim_end(),
            "::warning file=policy-domains/payments/domain.yaml,title=PD902 access-removed::\
             group `mrn:iam:payments:group:accounts-payable` was removed since `main`: members \
             of this group lose roles `payments/mrn:iam:payments:role:clerk` and policies \
             `payments/mrn:iam:payments:policy:clerk`%0Amain:policy-domains/payments/\
             domain.yaml:233:12%0Ahelp: tokens carry this MRN, so access ends the moment this \
             deploys; if that is intended, make sure nobody still relies on it",
            "{given}"
        );
        let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).unwrap();
        let location = &sarif["runs"][0]["results"][0]["locations"][0];
        assert_eq!(
            location["physicalLocation"]["artifactLocation"]["uri"],
            "policy-domains/payments/domain.yaml",
            "{given}"
        );
        assert!(location["physicalLocation"].get("region").is_none());
        assert_eq!(
            location["message"]["text"],
            "defined here in `main` (at `main`, line 233)"
        );
        let junit = run("junit");
        assert!(
            junit.contains(
                "<testcase classname=\"pdc\" name=\"main:policy-domains/payments/domain.yaml\">"
            ),
            "{junit}"
        );
    }
    let _ = std::fs::remove_dir_all(&repo);
}

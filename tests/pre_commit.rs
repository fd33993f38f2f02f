//! The pre-commit hooks, run through the real `pre-commit` program against a temporary Git
//! repository: `pdc-check` passes on a clean PolicyDomain and fails on a broken one, and
//! `pdc-build-verify` fails until `dist/` is rebuilt.
//!
//! The hooks come from the project's committed `HEAD` (commit `.pre-commit-hooks.yaml`
//! changes before running this test). Needs `pre-commit` on the PATH (`pip install pre-commit`). Without it the test says so and
//! passes, unless `PDC_REQUIRE_PRE_COMMIT` is set, as CI does. pre-commit builds pdc with
//! `cargo install`; the build cache lives in `target/pre-commit`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CLEAN: &str = "apiVersion: iamlite.manetu.io/v1beta1\nkind: PolicyDomain\nmetadata:\n  name: shop\nspec:\n  policies:\n    - mrn: mrn:iam:shop:policy:read\n      rego: |\n        package authz\n        default allow = false\n  roles:\n    - mrn: mrn:iam:shop:role:reader\n      policy: mrn:iam:shop:policy:read\n  groups:\n    - mrn: mrn:iam:shop:group:everyone\n      roles: [mrn:iam:shop:role:reader]\n";

/// Runs one hook of this project's committed `HEAD`, as a user's `.pre-commit-config.yaml`
/// pinning a revision would; pre-commit builds pdc once per revision and reuses it.
fn pre_commit(repo: &Path, hook: &str) -> Output {
    let project = Path::new(env!("CARGO_MANIFEST_DIR"));
    let head = support::head(project);
    let config = format!(
        "repos:\n  - repo: {}\n    rev: {}\n    hooks:\n      - id: pdc-check\n      - id: pdc-build-verify\n",
        project.display(),
        head
    );
    std::fs::write(repo.join(".pre-commit-config.yaml"), config).unwrap();
    Command::new("pre-commit")
        .current_dir(repo)
        .args(["run", hook, "--all-files", "--color", "never"])
        .env("CARGO_TARGET_DIR", project.join("target/pre-commit"))
        .env("PRE_COMMIT_HOME", project.join("target/pre-commit-home"))
        .output()
        .expect("pre-commit runs")
}

#[test]
fn hooks_run_through_pre_commit() {
    if Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var_os("PDC_REQUIRE_PRE_COMMIT").is_none(),
            "pre-commit is not installed but PDC_REQUIRE_PRE_COMMIT is set"
        );
        eprintln!("skipping: pre-commit is not installed (pip install pre-commit)");
        return;
    }
    let repo: PathBuf = std::env::temp_dir().join(format!("pdc-pre-commit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&repo);
    std::fs::create_dir_all(repo.join("policy-domains")).unwrap();
    support::git(&repo, &["init", "-q"]);
    std::fs::write(repo.join("policy-domains/shop.yaml"), CLEAN).unwrap();
    support::git(&repo, &["add", "-A"]);

    let clean = pre_commit(&repo, "pdc-check");
    let text = String::from_utf8_lossy(&clean.stdout);
    assert!(
        clean.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&clean.stderr)
    );
    assert!(
        text.contains("pdc check") && text.contains("Passed"),
        "{text}"
    );

    std::fs::write(
        repo.join("policy-domains/shop.yaml"),
        CLEAN.replace(
            "policy: mrn:iam:shop:policy:read",
            "policy: mrn:iam:shop:policy:raed",
        ),
    )
    .unwrap();
    support::git(&repo, &["add", "-A"]);
    let broken = pre_commit(&repo, "pdc-check");
    let text = String::from_utf8_lossy(&broken.stdout);
    assert!(!broken.status.success(), "{text}");
    assert!(
        text.contains("Failed") && text.contains("error[PD401]"),
        "{text}"
    );
    assert!(
        text.contains("did you mean `mrn:iam:shop:policy:read`?"),
        "{text}"
    );

    std::fs::write(repo.join("policy-domains/shop.yaml"), CLEAN).unwrap();
    support::git(&repo, &["add", "-A"]);
    let stale = pre_commit(&repo, "pdc-build-verify");
    assert!(
        !stale.status.success(),
        "{}",
        String::from_utf8_lossy(&stale.stdout)
    );
    assert!(String::from_utf8_lossy(&stale.stdout).contains("dist/ is out of date"));
    let built = Command::new(env!("CARGO_BIN_EXE_pdc"))
        .current_dir(&repo)
        .arg("build")
        .output()
        .unwrap();
    assert!(built.status.success());
    support::git(&repo, &["add", "-A"]);
    let fresh = pre_commit(&repo, "pdc-build-verify");
    assert!(
        fresh.status.success(),
        "{}",
        String::from_utf8_lossy(&fresh.stdout)
    );
    let _ = std::fs::remove_dir_all(&repo);
}

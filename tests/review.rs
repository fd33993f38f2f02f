//! Review and delete-safety against real Git repositories made in a temporary directory:
//! `pdc diff --base HEAD~1`, `pdc diff REV REV`, and `pdc check --base HEAD~1` on renames,
//! deletions with and without dependents, reordered operations, cosmetic-only edits, Rego
//! edits and cross-domain effects; snapshots of each diff format; and the property that a
//! state compared with itself has no changes.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use proptest::prelude::*;

struct Repo {
    dir: PathBuf,
}

impl Repo {
    fn new(name: &str) -> Repo {
        let dir = std::env::temp_dir().join(format!("pdc-review-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("policy-domains")).unwrap();
        let repo = Repo { dir };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    fn git(&self, args: &[&str]) {
        support::git(&self.dir, args);
    }

    fn write(&self, path: &str, text: &str) {
        let path = self.dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    fn pdc(&self, args: &[&str]) -> Output {
        let output = Command::new(env!("CARGO_BIN_EXE_pdc"))
            .current_dir(&self.dir)
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
        output
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let output = self.pdc(args);
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "{e}: {}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        })
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const SHARED: &str = r#"apiVersion: iamlite.manetu.io/v1beta1
kind: PolicyDomain
metadata:
  name: shared
spec:
  policy-libraries:
    - mrn: mrn:iam:shared:library:roles
      rego: |
        package shared.roles

        has_role(p, r) {
          p.mroles[_] == r
        }
"#;

const SHOP: &str = r#"apiVersion: iamlite.manetu.io/v1beta1
kind: PolicyDomain
metadata:
  name: shop
spec:
  policies:
    - mrn: mrn:iam:shop:policy:read
      description: read the catalogue
      dependencies:
        - shared/mrn:iam:shared:library:roles
      rego: |
        package authz
        import data.shared.roles

        default allow = false

        allow {
          roles.has_role(input.principal, "mrn:iam:shop:role:buyer")
        }
    - mrn: mrn:iam:shop:policy:admin
      rego: |
        package authz
        default allow = true
    - mrn: mrn:iam:shop:policy:gateway
      rego: |
        package authz
        default allow = 0
  roles:
    - mrn: mrn:iam:shop:role:buyer
      policy: mrn:iam:shop:policy:read
      annotations:
        - name: tier
          value: silver
    - mrn: mrn:iam:shop:role:admin
      policy: mrn:iam:shop:policy:admin
  groups:
    - mrn: mrn:iam:shop:group:customers
      roles:
        - mrn:iam:shop:role:buyer
    - mrn: mrn:iam:shop:group:staff
      roles:
        - mrn:iam:shop:role:buyer
        - mrn:iam:shop:role:admin
  operations:
    - name: read
      selector: ["shop:read:.*"]
      policy: mrn:iam:shop:policy:gateway
    - name: admin
      selector: ["shop:admin:.*"]
      policy: mrn:iam:shop:policy:gateway
"#;

fn base_repo(name: &str) -> Repo {
    let repo = Repo::new(name);
    repo.write("policy-domains/shared.yaml", SHARED);
    repo.write("policy-domains/shop.yaml", SHOP);
    repo.commit("base");
    repo
}

fn changes(diff: &serde_json::Value) -> Vec<(String, String, String, String)> {
    diff["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["class"].as_str().unwrap().to_string(),
                c["kind"].as_str().unwrap().to_string(),
                c["section"].as_str().unwrap().to_string(),
                c["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn codes(report: &serde_json::Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn renaming_a_referenced_role_is_breaking_and_an_error() {
    let repo = base_repo("rename");
    repo.write(
        "policy-domains/shop.yaml",
        &SHOP.replacen(
            "- mrn: mrn:iam:shop:role:admin\n",
            "- mrn: mrn:iam:shop:role:administrator\n",
            1,
        ),
    );
    repo.commit("rename admin");
    let diff = repo.json(&["diff", "HEAD~1", "HEAD", "--format", "json"]);
    assert!(changes(&diff).contains(&(
        "breaking".into(),
        "renamed".into(),
        "roles".into(),
        "mrn:iam:shop:role:administrator".into()
    )));
    let renamed = &diff["changes"][0];
    assert_eq!(renamed["renamed_from"], "mrn:iam:shop:role:admin");
    let report = repo.json(&["check", "--base", "HEAD~1", "--format", "json"]);
    assert_eq!(codes(&report), ["PD901"]);
    let diagnostic = &report["diagnostics"][0];
    assert!(
        diagnostic["message"]
            .as_str()
            .unwrap()
            .contains("renamed to `mrn:iam:shop:role:administrator`")
    );
    assert_eq!(diagnostic["line"], 43);
    assert_eq!(
        diagnostic["related"][0]["file"],
        "HEAD~1:policy-domains/shop.yaml"
    );
    assert_eq!(diagnostic["related"][0]["line"], 34);
    assert_eq!(
        repo.pdc(&["check", "--base", "HEAD~1"]).status.code(),
        Some(1)
    );
    assert_eq!(
        repo.pdc(&["diff", "HEAD~1", "HEAD", "--fail-on", "breaking"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn deleting_a_group_nothing_references_is_a_warning_saying_who_loses_what() {
    let repo = base_repo("delete-group");
    let without = SHOP.replace("    - mrn: mrn:iam:shop:group:customers\n      roles:\n        - mrn:iam:shop:role:buyer\n", "");
    repo.write("policy-domains/shop.yaml", &without);
    let report = repo.json(&["check", "--base", "HEAD", "--format", "json"]);
    assert_eq!(codes(&report), ["PD902"]);
    let message = report["diagnostics"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("group `mrn:iam:shop:group:customers` was removed"),
        "{message}"
    );
    assert!(
        message.contains(
            "lose roles `shop/mrn:iam:shop:role:buyer` and policies `shop/mrn:iam:shop:policy:read`"
        ),
        "{message}"
    );
    assert_eq!(
        repo.pdc(&["check", "--base", "HEAD"]).status.code(),
        Some(0)
    );
    let diff = repo.json(&["diff", "--base", "HEAD", "--format", "json"]);
    assert_eq!(
        changes(&diff),
        [(
            "breaking".into(),
            "removed".into(),
            "groups".into(),
            "mrn:iam:shop:group:customers".into()
        )]
    );
    // the impact says what members of the removed group lose, and the reverse diff what
    // members of the added group gain
    let lost = &diff["impact"]["groups"][0];
    assert_eq!(lost["group"], "shop/mrn:iam:shop:group:customers");
    assert_eq!(
        lost["roles_lost"],
        serde_json::json!(["shop/mrn:iam:shop:role:buyer"])
    );
    assert_eq!(
        lost["policies_lost"],
        serde_json::json!(["shop/mrn:iam:shop:policy:read"])
    );
    repo.commit("without customers");
    repo.write("policy-domains/shop.yaml", SHOP);
    let diff = repo.json(&["diff", "--base", "HEAD", "--format", "json"]);
    let gained = &diff["impact"]["groups"][0];
    assert_eq!(gained["group"], "shop/mrn:iam:shop:group:customers");
    assert_eq!(
        gained["roles_gained"],
        serde_json::json!(["shop/mrn:iam:shop:role:buyer"])
    );
    assert_eq!(gained["roles_lost"], serde_json::json!([]));
}

#[test]
fn the_impact_of_a_removed_role_names_the_policy_its_holders_lose() {
    let repo = base_repo("remove-role");
    let without = SHOP
        .replace(
            "    - mrn: mrn:iam:shop:role:admin\n      policy: mrn:iam:shop:policy:admin\n",
            "",
        )
        .replace("        - mrn:iam:shop:role:admin\n", "");
    repo.write("policy-domains/shop.yaml", &without);
    let diff = repo.json(&["diff", "--base", "HEAD", "--format", "json"]);
    assert_eq!(
        diff["impact"]["roles"],
        serde_json::json!([{
            "role": "shop/mrn:iam:shop:role:admin",
            "old_policy": "shop/mrn:iam:shop:policy:admin",
            "new_policy": null,
        }])
    );
    let staff = &diff["impact"]["groups"][0];
    assert_eq!(staff["group"], "shop/mrn:iam:shop:group:staff");
    assert_eq!(
        staff["roles_lost"],
        serde_json::json!(["shop/mrn:iam:shop:role:admin"])
    );
}

#[test]
fn deleting_a_policy_still_referenced_is_an_error_at_the_reference() {
    let repo = base_repo("delete-policy");
    let start = SHOP.find("    - mrn: mrn:iam:shop:policy:admin").unwrap();
    let end = SHOP.find("    - mrn: mrn:iam:shop:policy:gateway").unwrap();
    repo.write(
        "policy-domains/shop.yaml",
        &format!("{}{}", &SHOP[..start], &SHOP[end..]),
    );
    let report = repo.json(&["check", "--base", "HEAD", "--format", "json"]);
    // an error at the reference (the role's `policy`), and no PD401 beside it
    assert_eq!(codes(&report), ["PD901"]);
    assert!(
        report["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("role `mrn:iam:shop:role:admin` still references it")
    );
    let diff = repo.json(&["diff", "--base", "HEAD", "--format", "json"]);
    let removed = changes(&diff);
    assert_eq!(
        removed[0],
        (
            "breaking".into(),
            "removed".into(),
            "policies".into(),
            "mrn:iam:shop:policy:admin".into()
        )
    );
    assert!(
        diff["changes"][0]["reasons"][0]
            .as_str()
            .unwrap()
            .contains("still referenced by")
    );
}

#[test]
fn external_mrns_in_pdc_toml_may_not_disappear() {
    let repo = base_repo("external");
    repo.write(
        "pdc.toml",
        "[delete-safety]\nexternal = [\"mrn:iam:shop:group:customers\"]\n",
    );
    repo.commit("config");
    let without = SHOP.replace("    - mrn: mrn:iam:shop:group:customers\n      roles:\n        - mrn:iam:shop:role:buyer\n", "");
    repo.write("policy-domains/shop.yaml", &without);
    let report = repo.json(&["check", "--base", "HEAD", "--format", "json"]);
    assert_eq!(codes(&report), ["PD903"]);
    assert_eq!(
        repo.pdc(&["check", "--base", "HEAD"]).status.code(),
        Some(1)
    );
}

#[test]
fn reordering_operations_changes_routing() {
    let repo = base_repo("reorder");
    let read = "    - name: read\n      selector: [\"shop:read:.*\"]\n      policy: mrn:iam:shop:policy:gateway\n";
    let admin = "    - name: admin\n      selector: [\"shop:admin:.*\"]\n      policy: mrn:iam:shop:policy:gateway\n";
    repo.write(
        "policy-domains/shop.yaml",
        &SHOP.replace(&format!("{read}{admin}"), &format!("{admin}{read}")),
    );
    let diff = repo.json(&["diff", "--base", "HEAD", "--format", "json"]);
    assert_eq!(
        changes(&diff),
        [(
            "access".into(),
            "reordered".into(),
            "operations".into(),
            "".into()
        )]
    );
    assert_eq!(diff["impact"]["operations"][0]["what"], "position");
    assert_eq!(
        codes(&repo.json(&["check", "--base", "HEAD", "--format", "json"])),
        Vec::<String>::new()
    );
}

#[test]
fn cosmetic_edits_change_no_access() {
    let repo = base_repo("cosmetic");
    let cosmetic = SHOP
        .replace(
            "kind: PolicyDomain\napiVersion: iamlite.manetu.io/v1beta1",
            "",
        )
        .replace(
            "description: read the catalogue",
            "description: read the product catalogue  # reworded",
        )
        .replace(
            "        default allow = false\n\n",
            "        # deny unless a rule below grants\n        default allow    = false\n\n",
        )
        .replace(
            "    - mrn: mrn:iam:shop:role:buyer\n      policy: mrn:iam:shop:policy:read\n",
            "    - policy: &read mrn:iam:shop:policy:read\n      mrn: 'mrn:iam:shop:role:buyer'\n",
        );
    repo.write(
        "policy-domains/shop.yaml",
        &format!("# the shop's access model\n{cosmetic}"),
    );
    let diff = repo.json(&["diff", "--base", "HEAD", "--format", "json"]);
    let found = changes(&diff);
    assert!(!found.is_empty());
    assert!(found.iter().all(|c| c.0 == "cosmetic"), "{found:?}");
    assert_eq!(diff["impact"]["groups"].as_array().unwrap().len(), 0);
    assert_eq!(diff["impact"]["rego"].as_array().unwrap().len(), 0);
    assert_eq!(
        repo.pdc(&["diff", "--base", "HEAD", "--fail-on", "access"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        repo.pdc(&["diff", "--base", "HEAD", "--exit-code"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn a_shared_library_edit_reaches_policies_in_other_domains() {
    let repo = base_repo("cross-domain");
    repo.write(
        "policy-domains/shared.yaml",
        &SHARED.replace(
            "p.mroles[_] == r",
            "p.mroles[_] == r\n          not p.suspended",
        ),
    );
    let diff = repo.json(&["diff", "--base", "HEAD", "--format", "json"]);
    assert_eq!(
        changes(&diff),
        [(
            "access".into(),
            "modified".into(),
            "policy-libraries".into(),
            "mrn:iam:shared:library:roles".into()
        )]
    );
    let rego = &diff["impact"]["rego"][0];
    assert_eq!(rego["policy"], "shop/mrn:iam:shop:policy:read");
    assert_eq!(rego["changed"][0], "shared/mrn:iam:shared:library:roles");
    assert_eq!(
        rego["groups"],
        serde_json::json!([
            "shop/mrn:iam:shop:group:customers",
            "shop/mrn:iam:shop:group:staff"
        ])
    );
}

#[test]
fn diff_formats_match_their_snapshots() {
    let repo = base_repo("formats");
    let changed = SHOP
        .replace("        - mrn:iam:shop:role:buyer\n        - mrn:iam:shop:role:admin\n", "        - mrn:iam:shop:role:admin\n")
        .replace("value: silver", "value: gold")
        .replace("roles.has_role(input.principal, \"mrn:iam:shop:role:buyer\")", "roles.has_role(input.principal, \"mrn:iam:shop:role:buyer\")\n          input.principal.verified")
        .replacen("- mrn: mrn:iam:shop:role:admin\n", "- mrn: mrn:iam:shop:role:shop-admin\n", 1)
        .replace("        - mrn:iam:shop:role:admin\n", "        - mrn:iam:shop:role:shop-admin\n");
    repo.write("policy-domains/shop.yaml", &changed);
    repo.commit("changes");
    for (format, file) in [
        ("text", "diff.txt"),
        ("markdown", "diff.md"),
        ("json", "diff.json"),
    ] {
        let output = repo.pdc(&["diff", "HEAD~1", "HEAD", "--format", format]);
        assert!(output.status.success());
        snapshot(file, &String::from_utf8(output.stdout).unwrap());
    }
}

fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("PDC_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "snapshot {name} differs (PDC_BLESS=1 to update)\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}

#[test]
fn invocation_problems_exit_with_2() {
    let repo = base_repo("invocation");
    let unknown = repo.pdc(&["diff", "--base", "no-such-rev"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown revision `no-such-rev`"));
    assert_eq!(
        repo.pdc(&["check", "--base", "no-such-rev"]).status.code(),
        Some(2)
    );
    assert_eq!(repo.pdc(&["diff", "only-one"]).status.code(), Some(2));
    assert_eq!(
        repo.pdc(&["diff", "HEAD", "missing-dir/"]).status.code(),
        Some(2)
    );
    // a bundle from `pdc build` is a side too
    assert!(repo.pdc(&["build", "-o", "dist"]).status.success());
    let same = repo.json(&[
        "diff",
        "dist/bundle.json",
        "policy-domains",
        "--format",
        "json",
    ]);
    assert_eq!(changes(&same), Vec::new());
}

#[test]
fn a_side_that_does_not_load_is_refused_not_read_as_deleted() {
    let repo = base_repo("broken-side");
    repo.write(
        "policy-domains/shop.yaml",
        &SHOP.replace("  groups:\n", "  groups: [\n"),
    );
    for args in [
        &["diff", "--base", "HEAD"][..],
        &["diff", "HEAD", "policy-domains"],
        &["diff", "policy-domains", "HEAD"],
    ] {
        let output = repo.pdc(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?} printed a diff");
        assert!(stderr.contains("error[PD101]"), "{stderr}");
        assert!(
            stderr.contains("cannot compare: `policy-domains` has 1 error"),
            "{stderr}"
        );
    }
    // a file that does not parse now hides its entities; it has not removed them
    let broken = repo.json(&["check", "--base", "HEAD", "--format", "json"]);
    assert_eq!(codes(&broken), ["PD101"]);
    // the broken state committed is the base now: delete-safety says what it cannot see
    repo.commit("broken");
    repo.write("policy-domains/shop.yaml", SHOP);
    let report = repo.json(&["check", "--base", "HEAD", "--format", "json"]);
    assert_eq!(codes(&report), ["PD904"]);
    let unknown = repo.pdc(&["diff", "HEAD", "policy-domains"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("cannot compare: `HEAD` has"));
    // one domain in two files: the model keeps one, so a comparison would hide the other
    repo.write("policy-domains/shop-extra.yaml", SHOP);
    let twice = repo.pdc(&["diff", "--base", "HEAD~1"]);
    assert_eq!(twice.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&twice.stderr).contains(
            "cannot compare: `policy-domains` defines domain `shop` in two places \
             (`policy-domains/shop-extra.yaml`, `policy-domains/shop.yaml`)"
        ),
        "{}",
        String::from_utf8_lossy(&twice.stderr)
    );
}

/// Small random domains: roles, groups and policies referring to each other.
fn domain_text() -> impl Strategy<Value = String> {
    (1usize..5, 1usize..6, 1usize..6, proptest::collection::vec(0usize..100, 12)).prop_map(|(policies, roles, groups, picks)| {
        let mut y = String::from("apiVersion: iamlite.manetu.io/v1alpha4\nkind: PolicyDomain\nmetadata:\n  name: prop\nspec:\n  policies:\n");
                for (p, pick) in picks.iter().take(policies).enumerate() {
            y.push_str(&format!("    - mrn: p{p}\n      rego: |\n        package authz\n        default allow = {}\n", pick % 2 == 0));
        }
        y.push_str("  roles:\n");
        for r in 0..roles {
            y.push_str(&format!("    - mrn: r{r}\n      policy: p{}\n      annotations:\n        - name: n\n          value: '{}'\n", picks[r] % policies, picks[r + 1]));
        }
        y.push_str("  groups:\n");
        for g in 0..groups {
            y.push_str(&format!("    - mrn: g{g}\n      roles: [r{}, r{}]\n", picks[g] % roles, picks[g + 2] % roles));
        }
        y.push_str("  operations:\n    - name: all\n      selector: [\"prop:.*\"]\n      policy: p0\n");
        y
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn a_state_compared_with_itself_has_no_changes(text in domain_text()) {
        let dir = std::env::temp_dir().join(format!("pdc-prop-{}-{}", std::process::id(), text.len()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("d.yaml"), &text).unwrap();
        let workspace = pdc::workspace::load(&[PathBuf::from("d.yaml")], &dir).unwrap();
        let side = pdc::diff::side::from_workspace("a", workspace);
        let result = pdc::diff::diff(&side.compiled, &side.compiled, &pdc::diff::DiffOptions::default());
        let _ = std::fs::remove_dir_all(&dir);
        prop_assert!(result.changes.is_empty(), "{:?}", result.changes);
        prop_assert!(result.impact.is_empty());
    }
}

/// A revision is read the way a directory walk reads the work tree: hidden directories and
/// committed bundles are left out, links are read through, `.rego` line ends are layout, and
/// a path the revision lacks is empty rather than an error.
#[test]
fn revisions_are_read_as_the_work_tree_is() {
    let repo = Repo::new("revisions-as-tree");
    repo.write("README.md", "policies arrive in the next commit\n");
    repo.commit("empty");
    repo.write("policy-domains/shared.yaml", SHARED);
    repo.write("policy-domains/shop.yaml", SHOP);
    repo.write(
        "policy-domains/.drafts/shop-next.yaml",
        &SHOP.replace("name: shop", "name: shop-next"),
    );
    // the first commit with policies: delete-safety has nothing to lose, the diff adds all
    assert_eq!(
        repo.pdc(&["check", "--base", "HEAD"]).status.code(),
        Some(0)
    );
    let added = repo.json(&["diff", "--base", "HEAD", "--format", "json"]);
    assert!(changes(&added).iter().all(|c| c.1 == "added"), "{added}");
    assert!(!changes(&added).iter().any(|c| c.2 == "shop-next"));
    repo.commit("policies");
    assert_eq!(
        repo.pdc(&["diff", "HEAD~1", "HEAD~1"]).status.code(),
        Some(2)
    );
    // a committed bundle and a hidden draft do not count, in the work tree or in a revision
    assert!(repo.pdc(&["build"]).status.success());
    repo.commit("bundle");
    let same = repo.json(&["diff", "HEAD:.", ".", "--format", "json"]);
    assert_eq!(changes(&same), Vec::new());
    // a PolicyDomain reached through a symbolic link is read in both
    std::fs::create_dir_all(repo.dir.join("shared")).unwrap();
    std::fs::rename(
        repo.dir.join("policy-domains/shared.yaml"),
        repo.dir.join("shared/shared.yaml"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        "../shared/shared.yaml",
        repo.dir.join("policy-domains/shared.yaml"),
    )
    .unwrap();
    repo.commit("linked");
    let linked = repo.json(&["diff", "HEAD~1", "HEAD", "--format", "json"]);
    assert_eq!(changes(&linked), Vec::new());
    // shared (through the link) and shop
    assert_eq!(
        repo.json(&["check", "--format", "json"])["summary"]["domains"],
        2
    );
}

/// `pdc diff REV REV` takes `pdc.toml` from the newer revision, as `--base` takes it from
/// the work tree.
#[test]
fn diff_between_revisions_honours_their_pdc_toml() {
    let repo = base_repo("revision-config");
    repo.write(
        "pdc.toml",
        "[delete-safety]\nexternal = [\"mrn:iam:shop:group:staff\"]\n",
    );
    repo.commit("config");
    repo.write(
        "policy-domains/shop.yaml",
        &SHOP.replace("mrn:iam:shop:group:staff", "mrn:iam:shop:group:employees"),
    );
    repo.commit("rename staff");
    let diff = repo.pdc(&["diff", "HEAD~1", "HEAD", "--fail-on", "breaking"]);
    assert_eq!(diff.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&diff.stdout).contains("listed in `pdc.toml`"),
        "{}",
        String::from_utf8_lossy(&diff.stdout)
    );
}

/// A domain kept in a Git submodule is read in a revision too, at the commit the revision
/// records, so a clean tree diffs clean and a change inside the submodule shows.
#[test]
fn submodules_are_read_in_revisions() {
    let shared = Repo::new("submodule-shared");
    shared.write("shared.yaml", SHARED);
    shared.commit("shared");
    let repo = Repo::new("submodule-main");
    repo.write("policy-domains/shop.yaml", SHOP);
    repo.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        shared.dir.to_str().unwrap(),
        "policy-domains/shared",
    ]);
    repo.commit("with a submodule");
    let clean = repo.json(&["diff", "--base", "HEAD", "--format", "json"]);
    assert_eq!(changes(&clean), Vec::new());
    assert_eq!(
        repo.pdc(&["check", "--base", "HEAD"]).status.code(),
        Some(0)
    );
    repo.write(
        "policy-domains/shared/shared.yaml",
        &SHARED.replace("p.mroles[_] == r", "p.mroles[_] == r\n          p.active"),
    );
    let edited = repo.json(&["diff", "--base", "HEAD", "--format", "json"]);
    assert_eq!(
        changes(&edited),
        [(
            "access".into(),
            "modified".into(),
            "policy-libraries".into(),
            "mrn:iam:shared:library:roles".into()
        )]
    );
}

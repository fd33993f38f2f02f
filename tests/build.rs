//! `pdc build`: the bundle of the sample repository (snapshot), byte-identical rebuilds,
//! the atomic write, deployable files that check clean, and `rego_filename` inlining.
//! Also `pdc graph` and `pdc explain` on the sample repository.
//!
//! Snapshots live in `tests/snapshots/`; `PDC_BLESS=1 cargo test --test build` rewrites them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod support;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn pdc(cwd: &Path, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_pdc"))
        .current_dir(cwd)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("pdc runs");
    assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
    output
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pdc-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn copy_tree(from: &Path, to: &Path, reverse: bool) {
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    if reverse {
        entries.reverse();
    }
    std::fs::create_dir_all(to).unwrap();
    for path in entries {
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target, reverse);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// Every file under `dir`, relative path to bytes.
fn files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((
                    relative,
                    String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned(),
                ));
            }
        }
    }
    out.sort();
    out
}

fn snapshot(name: &str, actual: &str) {
    let path = root().join("tests/snapshots").join(name);
    if std::env::var_os("PDC_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "snapshot {name} differs; rerun with PDC_BLESS=1 and review the diff\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}

/// Compact JSON with keys sorted at every level, written independently of pdc.
fn sorted_json(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let fields: Vec<String> = keys
                .into_iter()
                .map(|k| {
                    format!(
                        "{}:{}",
                        serde_json::to_string(k).unwrap(),
                        sorted_json(&map[k])
                    )
                })
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        serde_json::Value::Array(items) => {
            format!(
                "[{}]",
                items.iter().map(sorted_json).collect::<Vec<_>>().join(",")
            )
        }
        other => other.to_string(),
    }
}

/// A copy of the sample repository with a `pdc.toml`, so its root is the copy itself.
fn sample_copy(name: &str, reverse: bool) -> PathBuf {
    let dir = temp_dir(name);
    copy_tree(
        &root().join("policy-domains"),
        &dir.join("policy-domains"),
        reverse,
    );
    std::fs::write(dir.join("pdc.toml"), "").unwrap();
    dir
}

#[test]
fn sample_bundle_matches_its_snapshot() {
    let dir = sample_copy("snapshot", false);
    let output = pdc(&dir, &["build", "--revision", "snapshot"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let bundle = std::fs::read_to_string(dir.join("dist/bundle.json")).unwrap();
    let pretty: serde_json::Value = serde_json::from_str(&bundle).unwrap();
    for file in ["bundle.json", "manifest.json", "sourcemap.json"] {
        let text = std::fs::read_to_string(dir.join("dist").join(file)).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            text,
            format!("{}\n", sorted_json(&value)),
            "{file} is not canonical JSON"
        );
    }
    snapshot(
        "sample-bundle.json",
        &format!("{}\n", serde_json::to_string_pretty(&pretty).unwrap()),
    );
    snapshot(
        "sample-manifest.json",
        &std::fs::read_to_string(dir.join("dist/manifest.json")).unwrap(),
    );
    snapshot(
        "sample-sourcemap.json",
        &std::fs::read_to_string(dir.join("dist/sourcemap.json")).unwrap(),
    );
    snapshot(
        "sample-internal-tools.yaml",
        &std::fs::read_to_string(dir.join("dist/domains/internal-tools.yaml")).unwrap(),
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn rebuilds_from_shuffled_copies_are_byte_identical() {
    let a = sample_copy("shuffle-a", false);
    let b = sample_copy("shuffle-b", true);
    let first = pdc(&a, &["build", "--revision", "r"]);
    assert!(first.status.success());
    // Another current directory, files named in reverse order on the command line, another
    // locale and time zone.
    let mut named: Vec<String> = files(&b.join("policy-domains"))
        .into_iter()
        .map(|(p, _)| format!("../policy-domains/{p}"))
        .filter(|p| p.ends_with(".yaml"))
        .collect();
    named.reverse();
    std::fs::create_dir_all(b.join("elsewhere")).unwrap();
    let mut args = vec!["build", "--revision", "r", "-o", "../dist"];
    args.extend(named.iter().map(String::as_str));
    let second = Command::new(env!("CARGO_BIN_EXE_pdc"))
        .current_dir(b.join("elsewhere"))
        .args(&args)
        .env("LC_ALL", "de_DE.UTF-8")
        .env("TZ", "Pacific/Auckland")
        .output()
        .unwrap();
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stdout)
    );
    assert_eq!(files(&a.join("dist")), files(&b.join("dist")));
    std::fs::remove_dir_all(&a).unwrap();
    std::fs::remove_dir_all(&b).unwrap();
}

const DOMAIN: &str = r#"apiVersion: iamlite.manetu.io/v1beta1
kind: PolicyDomain
metadata:
  name: shop
spec:
  policies:
    - mrn: "mrn:iam:shop:policy:read"
      rego: |
        package authz
        default allow = false
        allow {
          input.operation == "shop:read"
        }
  roles:
    - mrn: mrn:iam:shop:role:buyer
      policy: mrn:iam:shop:policy:read
      annotations:
        - name: limits
          value: {daily: 100, currency: EUR}
    - mrn: mrn:iam:shop:role:admin
      policy: mrn:iam:shop:policy:read
  groups:
    - mrn: mrn:iam:shop:group:staff
      roles: [mrn:iam:shop:role:buyer, mrn:iam:shop:role:admin]
  operations:
    - name: read
      selector: ["shop:read"]
      policy: mrn:iam:shop:policy:read
"#;

/// The same meaning: comments, other quoting, key order, an anchor, roles in another order.
const DOMAIN_COSMETIC: &str = r#"# Shop domain, owned by the storefront team.
kind: PolicyDomain
apiVersion: iamlite.manetu.io/v1beta1
metadata: {name: shop}
spec:
  roles:
    - policy: &read mrn:iam:shop:policy:read   # everyone reads
      mrn: 'mrn:iam:shop:role:admin'
    - mrn: mrn:iam:shop:role:buyer
      annotations:
        - value: {currency: EUR, daily: 100}
          name: limits
      policy: *read
  groups:
    - roles:
        - mrn:iam:shop:role:buyer
        - mrn:iam:shop:role:admin
      mrn: mrn:iam:shop:group:staff
  policies:
    - rego: |
        package authz
        default allow = false
        allow {
          input.operation == "shop:read"
        }
      mrn: mrn:iam:shop:policy:read
  operations:
    - selector:
        - shop:read
      name: read
      policy: mrn:iam:shop:policy:read
"#;

#[test]
fn cosmetic_source_changes_do_not_change_the_output() {
    let build = |name: &str, text: &str| {
        let dir = temp_dir(name);
        std::fs::write(dir.join("pdc.toml"), "").unwrap();
        std::fs::write(dir.join("shop.yaml"), text).unwrap();
        let output = pdc(&dir, &["build", "shop.yaml", "--revision", "r"]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
        let built: Vec<_> = files(&dir.join("dist"))
            .into_iter()
            .filter(|(p, _)| p != "sourcemap.json" && p != "manifest.json")
            .collect();
        std::fs::remove_dir_all(&dir).unwrap();
        built
    };
    assert_eq!(build("plain", DOMAIN), build("cosmetic", DOMAIN_COSMETIC));
}

#[test]
fn a_failed_build_leaves_the_previous_output_untouched() {
    let dir = temp_dir("atomic");
    std::fs::write(dir.join("pdc.toml"), "").unwrap();
    std::fs::write(dir.join("shop.yaml"), DOMAIN).unwrap();
    assert!(pdc(&dir, &["build", "shop.yaml"]).status.success());
    let before = files(&dir.join("dist"));
    assert!(before.iter().any(|(p, _)| p == "domains/shop.yaml"));

    // A checking error: nothing is written and the exit code is 1.
    std::fs::write(
        dir.join("shop.yaml"),
        DOMAIN.replace(
            "policy: mrn:iam:shop:policy:read\n  groups",
            "policy: mrn:iam:shop:policy:missing\n  groups",
        ),
    )
    .unwrap();
    let failed = pdc(&dir, &["build", "shop.yaml"]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&failed.stdout).contains("PD401"));
    assert_eq!(files(&dir.join("dist")), before);

    // An output path that cannot be a directory: exit 2, nothing changed, no staging left.
    std::fs::write(dir.join("shop.yaml"), DOMAIN).unwrap();
    std::fs::write(dir.join("taken"), "a file").unwrap();
    let blocked = pdc(&dir, &["build", "shop.yaml", "-o", "taken"]);
    assert_eq!(blocked.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(dir.join("taken")).unwrap(),
        "a file"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("pdc-staging") || n.contains("pdc-previous"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_eq!(files(&dir.join("dist")), before);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn deployable_domains_check_clean_and_inline_rego_files() {
    let dir = sample_copy("deployable", false);
    assert!(pdc(&dir, &["build"]).status.success());
    let recheck = pdc(&dir, &["check", "dist/domains", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&recheck.stdout).unwrap();
    assert_eq!(report["summary"]["errors"], 0, "{report:#}");
    assert_eq!(report["summary"]["domains"], 4);
    let built = std::fs::read_to_string(dir.join("dist/domains/internal-tools.yaml")).unwrap();
    assert!(built.contains("kind: PolicyDomain\n"));
    assert!(!built.contains("rego_filename"));
    // the Rego of `rego_filename: lib/tooling.rego`, resolved next to the YAML file
    let rego = std::fs::read_to_string(dir.join("policy-domains/internal-tools/lib/tooling.rego"))
        .unwrap();
    let first_rule = rego.lines().find(|l| l.starts_with("package")).unwrap();
    assert!(built.contains(&format!("        {first_rule}\n")));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn explain_and_graph_describe_the_sample() {
    let explain = pdc(&root(), &["explain", "mrn:iam:payments:role:clerk"]);
    assert!(explain.status.success());
    let text = String::from_utf8(explain.stdout).unwrap();
    snapshot("explain-clerk.txt", &text);
    assert!(text.contains("defined at policy-domains/payments/domain.yaml:"));

    let missing = pdc(&root(), &["explain", "mrn:iam:payments:role:clerc"]);
    assert_eq!(missing.status.code(), Some(1));
    let stderr = String::from_utf8(missing.stderr).unwrap();
    assert!(
        stderr.contains("no entity `mrn:iam:payments:role:clerc`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("payments/mrn:iam:payments:role:clerk"),
        "{stderr}"
    );

    let graph = pdc(
        &root(),
        &[
            "graph",
            "--focus",
            "mrn:iam:payments:role:clerk",
            "--depth",
            "1",
            "--format",
            "mermaid",
        ],
    );
    assert!(graph.status.success());
    snapshot("graph-clerk.mmd", &String::from_utf8(graph.stdout).unwrap());
    let dot = pdc(&root(), &["graph", "--format", "dot"]);
    let dot = String::from_utf8(dot.stdout).unwrap();
    assert!(dot.starts_with("digraph policydomains {"));
    assert!(dot.contains("-> \"platform-shared/"));
}

fn manifest_source(out: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    serde_json::from_str::<serde_json::Value>(&text).unwrap()["source"].clone()
}

/// The manifest records the revision of the repository holding the sources, wherever pdc runs
/// from, and calls it dirty when a file the build read (here an inlined `.rego` file) or a new
/// file under the paths given is not committed.
#[test]
fn the_manifest_records_the_sources_revision_from_any_directory() {
    let dir = temp_dir("revision");
    let repo = dir.join("repo");
    copy_tree(&root().join("policy-domains"), &repo, false);
    support::git(&repo, &["init", "-q"]);
    support::git(&repo, &["add", "-A"]);
    support::git(&repo, &["commit", "-q", "-m", "sources"]);
    let head = support::head(&repo);
    let clean = serde_json::json!({"commit": head, "dirty": false});
    let dirty = serde_json::json!({"commit": head, "dirty": true});
    let build = |cwd: &Path, args: &[&str], out: &str| {
        let output = pdc(cwd, &[&["build", "-o", out][..], args].concat());
        assert!(output.status.success(), "{output:?}");
        manifest_source(&dir.join(out.trim_start_matches("../")))
    };

    assert_eq!(build(&dir, &["repo"], "outside"), clean);
    assert_eq!(build(&repo, &["."], "../inside"), clean);
    assert_eq!(
        std::fs::read(dir.join("outside/manifest.json")).unwrap(),
        std::fs::read(dir.join("inside/manifest.json")).unwrap()
    );

    let rego = repo.join("internal-tools/policies/allow-read.rego");
    let text = std::fs::read_to_string(&rego).unwrap();
    std::fs::write(&rego, format!("{text}# uncommitted\n")).unwrap();
    let args = ["repo/internal-tools/domain.yaml", "repo/platform-shared"];
    assert_eq!(build(&dir, &args, "edited-rego"), dirty);
    std::fs::write(&rego, &text).unwrap();
    assert_eq!(build(&dir, &args, "restored"), clean);

    std::fs::write(repo.join("payments/notes.yaml"), "title: not a domain\n").unwrap();
    assert_eq!(build(&dir, &["repo"], "untracked"), dirty);
    assert_eq!(build(&dir, &args, "untracked-elsewhere"), clean);
    std::fs::remove_file(repo.join("payments/notes.yaml")).unwrap();

    // CRLF line ends in a `.rego` file are layout: the bundle is the same
    let lf = std::fs::read(dir.join("restored/bundle.json")).unwrap();
    std::fs::write(&rego, text.replace('\n', "\r\n")).unwrap();
    build(&dir, &args, "crlf");
    assert_eq!(std::fs::read(dir.join("crlf/bundle.json")).unwrap(), lf);
    std::fs::write(&rego, &text).unwrap();

    // a file Git ignores cannot be in the commit, so reading it makes the build dirty
    std::fs::write(repo.join(".gitignore"), "*.rego\n").unwrap();
    support::git(
        &repo,
        &[
            "rm",
            "-q",
            "--cached",
            "internal-tools/policies/allow-read.rego",
        ],
    );
    support::git(&repo, &["commit", "-q", "-am", "ignore rego"]);
    let head = support::head(&repo);
    let ignored = build(&dir, &args, "ignored");
    assert_eq!(ignored, serde_json::json!({"commit": head, "dirty": true}));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Outside any repository the bundle names files relative to the directory holding every path
/// given, so building a tree from its parent or from inside it gives the same bytes.
#[test]
fn builds_outside_a_repository_do_not_depend_on_the_current_directory() {
    let dir = temp_dir("no-repository");
    let tree = dir.join("tree");
    copy_tree(&root().join("policy-domains"), &tree, false);
    for (cwd, args) in [
        (&dir, ["build", "tree", "-o", "from-parent"]),
        (&tree, ["build", ".", "-o", "../from-inside"]),
    ] {
        let output = pdc(cwd, &args);
        assert!(output.status.success(), "{output:?}");
    }
    assert_eq!(
        files(&dir.join("from-parent")),
        files(&dir.join("from-inside"))
    );
    let sourcemap = std::fs::read_to_string(dir.join("from-parent/sourcemap.json")).unwrap();
    assert!(
        sourcemap.contains("\"payments/domain.yaml\""),
        "{sourcemap}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A build replaces its output directory wholesale, so it refuses a directory that holds its
/// own sources or anything other than an earlier bundle, and clears what a build killed
/// midway left behind.
#[test]
fn a_build_never_replaces_its_sources_or_a_foreign_directory() {
    let dir = temp_dir("output-guard");
    std::fs::write(dir.join("pdc.toml"), "").unwrap();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/shop.yaml"), DOMAIN).unwrap();
    std::fs::create_dir_all(dir.join("notes")).unwrap();
    std::fs::write(dir.join("notes/todo.txt"), "keep me").unwrap();
    let sources = files(&dir.join("src"));

    for (out, says) in [
        ("src", "it holds `src/shop.yaml`, which this build reads"),
        (".", "it holds `src/shop.yaml`, which this build reads"),
        ("notes", "holds no pdc bundle"),
    ] {
        let refused = pdc(&dir, &["build", "src", "-o", out]);
        assert_eq!(refused.status.code(), Some(2), "-o {out}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains(says), "-o {out}: {stderr}");
    }
    assert_eq!(files(&dir.join("src")), sources);
    assert_eq!(
        std::fs::read_to_string(dir.join("notes/todo.txt")).unwrap(),
        "keep me"
    );

    // An empty directory, and then the bundle it now holds, may be replaced.
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    assert!(pdc(&dir, &["build", "src", "-o", "empty"]).status.success());
    assert!(pdc(&dir, &["build", "src", "-o", "empty"]).status.success());
    assert!(dir.join("empty/domains/shop.yaml").is_file());

    // Leftovers of a build that died between staging and swapping are removed.
    let abandoned = dir.join(".dist.pdc-staging-4000000000");
    std::fs::create_dir_all(&abandoned).unwrap();
    assert!(pdc(&dir, &["build", "src"]).status.success());
    assert!(!abandoned.exists() || !std::path::Path::new("/proc/self").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// What the runtime would see, where the source's spelling could mislead: a group listing a
/// role twice, null annotation values in a version whose values are strings, and the
/// Kubernetes metadata the operator reads.
#[test]
fn the_bundle_and_deployable_file_keep_the_runtimes_meaning() {
    let dir = temp_dir("runtime-meaning");
    std::fs::write(
        dir.join("d.yaml"),
        r#"apiVersion: iamlite.manetu.io/v1alpha4
kind: PolicyDomain
metadata:
  name: meaning
  namespace: policy-system
  labels:
    app.kubernetes.io/part-of: authz
    version: 2
spec:
  policies:
    - mrn: mrn:iam:policy:p
      rego: |
        package authz
        default allow = true
  roles:
    - mrn: mrn:iam:role:r
      policy: mrn:iam:policy:p
      annotations:
        - name: tags
          value: '["a"]'
          merge: append
        - name: empty
          value:
        - name: tilde
          value: ~
  groups:
    - mrn: mrn:iam:group:g
      roles:
        - mrn:iam:role:r
        - mrn:iam:role:r
      annotations:
        - name: tags
          value: '["g"]'
"#,
    )
    .unwrap();
    let built = pdc(&dir, &["build", "d.yaml", "-o", "out"]);
    assert!(built.status.success(), "{built:?}");
    let bundle: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/bundle.json")).unwrap())
            .unwrap();
    let group = &bundle["domains"]["meaning"]["groups"]["mrn:iam:group:g"];
    assert_eq!(
        group["inherited_annotations"]["tags"]["value"],
        serde_json::json!(["g", "a"]),
        "a role listed twice merges once"
    );
    let role = &bundle["domains"]["meaning"]["roles"]["mrn:iam:role:r"];
    assert_eq!(role["annotations"]["empty"]["value"], "");
    assert_eq!(role["annotations"]["tilde"]["value"], "");
    let deployable = std::fs::read_to_string(dir.join("out/domains/meaning.yaml")).unwrap();
    assert!(deployable.contains(
        "  name: \"meaning\"\n  labels: {\"app.kubernetes.io/part-of\": \"authz\", \"version\": \"2\"}\n  namespace: \"policy-system\"\nspec:\n"
    ), "{deployable}");
    assert!(deployable.contains("- name: \"tilde\"\n          value: \"\"\n"));
    let recheck = pdc(&dir, &["check", "out/domains"]);
    assert!(recheck.status.success(), "{recheck:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--verify` fails on anything a build would change, extra files included, and writes nothing.
#[test]
fn verify_reports_every_difference_a_build_would_make() {
    let dir = sample_copy("verify", false);
    assert!(pdc(&dir, &["build"]).status.success());
    let verify = || pdc(&dir, &["build", "--verify"]);
    let fresh = verify();
    assert_eq!(fresh.status.code(), Some(0), "{fresh:?}");
    assert!(String::from_utf8_lossy(&fresh.stdout).contains("dist/ is up to date"));
    std::fs::write(dir.join("dist/extra.txt"), "x").unwrap();
    std::fs::create_dir_all(dir.join("dist/sub/deeper")).unwrap();
    std::fs::create_dir_all(dir.join("dist/empty")).unwrap();
    std::fs::write(dir.join("dist/sub/deeper/x.yaml"), "x").unwrap();
    std::fs::write(dir.join("dist/domains/payments.yaml"), "changed").unwrap();
    let stale = verify();
    assert_eq!(stale.status.code(), Some(1));
    let said = String::from_utf8_lossy(&stale.stdout);
    for part in [
        "`domains/payments.yaml` differs",
        "`empty/` should not be there",
        "`extra.txt` should not be there",
        "`sub/deeper/x.yaml` should not be there",
    ] {
        assert!(said.contains(part), "{part}: {said}");
    }
    assert!(
        dir.join("dist/extra.txt").exists(),
        "--verify wrote something"
    );
    assert!(pdc(&dir, &["build"]).status.success());
    assert_eq!(verify().status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A path with no PolicyDomain in it is most likely a typo: the bundle already there stays.
#[test]
fn a_build_of_nothing_leaves_the_output_alone() {
    let dir = sample_copy("nothing", false);
    assert!(pdc(&dir, &["build"]).status.success());
    let before = files(&dir.join("dist"));
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    let nothing = pdc(&dir, &["build", "empty"]);
    assert_eq!(nothing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&nothing.stderr)
            .contains("nothing to build: no PolicyDomain found; `dist` was left as it was")
    );
    assert_eq!(files(&dir.join("dist")), before);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Of two entries with one id (PD301), the compiled model keeps the first, as the index and
/// the source map do: a diff against the file without the second sees no change.
#[test]
fn the_first_of_two_entries_with_one_id_is_kept() {
    let dir = temp_dir("first-wins");
    let domain = |roles: &str| {
        format!(
            "apiVersion: iamlite.manetu.io/v1beta1\nkind: PolicyDomain\nmetadata:\n  name: d\nspec:\n  policies:\n    - mrn: p1\n      rego: |\n        package authz\n        default allow = true\n    - mrn: p2\n      rego: |\n        package authz\n        default allow = false\n  roles:\n{roles}"
        )
    };
    let first = "    - mrn: r\n      policy: p1\n";
    std::fs::create_dir_all(dir.join("one")).unwrap();
    std::fs::create_dir_all(dir.join("two")).unwrap();
    std::fs::write(dir.join("one/d.yaml"), domain(first)).unwrap();
    std::fs::write(
        dir.join("two/d.yaml"),
        domain(&format!("{first}    - mrn: r\n      policy: p2\n")),
    )
    .unwrap();
    let diff = pdc(&dir, &["diff", "one", "two", "--format", "json"]);
    let diff: serde_json::Value = serde_json::from_slice(&diff.stdout).unwrap();
    assert_eq!(diff["changes"], serde_json::json!([]), "{diff}");
    let _ = std::fs::remove_dir_all(&dir);
}

//! The JSON Schemas of `schemas/` (`pdc schema`): generated from `pdc::schema`, committed,
//! and held to what pdc itself accepts.
//!
//! - The committed files equal the generated ones; `PDC_BLESS=1 cargo test --test schema`
//!   rewrites them.
//! - Every schema is a valid, deterministic draft 2020-12 schema with a description on
//!   every property.
//! - The combined schema and each document's own (apiVersion, kind) schema agree, and both
//!   accept every PolicyDomain that pdc lowers without a schema diagnostic: the sample
//!   repository `policy-domains/`, the case directories of `tests/cases/` and `examples/`,
//!   and a generated benchmark tree.
//! - Documents that pdc reports with a schema diagnostic are rejected: small broken
//!   documents written here, and the case files whose `expected.json` has one.
//! - check-jsonschema (PyPI), the validator pipelines and pre-commit hooks use, agrees: it
//!   accepts the sample repository, a generated tree and the edge documents, and rejects
//!   each broken document. CI sets `PDC_REQUIRE_CHECK_JSONSCHEMA=1`; elsewhere the test is
//!   skipped when the program is missing.
//!
//! YAML is read with pdc's own parser (`pdc::syntax`), so the JSON the schemas see is what
//! pdc sees, with anchors and `<<` merge keys applied.

use std::path::{Path, PathBuf};
use std::process::Command;

use jsonschema::Validator;
use pdc::diagnostics::Category;
use pdc::model::{ApiVersion, LoweredDocument, lower_document};
use pdc::schema::{self, SchemaKind};
use pdc::sources::FileId;
use pdc::syntax::{Node, NodeKind, Resolved, parse_stream};
use serde_json::{Map, Number, Value};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("a schema serializes");
    text.push('\n');
    text
}

#[test]
fn committed_schemas_match_the_model() {
    let dir = root().join("schemas");
    let bless = std::env::var_os("PDC_BLESS").is_some();
    let generated = schema::all();
    let mut stale = Vec::new();
    for (name, value) in &generated {
        let text = pretty(value);
        let path = dir.join(name);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            continue;
        }
        if bless {
            std::fs::create_dir_all(&dir).expect("schemas/ can be created");
            std::fs::write(&path, text).expect("schema file can be written");
        } else {
            stale.push(name.clone());
        }
    }
    // A schema file the model no longer produces (a renamed version, say) is stale too.
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") && !generated.iter().any(|(n, _)| *n == name) {
            if bless {
                std::fs::remove_file(entry.path()).expect("stale schema can be removed");
            } else {
                stale.push(name);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "schemas/ differs from pdc::schema for {stale:?}; run `PDC_BLESS=1 cargo test --test schema` and review the diff"
    );
}

#[test]
fn schemas_are_deterministic_and_valid_draft_2020_12() {
    let first = schema::all();
    let second = schema::all();
    assert_eq!(first, second);
    for (name, value) in &first {
        if let Err(error) = jsonschema::meta::validate(value) {
            panic!("{name} is not a valid JSON Schema: {error}");
        }
        assert_eq!(
            value["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{name}"
        );
        let id = value["$id"].as_str().expect("every schema has an $id");
        assert!(id.ends_with(&format!("/{name}")), "{name}: $id {id}");
        assert!(value["title"].is_string(), "{name} has a title");
        every_property_is_described(name, value, "");
    }
}

/// Each property of every object schema has a description an editor can show.
fn every_property_is_described(file: &str, value: &Value, at: &str) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(properties)) = map.get("properties") {
                for (key, property) in properties {
                    let described = property.get("description").is_some_and(Value::is_string);
                    // In the combined schema's `if` branches only `const` is given.
                    let is_condition = property.get("const").is_some()
                        && property.as_object().is_some_and(|p| p.len() == 1);
                    assert!(
                        described || is_condition,
                        "{file}: property `{key}` at {at} has no description"
                    );
                }
            }
            for (key, child) in map {
                every_property_is_described(file, child, &format!("{at}/{key}"));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                every_property_is_described(file, item, &format!("{at}/{i}"));
            }
        }
        _ => {}
    }
}

/// The validators: the combined schema, and one per (apiVersion, kind).
struct Schemas {
    combined: Validator,
    each: Vec<(ApiVersion, SchemaKind, Validator)>,
}

impl Schemas {
    fn new() -> Self {
        let build = |value: &Value| {
            jsonschema::options()
                .build(value)
                .expect("the schema compiles")
        };
        let combined = build(
            &schema::all()
                .into_iter()
                .find(|(name, _)| name == schema::COMBINED_FILE)
                .expect("the combined schema exists")
                .1,
        );
        let each = ApiVersion::ALL
            .into_iter()
            .flat_map(|v| SchemaKind::ALL.map(|k| (v, k)))
            .map(|(v, k)| (v, k, build(&schema::schema(v, k))))
            .collect();
        Schemas { combined, each }
    }

    /// The errors of the combined schema, and of the document's own schema when its
    /// apiVersion and kind are known; empty when both accept it.
    fn errors(&self, document: &Value) -> Vec<String> {
        let mut errors: Vec<String> = self
            .combined
            .iter_errors(document)
            .map(|e| format!("{}: {e}", e.instance_path().as_str()))
            .collect();
        let own = self.each.iter().find(|(v, k, _)| {
            document["apiVersion"] == v.as_str() && document["kind"] == k.as_str()
        });
        if let Some((_, _, validator)) = own {
            let own_errors: Vec<String> = validator
                .iter_errors(document)
                .map(|e| format!("{}: {e}", e.instance_path().as_str()))
                .collect();
            assert_eq!(
                errors.is_empty(),
                own_errors.is_empty(),
                "the combined schema and the {} {} schema disagree on {document}: {errors:?} / {own_errors:?}",
                document["apiVersion"],
                document["kind"]
            );
            errors.extend(own_errors);
        }
        errors
    }
}

/// A YAML node as JSON, resolving scalars the way YAML 1.2's core schema does (pdc's
/// syntax tree has anchors and `<<` merges already applied).
fn to_json(node: &Node) -> Value {
    match &node.kind {
        NodeKind::Scalar(scalar) => match scalar.resolve() {
            Resolved::Null => Value::Null,
            Resolved::Bool(b) => Value::Bool(b),
            Resolved::Int(i) => Value::Number(i.into()),
            Resolved::Float(f) => Number::from_f64(f)
                .map(Value::Number)
                .unwrap_or_else(|| Value::String(scalar.text.clone())),
            Resolved::Str(s) => Value::String(s.to_string()),
        },
        NodeKind::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
        NodeKind::Mapping(entries) => Value::Object(
            entries
                .iter()
                .map(|e| {
                    let key = match &e.key.kind {
                        NodeKind::Scalar(s) => s.text.clone(),
                        _ => e.key.span.start.to_string(),
                    };
                    (key, to_json(&e.value))
                })
                .collect::<Map<String, Value>>(),
        ),
    }
}

/// One PolicyDomain document of a file, as JSON, with whether pdc's lowering reported a
/// schema diagnostic for it.
struct Loaded {
    json: Value,
    schema_diagnostics: Vec<String>,
}

/// The PolicyDomain documents of a YAML text (other documents are skipped, as pdc skips
/// them in a directory walk); `None` when the text has a YAML error, which no schema sees.
fn load(text: &str) -> Option<Vec<Loaded>> {
    let parsed = parse_stream(text, FileId(0));
    if !parsed.diagnostics.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for document in &parsed.documents {
        let mut diagnostics = Vec::new();
        if let LoweredDocument::Domain(_) =
            lower_document(document, FileId(0), false, &mut diagnostics)
        {
            let root = document.root.as_ref().expect("a lowered domain has a root");
            out.push(Loaded {
                json: to_json(root),
                schema_diagnostics: diagnostics
                    .iter()
                    .filter(|d| d.category() == Category::Schema)
                    .map(|d| format!("{} {}", d.code.id(), d.message))
                    .collect(),
            });
        }
    }
    Some(out)
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Checks that every PolicyDomain document of `files` is accepted by the schemas, and that
/// pdc agrees (no schema diagnostic). Returns the number of documents checked.
fn assert_accepted(schemas: &Schemas, files: &[PathBuf]) -> usize {
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(path).expect("YAML file is readable");
        let documents =
            load(&text).unwrap_or_else(|| panic!("{} is not clean YAML", path.display()));
        for (i, loaded) in documents.into_iter().enumerate() {
            checked += 1;
            assert!(
                loaded.schema_diagnostics.is_empty(),
                "{} document {i}: pdc reports {:?}; this file should be a valid PolicyDomain",
                path.display(),
                loaded.schema_diagnostics
            );
            let errors = schemas.errors(&loaded.json);
            if !errors.is_empty() {
                failures.push(format!("{} document {i}: {errors:#?}", path.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "rejected by the schema:\n{}",
        failures.join("\n")
    );
    checked
}

#[test]
fn the_sample_repository_is_accepted() {
    let files = yaml_files(&root().join("policy-domains"));
    assert!(!files.is_empty(), "policy-domains/ has YAML files");
    let checked = assert_accepted(&Schemas::new(), &files);
    assert!(
        checked >= 4,
        "only {checked} PolicyDomains found in policy-domains/"
    );
}

/// Diagnostics outside the schema category for problems the schema also expresses: an
/// unknown annotation `merge` strategy (an enum) and an annotation without a name
/// (`minLength`).
const SCHEMA_EXPRESSED: [&str; 2] = ["PD702", "PD704"];

/// A case directory (`tests/cases/*`, or `examples/*` with a `cmd` file) and what its
/// `expected.json` says.
struct Case {
    dir: PathBuf,
    /// `exit: 0` in `cmd` and no error in `expected.json`.
    clean: bool,
    /// Files (relative to `dir`) with a diagnostic in `expected.json` that the schema
    /// expresses too: category `schema`, or one of [`SCHEMA_EXPRESSED`].
    flagged: Vec<PathBuf>,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for parent in ["tests/cases", "examples"] {
        for entry in std::fs::read_dir(root().join(parent))
            .into_iter()
            .flatten()
            .flatten()
        {
            let dir = entry.path();
            let Ok(cmd) = std::fs::read_to_string(dir.join("cmd")) else {
                continue;
            };
            let exit_zero = cmd
                .lines()
                .filter_map(|l| l.strip_prefix("exit:"))
                .all(|code| code.trim() == "0");
            let expected: Value = std::fs::read_to_string(dir.join("expected.json"))
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or(Value::Null);
            let diagnostics = expected["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let clean = exit_zero && !diagnostics.iter().any(|d| d["severity"] == "error");
            let flagged = diagnostics
                .iter()
                .filter(|d| {
                    d["category"] == "schema"
                        || d["code"]
                            .as_str()
                            .is_some_and(|c| SCHEMA_EXPRESSED.contains(&c))
                })
                .filter_map(|d| d["file"].as_str())
                .map(|f| PathBuf::from(f.trim_start_matches("./")))
                .collect();
            out.push(Case {
                dir,
                clean,
                flagged,
            });
        }
    }
    out.sort_by(|a, b| a.dir.cmp(&b.dir));
    out
}

/// Every YAML file of the case directories, judged by pdc and by the schema:
///
/// - a document pdc lowers with a schema diagnostic is rejected by the schema;
/// - a file `expected.json` flags (a schema diagnostic, an unknown merge strategy, an
///   unnamed annotation, or a file named on the command line that is not a PolicyDomain)
///   has a document the schema rejects;
/// - every other PolicyDomain document is accepted; in particular every document of a
///   clean case (exit 0, no error) that has no schema warning.
///
/// Files that are not UTF-8 or not valid YAML are the YAML checks' business and skipped.
#[test]
fn case_files_are_judged_as_pdc_judges_them() {
    let schemas = Schemas::new();
    let (mut accepted, mut rejected, mut clean) = (0, 0, 0);
    let mut failures = Vec::new();
    for case in cases() {
        for path in yaml_files(&case.dir) {
            let relative = path.strip_prefix(&case.dir).unwrap_or(&path).to_path_buf();
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let Some(documents) = load(&text) else {
                continue;
            };
            let shown = path
                .strip_prefix(root())
                .unwrap_or(&path)
                .display()
                .to_string();
            let flagged = case.flagged.contains(&relative);
            for (i, document) in documents.iter().enumerate() {
                let errors = schemas.errors(&document.json);
                let pdc_rejects = !document.schema_diagnostics.is_empty();
                match (pdc_rejects, errors.is_empty()) {
                    (true, false) => rejected += 1,
                    (true, true) => failures.push(format!(
                        "{shown} document {i}: pdc reports {:?}, the schema accepts it",
                        document.schema_diagnostics
                    )),
                    (false, true) => accepted += 1,
                    (false, false) if flagged => rejected += 1,
                    (false, false) => failures.push(format!(
                        "{shown} document {i}: pdc accepts it, the schema does not: {errors:#?}"
                    )),
                }
                if case.clean && !flagged && !pdc_rejects {
                    clean += 1;
                }
            }
            if flagged {
                let any_rejected = parse_stream(&text, FileId(0))
                    .documents
                    .iter()
                    .filter_map(|d| d.root.as_ref())
                    .any(|root| !schemas.errors(&to_json(root)).is_empty());
                if !any_rejected {
                    failures.push(format!(
                        "{shown}: expected.json flags it, the schema accepts every document"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(clean > 0, "no document of a clean case found");
    eprintln!("case documents: {accepted} accepted ({clean} of clean cases), {rejected} rejected");
}

/// Writes the benchmark generator's tree (four domains, v1alpha4 and v1beta1, with anchors)
/// to `out`; `false` when cargo is not there to run it. It runs in the default profile:
/// `cargo test` has just built the example there, so this costs no compilation
/// (`--release` would build pdc a second time).
fn generate_bench_tree(out: &Path) -> bool {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    if Command::new(&cargo).arg("--version").output().is_err() {
        eprintln!("skipped: cargo is not available to run `--example bench`");
        return false;
    }
    let _ = std::fs::remove_dir_all(out);
    let status = Command::new(&cargo)
        .current_dir(root())
        .args(["run", "--quiet", "--example", "bench", "--"])
        .args(["generate", "--entities", "2000", "--domains", "4", "--out"])
        .arg(out)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "the bench generator failed");
    true
}

fn scratch_dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("pdc-schema-{name}-{}", std::process::id()))
}

#[test]
fn a_generated_benchmark_tree_is_accepted() {
    let out = scratch_dir("bench");
    if !generate_bench_tree(&out) {
        return;
    }
    let files = yaml_files(&out);
    let checked = assert_accepted(&Schemas::new(), &files);
    let _ = std::fs::remove_dir_all(&out);
    assert_eq!(checked, 4, "the generated tree has four domains");
}

const V1ALPHA4: &str =
    "apiVersion: iamlite.manetu.io/v1alpha4\nkind: PolicyDomain\nmetadata:\n  name: d\n";
const V1BETA1: &str =
    "apiVersion: iamlite.manetu.io/v1beta1\nkind: PolicyDomain\nmetadata:\n  name: d\n";
const REFERENCE: &str =
    "apiVersion: iamlite.manetu.io/v1beta1\nkind: PolicyDomainReference\nmetadata:\n  name: d\n";
const V1ALPHA3: &str =
    "apiVersion: iamlite.manetu.io/v1alpha3\nkind: PolicyDomain\nmetadata:\n  name: d\n";

/// Documents pdc reports with a schema diagnostic, and the JSON pointer of one place the
/// schema must complain about.
fn broken() -> Vec<(&'static str, String)> {
    vec![
        (
            "missing metadata.name",
            "apiVersion: iamlite.manetu.io/v1beta1\nkind: PolicyDomain\nmetadata:\n  namespace: x\n".into(),
        ),
        (
            "empty metadata.name",
            "apiVersion: iamlite.manetu.io/v1beta1\nkind: PolicyDomain\nmetadata:\n  name: ''\n".into(),
        ),
        (
            "missing metadata",
            "apiVersion: iamlite.manetu.io/v1beta1\nkind: PolicyDomain\n".into(),
        ),
        (
            "policy without mrn",
            format!("{V1BETA1}spec:\n  policies:\n    - name: read\n      rego: package authz\n"),
        ),
        (
            "role with an empty mrn",
            format!("{V1BETA1}spec:\n  roles:\n    - mrn: ''\n      policy: p\n"),
        ),
        (
            "operation without selector",
            format!("{V1BETA1}spec:\n  operations:\n    - name: o\n      policy: p\n"),
        ),
        (
            "operation with an empty selector list",
            format!("{V1BETA1}spec:\n  operations:\n    - name: o\n      selector: []\n"),
        ),
        (
            "selector as a string",
            format!("{V1BETA1}spec:\n  operations:\n    - name: o\n      selector: \".*\"\n"),
        ),
        (
            "operation identified by mrn",
            format!("{V1BETA1}spec:\n  operations:\n    - mrn: o\n      selector: [\".*\"]\n"),
        ),
        (
            "misspelt selectors",
            format!("{V1BETA1}spec:\n  operations:\n    - name: o\n      selectors: [\".*\"]\n"),
        ),
        (
            "policies as a mapping",
            format!("{V1BETA1}spec:\n  policies:\n    read:\n      rego: package authz\n"),
        ),
        (
            "unknown apiVersion",
            "apiVersion: iamlite.manetu.io/v1beta2\nkind: PolicyDomain\nmetadata:\n  name: d\n".into(),
        ),
        (
            "unknown kind",
            "apiVersion: iamlite.manetu.io/v1beta1\nkind: PolicyDomains\nmetadata:\n  name: d\n".into(),
        ),
        (
            "unknown top-level key",
            format!("{V1BETA1}specs:\n  policies: []\n"),
        ),
        (
            "unknown section",
            format!("{V1BETA1}spec:\n  resourceGroups: []\n"),
        ),
        (
            "rego_filename in a PolicyDomain without rego",
            format!("{V1BETA1}spec:\n  policies:\n    - mrn: p\n      rego_filename: p.rego\n"),
        ),
        (
            "rego_filename next to rego in a PolicyDomain",
            format!("{V1BETA1}spec:\n  policies:\n    - mrn: p\n      rego: package authz\n      rego_filename: p.rego\n"),
        ),
        (
            "policy without rego",
            format!("{V1BETA1}spec:\n  policies:\n    - mrn: p\n"),
        ),
        (
            "mapper with empty rego",
            format!("{V1BETA1}spec:\n  mappers:\n    - name: m\n      selector: [\".*\"]\n      rego: ''\n"),
        ),
        (
            "reference policy with both rego and rego_filename",
            format!("{REFERENCE}spec:\n  policies:\n    - mrn: p\n      rego: package authz\n      rego_filename: p.rego\n"),
        ),
        (
            "reference library with neither rego nor rego_filename",
            format!("{REFERENCE}spec:\n  policy-libraries:\n    - mrn: l\n"),
        ),
        (
            "v1alpha4 annotation value that is a list",
            format!("{V1ALPHA4}spec:\n  roles:\n    - mrn: r\n      annotations:\n        - name: a\n          value: [1, 2]\n"),
        ),
        (
            "v1alpha3 resources",
            format!("{V1ALPHA3}spec:\n  resources:\n    - name: x\n      selector: [a]\n"),
        ),
        (
            "v1alpha3 annotation merge",
            format!("{V1ALPHA3}spec:\n  roles:\n    - mrn: r\n      annotations:\n        - name: a\n          value: '1'\n          merge: union\n"),
        ),
        (
            "group roles as a string",
            format!("{V1BETA1}spec:\n  groups:\n    - mrn: g\n      roles: admin\n"),
        ),
        (
            "default that is not a boolean",
            format!("{V1BETA1}spec:\n  resource-groups:\n    - mrn: rg\n      default: maybe\n"),
        ),
        (
            "policy as a list",
            format!("{V1BETA1}spec:\n  roles:\n    - mrn: r\n      policy: [a, b]\n"),
        ),
        (
            "unknown key in metadata",
            "apiVersion: iamlite.manetu.io/v1beta1\nkind: PolicyDomain\nmetadata:\n  name: d\n  domain: d\n".into(),
        ),
    ]
}

#[test]
fn documents_pdc_rejects_are_rejected() {
    let schemas = Schemas::new();
    let mut failures = Vec::new();
    for (what, text) in broken() {
        let parsed = parse_stream(&text, FileId(0));
        assert!(
            parsed.diagnostics.is_empty(),
            "{what}: {:?}",
            parsed.diagnostics
        );
        let document = &parsed.documents[0];
        let mut diagnostics = Vec::new();
        lower_document(document, FileId(0), true, &mut diagnostics);
        assert!(
            diagnostics.iter().any(|d| d.category() == Category::Schema),
            "{what}: pdc reports no schema diagnostic, so this is not a broken document"
        );
        let json = to_json(document.root.as_ref().expect("the document has a root"));
        if schemas.errors(&json).is_empty() {
            failures.push(what);
        }
    }
    assert!(failures.is_empty(), "accepted by the schema: {failures:?}");
}

/// Documents at the edges of the format that pdc accepts without a schema diagnostic.
fn at_the_edges() -> Vec<(&'static str, String)> {
    vec![
        ("empty domain", V1BETA1.to_string()),
        ("null spec", format!("{V1BETA1}spec:\n")),
        ("null sections", format!("{V1BETA1}spec:\n  policies:\n  roles: ~\n")),
        (
            "kubernetes metadata",
            "apiVersion: iamlite.manetu.io/v1alpha4\nkind: PolicyDomain\nmetadata:\n  name: d\n  namespace: ns\n  labels:\n    team: x\n  annotations:\n    owner: y\n".to_string(),
        ),
        (
            "v1beta1 native annotation values",
            format!("{V1BETA1}spec:\n  roles:\n    - mrn: r\n      policy: p\n      annotations:\n        - name: a\n          value: [1, 2]\n          merge: union\n        - name: b\n          value: {{k: v}}\n        - name: c\n          value: 3\n        - name: d\n"),
        ),
        (
            "v1alpha4 annotation defaults and resources",
            format!("{V1ALPHA4}spec:\n  annotation-defaults:\n    merge: deep\n  resource-groups:\n    - mrn: rg\n      default: true\n  resources:\n    - name: x\n      mrn: also-x\n      description: tolerated\n      selector: ['mrn:.*']\n      group: rg\n"),
        ),
        (
            "reference with rego_filename and inline rego on different entries",
            format!("{REFERENCE}spec:\n  policies:\n    - mrn: a\n      rego_filename: a.rego\n      public: true\n    - mrn: b\n      rego: package authz\n  mappers:\n    - name: m\n      selector: [x]\n      rego_filename: m.rego\n"),
        ),
        (
            "anchors and merge keys",
            format!("{V1BETA1}spec:\n  operations:\n    - &op\n      name: a\n      selector: [a]\n    - <<: *op\n      name: b\n"),
        ),
    ]
}

#[test]
fn documents_at_the_edges_are_accepted() {
    let schemas = Schemas::new();
    for (what, text) in at_the_edges() {
        let loaded = load(&text).expect("clean YAML");
        assert_eq!(loaded.len(), 1, "{what}");
        assert!(
            loaded[0].schema_diagnostics.is_empty(),
            "{what}: pdc reports {:?}",
            loaded[0].schema_diagnostics
        );
        let errors = schemas.errors(&loaded[0].json);
        assert!(errors.is_empty(), "{what}: {errors:#?}");
    }
}

#[test]
fn pdc_schema_prints_the_committed_files() {
    let run = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_pdc"))
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success());
        String::from_utf8(output.stdout).unwrap()
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let read = |name: &str| std::fs::read_to_string(root.join(name)).unwrap();
    assert_eq!(run(&["schema"]), read("policydomain.json"));
    assert_eq!(
        run(&[
            "schema",
            "--api-version",
            "v1alpha4",
            "--kind",
            "PolicyDomainReference"
        ]),
        read("policydomainreference-v1alpha4.json")
    );
}

/// The `check-jsonschema` program, or `None` (with a note) when it is not installed and CI
/// does not require it.
fn check_jsonschema() -> Option<&'static str> {
    let program = "check-jsonschema";
    if Command::new(program).arg("--version").output().is_ok() {
        return Some(program);
    }
    assert!(
        std::env::var_os("PDC_REQUIRE_CHECK_JSONSCHEMA").is_none(),
        "check-jsonschema is required (PDC_REQUIRE_CHECK_JSONSCHEMA is set) but not installed"
    );
    eprintln!("skipped: check-jsonschema is not installed (pip install check-jsonschema)");
    None
}

/// Runs check-jsonschema with the combined schema on `files`, returning the files it
/// rejected (validation errors) and its parse errors.
fn run_check_jsonschema(program: &str, files: &[PathBuf]) -> (Vec<PathBuf>, Vec<Value>) {
    let output = Command::new(program)
        .args(["--output-format", "json", "--schemafile"])
        .arg(root().join("schemas").join(schema::COMBINED_FILE))
        .args(files)
        .output()
        .expect("check-jsonschema runs");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "check-jsonschema printed no JSON report ({e}):\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let mut rejected: Vec<PathBuf> = report["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["filename"].as_str())
        .map(PathBuf::from)
        .collect();
    rejected.sort();
    rejected.dedup();
    let parse_errors = report["parse_errors"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        output.status.success(),
        rejected.is_empty() && parse_errors.is_empty(),
        "check-jsonschema's exit status disagrees with its report: {report}"
    );
    (rejected, parse_errors)
}

#[test]
fn check_jsonschema_agrees() {
    let Some(program) = check_jsonschema() else {
        return;
    };
    let scratch = scratch_dir("check-jsonschema");
    let _ = std::fs::remove_dir_all(&scratch);
    let write_all = |dir: &str, documents: Vec<(&'static str, String)>| -> Vec<(String, PathBuf)> {
        let dir = scratch.join(dir);
        std::fs::create_dir_all(&dir).unwrap();
        documents
            .into_iter()
            .enumerate()
            .map(|(i, (what, text))| {
                let path = dir.join(format!("{i:02}.yaml"));
                std::fs::write(&path, text).unwrap();
                (what.to_string(), path)
            })
            .collect()
    };

    let mut valid = yaml_files(&root().join("policy-domains"));
    assert!(!valid.is_empty(), "policy-domains/ has YAML files");
    let edges = write_all("edges", at_the_edges());
    valid.extend(edges.iter().map(|(_, path)| path.clone()));
    let bench = scratch.join("bench");
    if generate_bench_tree(&bench) {
        let generated = yaml_files(&bench);
        assert_eq!(generated.len(), 4, "the generated tree has four domains");
        valid.extend(generated);
    }
    let (rejected, parse_errors) = run_check_jsonschema(program, &valid);
    assert!(
        rejected.is_empty() && parse_errors.is_empty(),
        "check-jsonschema rejects valid PolicyDomains: {rejected:?} {parse_errors:?}"
    );

    let broken = write_all("broken", broken());
    let files: Vec<PathBuf> = broken.iter().map(|(_, path)| path.clone()).collect();
    let (rejected, parse_errors) = run_check_jsonschema(program, &files);
    assert!(parse_errors.is_empty(), "{parse_errors:?}");
    let accepted: Vec<&str> = broken
        .iter()
        .filter(|(_, path)| !rejected.contains(path))
        .map(|(what, _)| what.as_str())
        .collect();
    assert!(
        accepted.is_empty(),
        "check-jsonschema accepts documents pdc rejects: {accepted:?}"
    );
    let _ = std::fs::remove_dir_all(&scratch);
}

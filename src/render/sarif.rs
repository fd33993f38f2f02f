//! The SARIF 2.1.0 report, for GitHub code scanning and other SARIF viewers.
//!
//! Code scanning keeps alerts from run to run, so the log describes every rule (not only those
//! that fired), names files relative to the repository root (`%SRCROOT%`), and gives each
//! result a fingerprint that does not change when lines above it move. Columns count
//! characters, as everywhere in pdc, which SARIF calls `unicodeCodePoints`.

use std::collections::HashMap;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::line_cols;
use crate::diagnostics::{Code, Diagnostic, Severity, codes};
use crate::sources::{Location, RepositoryPaths, SourceMap};
use crate::workspace::Summary;

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/manetu/policyengine";
/// The base that result URIs are relative to; code scanning maps it to the repository root.
const SOURCE_ROOT: &str = "%SRCROOT%";
/// The key of pdc's own entry in `partialFingerprints`.
const FINGERPRINT_KEY: &str = "pdcFindingHash/v1";

/// Renders the report as a SARIF log (pretty-printed JSON with a trailing newline).
///
/// Files are named by their path from the repository root (`paths`). A place in a file of
/// another Git revision (the base of `--base`) has no region, since its lines are not the
/// working tree's; its message says where it was.
pub fn sarif(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    summary: &Summary,
    paths: &RepositoryPaths,
) -> String {
    let mut seen_fingerprints = HashMap::new();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|diagnostic| {
            let uri = artifact_uri(&paths.of(sources.get(diagnostic.location.file)));
            let hash = finding_hash(diagnostic, &uri);
            let occurrence = seen_fingerprints.entry(hash.clone()).or_insert(0);
            *occurrence += 1;
            result(sources, diagnostic, paths, format!("{hash}:{occurrence}"))
        })
        .collect();
    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "pdc",
                    "informationUri": INFORMATION_URI,
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": Code::ALL.iter().map(|&code| rule(code)).collect::<Vec<_>>(),
                },
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": { "summary": summary },
        }],
    });
    let mut text = serde_json::to_string_pretty(&log).expect("a JSON value always serializes");
    text.push('\n');
    text
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// The rule's description, with the help text of `pdc rules CODE`.
fn rule(code: Code) -> Value {
    json!({
        "id": code.id(),
        "name": code.name(),
        "shortDescription": { "text": code.summary() },
        "fullDescription": {
            "text": format!("{} Example message: {}", code.summary(), code.example()),
        },
        "help": { "text": codes::explain(code) },
        "defaultConfiguration": { "level": level(code.default_severity()) },
        "properties": {
            "category": code.category().as_str(),
            "tags": [code.category().as_str()],
        },
    })
}

fn result(
    sources: &SourceMap,
    diagnostic: &Diagnostic,
    paths: &RepositoryPaths,
    fingerprint: String,
) -> Value {
    let text = match &diagnostic.help {
        Some(help) => format!("{} (help: {help})", diagnostic.message),
        None => diagnostic.message.clone(),
    };
    let mut primary = json!({
        "physicalLocation": physical_location(sources, &diagnostic.location, paths),
    });
    let label = diagnostic.label.as_deref().unwrap_or("");
    if let Some(text) = located(sources, &diagnostic.location, label) {
        primary["message"] = json!({ "text": text });
    }
    let mut result = json!({
        "ruleId": diagnostic.code.id(),
        "ruleIndex": Code::ALL
            .iter()
            .position(|&code| code == diagnostic.code)
            .expect("every code is in the registry"),
        "level": level(diagnostic.severity),
        "message": { "text": text },
        "locations": [primary],
        "partialFingerprints": { FINGERPRINT_KEY: fingerprint },
    });
    if !diagnostic.related.is_empty() {
        result["relatedLocations"] = diagnostic
            .related
            .iter()
            .enumerate()
            .map(|(index, related)| {
                json!({
                    "id": index + 1,
                    "physicalLocation": physical_location(sources, &related.location, paths),
                    "message": {
                        "text": located(sources, &related.location, &related.message)
                            .unwrap_or_default(),
                    },
                })
            })
            .collect();
    }
    result
}

/// The file and, when the location has a span in the working tree, the region (end
/// exclusive, as in SARIF).
fn physical_location(sources: &SourceMap, location: &Location, paths: &RepositoryPaths) -> Value {
    let file = sources.get(location.file);
    let mut physical = json!({
        "artifactLocation": {
            "uri": artifact_uri(&paths.of(file)),
            "uriBaseId": SOURCE_ROOT,
        },
    });
    if file.revision.is_none()
        && let Some((start, end)) = line_cols(sources, location)
    {
        physical["region"] = json!({
            "startLine": start.line,
            "startColumn": start.column,
            "endLine": end.line,
            "endColumn": end.column,
        });
    }
    physical
}

/// A location's message: `label`, and for a place in another revision where it was there.
fn located(sources: &SourceMap, location: &Location, label: &str) -> Option<String> {
    let Some(revision) = &sources.get(location.file).revision else {
        return (!label.is_empty()).then(|| label.to_string());
    };
    let line = line_cols(sources, location)
        .map_or(String::new(), |(start, _)| format!(", line {}", start.line));
    let place = format!("at `{revision}`{line}");
    Some(if label.is_empty() {
        place
    } else {
        format!("{label} ({place})")
    })
}

/// A path from the repository root as a relative URI reference: `/` separators, and every
/// byte that a URI path may not hold percent-encoded. `:` is encoded too, so that a name such
/// as `a:b.yml` is not read as a URI scheme.
fn artifact_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut uri = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

/// SHA-256 of what identifies a finding apart from its position: code, file and message.
fn finding_hash(diagnostic: &Diagnostic, uri: &str) -> String {
    let identity = format!("{}\0{uri}\0{}", diagnostic.code.id(), diagnostic.message);
    Sha256::digest(identity.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::{SourceFile, Span};

    fn sample() -> (SourceMap, Vec<Diagnostic>) {
        let mut sources = SourceMap::default();
        let text = "kind: PolicyDomain\nroles:\n  - mrn: \"é:r\"\n    policy: missing\n";
        let file = sources.add(SourceFile::new(
            "domains/app a.yml".into(),
            None,
            text.into(),
        ));
        let other = sources.add(
            SourceFile::new(
                "HEAD~1:b.yml".into(),
                Some(format!("{REPO}/b.yml").into()),
                "a: 1\n".into(),
            )
            .at_revision("HEAD~1"),
        );
        let policy = text.find("missing").unwrap();
        let role = text.find("\"é").unwrap();
        let diagnostics = vec![
            Diagnostic::new(
                Code::UnresolvedReference,
                Location::new(file, Span::new(policy, policy + 7)),
                "policy `missing` not found in domain `app`",
            )
            .with_label("no such policy")
            .with_related(
                Location::new(file, Span::new(role, role + 6)),
                "in this role",
            )
            .with_help("did you mean `mrn:iam:policy:missing`?"),
            Diagnostic::new(
                Code::UnknownKey,
                Location::new(other, Span::new(0, 1)),
                "unknown key `a`",
            ),
            Diagnostic::new(
                Code::FileUnreadable,
                Location::file(other),
                "cannot read it",
            ),
            Diagnostic::new(
                Code::FileUnreadable,
                Location::file(other),
                "cannot read it",
            ),
        ];
        (sources, diagnostics)
    }

    /// A repository that does not exist, so paths resolve without the file system.
    const REPO: &str = "/pdc-sarif-test-repository";

    /// Paths for pdc run in `dir` below the repository root.
    fn run_in(dir: &str) -> RepositoryPaths {
        RepositoryPaths::new(REPO.as_ref(), format!("{REPO}/{dir}").as_ref())
    }

    fn rendered(dir: &str) -> Value {
        let (sources, diagnostics) = sample();
        let text = sarif(&sources, &diagnostics, &Summary::default(), &run_in(dir));
        assert!(text.ends_with("}\n"));
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn the_log_is_valid_against_the_official_schema() {
        let schema: Value = serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/sarif-2.1.0.schema.json"
        )))
        .unwrap();
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .should_validate_formats(true)
            .build(&schema)
            .unwrap();
        for prefix in ["", "sub/dir"] {
            let log = rendered(prefix);
            let errors: Vec<String> = validator
                .iter_errors(&log)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{errors:#?}");
        }
        let (sources, _) = sample();
        let empty: Value =
            serde_json::from_str(&sarif(&sources, &[], &Summary::default(), &run_in(""))).unwrap();
        assert!(validator.is_valid(&empty));
        // and the validator does reject what the schema forbids
        let mut broken = rendered("");
        broken["runs"][0]["results"][0]["level"] = json!("fatal");
        assert!(!validator.is_valid(&broken));
    }

    #[test]
    fn the_driver_describes_every_rule() {
        let log = rendered("");
        assert_eq!(log["$schema"], SCHEMA_URI);
        assert_eq!(log["version"], "2.1.0");
        let run = &log["runs"][0];
        assert_eq!(run["columnKind"], "unicodeCodePoints");
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "pdc");
        assert_eq!(driver["informationUri"], INFORMATION_URI);
        assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
        let rules = driver["rules"].as_array().unwrap();
        assert_eq!(rules.len(), Code::ALL.len());
        for (rule, code) in rules.iter().zip(Code::ALL) {
            assert_eq!(rule["id"], code.id());
            assert_eq!(rule["name"], code.name());
            assert_eq!(rule["shortDescription"]["text"], code.summary());
            assert!(
                rule["help"]["text"]
                    .as_str()
                    .unwrap()
                    .starts_with(code.id())
            );
            assert_eq!(
                rule["defaultConfiguration"]["level"],
                code.default_severity().as_str()
            );
            assert_eq!(rule["properties"]["category"], code.category().as_str());
        }
    }

    #[test]
    fn results_point_at_their_rule_and_region() {
        let log = rendered("sub/dir");
        let results = log["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 4);
        let first = &results[0];
        assert_eq!(first["ruleId"], "PD401");
        let index = first["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(Code::ALL[index], Code::UnresolvedReference);
        assert_eq!(first["level"], "error");
        assert_eq!(
            first["message"]["text"],
            "policy `missing` not found in domain `app` (help: did you mean `mrn:iam:policy:missing`?)"
        );
        let location = &first["locations"][0];
        assert_eq!(location["message"]["text"], "no such policy");
        let physical = &location["physicalLocation"];
        assert_eq!(
            physical["artifactLocation"],
            json!({ "uri": "sub/dir/domains/app%20a.yml", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            physical["region"],
            json!({ "startLine": 4, "startColumn": 13, "endLine": 4, "endColumn": 20 })
        );
        let related = &first["relatedLocations"][0];
        assert_eq!(related["id"], 1);
        assert_eq!(related["message"]["text"], "in this role");
        // `"é:r"` is six bytes but five columns
        assert_eq!(
            related["physicalLocation"]["region"],
            json!({ "startLine": 3, "startColumn": 10, "endLine": 3, "endColumn": 15 })
        );

        // a file of another revision: its path, no region, and where it was in the message
        assert_eq!(results[1]["level"], "warning");
        let location = &results[1]["locations"][0];
        assert_eq!(
            location["physicalLocation"],
            json!({ "artifactLocation": { "uri": "b.yml", "uriBaseId": "%SRCROOT%" } })
        );
        assert_eq!(location["message"]["text"], "at `HEAD~1`, line 1");
        assert!(results[1].get("relatedLocations").is_none());
        assert!(
            results[2]["locations"][0]["physicalLocation"]
                .get("region")
                .is_none()
        );
    }

    #[test]
    fn fingerprints_ignore_positions_and_number_repeats() {
        let fingerprints = |log: &Value| -> Vec<String> {
            log["runs"][0]["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    r["partialFingerprints"][FINGERPRINT_KEY]
                        .as_str()
                        .unwrap()
                        .into()
                })
                .collect()
        };
        let before = fingerprints(&rendered(""));
        assert_ne!(before[0], before[1]);
        let (repeated, number) = before[2].rsplit_once(':').unwrap();
        assert_eq!(number, "1");
        assert_eq!(before[3], format!("{repeated}:2"));

        // the same file with two lines more at the top
        let (mut sources, mut diagnostics) = sample();
        let text = format!("\n\n{}", sources.get(diagnostics[0].location.file).text);
        let policy = text.find("missing").unwrap();
        let moved = sources.add(SourceFile::new("domains/app a.yml".into(), None, text));
        diagnostics[0].location = Location::new(moved, Span::new(policy, policy + 7));
        let after = sarif(&sources, &diagnostics, &Summary::default(), &run_in(""));
        assert_eq!(fingerprints(&serde_json::from_str(&after).unwrap()), before);
    }

    #[test]
    fn output_is_deterministic() {
        let (sources, diagnostics) = sample();
        let summary = Summary {
            files: 2,
            errors: 3,
            warnings: 1,
            ..Summary::default()
        };
        let once = sarif(&sources, &diagnostics, &summary, &run_in(""));
        assert_eq!(once, sarif(&sources, &diagnostics, &summary, &run_in("")));
        let log: Value = serde_json::from_str(&once).unwrap();
        assert_eq!(log["runs"][0]["properties"]["summary"]["errors"], 3);
    }

    #[test]
    fn uris_are_percent_encoded_relative_references() {
        assert_eq!(artifact_uri("a/b.yml"), "a/b.yml");
        assert_eq!(artifact_uri("x/dir\\f é.yml"), "x/dir/f%20%C3%A9.yml");
        assert_eq!(artifact_uri("100%.yml"), "100%25.yml");
        assert_eq!(artifact_uri("a:b.yml"), "a%3Ab.yml");
    }

    #[test]
    fn files_are_named_from_the_repository_root_however_they_were_given() {
        let paths = run_in("sub");
        for (given, expected) in [
            ("d.yml", "sub/d.yml"),
            ("../top.yml", "top.yml"),
            ("./x/../d.yml", "sub/d.yml"),
            (&format!("{REPO}/sub/abs.yml")[..], "sub/abs.yml"),
            ("/elsewhere/e.yml", "/elsewhere/e.yml"),
        ] {
            let file = SourceFile::new(given.into(), Some(given.into()), String::new());
            assert_eq!(paths.of(&file), expected, "{given}");
        }
    }
}

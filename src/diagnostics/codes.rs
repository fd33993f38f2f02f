//! The registry of diagnostic codes: the single place where a code, its name, category,
//! default severity and meaning are written down.
//!
//! Codes are stable: once published a code keeps its meaning and is never reused. They are
//! grouped by hundreds: 1xx YAML and files, 2xx schema, 3xx duplicates, 4xx references,
//! 5xx cycles, 6xx selectors, 7xx annotations, 8xx Rego, 9xx delete-safety and unused
//! entities. The README's diagnostic table is checked against this registry by a test.

use super::Severity;
use serde::Serialize;

/// What part of the format a diagnostic is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Yaml,
    File,
    Schema,
    Duplicate,
    Reference,
    Cycle,
    Selector,
    Annotation,
    Rego,
    DeleteSafety,
    Unused,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Yaml => "yaml",
            Category::File => "file",
            Category::Schema => "schema",
            Category::Duplicate => "duplicate",
            Category::Reference => "reference",
            Category::Cycle => "cycle",
            Category::Selector => "selector",
            Category::Annotation => "annotation",
            Category::Rego => "rego",
            Category::DeleteSafety => "delete-safety",
            Category::Unused => "unused",
        }
    }
}

macro_rules! registry {
    ($(
        $variant:ident = $id:literal, $name:literal, $category:ident, $severity:ident,
            $summary:literal, $example:literal;
    )*) => {
        /// A stable diagnostic code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant),* }

        impl Code {
            /// Every code, in registry order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as users see it, such as `PD401`.
            pub fn id(self) -> &'static str {
                match self { $(Code::$variant => $id),* }
            }

            /// A short kebab-case name, such as `unresolved-reference`.
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name),* }
            }

            pub fn category(self) -> Category {
                match self { $(Code::$variant => Category::$category),* }
            }

            pub fn default_severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity),* }
            }

            /// What the code means, in one sentence.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary),* }
            }

            /// A message this code produces, for documentation.
            pub fn example(self) -> &'static str {
                match self { $(Code::$variant => $example),* }
            }
        }
    };
}

registry! {
    YamlSyntax = "PD101", "yaml-syntax", Yaml, Error,
        "The file is not well-formed YAML.",
        "mapping values are not allowed in this context";
    DuplicateKey = "PD102", "duplicate-key", Yaml, Error,
        "A mapping has the same key twice; YAML forbids it and tools disagree on which one wins.",
        "duplicate key `roles` in this mapping";
    YamlLimit = "PD103", "yaml-limit", Yaml, Error,
        "Nesting or alias expansion goes beyond pdc's limits (protects against alias bombs).",
        "aliases expand to more than 1000000 nodes";
    InvalidMergeKey = "PD104", "invalid-merge-key", Yaml, Error,
        "A `<<` merge key whose value is not a mapping or a list of mappings.",
        "the value of a `<<` merge key must be a mapping or a list of mappings";
    FileUnreadable = "PD151", "file-unreadable", File, Error,
        "A file or directory could not be read, or is not UTF-8 text.",
        "cannot read `domains/a.yml`: permission denied";
    RegoFileNotFound = "PD152", "rego-file-not-found", File, Error,
        "A `rego_filename` names a file that does not exist or cannot be read.",
        "rego file `lib/utils.rego` not found";
    RegoFileEmpty = "PD153", "rego-file-empty", File, Error,
        "A `rego_filename` names an empty file, or the `rego_filename` value itself is empty.",
        "rego file `lib/utils.rego` is empty";
    RegoFileOutsideRoot = "PD154", "rego-file-outside-root", File, Error,
        "A `rego_filename` leaves the repository root (`..` or an absolute path elsewhere).",
        "rego file `../../etc/x.rego` is outside the repository root";
    RegoFileFromCwd = "PD155", "rego-file-from-cwd", File, Warning,
        "A `rego_filename` was found only relative to the current directory, not to the YAML file.",
        "rego file `test/utils.rego` was found relative to the current directory, not to the YAML file";
    InvalidConfig = "PD156", "invalid-config", File, Error,
        "`pdc.toml` cannot be read or has unknown or mistyped settings.",
        "invalid `pdc.toml`: unknown field `versoin`";
        NothingToCheck = "PD157", "nothing-to-check", File, Warning,
        "The paths given hold no PolicyDomain document, so nothing was checked.",
        "no PolicyDomain documents found under `policies`";
    MissingMetadata = "PD201", "missing-metadata", Schema, Error,
        "A PolicyDomain without a `metadata` section.",
        "missing `metadata` section";
    MissingDomainName = "PD202", "missing-domain-name", Schema, Error,
        "`metadata.name` is missing or empty; it names the domain that `domain/mrn` references use.",
        "`metadata.name` is required and must not be empty";
    UnknownKind = "PD203", "unknown-kind", Schema, Error,
        "`kind` is missing or is neither `PolicyDomain` nor `PolicyDomainReference`.",
        "unknown kind `PolicyDomains`";
    UnknownApiVersion = "PD204", "unknown-api-version", Schema, Error,
        "`apiVersion` is not one of `iamlite.manetu.io/v1alpha3`, `v1alpha4`, `v1beta1`.",
        "unsupported apiVersion `iamlite.manetu.io/v9`";
    MissingId = "PD205", "missing-id", Schema, Error,
        "An entity without its identifier (`mrn`, or `name` for operations, mappers and resources).",
        "policy at index 2 has no `mrn`";
    MissingRego = "PD206", "missing-rego", Schema, Error,
        "A policy, library or mapper without Rego (`rego`, or `rego_filename` in a PolicyDomainReference).",
        "policy `mrn:iam:policy:read` has no `rego`";
    MissingSelector = "PD207", "missing-selector", Schema, Error,
        "An operation, mapper or resource without a non-empty `selector` list.",
        "operation `api` has no `selector`";
    WrongType = "PD208", "wrong-type", Schema, Error,
        "A value of the wrong type, such as a list where a string belongs.",
        "`policy` must be a string, found a sequence";
    UnknownKey = "PD209", "unknown-key", Schema, Warning,
        "A key the format does not define; the runtime ignores it, which usually hides a typo.",
        "unknown key `selectors` in operation";
    IgnoredByVersion = "PD210", "ignored-by-version", Schema, Warning,
        "A section or field that this document's apiVersion ignores.",
        "`resources` is ignored by apiVersion `iamlite.manetu.io/v1alpha3`";
    RegoAndRegoFilename = "PD211", "rego-and-rego-filename", Schema, Error,
        "An entry has both `rego` and `rego_filename`.",
        "policy `mrn:iam:policy:x` has both `rego` and `rego_filename`";
    NotAPolicyDomain = "PD212", "not-a-policy-domain", Schema, Error,
        "A file named on the command line holds a document that is not a PolicyDomain.",
        "this document is not a PolicyDomain (no `apiVersion: iamlite.manetu.io/...`)";
    RegoFilenameIgnored = "PD213", "rego-filename-ignored", Schema, Warning,
        "`rego_filename` in a `kind: PolicyDomain` document, where nothing reads it.",
        "`rego_filename` is ignored in a `PolicyDomain`; only `PolicyDomainReference` files are built";
    NameExpected = "PD214", "name-expected", Schema, Warning,
        "An operation, mapper or resource identified only by `mrn`; the runtime identifies them by `name`.",
        "operation is identified by `mrn`, but the runtime only reads `name`";
    DuplicateId = "PD301", "duplicate-id", Duplicate, Error,
        "The same identifier twice in one section of one domain.",
        "duplicate role `mrn:iam:role:admin`";
    DuplicateDomain = "PD302", "duplicate-domain", Duplicate, Error,
        "Two documents declare the same `metadata.name`.",
        "domain `payments` is defined twice";
    MrnInSeveralDomains = "PD303", "mrn-in-several-domains", Duplicate, Warning,
        "The same MRN in the same section of two domains; runtime look-ups by bare MRN become ambiguous.",
        "role `mrn:iam:role:admin` is also defined in domain `billing`";
    MrnInSeveralSections = "PD304", "mrn-in-several-sections", Duplicate, Warning,
        "The same MRN names entities in two different sections.",
        "`mrn:iam:x` names both a role and a policy";
    DuplicateEntry = "PD305", "duplicate-entry", Duplicate, Warning,
        "The same value twice in one list (a role, a dependency, a selector).",
        "role `mrn:iam:role:reader` is listed twice";
    MultipleDefaultResourceGroups = "PD306", "multiple-default-resource-groups", Duplicate, Error,
        "More than one resource group with `default: true` in a domain; the runtime picks one at random.",
        "domain `app` has more than one default resource group";
    UnresolvedReference = "PD401", "unresolved-reference", Reference, Error,
        "A reference names an entity that does not exist in the expected section.",
        "library `mrn:iam:library:missing` not found in domain `app`";
    UnknownDomain = "PD402", "unknown-domain", Reference, Error,
        "A `domain/mrn` reference names a domain that none of the checked files defines.",
        "domain `beta` is not defined by any checked file";
    MalformedReference = "PD403", "malformed-reference", Reference, Error,
        "A qualified reference with an empty domain or identifier (`/x`, `x/`).",
        "malformed reference `/mrn:iam:library:x`, expected `domain/mrn`";
    MissingReference = "PD404", "missing-reference", Reference, Warning,
        "A reference field the format documents as required is missing or empty.",
        "role `mrn:iam:role:x` has no `policy`";
    QualifiedReferenceUnsupported = "PD405", "qualified-reference-unsupported", Reference, Error,
        "A `domain/mrn` reference in a field the runtime looks up by bare MRN (only `dependencies` and operation `policy` understand `domain/`).",
        "the runtime cannot resolve `billing/mrn:iam:policy:read` in a role's `policy`";
    DependencyCycle = "PD501", "dependency-cycle", Cycle, Error,
        "Policy libraries depend on each other in a cycle.",
        "library dependency cycle: `a/lib1` → `a/lib2` → `a/lib1`";
    InvalidSelector = "PD601", "invalid-selector", Selector, Error,
        "A selector is not a valid regular expression.",
        "invalid selector `[oops`: unclosed character class";
    ShadowedEntry = "PD602", "shadowed-by-catch-all", Selector, Warning,
        "An operation or resource that can never match because an earlier entry matches everything.",
        "operation `omega` can never match: `catch-all` above matches everything";
    SurprisingAnchoring = "PD603", "surprising-anchoring", Selector, Warning,
        "A selector with a top-level `|`: anchoring it as `^a|b$` binds only the first and last alternatives.",
        "selector `read|write` is anchored as `^read|write$`";
    ShadowedSelector = "PD604", "shadowed-selector", Selector, Warning,
        "A selector that an earlier entry already has, so it never decides a match here.",
        "selector `api:.*` of operation `b` is already a selector of operation `a`";
    AmbiguousAcrossDomains = "PD605", "ambiguous-across-domains", Selector, Warning,
        "An operation selector that also matches operations of another domain; the runtime treats a request matching two domains as unknown and denies it.",
        "selector `.*` of operation `all` in domain `a` also matches every operation of domain `b`";
    InvalidAnnotationJson = "PD701", "invalid-annotation-json", Annotation, Warning,
        "A v1alpha3/v1alpha4 annotation value that is not JSON; the runtime silently uses the raw string.",
        "annotation `tier` is not valid JSON";
    UnknownMergeStrategy = "PD702", "unknown-merge-strategy", Annotation, Warning,
        "An annotation `merge` that is not `replace`, `append`, `prepend`, `deep` or `union`.",
        "unknown merge strategy `deap`";
    DuplicateAnnotation = "PD703", "duplicate-annotation", Annotation, Warning,
        "The same annotation name twice on one entity; only the last one takes effect.",
        "annotation `tier` is set twice";
    EmptyAnnotationName = "PD704", "empty-annotation-name", Annotation, Warning,
                "An annotation without a name.",
        "annotation has no `name`";
    ConflictingRoleAnnotations = "PD705", "conflicting-role-annotations", Annotation, Warning,
        "Two roles of one group set an annotation to different values; the runtime merges roles in no fixed order, so members may get either.",
        "roles `a` and `b` of group `g` set annotation `tier` differently";
    RegoSyntax = "PD801", "rego-syntax", Rego, Error,
        "Rego that does not parse.",
        "invalid Rego in policy `mrn:iam:policy:read`: expecting `package`";
    RegoUndefinedFunction = "PD802", "undefined-function", Rego, Error,
        "A call to a function that is neither built in nor defined by the module or its library dependencies.",
        "undefined function `helpers.match_any` in policy `mrn:iam:policy:read`";
    RegoUnsafeVariable = "PD803", "unsafe-variable", Rego, Error,
        "A variable used before anything binds it.",
        "use of undefined variable `x` is unsafe in policy `mrn:iam:policy:read`";
    RegoCompile = "PD804", "rego-compile", Rego, Error,
        "Rego that parses but does not compile (for example a function defined with different arities).",
        "data.authz.f was previously defined with 1 arguments";
    PolicyPackage = "PD811", "policy-package", Rego, Warning,
        "A policy whose Rego is not `package authz`, which the engine never evaluates.",
        "policy `mrn:iam:policy:read` declares `package main`, not `package authz`";
    PolicyWithoutAllow = "PD812", "policy-without-allow", Rego, Warning,
        "A policy that does not define `allow`.",
        "policy `mrn:iam:policy:read` does not define `allow`";
    MapperConvention = "PD813", "mapper-convention", Rego, Warning,
        "A mapper that is not `package mapper` or does not define `porc`.",
        "mapper `default` does not define `porc`";
    LibraryPackageAuthz = "PD814", "library-package-authz", Rego, Warning,
        "A library in `package authz`, which is reserved for policies.",
        "library `mrn:iam:library:utils` declares `package authz`";
    DuplicateLibraryPackage = "PD815", "duplicate-library-package", Rego, Warning,
        "Two libraries declare the same package.",
                "libraries `a` and `b` both declare `package utils`";
    OperationPolicyBoolean = "PD816", "operation-policy-boolean", Rego, Warning,
        "A policy that decides operations but whose `allow` defaults to a boolean; operations need an integer (-1, 0, 1) and the runtime denies on a boolean.",
        "policy `mrn:iam:policy:allow-all` decides operations but its `allow` defaults to a boolean";
        RemovedButReferenced = "PD901", "removed-but-referenced", DeleteSafety, Error,
        "An entity removed or renamed since the base revision that something still references.",
        "group `mrn:iam:group:devs` was removed since `HEAD~1` but role `...` still references it";
    AccessRemoved = "PD902", "access-removed", DeleteSafety, Warning,
        "A group, role or scope removed or renamed since the base revision: tokens carrying its MRN lose access.",
        "group `mrn:iam:group:devs` was removed since `HEAD~1`: members of this group lose roles `...`";
    ExternalMrnRemoved = "PD903", "external-mrn-removed", DeleteSafety, Error,
        "An MRN that `pdc.toml` lists as used outside the repository was removed or renamed.",
        "group `mrn:iam:group:sso-admins` was removed since `main`, but `pdc.toml` lists it as used outside this repository";
    BaseNotLoaded = "PD904", "base-not-loaded", DeleteSafety, Warning,
        "A file that does not load at the base revision: removals from what its errors cut out cannot be detected.",
        "`HEAD:policy-domains/payments.yaml` does not load at `HEAD`, so removals from what its errors cut out cannot be detected";
    ExternalMrnUnknown = "PD905", "external-mrn-unknown", DeleteSafety, Warning,
        "An MRN that `pdc.toml` lists as used outside the repository, which no checked domain defines.",
        "`mrn:iam:group:sso-admin` is listed as used outside the repository, but no checked domain defines it";
        UnusedPolicy = "PD951", "unused-policy", Unused, Warning,
        "A policy that no role, resource group, scope or operation references.",
        "policy `mrn:iam:policy:legacy` is never used";
    UnusedLibrary = "PD952", "unused-library", Unused, Warning,
        "A policy library that no policy or library depends on.",
        "library `mrn:iam:library:old-helpers` is never used";
}

impl Code {
    /// Looks a code up by its id (`PD401`) or name (`unresolved-reference`), ignoring case.
    pub fn find(text: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.id().eq_ignore_ascii_case(text) || c.name().eq_ignore_ascii_case(text))
    }
}

mod examples {
    include!(concat!(env!("OUT_DIR"), "/rule_examples.rs"));
}

/// A code explained for `pdc rules CODE`: what it means, its example message, and the worked
/// example from its command-line test case (input files and pdc's report).
pub fn explain(code: Code) -> String {
    let mut text = format!(
        "{} {} ({}, {})\n\n{}\n\nExample message:\n    {}\n",
        code.id(),
        code.name(),
        code.category().as_str(),
        code.default_severity().as_str(),
        code.summary(),
        code.example()
    );
    if let Some((_, inputs, report)) = examples::RULE_EXAMPLES
        .iter()
        .find(|(id, _, _)| *id == code.id())
    {
        text.push_str("\nExample:\n");
        for (name, content) in inputs.iter() {
            text.push_str(&format!("\n  {name}:\n"));
            for line in content.lines() {
                text.push_str(&format!("    {line}\n"));
            }
        }
        text.push_str("\n  pdc check reports:\n");
        for line in report.lines() {
            text.push_str(&format!("    {line}\n"));
        }
    }
    text
}

/// The diagnostic table of the README: one row per code.
pub fn markdown_table() -> String {
    let cell = |text: &str| text.replace('|', "\\|");
    let mut table = String::from(
        "| Code | Name | Category | Severity | Meaning | Example message |\n|---|---|---|---|---|---|\n",
    );
    for code in Code::ALL {
        table.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            code.id(),
            code.name(),
            code.category().as_str(),
            code.default_severity().as_str(),
            cell(code.summary()),
            cell(code.example()),
        ));
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_and_names_are_unique_and_well_formed() {
        let mut ids = HashSet::new();
        let mut names = HashSet::new();
        for code in Code::ALL {
            assert!(ids.insert(code.id()), "duplicate id {}", code.id());
            assert!(names.insert(code.name()), "duplicate name {}", code.name());
            assert!(code.id().starts_with("PD") && code.id().len() == 5);
            assert!(
                code.name()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-')
            );
            assert!(code.summary().ends_with('.'));
        }
    }

    #[test]
    fn codes_are_grouped_by_category() {
        for code in Code::ALL {
            let hundred = &code.id()[2..3];
            let expected: &[&str] = match code.category() {
                Category::Yaml | Category::File => &["1"],
                Category::Schema => &["2"],
                Category::Duplicate => &["3"],
                Category::Reference => &["4"],
                Category::Cycle => &["5"],
                Category::Selector => &["6"],
                Category::Annotation => &["7"],
                Category::Rego => &["8"],
                Category::DeleteSafety | Category::Unused => &["9"],
            };
            assert!(
                expected.contains(&hundred),
                "{} is out of its block",
                code.id()
            );
        }
    }

    #[test]
    fn explanations_include_the_worked_example() {
        let text = explain(Code::UnresolvedReference);
        assert!(text.starts_with("PD401 unresolved-reference (reference, error)"));
        assert!(text.contains("pdc check reports:"));
        assert!(text.contains("error[PD401]"));
    }

    #[test]
    fn find_accepts_id_or_name() {
        assert_eq!(Code::find("pd401"), Some(Code::UnresolvedReference));
        assert_eq!(Code::find("dependency-cycle"), Some(Code::DependencyCycle));
        assert_eq!(Code::find("nope"), None);
    }
}

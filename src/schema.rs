//! Schema: JSON Schemas of the PolicyDomain format, for editors (`pdc schema`).
//!
//! The types here are a span-free description of a PolicyDomain document, one combination of
//! types per apiVersion and kind. They derive [`JsonSchema`] (doc comments become the
//! `description` an editor shows on hover) and [`Deserialize`] (so the serde attributes that
//! shape the schema are the ones that also decide what deserializes). They follow what
//! [`crate::model`] accepts without a diagnostic: a key pdc warns about (unknown, ignored by
//! the document's apiVersion, `rego_filename` in a `PolicyDomain`) is not allowed by the
//! schema either, nor are an unknown `merge` strategy and an annotation without a name. What
//! a schema cannot say (references, duplicates, Rego, regular expressions, JSON inside
//! annotation strings) is left to `pdc check`.
//!
//! A value that pdc treats as absent when it is YAML null (an empty section, `description:`)
//! is allowed to be null; required values are not. Types are those of YAML 1.2: pdc, like
//! the runtime, also takes `mrn: 123` as a string and `default: yes` as a boolean, which the
//! schema (and so an editor) flags.
//!
//! [`schema`] builds one (apiVersion, kind) schema, [`all`] every file of `schemas/`,
//! including `policydomain.json`, which picks the right one from `apiVersion` and `kind`.

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::{JsonSchema, Schema, SchemaGenerator, generate::SchemaSettings, json_schema};
use serde::Deserialize;
use serde::de::{Deserializer, Error as _, Unexpected};
use serde_json::{Map, Value, json};

use crate::model::{ApiVersion, Kind};

/// Where the committed schemas are published; each schema's `$id` is this plus its file name.
pub const BASE_URL: &str = "https://raw.githubusercontent.com/example/pdc/main/schemas/";

/// The file name of the schema that covers every apiVersion and kind.
pub const COMBINED_FILE: &str = "policydomain.json";

/// The two document kinds, for choosing a schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SchemaKind {
    PolicyDomain,
    PolicyDomainReference,
}

impl SchemaKind {
    pub const ALL: [SchemaKind; 2] = [SchemaKind::PolicyDomain, SchemaKind::PolicyDomainReference];

    /// The `kind:` value of the document.
    pub fn as_str(self) -> &'static str {
        match self {
            SchemaKind::PolicyDomain => "PolicyDomain",
            SchemaKind::PolicyDomainReference => "PolicyDomainReference",
        }
    }
}

impl From<Kind> for SchemaKind {
    fn from(kind: Kind) -> Self {
        match kind {
            Kind::PolicyDomain => SchemaKind::PolicyDomain,
            Kind::PolicyDomainReference => SchemaKind::PolicyDomainReference,
        }
    }
}

/// The file name of the schema for one apiVersion and kind, such as
/// `policydomain-v1beta1.json` or `policydomainreference-v1alpha4.json`.
pub fn file_name(api_version: ApiVersion, kind: SchemaKind) -> String {
    format!(
        "{}-{}.json",
        kind.as_str().to_ascii_lowercase(),
        version_suffix(api_version)
    )
}

fn version_suffix(api_version: ApiVersion) -> &'static str {
    api_version
        .as_str()
        .strip_prefix(ApiVersion::GROUP)
        .unwrap_or(api_version.as_str())
}

/// The draft 2020-12 JSON Schema of documents with this apiVersion and kind.
pub fn schema(api_version: ApiVersion, kind: SchemaKind) -> Value {
    use ApiVersion::*;
    use SchemaKind::*;
    let mut value = match (api_version, kind) {
        (V1alpha3, PolicyDomain) => generate::<DomainV1alpha3>(),
        (V1alpha3, PolicyDomainReference) => generate::<ReferenceV1alpha3>(),
        (V1alpha4, PolicyDomain) => generate::<DomainV1alpha4>(),
        (V1alpha4, PolicyDomainReference) => generate::<ReferenceV1alpha4>(),
        (V1beta1, PolicyDomain) => generate::<DomainV1beta1>(),
        (V1beta1, PolicyDomainReference) => generate::<ReferenceV1beta1>(),
    };
    let root = value
        .as_object_mut()
        .expect("a generated schema is an object");
    root.insert(
        "$id".into(),
        Value::String(format!("{BASE_URL}{}", file_name(api_version, kind))),
    );
    root.insert(
        "title".into(),
        Value::String(format!("{} ({})", kind.as_str(), api_version.as_str())),
    );
    root.insert(
        "description".into(),
        Value::String(root_description(api_version, kind)),
    );
    finish(&mut value);
    value
}

/// Every schema file of `schemas/`: the six (apiVersion, kind) schemas and the combined
/// [`COMBINED_FILE`], by file name in a fixed order.
pub fn all() -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = ApiVersion::ALL
        .into_iter()
        .flat_map(|v| SchemaKind::ALL.map(|k| (file_name(v, k), schema(v, k))))
        .collect();
    out.push((COMBINED_FILE.to_string(), combined()));
    out
}

fn root_description(api_version: ApiVersion, kind: SchemaKind) -> String {
    let kind_text = match kind {
        SchemaKind::PolicyDomain => {
            "A Manetu PolicyEngine PolicyDomain: the policies, libraries, roles, groups, resource groups, scopes, operations and mappers of one domain, loaded by the PolicyEngine as written. Every policy, library and mapper carries its Rego inline in `rego`."
        }
        SchemaKind::PolicyDomainReference => {
            "A Manetu PolicyEngine PolicyDomainReference: a PolicyDomain whose policies, libraries and mappers may keep their Rego in separate files (`rego_filename`). The PolicyEngine does not load it directly: `pdc build` (or `mpe build`) inlines the files and writes the PolicyDomain."
        }
    };
    let version_text = match api_version {
        ApiVersion::V1alpha3 => {
            "In `iamlite.manetu.io/v1alpha3` annotation values are JSON text in a string; there is no `resources` section, no annotation `merge` and no `annotation-defaults`."
        }
        ApiVersion::V1alpha4 => {
            "In `iamlite.manetu.io/v1alpha4` annotation values are JSON text in a string; `resources`, annotation `merge` and `annotation-defaults` are available."
        }
        ApiVersion::V1beta1 => {
            "In `iamlite.manetu.io/v1beta1` annotation values are native YAML values; `resources`, annotation `merge` and `annotation-defaults` are available."
        }
    };
    format!(
        "{kind_text} {version_text} References, duplicates, selectors and Rego are checked by `pdc check`, not by this schema."
    )
}

fn generate<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let schema: Schema = generator.into_root_schema_for::<T>();
    schema.to_value()
}

/// Final touches shared by every file: doc-comment line breaks become spaces (a blank line
/// stays a paragraph break), each `description` is repeated as `markdownDescription`, which
/// editors based on the VS Code JSON service render with code spans, and `"default": null`
/// (serde's default of an optional field, which an editor would offer to insert) is dropped.
fn finish(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("default").is_some_and(Value::is_null) {
                map.remove("default");
            }
            for child in map.values_mut() {
                finish(child);
            }
            if let Some(Value::String(text)) = map.get("description") {
                let text = reflow(text);
                map.insert("markdownDescription".into(), Value::String(text.clone()));
                map.insert("description".into(), Value::String(text));
            }
        }
        Value::Array(items) => items.iter_mut().for_each(finish),
        _ => {}
    }
}

fn reflow(text: &str) -> String {
    text.split("\n\n")
        .map(|paragraph| {
            paragraph
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|paragraph| !paragraph.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// One (apiVersion, kind) schema on its way into the combined schema.
struct Part {
    api_version: ApiVersion,
    kind: SchemaKind,
    stem: String,
    root: Map<String, Value>,
    defs: Map<String, Value>,
}

/// The schema for any PolicyDomain file: `apiVersion` and `kind` pick one of the six
/// schemas (each kept under `$defs` by its file stem), whose definitions are gathered under
/// `$defs` too. Identical definitions are stored once. A name with different definitions in
/// different schemas gets a suffix saying where each applies: its apiVersion
/// (`Annotation.v1alpha4`), its kind (`Library.policydomainreference`), or the schema
/// (`Spec.policydomain-v1beta1`).
fn combined() -> Value {
    let mut parts: Vec<Part> = ApiVersion::ALL
        .into_iter()
        .flat_map(|v| SchemaKind::ALL.map(move |k| (v, k)))
        .map(|(api_version, kind)| {
            let Value::Object(mut root) = schema(api_version, kind) else {
                unreachable!("a generated schema is an object")
            };
            let defs = match root.remove("$defs") {
                Some(Value::Object(defs)) => defs,
                _ => Map::new(),
            };
            for key in ["$schema", "$id"] {
                root.remove(key);
            }
            Part {
                api_version,
                kind,
                stem: file_name(api_version, kind)
                    .trim_end_matches(".json")
                    .to_string(),
                root,
                defs,
            }
        })
        .collect();

    // The distinct definitions of each name, each with the schemas that use it, in order
    // of first use. Definitions are compared with their references expanded.
    let mut variants: BTreeMap<String, Vec<(String, Vec<usize>)>> = BTreeMap::new();
    for (index, part) in parts.iter().enumerate() {
        let mut memo = BTreeMap::new();
        for name in part.defs.keys() {
            let key = expanded(&part.defs, name, &mut memo);
            let list = variants.entry(name.clone()).or_default();
            match list.iter_mut().find(|(k, _)| *k == key) {
                Some((_, users)) => users.push(index),
                None => list.push((key, vec![index])),
            }
        }
    }
    let mut names: BTreeMap<(usize, String), String> = BTreeMap::new();
    for (name, list) in &variants {
        for (_, users) in list {
            let shared = if list.len() == 1 {
                name.clone()
            } else {
                format!("{name}.{}", where_used(&parts, users))
            };
            for &index in users {
                names.insert((index, name.clone()), shared.clone());
            }
        }
    }

    let mut defs = Map::new();
    let mut branches = Vec::new();
    for (index, part) in parts.iter_mut().enumerate() {
        let rename = |name: &str| {
            names
                .get(&(index, name.to_string()))
                .cloned()
                .unwrap_or_else(|| name.to_string())
        };
        for (name, mut def) in std::mem::take(&mut part.defs) {
            rewrite_refs(&mut def, &rename);
            defs.insert(rename(&name), def);
        }
        let mut root = Value::Object(std::mem::take(&mut part.root));
        rewrite_refs(&mut root, &rename);
        defs.insert(part.stem.clone(), root);
        branches.push(json!({
            "if": {
                "properties": {
                    "apiVersion": { "const": part.api_version.as_str() },
                    "kind": { "const": part.kind.as_str() }
                },
                "required": ["apiVersion", "kind"]
            },
            "then": { "$ref": format!("#/$defs/{}", part.stem) }
        }));
    }

    let mut value = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("{BASE_URL}{COMBINED_FILE}"),
        "title": "PolicyDomain (any apiVersion and kind)",
        "description": "A Manetu PolicyEngine PolicyDomain or PolicyDomainReference of any supported apiVersion. `apiVersion` and `kind` select the schema that applies to the rest of the document; use this schema for every PolicyDomain file of a repository. References, duplicates, selectors and Rego are checked by `pdc check`, not by this schema.",
        "type": "object",
        "required": ["apiVersion", "kind"],
        "properties": {
            "apiVersion": {
                "description": "Format version of this document. It decides which sections exist (`resources` and `annotation-defaults` need `v1alpha4` or later) and how annotation values are written (JSON text in a string before `v1beta1`, native YAML from `v1beta1`).",
                "type": "string",
                "enum": ApiVersion::ALL.map(ApiVersion::as_str)
            },
            "kind": {
                "description": "`PolicyDomain` is loaded by the PolicyEngine as written. `PolicyDomainReference` may keep Rego in separate files named by `rego_filename`; `pdc build` inlines them and writes the PolicyDomain.",
                "type": "string",
                "enum": SchemaKind::ALL.map(SchemaKind::as_str)
            }
        },
        "allOf": branches,
        "$defs": defs
    });
    finish(&mut value);
    value
}

/// A definition as text with every `$ref` replaced by the definition it names, so that two
/// schemas' definitions compare equal exactly when they validate the same way.
fn expanded(defs: &Map<String, Value>, name: &str, memo: &mut BTreeMap<String, String>) -> String {
    if let Some(done) = memo.get(name) {
        return done.clone();
    }
    fn expand(
        value: &Value,
        defs: &Map<String, Value>,
        memo: &mut BTreeMap<String, String>,
    ) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(key, child)| match (key.as_str(), child) {
                        ("$ref", Value::String(target)) => match target.strip_prefix("#/$defs/") {
                            Some(name) => (key.clone(), Value::String(expanded(defs, name, memo))),
                            None => (key.clone(), child.clone()),
                        },
                        _ => (key.clone(), expand(child, defs, memo)),
                    })
                    .collect(),
            ),
            Value::Array(items) => {
                Value::Array(items.iter().map(|item| expand(item, defs, memo)).collect())
            }
            other => other.clone(),
        }
    }
    let text = defs
        .get(name)
        .map_or_else(String::new, |def| expand(def, defs, memo).to_string());
    memo.insert(name.to_string(), text.clone());
    text
}

/// Where a variant of a definition applies: one apiVersion (both kinds), one kind (every
/// apiVersion), or the schemas that use it.
fn where_used(parts: &[Part], users: &[usize]) -> String {
    let all = |f: &dyn Fn(usize) -> bool| -> bool {
        let expected: Vec<usize> = (0..parts.len()).filter(|&i| f(i)).collect();
        expected == users
    };
    let first = &parts[users[0]];
    if all(&|i| parts[i].api_version == first.api_version) {
        version_suffix(first.api_version).to_string()
    } else if all(&|i| parts[i].kind == first.kind) {
        first.kind.as_str().to_ascii_lowercase()
    } else {
        users
            .iter()
            .map(|&i| parts[i].stem.as_str())
            .collect::<Vec<_>>()
            .join("+")
    }
}

fn rewrite_refs(value: &mut Value, rename: &dyn Fn(&str) -> String) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                match (key.as_str(), &mut *child) {
                    ("$ref", Value::String(target)) => {
                        if let Some(name) = target.strip_prefix("#/$defs/") {
                            *target = format!("#/$defs/{}", rename(name));
                        }
                    }
                    _ => rewrite_refs(child, rename),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| rewrite_refs(item, rename)),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------
// The document, one combination of types per apiVersion and kind.

type DomainV1alpha3 =
    Document<V1alpha3, PolicyDomainKind, SpecV1alpha3<Library, Policy, Mapper, AnnotationV1alpha3>>;
type ReferenceV1alpha3 = Document<
    V1alpha3,
    PolicyDomainReferenceKind,
    SpecV1alpha3<ReferenceLibrary, ReferencePolicy, ReferenceMapper, AnnotationV1alpha3>,
>;
type DomainV1alpha4 =
    Document<V1alpha4, PolicyDomainKind, Spec<Library, Policy, Mapper, AnnotationV1alpha4>>;
type ReferenceV1alpha4 = Document<
    V1alpha4,
    PolicyDomainReferenceKind,
    Spec<ReferenceLibrary, ReferencePolicy, ReferenceMapper, AnnotationV1alpha4>,
>;
type DomainV1beta1 =
    Document<V1beta1, PolicyDomainKind, Spec<Library, Policy, Mapper, AnnotationV1beta1>>;
type ReferenceV1beta1 = Document<
    V1beta1,
    PolicyDomainReferenceKind,
    Spec<ReferenceLibrary, ReferencePolicy, ReferenceMapper, AnnotationV1beta1>,
>;

/// A string that must be exactly one value: the `apiVersion` and `kind` of a document.
macro_rules! exact_string {
    ($(#[$doc:meta])* $name:ident = $value:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $name;

        impl JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }

            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({ "type": "string", "const": $value })
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                if text == $value {
                    Ok($name)
                } else {
                    Err(D::Error::invalid_value(Unexpected::Str(&text), &$value))
                }
            }
        }
    };
}

exact_string!(
    /// `apiVersion: iamlite.manetu.io/v1alpha3`.
    V1alpha3 = "iamlite.manetu.io/v1alpha3"
);
exact_string!(
    /// `apiVersion: iamlite.manetu.io/v1alpha4`.
    V1alpha4 = "iamlite.manetu.io/v1alpha4"
);
exact_string!(
    /// `apiVersion: iamlite.manetu.io/v1beta1`.
    V1beta1 = "iamlite.manetu.io/v1beta1"
);
exact_string!(
    /// `kind: PolicyDomain`.
    PolicyDomainKind = "PolicyDomain"
);
exact_string!(
    /// `kind: PolicyDomainReference`.
    PolicyDomainReferenceKind = "PolicyDomainReference"
);

/// A Manetu PolicyEngine PolicyDomain document: one domain of a deployment.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Document<V, K, S> {
    /// Format version of this document. It decides which sections exist (`resources` and
    /// `annotation-defaults` need `v1alpha4` or later) and how annotation values are
    /// written (JSON text in a string before `v1beta1`, native YAML from `v1beta1`).
    #[serde(rename = "apiVersion")]
    pub api_version: V,
    /// `PolicyDomain` is loaded by the PolicyEngine as written. `PolicyDomainReference` may
    /// keep Rego in separate files named by `rego_filename`; `pdc build` inlines them and
    /// writes the PolicyDomain.
    pub kind: K,
    /// Identity of the domain: its `name`.
    pub metadata: Metadata,
    /// The domain's contents. Every section is optional; an absent or empty `spec` is an
    /// empty domain.
    #[serde(default = "none::<S>")]
    #[schemars(with = "S")]
    pub spec: Option<S>,
}

fn none<T>() -> Option<T> {
    None
}

/// Identity of the domain. Besides `name`, the Kubernetes keys `namespace`, `labels` and
/// `annotations` are allowed for tooling; the PolicyEngine reads only `name`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// Name of the domain, unique across the deployment. Entities of other domains refer
    /// to this domain's entities as `<name>/<mrn>` (in `dependencies` and operation
    /// `policy`), and built bundles are keyed by it.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Kubernetes namespace, for tooling. The PolicyEngine ignores it.
    pub namespace: Option<String>,
    /// Kubernetes labels (string values), for tooling. The PolicyEngine ignores them.
    pub labels: Option<BTreeMap<String, String>>,
    /// Kubernetes annotations (string values), for tooling. Unlike the `annotations` of
    /// roles, groups and the like, the PolicyEngine ignores them.
    pub annotations: Option<BTreeMap<String, String>>,
}

/// The sections of a `v1alpha3` PolicyDomain. Each section is a list; an absent or empty
/// section has no entries. `resources` and `annotation-defaults` need `v1alpha4` or later.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "Spec", extend("type" = ["object", "null"]))]
pub struct SpecV1alpha3<L, P, M, A> {
    /// Rego modules shared by policies and other libraries through `dependencies`. A
    /// library is never evaluated on its own; its package is imported by the policies that
    /// depend on it.
    pub policy_libraries: Option<Vec<L>>,
    /// Rego policies that make access decisions. Operations, roles, resource groups and
    /// scopes name the policy they apply by its `mrn`.
    pub policies: Option<Vec<P>>,
    /// Roles, granted to a principal directly (`mroles` in the request) or through
    /// groups. Each role applies its policy to the principal's requests and contributes
    /// annotations to the principal.
    pub roles: Option<Vec<Role<A>>>,
    /// Groups of roles, assigned to principals (`mgroups` in the request). A member gets
    /// every role of the group and the group's annotations.
    pub groups: Option<Vec<Group<A>>>,
    /// Resource groups: each applies its policy to the resources in it and gives them
    /// annotations. The group marked `default: true` takes resources that no resource
    /// selector matches.
    pub resource_groups: Option<Vec<ResourceGroup<A>>>,
    /// Scopes, carried by a request's access token (for example an OAuth scope); each
    /// applies its policy to requests made under it and contributes annotations.
    pub scopes: Option<Vec<Scope<A>>>,
    /// Operations, matched against the request's operation in list order (first match
    /// wins). The matching operation's policy decides the operation phase of the request.
    pub operations: Option<Vec<Operation>>,
    /// Mappers: Rego that turns a raw request (for example an Envoy check) into the
    /// PolicyEngine's principal/operation/resource/context input. The runtime supports at
    /// most one mapper per domain.
    pub mappers: Option<Vec<M>>,
}

/// The sections of a PolicyDomain. Each section is a list; an absent or empty section has
/// no entries.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(rename = "Spec", extend("type" = ["object", "null"]))]
pub struct Spec<L, P, M, A> {
    /// Rego modules shared by policies and other libraries through `dependencies`. A
    /// library is never evaluated on its own; its package is imported by the policies that
    /// depend on it.
    pub policy_libraries: Option<Vec<L>>,
    /// Rego policies that make access decisions. Operations, roles, resource groups and
    /// scopes name the policy they apply by its `mrn`.
    pub policies: Option<Vec<P>>,
    /// Roles, granted to a principal directly (`mroles` in the request) or through
    /// groups. Each role applies its policy to the principal's requests and contributes
    /// annotations to the principal.
    pub roles: Option<Vec<Role<A>>>,
    /// Groups of roles, assigned to principals (`mgroups` in the request). A member gets
    /// every role of the group and the group's annotations.
    pub groups: Option<Vec<Group<A>>>,
    /// Resource groups: each applies its policy to the resources in it and gives them
    /// annotations. The group marked `default: true` takes resources that no entry of
    /// `resources` matches.
    pub resource_groups: Option<Vec<ResourceGroup<A>>>,
    /// Scopes, carried by a request's access token (for example an OAuth scope); each
    /// applies its policy to requests made under it and contributes annotations.
    pub scopes: Option<Vec<Scope<A>>>,
    /// Operations, matched against the request's operation in list order (first match
    /// wins). The matching operation's policy decides the operation phase of the request.
    pub operations: Option<Vec<Operation>>,
    /// Mappers: Rego that turns a raw request (for example an Envoy check) into the
    /// PolicyEngine's principal/operation/resource/context input. The runtime supports at
    /// most one mapper per domain.
    pub mappers: Option<Vec<M>>,
    /// Resources: selectors that place resource MRNs in a resource group and give them
    /// annotations. Matched in list order (first match wins); a resource no entry matches
    /// falls to the `default: true` resource group.
    pub resources: Option<Vec<Resource<A>>>,
    /// Defaults for annotation merging. The runtime parses this but does not use it yet:
    /// merges without a `merge` of their own always use `deep`.
    #[serde(default)]
    #[schemars(with = "AnnotationDefaults")]
    pub annotation_defaults: Option<AnnotationDefaults>,
}

/// A policy library: a Rego module that policies and other libraries import through
/// `dependencies`. Its package must not be `authz`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Library {
    /// Identifier of the library, unique in the domain, such as `mrn:iam:library:helpers`.
    /// Policies and libraries list it in `dependencies`.
    #[schemars(length(min = 1))]
    pub mrn: String,
    /// Human-readable name. Documentation only; the runtime identifies the library by
    /// `mrn`.
    pub name: Option<String>,
    /// What the library provides. Documentation only.
    pub description: Option<String>,
    /// Libraries this library imports: `mrn` for a library of this domain or
    /// `domain/mrn` for one of another domain. Their Rego is compiled together with this
    /// library's.
    pub dependencies: Option<Vec<String>>,
    /// The library's Rego source, usually a block scalar (`rego: |`).
    #[schemars(length(min = 1))]
    pub rego: String,
}

/// A policy: Rego in `package authz` whose `allow` decides a phase of a request (an
/// integer for an operation's policy, a boolean elsewhere).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Identifier of the policy, unique in the domain, such as `mrn:iam:policy:read-only`.
    /// Operations, roles, resource groups and scopes name it in their `policy`.
    #[schemars(length(min = 1))]
    pub mrn: String,
    /// Human-readable name. Documentation only; the runtime identifies the policy by
    /// `mrn`.
    pub name: Option<String>,
    /// What the policy allows. Documentation only.
    pub description: Option<String>,
    /// Libraries the policy imports: `mrn` for a library of this domain or `domain/mrn`
    /// for one of another domain. Their Rego is compiled together with the policy.
    pub dependencies: Option<Vec<String>>,
    /// The policy's Rego source, usually a block scalar (`rego: |`).
    #[schemars(length(min = 1))]
    pub rego: String,
    /// Documented as marking a policy usable from other domains; the runtime does not read
    /// it.
    pub public: Option<bool>,
}

/// A role: names the policy applied to principals that hold the role, and annotations
/// they inherit.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Role")]
pub struct Role<A> {
    /// Identifier of the role, unique in the domain, such as `mrn:iam:role:admin`. Tokens
    /// (`mroles`) and groups (`roles`) name it; keep it stable.
    #[schemars(length(min = 1))]
    pub mrn: String,
    /// Human-readable name. Documentation only; the runtime identifies the role by `mrn`.
    pub name: Option<String>,
    /// What the role is for. Documentation only.
    pub description: Option<String>,
    /// MRN of the policy this role applies, a policy of this domain. Write the bare `mrn`:
    /// the runtime looks it up by bare MRN and does not understand `domain/mrn` here.
    pub policy: Option<String>,
    /// Parsed but unused on roles: only resource groups have a default.
    pub default: Option<bool>,
    /// Annotations given to principals holding this role, the lowest precedence of the
    /// identity side (role < group < scope < the principal's own).
    pub annotations: Option<Vec<A>>,
}

/// A group: a set of roles assigned to principals together, with annotations for its
/// members.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Group")]
pub struct Group<A> {
    /// Identifier of the group, unique in the domain, such as `mrn:iam:group:admins`.
    /// Tokens name it in `mgroups`; keep it stable.
    #[schemars(length(min = 1))]
    pub mrn: String,
    /// Human-readable name. Documentation only; the runtime identifies the group by `mrn`.
    pub name: Option<String>,
    /// What the group is for. Documentation only.
    pub description: Option<String>,
    /// MRNs of the roles every member gets, roles of this domain. Write bare `mrn`s: the
    /// runtime does not understand `domain/mrn` here.
    pub roles: Option<Vec<String>>,
    /// Annotations given to members; they override the annotations of the group's roles
    /// (role < group < scope < the principal's own).
    pub annotations: Option<Vec<A>>,
}

/// A resource group: names the policy applied to the resources in it, and annotations
/// they inherit.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ResourceGroup")]
pub struct ResourceGroup<A> {
    /// Identifier of the resource group, unique in the domain, such as
    /// `mrn:iam:resource-group:default`. Resources name it in `group`.
    #[schemars(length(min = 1))]
    pub mrn: String,
    /// Human-readable name. Documentation only; the runtime identifies the group by `mrn`.
    pub name: Option<String>,
    /// What the resources of this group have in common. Documentation only.
    pub description: Option<String>,
    /// MRN of the policy applied to resources of this group, a policy of this domain.
    /// Write the bare `mrn`: the runtime does not understand `domain/mrn` here.
    pub policy: Option<String>,
    /// `true` makes this the fallback group for resources that no entry of `resources`
    /// matches. Mark exactly one group of the domain.
    pub default: Option<bool>,
    /// Annotations given to the group's resources; a matching entry of `resources`
    /// overrides them (resource group < resource).
    pub annotations: Option<Vec<A>>,
}

/// A scope: names the policy applied to requests made under it (for example with an
/// OAuth scope in the access token), and annotations it contributes.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Scope")]
pub struct Scope<A> {
    /// Identifier of the scope, unique in the domain, such as `mrn:iam:scope:read-only`.
    /// Tokens name it; keep it stable.
    #[schemars(length(min = 1))]
    pub mrn: String,
    /// Human-readable name. Documentation only; the runtime identifies the scope by `mrn`.
    pub name: Option<String>,
    /// What the scope grants. Documentation only.
    pub description: Option<String>,
    /// MRN of the policy this scope applies, a policy of this domain. Write the bare
    /// `mrn`: the runtime does not understand `domain/mrn` here.
    pub policy: Option<String>,
    /// Parsed but unused on scopes: only resource groups have a default.
    pub default: Option<bool>,
    /// Annotations given to the principal for requests under this scope; they override
    /// role and group annotations (role < group < scope < the principal's own).
    pub annotations: Option<Vec<A>>,
}

/// An operation: selectors for the operation names of requests, and the policy that
/// decides the operation phase for them.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// Identifier of the operation, unique in the domain, such as `payments:api`. The
    /// runtime identifies operations by `name`, not `mrn`.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Ignored by the runtime: operations are identified by `name`.
    pub mrn: Option<String>,
    /// What the operation covers. Documentation only.
    pub description: Option<String>,
    /// Regular expressions (RE2 syntax, anchored at both ends) matched against the
    /// request's operation, such as `payments:payment:.*`. Any one matching selects this
    /// operation; the first matching operation of the list wins, and an operation that
    /// matches in two domains is ambiguous and denied.
    #[schemars(length(min = 1))]
    pub selector: Vec<String>,
    /// MRN of the policy that decides the operation phase: `mrn` for a policy of this
    /// domain or `domain/mrn` for one of another domain. Its `allow` must be an integer:
    /// negative denies, 0 passes on to the other phases, positive grants.
    pub policy: Option<String>,
}

/// A mapper: Rego (`package mapper`) that turns a raw request, such as an Envoy check,
/// into the PolicyEngine's input (`porc`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mapper {
    /// Identifier of the mapper, unique in the domain. The runtime identifies mappers by
    /// `name`, not `mrn`.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Ignored by the runtime: mappers are identified by `name`.
    pub mrn: Option<String>,
    /// What the mapper translates. Documentation only.
    pub description: Option<String>,
    /// Regular expressions (RE2 syntax, anchored at both ends) for the requests this
    /// mapper handles. Validated, but the runtime uses the domain's single mapper for
    /// every request.
    #[schemars(length(min = 1))]
    pub selector: Vec<String>,
    /// The mapper's Rego source, usually a block scalar (`rego: |`).
    #[schemars(length(min = 1))]
    pub rego: String,
}

/// A policy library of a PolicyDomainReference: a Rego module that policies and other
/// libraries import through `dependencies`, inline (`rego`) or in a file
/// (`rego_filename`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Library", extend("oneOf" = [{ "required": ["rego"] }, { "required": ["rego_filename"] }]))]
pub struct ReferenceLibrary {
    /// Identifier of the library, unique in the domain, such as `mrn:iam:library:helpers`.
    /// Policies and libraries list it in `dependencies`.
    #[schemars(length(min = 1))]
    pub mrn: String,
    /// Human-readable name. Documentation only; the runtime identifies the library by
    /// `mrn`.
    pub name: Option<String>,
    /// What the library provides. Documentation only.
    pub description: Option<String>,
    /// Libraries this library imports: `mrn` for a library of this domain or
    /// `domain/mrn` for one of another domain. Their Rego is compiled together with this
    /// library's.
    pub dependencies: Option<Vec<String>>,
    /// The library's Rego source, inline. Give either `rego` or `rego_filename`.
    #[serde(default)]
    #[schemars(with = "String", length(min = 1))]
    pub rego: Option<String>,
    /// Path of a `.rego` file holding the library's source, relative to this YAML file;
    /// `pdc build` inlines it. Give either `rego` or `rego_filename`.
    #[serde(default)]
    #[schemars(with = "String", length(min = 1))]
    pub rego_filename: Option<String>,
}

/// A policy of a PolicyDomainReference: Rego in `package authz` whose `allow` decides a
/// phase of a request, inline (`rego`) or in a file (`rego_filename`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Policy", extend("oneOf" = [{ "required": ["rego"] }, { "required": ["rego_filename"] }]))]
pub struct ReferencePolicy {
    /// Identifier of the policy, unique in the domain, such as `mrn:iam:policy:read-only`.
    /// Operations, roles, resource groups and scopes name it in their `policy`.
    #[schemars(length(min = 1))]
    pub mrn: String,
    /// Human-readable name. Documentation only; the runtime identifies the policy by
    /// `mrn`.
    pub name: Option<String>,
    /// What the policy allows. Documentation only.
    pub description: Option<String>,
    /// Libraries the policy imports: `mrn` for a library of this domain or `domain/mrn`
    /// for one of another domain. Their Rego is compiled together with the policy.
    pub dependencies: Option<Vec<String>>,
    /// The policy's Rego source, inline. Give either `rego` or `rego_filename`.
    #[serde(default)]
    #[schemars(with = "String", length(min = 1))]
    pub rego: Option<String>,
    /// Path of a `.rego` file holding the policy's source, relative to this YAML file;
    /// `pdc build` inlines it. Give either `rego` or `rego_filename`.
    #[serde(default)]
    #[schemars(with = "String", length(min = 1))]
    pub rego_filename: Option<String>,
    /// Documented as marking a policy usable from other domains; the runtime does not read
    /// it.
    pub public: Option<bool>,
}

/// A mapper of a PolicyDomainReference: Rego (`package mapper`) that turns a raw request
/// into the PolicyEngine's input, inline (`rego`) or in a file (`rego_filename`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Mapper", extend("oneOf" = [{ "required": ["rego"] }, { "required": ["rego_filename"] }]))]
pub struct ReferenceMapper {
    /// Identifier of the mapper, unique in the domain. The runtime identifies mappers by
    /// `name`, not `mrn`.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Ignored by the runtime: mappers are identified by `name`.
    pub mrn: Option<String>,
    /// What the mapper translates. Documentation only.
    pub description: Option<String>,
    /// Regular expressions (RE2 syntax, anchored at both ends) for the requests this
    /// mapper handles. Validated, but the runtime uses the domain's single mapper for
    /// every request.
    #[schemars(length(min = 1))]
    pub selector: Vec<String>,
    /// The mapper's Rego source, inline. Give either `rego` or `rego_filename`.
    #[serde(default)]
    #[schemars(with = "String", length(min = 1))]
    pub rego: Option<String>,
    /// Path of a `.rego` file holding the mapper's source, relative to this YAML file;
    /// `pdc build` inlines it. Give either `rego` or `rego_filename`.
    #[serde(default)]
    #[schemars(with = "String", length(min = 1))]
    pub rego_filename: Option<String>,
}

/// A resource entry: selectors that place resource MRNs in a resource group and give them
/// annotations.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Resource")]
pub struct Resource<A> {
    /// Identifier of the entry, unique in the domain. The runtime identifies resources by
    /// `name`, not `mrn`.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Ignored by the runtime: resources are identified by `name`.
    pub mrn: Option<String>,
    /// What the matched resources are. Documentation only.
    pub description: Option<String>,
    /// Regular expressions (RE2 syntax, anchored at both ends) matched against the
    /// request's resource MRN, such as `mrn:vault:acme.com:secret:.*`. Any one matching
    /// selects this entry; the first matching entry wins.
    #[schemars(length(min = 1))]
    pub selector: Vec<String>,
    /// MRN of the resource group the matched resources belong to (its policy and
    /// annotations apply), a group of this domain. Write the bare `mrn`: the runtime does
    /// not understand `domain/mrn` here.
    pub group: Option<String>,
    /// Annotations given to the matched resources; they override the resource group's.
    pub annotations: Option<Vec<A>>,
}

/// An annotation (`v1alpha3`): a named value that policies read from
/// `input.principal.mannotations` or `input.resource.annotations`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Annotation")]
pub struct AnnotationV1alpha3 {
    /// Name of the annotation, the key policies read. An entity sets each name once.
    #[schemars(length(min = 1))]
    pub name: String,
    /// The value as JSON text in a string: `'"gold"'`, `'42'`, `'["eu", "us"]'`. Text that
    /// is not JSON is used as a plain string.
    #[serde(default)]
    #[schemars(extend("contentMediaType" = "application/json"))]
    pub value: Option<String>,
}

/// An annotation (`v1alpha4`): a named value that policies read from
/// `input.principal.mannotations` or `input.resource.annotations`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Annotation")]
pub struct AnnotationV1alpha4 {
    /// Name of the annotation, the key policies read. An entity sets each name once.
    #[schemars(length(min = 1))]
    pub name: String,
    /// The value as JSON text in a string: `'"gold"'`, `'42'`, `'["eu", "us"]'`. Text that
    /// is not JSON is used as a plain string.
    #[serde(default)]
    #[schemars(extend("contentMediaType" = "application/json"))]
    pub value: Option<String>,
    /// How this value combines with a lower-precedence value of the same name (default
    /// `deep`).
    #[serde(default)]
    #[schemars(with = "Merge")]
    pub merge: Option<Merge>,
}

/// An annotation (`v1beta1`): a named value that policies read from
/// `input.principal.mannotations` or `input.resource.annotations`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Annotation")]
pub struct AnnotationV1beta1 {
    /// Name of the annotation, the key policies read. An entity sets each name once.
    #[schemars(length(min = 1))]
    pub name: String,
    /// The value, any YAML value: a string, number, boolean, list or mapping. A string
    /// that holds JSON (`"42"`, `"true"`) is decoded as JSON.
    pub value: Option<Value>,
    /// How this value combines with a lower-precedence value of the same name (default
    /// `deep`).
    #[serde(default)]
    #[schemars(with = "Merge")]
    pub merge: Option<Merge>,
}

/// How an annotation value combines with a lower-precedence value of the same name.
/// Values of different types never merge: the higher one wins.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Merge {
    /// The higher-precedence value wins outright.
    Replace,
    /// Lists: higher items, then lower. Mappings: shallow merge, higher keys win.
    Append,
    /// Lists: lower items, then higher. Mappings: shallow merge, lower keys win. Scalars:
    /// the lower value wins.
    Prepend,
    /// The default. Lists: higher items, then lower. Mappings: merged recursively, higher
    /// wins on conflicts.
    Deep,
    /// Lists: both, without duplicates, higher items first. Mappings: as `deep`.
    Union,
}

/// Domain-wide defaults for annotations.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("type" = ["object", "null"]))]
pub struct AnnotationDefaults {
    /// Default merge strategy for annotations without their own `merge`. Parsed, but the
    /// runtime does not apply it yet (it always defaults to `deep`).
    #[serde(default)]
    #[schemars(with = "Merge")]
    pub merge: Option<Merge>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deserializes `value` into the types of its apiVersion and kind.
    fn typed(api_version: ApiVersion, kind: SchemaKind, value: Value) -> Result<(), String> {
        use ApiVersion::*;
        use SchemaKind::*;
        let result = match (api_version, kind) {
            (V1alpha3, PolicyDomain) => serde_json::from_value::<DomainV1alpha3>(value).map(drop),
            (V1alpha3, PolicyDomainReference) => {
                serde_json::from_value::<ReferenceV1alpha3>(value).map(drop)
            }
            (V1alpha4, PolicyDomain) => serde_json::from_value::<DomainV1alpha4>(value).map(drop),
            (V1alpha4, PolicyDomainReference) => {
                serde_json::from_value::<ReferenceV1alpha4>(value).map(drop)
            }
            (V1beta1, PolicyDomain) => serde_json::from_value::<DomainV1beta1>(value).map(drop),
            (V1beta1, PolicyDomainReference) => {
                serde_json::from_value::<ReferenceV1beta1>(value).map(drop)
            }
        };
        result.map_err(|e| e.to_string())
    }

    fn sample(api_version: ApiVersion, kind: SchemaKind) -> Value {
        let value = if api_version.native_annotation_values() {
            json!(["eu", "us"])
        } else {
            json!("[\"eu\", \"us\"]")
        };
        let mut annotation = json!({ "name": "regions", "value": value });
        if api_version.has_resources_and_merge() {
            annotation["merge"] = json!("union");
        }
        let mut spec = json!({
            "policy-libraries": [{ "mrn": "lib", "rego": "package lib\n" }],
            "policies": [{ "mrn": "p", "dependencies": ["lib"], "rego": "package authz\n", "public": true }],
            "roles": [{ "mrn": "r", "policy": "p", "annotations": [annotation] }],
            "groups": [{ "mrn": "g", "roles": ["r"], "description": null }],
            "resource-groups": [{ "mrn": "rg", "policy": "p", "default": true }],
            "scopes": [{ "mrn": "s", "policy": "p" }],
            "operations": [{ "name": "o", "selector": [".*"], "policy": "p" }],
            "mappers": [{ "name": "m", "selector": [".*"], "rego": "package mapper\n" }]
        });
        if api_version.has_resources_and_merge() {
            spec["resources"] = json!([{ "name": "res", "selector": ["mrn:.*"], "group": "rg" }]);
            spec["annotation-defaults"] = json!({ "merge": "deep" });
        }
        if kind == SchemaKind::PolicyDomainReference {
            spec["policies"][0].as_object_mut().unwrap().remove("rego");
            spec["policies"][0]["rego_filename"] = json!("p.rego");
        }
        json!({
            "apiVersion": api_version.as_str(),
            "kind": kind.as_str(),
            "metadata": { "name": "d", "labels": { "team": "x" } },
            "spec": spec
        })
    }

    #[test]
    fn the_types_accept_a_complete_document_of_every_version_and_kind() {
        for api_version in ApiVersion::ALL {
            for kind in SchemaKind::ALL {
                let value = sample(api_version, kind);
                typed(api_version, kind, value).unwrap();
            }
        }
    }

    #[test]
    fn the_types_reject_what_the_schema_rejects() {
        use ApiVersion::*;
        use SchemaKind::*;
        let document = sample(V1alpha4, PolicyDomain);
        let broken = |edit: &dyn Fn(&mut Value)| {
            let mut value = document.clone();
            edit(&mut value);
            value
        };
        // v1alpha4 content declared as v1alpha3: `resources` and `merge` are unknown there.
        let relabelled = broken(&|v| v["apiVersion"] = json!(V1alpha3.as_str()));
        assert!(typed(V1alpha3, PolicyDomain, relabelled).is_err());
        // The apiVersion and kind must be the types' own.
        assert!(typed(V1beta1, PolicyDomain, document.clone()).is_err());
        assert!(typed(V1alpha4, PolicyDomainReference, document.clone()).is_err());
        let no_selector = broken(&|v| {
            v["spec"]["operations"][0]
                .as_object_mut()
                .unwrap()
                .remove("selector");
        });
        assert!(typed(V1alpha4, PolicyDomain, no_selector).is_err());
        let bad_merge = broken(&|v| v["spec"]["annotation-defaults"]["merge"] = json!("deap"));
        assert!(typed(V1alpha4, PolicyDomain, bad_merge).is_err());
        let unknown_key = broken(&|v| v["spec"]["roles"][0]["polciy"] = json!("p"));
        assert!(typed(V1alpha4, PolicyDomain, unknown_key).is_err());
        assert!(typed(V1alpha4, PolicyDomain, document).is_ok());
    }

    #[test]
    fn file_names_follow_kind_and_version() {
        assert_eq!(
            file_name(ApiVersion::V1beta1, SchemaKind::PolicyDomain),
            "policydomain-v1beta1.json"
        );
        assert_eq!(
            file_name(ApiVersion::V1alpha3, SchemaKind::PolicyDomainReference),
            "policydomainreference-v1alpha3.json"
        );
        let names: Vec<String> = all().into_iter().map(|(name, _)| name).collect();
        assert_eq!(names.len(), 7);
        assert_eq!(names.last().map(String::as_str), Some(COMBINED_FILE));
    }

    #[test]
    fn descriptions_are_reflowed() {
        assert_eq!(reflow("a\nb\n\nc\n"), "a b\n\nc");
    }
}

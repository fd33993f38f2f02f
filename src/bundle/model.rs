//! The compiled model written to `bundle.json`: every domain's entities with references
//! resolved to `domain/mrn`, effective access per group, library closures, Rego digests,
//! decoded and inherited annotations, and who references what.
//!
//! Everything here depends only on meaning: maps are sorted, unordered sections are keyed by
//! id, and source positions live in the separate [`SourceMap`] so that a comment or a
//! reordered entity does not change the bundle's bytes.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::annotations::{self, Annotations};
use crate::graph::Graph;
use crate::index::{EntityId, Index};
use crate::model::{Domain, Meta, Rego, Section, Text};
use crate::sources::SourceMap;

/// Version of the bundle's shape; bumped on any incompatible change.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    pub domains: BTreeMap<String, DomainBundle>,
    pub format: String,
    pub format_version: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DomainBundle {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub annotation_defaults: Option<String>,
    pub api_version: String,
    pub counts: BTreeMap<String, usize>,
    /// The source file, relative to the repository root.
    pub file: String,
    pub groups: BTreeMap<String, GroupEntry>,
    pub mappers: Vec<MapperEntry>,
    /// First-match lists keep their order.
    pub operations: Vec<OperationEntry>,
    pub policies: BTreeMap<String, PolicyEntry>,
    pub policy_libraries: BTreeMap<String, PolicyEntry>,
    pub resource_groups: BTreeMap<String, BindingEntry>,
    pub resources: Vec<ResourceEntry>,
    pub roles: BTreeMap<String, BindingEntry>,
    pub scopes: BTreeMap<String, BindingEntry>,
    /// `PolicyDomain` or `PolicyDomainReference`, as written in the source.
    pub source_kind: String,
}

/// An entity that references another: its section and qualified id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Referrer {
    pub id: String,
    pub section: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyEntry {
    /// Direct dependencies, as `domain/mrn`.
    pub dependencies: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub description: Option<String>,
    /// Every library compiled with this one, dependencies first.
    pub library_closure: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
    pub referenced_by: Vec<Referrer>,
    pub rego: String,
    pub rego_sha256: String,
}

/// A role, resource group or scope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BindingEntry {
    pub annotations: Annotations,
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub default: bool,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub policy: Option<String>,
    pub referenced_by: Vec<Referrer>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupEntry {
    pub annotations: Annotations,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub description: Option<String>,
    /// Policies those roles bring, sorted.
    pub effective_policies: Vec<String>,
    /// Roles a member of the group holds, sorted.
    pub effective_roles: Vec<String>,
    /// What a member inherits: the roles' annotations (earlier roles first) under the group's.
    pub inherited_annotations: Annotations,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
    pub roles: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OperationEntry {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub policy: Option<String>,
    pub selectors: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MapperEntry {
    pub name: String,
    pub rego: String,
    pub rego_sha256: String,
    pub selectors: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceEntry {
    pub annotations: Annotations,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub group: Option<String>,
    pub name: String,
    pub selectors: Vec<String>,
}

/// Where each entity was written: domain → section → id → file and line.
pub type SourceMapFile = BTreeMap<String, BTreeMap<String, BTreeMap<String, SourceLocation>>>;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceLocation {
    pub file: String,
    pub line: usize,
}

/// Hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Compiles checked, error-free domains. `files` gives each domain's source path relative to
/// the repository root.
pub struct Compiler<'a> {
    pub sources: &'a SourceMap,
    pub index: &'a Index<'a>,
    pub graph: &'a Graph,
    pub files: &'a (dyn Fn(&Domain) -> String + Sync),
}

impl Compiler<'_> {
    fn qualified(&self, id: EntityId) -> String {
        self.index.qualified(id)
    }

    fn resolve(&self, d: u32, text: &Text, target: Section) -> Option<EntityId> {
        self.index.found(d, text, target)
    }

    fn resolve_text(&self, d: u32, text: &Option<Text>, target: Section) -> Option<String> {
        let text = text.as_ref()?;
        Some(self.resolve(d, text, target).map_or_else(
            || unresolved(domain_name(self.index, d), &text.value),
            |id| self.qualified(id),
        ))
    }

    fn referrers(&self, id: EntityId) -> Vec<Referrer> {
        let Some(node) = self.graph.index_of(id) else {
            return Vec::new();
        };
        let set: BTreeSet<Referrer> = self
            .graph
            .graph
            .neighbors_directed(node, petgraph::Direction::Incoming)
            .map(|from| {
                let from = self.graph.graph[from];
                Referrer {
                    section: from.section.key().to_string(),
                    id: self.qualified(from),
                }
            })
            .collect();
        set.into_iter().collect()
    }

    fn rego_text<'r>(&'r self, rego: &'r Option<Rego>) -> &'r str {
        match rego {
            Some(Rego::Inline { text, .. }) => text,
            Some(Rego::File {
                source: Some(file), ..
            }) => &self.sources.get(*file).text,
            _ => "",
        }
    }

    /// Compiles every domain.
    pub fn compile(&self) -> (Bundle, SourceMapFile) {
        use rayon::prelude::*;
        let compiled: Vec<_> = self
            .index
            .domains
            .par_iter()
            .enumerate()
            .map(|(d, domain)| (domain.name.value.clone(), self.domain(d as u32, domain)))
            .collect();
        let mut domains = BTreeMap::new();
        let mut source_map = SourceMapFile::new();
        for (name, (bundle, locations)) in compiled {
            source_map.entry(name.clone()).or_insert(locations);
            domains.entry(name).or_insert(bundle);
        }
        (
            Bundle {
                format: "pdc-bundle".to_string(),
                format_version: FORMAT_VERSION,
                domains,
            },
            source_map,
        )
    }

    fn domain(
        &self,
        d: u32,
        domain: &Domain,
    ) -> (
        DomainBundle,
        BTreeMap<String, BTreeMap<String, SourceLocation>>,
    ) {
        let file = (self.files)(domain);
        let version = domain.api_version;
        let id_of = |section, index: usize| EntityId {
            domain: d,
            section,
            index: index as u32,
        };
        let mut locations: BTreeMap<String, BTreeMap<String, SourceLocation>> = BTreeMap::new();
        let source = self.sources.get(domain.file);
        for section in Section::ALL {
            let entries = locations.entry(section.key().to_string()).or_default();
            for meta in domain.metas(section) {
                if let Some(id) = meta.id() {
                    entries.entry(id.to_string()).or_insert(SourceLocation {
                        file: file.clone(),
                        line: source.line_col(meta.anchor_span().start).line,
                    });
                }
            }
        }
        locations.retain(|_, entries| !entries.is_empty());

        let policy_entry = |section: Section, index: usize, policy: &crate::model::Policy| {
            let id = id_of(section, index);
            let rego = self.rego_text(&policy.rego).to_string();
            PolicyEntry {
                name: label(&policy.meta.name),
                description: label(&policy.meta.description),
                dependencies: policy
                    .dependencies
                    .iter()
                    .map(|t| {
                        self.resolve(d, t, Section::Library).map_or_else(
                            || unresolved(domain_name(self.index, d), &t.value),
                            |id| self.qualified(id),
                        )
                    })
                    .collect(),
                library_closure: self
                    .index
                    .library_closure(id)
                    .into_iter()
                    .map(|l| self.qualified(l))
                    .collect(),
                rego_sha256: sha256_hex(rego.as_bytes()),
                rego,
                referenced_by: self.referrers(id),
            }
        };
        let keyed = |meta: &Meta| meta.id().unwrap_or("").to_string();
        // Sections are collected in reverse so that, of two entries with one id (PD301), the
        // first one written is kept, as the index and the source map keep it.
        let policy_libraries = domain
            .libraries
            .iter()
            .enumerate()
            .rev()
            .map(|(i, p)| (keyed(&p.meta), policy_entry(Section::Library, i, p)))
            .collect();
        let policies = domain
            .policies
            .iter()
            .enumerate()
            .rev()
            .map(|(i, p)| (keyed(&p.meta), policy_entry(Section::Policy, i, p)))
            .collect();
        let binding =
            |section: Section, list: &[crate::model::Binding]| -> BTreeMap<String, BindingEntry> {
                list.iter()
                    .enumerate()
                    .rev()
                    .map(|(i, b)| {
                        (
                            keyed(&b.meta),
                            BindingEntry {
                                name: label(&b.meta.name),
                                description: label(&b.meta.description),
                                policy: self.resolve_text(d, &b.policy, Section::Policy),
                                default: b.default.is_some_and(|(v, _)| v),
                                annotations: annotations::decode(&b.annotations, version),
                                referenced_by: self.referrers(id_of(section, i)),
                            },
                        )
                    })
                    .collect()
            };
        let roles = binding(Section::Role, &domain.roles);
        let groups = domain
            .groups
            .iter()
            .rev()
            .map(|group| {
                // a group's roles are a set at runtime: a role listed twice merges once
                let mut seen = std::collections::HashSet::new();
                let resolved: Vec<EntityId> = group
                    .roles
                    .iter()
                    .filter_map(|t| self.resolve(d, t, Section::Role))
                    .filter(|&role| seen.insert(role))
                    .collect();
                let effective_roles: BTreeSet<String> =
                    resolved.iter().map(|&r| self.qualified(r)).collect();
                let mut effective_policies = BTreeSet::new();
                let own = annotations::decode(&group.annotations, version);
                let mut inherited = own.clone();
                for &role in &resolved {
                    let role_domain = self.index.domain(role.domain);
                    let role_entity = &role_domain.roles[role.index as usize];
                    if let Some(policy) = &role_entity.policy
                        && let Some(p) = self.resolve(role.domain, policy, Section::Policy)
                    {
                        effective_policies.insert(self.qualified(p));
                    }
                    let role_annotations =
                        annotations::decode(&role_entity.annotations, role_domain.api_version);
                    inherited = annotations::merge(&role_annotations, &inherited);
                }
                (
                    keyed(&group.meta),
                    GroupEntry {
                        name: label(&group.meta.name),
                        description: label(&group.meta.description),
                        roles: group
                            .roles
                            .iter()
                            .map(|t| {
                                self.resolve(d, t, Section::Role).map_or_else(
                                    || unresolved(domain_name(self.index, d), &t.value),
                                    |id| self.qualified(id),
                                )
                            })
                            .collect(),
                        effective_roles: effective_roles.into_iter().collect(),
                        effective_policies: effective_policies.into_iter().collect(),
                        annotations: own,
                        inherited_annotations: inherited,
                    },
                )
            })
            .collect();
        let resource_groups = binding(Section::ResourceGroup, &domain.resource_groups);
        let scopes = binding(Section::Scope, &domain.scopes);
        let texts = |list: &[Text]| list.iter().map(|t| t.value.clone()).collect::<Vec<_>>();
        let operations = domain
            .operations
            .iter()
            .map(|o| OperationEntry {
                name: keyed(&o.meta),
                selectors: texts(&o.selectors),
                policy: self.resolve_text(d, &o.policy, Section::Policy),
            })
            .collect();
        let mappers = domain
            .mappers
            .iter()
            .map(|m| {
                let rego = self.rego_text(&m.rego).to_string();
                MapperEntry {
                    name: keyed(&m.meta),
                    selectors: texts(&m.selectors),
                    rego_sha256: sha256_hex(rego.as_bytes()),
                    rego,
                }
            })
            .collect();
        let resources: Vec<ResourceEntry> = if version.has_resources_and_merge() {
            domain
                .resources
                .iter()
                .map(|r| ResourceEntry {
                    name: keyed(&r.meta),
                    description: label(&r.meta.description),
                    selectors: texts(&r.selectors),
                    group: self.resolve_text(d, &r.group, Section::ResourceGroup),
                    annotations: annotations::decode(&r.annotations, version),
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut counts = BTreeMap::new();
        for section in Section::ALL {
            let count = if section == Section::Resource {
                resources.len()
            } else {
                domain.metas(section).count()
            };
            counts.insert(section.key().to_string(), count);
        }
        (
            DomainBundle {
                api_version: version.as_str().to_string(),
                source_kind: domain.kind.as_str().to_string(),
                file,
                counts,
                annotation_defaults: domain.annotation_defaults.as_ref().map(|t| t.value.clone()),
                policy_libraries,
                policies,
                roles,
                groups,
                resource_groups,
                scopes,
                operations,
                mappers,
                resources,
            },
            locations,
        )
    }
}

/// A reference that does not resolve, in the same `domain/id` form as resolved ones.
fn unresolved(domain: &str, text: &str) -> String {
    if text.contains('/') {
        text.to_string()
    } else {
        format!("{domain}/{text}")
    }
}

fn domain_name<'i>(index: &'i Index<'_>, d: u32) -> &'i str {
    &index.domain(d).name.value
}

fn label(text: &Option<Text>) -> Option<String> {
    text.as_ref().map(|t| t.value.clone())
}

//! Model: one typed PolicyDomain for all apiVersions and both kinds.
//!
//! [`lower`] turns a YAML tree into a [`Domain`], reporting structural problems (missing
//! fields, wrong types, unknown keys) as it goes; everything after this stage works on the
//! model and never looks at YAML again. Values keep their [`Span`]s so later checks can point
//! at them. Version differences are settled here: v1alpha3 ignores `resources` and annotation
//! `merge`, v1beta1 annotation values are native YAML.

mod lower;
pub mod rego_files;

pub use lower::{LoweredDocument, lower_document};

use crate::sources::{FileId, Span};
use crate::syntax::{Node, ScalarStyle};

/// The PolicyDomain apiVersions pdc understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApiVersion {
    V1alpha3,
    V1alpha4,
    V1beta1,
}

impl ApiVersion {
    pub const ALL: [ApiVersion; 3] = [
        ApiVersion::V1alpha3,
        ApiVersion::V1alpha4,
        ApiVersion::V1beta1,
    ];
    pub const GROUP: &'static str = "iamlite.manetu.io/";

    pub fn parse(text: &str) -> Option<Self> {
        ApiVersion::ALL.into_iter().find(|v| v.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1alpha3 => "iamlite.manetu.io/v1alpha3",
            ApiVersion::V1alpha4 => "iamlite.manetu.io/v1alpha4",
            ApiVersion::V1beta1 => "iamlite.manetu.io/v1beta1",
        }
    }

    /// Whether the `resources` section and annotation `merge` exist in this version.
    pub fn has_resources_and_merge(self) -> bool {
        self != ApiVersion::V1alpha3
    }

    /// Whether annotation values are native YAML (v1beta1) rather than JSON text.
    pub fn native_annotation_values(self) -> bool {
        self == ApiVersion::V1beta1
    }
}

/// `PolicyDomain` is deployable; `PolicyDomainReference` may pull Rego from `rego_filename`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    PolicyDomain,
    PolicyDomainReference,
}

impl Kind {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "PolicyDomain" => Some(Kind::PolicyDomain),
            "PolicyDomainReference" => Some(Kind::PolicyDomainReference),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::PolicyDomain => "PolicyDomain",
            Kind::PolicyDomainReference => "PolicyDomainReference",
        }
    }
}

/// The sections of a PolicyDomain's `spec`, in the format's documented order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    Library,
    Policy,
    Role,
    Group,
    ResourceGroup,
    Scope,
    Operation,
    Mapper,
    Resource,
}

impl Section {
    pub const ALL: [Section; 9] = [
        Section::Library,
        Section::Policy,
        Section::Role,
        Section::Group,
        Section::ResourceGroup,
        Section::Scope,
        Section::Operation,
        Section::Mapper,
        Section::Resource,
    ];

    /// The key of the section under `spec`.
    pub fn key(self) -> &'static str {
        match self {
            Section::Library => "policy-libraries",
            Section::Policy => "policies",
            Section::Role => "roles",
            Section::Group => "groups",
            Section::ResourceGroup => "resource-groups",
            Section::Scope => "scopes",
            Section::Operation => "operations",
            Section::Mapper => "mappers",
            Section::Resource => "resources",
        }
    }

    /// What one entry of the section is called in messages.
    pub fn noun(self) -> &'static str {
        match self {
            Section::Library => "library",
            Section::Policy => "policy",
            Section::Role => "role",
            Section::Group => "group",
            Section::ResourceGroup => "resource group",
            Section::Scope => "scope",
            Section::Operation => "operation",
            Section::Mapper => "mapper",
            Section::Resource => "resource",
        }
    }

    /// What several entries of the section are called in messages.
    pub fn plural_noun(self) -> &'static str {
        match self {
            Section::Library => "libraries",
            Section::Policy => "policies",
            Section::Role => "roles",
            Section::Group => "groups",
            Section::ResourceGroup => "resource groups",
            Section::Scope => "scopes",
            Section::Operation => "operations",
            Section::Mapper => "mappers",
            Section::Resource => "resources",
        }
    }

    /// Sections whose entries are identified by `mrn` (the others use `name`).
    pub fn identified_by_mrn(self) -> bool {
        !matches!(
            self,
            Section::Operation | Section::Mapper | Section::Resource
        )
    }

    /// The field that identifies an entry.
    pub fn id_field(self) -> &'static str {
        if self.identified_by_mrn() {
            "mrn"
        } else {
            "name"
        }
    }

    /// Sections that are first-match lists, where order has meaning.
    pub fn is_ordered(self) -> bool {
        matches!(
            self,
            Section::Operation | Section::Mapper | Section::Resource
        )
    }
}

/// A string from the source and where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    pub value: String,
    pub span: Span,
}

/// What every entity has: its identifier, labels and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Meta {
    /// `mrn` (or `name` for operations, mappers and resources); `None` when missing.
    pub id: Option<Text>,
    pub name: Option<Text>,
    pub description: Option<Text>,
    /// The entry's mapping in the section list.
    pub span: Span,
    /// Position in the section list.
    pub index: usize,
    /// Some field had the wrong type and was left out, so a field that looks missing may
    /// only be unreadable.
    pub malformed: bool,
}

impl Meta {
    pub fn id(&self) -> Option<&str> {
        self.id.as_ref().map(|t| t.value.as_str())
    }

    /// Where to point at this entity: its id when it has one, else the entry.
    pub fn anchor_span(&self) -> Span {
        self.id.as_ref().map_or(self.span, |t| t.span)
    }
}

/// Embedded Rego: inline in the YAML or, in a PolicyDomainReference, from a file.
#[derive(Clone, Debug, PartialEq)]
pub enum Rego {
    Inline {
        text: String,
        /// The scalar holding the Rego.
        span: Span,
        style: ScalarStyle,
    },
    File {
        /// The `rego_filename` value.
        path: Text,
        /// The file once found and read (see [`rego_files`]).
        source: Option<FileId>,
    },
}

/// A policy or a policy library.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub meta: Meta,
    pub dependencies: Vec<Text>,
    pub rego: Option<Rego>,
}

/// A role, resource group or scope: an entity that names a policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    pub meta: Meta,
    pub policy: Option<Text>,
    /// `default: true` marks the fallback resource group.
    pub default: Option<(bool, Span)>,
    pub annotations: Vec<Annotation>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub meta: Meta,
    pub roles: Vec<Text>,
    pub annotations: Vec<Annotation>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Operation {
    pub meta: Meta,
    pub selectors: Vec<Text>,
    pub policy: Option<Text>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Mapper {
    pub meta: Meta,
    pub selectors: Vec<Text>,
    pub rego: Option<Rego>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    pub meta: Meta,
    pub selectors: Vec<Text>,
    pub group: Option<Text>,
    pub annotations: Vec<Annotation>,
}

/// One `annotations` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Annotation {
    pub name: Option<Text>,
    /// The value as written: a JSON string in v1alpha3/v1alpha4, any YAML in v1beta1.
    pub value: Option<Node>,
    pub merge: Option<Text>,
    pub span: Span,
}

/// One PolicyDomain document.
#[derive(Clone, Debug, PartialEq)]
pub struct Domain {
    pub file: FileId,
    pub kind: Kind,
    pub api_version: ApiVersion,
    /// `metadata.name`; empty (pointing at the document) when missing.
    pub name: Text,
    /// The whole document.
    pub span: Span,
    pub libraries: Vec<Policy>,
    pub policies: Vec<Policy>,
    pub roles: Vec<Binding>,
    pub groups: Vec<Group>,
    pub resource_groups: Vec<Binding>,
    pub scopes: Vec<Binding>,
    pub operations: Vec<Operation>,
    pub mappers: Vec<Mapper>,
    pub resources: Vec<Resource>,
    /// `annotation-defaults.merge` (v1alpha4 and later; the runtime never reads it).
    pub annotation_defaults: Option<Text>,
    /// `metadata.namespace`, `labels` and `annotations` as written, in source order: no
    /// PolicyDomain content, but the Kubernetes operator that deploys the file reads them.
    pub kubernetes_metadata: Vec<(String, Node)>,
}

/// A reference field: which entity holds it, which field, and what it must name.
#[derive(Clone, Copy, Debug)]
pub struct Reference<'a> {
    pub owner_section: Section,
    pub owner: &'a Meta,
    /// Position of the owner in its section.
    pub owner_position: usize,
    pub field: &'static str,
    pub target: Section,
    pub text: &'a Text,
}

impl Domain {
    /// The identity-bearing part of every entity of a section, in order.
    pub fn metas(&self, section: Section) -> Box<dyn Iterator<Item = &Meta> + '_> {
        match section {
            Section::Library => Box::new(self.libraries.iter().map(|e| &e.meta)),
            Section::Policy => Box::new(self.policies.iter().map(|e| &e.meta)),
            Section::Role => Box::new(self.roles.iter().map(|e| &e.meta)),
            Section::Group => Box::new(self.groups.iter().map(|e| &e.meta)),
            Section::ResourceGroup => Box::new(self.resource_groups.iter().map(|e| &e.meta)),
            Section::Scope => Box::new(self.scopes.iter().map(|e| &e.meta)),
            Section::Operation => Box::new(self.operations.iter().map(|e| &e.meta)),
            Section::Mapper => Box::new(self.mappers.iter().map(|e| &e.meta)),
            Section::Resource => Box::new(self.resources.iter().map(|e| &e.meta)),
        }
    }

    /// The entity at `position` of `section`.
    pub fn meta(&self, section: Section, position: usize) -> Option<&Meta> {
        match section {
            Section::Library => self.libraries.get(position).map(|e| &e.meta),
            Section::Policy => self.policies.get(position).map(|e| &e.meta),
            Section::Role => self.roles.get(position).map(|e| &e.meta),
            Section::Group => self.groups.get(position).map(|e| &e.meta),
            Section::ResourceGroup => self.resource_groups.get(position).map(|e| &e.meta),
            Section::Scope => self.scopes.get(position).map(|e| &e.meta),
            Section::Operation => self.operations.get(position).map(|e| &e.meta),
            Section::Mapper => self.mappers.get(position).map(|e| &e.meta),
            Section::Resource => self.resources.get(position).map(|e| &e.meta),
        }
    }

    /// The entity at `position` of `section`, for changes while lowering.
    pub fn meta_mut(&mut self, section: Section, position: usize) -> Option<&mut Meta> {
        match section {
            Section::Library => self.libraries.get_mut(position).map(|e| &mut e.meta),
            Section::Policy => self.policies.get_mut(position).map(|e| &mut e.meta),
            Section::Role => self.roles.get_mut(position).map(|e| &mut e.meta),
            Section::Group => self.groups.get_mut(position).map(|e| &mut e.meta),
            Section::ResourceGroup => self.resource_groups.get_mut(position).map(|e| &mut e.meta),
            Section::Scope => self.scopes.get_mut(position).map(|e| &mut e.meta),
            Section::Operation => self.operations.get_mut(position).map(|e| &mut e.meta),
            Section::Mapper => self.mappers.get_mut(position).map(|e| &mut e.meta),
            Section::Resource => self.resources.get_mut(position).map(|e| &mut e.meta),
        }
    }

    /// Number of entities in one section.
    pub fn len(&self, section: Section) -> usize {
        match section {
            Section::Library => self.libraries.len(),
            Section::Policy => self.policies.len(),
            Section::Role => self.roles.len(),
            Section::Group => self.groups.len(),
            Section::ResourceGroup => self.resource_groups.len(),
            Section::Scope => self.scopes.len(),
            Section::Operation => self.operations.len(),
            Section::Mapper => self.mappers.len(),
            Section::Resource => self.resources.len(),
        }
    }

    /// Number of entities in all sections.
    pub fn entity_count(&self) -> usize {
        Section::ALL.iter().map(|&s| self.len(s)).sum()
    }

    /// Every reference field of every entity, in section and document order.
    pub fn references(&self) -> Vec<Reference<'_>> {
        let mut out = Vec::new();
        let mut push = |owner_section, owner, owner_position, field, target, text| {
            out.push(Reference {
                owner_section,
                owner,
                owner_position,
                field,
                target,
                text,
            })
        };
        for (section, list) in [
            (Section::Library, &self.libraries),
            (Section::Policy, &self.policies),
        ] {
            for (i, entity) in list.iter().enumerate() {
                for dep in &entity.dependencies {
                    push(
                        section,
                        &entity.meta,
                        i,
                        "dependencies",
                        Section::Library,
                        dep,
                    );
                }
            }
        }
        for (section, list) in [
            (Section::Role, &self.roles),
            (Section::ResourceGroup, &self.resource_groups),
            (Section::Scope, &self.scopes),
        ] {
            for (i, entity) in list.iter().enumerate() {
                if let Some(policy) = &entity.policy {
                    push(section, &entity.meta, i, "policy", Section::Policy, policy);
                }
            }
        }
        for (i, group) in self.groups.iter().enumerate() {
            for role in &group.roles {
                push(Section::Group, &group.meta, i, "roles", Section::Role, role);
            }
        }
        for (i, operation) in self.operations.iter().enumerate() {
            if let Some(policy) = &operation.policy {
                push(
                    Section::Operation,
                    &operation.meta,
                    i,
                    "policy",
                    Section::Policy,
                    policy,
                );
            }
        }
        if self.api_version.has_resources_and_merge() {
            for (i, resource) in self.resources.iter().enumerate() {
                if let Some(group) = &resource.group {
                    push(
                        Section::Resource,
                        &resource.meta,
                        i,
                        "group",
                        Section::ResourceGroup,
                        group,
                    );
                }
            }
        }
        out
    }

    /// Every `annotations` list with the entity that carries it.
    pub fn annotated(&self) -> Vec<(Section, &Meta, &[Annotation])> {
        let mut out: Vec<(Section, &Meta, &[Annotation])> = Vec::new();
        for (section, list) in [
            (Section::Role, &self.roles),
            (Section::ResourceGroup, &self.resource_groups),
            (Section::Scope, &self.scopes),
        ] {
            out.extend(
                list.iter()
                    .map(|e| (section, &e.meta, e.annotations.as_slice())),
            );
        }
        out.extend(
            self.groups
                .iter()
                .map(|e| (Section::Group, &e.meta, e.annotations.as_slice())),
        );
        out.extend(
            self.resources
                .iter()
                .map(|e| (Section::Resource, &e.meta, e.annotations.as_slice())),
        );
        out
    }

    /// Every entity that carries Rego: its section, its position there, and its Rego.
    pub fn rego_holders(&self) -> Vec<(Section, usize, &Meta, Option<&Rego>)> {
        let mut out: Vec<(Section, usize, &Meta, Option<&Rego>)> = Vec::new();
        for (section, list) in [
            (Section::Library, &self.libraries),
            (Section::Policy, &self.policies),
        ] {
            out.extend(
                list.iter()
                    .enumerate()
                    .map(|(i, e)| (section, i, &e.meta, e.rego.as_ref())),
            );
        }
        out.extend(
            self.mappers
                .iter()
                .enumerate()
                .map(|(i, e)| (Section::Mapper, i, &e.meta, e.rego.as_ref())),
        );
        out
    }

    /// Every selector list with its section and entity.
    pub fn selector_lists(&self) -> Vec<(Section, &Meta, &[Text])> {
        let mut out: Vec<(Section, &Meta, &[Text])> = Vec::new();
        out.extend(
            self.operations
                .iter()
                .map(|e| (Section::Operation, &e.meta, e.selectors.as_slice())),
        );
        out.extend(
            self.mappers
                .iter()
                .map(|e| (Section::Mapper, &e.meta, e.selectors.as_slice())),
        );
        out.extend(
            self.resources
                .iter()
                .map(|e| (Section::Resource, &e.meta, e.selectors.as_slice())),
        );
        out
    }
}

/// A reference split into its optional domain and its identifier (`domain/mrn` or `mrn`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QualifiedRef<'a> {
    pub domain: Option<&'a str>,
    pub id: &'a str,
}

/// Splits a reference at its first `/`, as the runtime does. `None` when one side is empty.
pub fn split_reference(text: &str) -> Option<QualifiedRef<'_>> {
    match text.split_once('/') {
        None => Some(QualifiedRef {
            domain: None,
            id: text,
        }),
        Some((domain, id)) if !domain.is_empty() && !id.is_empty() => Some(QualifiedRef {
            domain: Some(domain),
            id,
        }),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_at_the_first_slash() {
        assert_eq!(
            split_reference("alpha/mrn:x"),
            Some(QualifiedRef {
                domain: Some("alpha"),
                id: "mrn:x"
            })
        );
        assert_eq!(
            split_reference("a/b/c"),
            Some(QualifiedRef {
                domain: Some("a"),
                id: "b/c"
            })
        );
        assert_eq!(split_reference("mrn:x").unwrap().domain, None);
        assert_eq!(split_reference("/x"), None);
        assert_eq!(split_reference("x/"), None);
    }

    #[test]
    fn api_versions_round_trip() {
        for v in ApiVersion::ALL {
            assert_eq!(ApiVersion::parse(v.as_str()), Some(v));
        }
        assert_eq!(ApiVersion::parse("iamlite.manetu.io/v9"), None);
    }
}

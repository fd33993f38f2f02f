//! Explain: everything pdc knows about one entity, for `pdc explain`.
//!
//! What it is, where it is defined, what it references and who references it (each with
//! file and line), and for groups and roles the access they carry: effective roles, policies
//! and their libraries, and annotations with the entity each value came from.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::bundle::annotations::{self, Annotations};
use crate::graph::Graph;
use crate::index::{EntityId, Index};
use crate::model::{Section, Text};
use crate::sources::{FileId, SourceMap, Span};

/// A place in the sources, as `file:line`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Place {
    pub file: String,
    pub line: usize,
}

/// A reference to or from the explained entity.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Link {
    /// `role`, `policy`, ...
    pub kind: String,
    /// `domain/id`, or the text as written when it does not resolve.
    pub id: String,
    pub field: String,
    /// Where the reference is written.
    pub at: Place,
    pub resolved: bool,
}

/// A role a group grants, and what it brings.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Grant {
    pub role: String,
    pub at: Place,
    pub policy: Option<String>,
    pub libraries: Vec<String>,
}

/// An annotation a member ends up with, and every entity that set it (highest first).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Inherited {
    pub value: serde_json::Value,
    pub set_by: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Explanation {
    pub kind: String,
    pub id: String,
    pub domain: String,
    pub defined_at: Place,
    pub name: Option<String>,
    pub description: Option<String>,
    pub references: Vec<Link>,
    pub referenced_by: Vec<Link>,
    /// Groups: the roles granted; roles: their own policy.
    pub grants: Vec<Grant>,
    /// Policies and libraries: the libraries compiled with them, dependencies first.
    pub library_closure: Vec<String>,
    pub annotations: BTreeMap<String, Inherited>,
}

struct Explainer<'a> {
    sources: &'a SourceMap,
    index: &'a Index<'a>,
    graph: &'a Graph,
}

impl Explainer<'_> {
    fn place(&self, file: FileId, span: Span) -> Place {
        let source = self.sources.get(file);
        Place {
            file: source.name.clone(),
            line: source.line_col(span.start).line,
        }
    }

    fn qualified(&self, id: EntityId) -> String {
        self.index.qualified(id)
    }

    fn resolve(&self, domain: u32, text: &Text, target: Section) -> Option<EntityId> {
        self.index.found(domain, text, target)
    }

    fn explain(&self, entity: EntityId) -> Explanation {
        let domain = self.index.domain(entity.domain);
        let meta = domain
            .meta(entity.section, entity.index as usize)
            .expect("ids come from the index");
        let mut references: Vec<Link> = domain
            .references()
            .into_iter()
            .filter(|r| {
                r.owner_section == entity.section && r.owner_position == entity.index as usize
            })
            .map(|r| {
                let target = self.resolve(entity.domain, r.text, r.target);
                Link {
                    kind: r.target.noun().to_string(),
                    id: target.map_or_else(|| r.text.value.clone(), |t| self.qualified(t)),
                    field: r.field.to_string(),
                    at: self.place(domain.file, r.text.span),
                    resolved: target.is_some(),
                }
            })
            .collect();
        references.sort();
        let mut referenced_by: Vec<Link> = self
            .graph
            .index_of(entity)
            .map(|node| {
                self.graph
                    .graph
                    .edges_directed(node, petgraph::Direction::Incoming)
                    .map(|edge| {
                        use petgraph::visit::EdgeRef;
                        let from = self.graph.graph[edge.source()];
                        Link {
                            kind: from.section.noun().to_string(),
                            id: self.qualified(from),
                            field: edge.weight().field.to_string(),
                            at: self.place(edge.weight().file, edge.weight().span),
                            resolved: true,
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        referenced_by.sort();
        let closure_of = |id: EntityId| -> Vec<String> {
            self.index
                .library_closure(id)
                .into_iter()
                .map(|l| self.qualified(l))
                .collect()
        };
        let mut grants = Vec::new();
        let mut library_closure = Vec::new();
        let mut inherited: BTreeMap<String, Inherited> = BTreeMap::new();
        let own_annotations = |section: Section, position: usize, d: u32| -> Annotations {
            let domain = self.index.domain(d);
            let list = match section {
                Section::Role => &domain.roles[position].annotations,
                Section::Group => &domain.groups[position].annotations,
                Section::ResourceGroup => &domain.resource_groups[position].annotations,
                Section::Scope => &domain.scopes[position].annotations,
                Section::Resource => &domain.resources[position].annotations,
                _ => return Annotations::new(),
            };
            annotations::decode(list, domain.api_version)
        };
        let mut note = |values: &Annotations, merged: &Annotations, who: String| {
            for name in values.keys() {
                let entry = inherited.entry(name.clone()).or_insert_with(|| Inherited {
                    value: serde_json::Value::Null,
                    set_by: Vec::new(),
                });
                entry.set_by.push(who.clone());
            }
            for (name, value) in merged {
                if let Some(entry) = inherited.get_mut(name) {
                    entry.value = value.value.clone();
                }
            }
        };
        match entity.section {
            Section::Group => {
                let group = &domain.groups[entity.index as usize];
                let mut merged =
                    own_annotations(Section::Group, entity.index as usize, entity.domain);
                note(
                    &merged.clone(),
                    &merged,
                    format!("group {}", self.qualified(entity)),
                );
                let mut seen = std::collections::HashSet::new();
                for text in &group.roles {
                    let Some(role) = self.resolve(entity.domain, text, Section::Role) else {
                        continue;
                    };
                    if !seen.insert(role) {
                        continue; // a set at runtime: a role listed twice merges once
                    }
                    let grant = self.grant(role, self.place(domain.file, text.span), &closure_of);
                    grants.push(grant);
                    let role_values =
                        own_annotations(Section::Role, role.index as usize, role.domain);
                    merged = annotations::merge(&role_values, &merged);
                    note(
                        &role_values,
                        &merged,
                        format!("role {}", self.qualified(role)),
                    );
                }
            }
            Section::Role => {
                let role = &domain.roles[entity.index as usize];
                if let Some(policy) = &role.policy {
                    grants.push(self.grant(
                        entity,
                        self.place(domain.file, policy.span),
                        &closure_of,
                    ));
                }
                let values = own_annotations(Section::Role, entity.index as usize, entity.domain);
                note(&values, &values, format!("role {}", self.qualified(entity)));
            }
            Section::ResourceGroup | Section::Scope | Section::Resource => {
                let values = own_annotations(entity.section, entity.index as usize, entity.domain);
                note(
                    &values,
                    &values,
                    format!("{} {}", entity.section.noun(), self.qualified(entity)),
                );
            }
            Section::Policy | Section::Library => library_closure = closure_of(entity),
            Section::Operation | Section::Mapper => {}
        }
        Explanation {
            kind: entity.section.noun().to_string(),
            id: self.qualified(entity),
            domain: domain.name.value.clone(),
            defined_at: self.place(domain.file, meta.anchor_span()),
            name: meta.name.as_ref().map(|t| t.value.clone()),
            description: meta.description.as_ref().map(|t| t.value.clone()),
            references,
            referenced_by,
            grants,
            library_closure,
            annotations: inherited,
        }
    }

    /// What a role brings: its policy and that policy's libraries.
    fn grant(
        &self,
        role: EntityId,
        at: Place,
        closure_of: &dyn Fn(EntityId) -> Vec<String>,
    ) -> Grant {
        let domain = self.index.domain(role.domain);
        let policy = domain.roles[role.index as usize]
            .policy
            .as_ref()
            .and_then(|p| self.resolve(role.domain, p, Section::Policy));
        Grant {
            role: self.qualified(role),
            at,
            policy: policy.map(|p| self.qualified(p)),
            libraries: policy.map(closure_of).unwrap_or_default(),
        }
    }
}

/// Explains every entity `id` names (bare MRN, `domain/mrn`, or a name), or returns the
/// nearest known ids when there is none.
pub fn explain(
    sources: &SourceMap,
    index: &Index<'_>,
    graph: &Graph,
    id: &str,
) -> Result<Vec<Explanation>, Vec<String>> {
    let found = index.lookup(id);
    if found.is_empty() {
        let ids = index.qualified_ids();
        return Err(
            crate::diagnostics::suggest::nearest(id, ids.iter().map(String::as_str), 3)
                .into_iter()
                .map(str::to_string)
                .collect(),
        );
    }
    let explainer = Explainer {
        sources,
        index,
        graph,
    };
    Ok(found.into_iter().map(|e| explainer.explain(e)).collect())
}

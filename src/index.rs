//! Index: every entity of every checked domain, found by domain, section and id.
//!
//! References resolve the way the runtime's validator does: a plain id is looked up in the
//! referring domain, `domain/id` in the named domain, and only in the section the field
//! expects. Building the index is linear in the number of entities and each look-up is a
//! hash probe, so checking stays linear (the incumbent rebuilds a map per reference).

use std::collections::{HashMap, HashSet};

use crate::model::{Domain, Section, Text, split_reference};

/// An entity's address: its domain (index into the domain list), section and position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntityId {
    pub domain: u32,
    pub section: Section,
    pub index: u32,
}

/// What a reference resolves to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution<'a> {
    Found(EntityId),
    /// `/x` or `x/`.
    Malformed,
    /// `d/x` where no checked file defines domain `d`.
    UnknownDomain(&'a str),
    /// `d/x` where domain `d`'s file could not be parsed, so nothing can be said.
    BrokenDomain,
    /// The domain exists but has no such entity in the expected section.
    Missing {
        domain: u32,
        id: &'a str,
    },
}

/// Look-up tables over a list of domains.
#[derive(Debug)]
pub struct Index<'a> {
    pub domains: &'a [Domain],
    by_name: HashMap<&'a str, u32>,
    broken: HashSet<&'a str>,
    /// Per domain, per section: id → position of its first definition.
    entities: Vec<HashMap<(Section, &'a str), u32>>,
}

impl<'a> Index<'a> {
    /// Indexes `domains`. Names in `broken` belong to files that failed to parse.
    pub fn build(domains: &'a [Domain], broken: &'a [String]) -> Self {
        let mut by_name = HashMap::new();
        for (i, domain) in domains.iter().enumerate() {
            if !domain.name.value.is_empty() {
                by_name
                    .entry(domain.name.value.as_str())
                    .or_insert(i as u32);
            }
        }
        let entities = domains
            .iter()
            .map(|domain| {
                let mut map = HashMap::with_capacity(domain.entity_count());
                for section in Section::ALL {
                    for (position, meta) in domain.metas(section).enumerate() {
                        if let Some(id) = meta.id() {
                            map.entry((section, id)).or_insert(position as u32);
                        }
                    }
                }
                map
            })
            .collect();
        Index {
            domains,
            by_name,
            broken: broken.iter().map(String::as_str).collect(),
            entities,
        }
    }

    /// The domain with this name (the first one, when a name is defined twice).
    pub fn domain_named(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).copied()
    }

    pub fn domain(&self, id: u32) -> &'a Domain {
        &self.domains[id as usize]
    }

    /// Names of all domains, sorted.
    pub fn domain_names(&self) -> Vec<&'a str> {
        let mut names: Vec<&str> = self.by_name.keys().copied().collect();
        names.sort_unstable();
        names
    }

    /// The entity with `id` in `section` of domain `domain`.
    pub fn find(&self, domain: u32, section: Section, id: &str) -> Option<EntityId> {
        self.entities[domain as usize]
            .get(&(section, id))
            .map(|&index| EntityId {
                domain,
                section,
                index,
            })
    }

    /// Resolves a reference written in domain `from` that must name an entity of `target`.
    pub fn resolve(&self, from: u32, reference: &'a str, target: Section) -> Resolution<'a> {
        let Some(parts) = split_reference(reference) else {
            return Resolution::Malformed;
        };
        let domain = match parts.domain {
            None => from,
            Some(name) => match self.by_name.get(name) {
                Some(&d) => d,
                None if self.broken.contains(name) => return Resolution::BrokenDomain,
                None => return Resolution::UnknownDomain(name),
            },
        };
        match self.find(domain, target, parts.id) {
            Some(found) => Resolution::Found(found),
            None => Resolution::Missing {
                domain,
                id: parts.id,
            },
        }
    }

    /// `domain/id` for messages and the compiled model.
    pub fn qualified(&self, id: EntityId) -> String {
        let domain = self.domain(id.domain);
        let meta = domain
            .meta(id.section, id.index as usize)
            .expect("entity ids come from this index");
        format!("{}/{}", domain.name.value, meta.id().unwrap_or(""))
    }

    /// The entity a reference names, if it resolves.
    pub fn found(&self, from: u32, reference: &Text, target: Section) -> Option<EntityId> {
        match self.resolve(from, &reference.value, target) {
            Resolution::Found(id) => Some(id),
            _ => None,
        }
    }

    /// The libraries compiled with a policy or library, dependencies before dependents: an
    /// iterative depth-first post-order over the dependencies as written, across domains.
    pub fn library_closure(&self, start: EntityId) -> Vec<EntityId> {
        let dependencies = |id: EntityId| -> Vec<EntityId> {
            let domain = self.domain(id.domain);
            let list = match id.section {
                Section::Library => &domain.libraries[id.index as usize].dependencies,
                Section::Policy => &domain.policies[id.index as usize].dependencies,
                _ => return Vec::new(),
            };
            list.iter()
                .filter_map(|t| self.found(id.domain, t, Section::Library))
                .collect()
        };
        let mut order = Vec::new();
        let mut seen = std::collections::BTreeSet::from([start]);
        let mut stack = vec![(start, dependencies(start), 0usize)];
        while let Some((node, children, next)) = stack.last_mut() {
            if let Some(&child) = children.get(*next) {
                *next += 1;
                if seen.insert(child) {
                    let grandchildren = dependencies(child);
                    stack.push((child, grandchildren, 0));
                }
            } else {
                if *node != start {
                    order.push(*node);
                }
                stack.pop();
            }
        }
        order
    }

    /// Other sections of `domain` that define `id` (to explain a reference to the wrong kind
    /// of entity).
    pub fn sections_defining(&self, domain: u32, id: &str) -> Vec<Section> {
        Section::ALL
            .into_iter()
            .filter(|&s| self.entities[domain as usize].contains_key(&(s, id)))
            .collect()
    }

    /// Every entity an id names: `domain/mrn` in that domain, a bare id in any domain; all
    /// sections, in domain then section order.
    pub fn lookup_id(&self, text: &str) -> Vec<EntityId> {
        let (domains, id): (Vec<u32>, &str) = match split_reference(text) {
            Some(parts) => match parts.domain {
                Some(name) => match self.by_name.get(name) {
                    Some(&d) => (vec![d], parts.id),
                    None => (Vec::new(), parts.id),
                },
                None => ((0..self.domains.len() as u32).collect(), parts.id),
            },
            None => (Vec::new(), text),
        };
        let mut found: Vec<EntityId> = domains
            .into_iter()
            .flat_map(|d| {
                Section::ALL
                    .into_iter()
                    .filter_map(move |s| self.find(d, s, id))
            })
            .collect();
        if found.is_empty() && text.contains('/') {
            // an MRN that itself contains `/`
            found = (0..self.domains.len() as u32)
                .flat_map(|d| {
                    Section::ALL
                        .into_iter()
                        .filter_map(move |s| self.find(d, s, text))
                })
                .collect();
        }
        found
    }

    /// [`Index::lookup_id`], or else the entities whose `name` is `text`.
    pub fn lookup(&self, text: &str) -> Vec<EntityId> {
        let found = self.lookup_id(text);
        if found.is_empty() {
            return self.named(text);
        }
        found
    }

    /// Entities whose `name` (not their id) is `text` or `domain/name`: the label people
    /// use in conversation.
    fn named(&self, text: &str) -> Vec<EntityId> {
        let (domain, name) = match text.split_once('/') {
            Some((domain, name)) if self.by_name.contains_key(domain) => (Some(domain), name),
            _ => (None, text),
        };
        let mut found = Vec::new();
        for (d, each) in self.domains.iter().enumerate() {
            if domain.is_some_and(|wanted| wanted != each.name.value) {
                continue;
            }
            for section in Section::ALL {
                // the position in the model's list, which skips unreadable entries, unlike
                // `meta.index` (the position in the YAML list)
                for (index, meta) in each.metas(section).enumerate() {
                    if meta.name.as_ref().is_some_and(|n| n.value == name) && meta.id.is_some() {
                        found.push(EntityId {
                            domain: d as u32,
                            section,
                            index: index as u32,
                        });
                    }
                }
            }
        }
        found
    }

    /// Every id as `domain/id`, for suggestions.
    pub fn qualified_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .entities
            .iter()
            .enumerate()
            .flat_map(|(d, map)| {
                let domain = &self.domains[d].name.value;
                map.keys().map(move |(_, id)| format!("{domain}/{id}"))
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Ids of `section` in `domain`, for "did you mean".
    pub fn ids(&self, domain: u32, section: Section) -> impl Iterator<Item = &'a str> + '_ {
        self.entities[domain as usize]
            .keys()
            .filter(move |(s, _)| *s == section)
            .map(|(_, id)| *id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LoweredDocument, lower_document};
    use crate::sources::FileId;
    use crate::syntax::parse_stream;

    fn domain(text: &str) -> Domain {
        let parsed = parse_stream(text, FileId(0));
        match lower_document(&parsed.documents[0], FileId(0), true, &mut Vec::new()) {
            LoweredDocument::Domain(d) => *d,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn resolves_plain_and_qualified_references() {
        let a = domain(
            "apiVersion: iamlite.manetu.io/v1beta1\nkind: PolicyDomain\nmetadata: {name: a}\nspec:\n  policy-libraries:\n    - {mrn: lib, rego: x}\n",
        );
        let b = domain(
            "apiVersion: iamlite.manetu.io/v1beta1\nkind: PolicyDomain\nmetadata: {name: b}\nspec:\n  policies:\n    - {mrn: p, rego: x}\n",
        );
        let domains = [a, b];
        let broken = vec!["c".to_string()];
        let index = Index::build(&domains, &broken);
        assert!(matches!(
            index.resolve(0, "lib", Section::Library),
            Resolution::Found(_)
        ));
        assert!(matches!(
            index.resolve(1, "a/lib", Section::Library),
            Resolution::Found(_)
        ));
        assert!(matches!(
            index.resolve(1, "lib", Section::Library),
            Resolution::Missing { .. }
        ));
        assert!(matches!(
            index.resolve(0, "p", Section::Policy),
            Resolution::Missing { .. }
        ));
        assert_eq!(
            index.resolve(0, "z/x", Section::Policy),
            Resolution::UnknownDomain("z")
        );
        assert_eq!(
            index.resolve(0, "c/x", Section::Policy),
            Resolution::BrokenDomain
        );
        assert_eq!(
            index.resolve(0, "/x", Section::Policy),
            Resolution::Malformed
        );
        assert_eq!(index.sections_defining(1, "p"), vec![Section::Policy]);
    }

    #[test]
    fn lookup_takes_ids_then_names() {
        let a = domain(
            "apiVersion: iamlite.manetu.io/v1beta1\nkind: PolicyDomain\nmetadata: {name: a}\nspec:\n  roles:\n    - {mrn: 'mrn:r', name: reader}\n    - {mrn: reader, name: other}\n",
        );
        let b = domain(
            "apiVersion: iamlite.manetu.io/v1beta1\nkind: PolicyDomain\nmetadata: {name: b}\nspec:\n  roles:\n    - junk\n    - {mrn: 'mrn:w', name: writer}\n",
        );
        let domains = [a, b];
        let index = Index::build(&domains, &[]);
        let ids = |text: &str| -> Vec<String> {
            index
                .lookup(text)
                .into_iter()
                .map(|e| index.qualified(e))
                .collect()
        };
        // an id wins over a name
        assert_eq!(ids("reader"), ["a/reader"]);
        assert_eq!(ids("writer"), ["b/mrn:w"]);
        assert_eq!(ids("b/writer"), ["b/mrn:w"]);
        assert!(ids("a/writer").is_empty());
        assert!(ids("nobody").is_empty());
    }
}

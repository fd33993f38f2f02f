//! Diff: what a change does to access, computed on the compiled models of two states.
//!
//! Entities are matched by identity (domain, section, MRN or name), never by position; order is
//! compared only in the first-match lists (operations, mappers, resources). A removal and an
//! addition with the same content are a rename, because the old MRN disappears for every token
//! that carries it. Each change is classified: `breaking` (an MRN tokens may carry disappears,
//! or something still references what was removed), `access` (what a request can observe
//! changes) or `cosmetic`; the impact section says which groups gain or lose which roles and
//! policies, which Rego changed for whom, and which routing moved.

pub mod safety;
pub mod side;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use crate::bundle::model::{
    BindingEntry, Bundle, DomainBundle, GroupEntry, MapperEntry, OperationEntry, PolicyEntry,
    ResourceEntry, SourceLocation, SourceMapFile,
};
use crate::model::Section;

/// Version of the JSON diff's shape.
pub const FORMAT_VERSION: u32 = 1;

/// One side of a diff: a compiled model, where its entities were written, and its name.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// `HEAD~1`, `policy-domains`, `dist/bundle.json`, ...
    pub label: String,
    pub bundle: Bundle,
    pub locations: SourceMapFile,
}

/// How much a change matters; breaking first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    Breaking,
    Access,
    Cosmetic,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::Access => "access",
            Class::Cosmetic => "cosmetic",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Added,
    Removed,
    Renamed,
    Modified,
    Reordered,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Added => "added",
            Kind::Removed => "removed",
            Kind::Renamed => "renamed",
            Kind::Modified => "modified",
            Kind::Reordered => "reordered",
        }
    }
}

/// A field that differs, with both values; Rego also as a unified diff.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

/// One change to one entity (or to the order of a section).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    pub class: Class,
    pub kind: Kind,
    pub domain: String,
    /// Section key as in the YAML (`roles`, `resource-groups`, ...).
    pub section: String,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_location: Option<SourceLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_location: Option<SourceLocation>,
    pub fields: Vec<FieldChange>,
    /// Why the change has its class.
    pub reasons: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GroupImpact {
    pub group: String,
    pub roles_gained: Vec<String>,
    pub roles_lost: Vec<String>,
    pub policies_gained: Vec<String>,
    pub policies_lost: Vec<String>,
    /// Annotations a member inherits differently: name, old and new value.
    pub annotations: Vec<ValueChange>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ValueChange {
    pub name: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoleImpact {
    pub role: String,
    pub old_policy: Option<String>,
    pub new_policy: Option<String>,
}

/// A policy whose effective Rego (its own and its libraries') changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RegoImpact {
    pub policy: String,
    /// The policy itself and/or the libraries whose Rego changed.
    pub changed: Vec<String>,
    /// Groups whose members are decided by this policy.
    pub groups: Vec<String>,
}

/// An operation or resource that now routes elsewhere.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoutingImpact {
    pub domain: String,
    pub name: String,
    /// `policy` for operations, `group` for resources, `position` or `selector`.
    pub what: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Impact {
    pub groups: Vec<GroupImpact>,
    pub roles: Vec<RoleImpact>,
    pub rego: Vec<RegoImpact>,
    pub operations: Vec<RoutingImpact>,
    pub resources: Vec<RoutingImpact>,
}

impl Impact {
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
            && self.roles.is_empty()
            && self.rego.is_empty()
            && self.operations.is_empty()
            && self.resources.is_empty()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Counts {
    pub breaking: usize,
    pub access: usize,
    pub cosmetic: usize,
    /// Section → kind → count.
    pub by_section: BTreeMap<String, BTreeMap<String, usize>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diff {
    pub format_version: u32,
    pub old: String,
    pub new: String,
    /// Breaking changes first, then access, then cosmetic; within a class by domain,
    /// section and id.
    pub changes: Vec<Change>,
    pub impact: Impact,
    pub counts: Counts,
}

impl Diff {
    /// The most serious class present.
    pub fn worst(&self) -> Option<Class> {
        self.changes.iter().map(|c| c.class).min()
    }
}

/// The fields a user writes, per section; everything else in the model is derived.
fn own_fields(section: Section) -> &'static [&'static str] {
    match section {
        Section::Library | Section::Policy => &["name", "description", "dependencies", "rego"],
        Section::Role | Section::ResourceGroup | Section::Scope => {
            &["name", "description", "policy", "default", "annotations"]
        }
        Section::Group => &["name", "description", "roles", "annotations"],
        Section::Operation => &["selectors", "policy"],
        Section::Mapper => &["selectors", "rego"],
        Section::Resource => &["description", "selectors", "group", "annotations"],
    }
}

/// Fields whose change alone nothing at runtime can observe.
const COSMETIC_FIELDS: [&str; 2] = ["name", "description"];

/// One entry of the compiled model, whichever section it is from.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Entry<'a> {
    Policy(&'a PolicyEntry),
    Binding(&'a BindingEntry),
    Group(&'a GroupEntry),
    Operation(&'a OperationEntry),
    Mapper(&'a MapperEntry),
    Resource(&'a ResourceEntry),
}

impl Entry<'_> {
    /// The fields a user writes, as JSON; built only for entries that differ.
    fn fields(&self) -> BTreeMap<String, Value> {
        let value = match self {
            Entry::Policy(e) => serde_json::to_value(e),
            Entry::Binding(e) => serde_json::to_value(e),
            Entry::Group(e) => serde_json::to_value(e),
            Entry::Operation(e) => serde_json::to_value(e),
            Entry::Mapper(e) => serde_json::to_value(e),
            Entry::Resource(e) => serde_json::to_value(e),
        }
        .unwrap_or(Value::Null);
        let section = match self {
            Entry::Policy(_) => Section::Policy,
            Entry::Binding(_) => Section::Role,
            Entry::Group(_) => Section::Group,
            Entry::Operation(_) => Section::Operation,
            Entry::Mapper(_) => Section::Mapper,
            Entry::Resource(_) => Section::Resource,
        };
        own_fields(section)
            .iter()
            .filter_map(|f| value.get(*f).map(|v| (f.to_string(), v.clone())))
            .filter(|(_, v)| !v.is_null())
            .collect()
    }

    fn referenced(&self) -> bool {
        match self {
            Entry::Policy(e) => !e.referenced_by.is_empty(),
            Entry::Binding(e) => !e.referenced_by.is_empty(),
            _ => false,
        }
    }

    /// The references this entry makes: target section and `domain/id` as compiled.
    fn references(&self) -> Vec<(Section, &str)> {
        match self {
            Entry::Policy(e) => e
                .dependencies
                .iter()
                .map(|d| (Section::Library, d.as_str()))
                .collect(),
            Entry::Binding(e) => e
                .policy
                .iter()
                .map(|p| (Section::Policy, p.as_str()))
                .collect(),
            Entry::Group(e) => e
                .roles
                .iter()
                .map(|r| (Section::Role, r.as_str()))
                .collect(),
            Entry::Operation(e) => e
                .policy
                .iter()
                .map(|p| (Section::Policy, p.as_str()))
                .collect(),
            Entry::Resource(e) => e
                .group
                .iter()
                .map(|g| (Section::ResourceGroup, g.as_str()))
                .collect(),
            Entry::Mapper(_) => Vec::new(),
        }
    }
}

/// An entity of one side and, in ordered sections, its position.
struct Entity<'a> {
    entry: Entry<'a>,
    position: Option<usize>,
}

/// The entities of one section of a domain, by id.
fn entities<'a>(domain: &'a DomainBundle, section: Section) -> BTreeMap<String, Entity<'a>> {
    let keyed = |entry: Entry<'a>| Entity {
        entry,
        position: None,
    };
    let mut out = BTreeMap::new();
    let mut ordered = |name: &str, position: usize, entry| {
        out.entry(name.to_string()).or_insert(Entity {
            entry,
            position: Some(position),
        });
    };
    match section {
        Section::Library | Section::Policy => {
            let map = if section == Section::Library {
                &domain.policy_libraries
            } else {
                &domain.policies
            };
            return map
                .iter()
                .map(|(k, v)| (k.clone(), keyed(Entry::Policy(v))))
                .collect();
        }
        Section::Role | Section::ResourceGroup | Section::Scope => {
            let map = match section {
                Section::Role => &domain.roles,
                Section::ResourceGroup => &domain.resource_groups,
                _ => &domain.scopes,
            };
            return map
                .iter()
                .map(|(k, v)| (k.clone(), keyed(Entry::Binding(v))))
                .collect();
        }
        Section::Group => {
            return domain
                .groups
                .iter()
                .map(|(k, v)| (k.clone(), keyed(Entry::Group(v))))
                .collect();
        }
        Section::Operation => {
            for (i, e) in domain.operations.iter().enumerate() {
                ordered(&e.name, i, Entry::Operation(e));
            }
        }
        Section::Mapper => {
            for (i, e) in domain.mappers.iter().enumerate() {
                ordered(&e.name, i, Entry::Mapper(e));
            }
        }
        Section::Resource => {
            for (i, e) in domain.resources.iter().enumerate() {
                ordered(&e.name, i, Entry::Resource(e));
            }
        }
    }
    out
}

/// Everything the new state references, as `domain/id` per target section, with who refers.
fn references(bundle: &Bundle) -> BTreeMap<(Section, String), Vec<String>> {
    let mut out: BTreeMap<(Section, String), Vec<String>> = BTreeMap::new();
    for (domain_name, domain) in &bundle.domains {
        for section in Section::ALL {
            for (id, entity) in entities(domain, section) {
                for (target, text) in entity.entry.references() {
                    out.entry((target, text.to_string()))
                        .or_default()
                        .push(format!("{} `{domain_name}/{id}`", section.noun()));
                }
            }
        }
    }
    out
}

fn location(
    map: &SourceMapFile,
    domain: &str,
    section: Section,
    id: &str,
) -> Option<SourceLocation> {
    map.get(domain)?.get(section.key())?.get(id).cloned()
}

/// Options that change classification.
#[derive(Clone, Debug, Default)]
pub struct DiffOptions {
    /// MRNs used outside the repository (`pdc.toml`): removing one is breaking.
    pub external: Vec<String>,
}

/// Compares two compiled states.
pub fn diff(old: &Compiled, new: &Compiled, options: &DiffOptions) -> Diff {
    let still_referenced = references(&new.bundle);
    let external: BTreeSet<&str> = options.external.iter().map(String::as_str).collect();
    let mut changes = Vec::new();
    let names: BTreeSet<&String> = old
        .bundle
        .domains
        .keys()
        .chain(new.bundle.domains.keys())
        .collect();
    let empty = DomainBundle::default();
    for name in names {
        let before = old.bundle.domains.get(name).unwrap_or(&empty);
        let after = new.bundle.domains.get(name).unwrap_or(&empty);
        for section in Section::ALL {
            let a = entities(before, section);
            let b = entities(after, section);
            let context = SectionContext {
                domain: name,
                section,
                old,
                new,
                still_referenced: &still_referenced,
                external: &external,
            };
            context.compare(&a, &b, &mut changes);
        }
    }
    changes.sort_by(|a, b| {
        (a.class, &a.domain, section_rank(&a.section), &a.id, a.kind).cmp(&(
            b.class,
            &b.domain,
            section_rank(&b.section),
            &b.id,
            b.kind,
        ))
    });
    let impact = impact(&old.bundle, &new.bundle);
    let mut counts = Counts::default();
    for change in &changes {
        match change.class {
            Class::Breaking => counts.breaking += 1,
            Class::Access => counts.access += 1,
            Class::Cosmetic => counts.cosmetic += 1,
        }
        *counts
            .by_section
            .entry(change.section.clone())
            .or_default()
            .entry(change.kind.as_str().to_string())
            .or_default() += 1;
    }
    Diff {
        format_version: FORMAT_VERSION,
        old: old.label.clone(),
        new: new.label.clone(),
        changes,
        impact,
        counts,
    }
}

fn section_rank(key: &str) -> usize {
    Section::ALL
        .iter()
        .position(|s| s.key() == key)
        .unwrap_or(usize::MAX)
}

struct SectionContext<'a> {
    domain: &'a str,
    section: Section,
    old: &'a Compiled,
    new: &'a Compiled,
    still_referenced: &'a BTreeMap<(Section, String), Vec<String>>,
    external: &'a BTreeSet<&'a str>,
}

impl SectionContext<'_> {
    fn change(&self, kind: Kind, id: &str) -> Change {
        Change {
            class: Class::Cosmetic,
            kind,
            domain: self.domain.to_string(),
            section: self.section.key().to_string(),
            id: id.to_string(),
            renamed_from: None,
            old_location: None,
            new_location: None,
            fields: Vec::new(),
            reasons: Vec::new(),
        }
    }

    fn compare(
        &self,
        a: &BTreeMap<String, Entity>,
        b: &BTreeMap<String, Entity>,
        out: &mut Vec<Change>,
    ) {
        let removed: Vec<&String> = a.keys().filter(|k| !b.contains_key(*k)).collect();
        let added: Vec<&String> = b.keys().filter(|k| !a.contains_key(*k)).collect();
        // renames: same content under another id
        let mut paired: BTreeSet<&String> = BTreeSet::new();
        let mut renames: BTreeMap<&String, &String> = BTreeMap::new();
        let candidates: Vec<(&String, BTreeMap<String, Value>)> = added
            .iter()
            .map(|n| (*n, content(&b[*n], self.section)))
            .collect();
        for old_id in &removed {
            let before = content(&a[*old_id], self.section);
            if before.is_empty() {
                continue;
            }
            if let Some((new_id, _)) = candidates
                .iter()
                .find(|(n, after)| !paired.contains(*n) && *after == before)
            {
                paired.insert(new_id);
                renames.insert(old_id, new_id);
            }
        }
        for old_id in &removed {
            let mut change = match renames.get(old_id) {
                Some(new_id) => {
                    let mut change = self.change(Kind::Renamed, new_id);
                    change.renamed_from = Some((*old_id).clone());
                    change.new_location =
                        location(&self.new.locations, self.domain, self.section, new_id);
                    change
                }
                None => self.change(Kind::Removed, old_id),
            };
            change.old_location = location(&self.old.locations, self.domain, self.section, old_id);
            self.classify_removal(old_id, &mut change);
            out.push(change);
        }
        for new_id in added.iter().filter(|n| !paired.contains(**n)) {
            let mut change = self.change(Kind::Added, new_id);
            change.new_location = location(&self.new.locations, self.domain, self.section, new_id);
            let entity = &b[*new_id];
            change.class = match self.section {
                Section::Library | Section::Policy if !entity.entry.referenced() => {
                    change.reasons.push("nothing references it yet".to_string());
                    Class::Cosmetic
                }
                _ => Class::Access,
            };
            change.fields = entity
                .entry
                .fields()
                .iter()
                .map(|(f, v)| field_change(f, None, Some(v)))
                .collect();
            out.push(change);
        }
        for (id, before) in a {
            let Some(after) = b.get(id) else {
                continue;
            };
            if before.entry == after.entry {
                continue;
            }
            let (old_fields, new_fields) = (before.entry.fields(), after.entry.fields());
            let fields: Vec<FieldChange> = own_fields(self.section)
                .iter()
                .filter(|f| old_fields.get(**f) != new_fields.get(**f))
                .map(|f| field_change(f, old_fields.get(*f), new_fields.get(*f)))
                .collect();
            if fields.is_empty() {
                continue;
            }
            let mut change = self.change(Kind::Modified, id);
            change.old_location = location(&self.old.locations, self.domain, self.section, id);
            change.new_location = location(&self.new.locations, self.domain, self.section, id);
            let observable: Vec<&FieldChange> = fields.iter().filter(|f| !is_cosmetic(f)).collect();
            change.class = if observable.is_empty() {
                Class::Cosmetic
            } else {
                Class::Access
            };
            change
                .reasons
                .extend(observable.iter().map(|f| match f.field.as_str() {
                    "rego" => "Rego changed".to_string(),
                    other => format!("`{other}` changed"),
                }));
            if fields.iter().any(|f| f.field == "rego")
                && observable.iter().all(|f| f.field != "rego")
            {
                change
                    .reasons
                    .push("Rego changed only in comments or layout".to_string());
            }
            change.fields = fields;
            out.push(change);
        }
        if self.section.is_ordered() {
            let order = |m: &BTreeMap<String, Entity>| -> Vec<String> {
                let mut common: Vec<(&usize, &String)> = m
                    .iter()
                    .filter(|(k, _)| a.contains_key(*k) && b.contains_key(*k))
                    .filter_map(|(k, e)| e.position.as_ref().map(|p| (p, k)))
                    .collect();
                common.sort();
                common.into_iter().map(|(_, k)| k.clone()).collect()
            };
            let (before, after) = (order(a), order(b));
            if before != after {
                let mut change = self.change(Kind::Reordered, "");
                change.class = Class::Access;
                change.reasons.push(format!(
                    "{}s are matched first to last, so their order decides which one applies",
                    self.section.noun()
                ));
                change.fields.push(FieldChange {
                    field: "order".to_string(),
                    old: Some(Value::from(before)),
                    new: Some(Value::from(after)),
                    diff: None,
                });
                out.push(change);
            }
        }
    }

    fn classify_removal(&self, old_id: &str, change: &mut Change) {
        let qualified = format!("{}/{old_id}", self.domain);
        let what = if change.kind == Kind::Renamed {
            "renamed"
        } else {
            "removed"
        };
        let mut class = match self.section {
            Section::Operation | Section::Mapper | Section::Resource => Class::Access,
            _ => Class::Cosmetic,
        };
        if matches!(
            self.section,
            Section::Group | Section::Role | Section::Scope | Section::ResourceGroup
        ) {
            class = Class::Breaking;
            change.reasons.push(match self.section {
                Section::ResourceGroup => format!("resource group `{old_id}` {what}: resources assigned to it lose their policy and annotations"),
                _ => format!(
                    "{} `{old_id}` {what}: tokens carrying this MRN lose what it granted",
                    self.section.noun()
                ),
            });
        }
        if let Some(referrers) = self
            .still_referenced
            .get(&(self.section, qualified.clone()))
        {
            class = Class::Breaking;
            change
                .reasons
                .push(format!("still referenced by {}", referrers.join(", ")));
        }
        if self.external.contains(old_id) || self.external.contains(qualified.as_str()) {
            class = Class::Breaking;
            change
                .reasons
                .push("listed in `pdc.toml` as used outside this repository".to_string());
        }
        change.class = class;
    }
}

/// A field change nothing at runtime can observe: labels, or Rego that is the same program.
fn is_cosmetic(field: &FieldChange) -> bool {
    if COSMETIC_FIELDS.contains(&field.field.as_str()) {
        return true;
    }
    field.field == "rego"
        && crate::rego::same_program(
            field.old.as_ref().and_then(Value::as_str).unwrap_or(""),
            field.new.as_ref().and_then(Value::as_str).unwrap_or(""),
        )
}

/// What must be equal for a removal and an addition to be a rename: every field the user
/// wrote except the id.
fn content(entity: &Entity, section: Section) -> BTreeMap<String, Value> {
    let mut fields = entity.entry.fields();
    if section.is_ordered() {
        fields.remove("name");
    }
    fields
}

fn field_change(field: &str, old: Option<&Value>, new: Option<&Value>) -> FieldChange {
    let diff = if field == "rego" {
        let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
        Some(unified(&text(old), &text(new)))
    } else {
        None
    };
    FieldChange {
        field: field.to_string(),
        old: old.cloned(),
        new: new.cloned(),
        diff,
    }
}

/// A unified line diff with three lines of context.
pub fn unified(old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header("old", "new")
        .to_string()
}

fn impact(old: &Bundle, new: &Bundle) -> Impact {
    let mut impact = Impact::default();
    let domains: BTreeSet<&String> = old.domains.keys().chain(new.domains.keys()).collect();
    for name in domains {
        let (before, after) = (old.domains.get(name), new.domains.get(name));
        // groups that appear or disappear change access as much as groups that change
        for id in ids_on_either_side(before, after, |d| &d.groups) {
            let group = format!("{name}/{id}");
            let was = before.and_then(|d| d.groups.get(id));
            let now = after.and_then(|d| d.groups.get(id));
            if let Some(entry) = group_impact(group, was, now) {
                impact.groups.push(entry);
            }
        }
        // likewise roles: a removed role's holders lose its policy, an added one's gain it
        for id in ids_on_either_side(before, after, |d| &d.roles) {
            let policy = |d: Option<&DomainBundle>| d?.roles.get(id)?.policy.clone();
            let (old_policy, new_policy) = (policy(before), policy(after));
            if old_policy != new_policy {
                impact.roles.push(RoleImpact {
                    role: format!("{name}/{id}"),
                    old_policy,
                    new_policy,
                });
            }
        }
        let (Some(before), Some(after)) = (before, after) else {
            continue;
        };
        routing(
            name,
            &before.operations,
            &after.operations,
            |o| {
                (
                    o.name.clone(),
                    o.policy.clone().map(Value::from),
                    Value::from(o.selectors.clone()),
                )
            },
            "policy",
            &mut impact.operations,
        );
        routing(
            name,
            &before.resources,
            &after.resources,
            |r| {
                (
                    r.name.clone(),
                    r.group.clone().map(Value::from),
                    Value::from(r.selectors.clone()),
                )
            },
            "group",
            &mut impact.resources,
        );
    }
    impact.rego = rego_impact(old, new);
    impact
}

/// The ids of one section on either side of a domain that may be missing on one of them.
fn ids_on_either_side<'a, V: 'a>(
    before: Option<&'a DomainBundle>,
    after: Option<&'a DomainBundle>,
    section: impl Fn(&'a DomainBundle) -> &'a BTreeMap<String, V>,
) -> BTreeSet<&'a String> {
    before
        .into_iter()
        .chain(after)
        .flat_map(|d| section(d).keys())
        .collect()
}

/// What a member of `group` gains and loses between `was` and `now` (either may be absent:
/// an added group grants everything it has, a removed one takes it all away).
fn group_impact(
    group: String,
    was: Option<&GroupEntry>,
    now: Option<&GroupEntry>,
) -> Option<GroupImpact> {
    fn roles(g: Option<&GroupEntry>) -> &[String] {
        g.map_or(&[], |g| &g.effective_roles)
    }
    fn policies(g: Option<&GroupEntry>) -> &[String] {
        g.map_or(&[], |g| &g.effective_policies)
    }
    let diff_sets = |a: &[String], b: &[String]| -> (Vec<String>, Vec<String>) {
        let a: BTreeSet<&String> = a.iter().collect();
        let b: BTreeSet<&String> = b.iter().collect();
        (
            b.difference(&a).map(|s| (*s).clone()).collect(),
            a.difference(&b).map(|s| (*s).clone()).collect(),
        )
    };
    let (roles_gained, roles_lost) = diff_sets(roles(was), roles(now));
    let (policies_gained, policies_lost) = diff_sets(policies(was), policies(now));
    let inherited = |g: Option<&GroupEntry>, n: &str| {
        g.and_then(|g| g.inherited_annotations.get(n))
            .map(|a| a.value.clone())
    };
    let names: BTreeSet<&String> = was
        .iter()
        .chain(now.iter())
        .flat_map(|g| g.inherited_annotations.keys())
        .collect();
    let annotations: Vec<ValueChange> = names
        .into_iter()
        .filter_map(|n| {
            let (old, new) = (inherited(was, n), inherited(now, n));
            (old != new).then(|| ValueChange {
                name: n.clone(),
                old,
                new,
            })
        })
        .collect();
    let entry = GroupImpact {
        group,
        roles_gained,
        roles_lost,
        policies_gained,
        policies_lost,
        annotations,
    };
    let unchanged = GroupImpact {
        group: entry.group.clone(),
        ..GroupImpact::default()
    };
    (entry != unchanged).then_some(entry)
}

/// Entries of a first-match list whose target, selectors or position changed.
fn routing<T>(
    domain: &str,
    before: &[T],
    after: &[T],
    facts: impl Fn(&T) -> (String, Option<Value>, Value),
    target: &str,
    out: &mut Vec<RoutingImpact>,
) {
    let before: Vec<(String, Option<Value>, Value)> = before.iter().map(&facts).collect();
    let after: Vec<(String, Option<Value>, Value)> = after.iter().map(&facts).collect();
    let old: BTreeMap<&str, &(String, Option<Value>, Value)> =
        before.iter().map(|f| (f.0.as_str(), f)).collect();
    let new_names: BTreeSet<&str> = after.iter().map(|f| f.0.as_str()).collect();
    // rank among the entries both sides share, so additions elsewhere do not count as moves
    let rank = |list: &[(String, Option<Value>, Value)],
                keep: &dyn Fn(&str) -> bool|
     -> BTreeMap<String, usize> {
        list.iter()
            .filter(|f| keep(&f.0))
            .enumerate()
            .map(|(i, f)| (f.0.clone(), i))
            .collect()
    };
    let old_rank = rank(&before, &|n| new_names.contains(n));
    let new_rank = rank(&after, &|n| old.contains_key(n));
    for (name, new_target, new_selectors) in &after {
        let Some((_, old_target, old_selectors)) =
            old.get(name.as_str()).map(|f| (&f.0, &f.1, &f.2))
        else {
            continue;
        };
        let mut push = |what: &str, old: Option<Value>, new: Option<Value>| {
            out.push(RoutingImpact {
                domain: domain.to_string(),
                name: name.clone(),
                what: what.to_string(),
                old,
                new,
            })
        };
        if old_target != new_target {
            push(target, old_target.clone(), new_target.clone());
        }
        if old_selectors != new_selectors {
            push(
                "selector",
                Some(old_selectors.clone()),
                Some(new_selectors.clone()),
            );
        }
        let (was, now) = (old_rank.get(name), new_rank.get(name));
        if was != now {
            push(
                "position",
                was.map(|&r| Value::from(r)),
                now.map(|&r| Value::from(r)),
            );
        }
    }
}

/// Policies whose own Rego or any library Rego in their closure changed.
fn rego_impact(old: &Bundle, new: &Bundle) -> Vec<RegoImpact> {
    let rego_of = |bundle: &Bundle, qualified: &str| -> Option<String> {
        let (domain, id) = qualified.split_once('/')?;
        let d = bundle.domains.get(domain)?;
        d.policy_libraries
            .get(id)
            .or_else(|| d.policies.get(id))
            .map(|p| p.rego.clone())
    };
    let differs = |a: Option<String>, b: Option<String>| match (a, b) {
        (Some(a), Some(b)) => !crate::rego::same_program(&a, &b),
        (a, b) => a != b,
    };
    let mut out = Vec::new();
    for (name, after) in &new.domains {
        let Some(before) = old.domains.get(name) else {
            continue;
        };
        for (id, policy) in &after.policies {
            let Some(was) = before.policies.get(id) else {
                continue;
            };
            let qualified = format!("{name}/{id}");
            let mut changed = Vec::new();
            if !crate::rego::same_program(&was.rego, &policy.rego) {
                changed.push(qualified.clone());
            }
            for library in &policy.library_closure {
                if was.library_closure.contains(library)
                    && differs(rego_of(old, library), rego_of(new, library))
                {
                    changed.push(library.clone());
                }
            }
            if changed.is_empty() {
                continue;
            }
            let groups = new
                .domains
                .iter()
                .flat_map(|(d, domain)| {
                    domain
                        .groups
                        .iter()
                        .filter(|(_, g)| g.effective_policies.contains(&qualified))
                        .map(move |(g, _)| format!("{d}/{g}"))
                })
                .collect();
            out.push(RegoImpact {
                policy: qualified,
                changed,
                groups,
            });
        }
    }
    out
}

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

use crate::bundle::model::{Bundle, DomainBundle, SourceLocation, SourceMapFile};
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

/// The sections of the compiled model: bundle field, YAML key, the section.
const SECTIONS: [(&str, Section); 9] = [
    ("policy_libraries", Section::Library),
    ("policies", Section::Policy),
    ("roles", Section::Role),
    ("groups", Section::Group),
    ("resource_groups", Section::ResourceGroup),
    ("scopes", Section::Scope),
    ("operations", Section::Operation),
    ("mappers", Section::Mapper),
    ("resources", Section::Resource),
];

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

/// An entity of one side: its own fields and, in ordered sections, its position.
struct Entity {
    fields: BTreeMap<String, Value>,
    position: Option<usize>,
    referenced: bool,
}

/// The entities of one section of a domain (given as JSON, serialized once per domain).
fn entities(value: &Value, key: &str, section: Section) -> BTreeMap<String, Entity> {
    let keep = |entry: &Value| -> (BTreeMap<String, Value>, bool) {
        let fields = own_fields(section)
            .iter()
            .filter_map(|f| entry.get(*f).map(|v| (f.to_string(), v.clone())))
            .filter(|(_, v)| !v.is_null())
            .collect();
        let referenced = entry
            .get("referenced_by")
            .and_then(Value::as_array)
            .is_some_and(|r| !r.is_empty());
        (fields, referenced)
    };
    let mut out = BTreeMap::new();
    match value.get(key) {
        Some(Value::Object(map)) => {
            for (id, entry) in map {
                let (fields, referenced) = keep(entry);
                out.insert(
                    id.clone(),
                    Entity {
                        fields,
                        position: None,
                        referenced,
                    },
                );
            }
        }
        Some(Value::Array(list)) => {
            for (position, entry) in list.iter().enumerate() {
                let name = entry
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let (fields, referenced) = keep(entry);
                out.entry(name).or_insert(Entity {
                    fields,
                    position: Some(position),
                    referenced,
                });
            }
        }
        _ => {}
    }
    out
}

/// Everything the new state references, as `domain/id` per target section, with who refers.
fn references(bundle: &Bundle) -> BTreeMap<(Section, String), Vec<String>> {
    let mut out: BTreeMap<(Section, String), Vec<String>> = BTreeMap::new();
    for (domain_name, domain) in &bundle.domains {
        let domain = serde_json::to_value(domain).unwrap_or(Value::Null);
        let qualify = |text: &str| {
            if text.contains('/') {
                text.to_string()
            } else {
                format!("{domain_name}/{text}")
            }
        };
        for (key, section) in SECTIONS {
            for (id, entity) in entities(&domain, key, section) {
                let owner = format!("{} `{domain_name}/{id}`", section.noun());
                for (field, target) in [
                    ("dependencies", Section::Library),
                    ("policy", Section::Policy),
                    ("roles", Section::Role),
                    ("group", Section::ResourceGroup),
                ] {
                    let values: Vec<&str> = match entity.fields.get(field) {
                        Some(Value::String(s)) => vec![s.as_str()],
                        Some(Value::Array(items)) => {
                            items.iter().filter_map(Value::as_str).collect()
                        }
                        _ => Vec::new(),
                    };
                    for value in values {
                        out.entry((target, qualify(value)))
                            .or_default()
                            .push(owner.clone());
                    }
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
        let before = serde_json::to_value(old.bundle.domains.get(name).unwrap_or(&empty))
            .unwrap_or(Value::Null);
        let after = serde_json::to_value(new.bundle.domains.get(name).unwrap_or(&empty))
            .unwrap_or(Value::Null);
        for (key, section) in SECTIONS {
            let a = entities(&before, key, section);
            let b = entities(&after, key, section);
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
        for old_id in &removed {
            if let Some(new_id) = added
                .iter()
                .find(|n| !paired.contains(**n) && same_content(&a[*old_id], &b[**n], self.section))
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
                Section::Library | Section::Policy if !entity.referenced => {
                    change.reasons.push("nothing references it yet".to_string());
                    Class::Cosmetic
                }
                _ => Class::Access,
            };
            change.fields = entity
                .fields
                .iter()
                .map(|(f, v)| field_change(f, None, Some(v)))
                .collect();
            out.push(change);
        }
        for (id, before) in a {
            let Some(after) = b.get(id) else {
                continue;
            };
            let fields: Vec<FieldChange> = own_fields(self.section)
                .iter()
                .filter(|f| before.fields.get(**f) != after.fields.get(**f))
                .map(|f| field_change(f, before.fields.get(*f), after.fields.get(*f)))
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

fn same_content(a: &Entity, b: &Entity, section: Section) -> bool {
    let strip = |e: &Entity| -> BTreeMap<String, Value> {
        e.fields
            .iter()
            .filter(|(k, _)| !(section.is_ordered() && k.as_str() == "name"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    !a.fields.is_empty() && strip(a) == strip(b)
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
    for (name, after) in &new.domains {
        let Some(before) = old.domains.get(name) else {
            continue;
        };
        for (id, group) in &after.groups {
            let Some(was) = before.groups.get(id) else {
                continue;
            };
            let diff_sets = |a: &[String], b: &[String]| -> (Vec<String>, Vec<String>) {
                let a: BTreeSet<&String> = a.iter().collect();
                let b: BTreeSet<&String> = b.iter().collect();
                (
                    b.difference(&a).map(|s| (*s).clone()).collect(),
                    a.difference(&b).map(|s| (*s).clone()).collect(),
                )
            };
            let (roles_gained, roles_lost) =
                diff_sets(&was.effective_roles, &group.effective_roles);
            let (policies_gained, policies_lost) =
                diff_sets(&was.effective_policies, &group.effective_policies);
            let names: BTreeSet<&String> = was
                .inherited_annotations
                .keys()
                .chain(group.inherited_annotations.keys())
                .collect();
            let annotations: Vec<ValueChange> = names
                .into_iter()
                .filter_map(|n| {
                    let old = was.inherited_annotations.get(n).map(|a| a.value.clone());
                    let new = group.inherited_annotations.get(n).map(|a| a.value.clone());
                    (old != new).then(|| ValueChange {
                        name: n.clone(),
                        old,
                        new,
                    })
                })
                .collect();
            let entry = GroupImpact {
                group: format!("{name}/{id}"),
                roles_gained,
                roles_lost,
                policies_gained,
                policies_lost,
                annotations,
            };
            if entry
                != (GroupImpact {
                    group: entry.group.clone(),
                    ..GroupImpact::default()
                })
            {
                impact.groups.push(entry);
            }
        }
        for (id, role) in &after.roles {
            if let Some(was) = before.roles.get(id)
                && was.policy != role.policy
            {
                impact.roles.push(RoleImpact {
                    role: format!("{name}/{id}"),
                    old_policy: was.policy.clone(),
                    new_policy: role.policy.clone(),
                });
            }
        }
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

/// Entries of a first-match list whose target, selectors or position changed.
fn routing<T>(
    domain: &str,
    before: &[T],
    after: &[T],
    facts: impl Fn(&T) -> (String, Option<Value>, Value),
    target: &str,
    out: &mut Vec<RoutingImpact>,
) {
    let old: BTreeMap<String, (usize, Option<Value>, Value)> = before
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let (name, target, selectors) = facts(t);
            (name, (i, target, selectors))
        })
        .collect();
    let common_old: Vec<String> = before
        .iter()
        .map(|t| facts(t).0)
        .filter(|n| after.iter().any(|t| facts(t).0 == *n))
        .collect();
    let common_new: Vec<String> = after
        .iter()
        .map(|t| facts(t).0)
        .filter(|n| old.contains_key(n))
        .collect();
    for item in after {
        let (name, new_target, new_selectors) = facts(item);
        let Some((_, old_target, old_selectors)) = old.get(&name) else {
            continue;
        };
        let push =
            |what: &str, old: Option<Value>, new: Option<Value>, out: &mut Vec<RoutingImpact>| {
                out.push(RoutingImpact {
                    domain: domain.to_string(),
                    name: name.clone(),
                    what: what.to_string(),
                    old,
                    new,
                })
            };
        if *old_target != new_target {
            push(target, old_target.clone(), new_target, out);
        }
        if *old_selectors != new_selectors {
            push(
                "selector",
                Some(old_selectors.clone()),
                Some(new_selectors),
                out,
            );
        }
        let old_rank = common_old.iter().position(|n| *n == name);
        let new_rank = common_new.iter().position(|n| *n == name);
        if old_rank != new_rank {
            push(
                "position",
                old_rank.map(Value::from),
                new_rank.map(Value::from),
                out,
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

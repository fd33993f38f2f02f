//! Delete-safety: what `pdc check --base REV` adds to a check.
//!
//! MRNs are meant to be immutable: tokens carry group, role and scope MRNs, and other
//! entities refer to each other by MRN. So an entity that existed at `REV` and is gone now is
//! an error wherever something still references it (at that reference, with the removed
//! definition as a related location), an error when `pdc.toml` lists it as used outside the
//! repository, and otherwise, for groups, roles and scopes, a warning saying who loses what.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

use crate::bundle::model::Bundle;
use crate::diagnostics::{Category, Code, Diagnostic};
use crate::index::Index;
use crate::model::{Section, split_reference};
use crate::sources::{FileId, Location, SourceFile, SourceMap, Span};
use crate::workspace::Workspace;

/// A removed entity: where it was defined at the base revision.
struct Removed {
    file: FileId,
    span: Span,
    /// Its new id, when it was renamed (same content under another id).
    renamed_to: Option<String>,
}

/// Compares the current workspace with the base revision's, adding the base files it points
/// at to the current workspace's sources.
pub fn check(
    current: &mut Workspace,
    base: &Workspace,
    base_bundle: &Bundle,
    current_bundle: &Bundle,
    revision: &str,
) -> Vec<Diagnostic> {
    let index = Index::build(&current.domains, &current.broken_domains);
    let mut copied: HashMap<FileId, FileId> = HashMap::new();
    let mut removed: HashMap<(Section, String, String), Removed> = HashMap::new();
    // a domain whose file does not parse now is not gone: its entities are unknown
    let unparsed: HashSet<PathBuf> = current
        .diagnostics
        .iter()
        .filter(|d| d.category() == Category::Yaml)
        .filter_map(|d| current.sources.get(d.location.file).path.as_ref())
        .map(|p| current.tree.canonical(p))
        .collect();
    for domain in &base.domains {
        let base_path = base.sources.get(domain.file).path.as_ref();
        if current.broken_domains.contains(&domain.name.value)
            || base_path.is_some_and(|p| unparsed.contains(&base.tree.canonical(p)))
        {
            continue;
        }
        let now = index.domain_named(&domain.name.value);
        for section in Section::ALL {
            for meta in domain.metas(section) {
                let Some(id) = meta.id() else {
                    continue;
                };
                if now.is_some_and(|d| index.find(d, section, id).is_some()) {
                    continue;
                }
                let file = copy_file(&mut current.sources, base, &mut copied, domain.file);
                removed
                    .entry((section, domain.name.value.clone(), id.to_string()))
                    .or_insert(Removed {
                        file,
                        span: meta.anchor_span(),
                        renamed_to: renamed_to(
                            base_bundle,
                            current_bundle,
                            &domain.name.value,
                            section,
                            id,
                        ),
                    });
            }
        }
    }
    let mut out = unreadable_at_base(current, base, &mut copied, revision);
    let mut referenced: BTreeSet<(Section, String, String)> = BTreeSet::new();
    for domain in &current.domains {
        for reference in domain.references() {
            let Some(parts) = split_reference(&reference.text.value) else {
                continue;
            };
            let target_domain = parts.domain.unwrap_or(&domain.name.value).to_string();
            let key = (reference.target, target_domain, parts.id.to_string());
            let Some(gone) = removed.get(&key) else {
                continue;
            };
            referenced.insert(key.clone());
            let owner = match reference.owner.id() {
                Some(id) => format!("{} `{id}`", reference.owner_section.noun()),
                None => format!(
                    "{} at index {}",
                    reference.owner_section.noun(),
                    reference.owner.index
                ),
            };
            let noun = reference.target.noun();
            let what = match &gone.renamed_to {
                Some(new) => format!("was renamed to `{new}` since `{revision}`"),
                None => format!("was removed since `{revision}`"),
            };
            out.push(
                Diagnostic::new(
                    Code::RemovedButReferenced,
                    Location::new(domain.file, reference.text.span),
                    format!(
                        "{noun} `{}` {what} but {owner} still references it",
                        parts.id
                    ),
                )
                .with_label(if gone.renamed_to.is_some() {
                    format!("still references the old MRN of the renamed {noun}")
                } else {
                    format!("still references the removed {noun}")
                })
                .with_related(
                    Location::new(gone.file, gone.span),
                    format!("defined here in `{revision}`"),
                )
                .with_help(match &gone.renamed_to {
                    Some(new) => format!(
                        "point `{}` at `{new}`, or keep the old MRN: references and tokens use it",
                        reference.field
                    ),
                    None => format!(
                        "restore the {noun}, or change `{}` in {owner} first",
                        reference.field
                    ),
                }),
            );
        }
    }
    let config_file = current.config.file;
    let external: HashMap<&str, Span> = current
        .config
        .delete_safety
        .external
        .iter()
        .map(|m| {
            (
                m.get_ref().as_str(),
                Span::new(m.span().start, m.span().end),
            )
        })
        .collect();
    let mut keys: Vec<&(Section, String, String)> = removed.keys().collect();
    keys.sort();
    for key in keys {
        let (section, domain, id) = key;
        let gone = &removed[key];
        let qualified = format!("{domain}/{id}");
        let what = match &gone.renamed_to {
            Some(new) => format!("renamed to `{new}`"),
            None => "removed".to_string(),
        };
        if let Some(listed) = external
            .get(id.as_str())
            .or_else(|| external.get(qualified.as_str()))
        {
            let mut diagnostic = Diagnostic::new(
                Code::ExternalMrnRemoved,
                Location::new(gone.file, gone.span),
                format!("{} `{id}` was {what} since `{revision}`, but `pdc.toml` lists it as used outside this repository", section.noun()),
            )
            .with_label(format!("defined here in `{revision}`"));
            if let Some(file) = config_file {
                diagnostic = diagnostic.with_related(
                    Location::new(file, *listed),
                    "listed here as used outside the repository",
                );
            }
            out.push(
                diagnostic
                .with_help("systems outside the repository (identity provider claims, other teams' domains) still send this MRN; restore it, or remove it from `[delete-safety] external` once they no longer do"),
            );
            continue;
        }
        if referenced.contains(key)
            || !matches!(section, Section::Group | Section::Role | Section::Scope)
        {
            continue;
        }
        let loses = losses(base_bundle, *section, domain, id);
        let holders = match section {
            Section::Group => "members of this group",
            Section::Role => "holders of this role",
            _ => "tokens with this scope",
        };
        out.push(
            Diagnostic::new(
                Code::AccessRemoved,
                Location::new(gone.file, gone.span),
                format!("{} `{id}` was {what} since `{revision}`: {holders} lose {loses}", section.noun()),
            )
            .with_label(format!("defined here in `{revision}`"))
            .with_help("tokens carry this MRN, so access ends the moment this deploys; if that is intended, make sure nobody still relies on it"),
        );
    }
    out
}

/// `file` of the base workspace as a file of the current one, copied once.
fn copy_file(
    sources: &mut SourceMap,
    base: &Workspace,
    copied: &mut HashMap<FileId, FileId>,
    file: FileId,
) -> FileId {
    *copied.entry(file).or_insert_with(|| {
        let source = base.sources.get(file);
        let mut copy = SourceFile::new(
            source.name.clone(),
            source.path.clone(),
            source.text.clone(),
        );
        copy.revision.clone_from(&source.revision);
        sources.add(copy)
    })
}

/// One warning per base file that did not load cleanly: removals from whatever its errors
/// cut out cannot be seen, so the reviewer must not read silence as safety.
fn unreadable_at_base(
    current: &mut Workspace,
    base: &Workspace,
    copied: &mut HashMap<FileId, FileId>,
    revision: &str,
) -> Vec<Diagnostic> {
    let mut first_error: BTreeMap<FileId, &Diagnostic> = BTreeMap::new();
    for diagnostic in base.diagnostics.iter().filter(|d| d.is_error()) {
        let start = |d: &Diagnostic| d.location.span.map_or(0, |s| s.start);
        first_error
            .entry(diagnostic.location.file)
            .and_modify(|kept| {
                if start(diagnostic) < start(kept) {
                    *kept = diagnostic;
                }
            })
            .or_insert(diagnostic);
    }
    first_error
        .into_values()
        .map(|error| {
            let file = copy_file(&mut current.sources, base, copied, error.location.file);
            let name = current.sources.get(file).name.clone();
            Diagnostic::new(
                Code::BaseNotLoaded,
                Location {
                    file,
                    span: error.location.span,
                },
                format!(
                    "`{name}` does not load at `{revision}`, so removals from what its errors cut out cannot be detected"
                ),
            )
            .with_label(format!("{} at `{revision}`: {}", error.code.id(), error.message))
            .with_help(format!(
                "delete-safety compares with what loads at `{revision}`; review removals from this file by hand, or compare with a revision where it loads"
            ))
        })
        .collect()
}

/// The id an entity was renamed to: a new entity of the same section with the same content.
fn renamed_to(
    base: &Bundle,
    current: &Bundle,
    domain: &str,
    section: Section,
    id: &str,
) -> Option<String> {
    let strip = |value: serde_json::Value| -> serde_json::Value {
        match value {
            serde_json::Value::Object(mut map) => {
                map.remove("referenced_by");
                map.remove("name");
                serde_json::Value::Object(map)
            }
            other => other,
        }
    };
    let entries = |bundle: &Bundle| -> Option<serde_json::Map<String, serde_json::Value>> {
        let domain = serde_json::to_value(bundle.domains.get(domain)?).ok()?;
        let key = match section {
            Section::Library => "policy_libraries",
            Section::Policy => "policies",
            Section::Role => "roles",
            Section::Group => "groups",
            Section::ResourceGroup => "resource_groups",
            Section::Scope => "scopes",
            _ => return None,
        };
        domain.get(key)?.as_object().cloned()
    };
    let before = strip(entries(base)?.get(id)?.clone());
    let after = entries(current)?;
    let old_ids = entries(base)?;
    after
        .into_iter()
        .filter(|(new_id, _)| !old_ids.contains_key(new_id))
        .find(|(_, value)| strip(value.clone()) == before)
        .map(|(new_id, _)| new_id)
}

/// "roles `a`, `b` and policies `p`" from the base revision's compiled model.
fn losses(base: &Bundle, section: Section, domain: &str, id: &str) -> String {
    let list = |items: &[String]| {
        items
            .iter()
            .map(|i| format!("`{i}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(d) = base.domains.get(domain) else {
        return "what it granted".to_string();
    };
    let found = match section {
        Section::Group => d.groups.get(id).map(|g| {
            let mut parts = Vec::new();
            if !g.effective_roles.is_empty() {
                parts.push(format!("roles {}", list(&g.effective_roles)));
            }
            if !g.effective_policies.is_empty() {
                parts.push(format!("policies {}", list(&g.effective_policies)));
            }
            parts.join(" and ")
        }),
        Section::Role => d
            .roles
            .get(id)
            .and_then(|r| r.policy.clone())
            .map(|p| format!("policy `{p}`")),
        Section::Scope => d
            .scopes
            .get(id)
            .and_then(|s| s.policy.clone())
            .map(|p| format!("policy `{p}`")),
        _ => None,
    };
    found
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "what it granted".to_string())
}

/// A warning for each MRN `pdc.toml` lists as used outside the repository that no checked
/// domain defines: a typo there protects nothing. Said only when every file loaded, since a
/// file that does not parse may define it.
pub fn unknown_external(workspace: &Workspace, index: &Index) -> Vec<Diagnostic> {
    let Some(config) = workspace.config.file else {
        return Vec::new();
    };
    if workspace.diagnostics.iter().any(Diagnostic::is_error) {
        return Vec::new();
    }
    // every id, bare and as `domain/id`, for suggestions
    let known: Vec<String> = index
        .qualified_ids()
        .into_iter()
        .flat_map(|q| {
            let bare = q.split_once('/').map(|(_, id)| id.to_string());
            std::iter::once(q).chain(bare)
        })
        .collect();
    workspace
        .config
        .delete_safety
        .external
        .iter()
        .filter(|listed| index.lookup_id(listed.get_ref()).is_empty())
        .map(|listed| {
            Diagnostic::new(
                Code::ExternalMrnUnknown,
                Location::new(config, Span::new(listed.span().start, listed.span().end)),
                format!(
                    "`{}` is listed as used outside the repository, but no checked domain defines it",
                    listed.get_ref()
                ),
            )
            .with_label("defined nowhere")
            .with_help(match crate::diagnostics::suggest::did_you_mean(listed.get_ref(), known.iter().map(String::as_str)) {
                Some(hint) => format!("{hint} delete-safety can only protect what exists"),
                None => "delete-safety can only protect what exists: correct the MRN (`mrn` or `domain/mrn`), or remove the entry".to_string(),
            })
        })
        .collect()
}

//! References: every reference field must name an entity of the right section, plain or
//! `domain/mrn`; fields the format documents as required should be set.

use super::Context;
use crate::diagnostics::{Code, Diagnostic, suggest};
use crate::index::Resolution;
use crate::model::{Domain, Meta, Reference, Section};

/// Unresolved references get a "did you mean" from a scan over the candidate ids. The scan
/// is bounded per reference, and only this many references get one, so a repository with
/// thousands of broken references still checks in linear time.
const SUGGESTION_LIMIT: usize = 1_000;

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut suggestions_left = SUGGESTION_LIMIT;
    for (d, domain) in cx.domains.iter().enumerate() {
        for reference in domain.references() {
            resolve(cx, d, &reference, &mut suggestions_left, out);
        }
        missing_fields(cx, d, domain, out);
    }
}

fn owner_text(reference: &Reference<'_>) -> String {
    match reference.owner.id() {
        Some(id) => format!("{} `{id}`", reference.owner_section.noun()),
        None => format!(
            "{} at index {}",
            reference.owner_section.noun(),
            reference.owner.index
        ),
    }
}

fn resolve(
    cx: &Context<'_>,
    d: usize,
    reference: &Reference<'_>,
    suggestions_left: &mut usize,
    out: &mut Vec<Diagnostic>,
) {
    let text = &reference.text.value;
    let at = cx.at(d, reference.text.span);
    let target = reference.target.noun();
    if text.is_empty() {
        out.push(
            Diagnostic::new(
                Code::MissingReference,
                at,
                format!(
                    "{} has an empty `{}`",
                    owner_text(reference),
                    reference.field
                ),
            )
            .with_label(format!("names no {target}"))
            .with_help(format!("name a {target}, or remove the entry")),
        );
        return;
    }
    match cx.index.resolve(d as u32, text, reference.target) {
        Resolution::Found(found) => {
            if text.contains('/') && !accepts_qualified(reference) {
                let bare = cx.meta(found).id().unwrap_or("?");
                let help = if found.domain as usize == d {
                    format!("write the bare MRN `{bare}`")
                } else {
                    format!(
                        "the runtime looks this field up by bare MRN and the validator only accepts bare MRNs of the same domain, so define the {target} in domain `{}`",
                        cx.domains[d].name.value
                    )
                };
                out.push(
                    Diagnostic::new(
                        Code::QualifiedReferenceUnsupported,
                        at,
                        format!(
                            "the runtime cannot resolve `{text}` in the `{}` of {}",
                            reference.field,
                            owner_text(reference)
                        ),
                    )
                    .with_label("`domain/` is only understood in `dependencies` and operation `policy`")
                    .with_help(help),
                );
            }
        }
        Resolution::BrokenDomain => {}
        Resolution::Malformed => out.push(
            Diagnostic::new(
                Code::MalformedReference,
                at,
                format!("malformed reference `{text}`, expected `domain/mrn`"),
            )
            .with_label("empty domain or id around `/`")
            .with_help("a reference is `mrn` (same domain) or `domain/mrn`; an MRN containing `/` cannot be referenced"),
        ),
        Resolution::UnknownDomain(name) => {
            let help = suggest::did_you_mean(name, cx.index.domain_names()).unwrap_or_else(|| {
                format!("check the file that defines domain `{name}` together with this one; references across domains resolve only among the files checked")
            });
            out.push(
                Diagnostic::new(
                    Code::UnknownDomain,
                    at,
                    format!("domain `{name}` is not defined by any checked file"),
                )
                .with_label(format!("{target} reference into unknown domain `{name}`"))
                .with_help(help),
            );
        }
        Resolution::Missing { domain: target_domain, id } => {
            let in_domain = &cx.domains[target_domain as usize].name.value;
            let help = missing_help(cx, target_domain, id, reference, suggestions_left);
            out.push(
                Diagnostic::new(
                    Code::UnresolvedReference,
                    at,
                    format!("{target} `{id}` not found in domain `{in_domain}`"),
                )
                .with_label(format!("no {target} with this {}", reference.target.id_field()))
                .with_optional_help(help),
            );
        }
    }
}

/// Whether the runtime resolves `domain/mrn` in this field: library dependencies and
/// operation policies do; every other field is looked up by bare MRN in its own domain.
fn accepts_qualified(reference: &Reference<'_>) -> bool {
    reference.field == "dependencies" || reference.owner_section == Section::Operation
}

fn missing_help(
    cx: &Context<'_>,
    domain: u32,
    id: &str,
    reference: &Reference<'_>,
    suggestions_left: &mut usize,
) -> Option<String> {
    let (target, field) = (reference.target, reference.field);
    let elsewhere = cx.index.sections_defining(domain, id);
    if let Some(section) = elsewhere.first() {
        return Some(format!(
            "`{id}` is a {}, not a {}; `{field}` can only name {}",
            section.noun(),
            target.noun(),
            match target {
                Section::Library => "policy libraries",
                Section::Policy => "policies",
                Section::Role => "roles",
                Section::ResourceGroup => "resource groups",
                _ => "entities of that section",
            }
        ));
    }
    if *suggestions_left == 0 {
        return None;
    }
    *suggestions_left -= 1;
    // the exact id in another domain says more than a similar one in this domain
    let name = &cx.domains[domain as usize].name.value;
    let Some(defined_in) = (0..cx.domains.len() as u32)
        .filter(|&other| cx.domains[other as usize].name.value != *name)
        .find(|&other| cx.index.find(other, target, id).is_some())
    else {
        return suggest::did_you_mean(id, cx.index.ids(domain, target));
    };
    let other = &cx.domains[defined_in as usize].name.value;
    Some(if accepts_qualified(reference) {
        format!("domain `{other}` defines it: write `{other}/{id}`")
    } else {
        format!(
            "domain `{other}` defines it, but `{field}` is looked up by bare MRN in this domain only; define the {} here",
            target.noun()
        )
    })
}

/// Reference fields the format documents as required but the runtime accepts empty.
fn missing_fields(cx: &Context<'_>, d: usize, domain: &Domain, out: &mut Vec<Diagnostic>) {
    let mut report = |section: Section, meta: &Meta, field: &str, why: &str| {
        if meta.malformed {
            return;
        }
        let what = match meta.id() {
            Some(id) => format!("{} `{id}`", section.noun()),
            None => format!("{} at index {}", section.noun(), meta.index),
        };
        out.push(
            Diagnostic::new(
                Code::MissingReference,
                cx.at(d, meta.anchor_span()),
                format!("{what} has no `{field}`"),
            )
            .with_label(format!("`{field}` is missing here"))
            .with_help(why.to_string()),
        );
    };
    for (section, list) in [
        (Section::Role, &domain.roles),
        (Section::ResourceGroup, &domain.resource_groups),
        (Section::Scope, &domain.scopes),
    ] {
        for binding in list {
            if binding.policy.is_none() {
                report(
                    section,
                    &binding.meta,
                    "policy",
                    "name the policy to apply; without one the runtime has nothing to evaluate",
                );
            }
        }
    }
    for group in &domain.groups {
        if group.roles.is_empty() {
            report(
                Section::Group,
                &group.meta,
                "roles",
                "list the roles that members of this group receive; a group without roles grants nothing",
            );
        }
    }
    for operation in &domain.operations {
        if operation.policy.is_none() {
            report(
                Section::Operation,
                &operation.meta,
                "policy",
                "name the policy that decides requests matching this operation",
            );
        }
    }
    if domain.api_version.has_resources_and_merge() {
        for resource in &domain.resources {
            if resource.group.is_none() {
                report(
                    Section::Resource,
                    &resource.meta,
                    "group",
                    "name the resource group that resources matching this entry belong to",
                );
            }
        }
    }
}

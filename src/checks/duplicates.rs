//! Uniqueness: ids within a section, domain names, MRNs across domains and sections,
//! repeated list entries, and more than one default resource group.

use std::collections::HashMap;

use super::Context;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{Domain, Section, Text};
use crate::sources::Location;

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    duplicate_domains(cx, out);
    for (d, domain) in cx.domains.iter().enumerate() {
        duplicate_ids(cx, d, domain, out);
        repeated_entries(cx, d, domain, out);
        several_defaults(cx, d, domain, out);
    }
    shared_mrns(cx, out);
}

fn duplicate_domains(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (d, domain) in cx.domains.iter().enumerate() {
        let name = domain.name.value.as_str();
        if name.is_empty() {
            continue;
        }
        match first.get(name) {
            None => {
                first.insert(name, d);
            }
            Some(&f) => out.push(
                Diagnostic::new(
                    Code::DuplicateDomain,
                    cx.at(d, domain.name.span),
                    format!("domain `{name}` is defined twice"),
                )
                .with_label("defined again here")
                .with_related(cx.at(f, cx.domains[f].name.span), "first defined here")
                .with_help("give each domain one document; the runtime keeps whichever file it loads first and drops the other"),
            ),
        }
    }
}

fn duplicate_ids(cx: &Context<'_>, d: usize, domain: &Domain, out: &mut Vec<Diagnostic>) {
    for section in Section::ALL {
        let mut first: HashMap<&str, &Text> = HashMap::new();
        for meta in domain.metas(section) {
            let Some(id) = &meta.id else {
                continue;
            };
            match first.get(id.value.as_str()) {
                None => {
                    first.insert(&id.value, id);
                }
                Some(earlier) => out.push(
                    Diagnostic::new(
                        Code::DuplicateId,
                        cx.at(d, id.span),
                        format!(
                            "duplicate {} `{}` in domain `{}`",
                            section.noun(),
                            id.value,
                            domain.name.value
                        ),
                    )
                    .with_label("defined again here")
                    .with_related(cx.at(d, earlier.span), "first defined here")
                    .with_help(format!(
                        "each {} needs its own `{}`; the runtime keeps only one of them",
                        section.noun(),
                        section.id_field()
                    )),
                ),
            }
        }
    }
}

/// The same value twice in one list: a group's roles, dependencies, or selectors.
fn repeated_entries(cx: &Context<'_>, d: usize, domain: &Domain, out: &mut Vec<Diagnostic>) {
    let mut lists: Vec<(&str, &str, &[Text])> = Vec::new();
    for library in &domain.libraries {
        lists.push(("dependency", "dependencies", &library.dependencies));
    }
    for policy in &domain.policies {
        lists.push(("dependency", "dependencies", &policy.dependencies));
    }
    for group in &domain.groups {
        lists.push(("role", "roles", &group.roles));
    }
    for (_, _, selectors) in domain.selector_lists() {
        lists.push(("selector", "selector", selectors));
    }
    for (noun, field, list) in lists {
        let mut seen: HashMap<&str, &Text> = HashMap::new();
        for item in list {
            if let Some(first) = seen.get(item.value.as_str()) {
                out.push(
                    Diagnostic::new(
                        Code::DuplicateEntry,
                        cx.at(d, item.span),
                        format!("{noun} `{}` is listed twice in `{field}`", item.value),
                    )
                    .with_label("repeated here")
                    .with_related(cx.at(d, first.span), "first listed here")
                    .with_help("remove the repeated entry"),
                );
            } else {
                seen.insert(&item.value, item);
            }
        }
    }
}

fn several_defaults(cx: &Context<'_>, d: usize, domain: &Domain, out: &mut Vec<Diagnostic>) {
    let defaults: Vec<_> = domain
        .resource_groups
        .iter()
        .filter_map(|rg| match rg.default {
            Some((true, span)) => Some((rg, span)),
            _ => None,
        })
        .collect();
    if let Some(((first, first_span), rest)) = defaults.split_first() {
        for (rg, span) in rest {
            out.push(
                Diagnostic::new(
                    Code::MultipleDefaultResourceGroups,
                    cx.at(d, *span),
                    format!(
                        "domain `{}` has more than one default resource group",
                        domain.name.value
                    ),
                )
                .with_label(format!(
                    "`{}` is also marked `default: true`",
                    rg.meta.id().unwrap_or("?")
                ))
                .with_related(
                    cx.at(d, *first_span),
                    format!("`{}` is the first default", first.meta.id().unwrap_or("?")),
                )
                .with_help("keep `default: true` on one resource group; with several, the runtime picks one at random"),
            );
        }
    }
}

/// The same MRN in one section of two domains, or in two sections.
fn shared_mrns(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut by_section: HashMap<(Section, &str), (usize, &Text)> = HashMap::new();
    let mut by_mrn: HashMap<&str, (Section, usize, &Text)> = HashMap::new();
    for (d, domain) in cx.domains.iter().enumerate() {
        for section in Section::ALL.into_iter().filter(|s| s.identified_by_mrn()) {
            for meta in domain.metas(section) {
                let Some(id) = &meta.id else {
                    continue;
                };
                let key = (section, id.value.as_str());
                match by_section.get(&key) {
                    None => {
                        by_section.insert(key, (d, id));
                    }
                    Some(&(f, first)) => {
                        let other = &cx.domains[f];
                        if f != d && other.name.value != domain.name.value {
                            out.push(
                                Diagnostic::new(
                                    Code::MrnInSeveralDomains,
                                    cx.at(d, id.span),
                                    format!(
                                        "{} `{}` is also defined in domain `{}`",
                                        section.noun(),
                                        id.value,
                                        other.name.value
                                    ),
                                )
                                .with_label(format!("defined here in domain `{}`", domain.name.value))
                                .with_related(cx.at(f, first.span), format!("defined in domain `{}` here", other.name.value))
                                .with_help("the runtime looks this MRN up across all domains and takes whichever it finds first; give each its own MRN"),
                            );
                        }
                        continue;
                    }
                }
                match by_mrn.get(id.value.as_str()) {
                    None => {
                        by_mrn.insert(&id.value, (section, d, id));
                    }
                    Some(&(other_section, f, first)) if other_section != section => {
                        out.push(
                            Diagnostic::new(
                                Code::MrnInSeveralSections,
                                cx.at(d, id.span),
                                format!(
                                    "`{}` names both a {} and a {}",
                                    id.value,
                                    other_section.noun(),
                                    section.noun()
                                ),
                            )
                            .with_label(format!("used for a {} here", section.noun()))
                            .with_related(
                                Location::new(cx.domains[f].file, first.span),
                                format!("used for a {} here", other_section.noun()),
                            )
                            .with_help("an MRN should name one thing; tokens, logs and people reading either entity cannot tell them apart"),
                        );
                    }
                    Some(_) => {}
                }
            }
        }
    }
}

//! Unused entities: policies and libraries that nothing in the checked domains references.
//!
//! Groups, roles and scopes are assigned from outside the repository (token claims), and
//! operations, mappers and resources are matched by selector, so only policies and libraries
//! can be known to be dead. While a reference to a section does not resolve, that reference
//! may be meant for an entity that would then look unused; while any file has YAML errors,
//! the references it holds are unknown. Either way nothing is said until the error is fixed.

use std::collections::HashSet;

use petgraph::Direction;

use super::Context;
use crate::diagnostics::{Code, Diagnostic};
use crate::index::{EntityId, Resolution};
use crate::model::Section;

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if !cx.damaged_files.is_empty() {
        return;
    }
    let mut uncertain = HashSet::new();
    for (d, domain) in cx.domains.iter().enumerate() {
        for reference in domain.references() {
            let resolution = cx
                .index
                .resolve(d as u32, &reference.text.value, reference.target);
            if !matches!(resolution, Resolution::Found(_)) {
                uncertain.insert(reference.target);
            }
        }
    }
    for (d, domain) in cx.domains.iter().enumerate() {
        for (section, code) in [
            (Section::Policy, Code::UnusedPolicy),
            (Section::Library, Code::UnusedLibrary),
        ] {
            if uncertain.contains(&section) {
                continue;
            }
            for (position, meta) in domain.metas(section).enumerate() {
                let Some(id) = meta.id() else {
                    continue;
                };
                let entity = EntityId {
                    domain: d as u32,
                    section,
                    index: position as u32,
                };
                let used = cx.graph.index_of(entity).is_some_and(|n| {
                    cx.graph
                        .graph
                        .neighbors_directed(n, Direction::Incoming)
                        .next()
                        .is_some()
                });
                if used || cx.index.find(d as u32, section, id) != Some(entity) {
                    continue;
                }
                let (what, by) = match section {
                    Section::Policy => (
                        "policy",
                        "no role, resource group, scope or operation names it",
                    ),
                    _ => ("library", "no policy or library lists it in `dependencies`"),
                };
                out.push(
                    Diagnostic::new(code, cx.at(d, meta.anchor_span()), format!("{what} `{id}` is never used"))
                        .with_label(by)
                        .with_help(format!("remove the {what}, or reference it; unused Rego is still compiled and shipped")),
                );
            }
        }
    }
}

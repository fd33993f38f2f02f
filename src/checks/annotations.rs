//! Annotations: names, JSON values (v1alpha3/v1alpha4) and merge strategies.
//!
//! The runtime is lenient here: a value that is not JSON is used as a raw string, an unknown
//! strategy behaves as `deep`, and of two annotations with one name the last wins. Each of
//! those hides a mistake, so each is a warning.

use std::collections::HashMap;

use super::Context;
use crate::diagnostics::{Code, Diagnostic, suggest};
use crate::model::{Annotation, Domain, Text};
use crate::syntax::{NodeKind, ScalarStyle};

/// The merge strategies the runtime knows.
pub const MERGE_STRATEGIES: [&str; 5] = ["replace", "append", "prepend", "deep", "union"];

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (d, domain) in cx.domains.iter().enumerate() {
        for (section, meta, annotations) in domain.annotated() {
            let owner = match meta.id() {
                Some(id) => format!("{} `{id}`", section.noun()),
                None => format!("{} at index {}", section.noun(), meta.index),
            };
            let mut seen: HashMap<&str, &Text> = HashMap::new();
            for annotation in annotations {
                match &annotation.name {
                    Some(name) if !name.value.trim().is_empty() => {
                        if let Some(first) = seen.insert(&name.value, name) {
                            out.push(
                                Diagnostic::new(
                                    Code::DuplicateAnnotation,
                                    cx.at(d, name.span),
                                    format!("annotation `{}` is set twice on {owner}", name.value),
                                )
                                .with_label("this one takes effect")
                                .with_related(cx.at(d, first.span), "this one is silently dropped")
                                .with_help("keep one entry per annotation name"),
                            );
                        }
                    }
                    _ => out.push(
                        Diagnostic::new(
                            Code::EmptyAnnotationName,
                            cx.at(
                                d,
                                annotation.name.as_ref().map_or(annotation.span, |n| n.span),
                            ),
                            format!("annotation on {owner} has no `name`"),
                        )
                        .with_label("unnamed annotation")
                        .with_help("annotations are looked up by name; give this one a `name`"),
                    ),
                }
                json_value(cx, d, domain, annotation, out);
                if let Some(merge) = &annotation.merge {
                    merge_strategy(cx, d, merge, out);
                }
            }
        }
        if let Some(merge) = &domain.annotation_defaults {
            merge_strategy(cx, d, merge, out);
        }
        conflicting_roles(cx, d, domain, out);
    }
}

/// Roles of one group that set an annotation to different values: the runtime merges a
/// group's roles in no fixed order, so which value a member gets is left to chance.
fn conflicting_roles(cx: &Context<'_>, d: usize, domain: &Domain, out: &mut Vec<Diagnostic>) {
    use crate::bundle::annotations::{Annotations, decode};
    use crate::index::EntityId;
    use crate::sources::Location;

    /// One role's setting of an annotation.
    struct Setting {
        role: String,
        value: serde_json::Value,
        listed_at: Location,
        set_at: Location,
    }

    let mut decoded: HashMap<EntityId, Annotations> = HashMap::new();
    for group in domain.groups.iter().filter(|g| g.roles.len() > 1) {
        let own: std::collections::HashSet<&str> = group
            .annotations
            .iter()
            .filter_map(|a| a.name.as_ref().map(|n| n.value.as_str()))
            .collect();
        let mut by_name: std::collections::BTreeMap<&str, Vec<Setting>> = Default::default();
        for listed in &group.roles {
            let Some(role) = cx
                .index
                .found(d as u32, listed, crate::model::Section::Role)
            else {
                continue;
            };
            let role_domain = &cx.domains[role.domain as usize];
            let entity = &role_domain.roles[role.index as usize];
            if entity.annotations.is_empty() {
                continue;
            }
            let values = decoded
                .entry(role)
                .or_insert_with(|| decode(&entity.annotations, role_domain.api_version));
            for name in entity.annotations.iter().filter_map(|a| a.name.as_ref()) {
                let Some(value) = values
                    .get(&name.value)
                    .filter(|_| !own.contains(name.value.as_str()))
                else {
                    continue;
                };
                by_name
                    .entry(name.value.as_str())
                    .or_default()
                    .push(Setting {
                        role: entity.meta.id().unwrap_or("?").to_string(),
                        value: value.value.clone(),
                        listed_at: cx.at(d, listed.span),
                        set_at: cx.at(role.domain as usize, name.span),
                    });
            }
        }
        for (name, settings) in by_name {
            let Some((first, rest)) = settings.split_first() else {
                continue;
            };
            let Some(other) = rest.iter().find(|s| s.value != first.value) else {
                continue;
            };
            out.push(
                Diagnostic::new(
                    Code::ConflictingRoleAnnotations,
                    other.listed_at,
                    format!(
                        "roles `{}` and `{}` of group `{}` set annotation `{name}` differently",
                        first.role,
                        other.role,
                        group.meta.id().unwrap_or("?")
                    ),
                )
                .with_label(format!("`{}` sets `{name}` to {}", other.role, other.value))
                .with_related(first.set_at, format!("`{}` sets it to {}", first.role, first.value))
                .with_related(other.set_at, format!("`{}` sets it to {}", other.role, other.value))
                .with_help(format!(
                    "the runtime merges a group's roles in no fixed order, so members get either value; set `{name}` on the group itself, or on one role only"
                )),
            );
        }
    }
}

fn json_value(
    cx: &Context<'_>,
    d: usize,
    domain: &Domain,
    annotation: &Annotation,
    out: &mut Vec<Diagnostic>,
) {
    if domain.api_version.native_annotation_values() {
        return;
    }
    let Some(value) = &annotation.value else {
        return;
    };
    let NodeKind::Scalar(scalar) = &value.kind else {
        return;
    };
    if scalar.is_null() && scalar.style == ScalarStyle::Plain {
        return;
    }
    if let Err(error) = serde_json::from_str::<serde_json::Value>(&scalar.text) {
        let name = annotation.name.as_ref().map_or("?", |n| n.value.as_str());
        out.push(
            Diagnostic::new(
                Code::InvalidAnnotationJson,
                cx.at(d, value.span),
                format!("annotation `{name}` is not valid JSON"),
            )
                        .with_label(format!("not JSON: {}", json_error(&error)))
            .with_help(format!(
                "apiVersion `{}` reads annotation values as JSON and silently falls back to the raw text; for a string write `'{}'`",
                domain.api_version.as_str(),
                serde_json::Value::String(scalar.text.clone())
            )),
        );
    }
}

/// The JSON parser's complaint without its position, which counts inside the value.
fn json_error(error: &serde_json::Error) -> String {
    let text = error.to_string();
    text.split(" at line ").next().unwrap_or(&text).to_string()
}

fn merge_strategy(cx: &Context<'_>, d: usize, merge: &Text, out: &mut Vec<Diagnostic>) {
    if MERGE_STRATEGIES.contains(&merge.value.as_str()) {
        return;
    }
    let choices = MERGE_STRATEGIES.map(|s| format!("`{s}`")).join(", ");
    let help = match suggest::did_you_mean(&merge.value, MERGE_STRATEGIES) {
        Some(hint) => format!("{hint} the runtime treats unknown strategies as `deep`"),
        None => format!("use one of {choices}; the runtime treats unknown strategies as `deep`"),
    };
    out.push(
        Diagnostic::new(
            Code::UnknownMergeStrategy,
            cx.at(d, merge.span),
            format!("unknown merge strategy `{}`", merge.value),
        )
        .with_label("not a merge strategy")
        .with_help(help),
    );
}

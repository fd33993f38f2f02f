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
            .with_label(format!("{error}"))
            .with_help(format!(
                "apiVersion `{}` reads annotation values as JSON and silently falls back to the raw text; for a string write `'{}'`",
                domain.api_version.as_str(),
                serde_json::Value::String(scalar.text.clone())
            )),
        );
    }
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

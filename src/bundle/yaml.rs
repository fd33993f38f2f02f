//! Deployable PolicyDomain YAML: `kind: PolicyDomain`, Rego inlined, anchors expanded,
//! unknown keys dropped, entities in a canonical order.
//!
//! Written by hand rather than through a serializer so the output is exactly the documented
//! format, every string is quoted (no YAML type guessing on the way back in), Rego is a
//! literal block scalar whenever its text allows, and references stay as written (the
//! runtime treats `mrn` and `domain/mrn` differently).

use std::fmt::Write as _;

use crate::model::{Annotation, Binding, Domain, Meta, Rego, Section, Text};
use crate::sources::SourceMap;
use crate::syntax::{Entry, Node, NodeKind, Resolved};

/// Renders one domain as a deployable document.
pub fn render(domain: &Domain, sources: &SourceMap, source_file: &str) -> String {
    let mut y = String::new();
    let _ = writeln!(
        y,
        "# Built by pdc {} from {source_file}; edit the source, not this file.",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(y, "apiVersion: {}", domain.api_version.as_str());
    y.push_str("kind: PolicyDomain\nmetadata:\n");
    let _ = writeln!(y, "  name: {}", quote(&domain.name.value));
    let mut kubernetes: Vec<&(String, Node)> = domain.kubernetes_metadata.iter().collect();
    kubernetes.sort_by(|a, b| a.0.cmp(&b.0));
    for (key, value) in kubernetes {
        let _ = writeln!(y, "  {key}: {}", kubernetes_value(value));
    }
    y.push_str("spec:\n");
    if let Some(merge) = &domain.annotation_defaults
        && domain.api_version.has_resources_and_merge()
    {
        let _ = writeln!(
            y,
            "  annotation-defaults:\n    merge: {}",
            quote(&merge.value)
        );
    }
    let rego = |rego: &Option<Rego>| -> String {
        match rego {
            Some(Rego::Inline { text, .. }) => text.clone(),
            Some(Rego::File {
                source: Some(file), ..
            }) => sources.get(*file).text.clone(),
            _ => String::new(),
        }
    };
    for (section, list) in [
        (Section::Library, &domain.libraries),
        (Section::Policy, &domain.policies),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(y, "  {}:", section.key());
        for policy in sorted(list, |p| &p.meta) {
            entity_header(&mut y, "mrn", &policy.meta);
            strings(&mut y, "dependencies", &policy.dependencies);
            block(&mut y, "rego", &rego(&policy.rego));
        }
    }
    bindings(&mut y, Section::Role, &domain.roles, domain);
    if !domain.groups.is_empty() {
        y.push_str("  groups:\n");
        for group in sorted(&domain.groups, |g| &g.meta) {
            entity_header(&mut y, "mrn", &group.meta);
            strings(&mut y, "roles", &group.roles);
            annotations(&mut y, &group.annotations, domain);
        }
    }
    bindings(
        &mut y,
        Section::ResourceGroup,
        &domain.resource_groups,
        domain,
    );
    bindings(&mut y, Section::Scope, &domain.scopes, domain);
    if !domain.operations.is_empty() {
        y.push_str("  operations:\n");
        for operation in &domain.operations {
            entity_header(&mut y, "name", &operation.meta);
            strings(&mut y, "selector", &operation.selectors);
            field(&mut y, "policy", operation.policy.as_ref());
        }
    }
    if !domain.mappers.is_empty() {
        y.push_str("  mappers:\n");
        for mapper in &domain.mappers {
            entity_header(&mut y, "name", &mapper.meta);
            strings(&mut y, "selector", &mapper.selectors);
            block(&mut y, "rego", &rego(&mapper.rego));
        }
    }
    if !domain.resources.is_empty() && domain.api_version.has_resources_and_merge() {
        y.push_str("  resources:\n");
        for resource in &domain.resources {
            entity_header(&mut y, "name", &resource.meta);
            strings(&mut y, "selector", &resource.selectors);
            field(&mut y, "group", resource.group.as_ref());
            annotations(&mut y, &resource.annotations, domain);
        }
    }
    y
}

/// Entities of an unordered section, by id.
fn sorted<T>(list: &[T], meta: impl Fn(&T) -> &Meta) -> Vec<&T> {
    let mut items: Vec<&T> = list.iter().collect();
    items.sort_by(|a, b| meta(a).id().cmp(&meta(b).id()));
    items
}

fn bindings(y: &mut String, section: Section, list: &[Binding], domain: &Domain) {
    if list.is_empty() {
        return;
    }
    let _ = writeln!(y, "  {}:", section.key());
    for binding in sorted(list, |b| &b.meta) {
        entity_header(y, "mrn", &binding.meta);
        field(y, "policy", binding.policy.as_ref());
        if let Some((value, _)) = binding.default {
            let _ = writeln!(y, "      default: {value}");
        }
        annotations(y, &binding.annotations, domain);
    }
}

fn entity_header(y: &mut String, id_key: &str, meta: &Meta) {
    let _ = writeln!(y, "    - {id_key}: {}", quote(meta.id().unwrap_or("")));
    if id_key == "mrn"
        || meta
            .name
            .as_ref()
            .is_some_and(|n| Some(n.value.as_str()) != meta.id())
    {
        field(y, "name", meta.name.as_ref());
    }
    field(y, "description", meta.description.as_ref());
}

fn field(y: &mut String, key: &str, value: Option<&Text>) {
    if let Some(value) = value {
        let _ = writeln!(y, "      {key}: {}", quote(&value.value));
    }
}

fn strings(y: &mut String, key: &str, values: &[Text]) {
    if values.is_empty() {
        return;
    }
    let _ = writeln!(y, "      {key}:");
    for value in values {
        let _ = writeln!(y, "        - {}", quote(&value.value));
    }
}

fn annotations(y: &mut String, list: &[Annotation], domain: &Domain) {
    if list.is_empty() {
        return;
    }
    y.push_str("      annotations:\n");
    for annotation in list {
        let name = annotation.name.as_ref().map_or("", |n| n.value.as_str());
        let _ = writeln!(y, "        - name: {}", quote(name));
        let value = match &annotation.value {
            None => quote(""),
            Some(node) if domain.api_version.native_annotation_values() => flow(node),
            Some(node) => quote(node.as_string_field().unwrap_or("")),
        };
        let _ = writeln!(y, "          value: {value}");
        if let Some(merge) = &annotation.merge
            && domain.api_version.has_resources_and_merge()
        {
            let _ = writeln!(y, "          merge: {}", quote(&merge.value));
        }
    }
}

/// A double-quoted YAML string (JSON escaping is valid YAML), with the characters YAML 1.1
/// parsers read as line breaks escaped too, since JSON leaves them as they are.
pub fn quote(text: &str) -> String {
    let json = serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string());
    if !json.contains(['\u{85}', '\u{2028}', '\u{2029}']) {
        return json;
    }
    json.replace('\u{85}', "\\u0085")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// Kubernetes metadata as the API server wants it: strings (a namespace, or a map of strings
/// for labels and annotations), so scalars of other types are written as their text and a
/// null as the empty string.
fn kubernetes_value(node: &Node) -> String {
    let string = |node: &Node| match &node.kind {
        NodeKind::Scalar(_) => quote(node.as_string_field().unwrap_or("")),
        _ => flow(node),
    };
    match &node.kind {
        NodeKind::Mapping(entries) => flow_mapping(entries, string),
        _ => string(node),
    }
}

/// A native value in flow style, keeping each scalar's YAML type.
fn flow(node: &Node) -> String {
    match &node.kind {
        NodeKind::Scalar(scalar) => match scalar.resolve() {
            Resolved::Null => "null".to_string(),
            Resolved::Bool(b) => b.to_string(),
            Resolved::Int(i) => i.to_string(),
            Resolved::Float(f) if f.is_finite() => {
                let text = scalar.text.trim_start_matches('+');
                if text.parse::<f64>().is_ok() {
                    text.to_string()
                } else {
                    format!("{f:?}")
                }
            }
            Resolved::Float(f) if f.is_nan() => ".nan".to_string(),
            Resolved::Float(f) => if f > 0.0 { ".inf" } else { "-.inf" }.to_string(),
            Resolved::Str(s) => quote(s),
        },
        NodeKind::Sequence(items) => format!(
            "[{}]",
            items.iter().map(flow).collect::<Vec<_>>().join(", ")
        ),
        NodeKind::Mapping(entries) => flow_mapping(entries, flow),
    }
}

/// A mapping in flow style with each value written by `value`; key order in a mapping
/// carries no meaning, so it is canonical here.
fn flow_mapping(entries: &[Entry], value: impl Fn(&Node) -> String) -> String {
    let mut fields: Vec<(String, String)> = entries
        .iter()
        .map(|e| (quote(e.key.as_str().unwrap_or("")), value(&e.value)))
        .collect();
    fields.sort();
    let fields: Vec<String> = fields
        .into_iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    format!("{{{}}}", fields.join(", "))
}

/// Rego as a literal block scalar when its text allows one, else as a quoted string.
fn block(y: &mut String, key: &str, text: &str) {
    let first_line = text.lines().next().unwrap_or("");
    let representable = !text.is_empty()
        && !first_line.starts_with([' ', '\t'])
        && !first_line.is_empty()
        && !text.contains('\r')
        && text
            .chars()
            .all(|c| c == '\n' || c == '\t' || !c.is_control())
        && !text.contains('\u{feff}')
        // YAML 1.1 parsers (libyaml, Go's yaml.v3) break lines at these too
        && !text.contains(['\u{2028}', '\u{2029}']);
    if !representable {
        let _ = writeln!(y, "      {key}: {}", quote(text));
        return;
    }
    let trailing = text.len() - text.trim_end_matches('\n').len();
    let chomping = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let _ = writeln!(y, "      {key}: |{chomping}");
    for line in text.trim_end_matches('\n').split('\n') {
        if line.is_empty() {
            y.push('\n');
        } else {
            let _ = writeln!(y, "        {line}");
        }
    }
    for _ in 1..trailing {
        y.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(text: &str) -> String {
        let mut y = String::new();
        block(&mut y, "rego", text);
        y
    }

    #[test]
    fn rego_is_a_literal_block_with_the_right_chomping() {
        assert_eq!(
            rendered("package a\nx = 1\n"),
            "      rego: |\n        package a\n        x = 1\n"
        );
        assert_eq!(rendered("package a"), "      rego: |-\n        package a\n");
        assert_eq!(
            rendered("package a\n\n"),
            "      rego: |+\n        package a\n\n"
        );
        assert_eq!(
            rendered("package a\n\nx = 1\n"),
            "      rego: |\n        package a\n\n        x = 1\n"
        );
    }

    #[test]
    fn awkward_rego_falls_back_to_a_quoted_string() {
        assert_eq!(rendered("  indented\n"), "      rego: \"  indented\\n\"\n");
        assert_eq!(rendered("a\r\nb"), "      rego: \"a\\r\\nb\"\n");
        assert_eq!(
            rendered("# a\u{2028}b\n"),
            "      rego: \"# a\\u2028b\\n\"\n"
        );
    }

    #[test]
    fn strings_are_always_quoted() {
        assert_eq!(quote("yes"), "\"yes\"");
        assert_eq!(quote("a\"b"), "\"a\\\"b\"");
    }
}

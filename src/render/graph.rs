//! `pdc graph` output: Graphviz DOT, Mermaid (renders in pull-request comments) or JSON.
//!
//! Nodes and edges come out sorted by qualified id, so the text diffs cleanly between runs.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::graph::Selection;
use crate::index::{EntityId, Index};

/// One node: its qualified id and section.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct GraphNode {
    pub id: String,
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct GraphEdge {
    pub from: String,
    pub to: String,
    pub field: String,
}

/// The selection with names instead of indices, sorted.
pub fn named(index: &Index<'_>, selection: &Selection) -> (Vec<GraphNode>, Vec<GraphEdge>) {
    let name = |id: EntityId| index.qualified(id);
    let mut nodes: Vec<GraphNode> = selection
        .nodes
        .iter()
        .map(|&id| GraphNode {
            id: name(id),
            kind: id.section.noun().to_string(),
        })
        .collect();
    nodes.sort();
    nodes.dedup();
    let mut edges: Vec<GraphEdge> = selection
        .edges
        .iter()
        .map(|&(a, b, field)| GraphEdge {
            from: name(a),
            to: name(b),
            field: field.to_string(),
        })
        .collect();
    edges.sort();
    edges.dedup();
    (nodes, edges)
}

pub fn dot(nodes: &[GraphNode], edges: &[GraphEdge]) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let mut out = String::from(
        "digraph policydomains {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n",
    );
    for node in nodes {
        let label = format!(
            "{}\\n{}",
            node.kind,
            node.id.replace('\\', "\\\\").replace('"', "\\\"")
        );
        let _ = writeln!(out, "  {} [label=\"{label}\"];", quote(&node.id));
    }
    for edge in edges {
        let _ = writeln!(
            out,
            "  {} -> {} [label={}];",
            quote(&edge.from),
            quote(&edge.to),
            quote(&edge.field)
        );
    }
    out.push_str("}\n");
    out
}

pub fn mermaid(nodes: &[GraphNode], edges: &[GraphEdge]) -> String {
    let ids: BTreeMap<&str, String> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), format!("n{i}")))
        .collect();
    let escape = |s: &str| {
        s.replace('"', "#quot;")
            .replace('<', "#lt;")
            .replace('>', "#gt;")
    };
    let mut out = String::from("flowchart LR\n");
    for node in nodes {
        let _ = writeln!(
            out,
            "  {}[\"{}<br/>{}\"]",
            ids[node.id.as_str()],
            node.kind,
            escape(&node.id)
        );
    }
    for edge in edges {
        let (Some(a), Some(b)) = (ids.get(edge.from.as_str()), ids.get(edge.to.as_str())) else {
            continue;
        };
        let _ = writeln!(out, "  {a} -->|{}| {b}", edge.field);
    }
    out
}

pub fn json(nodes: &[GraphNode], edges: &[GraphEdge]) -> String {
    #[derive(Serialize)]
    struct Out<'a> {
        nodes: &'a [GraphNode],
        edges: &'a [GraphEdge],
    }
    let mut text = serde_json::to_string_pretty(&Out { nodes, edges }).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (Vec<GraphNode>, Vec<GraphEdge>) {
        (
            vec![
                GraphNode {
                    id: "d/g".into(),
                    kind: "group".into(),
                },
                GraphNode {
                    id: "d/r".into(),
                    kind: "role".into(),
                },
            ],
            vec![GraphEdge {
                from: "d/g".into(),
                to: "d/r".into(),
                field: "roles".into(),
            }],
        )
    }

    #[test]
    fn dot_and_mermaid_name_every_node_and_edge() {
        let (nodes, edges) = sample();
        let dot = dot(&nodes, &edges);
        assert!(dot.contains("\"d/g\" -> \"d/r\" [label=\"roles\"];"));
        let mermaid = mermaid(&nodes, &edges);
        assert!(mermaid.starts_with("flowchart LR\n"));
        assert!(mermaid.contains("n0 -->|roles| n1"));
    }
}

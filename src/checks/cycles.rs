//! Cycles: policy libraries that depend on each other, across domains too.
//!
//! Each strongly connected component of the graph is reported once, with one shortest cycle
//! through its first library (by domain name and MRN) as the path, so the message is the same
//! on every run. Only library dependencies can close a cycle: nothing depends on a policy.

use std::collections::{HashMap, VecDeque};

use petgraph::algo::kosaraju_scc;
use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;

use super::Context;
use crate::diagnostics::{Code, Diagnostic};

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let graph = &cx.graph.graph;
    let mut found = Vec::new();
    for component in kosaraju_scc(graph) {
        let self_loop = component.len() == 1 && graph.contains_edge(component[0], component[0]);
        if component.len() < 2 && !self_loop {
            continue;
        }
        let key = |n: &NodeIndex| cx.qualified(graph[*n]);
        let start = *component
            .iter()
            .min_by_key(|n| key(n))
            .expect("components are never empty");
        let edges = shortest_cycle(cx, start, &component);
        found.push((key(&start), component.len(), edges));
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, size, edges) in found {
        out.push(report(cx, size, &edges));
    }
}

/// The edges of a shortest cycle from `start` back to itself, staying inside `component` and
/// taking neighbours in name order.
fn shortest_cycle(cx: &Context<'_>, start: NodeIndex, component: &[NodeIndex]) -> Vec<EdgeIndex> {
    let graph = &cx.graph.graph;
    let inside: std::collections::HashSet<NodeIndex> = component.iter().copied().collect();
    let mut came_from: HashMap<NodeIndex, EdgeIndex> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        let mut edges: Vec<_> = graph
            .edges(node)
            .filter(|e| inside.contains(&e.target()))
            .collect();
        edges.sort_by_key(|e| (cx.qualified(graph[e.target()]), e.weight().span));
        for edge in edges {
            let next = edge.target();
            if next == start {
                let mut path = vec![edge.id()];
                let mut at = node;
                while at != start {
                    let back = came_from[&at];
                    path.push(back);
                    at = graph.edge_endpoints(back).expect("edge exists").0;
                }
                path.reverse();
                return path;
            }
            if let std::collections::hash_map::Entry::Vacant(slot) = came_from.entry(next) {
                slot.insert(edge.id());
                queue.push_back(next);
            }
        }
    }
    Vec::new()
}

fn report(cx: &Context<'_>, size: usize, edges: &[EdgeIndex]) -> Diagnostic {
    let graph = &cx.graph.graph;
    let names: Vec<String> = edges
        .iter()
        .map(|&e| cx.qualified(graph[graph.edge_endpoints(e).expect("edge exists").0]))
        .chain(
            edges
                .first()
                .map(|&e| cx.qualified(graph[graph.edge_endpoints(e).expect("edge exists").0])),
        )
        .collect();
    let path = names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(" → ");
    let label_of = |e: EdgeIndex| {
        let (from, to) = graph.edge_endpoints(e).expect("edge exists");
        format!(
            "`{}` depends on `{}`",
            cx.qualified(graph[from]),
            cx.qualified(graph[to])
        )
    };
    let first = edges[0];
    let weight = graph[first];
    let mut diagnostic = Diagnostic::new(
        Code::DependencyCycle,
        crate::sources::Location::new(weight.file, weight.span),
        format!("library dependency cycle: {path}"),
    )
    .with_label(label_of(first));
    for &edge in &edges[1..] {
        let weight = graph[edge];
        diagnostic = diagnostic.with_related(
            crate::sources::Location::new(weight.file, weight.span),
            label_of(edge),
        );
    }
    let mut help = "remove one of these dependencies; the runtime cannot resolve libraries that depend on each other".to_string();
    if size > edges.len() {
        help.push_str(&format!(
            " ({size} libraries are tangled together here; this is one of their cycles)"
        ));
    }
    diagnostic.with_help(help)
}

//! Cycles: policy libraries that depend on each other, across domains too.
//!
//! Every dependency inside a strongly connected component of the graph lies on some cycle.
//! pdc reports a set of cycles that together use every such dependency, so removing one edge
//! per diagnostic is never enough to hide another loop: first one shortest cycle through the
//! component's first library (by domain name and MRN), then, for each dependency not yet on a
//! reported cycle, in name order, the shortest cycle through it. Self-dependencies are cycles
//! of one edge. The search is breadth-first over the component, so it is linear per cycle and
//! the same on every run. Only library dependencies can close a cycle: nothing depends on a
//! policy.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use petgraph::algo::kosaraju_scc;
use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;

use super::Context;
use crate::diagnostics::{Code, Diagnostic};

/// Cycles reported per component at most; a larger tangle gets a note of how many
/// dependencies the reported cycles leave out.
const MAX_CYCLES_PER_COMPONENT: usize = 20;

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let graph = &cx.graph.graph;
    let mut components: Vec<(String, Vec<NodeIndex>)> = kosaraju_scc(graph)
        .into_iter()
        .filter(|c| c.len() > 1 || graph.contains_edge(c[0], c[0]))
        .map(|c| {
            let first = c
                .iter()
                .map(|n| cx.qualified(graph[*n]))
                .min()
                .expect("components are never empty");
            (first, c)
        })
        .collect();
    components.sort();
    for (_, component) in components {
        report_component(cx, &component, out);
    }
}

/// The cycles of one strongly connected component, covering each of its dependencies.
fn report_component(cx: &Context<'_>, component: &[NodeIndex], out: &mut Vec<Diagnostic>) {
    let graph = &cx.graph.graph;
    let inside: HashSet<NodeIndex> = component.iter().copied().collect();
    let start = *component
        .iter()
        .min_by_key(|n| cx.qualified(graph[**n]))
        .expect("components are never empty");
    let mut dependencies: Vec<_> = component
        .iter()
        .flat_map(|&n| graph.edges(n))
        .filter(|e| inside.contains(&e.target()))
        .map(|e| {
            let key = (
                cx.qualified(graph[e.source()]),
                cx.qualified(graph[e.target()]),
                e.weight().span,
            );
            (key, e.id())
        })
        .collect();
    dependencies.sort();
    // A library listing the same dependency twice closes no extra loop: pairs, not edges.
    let pair = |e: EdgeIndex| graph.edge_endpoints(e).expect("edge exists");
    let all: BTreeSet<(NodeIndex, NodeIndex)> =
        dependencies.iter().map(|(_, e)| pair(*e)).collect();
    let mut covered: BTreeSet<(NodeIndex, NodeIndex)> = BTreeSet::new();
    let mut cycles: Vec<Vec<EdgeIndex>> = Vec::new();
    let first = shortest_path(cx, start, start, &inside);
    covered.extend(first.iter().map(|&e| pair(e)));
    cycles.push(first);
    for (_, edge) in &dependencies {
        if cycles.len() == MAX_CYCLES_PER_COMPONENT {
            break;
        }
        let (from, to) = pair(*edge);
        if covered.contains(&(from, to)) {
            continue;
        }
        let mut cycle = vec![*edge];
        if from != to {
            cycle.extend(shortest_path(cx, to, from, &inside));
        }
        covered.extend(cycle.iter().map(|&e| pair(e)));
        cycles.push(cycle);
    }
    let left_out = all.len() - covered.len();
    let last = cycles.len() - 1;
    for (i, cycle) in cycles.iter().enumerate() {
        let left_out = if i == last { left_out } else { 0 };
        out.push(report(cx, component.len(), cycle, left_out));
    }
}

/// The edges of a shortest path from `from` to `to` (a cycle when they are the same library)
/// that stays inside the component, taking neighbours in name order.
fn shortest_path(
    cx: &Context<'_>,
    from: NodeIndex,
    to: NodeIndex,
    inside: &HashSet<NodeIndex>,
) -> Vec<EdgeIndex> {
    let graph = &cx.graph.graph;
    let mut came_from: HashMap<NodeIndex, EdgeIndex> = HashMap::new();
    let mut queue = VecDeque::from([from]);
    while let Some(node) = queue.pop_front() {
        let mut edges: Vec<_> = graph
            .edges(node)
            .filter(|e| inside.contains(&e.target()))
            .collect();
        edges.sort_by_key(|e| (cx.qualified(graph[e.target()]), e.weight().span));
        for edge in edges {
            let next = edge.target();
            if next == to {
                let mut path = vec![edge.id()];
                let mut at = node;
                while at != from {
                    let back = came_from[&at];
                    path.push(back);
                    at = graph.edge_endpoints(back).expect("edge exists").0;
                }
                path.reverse();
                return path;
            }
            if next != from
                && let std::collections::hash_map::Entry::Vacant(slot) = came_from.entry(next)
            {
                slot.insert(edge.id());
                queue.push_back(next);
            }
        }
    }
    Vec::new()
}

fn report(cx: &Context<'_>, size: usize, edges: &[EdgeIndex], left_out: usize) -> Diagnostic {
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
    let mut help = if edges.len() == 1 {
        "remove this dependency: a library never needs to list itself, and the runtime cannot resolve one that does".to_string()
    } else {
        "remove one of these dependencies; the runtime cannot resolve libraries that depend on each other".to_string()
    };
    if size > edges.len() {
        help.push_str(&format!(
            " ({size} libraries are tangled together here; this is one of their cycles)"
        ));
    }
    if left_out > 0 {
        help.push_str(&format!(
            "; {left_out} more dependencies inside this tangle close further cycles that are not listed"
        ));
    }
    diagnostic.with_help(help)
}

#[cfg(test)]
mod tests {
    use crate::diagnostics::Code;
    use crate::workspace::{Options, check};

    /// Checks one domain of `libraries` libraries where each depends on every other one, and
    /// returns the dependency cycles found: each as its labels (`a` depends on `b`) and help.
    fn tangle(libraries: usize) -> Vec<(Vec<String>, String)> {
        let mut yaml = String::from(
            "apiVersion: iamlite.manetu.io/v1beta1\nkind: PolicyDomain\nmetadata:\n  name: t\nspec:\n  policy-libraries:\n",
        );
        for i in 0..libraries {
            yaml.push_str(&format!(
                "    - mrn: l{i}\n      rego: \"package l{i}\"\n      dependencies:\n"
            ));
            for j in (0..libraries).filter(|&j| j != i) {
                yaml.push_str(&format!("        - l{j}\n"));
            }
        }
        let dir =
            std::env::temp_dir().join(format!("pdc-cycles-{libraries}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("t.yaml"), yaml).unwrap();
        let report = check(&[dir.join("t.yaml")], &dir, &Options::default()).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        report
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::DependencyCycle)
            .map(|d| {
                let labels = std::iter::once(d.label.clone().unwrap_or_default())
                    .chain(d.related.iter().map(|r| r.message.clone()))
                    .collect();
                (labels, d.help.clone().unwrap_or_default())
            })
            .collect()
    }

    #[test]
    fn every_dependency_of_a_tangle_is_on_a_reported_cycle() {
        let cycles = tangle(4);
        let mut covered: Vec<&String> = cycles.iter().flat_map(|(labels, _)| labels).collect();
        covered.sort();
        covered.dedup();
        assert_eq!(covered.len(), 4 * 3, "{cycles:#?}");
        let mut unique: Vec<_> = cycles.iter().map(|(labels, _)| labels).collect();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), cycles.len(), "a cycle was reported twice");
        assert!(cycles.iter().all(|(_, help)| !help.contains("not listed")));
    }

    #[test]
    fn a_large_tangle_is_capped_with_a_note() {
        let cycles = tangle(7);
        assert_eq!(cycles.len(), super::MAX_CYCLES_PER_COMPONENT);
        let (_, last_help) = cycles.last().unwrap();
        assert!(
            last_help.contains("close further cycles that are not listed"),
            "{last_help}"
        );
        assert!(
            cycles[..cycles.len() - 1]
                .iter()
                .all(|(_, help)| !help.contains("not listed"))
        );
    }
}

//! Graph: entities as nodes, resolved references as edges.
//!
//! Built once from the [`Index`]; cycle detection, unused-entity checks, `pdc explain` and the
//! bundle's effective access all walk it. Only petgraph's iterative algorithms are used
//! (`kosaraju_scc`), because user-controlled chains can be long enough to overflow the stack
//! of recursive ones.

use std::collections::{BTreeSet, HashMap};

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::index::{EntityId, Index, Resolution};
use crate::model::Section;
use crate::sources::{FileId, Span};

/// A reference from one entity to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    pub field: &'static str,
    /// The file and span of the reference text.
    pub file: FileId,
    pub span: Span,
}

/// The dependency graph of all checked domains.
#[derive(Debug, Default)]
pub struct Graph {
    pub graph: DiGraph<EntityId, Edge>,
    nodes: HashMap<EntityId, NodeIndex>,
}

impl Graph {
    /// Builds the graph from every resolvable reference of every domain.
    pub fn build(index: &Index<'_>) -> Self {
        let mut graph = Graph::default();
        for (d, domain) in index.domains.iter().enumerate() {
            for section in Section::ALL {
                for (i, meta) in domain.metas(section).enumerate() {
                    if meta.id.is_some() {
                        graph.node(EntityId {
                            domain: d as u32,
                            section,
                            index: i as u32,
                        });
                    }
                }
            }
        }
        for (d, domain) in index.domains.iter().enumerate() {
            let d = d as u32;
            for reference in domain.references() {
                if reference.owner.id.is_none() {
                    continue;
                }
                let from = EntityId {
                    domain: d,
                    section: reference.owner_section,
                    index: reference.owner_position as u32,
                };
                if let Resolution::Found(to) =
                    index.resolve(d, &reference.text.value, reference.target)
                {
                    let (a, b) = (graph.node(from), graph.node(to));
                    graph.graph.add_edge(
                        a,
                        b,
                        Edge {
                            field: reference.field,
                            file: domain.file,
                            span: reference.text.span,
                        },
                    );
                }
            }
        }
        graph
    }

    fn node(&mut self, id: EntityId) -> NodeIndex {
        *self
            .nodes
            .entry(id)
            .or_insert_with(|| self.graph.add_node(id))
    }

    pub fn index_of(&self, id: EntityId) -> Option<NodeIndex> {
        self.nodes.get(&id).copied()
    }

    /// The entities within `depth` references of `focus`, following references both ways,
    /// and the references among them; everything when `focus` is empty.
    pub fn neighbourhood(&self, focus: &[EntityId], depth: Option<usize>) -> Selection {
        let mut nodes: BTreeSet<EntityId> = BTreeSet::new();
        if focus.is_empty() {
            nodes.extend(self.graph.node_weights().copied());
        } else {
            let mut frontier: Vec<NodeIndex> =
                focus.iter().filter_map(|&f| self.index_of(f)).collect();
            nodes.extend(focus.iter().copied());
            let mut level = 0;
            while !frontier.is_empty() && depth.is_none_or(|d| level < d) {
                let mut next = Vec::new();
                for node in frontier {
                    for neighbour in self
                        .graph
                        .neighbors_directed(node, Direction::Outgoing)
                        .chain(self.graph.neighbors_directed(node, Direction::Incoming))
                    {
                        if nodes.insert(self.graph[neighbour]) {
                            next.push(neighbour);
                        }
                    }
                }
                frontier = next;
                level += 1;
            }
        }
        let mut edges: Vec<(EntityId, EntityId, &'static str)> = self
            .graph
            .edge_references()
            .map(|e| {
                (
                    self.graph[e.source()],
                    self.graph[e.target()],
                    e.weight().field,
                )
            })
            .filter(|(a, b, _)| nodes.contains(a) && nodes.contains(b))
            .collect();
        edges.sort();
        edges.dedup();
        Selection { nodes, edges }
    }
}

/// Part of the graph, in a stable order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    pub nodes: BTreeSet<EntityId>,
    /// From, to, and the referring field.
    pub edges: Vec<(EntityId, EntityId, &'static str)>,
}

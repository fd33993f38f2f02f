//! Graph: entities as nodes, resolved references as edges.
//!
//! Built once from the [`Index`]; cycle detection, unused-entity checks, `pdc explain` and the
//! bundle's effective access all walk it. Only petgraph's iterative algorithms are used
//! (`kosaraju_scc`), because user-controlled chains can be long enough to overflow the stack
//! of recursive ones.

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};

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
}

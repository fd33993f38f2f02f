//! Checks: one small module per rule family, each reading the model and writing diagnostics.
//!
//! A check never prints and never depends on another check's output; the list in [`CHECKS`]
//! is the whole catalogue. Structural problems (missing fields, wrong types, unknown keys)
//! are found earlier, while lowering YAML into the model.

mod annotations;
mod cycles;
mod duplicates;
mod references;
mod selectors;
mod unused;

use rayon::prelude::*;

use crate::diagnostics::Diagnostic;
use crate::graph::Graph;
use crate::index::{EntityId, Index};
use crate::model::{Domain, Meta};
use crate::rego::RegoVersion;
use crate::sources::{Location, SourceMap, Span};

/// What every check can read.
pub struct Context<'a> {
    pub sources: &'a SourceMap,
    pub domains: &'a [Domain],
    pub index: &'a Index<'a>,
    pub graph: &'a Graph,
    /// The Rego syntax modules are read in.
    pub rego_version: RegoVersion,
    /// Files with YAML errors: some of their content may be missing from the model.
    pub damaged_files: &'a std::collections::HashSet<crate::sources::FileId>,
}

impl Context<'_> {
    /// A location in domain `domain`'s file.
    pub fn at(&self, domain: usize, span: Span) -> Location {
        Location::new(self.domains[domain].file, span)
    }

    /// The entity behind an [`EntityId`].
    pub fn meta(&self, id: EntityId) -> &Meta {
        self.domains[id.domain as usize]
            .meta(id.section, id.index as usize)
            .expect("entity ids come from the same domains")
    }

    /// `domain/id` for messages.
    pub fn qualified(&self, id: EntityId) -> String {
        self.index.qualified(id)
    }
}

type Check = fn(&Context<'_>, &mut Vec<Diagnostic>);

/// Every check, by name.
pub const CHECKS: &[(&str, Check)] = &[
    ("duplicates", duplicates::check),
    ("references", references::check),
    ("cycles", cycles::check),
    ("selectors", selectors::check),
    ("annotations", annotations::check),
    ("rego", crate::rego::check),
    ("unused", unused::check),
];

/// Runs every check (in parallel) and returns their findings, unsorted.
pub fn run(context: &Context<'_>) -> Vec<Diagnostic> {
    CHECKS
        .par_iter()
        .map(|(_, check)| {
            let mut out = Vec::new();
            check(context, &mut out);
            out
        })
        .flatten()
        .collect()
}

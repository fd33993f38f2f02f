//! Render: diagnostics to text for people and machines.
//!
//! Each renderer takes the same data (sources, diagnostics, summary) and returns a string;
//! the binary decides where it goes. Rendering is the only place that computes line and
//! column numbers.

pub mod diff;
pub mod explain;
pub mod github;
pub mod graph;
mod human;
mod json;
pub mod junit;
pub mod sarif;

pub use human::{HumanOptions, build_line, human, snippets};
pub use json::json;

use std::collections::BTreeMap;

use serde::Serialize;

/// What `pdc build` wrote, for the report.
#[derive(Clone, Debug, Serialize)]
pub struct BuildSummary {
    pub directory: String,
    /// Domain name to its deployable file.
    pub domains: BTreeMap<String, String>,
    /// File (relative to the directory) to SHA-256.
    pub files: BTreeMap<String, String>,
}

use crate::sources::{LineCol, Location, SourceMap};

/// Start and end (exclusive) line/column of a location, when it has a span.
pub fn line_cols(sources: &SourceMap, location: &Location) -> Option<(LineCol, LineCol)> {
    let span = location.span?;
    let file = sources.get(location.file);
    Some((file.line_col(span.start), file.line_col(span.end)))
}

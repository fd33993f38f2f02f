//! Diagnostics: the one data model every finding uses.
//!
//! Checks produce [`Diagnostic`] values and never format text for a terminal; the `render`
//! module turns them into human, JSON or CI formats. Every diagnostic carries a stable
//! [`Code`] from the registry in [`codes`], which fixes its category and default severity.

pub mod codes;
pub mod suggest;

pub use codes::{Category, Code};

use crate::sources::{Location, SourceMap};
use serde::Serialize;

/// How bad a finding is. `Error` fails `pdc check`; `Warning` fails it only under
/// `--deny-warnings`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// A secondary place that explains the primary one ("first defined here").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub location: Location,
    pub message: String,
}

/// One finding: what is wrong, where, and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// One lower-case sentence without a final period; user values in backticks.
    pub message: String,
    /// Where the problem is.
    pub location: Location,
    /// Text shown under the primary location.
    pub label: Option<String>,
    /// Other places that matter, each with its own text.
    pub related: Vec<Label>,
    /// What to do about it, including any "did you mean".
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with the code's default severity.
    pub fn new(code: Code, location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.default_severity(),
            message: message.into(),
            location,
            label: None,
            related: Vec::new(),
            help: None,
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_related(mut self, location: Location, message: impl Into<String>) -> Self {
        self.related.push(Label {
            location,
            message: message.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds help only when there is some.
    pub fn with_optional_help(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    pub fn category(&self) -> Category {
        self.code.category()
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Puts diagnostics in their stable order (file name, position, code, message) and drops exact
/// repeats, which arise when one anchored YAML node is aliased into several places.
pub fn sort_and_dedup(diagnostics: &mut Vec<Diagnostic>, sources: &SourceMap) {
    diagnostics.sort_by_cached_key(|d| {
        (
            sources.get(d.location.file).name.clone(),
            d.location.span.map(|s| (s.start, s.end)),
            d.code,
            d.message.clone(),
        )
    });
    diagnostics
        .dedup_by(|a, b| a.code == b.code && a.location == b.location && a.message == b.message);
}

/// Counts of a set of diagnostics by severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

impl Counts {
    pub fn of(diagnostics: &[Diagnostic]) -> Self {
        let mut counts = Counts::default();
        for d in diagnostics {
            match d.severity {
                Severity::Error => counts.errors += 1,
                Severity::Warning => counts.warnings += 1,
                Severity::Note => counts.notes += 1,
            }
        }
        counts
    }
}

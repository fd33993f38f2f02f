//! The JSON report: a stable contract for scripts and bots.
//!
//! `line` and `column` are 1-based (columns count characters); `end_line`/`end_column` point
//! just past the last character. Locations without a position have them `null`.

use serde::Serialize;

use super::line_cols;
use crate::diagnostics::Diagnostic;
use crate::sources::{Location, SourceMap};
use crate::workspace::Summary;

/// Version of the report's shape; bumped on any incompatible change.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: &'a Summary,
    #[serde(skip_serializing_if = "Option::is_none")]
    build: Option<&'a super::BuildSummary>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    category: &'static str,
    message: &'a str,
    #[serde(flatten)]
    location: JsonLocation<'a>,
    label: Option<&'a str>,
    help: Option<&'a str>,
    related: Vec<JsonRelated<'a>>,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    #[serde(flatten)]
    location: JsonLocation<'a>,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonLocation<'a> {
    file: &'a str,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
}

fn location<'a>(sources: &'a SourceMap, location: &Location) -> JsonLocation<'a> {
    let positions = line_cols(sources, location);
    JsonLocation {
        file: &sources.get(location.file).name,
        line: positions.map(|(s, _)| s.line),
        column: positions.map(|(s, _)| s.column),
        end_line: positions.map(|(_, e)| e.line),
        end_column: positions.map(|(_, e)| e.column),
    }
}

/// Renders the report as pretty-printed JSON with a trailing newline.
pub fn json(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    summary: &Summary,
    build: Option<&super::BuildSummary>,
) -> String {
    let report = JsonReport {
        version: FORMAT_VERSION,
        diagnostics: diagnostics
            .iter()
            .map(|d| JsonDiagnostic {
                code: d.code.id(),
                name: d.code.name(),
                severity: d.severity.as_str(),
                category: d.category().as_str(),
                message: &d.message,
                location: location(sources, &d.location),
                label: d.label.as_deref(),
                help: d.help.as_deref(),
                related: d
                    .related
                    .iter()
                    .map(|r| JsonRelated {
                        location: location(sources, &r.location),
                        message: &r.message,
                    })
                    .collect(),
            })
            .collect(),
        summary,
        build,
    };
    let mut text =
        serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    text.push('\n');
    text
}

//! The terminal report: rustc-style snippets with labels and help, then a summary line.
//!
//! Snippets are cut from the source around each label (nearby labels share one snippet),
//! so rendering cost depends on the number of diagnostics, not on file sizes.

use std::collections::HashMap;

use annotate_snippets::{AnnotationKind, Element, Group, Level, Origin, Renderer, Snippet};

use crate::diagnostics::{Diagnostic, Severity};
use crate::sources::{FileId, SourceFile, SourceMap, Span};
use crate::workspace::Summary;

/// How to render for a terminal.
#[derive(Clone, Copy, Debug, Default)]
pub struct HumanOptions {
    /// ANSI colours (only when writing to a terminal, and never with `NO_COLOR`).
    pub color: bool,
}

/// Labels on the same file further apart than this many lines get separate snippets.
const SNIPPET_GAP: usize = 6;

/// One label to draw: where, what it says, and whether it is the primary one.
#[derive(Clone, Copy)]
struct Mark<'a> {
    file: FileId,
    span: Option<Span>,
    text: &'a str,
    primary: bool,
}

/// Renders diagnostics and a summary line.
pub fn human(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    summary: &Summary,
    options: HumanOptions,
) -> String {
    let mut out = snippets(sources, diagnostics, options);
    out.push_str(&summary_line(summary));
    out.push('\n');
    out
}

/// Renders diagnostics alone, each followed by a blank line.
pub fn snippets(sources: &SourceMap, diagnostics: &[Diagnostic], options: HumanOptions) -> String {
    let renderer = if options.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let shown = carriage_returns_blanked(sources, diagnostics);
    let mut out = String::new();
    for diagnostic in diagnostics {
        let rendered = renderer.render(&[group(sources, &shown, diagnostic)]);
        // a blanked `\r` leaves a space at the end of its line
        for line in rendered.lines() {
            out.push_str(line.trim_end_matches(' '));
            out.push('\n');
        }
        out.pop();
        out.push_str("\n\n");
    }
    out
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Note => Level::NOTE,
    }
}

/// Copies of the files with CRLF line ends that the diagnostics point into, each `\r` before a
/// `\n` turned into a space: the snippet renderer would draw it as `␍` at the end of every
/// line. Byte offsets, and so every span, stay valid.
fn carriage_returns_blanked(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
) -> HashMap<FileId, String> {
    let mut shown = HashMap::new();
    for diagnostic in diagnostics {
        let files = std::iter::once(diagnostic.location.file)
            .chain(diagnostic.related.iter().map(|r| r.location.file));
        for file in files {
            let text = &sources.get(file).text;
            if !shown.contains_key(&file) && text.contains("\r\n") {
                shown.insert(file, text.replace("\r\n", " \n"));
            }
        }
    }
    shown
}

fn group<'a>(
    sources: &'a SourceMap,
    shown: &'a HashMap<FileId, String>,
    diagnostic: &'a Diagnostic,
) -> Group<'a> {
    let mut marks = vec![Mark {
        file: diagnostic.location.file,
        span: diagnostic.location.span,
        text: diagnostic.label.as_deref().unwrap_or(""),
        primary: true,
    }];
    marks.extend(diagnostic.related.iter().map(|r| Mark {
        file: r.location.file,
        span: r.location.span,
        text: &r.message,
        primary: false,
    }));
    let title = level(diagnostic.severity)
        .primary_title(diagnostic.message.as_str())
        .id(diagnostic.code.id());
    let mut elements: Vec<Element<'a>> = Vec::new();
    // files in order of first appearance, primary file first
    let mut files: Vec<FileId> = Vec::new();
    for mark in &marks {
        if !files.contains(&mark.file) {
            files.push(mark.file);
        }
    }
    for file in files {
        let source = sources.get(file);
        let (mut spanned, bare): (Vec<Mark<'a>>, Vec<Mark<'a>>) = marks
            .iter()
            .copied()
            .filter(|m| m.file == file)
            .partition(|m| m.span.is_some());
        if !bare.is_empty() && spanned.is_empty() {
            elements.push(Origin::path(source.name.as_str()).into());
        }
        spanned.sort_by_key(|m| (!m.primary, m.span.map(|s| s.start)));
        let text = shown
            .get(&file)
            .map_or(source.text.as_str(), String::as_str);
        for cluster in clusters(source, spanned) {
            elements.push(snippet(source, text, &cluster).into());
        }
    }
    if let Some(help) = &diagnostic.help {
        elements.push(Level::HELP.message(help.as_str()).into());
    }
    title.elements(elements)
}

/// Groups marks whose lines are close, keeping the primary mark's cluster first.
fn clusters<'a>(source: &SourceFile, mut marks: Vec<Mark<'a>>) -> Vec<Vec<Mark<'a>>> {
    let line = |m: &Mark| source.line_col(m.span.map_or(0, |s| s.start)).line;
    let primary = marks.iter().position(|m| m.primary);
    let mut result: Vec<Vec<Mark<'a>>> = Vec::new();
    if let Some(p) = primary {
        let first = marks.remove(p);
        result.push(vec![first]);
    }
    marks.sort_by_key(|m| m.span.map(|s| s.start));
    for mark in marks {
        let near = result.iter_mut().find(|cluster| {
            cluster
                .iter()
                .any(|other| line(other).abs_diff(line(&mark)) <= SNIPPET_GAP)
        });
        match near {
            Some(cluster) => cluster.push(mark),
            None => result.push(vec![mark]),
        }
    }
    result
}

/// The lines around `marks`, cut from `full` (the text of `source` as shown).
fn snippet<'a>(
    source: &'a SourceFile,
    full: &'a str,
    marks: &[Mark<'a>],
) -> Snippet<'a, annotate_snippets::Annotation<'a>> {
    let spans: Vec<Span> = marks
        .iter()
        .filter_map(|m| m.span)
        .map(|s| widen(source, s))
        .collect();
    let first_line = spans
        .iter()
        .map(|s| source.line_col(s.start).line)
        .min()
        .unwrap_or(1);
    let last_line = spans
        .iter()
        .map(|s| {
            source
                .line_col(s.end.max(s.start + 1).saturating_sub(1))
                .line
        })
        .max()
        .unwrap_or(first_line);
    let start = source.line_start(first_line);
    let end = source.line_start(last_line + 1).min(source.text.len());
    let text = full.get(start..end).unwrap_or("");
    let text = text.strip_suffix('\n').unwrap_or(text);
    let mut snippet = Snippet::source(text)
        .line_start(first_line)
        .path(source.name.as_str())
        .fold(true);
    for (mark, span) in marks.iter().zip(spans) {
        let local = (span.start as usize).saturating_sub(start).min(text.len())
            ..(span.end as usize).saturating_sub(start).min(text.len());
        let kind = if mark.primary {
            AnnotationKind::Primary
        } else {
            AnnotationKind::Context
        };
        snippet = snippet.annotation(kind.span(local).label(mark.text));
    }
    snippet
}

/// An empty span becomes the character it sits on, so there is something to underline.
fn widen(source: &SourceFile, span: Span) -> Span {
    if span.start != span.end {
        return span;
    }
    let start = span.start as usize;
    match source
        .text
        .get(start..)
        .and_then(|rest| rest.chars().next())
    {
        Some(c) if c != '\n' => Span::new(start, start + c.len_utf8()),
        _ => span,
    }
}

fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("1 {word}")
    } else {
        format!("{count} {word}s")
    }
}

/// "checked 3 files (2 domains, 41 entities): 1 error, 2 warnings".
pub fn summary_line(summary: &Summary) -> String {
    let mut line = format!(
        "checked {} ({}, {})",
        plural(summary.files, "file"),
        plural(summary.domains, "domain"),
        plural(summary.entities, "entity").replace("entitys", "entities"),
    );
    if summary.skipped_documents > 0 {
        line.push_str(&format!(
            ", skipped {}",
            plural(summary.skipped_documents, "non-PolicyDomain document")
        ));
    }
    let mut findings = Vec::new();
    if summary.errors > 0 {
        findings.push(plural(summary.errors, "error"));
    }
    if summary.warnings > 0 {
        findings.push(plural(summary.warnings, "warning"));
    }
    if summary.notes > 0 {
        findings.push(plural(summary.notes, "note"));
    }
    if findings.is_empty() {
        line.push_str(": no problems found");
    } else {
        line.push_str(": ");
        line.push_str(&findings.join(", "));
    }
    line
}

/// "built 4 domains into dist/ (bundle.json sha256 1a2b3c4d5e6f)".
pub fn build_line(build: &super::BuildSummary) -> String {
    let digest = build
        .files
        .get("bundle.json")
        .map_or("", |d| &d[..d.len().min(12)]);
    format!(
        "built {} into {}/ (bundle.json sha256 {digest})\n",
        plural(build.domains.len(), "domain"),
        build.directory.trim_end_matches('/')
    )
}

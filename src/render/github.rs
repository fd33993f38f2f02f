//! GitHub Actions output: workflow commands that annotate the files of a pull request, and a
//! Markdown summary for the job page.
//!
//! GitHub turns each `::error file=...::` line a step prints into an annotation, but keeps only
//! ten errors, ten warnings and ten notices per step; the others appear in the log alone. So
//! errors come first, then warnings, then notes, and a notice says how many findings have no
//! annotation and where to find them all.

use std::fmt::Write as _;

use super::human::summary_line;
use super::line_cols;
use crate::diagnostics::{Counts, Diagnostic, Severity};
use crate::sources::{Location, RepositoryPaths, SourceMap};
use crate::workspace::Summary;

/// Annotations GitHub keeps per step for each of error, warning and notice.
const ANNOTATIONS_PER_KIND: usize = 10;
/// Rows of the findings table in the job summary.
const SUMMARY_ROWS: usize = 200;

/// Renders one workflow command per diagnostic, most severe first.
///
/// When some will not become annotations, a notice saying so comes after the errors and
/// warnings but before any notes, so that it is itself among the notices GitHub keeps.
///
/// Files are named by their path from the repository root (`paths`), which is what GitHub
/// attaches annotations to. A place in a file of another Git revision (the base of `--base`)
/// annotates the file as a whole, since its lines are not the working tree's, and the message
/// says where it was.
pub fn github(
    sources: &SourceMap,
    diagnostics: &[Diagnostic],
    summary: &Summary,
    paths: &RepositoryPaths,
) -> String {
    let ordered = most_severe_first(diagnostics);
    let mut out = String::new();
    let (notes, errors_and_warnings): (Vec<_>, Vec<_>) = ordered
        .into_iter()
        .partition(|d| d.severity == Severity::Note);
    for diagnostic in errors_and_warnings {
        out.push_str(&annotation(sources, diagnostic, paths));
    }
    if let Some(notice) = overflow_notice(&Counts::of(diagnostics), summary) {
        out.push_str(&notice);
    }
    for diagnostic in notes {
        out.push_str(&annotation(sources, diagnostic, paths));
    }
    out
}

/// Renders the Markdown for `$GITHUB_STEP_SUMMARY`: the counts, then a table of findings.
pub fn step_summary(sources: &SourceMap, diagnostics: &[Diagnostic], summary: &Summary) -> String {
    let mut out = String::from("## pdc check\n\n");
    out.push_str(
        "| Files | Domains | Entities | Skipped documents | Errors | Warnings | Notes |\n",
    );
    out.push_str("|---:|---:|---:|---:|---:|---:|---:|\n");
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} |",
        summary.files,
        summary.domains,
        summary.entities,
        summary.skipped_documents,
        summary.errors,
        summary.warnings,
        summary.notes
    );
    if diagnostics.is_empty() {
        out.push_str("\nNo problems found.\n");
        return out;
    }
    out.push_str("\n### Findings\n\n| Severity | Code | Location | Message |\n|---|---|---|---|\n");
    let ordered = most_severe_first(diagnostics);
    for diagnostic in ordered.iter().take(SUMMARY_ROWS) {
        let _ = writeln!(
            out,
            "| {} | {} {} | {} | {} |",
            diagnostic.severity.as_str(),
            diagnostic.code.id(),
            diagnostic.code.name(),
            table_cell(&place(sources, &diagnostic.location)),
            table_cell(&diagnostic.message)
        );
    }
    if ordered.len() > SUMMARY_ROWS {
        let _ = writeln!(
            out,
            "\nOnly the first {SUMMARY_ROWS} of {} findings are listed; the SARIF report or \
             `pdc check` run locally lists them all.",
            ordered.len()
        );
    }
    out
}

/// `file:line:column` of a location, or just the file when it has no position.
pub(super) fn place(sources: &SourceMap, location: &Location) -> String {
    let name = &sources.get(location.file).name;
    match line_cols(sources, location) {
        Some((start, _)) => format!("{name}:{}:{}", start.line, start.column),
        None => name.clone(),
    }
}

/// The diagnostics by severity (errors first), in their given order otherwise.
fn most_severe_first(diagnostics: &[Diagnostic]) -> Vec<&Diagnostic> {
    let mut ordered: Vec<&Diagnostic> = diagnostics.iter().collect();
    ordered.sort_by_key(|d| d.severity);
    ordered
}

/// One `::error`/`::warning`/`::notice` line, with its newline.
fn annotation(sources: &SourceMap, diagnostic: &Diagnostic, paths: &RepositoryPaths) -> String {
    let command = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let source = sources.get(diagnostic.location.file);
    let mut properties = vec![("file", paths.of(source))];
    let mut message = diagnostic.message.clone();
    if source.revision.is_some() {
        let _ = write!(message, "\n{}", place(sources, &diagnostic.location));
    } else if let Some((start, end)) = line_cols(sources, &diagnostic.location) {
        properties.push(("line", start.line.to_string()));
        properties.push(("endLine", end.line.to_string()));
        // GitHub drops columns from an annotation that spans several lines.
        if start.line == end.line {
            properties.push(("col", start.column.to_string()));
            properties.push(("endColumn", end.column.to_string()));
        }
    }
    properties.push((
        "title",
        format!("{} {}", diagnostic.code.id(), diagnostic.code.name()),
    ));
    let properties: Vec<String> = properties
        .iter()
        .map(|(key, value)| format!("{key}={}", escape_property(value)))
        .collect();
    for related in &diagnostic.related {
        let _ = write!(
            message,
            "\n{}: {}",
            place(sources, &related.location),
            related.message
        );
    }
    if let Some(help) = &diagnostic.help {
        let _ = write!(message, "\nhelp: {help}");
    }
    format!(
        "::{command} {}::{}\n",
        properties.join(","),
        escape_data(&message)
    )
}

/// The notice for findings beyond GitHub's per-step limits, if there are any.
fn overflow_notice(counts: &Counts, summary: &Summary) -> Option<String> {
    let errors = counts.errors.saturating_sub(ANNOTATIONS_PER_KIND);
    let warnings = counts.warnings.saturating_sub(ANNOTATIONS_PER_KIND);
    if errors == 0 && warnings == 0 && counts.notes <= ANNOTATIONS_PER_KIND {
        return None;
    }
    // This notice takes one of the notices' places.
    let notes = counts.notes.saturating_sub(ANNOTATIONS_PER_KIND - 1);
    let hidden: Vec<String> = [(errors, "error"), (warnings, "warning"), (notes, "note")]
        .into_iter()
        .filter(|&(count, _)| count > 0)
        .map(|(count, word)| format!("{count} {word}{}", if count == 1 { "" } else { "s" }))
        .collect();
    let message = format!(
        "{}\nNot annotated: {} (GitHub annotates at most {ANNOTATIONS_PER_KIND} errors, \
         {ANNOTATIONS_PER_KIND} warnings and {ANNOTATIONS_PER_KIND} notices per step); \
         see the full report: the SARIF upload or the job summary.",
        summary_line(summary),
        hidden.join(", ")
    );
    Some(format!("::notice title=pdc::{}\n", escape_data(&message)))
}

/// Escapes the message of a workflow command.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a `key=value` property of a workflow command.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Text that stays inside one Markdown table cell.
fn table_cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace(['\r', '\n'], "<br>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;
    use crate::sources::{FileId, SourceFile, Span};

    const TEXT: &str = "roles:\n  - mrn: x\n    policy: |\n      p\n";

    /// pdc run at the root of a repository that does not exist, so paths resolve without
    /// the file system.
    fn at_root() -> RepositoryPaths {
        let root = std::path::Path::new("/pdc-github-test-repository");
        RepositoryPaths::new(root, root)
    }

    fn sources() -> SourceMap {
        let mut sources = SourceMap::default();
        sources.add(SourceFile::new("dir/a,b:c.yml".into(), None, TEXT.into()));
        sources
    }

    /// The location of `needle` in the sample file, up to `len` bytes past its start.
    fn at(needle: &str, len: usize) -> Location {
        let start = TEXT.find(needle).unwrap();
        Location::new(FileId(0), Span::new(start, start + len))
    }

    fn several(severity: Severity, count: usize) -> Vec<Diagnostic> {
        (0..count)
            .map(|i| {
                let mut d =
                    Diagnostic::new(Code::UnknownKey, at("roles", 5), format!("finding {i}"));
                d.severity = severity;
                d
            })
            .collect()
    }

    #[test]
    fn annotations_carry_position_title_and_escaped_text() {
        let sources = sources();
        let diagnostics = vec![
            Diagnostic::new(Code::UnknownKey, at("mrn", 3), "unknown key `mrn`: 100%")
                .with_related(at("roles", 5), "section, here")
                .with_help("remove it\nor rename it"),
            Diagnostic::new(
                Code::UnresolvedReference,
                at("policy", 17),
                "policy not found",
            ),
            Diagnostic::new(
                Code::FileUnreadable,
                Location::file(FileId(0)),
                "cannot read",
            ),
        ];
        let text = github(&sources, &diagnostics, &Summary::default(), &at_root());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                // errors first; a span over several lines has no columns
                "::error file=dir/a%2Cb%3Ac.yml,line=3,endLine=4,title=PD401 unresolved-reference\
                 ::policy not found",
                "::error file=dir/a%2Cb%3Ac.yml,title=PD151 file-unreadable::cannot read",
                "::warning file=dir/a%2Cb%3Ac.yml,line=2,endLine=2,col=5,endColumn=8,\
                 title=PD209 unknown-key::unknown key `mrn`: 100%25\
                 %0Adir/a,b:c.yml:1:1: section, here%0Ahelp: remove it%0Aor rename it",
            ]
        );
    }

    #[test]
    fn a_place_in_another_revision_annotates_its_file_and_says_where() {
        let mut sources = sources();
        let base = sources.add(
            SourceFile::new(
                "HEAD:dir/old.yml".into(),
                Some("/pdc-github-test-repository/dir/old.yml".into()),
                TEXT.into(),
            )
            .at_revision("HEAD"),
        );
        let start = TEXT.find("mrn").unwrap();
        let removed = Diagnostic::new(
            Code::AccessRemoved,
            Location::new(base, Span::new(start, start + 3)),
            "role `x` was removed",
        );
        let text = github(&sources, &[removed], &Summary::default(), &at_root());
        assert_eq!(
            text,
            "::warning file=dir/old.yml,title=PD902 access-removed::role `x` was removed\
             %0AHEAD:dir/old.yml:2:5\n"
        );
    }

    #[test]
    fn escaping_follows_the_workflow_command_rules() {
        assert_eq!(escape_data("a%b\r\nc:d,e"), "a%25b%0D%0Ac:d,e");
        assert_eq!(escape_property("a%b\r\nc:d,e"), "a%25b%0D%0Ac%3Ad%2Ce");
    }

    #[test]
    fn no_notice_within_the_limits() {
        let mut diagnostics = several(Severity::Error, 10);
        diagnostics.extend(several(Severity::Warning, 10));
        diagnostics.extend(several(Severity::Note, 10));
        let text = github(&sources(), &diagnostics, &Summary::default(), &at_root());
        assert_eq!(text.lines().count(), 30);
        assert!(!text.contains("title=pdc"));
    }

    #[test]
    fn a_notice_counts_what_github_will_not_annotate() {
        let mut diagnostics = several(Severity::Warning, 12);
        diagnostics.extend(several(Severity::Error, 11));
        diagnostics.extend(several(Severity::Note, 10));
        let summary = Summary {
            files: 1,
            errors: 11,
            warnings: 12,
            notes: 10,
            ..Summary::default()
        };
        let text = github(&sources(), &diagnostics, &summary, &at_root());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 34);
        assert!(lines[..11].iter().all(|l| l.starts_with("::error ")));
        assert!(lines[11..23].iter().all(|l| l.starts_with("::warning ")));
        assert_eq!(
            lines[23],
            "::notice title=pdc::checked 1 file (0 domains, 0 entities): 11 errors, 12 warnings, \
             10 notes%0ANot annotated: 1 error, 2 warnings, 1 note (GitHub annotates at most 10 \
             errors, 10 warnings and 10 notices per step); see the full report: the SARIF upload \
             or the job summary."
        );
        assert!(lines[24..].iter().all(|l| l.starts_with("::notice file=")));
        // the given order within a severity
        assert!(lines[0].ends_with("::finding 0") && lines[10].ends_with("::finding 10"));
    }

    #[test]
    fn the_step_summary_has_counts_and_a_findings_table() {
        let diagnostics = vec![
            Diagnostic::new(Code::UnknownKey, at("mrn", 3), "key `a|b`\nis unknown"),
            Diagnostic::new(
                Code::UnresolvedReference,
                at("policy", 17),
                "policy not found",
            ),
        ];
        let summary = Summary {
            files: 1,
            domains: 1,
            entities: 2,
            errors: 1,
            warnings: 1,
            ..Summary::default()
        };
        assert_eq!(
            step_summary(&sources(), &diagnostics, &summary),
            "## pdc check\n\n\
             | Files | Domains | Entities | Skipped documents | Errors | Warnings | Notes |\n\
             |---:|---:|---:|---:|---:|---:|---:|\n\
             | 1 | 1 | 2 | 0 | 1 | 1 | 0 |\n\n\
             ### Findings\n\n\
             | Severity | Code | Location | Message |\n\
             |---|---|---|---|\n\
             | error | PD401 unresolved-reference | dir/a,b:c.yml:3:5 | policy not found |\n\
             | warning | PD209 unknown-key | dir/a,b:c.yml:2:5 | key `a\\|b`<br>is unknown |\n"
        );
        assert!(
            step_summary(&sources(), &[], &Summary::default()).ends_with("\nNo problems found.\n")
        );
    }

    #[test]
    fn the_step_summary_stops_at_its_row_limit() {
        let diagnostics = several(Severity::Warning, SUMMARY_ROWS + 5);
        let text = step_summary(&sources(), &diagnostics, &Summary::default());
        assert_eq!(text.matches("| warning |").count(), SUMMARY_ROWS);
        assert!(text.contains("\nOnly the first 200 of 205 findings are listed;"));
    }
}

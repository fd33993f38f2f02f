//! JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure Pipelines).
//!
//! Each checked file is one test case, which fails when pdc found an error in it. Those tools
//! read only the first `<failure>` of a test case, so all of a file's errors share one; warnings
//! and notes do not fail the file and are listed in its `<system-out>`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::github::place;
use crate::diagnostics::{Diagnostic, Severity};
use crate::sources::{FileId, SourceMap};
use crate::workspace::Summary;

/// Renders one test suite with a test case per checked file, sorted by file name.
pub fn junit(sources: &SourceMap, diagnostics: &[Diagnostic], summary: &Summary) -> String {
    let mut by_file: BTreeMap<FileId, Vec<&Diagnostic>> = BTreeMap::new();
    for diagnostic in diagnostics {
        by_file
            .entry(diagnostic.location.file)
            .or_default()
            .push(diagnostic);
    }
    // files of another revision (the base of `--base`) are shown only for their findings
    let mut files: Vec<_> = sources
        .iter()
        .filter(|(id, file)| file.revision.is_none() || by_file.contains_key(id))
        .collect();
    files.sort_by(|(a_id, a), (b_id, b)| a.name.cmp(&b.name).then(a_id.cmp(b_id)));

    let mut cases = String::new();
    let mut failures = 0;
    for (id, file) in &files {
        let found = by_file.get(id).map_or(&[][..], Vec::as_slice);
        let (errors, others): (Vec<&Diagnostic>, Vec<&Diagnostic>) =
            found.iter().partition(|d| d.severity == Severity::Error);
        let name = escape_attribute(&file.name);
        if found.is_empty() {
            let _ = writeln!(cases, "  <testcase classname=\"pdc\" name=\"{name}\"/>");
            continue;
        }
        let _ = writeln!(cases, "  <testcase classname=\"pdc\" name=\"{name}\">");
        if !errors.is_empty() {
            failures += 1;
            cases.push_str(&failure(sources, &errors));
        }
        if !others.is_empty() {
            let listing: String = others.iter().map(|d| finding(sources, d)).collect();
            let _ = writeln!(
                cases,
                "    <system-out>{}</system-out>",
                escape_text(&listing)
            );
        }
        cases.push_str("  </testcase>\n");
    }

    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuite name=\"pdc check\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" \
         skipped=\"0\">",
        files.len()
    );
    out.push_str("  <properties>\n");
    for (name, value) in [
        ("domains", summary.domains),
        ("entities", summary.entities),
        ("skipped-documents", summary.skipped_documents),
        ("errors", summary.errors),
        ("warnings", summary.warnings),
        ("notes", summary.notes),
    ] {
        let _ = writeln!(out, "    <property name=\"{name}\" value=\"{value}\"/>");
    }
    out.push_str("  </properties>\n");
    out.push_str(&cases);
    out.push_str("</testsuite>\n");
    out
}

/// The `<failure>` of a file with errors: the first in `message`, all of them in the body.
fn failure(sources: &SourceMap, errors: &[&Diagnostic]) -> String {
    let message = match errors {
        [only] => only.message.clone(),
        _ => format!("{} errors, the first: {}", errors.len(), errors[0].message),
    };
    let mut codes: Vec<&str> = Vec::new();
    for error in errors {
        if !codes.contains(&error.code.id()) {
            codes.push(error.code.id());
        }
    }
    let body: String = errors.iter().map(|d| finding(sources, d)).collect();
    format!(
        "    <failure message=\"{}\" type=\"{}\">{}</failure>\n",
        escape_attribute(&message),
        escape_attribute(&codes.join(",")),
        escape_text(&body)
    )
}

/// One finding as text: `file:line:column: severity[CODE] message`, then its related places
/// and help, indented.
fn finding(sources: &SourceMap, diagnostic: &Diagnostic) -> String {
    let mut text = format!(
        "{}: {}[{}] {}\n",
        place(sources, &diagnostic.location),
        diagnostic.severity.as_str(),
        diagnostic.code.id(),
        diagnostic.message
    );
    for related in &diagnostic.related {
        let _ = writeln!(
            text,
            "  {}: {}",
            place(sources, &related.location),
            related.message
        );
    }
    if let Some(help) = &diagnostic.help {
        let _ = writeln!(text, "  help: {help}");
    }
    text
}

/// Text content: markup characters as entities, and characters XML 1.0 cannot hold at all
/// (most control characters) as U+FFFD. `\r` is kept as a reference, which parsers would
/// otherwise turn into `\n`.
fn escape_text(text: &str) -> String {
    escape(text, false)
}

/// An attribute value: as text, and tabs and line breaks as references too, which parsers
/// would otherwise turn into spaces.
fn escape_attribute(text: &str) -> String {
    escape(text, true)
}

fn escape(text: &str, in_attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' if in_attribute => {
                let _ = write!(out, "&#{};", u32::from(c));
            }
            '\t' | '\n' => out.push(c),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;
    use crate::sources::{Location, SourceFile, Span};

    fn sample() -> (SourceMap, Vec<Diagnostic>) {
        let mut sources = SourceMap::default();
        let b = sources.add(SourceFile::new(
            "b.yml".into(),
            None,
            "a: 1\nb: \"x\"\n".into(),
        ));
        let a = sources.add(SourceFile::new("a&<'>.yml".into(), None, "k: v\n".into()));
        sources.add(SourceFile::new("c.yml".into(), None, "{}\n".into()));
        let diagnostics = vec![
            Diagnostic::new(
                Code::UnresolvedReference,
                Location::new(b, Span::new(8, 11)),
                "policy `\"x\"` not found",
            )
            .with_related(Location::new(b, Span::new(0, 1)), "in <this> role")
            .with_help("define it"),
            Diagnostic::new(
                Code::DuplicateKey,
                Location::new(b, Span::new(0, 1)),
                "dup\u{1b}key",
            ),
            Diagnostic::new(
                Code::UnknownKey,
                Location::new(b, Span::new(5, 6)),
                "unknown key `b`",
            ),
            Diagnostic::new(
                Code::UnknownKey,
                Location::new(a, Span::new(0, 1)),
                "unknown key `k`",
            ),
        ];
        (sources, diagnostics)
    }

    #[test]
    fn one_case_per_file_failing_on_errors_only() {
        let (sources, diagnostics) = sample();
        let summary = Summary {
            files: 3,
            domains: 1,
            errors: 2,
            warnings: 2,
            ..Summary::default()
        };
        assert_eq!(
            junit(&sources, &diagnostics, &summary),
            r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="pdc check" tests="3" failures="1" errors="0" skipped="0">
  <properties>
    <property name="domains" value="1"/>
    <property name="entities" value="0"/>
    <property name="skipped-documents" value="0"/>
    <property name="errors" value="2"/>
    <property name="warnings" value="2"/>
    <property name="notes" value="0"/>
  </properties>
  <testcase classname="pdc" name="a&amp;&lt;&apos;&gt;.yml">
    <system-out>a&amp;&lt;&apos;&gt;.yml:1:1: warning[PD209] unknown key `k`
</system-out>
  </testcase>
  <testcase classname="pdc" name="b.yml">
    <failure message="2 errors, the first: policy `&quot;x&quot;` not found" type="PD401,PD102">b.yml:2:4: error[PD401] policy `&quot;x&quot;` not found
  b.yml:1:1: in &lt;this&gt; role
  help: define it
b.yml:1:1: error[PD102] dup�key
</failure>
    <system-out>b.yml:2:1: warning[PD209] unknown key `b`
</system-out>
  </testcase>
  <testcase classname="pdc" name="c.yml"/>
</testsuite>
"#
        );
    }

    #[test]
    fn files_of_the_base_revision_are_cases_only_for_their_findings() {
        let (mut sources, mut diagnostics) = sample();
        let quiet = sources
            .add(SourceFile::new("HEAD:q.yml".into(), None, "{}\n".into()).at_revision("HEAD"));
        let removed = sources
            .add(SourceFile::new("HEAD:r.yml".into(), None, "{}\n".into()).at_revision("HEAD"));
        diagnostics[0] = diagnostics[0].clone().with_related(
            Location::new(quiet, Span::new(0, 1)),
            "defined here in `HEAD`",
        );
        diagnostics.push(Diagnostic::new(
            Code::AccessRemoved,
            Location::new(removed, Span::new(0, 1)),
            "group `g` was removed",
        ));
        let text = junit(&sources, &diagnostics, &Summary::default());
        assert!(text.contains("tests=\"4\""), "{text}");
        assert!(text.contains("<testcase classname=\"pdc\" name=\"HEAD:r.yml\">"));
        assert!(!text.contains("name=\"HEAD:q.yml\""));
        assert!(text.contains("HEAD:q.yml:1:1: defined here in `HEAD`"));
    }

    #[test]
    fn a_single_error_is_the_failure_message() {
        let (sources, diagnostics) = sample();
        let text = junit(&sources, &diagnostics[..1], &Summary::default());
        assert!(
            text.contains("<failure message=\"policy `&quot;x&quot;` not found\" type=\"PD401\">")
        );
    }

    #[test]
    fn escaping_leaves_only_characters_xml_allows() {
        assert_eq!(
            escape_text("a\tb\nc\rd\u{0}e\u{ffff}"),
            "a\tb\nc&#13;d\u{fffd}e\u{fffd}"
        );
        assert_eq!(escape_attribute("a\tb\nc"), "a&#9;b&#10;c");
        assert_eq!(escape_attribute("&<>\"'"), "&amp;&lt;&gt;&quot;&apos;");
    }
}

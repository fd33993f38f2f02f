//! Where Rego text lives, so a line and column inside a Rego module become a place in a file.
//!
//! Rego in a literal block scalar (`rego: |`) keeps its lines, shifted by the line of the
//! indicator and the block's indentation, so errors land on the exact YAML line and column.
//! Rego from `rego_filename` is its own source file. Rego in quoted or folded scalars does not
//! keep its lines; errors there point at the scalar and say where in the Rego they are.

use super::summary::RegoPos;
use crate::model::Rego;
use crate::sources::{FileId, Location, SourceMap, Span};
use crate::syntax::ScalarStyle;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    /// A literal block scalar: Rego line 1 is YAML line `first_line`, indented by `indent`
    /// characters.
    Block {
        file: FileId,
        first_line: usize,
        indent: usize,
    },
    /// A `.rego` file, named by `rego_filename` at `reference` in `yaml`.
    File {
        file: FileId,
        yaml: FileId,
        reference: Span,
    },
    /// Any other scalar: only the scalar as a whole is known.
    Scalar { file: FileId, span: Span },
}

/// The Rego text of an entity and where it lives; `None` for a `rego_filename` that could
/// not be read.
pub fn locate<'a>(
    sources: &'a SourceMap,
    yaml: FileId,
    rego: &'a Rego,
) -> Option<(&'a str, Placement)> {
    match rego {
        Rego::File { path, source } => {
            let file = (*source)?;
            Some((
                sources.get(file).text.as_str(),
                Placement::File {
                    file,
                    yaml,
                    reference: path.span,
                },
            ))
        }
        Rego::Inline { text, span, style } => {
            let placement = match style {
                ScalarStyle::Literal => block(sources, yaml, *span),
                _ => None,
            };
            Some((
                text.as_str(),
                placement.unwrap_or_else(|| Placement::Scalar {
                    file: yaml,
                    span: without_trailing_space(sources, yaml, *span),
                }),
            ))
        }
    }
}

/// `span` without the line breaks and indentation the parser counts into a block scalar.
fn without_trailing_space(sources: &SourceMap, file: FileId, span: Span) -> Span {
    let text = &sources.get(file).text;
    let kept = text
        .get(span.start as usize..span.end as usize)
        .map_or(0, |t| t.trim_end().len());
    Span::new(span.start as usize, span.start as usize + kept)
}

/// The first content line and indentation of a literal block scalar. The parser's span
/// starts at the first non-blank content character; the content itself starts on the line
/// after the `|` indicator, which may be followed by blank lines.
fn block(sources: &SourceMap, file: FileId, span: Span) -> Option<Placement> {
    let source = sources.get(file);
    let text = &source.text;
    let content = source.line_col(span.start);
    let indent = content.column - 1;
    let mut line = content.line;
    while line > 1 {
        let previous = &text[source.line_start(line - 1)..source.line_start(line)];
        if !previous.trim().is_empty() {
            let head = previous.split(" #").next().unwrap_or(previous).trim_end();
            let indicator = head.rsplit(' ').next().unwrap_or(head);
            if !indicator.starts_with('|') {
                return None;
            }
            break;
        }
        line -= 1;
    }
    Some(Placement::Block {
        file,
        first_line: line,
        indent,
    })
}

impl Placement {
    /// The place of a Rego position, and whether it is exact (`false` when only the scalar
    /// holding the Rego is known).
    pub fn location(&self, sources: &SourceMap, pos: RegoPos) -> (Location, bool) {
        match self {
            Placement::Block {
                file,
                first_line,
                indent,
            } => {
                let line = first_line + pos.line.max(1) as usize - 1;
                // a block's indentation is spaces, one byte each
                let column = indent + pos.col.max(1) as usize - 1;
                let span = line_span(sources, *file, line, column, pos.len);
                (Location::new(*file, span), true)
            }
            Placement::File { file, .. } => {
                let line = pos.line.max(1) as usize;
                let span = line_span(sources, *file, line, pos.col.max(1) as usize - 1, pos.len);
                (Location::new(*file, span), true)
            }
            Placement::Scalar { file, span } => (Location::new(*file, *span), false),
        }
    }
}

/// The span of `len` bytes starting `column` bytes into 1-based line `line`, kept inside the
/// line and on character boundaries.
fn line_span(sources: &SourceMap, file: FileId, line: usize, column: usize, len: u32) -> Span {
    let source = sources.get(file);
    let start = source.line_start(line);
    let stop = source.line_start(line + 1).min(source.text.len());
    let line_text = source.text.get(start..stop).unwrap_or("");
    let line_text = line_text.strip_suffix('\n').unwrap_or(line_text);
    let line_text = line_text.strip_suffix('\r').unwrap_or(line_text);
    let mut offset = column.min(line_text.len());
    while !line_text.is_char_boundary(offset) {
        offset -= 1;
    }
    let mut end = (offset + len as usize).min(line_text.len()).max(offset);
    while !line_text.is_char_boundary(end) {
        end += 1;
    }
    Span::new(start + offset, start + end)
}

/// The 1-based character column of a position in `text`, for messages that cannot point at
/// the place itself.
pub fn character_column(text: &str, pos: RegoPos) -> usize {
    let line = text.lines().nth(pos.line.max(1) as usize - 1).unwrap_or("");
    let mut byte = (pos.col.max(1) as usize - 1).min(line.len());
    while !line.is_char_boundary(byte) {
        byte -= 1;
    }
    line[..byte].chars().count() + 1
}

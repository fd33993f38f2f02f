//! Builds [`Node`] trees from `granit-parser` events with an explicit stack.
//!
//! Limits: the parser refuses collections nested deeper than [`MAX_NESTING`]; aliases may add
//! at most [`alias_budget`] nodes to a document (a long string counting as one node per
//! [`BYTES_PER_NODE`] bytes, since each alias copies it) and may not push it past
//! [`MAX_DEPTH`] levels.
//! Those bounds keep alias bombs and deep nesting to a clean `PD103` instead of a crash, while
//! a legitimate 50 MB tree passes.

use std::collections::{HashMap, HashSet};

use granit_parser::{Event, Parser, ScanError};

use super::{Document, Entry, Node, NodeKind, Scalar, ScalarStyle};
use crate::diagnostics::{Code, Diagnostic};
use crate::sources::{FileId, Location, Span};

/// Deepest collection nesting the parser accepts.
pub const MAX_NESTING: usize = 200;
/// Deepest a document may become once aliases are expanded.
pub const MAX_DEPTH: usize = 256;

/// A scalar weighs one node per this many bytes of text when aliases copy it.
pub const BYTES_PER_NODE: usize = 16;

/// Nodes that aliases may add to one document: generous for files that reuse anchors
/// heavily, far below what an alias bomb asks for.
pub fn alias_budget(text_len: usize) -> usize {
    1_000_000 + text_len / 2
}

/// The documents of one YAML stream and the problems found while reading them.
#[derive(Debug, Default)]
pub struct ParsedStream {
    pub documents: Vec<Document>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses every document of `text`. A syntax error ends its document, and reading resumes at
/// the next `---`, so one bad document never hides the others.
pub fn parse_stream(text: &str, file: FileId) -> ParsedStream {
    let options = granit_parser::options! {
        emit_comments: false,
        flow_nesting_limit: MAX_NESTING,
        block_nesting_limit: MAX_NESTING,
    };
    let mut parser = Parser::new_from_str_with_options(text, options);
    let mut out = ParsedStream::default();
    let mut builder = Builder::new(file, text, alias_budget(text.len()));
    while let Some(next) = parser.next_event() {
        let failure = match next {
            Ok((event, span)) => match builder.event(event, span_of(&span)) {
                Ok(Some(document)) => {
                    out.documents.push(document);
                    None
                }
                Ok(None) => None,
                Err(diagnostic) => Some(diagnostic),
            },
            Err(error) => Some(syntax_error(&error, file, text)),
        };
        if let Some(diagnostic) = failure {
            out.diagnostics.push(diagnostic);
            out.documents.push(builder.abandon());
            match parser.proceed_next_document() {
                Ok(true) => continue,
                Ok(false) | Err(_) => break,
            }
        }
    }
    out.diagnostics.append(&mut builder.diagnostics);
    out
}

fn span_of(span: &granit_parser::Span) -> Span {
    let start = span.start.byte_offset().unwrap_or(0);
    let end = span.end.byte_offset().unwrap_or(start);
    Span::new(start, end)
}

fn syntax_error(error: &ScanError, file: FileId, text: &str) -> Diagnostic {
    use granit_parser::ErrorKind as Kind;
    let offset = error
        .marker()
        .byte_offset()
        .unwrap_or(text.len())
        .min(text.len());
    let at = Location::new(file, Span::at(offset));
    if matches!(error.kind(), Kind::RecursionLimitExceeded) {
        return Diagnostic::new(
            Code::YamlLimit,
            at,
            format!("collections are nested more than {MAX_NESTING} levels deep"),
        )
        .with_label("too deep here")
        .with_help("PolicyDomains need a handful of levels; deeper input is refused to keep pdc safe on hostile files");
    }
    let parser_says = match error.info() {
        info if info.is_empty() => "invalid YAML".to_string(),
        info => info,
    };
    // The parser's words, and what they usually mean in a hand-written PolicyDomain.
    let (message, help) = match error.kind() {
        Kind::MappingValueNotAllowed => (
            parser_says,
            "a `key: value` pair appears where YAML does not allow one: check this line's indentation against the lines above, and quote values that contain `: `",
        ),
        Kind::SimpleKeyExpected => (
            "a key is missing its `:`".to_string(),
            "inside a mapping every line is `key: value`; add the `:` after the key, or quote the text if it is a value",
        ),
        Kind::ExpectedBlockMappingKey | Kind::InvalidIndentation => (
            format!("{parser_says} (the indentation does not fit the lines above)"),
            "keys of one mapping line up in the same column, and list items start with `- ` one level in; indent with spaces only",
        ),
        Kind::TabNotAllowed | Kind::TabInIndentation => (
            parser_says,
            "YAML indentation must be spaces; replace the tab",
        ),
        Kind::UnclosedQuotedScalar => (
            "a quoted string is never closed".to_string(),
            "add the closing quote; inside single quotes write a quote as `''`, inside double quotes as `\\\"`",
        ),
        Kind::ExpectedNodeContent => (
            format!("{parser_says} (a value is missing)"),
            "write a value after the key or the `- `, or remove the line",
        ),
        Kind::MisplacedFlowCollectionEnd
        | Kind::ExpectedFlowMappingSeparator
        | Kind::ExpectedFlowSequenceSeparator
        | Kind::UnexpectedEofFlowSequence
        | Kind::UnexpectedEofFlowMapping => (
            parser_says,
            "brackets `[...]` and braces `{...}` must pair up, with commas between items",
        ),
        _ => (
            parser_says,
            "pdc reports the first YAML error of each document; the rest of the document is checked once it parses",
        ),
    };
    Diagnostic::new(Code::YamlSyntax, at, message)
        .with_label("YAML syntax error here")
        .with_help(help)
}

/// A collection still being read.
enum Frame {
    Sequence {
        start: Span,
        anchor: usize,
        items: Vec<Node>,
        size: usize,
        height: usize,
    },
    Mapping {
        start: Span,
        anchor: usize,
        entries: Vec<Entry>,
        key: Option<Node>,
        size: usize,
        height: usize,
    },
}

/// A finished node with its size (nodes) and height (levels), as aliases need them.
struct Built {
    node: Node,
    size: usize,
    height: usize,
}

struct Builder<'a> {
    file: FileId,
    /// The stream's text, to tell flow collections (`[...]`, `{...}`) from block ones.
    text: &'a str,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Built>,
    root: Option<Node>,
    expanded: usize,
    budget: usize,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Builder<'a> {
    fn new(file: FileId, text: &'a str, budget: usize) -> Self {
        Builder {
            file,
            text,
            stack: Vec::new(),
            anchors: HashMap::new(),
            root: None,
            expanded: 0,
            budget,
            diagnostics: Vec::new(),
        }
    }

    fn location(&self, span: Span) -> Location {
        Location::new(self.file, span)
    }

    /// Consumes one event; returns a document when one ends.
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<Option<Document>, Diagnostic> {
        match event {
            Event::DocumentStart(..) => {
                self.stack.clear();
                self.anchors.clear();
                self.root = None;
                self.expanded = 0;
            }
            Event::DocumentEnd => {
                return Ok(Some(Document {
                    root: self.root.take(),
                    truncated: false,
                }));
            }
            Event::Scalar(text, style, anchor, tag) => {
                let scalar = Scalar {
                    text: text.into_owned(),
                    style: match style {
                        granit_parser::ScalarStyle::Plain => ScalarStyle::Plain,
                        granit_parser::ScalarStyle::SingleQuoted => ScalarStyle::SingleQuoted,
                        granit_parser::ScalarStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
                        granit_parser::ScalarStyle::Literal => ScalarStyle::Literal,
                        granit_parser::ScalarStyle::Folded => ScalarStyle::Folded,
                    },
                    tag: tag.map(|t| match t.core_suffix() {
                        Some(core) => core.into(),
                        None => t.original().into_boxed_str(),
                    }),
                };
                let weight = 1 + scalar.text.len() / BYTES_PER_NODE;
                let node = Node {
                    kind: NodeKind::Scalar(scalar),
                    span,
                    anchor: None,
                };
                self.finish(node, anchor, weight, 0)?;
            }
            Event::SequenceStart(_, anchor, _) => self.stack.push(Frame::Sequence {
                start: span,
                anchor,
                items: Vec::new(),
                size: 1,
                height: 0,
            }),
            Event::MappingStart(_, anchor, _) => self.stack.push(Frame::Mapping {
                start: span,
                anchor,
                entries: Vec::new(),
                key: None,
                size: 1,
                height: 0,
            }),
            Event::SequenceEnd => {
                if let Some(Frame::Sequence {
                    start,
                    anchor,
                    items,
                    size,
                    height,
                }) = self.stack.pop()
                {
                    let end = self.collection_end(start, span, items.last().map(|n| n.span.end));
                    let node = Node {
                        kind: NodeKind::Sequence(items),
                        span: Span::new(start.start as usize, end.max(start.start) as usize),
                        anchor: None,
                    };
                    self.finish(node, anchor, size, height + 1)?;
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Mapping {
                    start,
                    anchor,
                    entries,
                    size,
                    height,
                    ..
                }) = self.stack.pop()
                {
                    let last = entries.last().map(|e| e.value.span.end.max(e.key.span.end));
                    let end = self.collection_end(start, span, last);
                    let span = Span::new(start.start as usize, end.max(start.start) as usize);
                    let entries = self.resolve_mapping(entries);
                    let node = Node {
                        kind: NodeKind::Mapping(entries),
                        span,
                        anchor: None,
                    };
                    self.finish(node, anchor, size, height + 1)?;
                }
            }
            Event::Alias(id) => {
                let Some(target) = self.anchors.get(&id) else {
                    return Err(Diagnostic::new(
                        Code::YamlLimit,
                        self.location(span),
                        "this alias refers to the collection that contains it",
                    )
                    .with_label("recursive alias")
                    .with_help("a recursive alias describes an infinite document; refer to a finished node instead"));
                };
                self.expanded += target.size;
                if self.expanded > self.budget {
                    return Err(Diagnostic::new(
                        Code::YamlLimit,
                        self.location(span),
                        format!(
                            "aliases expand this document beyond its limit of {} nodes (a string counts one per {BYTES_PER_NODE} bytes)",
                            self.budget
                        ),
                    )
                    .with_label("expansion limit reached at this alias")
                    .with_help("this looks like an alias bomb (\"billion laughs\"); a PolicyDomain never needs this much repetition"));
                }
                if self.stack.len() + target.height > MAX_DEPTH {
                    return Err(Diagnostic::new(
                        Code::YamlLimit,
                        self.location(span),
                        format!("aliases nest the document more than {MAX_DEPTH} levels deep"),
                    )
                    .with_label("too deep once this alias is expanded"));
                }
                let (size, height) = (target.size, target.height);
                let mut node = target.node.clone();
                node.anchor = Some(target.node.span);
                node.span = span;
                self.finish(node, 0, size, height)?;
            }
            _ => {}
        }
        Ok(None)
    }

    /// Where a collection ends: after its closing bracket when it is a flow collection, else
    /// after its last item (a block collection's end event sits at the next token, which may
    /// be lines further on).
    fn collection_end(&self, start: Span, end_event: Span, last_item: Option<u32>) -> u32 {
        let opened_with_bracket = matches!(
            self.text.as_bytes().get(start.start as usize),
            Some(b'[' | b'{')
        );
        let closed_with_bracket = end_event.end > end_event.start
            && matches!(
                self.text.as_bytes().get(end_event.end as usize - 1),
                Some(b']' | b'}')
            );
        if opened_with_bracket && closed_with_bracket {
            return end_event.end;
        }
        last_item.map_or(end_event.end, |end| end.max(start.end))
    }

    /// Places a finished node in its parent (or as the document root) and records its anchor.
    fn finish(
        &mut self,
        node: Node,
        anchor: usize,
        size: usize,
        height: usize,
    ) -> Result<(), Diagnostic> {
        if anchor != 0 {
            self.anchors.insert(
                anchor,
                Built {
                    node: node.clone(),
                    size,
                    height,
                },
            );
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Sequence {
                items,
                size: total,
                height: tallest,
                ..
            }) => {
                items.push(node);
                *total += size;
                *tallest = (*tallest).max(height);
            }
            Some(Frame::Mapping {
                entries,
                key,
                size: total,
                height: tallest,
                ..
            }) => {
                *total += size;
                *tallest = (*tallest).max(height);
                match key.take() {
                    None => *key = Some(node),
                    Some(k) => entries.push(Entry {
                        key: k,
                        value: node,
                    }),
                }
            }
        }
        Ok(())
    }

    /// Applies `<<` merge keys and drops (and reports) duplicate keys.
    fn resolve_mapping(&mut self, entries: Vec<Entry>) -> Vec<Entry> {
        let has_merge = entries.iter().any(|e| is_merge_key(&e.key));
        if !has_merge && !has_duplicate_keys(&entries) {
            return entries;
        }
        let mut seen: HashMap<String, Span> = HashMap::new();
        let mut result = Vec::with_capacity(entries.len());
        let mut merges = Vec::new();
        for entry in entries {
            if is_merge_key(&entry.key) {
                merges.push((result.len(), entry));
                continue;
            }
            if let Some(text) = entry.key.as_str() {
                if let Some(first) = seen.get(text) {
                    self.diagnostics.push(
                        Diagnostic::new(
                            Code::DuplicateKey,
                            self.location(entry.key.span),
                            format!("duplicate key `{text}` in this mapping"),
                        )
                        .with_label("repeated here")
                        .with_related(self.location(*first), "first defined here")
                        .with_help("remove one of them: YAML forbids repeated keys, and tools disagree on which one wins"),
                    );
                    continue;
                }
                seen.insert(text.to_string(), entry.key.span);
            }
            result.push(entry);
        }
        if !has_merge {
            return result;
        }
        // Explicit keys win over merged ones; among merged mappings the first one wins.
        let mut taken: HashSet<String> = seen.into_keys().collect();
        let mut inserts: Vec<(usize, Vec<Entry>)> = Vec::new();
        for (position, merge) in merges {
            let sources: Vec<&Node> = match &merge.value.kind {
                NodeKind::Mapping(_) => vec![&merge.value],
                NodeKind::Sequence(items)
                    if items.iter().all(|n| matches!(n.kind, NodeKind::Mapping(_))) =>
                {
                    items.iter().collect()
                }
                _ => {
                    // the rest of the document is still read, without this merge
                    self.diagnostics.push(Diagnostic::new(
                        Code::InvalidMergeKey,
                        self.location(merge.value.span),
                        "the value of a `<<` merge key must be a mapping or a list of mappings",
                    )
                    .with_label(format!("found {}", merge.value.describe()))
                    .with_help("merge an anchored mapping (`<<: *defaults`) or a list of them (`<<: [*a, *b]`); keys written in this mapping win over merged ones"));
                    continue;
                }
            };
            let mut merged = Vec::new();
            for source in sources {
                for entry in source.as_mapping().unwrap_or_default() {
                    let Some(text) = entry.key.as_str() else {
                        continue;
                    };
                    if taken.insert(text.to_string()) {
                        merged.push(entry.clone());
                    }
                }
            }
            inserts.push((position, merged));
        }
        for (position, merged) in inserts.into_iter().rev() {
            result.splice(position..position, merged);
        }
        result
    }

    /// Ends a document cut short by an error, keeping what was read so far.
    fn abandon(&mut self) -> Document {
        while let Some(frame) = self.stack.pop() {
            let node = match frame {
                Frame::Sequence { start, items, .. } => Node {
                    kind: NodeKind::Sequence(items),
                    span: start,
                    anchor: None,
                },
                Frame::Mapping { start, entries, .. } => Node {
                    kind: NodeKind::Mapping(entries),
                    span: start,
                    anchor: None,
                },
            };
            // Placing a node cannot fail once the budget checks are behind us.
            let _ = self.finish(node, 0, 0, 0);
            if let Some(Frame::Mapping { key, .. }) = self.stack.last_mut() {
                key.take();
            }
        }
        self.anchors.clear();
        Document {
            root: self.root.take(),
            truncated: true,
        }
    }
}

/// Whether two scalar keys are equal; small mappings (nearly all of them) are compared
/// pairwise without allocating.
fn has_duplicate_keys(entries: &[Entry]) -> bool {
    if entries.len() <= 16 {
        return entries.iter().enumerate().any(|(i, a)| {
            a.key
                .as_str()
                .is_some_and(|k| entries[..i].iter().any(|b| b.key.as_str() == Some(k)))
        });
    }
    let mut seen = HashSet::with_capacity(entries.len());
    entries
        .iter()
        .filter_map(|e| e.key.as_str())
        .any(|k| !seen.insert(k))
}

fn is_merge_key(key: &Node) -> bool {
    key.as_scalar().is_some_and(|s| {
        s.text == "<<"
            && s.style == ScalarStyle::Plain
            && s.tag.as_deref().is_none_or(|t| t == "merge")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ParsedStream {
        parse_stream(text, FileId(0))
    }

    fn root(text: &str) -> Node {
        let parsed = parse(text);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        parsed.documents[0].root.clone().expect("a root node")
    }

    #[test]
    fn spans_point_at_keys_and_values() {
        let text = "a: 1\nlist:\n  - x\n  - 'y'\n";
        let node = root(text);
        let list = node.get("list").unwrap().as_sequence().unwrap();
        assert_eq!(&text[list[1].span.range()], "'y'");
        let key = &node.as_mapping().unwrap()[1].key;
        assert_eq!(&text[key.span.range()], "list");
    }

    #[test]
    fn aliases_copy_the_anchored_node_and_remember_both_places() {
        let text = "a: &x hello\nb: *x\n";
        let node = root(text);
        let b = node.get("b").unwrap();
        assert_eq!(b.as_str(), Some("hello"));
        assert_eq!(&text[b.span.range()], "*x");
        assert_eq!(&text[b.anchor.unwrap().range()], "hello");
    }

    #[test]
    fn merge_keys_fill_in_missing_keys_only() {
        let node = root("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n");
        let m = node.get("m").unwrap();
        assert_eq!(m.get("x").and_then(Node::as_str), Some("1"));
        assert_eq!(m.get("y").and_then(Node::as_str), Some("3"));
        assert_eq!(m.as_mapping().unwrap().len(), 2);
    }

    #[test]
    fn merge_of_a_list_prefers_earlier_mappings() {
        let node = root("a: &a {k: 1}\nb: &b {k: 2, j: 3}\nm:\n  <<: [*a, *b]\n");
        let m = node.get("m").unwrap();
        assert_eq!(m.get("k").and_then(Node::as_str), Some("1"));
        assert_eq!(m.get("j").and_then(Node::as_str), Some("3"));
    }

    #[test]
    fn merge_of_a_scalar_is_an_error() {
        let parsed = parse("m:\n  <<: 5\n");
        assert_eq!(parsed.diagnostics[0].code, Code::InvalidMergeKey);
    }

    #[test]
    fn duplicate_keys_are_reported_with_both_places() {
        let parsed = parse("a: 1\nb: 2\na: 3\n");
        assert_eq!(parsed.diagnostics.len(), 1);
        let d = &parsed.diagnostics[0];
        assert_eq!(d.code, Code::DuplicateKey);
        assert_eq!(d.location.span, Some(Span::new(10, 11)));
        assert_eq!(d.related[0].location.span, Some(Span::new(0, 1)));
        // the first value is kept
        let root = parsed.documents[0].root.as_ref().unwrap();
        assert_eq!(root.get("a").and_then(Node::as_str), Some("1"));
    }

    #[test]
    fn syntax_errors_give_a_position_and_later_documents_survive() {
        let text = "a: b: c\n---\nok: 1\n";
        let parsed = parse(text);
        assert_eq!(parsed.diagnostics.len(), 1);
        assert_eq!(parsed.diagnostics[0].code, Code::YamlSyntax);
        assert!(
            parsed
                .documents
                .last()
                .unwrap()
                .root
                .as_ref()
                .unwrap()
                .get("ok")
                .is_some()
        );
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let started = std::time::Instant::now();
        let parsed = parse(&text);
        assert!(parsed.diagnostics.iter().any(|d| d.code == Code::YamlLimit));
        assert!(started.elapsed().as_secs() < 5);
    }

    #[test]
    fn flow_collections_span_their_brackets_and_block_ones_their_items() {
        let text = "a: [ x , y ]\nb: {k: v}\nc:\n  - x\n  - y\nd: 1\n";
        let parsed = parse(text);
        let root = parsed.documents[0].root.as_ref().unwrap();
        let spanned = |key: &str| &text[root.get(key).unwrap().span.range()];
        assert_eq!(spanned("a"), "[ x , y ]");
        assert_eq!(spanned("b"), "{k: v}");
        assert_eq!(spanned("c"), "- x\n  - y");
    }

    /// Few aliases, each copying a long string: a bomb by bytes rather than by nodes.
    #[test]
    fn aliases_of_long_strings_are_weighed_by_their_length() {
        let mut text = format!("s: &s {}\nlist:\n", "x".repeat(100_000));
        text.push_str(&"  - *s\n".repeat(20_000));
        let started = std::time::Instant::now();
        let parsed = parse(&text);
        assert!(
            parsed.diagnostics.iter().any(|d| d.code == Code::YamlLimit),
            "{:?}",
            parsed.diagnostics
        );
        assert!(started.elapsed().as_secs() < 5);
        // the same string a few times is ordinary reuse
        let mut text = format!("s: &s {}\nlist:\n", "x".repeat(100_000));
        text.push_str(&"  - *s\n".repeat(20));
        assert!(parse(&text).diagnostics.is_empty());
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack() {
        for text in [
            "[".repeat(100_000),
            "- ".repeat(100_000),
            "{a: ".repeat(100_000),
        ] {
            let parsed = parse(&text);
            assert!(
                parsed
                    .diagnostics
                    .iter()
                    .any(|d| d.code == Code::YamlLimit || d.code == Code::YamlSyntax),
                "{:?}",
                parsed.diagnostics
            );
        }
    }

    #[test]
    fn truncated_documents_keep_what_was_read() {
        let parsed = parse("metadata:\n  name: x\nspec: [\n");
        let doc = &parsed.documents[0];
        assert!(doc.truncated);
        let root = doc.root.as_ref().unwrap();
        assert_eq!(
            root.get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(Node::as_str),
            Some("x")
        );
    }
}

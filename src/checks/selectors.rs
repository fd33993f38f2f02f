//! Selectors: regular expressions on operations, mappers and resources.
//!
//! The runtime anchors a selector textually (`^` and `$` are added unless already there) and
//! compiles it with Go's RE2; operations and resources are first-match lists. So this check
//! parses each anchored selector (after translating the few Go-only spellings), warns when
//! the textual anchoring changes what an alternation means, and finds entries that can never
//! match because an earlier entry matches everything.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use regex_syntax::hir::{Class, Hir, HirKind};

use super::Context;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{Domain, Meta, Section, Text};
use crate::sources::Span;

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let per_domain: Vec<(Vec<Diagnostic>, HashSet<Span>)> = cx
        .domains
        .par_iter()
        .enumerate()
        .map(|(d, domain)| check_domain(cx, d, domain))
        .collect();
    let mut catch_alls = Vec::new();
    for (found, spans) in per_domain {
        out.extend(found);
        catch_alls.push(spans);
    }
    across_domains(cx, &catch_alls, out);
}

/// The runtime matches an operation against every domain and treats a match in more than
/// one as unknown: a catch-all, or the same selector in two domains, makes requests ambiguous.
fn across_domains(cx: &Context<'_>, catch_alls: &[HashSet<Span>], out: &mut Vec<Diagnostic>) {
    let mut first_with_selector: HashMap<&str, (usize, &Meta, &Text)> = HashMap::new();
    let with_operations: Vec<usize> = (0..cx.domains.len())
        .filter(|&d| !cx.domains[d].operations.is_empty())
        .collect();
    for (d, domain) in cx.domains.iter().enumerate() {
        for operation in &domain.operations {
            for selector in &operation.selectors {
                if catch_alls[d].contains(&selector.span) {
                    let others: Vec<&str> = with_operations
                        .iter()
                        .filter(|&&o| o != d && cx.domains[o].name.value != domain.name.value)
                        .map(|&o| cx.domains[o].name.value.as_str())
                        .collect();
                    if let Some(first) = others.first() {
                        let list = others
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ");
                        out.push(
                            Diagnostic::new(
                                Code::AmbiguousAcrossDomains,
                                cx.at(d, selector.span),
                                format!(
                                    "selector `{}` of operation `{}` in domain `{}` also matches every operation of {}",
                                    selector.value,
                                    operation.meta.id().unwrap_or("?"),
                                    domain.name.value,
                                    if others.len() == 1 { format!("domain `{first}`") } else { format!("domains {list}") }
                                ),
                            )
                            .with_label("matches operations of other domains too")
                            .with_help(format!("operations are matched across all loaded domains and a request that matches two is treated as unknown (denied); scope the catch-all to this domain's services, such as `{}:.*`", domain.name.value)),
                        );
                    }
                    continue;
                }
                match first_with_selector.get(selector.value.as_str()) {
                    Some(&(o, other, first)) if cx.domains[o].name.value != domain.name.value => out.push(
                        Diagnostic::new(
                            Code::AmbiguousAcrossDomains,
                            cx.at(d, selector.span),
                            format!(
                                "selector `{}` of operation `{}` in domain `{}` is also a selector of operation `{}` in domain `{}`",
                                selector.value,
                                operation.meta.id().unwrap_or("?"),
                                domain.name.value,
                                other.id().unwrap_or("?"),
                                cx.domains[o].name.value
                            ),
                        )
                        .with_label("also matched by another domain")
                        .with_related(cx.at(o, first.span), "the same selector in another domain")
                        .with_help("a request that matches operations in two domains is treated as unknown (denied); keep each operation in one domain"),
                    ),
                    Some(_) => {}
                    None => {
                        first_with_selector.insert(&selector.value, (d, &operation.meta, selector));
                    }
                }
            }
        }
    }
}

/// Checks one domain's selectors; also returns the spans of its catch-all selectors.
fn check_domain(cx: &Context<'_>, d: usize, domain: &Domain) -> (Vec<Diagnostic>, HashSet<Span>) {
    let mut out = Vec::new();
    let text = &cx.sources.get(domain.file).text;
    let mut catch_alls = HashSet::new();
    for (section, meta, selectors) in domain.selector_lists() {
        for selector in selectors {
            match classify(&selector.value) {
                Err(error) => out.push(invalid(cx, d, text, selector, &error)),
                Ok(catch_all) => {
                    if catch_all {
                        catch_alls.insert(selector.span);
                    }
                    out.extend(surprising_anchoring(cx, d, section, meta, selector));
                }
            }
        }
    }
    for section in [Section::Operation, Section::Resource] {
        shadowed(
            cx,
            d,
            domain,
            section,
            |s: &Text| catch_alls.contains(&s.span),
            &mut out,
        );
    }
    (out, catch_alls)
}

/// Whether a selector matches everything, or why it is invalid. Most selectors are literal
/// text with `.*`-style wildcards; those are valid by construction and skip the parser.
fn classify(selector: &str) -> Result<bool, SelectorError> {
    let body = selector.strip_prefix('^').unwrap_or(selector);
    let body = body.strip_suffix('$').unwrap_or(body);
    let mut previous_is_atom = false;
    let simple = body.chars().all(|c| match c {
        '*' | '+' | '?' => std::mem::replace(&mut previous_is_atom, false),
        c if c == '.' || is_plain_text(c) => {
            previous_is_atom = true;
            true
        }
        _ => false,
    });
    if simple
        && body
            .chars()
            .any(|c| c != '.' && c != '*' && c != '+' && c != '?')
    {
        return Ok(false);
    }
    compile(selector).map(|hir| matches_everything(&hir))
}

/// The pattern the runtime compiles: `^` and `$` added unless already present.
pub fn anchored(selector: &str) -> String {
    let mut pattern = String::with_capacity(selector.len() + 2);
    if !selector.starts_with('^') {
        pattern.push('^');
    }
    pattern.push_str(selector);
    if !selector.ends_with('$') {
        pattern.push('$');
    }
    pattern
}

/// Why a selector does not compile: what is wrong and, when known, the byte offset in the
/// selector as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectorError {
    pub offset: Option<usize>,
    pub message: String,
}

/// Parses a selector as the runtime (Go's `regexp`) would, returning its syntax tree.
pub fn compile(selector: &str) -> Result<Hir, SelectorError> {
    if let Some(error) = rejected_by_go_only(selector) {
        return Err(error);
    }
    regex_syntax::ParserBuilder::new()
        .build()
        .parse(&go_to_rust(&anchored(selector)))
        .map_err(|error| {
            let (offset, message) = match &error {
                regex_syntax::Error::Parse(e) => (e.span().start.offset, e.kind().to_string()),
                regex_syntax::Error::Translate(e) => (e.span().start.offset, e.kind().to_string()),
                _ => (0, error.to_string()),
            };
            // offsets are into the translated pattern: they hold for the selector only when
            // translation changed nothing but the added `^`
            let prefix = usize::from(!selector.starts_with('^'));
            let offset = offset
                .checked_sub(prefix)
                .filter(|&at| at < selector.len() && go_to_rust(selector) == selector);
            SelectorError { offset, message }
        })
}

/// Most repetitions allowed by Go's `regexp` (`a{1001}` is an error there).
const GO_MAX_REPEAT: u32 = 1000;

/// What Go's parser rejects and Rust's accepts: stacked repetition operators (`a**`, `a+?+`,
/// `a{2}{3}`; only one `?` may follow an operator, making it lazy) and repeat counts above
/// [`GO_MAX_REPEAT`].
fn rejected_by_go_only(selector: &str) -> Option<SelectorError> {
    if let Some(error) = unknown_property(selector) {
        return Some(error);
    }
    let bytes = selector.as_bytes();
    let mut i = 0;
    // the previous token was a repetition operator (and whether it was already made lazy)
    let mut after_repeat: Option<bool> = None;
    // Go bounds the product of nested counts (`(a{100}){100}`): the largest product inside
    // each open group, and that of the atom just read (a group's, or 1)
    let mut groups: Vec<u64> = Vec::new();
    let mut atom: u64 = 1;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\\' => {
                i = skip_escape(bytes, i);
                (after_repeat, atom) = (None, 1);
                continue;
            }
            b'[' => {
                i = skip_class(bytes, i);
                (after_repeat, atom) = (None, 1);
                continue;
            }
            b'(' => {
                groups.push(1);
                (after_repeat, atom) = (None, 1);
                i += 1;
                continue;
            }
            b')' => {
                atom = groups.pop().unwrap_or(1);
                if let Some(outer) = groups.last_mut() {
                    *outer = (*outer).max(atom);
                }
                after_repeat = None;
                i += 1;
                continue;
            }
            b'*' | b'+' | b'?' | b'{' => {
                let end = if c == b'{' {
                    match repetition_end(bytes, i) {
                        Some(end) => end,
                        None => {
                            // a literal brace
                            after_repeat = None;
                            i += 1;
                            continue;
                        }
                    }
                } else {
                    i + 1
                };
                if c == b'{' {
                    let counts = &selector[i + 1..end - 1];
                    let too_many = counts
                        .split(',')
                        .filter(|n| !n.is_empty())
                        .any(|n| n.parse::<u32>().map_or(true, |n| n > GO_MAX_REPEAT));
                    if too_many {
                        return Some(SelectorError {
                            offset: Some(i),
                            message: format!(
                                "invalid repeat count `{}`: Go allows at most {GO_MAX_REPEAT}",
                                &selector[i..end]
                            ),
                        });
                    }
                    // the bound of `{n,m}` is m, or n when it is open
                    let mut numbers = counts.split(',').map(|n| n.parse::<u64>().ok());
                    let min = numbers.next().flatten().unwrap_or(0);
                    let bound = numbers.next().map_or(min, |max| max.unwrap_or(min));
                    let product = bound * atom;
                    if (min >= 2 || bound >= 2) && product > u64::from(GO_MAX_REPEAT) {
                        return Some(SelectorError {
                            offset: Some(i),
                            message: format!(
                                "invalid repeat count `{}`: nested counts multiply to {product}, and Go allows at most {GO_MAX_REPEAT}",
                                &selector[i..end]
                            ),
                        });
                    }
                    if let Some(outer) = groups.last_mut() {
                        *outer = (*outer).max(product);
                    }
                }
                match after_repeat {
                    Some(false) if c == b'?' => after_repeat = Some(true),
                    Some(_) => {
                        return Some(SelectorError {
                            offset: Some(i),
                            message: format!(
                                "invalid nested repetition operator `{}`: Go does not stack repetitions; group the inner one, as in `(a*)*`",
                                &selector[i..end]
                            ),
                        });
                    }
                    None => after_repeat = Some(false),
                }
                i = end;
                continue;
            }
            _ => (after_repeat, atom) = (None, 1),
        }
        i += 1;
    }
    None
}

/// Go's two-letter (and one-letter) general categories, the only property names besides
/// scripts that its `\p{...}` knows.
const GO_CATEGORIES: &[&str] = &[
    "C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn", "N",
    "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So",
    "Z", "Zl", "Zp", "Zs", "Any",
];

/// A `\p{...}` or `\P{...}` that Go does not know: Go takes a general category or a script
/// name spelled exactly (`Lu`, `Greek`, `Old_Italic`), optionally negated with `^`, while
/// Rust also takes other properties, loose spellings and `name=value` forms.
fn unknown_property(selector: &str) -> Option<SelectorError> {
    let bytes = selector.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        let next = skip_escape(bytes, i);
        if matches!(bytes.get(i + 1), Some(b'p' | b'P')) && bytes.get(i + 2) == Some(&b'{') {
            let inside = selector.get(i + 3..next.saturating_sub(1)).unwrap_or("");
            let name = inside.strip_prefix('^').unwrap_or(inside);
            let script_like = name.split('_').all(|word| {
                word.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                    && word.chars().all(|c| c.is_ascii_alphabetic())
            });
            let is_script = script_like
                && regex_syntax::ParserBuilder::new()
                    .build()
                    .parse(&format!(r"\p{{sc={name}}}"))
                    .is_ok();
            if !(GO_CATEGORIES.contains(&name) || is_script) {
                return Some(SelectorError {
                    offset: Some(i),
                    message: format!(
                        "unknown Unicode class `{}`: Go knows general categories (`L`, `Lu`, `Nd`, ...) and scripts (`Greek`, `Latin`, ...)",
                        &selector[i..next]
                    ),
                });
            }
        }
        i = next;
    }
    None
}

/// The index after the escape starting at `i`: `\x`, `\p{...}`, `\x{...}` or `\Q...\E`.
fn skip_escape(bytes: &[u8], i: usize) -> usize {
    let Some(&kind) = bytes.get(i + 1) else {
        return bytes.len();
    };
    let rest = i + 2;
    match kind {
        b'p' | b'P' | b'x' if bytes.get(rest) == Some(&b'{') => bytes[rest..]
            .iter()
            .position(|&b| b == b'}')
            .map_or(bytes.len(), |close| rest + close + 1),
        b'Q' => bytes[rest..]
            .windows(2)
            .position(|w| w == b"\\E")
            .map_or(bytes.len(), |at| rest + at + 2),
        _ => {
            // one character, however many bytes it takes
            let width = std::str::from_utf8(&bytes[i + 1..])
                .ok()
                .and_then(|s| s.chars().next())
                .map_or(1, char::len_utf8);
            i + 1 + width
        }
    }
}

/// The index after the character class starting at `i` (`[]a]`, `[^]a]`, `[[:alpha:]x]`).
fn skip_class(bytes: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    if bytes.get(j) == Some(&b'^') {
        j += 1;
    }
    if bytes.get(j) == Some(&b']') {
        j += 1;
    }
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j = skip_escape(bytes, j),
            b'[' if bytes.get(j + 1) == Some(&b':') => {
                j = bytes[j + 2..]
                    .windows(2)
                    .position(|w| w == b":]")
                    .map_or(j + 1, |at| j + 2 + at + 2);
            }
            b']' => return j + 1,
            _ => j += 1,
        }
    }
    bytes.len()
}

/// The index after `{n}`, `{n,}` or `{n,m}` starting at `i`, if that is what starts there.
fn repetition_end(bytes: &[u8], i: usize) -> Option<usize> {
    let close = bytes[i..].iter().position(|&b| b == b'}')?;
    let chars: Vec<char> = String::from_utf8_lossy(&bytes[i..=i + close])
        .chars()
        .collect();
    starts_repetition(&chars).then_some(i + close + 1)
}

fn invalid(
    cx: &Context<'_>,
    d: usize,
    source: &str,
    selector: &Text,
    error: &SelectorError,
) -> Diagnostic {
    let span = match (value_start(source, selector), error.offset) {
        (Some(start), Some(at)) => {
            let width = selector.value[at..]
                .chars()
                .next()
                .map_or(1, char::len_utf8);
            Span::new(start + at, start + at + width)
        }
        _ => selector.span,
    };
    Diagnostic::new(
        Code::InvalidSelector,
        cx.at(d, span),
        format!("invalid selector `{}`: {}", selector.value, error.message),
    )
        .with_label("here")
    .with_help("selectors are RE2 regular expressions, matched against the whole operation or resource name")
}

/// Where the selector's characters start in the source, when they are written verbatim
/// (plain or quoted without escapes), so an error can point at the exact character.
fn value_start(source: &str, text: &Text) -> Option<usize> {
    let written = source.get(text.span.range())?;
    if written == text.value {
        return Some(text.span.start as usize);
    }
    let quoted = written.len() >= 2
        && (written.starts_with('"') && written.ends_with('"')
            || written.starts_with('\'') && written.ends_with('\''));
    (quoted && written[1..written.len() - 1] == text.value).then_some(text.span.start as usize + 1)
}

fn surprising_anchoring(
    cx: &Context<'_>,
    d: usize,
    section: Section,
    meta: &Meta,
    selector: &Text,
) -> Option<Diagnostic> {
    let value = &selector.value;
    if value.starts_with('^') && value.ends_with('$') || !has_top_level_alternation(value) {
        return None;
    }
    let anchored = anchored(value);
    let alternatives = top_level_alternatives(value);
    let (first, last) = (alternatives.first()?, alternatives.last()?);
    Some(
        Diagnostic::new(
            Code::SurprisingAnchoring,
            cx.at(d, selector.span),
                        format!(
                "selector `{value}` of {} `{}` is anchored as `{anchored}`",
                section.noun(),
                meta.id().unwrap_or("?")
            ),
        )
        .with_label(format!(
            "matches anything starting with `{first}` or ending with `{last}`"
        ))
        .with_help(format!(
            "the runtime adds `^` and `$` as text, so they bind only to the outer alternatives; write `({value})` to match exactly one of them"
        )),
    )
}

/// Whether `|` appears outside any group or class.
fn has_top_level_alternation(pattern: &str) -> bool {
    top_level_alternatives(pattern).len() > 1
}

/// `pattern` split at the `|` outside groups, classes and escapes (`(a|b)|c` is `(a|b)`, `c`).
fn top_level_alternatives(pattern: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut in_class = false;
    let mut start = 0;
    let mut chars = pattern.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class => depth += 1,
            ')' if !in_class => depth = depth.saturating_sub(1),
            '|' if !in_class && depth == 0 => {
                parts.push(&pattern[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&pattern[start..]);
    parts
}

/// Entries no name can reach and selectors that never decide a match: the runtime tries
/// entries in order and the first match wins, so a later selector is dead when an earlier one
/// matches everything, is the same text, or is a literal prefix followed by `.*` that every
/// name the later selector matches starts with (`payments:.*` before `payments:refund:.*`).
fn shadowed(
    cx: &Context<'_>,
    d: usize,
    domain: &Domain,
    section: Section,
    is_catch_all: impl Fn(&Text) -> bool,
    out: &mut Vec<Diagnostic>,
) {
    let entries: Vec<(&Meta, &[Text])> = domain
        .selector_lists()
        .into_iter()
        .filter(|(s, _, _)| *s == section)
        .map(|(_, meta, selectors)| (meta, selectors))
        .collect();
    let what = |meta: &Meta| match meta.id() {
        Some(id) => format!("{} `{id}`", section.noun()),
        None => format!("{} at index {}", section.noun(), meta.index),
    };
    let mut catch_all: Option<&Meta> = None;
    // earlier selectors by text, and earlier `P.*` selectors by their literal prefix `P`
    let mut same: HashMap<&str, (&Meta, &Text)> = HashMap::new();
    let mut prefixes: HashMap<String, (&Meta, &Text)> = HashMap::new();
    for (meta, selectors) in entries {
        if let Some(first) = catch_all {
            out.push(
                Diagnostic::new(
                    Code::ShadowedEntry,
                    cx.at(d, meta.anchor_span()),
                    format!("{} can never match: {} above matches everything", what(meta), what(first)),
                )
                .with_label("unreachable")
                .with_related(cx.at(d, first.anchor_span()), "this entry matches first, every time")
                .with_help(format!(
                    "{}s are tried in order and the first match wins; move this entry above the catch-all or remove it",
                    section.noun()
                )),
            );
            continue;
        }
        let covered: Vec<(&Text, &Meta, &Text)> = selectors
            .iter()
            .filter_map(|selector| {
                let by_text = same
                    .get(selector.value.as_str())
                    .filter(|(owner, _)| !std::ptr::eq(*owner, meta));
                let by_prefix = || {
                    let prefix = literal_prefix(&selector.value);
                    (1..=prefix.len())
                        .filter(|&n| prefix.is_char_boundary(n))
                        .find_map(|n| prefixes.get(&prefix[..n]))
                        .filter(|(owner, _)| !std::ptr::eq(*owner, meta))
                };
                by_text
                    .or_else(by_prefix)
                    .map(|(owner, first)| (selector, *owner, *first))
            })
            .collect();
        if !selectors.is_empty() && covered.len() == selectors.len() {
            let (_, owner, first) = covered[0];
            out.push(
                Diagnostic::new(
                    Code::ShadowedEntry,
                    cx.at(d, meta.anchor_span()),
                    format!(
                        "{} can never match: every name it matches is matched first by {} above",
                        what(meta),
                        what(owner)
                    ),
                )
                .with_label("unreachable")
                .with_related(cx.at(d, first.span), format!("`{}` matches first", first.value))
                .with_help(format!(
                    "{}s are tried in order and the first match wins; move this entry above the broader one, or remove it",
                    section.noun()
                )),
            );
        } else {
            for (selector, owner, first) in &covered {
                out.push(
                    Diagnostic::new(
                        Code::ShadowedSelector,
                        cx.at(d, selector.span),
                        format!(
                            "selector `{}` of {} is already covered by selector `{}` of {}",
                            selector.value,
                            what(meta),
                            first.value,
                            what(owner)
                        ),
                    )
                    .with_label("never decides a match here")
                    .with_related(cx.at(d, first.span), "this earlier entry wins")
                    .with_help("the first matching entry wins, so this selector is dead here; remove it or reorder the entries"),
                );
            }
        }
        for selector in selectors {
            same.entry(&selector.value).or_insert((meta, selector));
            if let Some(prefix) = prefix_catch_all(&selector.value) {
                prefixes.entry(prefix).or_insert((meta, selector));
            }
        }
        if selectors.iter().any(&is_catch_all) {
            catch_all = Some(meta);
        }
    }
}

/// A literal character of a selector: plain text, or an escaped punctuation character.
fn literal_char(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<char> {
    match *chars.peek()? {
        '\\' => {
            let mut ahead = chars.clone();
            ahead.next();
            let escaped = ahead.next().filter(|c| c.is_ascii_punctuation())?;
            chars.next();
            chars.next();
            Some(escaped)
        }
        c if is_plain_text(c) => {
            chars.next();
            Some(c)
        }
        _ => None,
    }
}

/// The text every name a selector matches starts with; empty when unknown (a top-level `|`).
fn literal_prefix(selector: &str) -> String {
    if has_top_level_alternation(selector) {
        return String::new();
    }
    let body = selector.strip_prefix('^').unwrap_or(selector);
    let mut chars = body.chars().peekable();
    let mut prefix = String::new();
    while let Some(c) = literal_char(&mut chars) {
        prefix.push(c);
    }
    // a quantifier after the last literal may make it optional
    if matches!(chars.peek(), Some('*' | '?' | '{')) {
        prefix.pop();
    }
    prefix
}

/// `P` when a selector is a literal `P` followed by `.*` (anchors allowed).
fn prefix_catch_all(selector: &str) -> Option<String> {
    let body = selector.strip_prefix('^').unwrap_or(selector);
    let body = body.strip_suffix('$').unwrap_or(body);
    let literal = body.strip_suffix(".*")?;
    let mut chars = literal.chars().peekable();
    let mut prefix = String::new();
    while let Some(c) = literal_char(&mut chars) {
        prefix.push(c);
    }
    (chars.peek().is_none() && !prefix.is_empty()).then_some(prefix)
}

/// Whether a pattern matches every non-empty single-line string (`.*`, `^.+$`, `(.*)`, ...).
pub fn matches_everything(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Capture(capture) => matches_everything(&capture.sub),
        HirKind::Alternation(alternatives) => alternatives.iter().any(matches_everything),
        HirKind::Repetition(repetition) => {
            repetition.min <= 1 && repetition.max.is_none() && any_character(&repetition.sub)
        }
        HirKind::Concat(parts) => {
            let mut minimum = 0;
            let mut catch_alls = 0;
            for part in parts {
                match part.kind() {
                    // the anchors the runtime adds hold for every string; word boundaries
                    // and the like do not
                    HirKind::Look(look) if is_text_anchor(*look) => {}
                    HirKind::Empty => {}
                    _ if matches_everything(part) => {
                        catch_alls += 1;
                        if let HirKind::Repetition(r) = part.kind() {
                            minimum += r.min;
                        }
                    }
                    _ => return false,
                }
            }
            catch_alls > 0 && minimum <= 1
        }
        _ => false,
    }
}

/// `^`, `$`, `\A`, `\z` and their multi-line forms: true at the ends of any subject.
fn is_text_anchor(look: regex_syntax::hir::Look) -> bool {
    use regex_syntax::hir::Look;
    matches!(
        look,
        Look::Start | Look::End | Look::StartLF | Look::EndLF | Look::StartCRLF | Look::EndCRLF
    )
}

/// Whether a class matches every character, except perhaps a newline.
fn any_character(hir: &Hir) -> bool {
    let HirKind::Class(class) = hir.kind() else {
        return false;
    };
    match class {
        Class::Unicode(class) => {
            let covered: u64 = class
                .ranges()
                .iter()
                .map(|r| u64::from(r.end()) - u64::from(r.start()) + 1)
                .sum();
            // all Unicode scalar values (no surrogates), less at most `\n`
            covered >= 0x11_0000 - 0x800 - 1
        }
        Class::Bytes(class) => {
            let covered: u32 = class
                .ranges()
                .iter()
                .map(|r| u32::from(r.end()) - u32::from(r.start()) + 1)
                .sum();
            covered >= 255
        }
    }
}

/// Rewrites the Go RE2 spellings that Rust's parser reads differently: `\Q...\E` literal
/// runs, and a `{` that does not start a repetition (a literal brace in Go).
fn go_to_rust(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len());
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            // `\p{Greek}` and `\x{FF}`: the braces belong to the escape
            if matches!(chars[i + 1], 'p' | 'P' | 'x') && chars.get(i + 2) == Some(&'{') {
                let close = chars[i..]
                    .iter()
                    .position(|&c| c == '}')
                    .map_or(chars.len(), |at| i + at + 1);
                // Go negates with `^` inside the braces, Rust with the capital letter
                if chars[i + 1] != 'x' && chars.get(i + 3) == Some(&'^') {
                    out.push('\\');
                    out.push(if chars[i + 1] == 'p' { 'P' } else { 'p' });
                    out.push('{');
                    out.extend(&chars[i + 4..close]);
                } else {
                    out.extend(&chars[i..close]);
                }
                i = close;
                continue;
            }
            if chars[i + 1] == 'Q' && !in_class {
                i += 2;
                while i < chars.len() && !(chars[i] == '\\' && chars.get(i + 1) == Some(&'E')) {
                    if regex_syntax::is_meta_character(chars[i]) {
                        out.push('\\');
                    }
                    out.push(chars[i]);
                    i += 1;
                }
                i += 2;
                continue;
            }
            out.push(c);
            out.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if in_class {
            if c == ']' {
                in_class = false;
            }
        } else if c == '[' {
            in_class = true;
            out.push(c);
            i += 1;
            // `[]...]` and `[^]...]` start with a literal `]`
            if chars.get(i) == Some(&'^') {
                out.push('^');
                i += 1;
            }
            if chars.get(i) == Some(&']') {
                out.push_str("\\]");
                i += 1;
            }
            continue;
        } else if c == '{' && !starts_repetition(&chars[i..]) {
            out.push_str("\\{");
            i += 1;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// `{n}`, `{n,}` or `{n,m}`.
fn starts_repetition(chars: &[char]) -> bool {
    let Some(close) = chars.iter().position(|&c| c == '}') else {
        return false;
    };
    let inner: String = chars[1..close].iter().collect();
    let mut parts = inner.splitn(2, ',');
    let min = parts.next().unwrap_or("");
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    digits(min) && parts.next().is_none_or(|max| max.is_empty() || digits(max))
}

/// Characters that stand for themselves in a regular expression: what MRNs and operation
/// names are made of. `.` is not among them, being the wildcard.
fn is_plain_text(c: char) -> bool {
    const PUNCTUATION: &str = ":-_/@ #=,;%~!&'\"<>";
    c.is_alphanumeric() || PUNCTUATION.contains(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn everything(selector: &str) -> bool {
        matches_everything(&compile(selector).unwrap())
    }

    #[test]
    fn anchoring_is_textual_like_the_runtime() {
        assert_eq!(anchored("a|b"), "^a|b$");
        assert_eq!(anchored("^a.*"), "^a.*$");
        assert_eq!(anchored("x$"), "^x$");
    }

    #[test]
    fn catch_alls_are_recognised() {
        assert!(everything(".*"));
        assert!(everything("^.*$"));
        assert!(everything(".+"));
        assert!(everything("(.*)"));
        assert!(everything("(?s).*"));
        assert!(everything("x|.*"));
        assert!(!everything("a.*"));
        assert!(!everything(".*:get"));
        assert!(!everything(".?"));
        assert!(!everything("[a-z]*"));
        assert!(!everything(r"\B.*"));
        assert!(!everything(r".*\b"));
        assert!(everything(r"(?m)^.*$"));
    }

    #[test]
    fn the_fast_path_agrees_with_the_parser() {
        for selector in [
            "svc:op:.*",
            "a.b",
            "x+",
            "^api:get$",
            ".*",
            ".+",
            "a|b",
            "[x",
            "*a",
            "a**",
            "é:.*",
        ] {
            let slow = compile(selector).map(|hir| matches_everything(&hir));
            assert_eq!(classify(selector).is_ok(), slow.is_ok(), "{selector}");
            assert_eq!(classify(selector).ok(), slow.ok(), "{selector}");
        }
    }

    #[test]
    fn literal_prefixes_and_prefix_catch_alls() {
        assert_eq!(literal_prefix("payments:refund:.*"), "payments:refund:");
        assert_eq!(literal_prefix("^api\\.v1:get$"), "api.v1:get");
        assert_eq!(literal_prefix("abc*"), "ab");
        assert_eq!(literal_prefix("a|b"), "");
        assert_eq!(
            prefix_catch_all("payments:.*"),
            Some("payments:".to_string())
        );
        assert_eq!(
            prefix_catch_all("^payments:.*$"),
            Some("payments:".to_string())
        );
        assert_eq!(prefix_catch_all("pay(ments)?:.*"), None);
        assert_eq!(prefix_catch_all(".*"), None);
    }

    #[test]
    fn go_rejects_stacked_repetitions_and_large_counts() {
        for (selector, at) in [
            ("a**", 2),
            ("a++", 2),
            ("a?*", 2),
            ("a*?*", 3),
            ("c{2}{3}", 4),
            ("a*{2}", 2),
            ("b{1001}", 1),
            ("b{1,1001}", 1),
            ("(a{100}){100}", 8),
            ("(a{1000}){2}", 9),
            (r"\p{Alphabetic}", 0),
            (r"x\p{greek}", 1),
            (r"\p{gc=L}", 0),
            (r"[\p{Emoji}]", 1),
        ] {
            let error = compile(selector).expect_err(selector);
            assert_eq!(error.offset, Some(at), "{selector}: {}", error.message);
        }
        for selector in [
            "a*?",
            "a+?b*",
            "a{2}?",
            "b{1000}",
            "(a*)*",
            r"\**",
            "[*]*",
            r"\Q**\E",
            "x{y}*",
            "[[:alpha:]*]+",
            "(a{10}){100}",
            "(a{2}|b){500}",
            r"\p{^Greek}\P{^Latin}\p{Old_Italic}\pL\p{Lu}",
        ] {
            assert!(compile(selector).is_ok(), "{selector}");
        }
    }

    #[test]
    fn go_spellings_are_accepted() {
        assert!(compile(r"\p{Lu}.*").is_ok());
        assert!(compile(r"\p{Greek}+").is_ok());
        assert!(compile(r"\P{Latin}").is_ok());
        assert!(compile(r"\x{FF}\x{FFFF}").is_ok());
        assert!(compile(r"[\p{Greek}\x{41}]").is_ok());
        assert!(compile(r"\Qa.b\E").is_ok());
        assert!(compile("foo{bar}").is_ok());
        assert!(compile("a{2}").is_ok());
        assert!(compile("[]a]").is_ok());
        assert!(compile("[oops").is_err());
        assert!(compile("a{2,1}").is_err());
    }

    #[test]
    fn top_level_alternation_ignores_groups_classes_and_escapes() {
        assert!(has_top_level_alternation("a|b"));
        assert!(!has_top_level_alternation("(a|b)"));
        assert!(!has_top_level_alternation("[|]"));
        assert!(!has_top_level_alternation(r"a\|b"));
        assert_eq!(top_level_alternatives("(a|b)|c|[|]"), ["(a|b)", "c", "[|]"]);
    }
}

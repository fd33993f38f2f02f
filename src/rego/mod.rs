//! Rego: parse and compile-check the Rego of every policy, library and mapper, in Rust.
//!
//! The runtime compiles a policy together with its library dependencies (transitively,
//! across domains); a library only sees its own dependencies; a mapper is compiled alone.
//! pdc does the same: every module is parsed and analysed once (in parallel), its calls are
//! collected, and each call is resolved against the functions of the module's own library
//! closure. Errors are located at the line and column inside the YAML block scalar, or inside
//! the `.rego` file for `rego_filename`.
//!
//! Parsing and safety analysis come from the `regorus` crate; resolving calls against
//! dependencies, and the conventions (`package authz` and `allow` for policies, `package mapper`
//! and `porc` for mappers, unique library packages), are pdc's own.

mod builtins;
mod placement;
mod summary;

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::checks::Context;
use crate::diagnostics::{Code, Diagnostic, suggest};
use crate::index::{EntityId, Resolution};
use crate::model::Section;
pub use placement::Placement;
use summary::{RegoPos, Summary};

/// The Rego syntax modules are written in. v0 is the incumbent's default (`--v0-compatible`);
/// a module with `import rego.v1` is read as v1 either way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegoVersion {
    #[default]
    V0,
    V1,
}

impl RegoVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            RegoVersion::V0 => "v0",
            RegoVersion::V1 => "v1",
        }
    }
}

/// One piece of Rego: whose it is and where its text lives.
struct Unit<'a> {
    entity: EntityId,
    text: &'a str,
    placement: Placement,
    /// Name given to the parser, to tell this module's errors from its dependencies'.
    path: String,
}

/// An error reported by the Rego parser or analyser, in Rego coordinates.
#[derive(Clone, Debug)]
struct RegoError {
    path: String,
    pos: RegoPos,
    message: String,
}

/// What analysing one module alone found.
struct Analysis {
    summary: Option<Summary>,
    parse_error: Option<RegoError>,
    analyzer_error: Option<RegoError>,
}

/// Runs every Rego check.
pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let units = collect_units(cx);
    let version = cx.rego_version;
    let analyses: Vec<Analysis> = units
        .par_iter()
        .map(|u| analyze(u.text, &u.path, version))
        .collect();
    let by_entity: HashMap<EntityId, usize> = units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.entity, i))
        .collect();
    let closures: Vec<Closure> = (0..units.len())
        .map(|i| closure(cx, &units, &by_entity, i))
        .collect();

    // Who defines each function, and which libraries declare each package.
    let mut providers: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, analysis) in analyses.iter().enumerate() {
        if units[i].entity.section != Section::Library {
            continue;
        }
        if let Some(summary) = &analysis.summary {
            for function in &summary.functions {
                providers.entry(function).or_default().push(i);
            }
        }
    }

    let per_unit: Vec<Vec<Diagnostic>> = (0..units.len())
        .into_par_iter()
        .map(|i| {
            let mut found = Vec::new();
            let unit = &units[i];
            let analysis = &analyses[i];
            if let Some(error) = &analysis.parse_error {
                found.push(parse_diagnostic(cx, unit, error, version));
                return found;
            }
            if let Some(error) =
                confirmed_analyzer_error(&units, &analyses, &closures[i], i, version)
            {
                found.push(analyzer_diagnostic(cx, unit, &error));
            }
            if let Some(summary) = &analysis.summary {
                if closures[i].complete {
                    undefined_functions(
                        cx,
                        &units,
                        &analyses,
                        &closures[i],
                        &providers,
                        i,
                        summary,
                        &mut found,
                    );
                }
                conventions(cx, unit, summary, &mut found);
            }
            found
        })
        .collect();
    out.extend(per_unit.into_iter().flatten());
    duplicate_library_packages(cx, &units, &analyses, out);
}

fn collect_units<'a>(cx: &'a Context<'_>) -> Vec<Unit<'a>> {
    let mut units = Vec::new();
    for (d, domain) in cx.domains.iter().enumerate() {
        for (section, position, meta, rego) in domain.rego_holders() {
            let (Some(rego), Some(_)) = (rego, &meta.id) else {
                continue;
            };
            let Some((text, placement)) = placement::locate(cx.sources, domain.file, rego) else {
                continue;
            };
            let path = format!("unit-{}.rego", units.len());
            units.push(Unit {
                entity: EntityId {
                    domain: d as u32,
                    section,
                    index: position as u32,
                },
                text,
                placement,
                path,
            });
        }
    }
    units
}

/// Longest line, in the parser's columns, that pdc accepts (the parser's default is 1,024).
const MAX_COLUMN: u32 = 1 << 20;

/// The tokens of a module (without the end marker), lexed with the same line limit as
/// [`engine`] so the token scans see every module the parser will; `None` when it does not
/// lex, which the parser then reports.
fn lex(text: &str, path: &str) -> Option<Vec<regorus::unstable::Token>> {
    use regorus::unstable::{Lexer, Source, TokenKind};
    let source = Source::from_contents(path.to_string(), text.to_string()).ok()?;
    let mut lexer = Lexer::new(&source);
    lexer.set_max_col(std::num::NonZeroU32::new(MAX_COLUMN).expect("non-zero"));
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next_token().ok()?;
        if matches!(token.0, TokenKind::Eof) {
            return Some(tokens);
        }
        tokens.push(token);
    }
}

fn engine(version: RegoVersion) -> regorus::Engine {
    let mut engine = regorus::Engine::new();
    engine.set_rego_v0(version == RegoVersion::V0);
    engine.set_policy_length_config(regorus::PolicyLengthConfig {
        max_col: std::num::NonZeroU32::new(MAX_COLUMN).expect("non-zero"),
        max_file_bytes: std::num::NonZeroUsize::new(1 << 28).expect("non-zero"),
        max_lines: std::num::NonZeroUsize::new(1 << 24).expect("non-zero"),
    });
    engine
}

/// Deepest nesting of `[` and `{` (collections, rule bodies) pdc hands to the parser, whose
/// time grows exponentially with it (20 levels: half a second).
const MAX_COLLECTION_DEPTH: usize = 16;
/// Deepest nesting of parentheses, and most operators (or `.`) one expression may hold across
/// all the brackets it is inside: far above real policies, far below what overflows the
/// recursive parser's stack.
const MAX_PAREN_DEPTH: usize = 64;
const MAX_OPERATORS: usize = 256;

/// An open bracket while scanning a module, and the operators of the expression in progress
/// inside it.
struct Open {
    bracket: u8,
    operators: usize,
    /// Statements inside it end at a line break: a rule body or object/set (`{`), or a
    /// comprehension body (after `|` in `[`).
    statements: bool,
}

/// Rego shaped to exhaust the parser (deep nesting, operator chains thousands long) is
/// refused before it reaches it: the parser recurses and would crash or hang.
fn beyond_limits(tokens: &[regorus::unstable::Token], path: &str) -> Option<RegoError> {
    use regorus::unstable::TokenKind;
    // the module level behaves like a body: statements end at line breaks
    let mut open = vec![Open {
        bracket: b'{',
        operators: 0,
        statements: true,
    }];
    let (mut collections, mut parens, mut line) = (0usize, 0usize, 0u32);
    let mut after_operator = false;
    for token in tokens {
        let refuse = |what: String| {
            Some(RegoError {
                path: path.to_string(),
                pos: RegoPos::of(&token.1),
                message: format!("{what}; pdc does not check Rego shaped like this"),
            })
        };
        let text = token.1.text();
        let symbol = matches!(token.0, TokenKind::Symbol);
        let operator = symbol && !matches!(text, "[" | "{" | "(" | "]" | "}" | ")" | "," | ";");
        if token.1.line != line {
            line = token.1.line;
            // a line break ends a statement, unless an operator on either side continues it
            let innermost = open.last_mut().expect("the module level stays open");
            if innermost.statements && !after_operator && !operator {
                innermost.operators = 0;
            }
        }
        after_operator = operator;
        match (&token.0, text) {
            (TokenKind::Symbol, "[" | "{") | (_, "set(") | (TokenKind::Symbol, "(") => {
                let bracket = if text == "set(" {
                    b'('
                } else {
                    text.as_bytes()[0]
                };
                if bracket == b'(' {
                    parens += 1;
                    if parens > MAX_PAREN_DEPTH {
                        return refuse(format!(
                            "parentheses nested more than {MAX_PAREN_DEPTH} levels deep"
                        ));
                    }
                } else {
                    collections += 1;
                    if collections > MAX_COLLECTION_DEPTH {
                        return refuse(format!(
                            "brackets and braces nested more than {MAX_COLLECTION_DEPTH} levels deep"
                        ));
                    }
                }
                open.push(Open {
                    bracket,
                    operators: 0,
                    statements: bracket == b'{',
                });
            }
            (TokenKind::Symbol, "]" | "}" | ")") => {
                let wanted = match text {
                    "]" => b'[',
                    "}" => b'{',
                    _ => b'(',
                };
                if open.len() > 1 && open.last().is_some_and(|o| o.bracket == wanted) {
                    open.pop();
                    if wanted == b'(' {
                        parens -= 1;
                    } else {
                        collections -= 1;
                    }
                }
            }
            (TokenKind::Symbol, "," | ";") => {
                if let Some(innermost) = open.last_mut() {
                    innermost.operators = 0;
                }
            }
            (TokenKind::Symbol, "|") if open.last().is_some_and(|o| o.bracket == b'[') => {
                // `[term | body]`: the body holds statements
                if let Some(innermost) = open.last_mut() {
                    (innermost.operators, innermost.statements) = (0, true);
                }
            }
            _ if operator => {
                if let Some(innermost) = open.last_mut() {
                    innermost.operators += 1;
                }
                let total: usize = open.iter().map(|o| o.operators).sum();
                if total > MAX_OPERATORS {
                    return refuse(format!(
                        "more than {MAX_OPERATORS} operators or `.` in one expression"
                    ));
                }
            }
            _ => {}
        }
    }
    None
}

/// Parses and analyses one module on its own.
fn analyze(text: &str, path: &str, version: RegoVersion) -> Analysis {
    let tokens = lex(text, path).unwrap_or_default();
    if let Some(error) = beyond_limits(&tokens, path) {
        return Analysis {
            summary: None,
            parse_error: Some(error),
            analyzer_error: None,
        };
    }
    let mut engine = engine(version);
    if let Err(error) = engine.add_policy(path.to_string(), text.to_string()) {
        return Analysis {
            summary: None,
            parse_error: Some(parse_error_text(&error.to_string(), path, text)),
            analyzer_error: None,
        };
    }
    if version == RegoVersion::V0
        && let Some(error) = keyword_without_import(&tokens, path)
    {
        return Analysis {
            summary: None,
            parse_error: Some(error),
            analyzer_error: None,
        };
    }
    let summary = engine.get_modules().first().map(|m| summary::summarize(m));
    let analyzer_error = engine
        .eval_query("true".to_string(), false)
        .err()
        .map(|e| parse_error_text(&e.to_string(), path, text));
    Analysis {
        summary,
        parse_error: None,
        analyzer_error,
    }
}

/// Rego v1 keywords used in a v0 module that does not import them. OPA's v0 parser rejects
/// them; the parser pdc uses reads them as plain identifiers, so pdc looks for them itself.
fn keyword_without_import(tokens: &[regorus::unstable::Token], path: &str) -> Option<RegoError> {
    use regorus::unstable::TokenKind;
    let word = |i: usize| tokens.get(i).map(|t| t.1.text());
    let mut imported: HashSet<&str> = HashSet::new();
    for i in 0..tokens.len() {
        if word(i) != Some("import") {
            continue;
        }
        match (word(i + 1), word(i + 3), word(i + 5)) {
            (Some("rego"), Some("v1"), _) => return None,
            (Some("future"), Some("keywords"), Some(keyword)) if word(i + 4) == Some(".") => {
                imported.insert(keyword);
            }
            (Some("future"), Some("keywords"), _) => return None,
            _ => {}
        }
    }
    tokens.iter().enumerate().find_map(|(i, token)| {
        let name = token.1.text();
        // `input.request.in` is a field, not the keyword
        let field = i > 0 && word(i - 1) == Some(".");
        if !matches!(token.0, TokenKind::Ident) || imported.contains(name) || field {
            return None;
        }
        let keyword = match name {
            "if" | "every" | "in" => true,
            "contains" => word(i + 1) != Some("("),
            _ => false,
        };
        keyword.then(|| RegoError {
            path: path.to_string(),
            pos: RegoPos::of(&token.1),
            message: format!("`{name}` is a keyword only with `import future.keywords.{name}` or `import rego.v1` in Rego v0"),
        })
    })
}

/// Whether two Rego texts are the same program up to comments and formatting: their token
/// streams are equal. Text that does not tokenize is compared as it is.
pub fn same_program(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (tokens(a), tokens(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

fn tokens(text: &str) -> Option<Vec<String>> {
    Some(
        lex(text, "rego")?
            .iter()
            .map(|token| token.1.text().to_string())
            .collect(),
    )
}

/// Reads `--> file:line:col` and `error: message` out of the parser's rendered error about
/// `module` (the text given to the parser as `default_path`).
fn parse_error_text(text: &str, default_path: &str, module: &str) -> RegoError {
    let mut error = RegoError {
        path: default_path.to_string(),
        pos: RegoPos::START,
        message: text.trim().to_string(),
    };
    if let Some(location) = text.lines().find_map(|l| l.trim().strip_prefix("--> ")) {
        let mut parts = location.rsplitn(3, ':');
        let col = parts.next().and_then(|c| c.trim().parse().ok());
        let line = parts.next().and_then(|l| l.trim().parse().ok());
        if let (Some(line), Some(col), Some(path)) = (line, col, parts.next()) {
            error.path = path.to_string();
            let line_text = module.lines().nth((line as usize).saturating_sub(1));
            error.pos = RegoPos {
                line,
                col: line_text.map_or(col, |l| byte_column(l, col)),
                len: 1,
            };
        }
    }
    if let Some(index) = text.find("error: ") {
        let message = text[index + "error: ".len()..].trim();
        error.message = tidy(&message.lines().map(str::trim).collect::<Vec<_>>().join(" "));
    }
    // underline the whole variable an error names, when it is written there
    let named = error
        .message
        .split('`')
        .nth(1)
        .filter(|_| error.message.contains("variable `"));
    let at = module
        .lines()
        .nth(error.pos.line.saturating_sub(1) as usize)
        .and_then(|l| l.get(error.pos.col.saturating_sub(1) as usize..));
    if let (Some(name), Some(at)) = (named, at)
        && at.starts_with(name)
    {
        error.pos.len = name.len() as u32;
    }
    error
}

/// The 1-based byte column of the parser's column `col` in `line`: the parser counts a tab as
/// four columns and every other character as its UTF-8 length.
fn byte_column(line: &str, col: u32) -> u32 {
    let mut parser_col = 1u32;
    for (byte, ch) in line.char_indices() {
        if parser_col >= col {
            return byte as u32 + 1;
        }
        parser_col += if ch == '\t' { 4 } else { ch.len_utf8() as u32 };
    }
    line.len() as u32 + 1
}

/// Messages in pdc's style: one lower-case clause after another, no final period
/// (`expecting `package` Missing package declaration.` becomes
/// `expecting `package`; missing package declaration`).
fn tidy(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut previous = ' ';
    let mut chars = message.trim().trim_end_matches('.').chars().peekable();
    while let Some(c) = chars.next() {
        let next_upper = chars.peek().is_some_and(|n| n.is_ascii_uppercase());
        if c == ' ' && next_upper && (previous == '`' || previous == '.') {
            if previous == '.' {
                out.pop();
            }
            out.push_str("; ");
            if let Some(upper) = chars.next() {
                out.push(upper.to_ascii_lowercase());
                previous = upper;
            }
            continue;
        }
        out.push(c);
        previous = c;
    }
    out
}

/// A unit's libraries, transitively: what the runtime compiles it with.
struct Closure {
    /// Units of the libraries, in first-visit order.
    libraries: Vec<usize>,
    /// Every dependency resolved to a library that has Rego.
    complete: bool,
}

fn closure(
    cx: &Context<'_>,
    units: &[Unit<'_>],
    by_entity: &HashMap<EntityId, usize>,
    start: usize,
) -> Closure {
    let mut libraries = Vec::new();
    let mut seen = HashSet::from([start]);
    let mut complete = true;
    let mut stack = vec![start];
    while let Some(current) = stack.pop() {
        let entity = units[current].entity;
        let domain = &cx.domains[entity.domain as usize];
        let dependencies = match entity.section {
            Section::Library => &domain.libraries[entity.index as usize].dependencies,
            Section::Policy => &domain.policies[entity.index as usize].dependencies,
            _ => continue,
        };
        for dependency in dependencies.iter().rev() {
            match cx
                .index
                .resolve(entity.domain, &dependency.value, Section::Library)
            {
                Resolution::Found(library) => match by_entity.get(&library) {
                    Some(&unit) => {
                        if seen.insert(unit) {
                            libraries.push(unit);
                            stack.push(unit);
                        }
                    }
                    None => complete = false,
                },
                _ => complete = false,
            }
        }
    }
    Closure {
        libraries,
        complete,
    }
}

/// An analyser error seen alone is confirmed by compiling the module with its libraries, the
/// way the runtime does, since a call into a library can bind variables the module alone cannot.
fn confirmed_analyzer_error(
    units: &[Unit<'_>],
    analyses: &[Analysis],
    closure: &Closure,
    unit: usize,
    version: RegoVersion,
) -> Option<RegoError> {
    let alone = analyses[unit].analyzer_error.as_ref()?;
    if closure.libraries.is_empty() {
        return Some(alone.clone());
    }
    let mut engine = engine(version);
    for &library in &closure.libraries {
        if analyses[library].parse_error.is_some() {
            return None;
        }
        engine
            .add_policy(units[library].path.clone(), units[library].text.to_string())
            .ok()?;
    }
    engine
        .add_policy(units[unit].path.clone(), units[unit].text.to_string())
        .ok()?;
    let error = engine.eval_query("true".to_string(), false).err()?;
    let error = parse_error_text(&error.to_string(), &units[unit].path, units[unit].text);
    (error.path == units[unit].path).then_some(error)
}

fn what(cx: &Context<'_>, entity: EntityId) -> String {
    let meta = cx.meta(entity);
    format!("{} `{}`", entity.section.noun(), meta.id().unwrap_or("?"))
}

fn parse_diagnostic(
    cx: &Context<'_>,
    unit: &Unit<'_>,
    error: &RegoError,
    version: RegoVersion,
) -> Diagnostic {
    let other = match version {
        RegoVersion::V0 => RegoVersion::V1,
        RegoVersion::V1 => RegoVersion::V0,
    };
    if error.message.contains("is a keyword only with") {
        let keyword = error.message.split('`').nth(1).unwrap_or("if");
        return rego_diagnostic(cx, unit, error, Code::RegoSyntax, format!("invalid Rego in {}: {}", what(cx, unit.entity), error.message))
            .with_label("needs an import in Rego v0")
            .with_help(format!("add `import rego.v1` (or `import future.keywords.{keyword}`) after the `package` line; OPA's v0 parser, which the runtime uses by default, rejects the keyword otherwise"));
    }
    let help = if analyze(unit.text, &unit.path, other).parse_error.is_none() {
        match version {
            RegoVersion::V0 => "this module is written in Rego v1 syntax (`if`, `contains`): add `import rego.v1` after its `package` line, or check with `--rego-version v1`".to_string(),
            RegoVersion::V1 => "this module is written in Rego v0 syntax (rule bodies without `if`), but pdc reads Rego v1 here (`--rego-version` or `pdc.toml`): add `if` before rule bodies, or check with `--rego-version v0`".to_string(),
        }
    } else {
        format!(
            "the runtime rejects Rego it cannot parse (checked as Rego {})",
            version.as_str()
        )
    };
    rego_diagnostic(
        cx,
        unit,
        error,
        Code::RegoSyntax,
        format!(
            "invalid Rego in {}: {}",
            what(cx, unit.entity),
            error.message
        ),
    )
    .with_help(help)
}

fn analyzer_diagnostic(cx: &Context<'_>, unit: &Unit<'_>, error: &RegoError) -> Diagnostic {
    let unsafe_variable = error.message.contains("is unsafe");
    let (code, help) = if unsafe_variable {
        (
            Code::RegoUnsafeVariable,
            "bind the variable before using it, for example with `x := input.x` or `some x in input.items`",
        )
    } else {
        (
            Code::RegoCompile,
            "the runtime refuses to compile this module",
        )
    };
    rego_diagnostic(
        cx,
        unit,
        error,
        code,
        format!("{} in {}", error.message, what(cx, unit.entity)),
    )
    .with_help(help)
}

/// A diagnostic at a place in a unit's Rego, with the entity's id as context when the Rego
/// lives in a separate file.
fn rego_diagnostic(
    cx: &Context<'_>,
    unit: &Unit<'_>,
    error: &RegoError,
    code: Code,
    message: String,
) -> Diagnostic {
    let (location, exact) = unit.placement.location(cx.sources, error.pos);
    let label = if exact {
        error.message.clone()
    } else {
        format!(
            "{} (line {}, column {} of the Rego)",
            error.message,
            error.pos.line,
            placement::character_column(unit.text, error.pos)
        )
    };
    let mut diagnostic = Diagnostic::new(code, location, message).with_label(label);
    if let Placement::File {
        reference, yaml, ..
    } = &unit.placement
    {
        diagnostic = diagnostic.with_related(
            crate::sources::Location::new(*yaml, *reference),
            format!("Rego of {} comes from this file", what(cx, unit.entity)),
        );
    }
    diagnostic
}

#[expect(
    clippy::too_many_arguments,
    reason = "the per-unit facts computed by `check`"
)]
fn undefined_functions(
    cx: &Context<'_>,
    units: &[Unit<'_>],
    analyses: &[Analysis],
    closure: &Closure,
    providers: &HashMap<&str, Vec<usize>>,
    unit: usize,
    summary: &Summary,
    out: &mut Vec<Diagnostic>,
) {
    let in_scope: HashSet<usize> = closure.libraries.iter().copied().chain([unit]).collect();
    let defined = |path: &str| -> bool {
        summary.functions.contains(path)
            || providers
                .get(path)
                .is_some_and(|ps| ps.iter().any(|p| in_scope.contains(p)))
    };
    let mut reported = HashSet::new();
    for call in &summary.calls {
        let name = call.name.as_str();
        let Some(full) = full_path(summary, name) else {
            continue;
        };
        if builtins::is_builtin(name) || defined(&full) || !reported.insert(name) {
            continue;
        }
        let elsewhere = providers.get(full.as_str()).and_then(|ps| ps.first());
        let help = match elsewhere {
            Some(&library) => {
                let library = units[library].entity;
                let reference = if library.domain == units[unit].entity.domain {
                    cx.meta(library).id().unwrap_or("?").to_string()
                } else {
                    cx.qualified(library)
                };
                Some(format!(
                    "`{full}` is defined by library `{}`, which {} does not depend on: add `{reference}` to its `dependencies`",
                    cx.qualified(library),
                    what(cx, units[unit].entity)
                ))
            }
            None => {
                let mut candidates: Vec<String> =
                    builtins::names().into_iter().map(str::to_string).collect();
                for &library in &closure.libraries {
                    if let Some(s) = &analyses[library].summary {
                        candidates.extend(s.functions.iter().cloned());
                    }
                }
                candidates.extend(summary.functions.iter().cloned());
                suggest::did_you_mean(&full, candidates.iter().map(String::as_str))
                    .or_else(|| suggest::did_you_mean(name, candidates.iter().map(String::as_str)))
            }
        };
        let error = RegoError {
            path: units[unit].path.clone(),
            pos: call.pos,
            message: "not built in, and not defined here or in a dependency".to_string(),
        };
        out.push(
            rego_diagnostic(
                cx,
                &units[unit],
                &error,
                Code::RegoUndefinedFunction,
                format!(
                    "undefined function `{name}` in {}",
                    what(cx, units[unit].entity)
                ),
            )
            .with_optional_help(help.or_else(|| {
                Some(
                    "define the function in this module or in a library listed in `dependencies`"
                        .to_string(),
                )
            })),
        );
    }
}

/// The `data.` path a call refers to, or `None` when it cannot be known statically.
fn full_path(summary: &Summary, name: &str) -> Option<String> {
    let (first, rest) = match name.split_once('.') {
        Some((first, rest)) => (first, Some(rest)),
        None => (name, None),
    };
    if first == "input" {
        return None;
    }
    if first == "data" {
        return Some(name.to_string());
    }
    if let Some(imported) = summary.imports.get(first) {
        return Some(match rest {
            Some(rest) => format!("{imported}.{rest}"),
            None => imported.clone(),
        });
    }
    Some(format!("{}.{name}", summary.package))
}

fn conventions(cx: &Context<'_>, unit: &Unit<'_>, summary: &Summary, out: &mut Vec<Diagnostic>) {
    let pos = summary.package_pos.unwrap_or(RegoPos::START);
    let at = |message: &str| RegoError {
        path: unit.path.clone(),
        pos,
        message: message.to_string(),
    };
    let who = what(cx, unit.entity);
    let package = summary
        .package
        .strip_prefix("data.")
        .unwrap_or(&summary.package);
    match unit.entity.section {
                Section::Policy => {
            let decides_operations = cx.graph.index_of(unit.entity).is_some_and(|node| {
                cx.graph
                    .graph
                    .neighbors_directed(node, petgraph::Direction::Incoming)
                    .any(|from| cx.graph.graph[from].section == Section::Operation)
            });
            if let (true, Some(at)) = (decides_operations, summary.boolean_default_allow) {
                let error = RegoError {
                    path: unit.path.clone(),
                    pos: at,
                    message: "a boolean, where operations need an integer".to_string(),
                };
                out.push(
                    rego_diagnostic(
                        cx,
                        unit,
                        &error,
                        Code::OperationPolicyBoolean,
                        format!("{who} decides operations but its `allow` defaults to a boolean"),
                    )
                    .with_help("an operation's policy must produce an integer: -1 denies, 0 passes the request on to the identity and resource phases, 1 grants; the runtime treats `true`/`false` as an evaluation error and denies the request"),
                );
            }
            if package != "authz" {
                out.push(
                    rego_diagnostic(cx, unit, &at("not `package authz`"), Code::PolicyPackage, format!("{who} declares `package {package}`, not `package authz`"))
                        .with_help("the engine evaluates `data.authz.allow`; a policy in another package is never consulted"),
                );
            } else if !summary.rules.contains("allow") {
                out.push(
                    rego_diagnostic(cx, unit, &at("no `allow` rule in this package"), Code::PolicyWithoutAllow, format!("{who} does not define `allow`"))
                        .with_help("define `allow` (for example `default allow = false` and the rules that grant access); without it every request is denied"),
                );
            }
        }
        Section::Mapper => {
            if package != "mapper" {
                out.push(
                    rego_diagnostic(cx, unit, &at("not `package mapper`"), Code::MapperConvention, format!("{who} declares `package {package}`, not `package mapper`"))
                        .with_help("the engine evaluates `data.mapper.porc` to build the request"),
                );
            } else if !summary.rules.contains("porc") {
                out.push(
                    rego_diagnostic(cx, unit, &at("no `porc` rule in this package"), Code::MapperConvention, format!("{who} does not define `porc`"))
                        .with_help("a mapper must produce `porc` (principal, operation, resource, context) from its input"),
                );
            }
        }
        Section::Library if package == "authz" => out.push(
            rego_diagnostic(cx, unit, &at("`package authz` is for policies"), Code::LibraryPackageAuthz, format!("{who} declares `package authz`"))
                .with_help("give the library its own package (such as `package helpers`) and import it from policies; in `authz` its rules mix with every policy's"),
        ),
        _ => {}
    }
}

fn duplicate_library_packages(
    cx: &Context<'_>,
    units: &[Unit<'_>],
    analyses: &[Analysis],
    out: &mut Vec<Diagnostic>,
) {
    let mut by_package: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, analysis) in analyses.iter().enumerate() {
        if units[i].entity.section != Section::Library {
            continue;
        }
        if let Some(summary) = &analysis.summary {
            by_package
                .entry(summary.package.as_str())
                .or_default()
                .push(i);
        }
    }
    for (package, libraries) in by_package {
        let Some((&first, rest)) = libraries.split_first() else {
            continue;
        };
        let package = package.strip_prefix("data.").unwrap_or(package);
        let pos = |i: usize| {
            analyses[i]
                .summary
                .as_ref()
                .and_then(|s| s.package_pos)
                .unwrap_or(RegoPos::START)
        };
        for &library in rest {
            let error = RegoError {
                path: units[library].path.clone(),
                pos: pos(library),
                message: "package declared again here".to_string(),
            };
            let (first_location, _) = units[first].placement.location(cx.sources, pos(first));
            out.push(
                rego_diagnostic(cx, &units[library], &error, Code::DuplicateLibraryPackage, format!("libraries `{}` and `{}` both declare `package {package}`", cx.qualified(units[first].entity), cx.qualified(units[library].entity)))
                    .with_related(first_location, format!("{} declares it here", what(cx, units[first].entity)))
                    .with_help("give each library its own package; when a policy depends on both, their rules merge and can conflict"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_layout_do_not_change_the_program() {
        let a = "package authz\ndefault allow = false\nallow { input.x == 1 }\n";
        let b = "package authz\n\n# why\ndefault allow   = false\nallow {\n  input.x == 1 # inline\n}\n";
        assert!(same_program(a, b));
        assert!(!same_program(a, &a.replace("1", "2")));
        let with_string = "package authz\nallow { input.role == \"admin\" }\n";
        assert!(!same_program(
            with_string,
            &with_string.replace("admin", "root")
        ));
    }

    #[test]
    fn messages_are_tidied_into_clauses() {
        assert_eq!(
            tidy("expecting `package` Missing package declaration."),
            "expecting `package`; missing package declaration"
        );
        assert_eq!(
            tidy("use of undefined variable `x` is unsafe"),
            "use of undefined variable `x` is unsafe"
        );
        assert_eq!(tidy("First. Second."), "First; second");
    }

    #[test]
    fn error_positions_are_read_from_the_rendering() {
        let error = parse_error_text(
            "\n--> unit-3.rego:4:7\n  |\n4 | x\n  |   ^\nerror: something odd",
            "fallback",
            "package p\n\n\nallow x\n",
        );
        assert_eq!(error.path, "unit-3.rego");
        assert_eq!((error.pos.line, error.pos.col), (4, 7));
        assert_eq!(error.message, "something odd");
    }

    #[test]
    fn parser_columns_become_byte_columns() {
        // the parser counts a tab as four columns and a character as its UTF-8 length
        assert_eq!(byte_column("\tx", 5), 2);
        assert_eq!(byte_column("a\t\tb", 10), 4);
        assert_eq!(byte_column("é = 1", 3), 3);
        assert_eq!(byte_column("short", 99), 6);
    }

    #[test]
    fn positions_from_spans_count_bytes_not_the_parsers_columns() {
        let analysis = analyze(
            "package authz\nallow {\n\tinput.a == \"日本\"; helpers.f(1)\n}\n",
            "u.rego",
            RegoVersion::V0,
        );
        let call = &analysis.summary.expect("parses").calls[0];
        assert_eq!(call.name, "helpers.f");
        // `\t` is one byte and each of `日本` three: `helpers` starts at byte 23 of line 3
        assert_eq!((call.pos.line, call.pos.col), (3, 23));
        assert_eq!(call.pos.len as usize, "helpers.f".len());
    }

    #[test]
    fn calls_resolve_through_imports_and_the_package() {
        let summary = Summary {
            package: "data.authz".into(),
            imports: [("h".to_string(), "data.platform.helpers".to_string())].into(),
            ..Summary::default()
        };
        assert_eq!(
            full_path(&summary, "h.has_role").as_deref(),
            Some("data.platform.helpers.has_role")
        );
        assert_eq!(
            full_path(&summary, "local").as_deref(),
            Some("data.authz.local")
        );
        assert_eq!(full_path(&summary, "data.x.f").as_deref(), Some("data.x.f"));
        assert_eq!(full_path(&summary, "input.f"), None);
    }

    #[test]
    fn rego_that_would_exhaust_the_parser_is_refused_first() {
        let module = |body: &str| format!("package authz\nallow {{\n  {body}\n}}\n");
        let refused = |body: &str| {
            analyze(&module(body), "u.rego", RegoVersion::V0)
                .parse_error
                .is_some_and(|e| {
                    e.message
                        .contains("pdc does not check Rego shaped like this")
                })
        };
        assert!(refused(&format!(
            "x := {}1{}",
            "[".repeat(20),
            "]".repeat(20)
        )));
        assert!(refused(&format!("input{} == 1", ".a".repeat(300))));
        assert!(refused(&format!("x := 1 +\n{}1", "1 +\n".repeat(300))));
        assert!(refused(&format!("x := (1\n{})", "+ 1\n".repeat(300))));
        // closed brackets and operators at the start of lines do not end the expression
        assert!(refused(&format!("x := 1{}", " + (1)".repeat(300))));
        assert!(refused(&format!("x := 1\n{}", "  + 1\n".repeat(300))));
        assert!(refused(&format!("x := [1]{}", " == [1]".repeat(300))));
        // a comprehension body is statements, however long the call around it
        let body: String = (0..100)
            .map(|i| format!("  c.spec.template.spec.securityContext.field{i} == \"x\"\n"))
            .collect();
        assert!(!refused(&format!(
            "count([c |\n  c := input.items[_]\n{body}]) > 0"
        )));
        // ordinary Rego, however long, is not
        assert!(!refused(&format!(
            "x := {}1{}",
            "[".repeat(8),
            "]".repeat(8)
        )));
        assert!(!refused(&"input.a.b == 1\n".repeat(1000)));
        assert!(!refused(&format!("x := [{}]", vec!["1"; 5000].join(", "))));
    }

    #[test]
    fn v0_keywords_are_fields_after_a_dot() {
        let fields = analyze(
            "package authz\nallow { input.request.in == 1; x := input.contains; x }\n",
            "u.rego",
            RegoVersion::V0,
        );
        assert!(fields.parse_error.is_none(), "{:?}", fields.parse_error);
        let keyword = analyze(
            "package authz\nallow if { input.x }\n",
            "u.rego",
            RegoVersion::V0,
        );
        assert!(keyword.parse_error.is_some());
    }

    #[test]
    fn analysis_finds_syntax_and_safety_errors() {
        let bad = analyze("bad rego", "u.rego", RegoVersion::V0);
        assert!(bad.parse_error.is_some());
        let unsafe_var = analyze(
            "package authz\nallow {\n  x == 1\n}\n",
            "u.rego",
            RegoVersion::V0,
        );
        let error = unsafe_var.analyzer_error.expect("x is unsafe");
        assert_eq!((error.pos.line, error.pos.col), (3, 3));
        let v1_in_v0 = analyze(
            "package authz\nimport rego.v1\nallow if { input.x == 1 }\n",
            "u.rego",
            RegoVersion::V0,
        );
        assert!(v1_in_v0.parse_error.is_none() && v1_in_v0.analyzer_error.is_none());
        let summary = v1_in_v0.summary.unwrap();
        assert!(summary.rules.contains("allow"));
    }

    #[test]
    fn summaries_list_functions_and_calls() {
        let analysis = analyze(
            "package lib\nimport data.other\nf(x) { other.g(x) }\nallow { f(input.a); count(input.b) > 1 }\n",
            "u.rego",
            RegoVersion::V0,
        );
        let summary = analysis.summary.unwrap();
        assert!(summary.functions.contains("data.lib.f"));
        let calls: Vec<&str> = summary.calls.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(calls, ["other.g", "f", "count"]);
    }
}

//! What pdc needs to know about one parsed Rego module: its package, the rules and functions
//! it defines, its imports and every function it calls.
//!
//! Computed once per module by an iterative walk of the parser's syntax tree, then used to
//! resolve calls against each policy's library closure without re-reading any module.

use std::collections::{BTreeMap, BTreeSet};

use regorus::Value;
use regorus::unstable::{Expr, Literal, Module, Query, Rule, RuleHead};

/// A position in Rego text: 1-based line, 1-based *byte* column within that line, and
/// length in bytes. (The parser's own columns count a tab as four and are not used: the
/// renderer turns byte positions into character columns.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct RegoPos {
    pub line: u32,
    pub col: u32,
    pub len: u32,
}

impl RegoPos {
    /// The first character of a module.
    pub const START: RegoPos = RegoPos {
        line: 1,
        col: 1,
        len: 1,
    };

    pub fn of(span: &regorus::unstable::Span) -> Self {
        Self::spanning(span, span)
    }

    /// From the start of `first` to the end of `last`.
    fn spanning(first: &regorus::unstable::Span, last: &regorus::unstable::Span) -> Self {
        let text = first.source.contents();
        let start = (first.start as usize).min(text.len());
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        RegoPos {
            line: first.line,
            col: (start - line_start) as u32 + 1,
            len: last.end.saturating_sub(first.start).max(1),
        }
    }
}

/// Where a called function's name starts: `a.b.f(x)` is a chain of references whose outer
/// spans begin at the dots, so the name begins at the innermost one.
fn call_pos(fcn: &Expr) -> RegoPos {
    let mut first = fcn;
    while let Expr::RefDot { refr, .. } | Expr::RefBrack { refr, .. } = first {
        first = refr;
    }
    RegoPos::spanning(first.span(), fcn.span())
}

/// A function call as written, such as `helpers.match_any`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub name: String,
    pub pos: RegoPos,
}

/// The facts about one module.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// `data.authz` for `package authz`.
    pub package: String,
    pub package_pos: Option<RegoPos>,
    /// Top-level names of rules (and functions) defined, such as `allow`.
    pub rules: BTreeSet<String>,
    /// Full paths of functions defined, such as `data.helpers.match_any`.
    pub functions: BTreeSet<String>,
    /// Import alias to imported path (`helpers` → `data.helpers`).
    pub imports: BTreeMap<String, String>,
    pub calls: Vec<Call>,
    /// `default allow = true` or `false`: where, when the default of `allow` is a boolean.
    pub boolean_default_allow: Option<RegoPos>,
}

/// `a.b["c"]` as `a.b.c`; `None` for anything that is not a plain path.
pub fn path_of(expr: &Expr) -> Option<String> {
    // walk down the chain of references iteratively, collecting fields outermost first
    let mut fields: Vec<&str> = Vec::new();
    let mut current = expr;
    loop {
        match current {
            Expr::Var { value, .. } => {
                let mut path = string(value)?.to_string();
                for field in fields.iter().rev() {
                    path.push('.');
                    path.push_str(field);
                }
                return Some(path);
            }
            Expr::RefDot { refr, field, .. } => {
                fields.push(string(&field.1)?);
                current = refr;
            }
            Expr::RefBrack { refr, index, .. } => {
                match index.as_ref() {
                    Expr::String { value, .. } | Expr::RawString { value, .. } => {
                        fields.push(string(value)?);
                    }
                    _ => return None,
                }
                current = refr;
            }
            _ => return None,
        }
    }
}

fn string(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) => Some(s.as_ref()),
        _ => None,
    }
}

/// Walks a parsed module once and collects its [`Summary`].
pub fn summarize(module: &Module) -> Summary {
    let package =
        path_of(&module.package.refr).map_or_else(|| "data".to_string(), |p| format!("data.{p}"));
    let mut summary = Summary {
        package_pos: Some(RegoPos::of(&module.package.span)),
        package,
        ..Summary::default()
    };
    for import in &module.imports {
        let Some(path) = path_of(&import.refr) else {
            continue;
        };
        if !path.starts_with("data.") && path != "data" {
            continue;
        }
        let alias = match &import.r#as {
            Some(span) => span.text().to_string(),
            None => path.rsplit('.').next().unwrap_or(&path).to_string(),
        };
        summary.imports.insert(alias, path);
    }
    let mut exprs: Vec<&Expr> = Vec::new();
    let mut queries: Vec<&Query> = Vec::new();
    for rule in &module.policy {
        match rule.as_ref() {
            Rule::Spec { head, bodies, .. } => {
                let (refr, is_function) = match head {
                    RuleHead::Compr { refr, assign, .. } => {
                        if let Some(assign) = assign {
                            exprs.push(&assign.value);
                        }
                        (refr, false)
                    }
                    RuleHead::Set { refr, key, .. } => {
                        if let Some(key) = key {
                            exprs.push(key);
                        }
                        (refr, false)
                    }
                    RuleHead::Func {
                        refr, args, assign, ..
                    } => {
                        exprs.extend(args.iter().map(|a| a.as_ref()));
                        if let Some(assign) = assign {
                            exprs.push(&assign.value);
                        }
                        (refr, true)
                    }
                };
                summary.define(refr, is_function);
                for body in bodies {
                    if let Some(assign) = &body.assign {
                        exprs.push(&assign.value);
                    }
                    queries.push(&body.query);
                }
            }
            Rule::Default {
                span,
                refr,
                args,
                value,
                ..
            } => {
                summary.define(refr, !args.is_empty());
                if path_of(refr).as_deref() == Some("allow")
                    && matches!(value.as_ref(), Expr::Bool { .. })
                {
                    summary.boolean_default_allow = Some(RegoPos::of(span));
                }
                exprs.push(value);
            }
        }
    }
    // Iterative walk: expressions and queries nest as deep as the user writes them.
    loop {
        if let Some(query) = queries.pop() {
            for stmt in &query.stmts {
                for modifier in &stmt.with_mods {
                    exprs.push(&modifier.r#as);
                }
                match &stmt.literal {
                    Literal::SomeVars { .. } => {}
                    Literal::SomeIn {
                        key,
                        value,
                        collection,
                        ..
                    } => {
                        exprs.extend(key.iter().map(|k| k.as_ref()));
                        exprs.push(value);
                        exprs.push(collection);
                    }
                    Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => exprs.push(expr),
                    Literal::Every { domain, query, .. } => {
                        exprs.push(domain);
                        queries.push(query);
                    }
                }
            }
            continue;
        }
        let Some(expr) = exprs.pop() else {
            break;
        };
        match expr {
            Expr::Call { fcn, params, .. } => {
                if let Some(name) = path_of(fcn) {
                    summary.calls.push(Call {
                        name,
                        pos: call_pos(fcn),
                    });
                }
                exprs.extend(params.iter().map(|p| p.as_ref()));
            }
            Expr::Array { items, .. } | Expr::Set { items, .. } => {
                exprs.extend(items.iter().map(|i| i.as_ref()))
            }
            Expr::Object { fields, .. } => {
                for (_, key, value) in fields {
                    exprs.push(key);
                    exprs.push(value);
                }
            }
            Expr::ArrayCompr { term, query, .. } | Expr::SetCompr { term, query, .. } => {
                exprs.push(term);
                queries.push(query);
            }
            Expr::ObjectCompr {
                key, value, query, ..
            } => {
                exprs.push(key);
                exprs.push(value);
                queries.push(query);
            }
            Expr::UnaryExpr { expr, .. } => exprs.push(expr),
            Expr::RefDot { refr, .. } => exprs.push(refr),
            Expr::RefBrack { refr, index, .. } => {
                exprs.push(refr);
                exprs.push(index);
            }
            Expr::BinExpr { lhs, rhs, .. }
            | Expr::BoolExpr { lhs, rhs, .. }
            | Expr::ArithExpr { lhs, rhs, .. }
            | Expr::AssignExpr { lhs, rhs, .. } => {
                exprs.push(lhs);
                exprs.push(rhs);
            }
            Expr::Membership {
                key,
                value,
                collection,
                ..
            } => {
                exprs.extend(key.iter().map(|k| k.as_ref()));
                exprs.push(value);
                exprs.push(collection);
            }
            Expr::String { .. }
            | Expr::RawString { .. }
            | Expr::Number { .. }
            | Expr::Bool { .. }
            | Expr::Null { .. }
            | Expr::Var { .. } => {}
        }
    }
    summary.calls.sort_by_key(|c| c.pos);
    summary
}

impl Summary {
    fn define(&mut self, refr: &Expr, is_function: bool) {
        let path = match refr {
            Expr::RefBrack { refr, .. } => path_of(refr),
            other => path_of(other),
        };
        let Some(path) = path else {
            return;
        };
        let top = path.split('.').next().unwrap_or(&path).to_string();
        if is_function {
            self.functions.insert(format!("{}.{path}", self.package));
        }
        self.rules.insert(top);
    }
}

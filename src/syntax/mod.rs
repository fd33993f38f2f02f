//! Syntax: YAML text to a tree of [`Node`]s that each know their byte span.
//!
//! pdc needs positions for every key and value, anchors and `<<` merges resolved, duplicate
//! keys rejected and hostile input (alias bombs, deep nesting) refused with a clear error.
//! The tree is built from the event stream of `granit-parser` (the parser under
//! serde-saphyr) by an explicit stack, never by recursion, so no input can overflow the stack.

mod parse;

pub use parse::parse_stream;

use crate::sources::Span;

/// How a scalar was written, which decides whether it may be a number, boolean or null.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// A scalar's text and how it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Scalar {
    pub text: String,
    pub style: ScalarStyle,
    /// The suffix of a YAML core tag (`str`, `int`, ...) or the whole custom tag.
    pub tag: Option<Box<str>>,
}

/// What a scalar means under the YAML 1.2 core schema.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Resolved<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
}

impl Scalar {
    /// Resolves a plain scalar to null, boolean, integer or float the way YAML 1.2's core
    /// schema does; quoted and block scalars, and `!!str`, are always strings.
    pub fn resolve(&self) -> Resolved<'_> {
        let text = self.text.as_str();
        match self.tag.as_deref() {
            Some("str") => return Resolved::Str(text),
            Some("null") => return Resolved::Null,
            Some("bool") => return parse_bool(text).map_or(Resolved::Str(text), Resolved::Bool),
            Some("int") => return parse_int(text).map_or(Resolved::Str(text), Resolved::Int),
            Some("float") => {
                return parse_float(text)
                    .or_else(|| parse_int(text).map(|i| i as f64))
                    .map_or(Resolved::Str(text), Resolved::Float);
            }
            _ => {}
        }
        if self.style != ScalarStyle::Plain {
            return Resolved::Str(text);
        }
        if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
            return Resolved::Null;
        }
        if let Some(b) = parse_bool(text) {
            return Resolved::Bool(b);
        }
        if let Some(i) = parse_int(text) {
            return Resolved::Int(i);
        }
        if let Some(f) = parse_float(text) {
            return Resolved::Float(f);
        }
        Resolved::Str(text)
    }

    /// Whether this scalar is YAML null (`~`, `null` or nothing at all).
    pub fn is_null(&self) -> bool {
        matches!(self.resolve(), Resolved::Null)
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// YAML 1.1 booleans (`yes`, `on`, ...), which the incumbent's Go decoder still accepts for
/// boolean fields.
pub fn parse_yaml11_bool(text: &str) -> Option<bool> {
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
        _ => parse_bool(text),
    }
}

fn parse_int(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = if let Some(hex) = digits.strip_prefix("0x") {
        (16, hex)
    } else if let Some(octal) = digits.strip_prefix("0o") {
        (8, octal)
    } else {
        (10, digits)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(digits, radix).ok()?;
    i64::try_from(if negative { -magnitude } else { magnitude }).ok()
}

fn parse_float(text: &str) -> Option<f64> {
    match text {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let mantissa_ok = {
        let mut parts = mantissa.splitn(2, '.');
        let whole = parts.next().unwrap_or("");
        let fraction = parts.next();
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        match fraction {
            Some(f) => digits(whole) && digits(f) && !(whole.is_empty() && f.is_empty()),
            None => !whole.is_empty() && digits(whole),
        }
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
    });
    if mantissa_ok && exponent_ok && (mantissa.contains('.') || exponent.is_some()) {
        text.parse().ok()
    } else {
        None
    }
}

/// The content of a node.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Scalar(Scalar),
    Sequence(Vec<Node>),
    Mapping(Vec<Entry>),
}

/// One key and value of a mapping.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

/// A YAML node and where it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    /// Where the node appears. For an alias (`*name`) this is the alias itself.
    pub span: Span,
    /// For a node that came from an alias, where its anchor (`&name`) was defined.
    pub anchor: Option<Span>,
}

impl Node {
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        self.as_scalar().map(|s| s.text.as_str())
    }

    /// What a Go string field decodes this scalar to, as the incumbent does: a null
    /// (`~`, `null`, nothing) is the empty string, anything else its text.
    pub fn as_string_field(&self) -> Option<&str> {
        self.as_scalar()
            .map(|s| if s.is_null() { "" } else { s.text.as_str() })
    }

    pub fn as_sequence(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Sequence(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_mapping(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Mapping(entries) => Some(entries),
            _ => None,
        }
    }

    /// The value under a scalar key of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_mapping()?
            .iter()
            .find(|e| e.key.as_str() == Some(key))
            .map(|e| &e.value)
    }

    /// Whether this node is YAML null.
    pub fn is_null(&self) -> bool {
        self.as_scalar().is_some_and(Scalar::is_null)
    }

    /// A word for the node's type, for messages ("a sequence").
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            NodeKind::Scalar(s) => match s.resolve() {
                Resolved::Null => "null",
                Resolved::Bool(_) => "a boolean",
                Resolved::Int(_) | Resolved::Float(_) => "a number",
                Resolved::Str(_) => "a string",
            },
            NodeKind::Sequence(_) => "a sequence",
            NodeKind::Mapping(_) => "a mapping",
        }
    }
}

/// One YAML document of a stream.
#[derive(Clone, Debug)]
pub struct Document {
    /// The top node; `None` for an empty document.
    pub root: Option<Node>,
    /// Set when a syntax error cut the document short: `root` then holds what was read before
    /// the error, which is enough to learn the domain's name but not to check it.
    pub truncated: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> Scalar {
        Scalar {
            text: text.into(),
            style: ScalarStyle::Plain,
            tag: None,
        }
    }

    #[test]
    fn plain_scalars_resolve_by_core_schema() {
        assert_eq!(plain("").resolve(), Resolved::Null);
        assert_eq!(plain("~").resolve(), Resolved::Null);
        assert_eq!(plain("true").resolve(), Resolved::Bool(true));
        assert_eq!(plain("yes").resolve(), Resolved::Str("yes"));
        assert_eq!(plain("42").resolve(), Resolved::Int(42));
        assert_eq!(plain("-0x1f").resolve(), Resolved::Int(-31));
        assert_eq!(plain("1.5").resolve(), Resolved::Float(1.5));
        assert_eq!(plain("1e3").resolve(), Resolved::Float(1000.0));
        assert_eq!(plain("1.2.3").resolve(), Resolved::Str("1.2.3"));
        assert_eq!(plain("mrn:iam:x").resolve(), Resolved::Str("mrn:iam:x"));
    }

    #[test]
    fn quoted_and_tagged_scalars_stay_strings() {
        let quoted = Scalar {
            text: "42".into(),
            style: ScalarStyle::DoubleQuoted,
            tag: None,
        };
        assert_eq!(quoted.resolve(), Resolved::Str("42"));
        let tagged = Scalar {
            text: "42".into(),
            style: ScalarStyle::Plain,
            tag: Some("str".into()),
        };
        assert_eq!(tagged.resolve(), Resolved::Str("42"));
    }

    #[test]
    fn yaml11_booleans_are_available_for_boolean_fields() {
        assert_eq!(parse_yaml11_bool("yes"), Some(true));
        assert_eq!(parse_yaml11_bool("Off"), Some(false));
        assert_eq!(parse_yaml11_bool("maybe"), None);
    }
}

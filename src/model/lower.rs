//! Lowering: a YAML [`Document`] to a [`Domain`], with the structural diagnostics.
//!
//! Lowering never stops at the first problem: a value of the wrong type is reported and
//! treated as absent, so the rest of the document is still checked. It reports a missing field
//! only when the field is really absent (not when it had the wrong type), to avoid two
//! diagnostics for one mistake.

use super::{
    Annotation, ApiVersion, Binding, Domain, Group, Kind, Mapper, Meta, Operation, Policy, Rego,
    Resource, Section, Text,
};
use crate::diagnostics::{Code, Diagnostic, suggest};
use crate::sources::{FileId, Location, Span};
use crate::syntax::{Document, Entry, Node, NodeKind, Resolved, parse_yaml11_bool};

/// What a YAML document turned out to be.
#[derive(Debug)]
pub enum LoweredDocument {
    Domain(Box<Domain>),
    /// Not a PolicyDomain: skipped during a directory walk.
    Skipped,
    /// Empty document (only comments, or a stray `---`).
    Empty,
    /// Cut short by a syntax error. Its name, when it could be read, lets pdc avoid blaming
    /// references into this domain on the files that make them.
    Broken {
        name: Option<String>,
    },
}

const TOP_KEYS: &[&str] = &["apiVersion", "kind", "metadata", "spec"];
const METADATA_KEYS: &[&str] = &["name", "namespace", "labels", "annotations"];
const SPEC_KEYS: &[&str] = &[
    "policy-libraries",
    "policies",
    "roles",
    "groups",
    "resource-groups",
    "scopes",
    "operations",
    "mappers",
    "resources",
    "annotation-defaults",
];
const ANNOTATION_KEYS: &[&str] = &["name", "value", "merge"];

fn entity_keys(section: Section) -> &'static [&'static str] {
    match section {
        Section::Library => &[
            "mrn",
            "name",
            "description",
            "dependencies",
            "rego",
            "rego_filename",
        ],
        Section::Policy => &[
            "mrn",
            "name",
            "description",
            "dependencies",
            "rego",
            "rego_filename",
            "public",
        ],
        Section::Role | Section::ResourceGroup | Section::Scope => &[
            "mrn",
            "name",
            "description",
            "policy",
            "default",
            "annotations",
        ],
        Section::Group => &["mrn", "name", "description", "roles", "annotations"],
        Section::Operation => &["name", "mrn", "description", "selector", "policy"],
        Section::Mapper => &[
            "name",
            "mrn",
            "description",
            "selector",
            "rego",
            "rego_filename",
        ],
        Section::Resource => &[
            "name",
            "mrn",
            "description",
            "selector",
            "group",
            "annotations",
        ],
    }
}

/// Turns one YAML document into a domain, reporting structural problems into `out`.
///
/// `explicit` documents come from a file named on the command line and must be PolicyDomains;
/// others are skipped when they are not.
pub fn lower_document(
    document: &Document,
    file: FileId,
    explicit: bool,
    out: &mut Vec<Diagnostic>,
) -> LoweredDocument {
    let Some(root) = &document.root else {
        return if document.truncated {
            LoweredDocument::Broken { name: None }
        } else {
            LoweredDocument::Empty
        };
    };
    if document.truncated {
        let name = root
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Node::as_str)
            .map(str::to_string);
        return LoweredDocument::Broken { name };
    }
    let api_version = root.get("apiVersion").and_then(Node::as_str);
    let kind_text = root.get("kind").and_then(Node::as_str);
    let looks_like_policy_domain = api_version.is_some_and(|v| v.starts_with(ApiVersion::GROUP))
        || kind_text.is_some_and(|k| Kind::parse(k).is_some());
    if !looks_like_policy_domain {
        if explicit {
            out.push(
                Diagnostic::new(
                    Code::NotAPolicyDomain,
                    Location::new(file, first_line(root)),
                    "this document is not a PolicyDomain (no `apiVersion: iamlite.manetu.io/...`)",
                )
                .with_label("document starts here")
                .with_help("name only PolicyDomain files on the command line, or pass the directory to skip other YAML"),
            );
        }
        return LoweredDocument::Skipped;
    }
    let mut lowerer = Lowerer {
        file,
        version: ApiVersion::V1beta1,
        kind: Kind::PolicyDomain,
        out,
    };
    LoweredDocument::Domain(Box::new(lowerer.domain(root)))
}

/// The first line of a node, for labels that would otherwise cover a whole document.
fn first_line(node: &Node) -> Span {
    match &node.kind {
        NodeKind::Mapping(entries) => entries.first().map_or(node.span, |e| e.key.span),
        _ => Span::at(node.span.start as usize),
    }
}

struct Lowerer<'a> {
    file: FileId,
    version: ApiVersion,
    kind: Kind,
    out: &'a mut Vec<Diagnostic>,
}

impl Lowerer<'_> {
    fn at(&self, span: Span) -> Location {
        Location::new(self.file, span)
    }

    fn report(&mut self, diagnostic: Diagnostic) {
        self.out.push(diagnostic);
    }

    fn wrong_type(&mut self, node: &Node, what: &str, expected: &str) {
        let help = if expected.starts_with("a list") {
            "write a list: one `- item` per line below the key, or `[a, b]` on one line"
        } else if matches!(node.kind, NodeKind::Sequence(_)) && expected.starts_with("a string") {
            "this field takes one value, not a list"
        } else if matches!(node.kind, NodeKind::Mapping(_)) {
            "a mapping is not allowed here; check the indentation of the lines below"
        } else {
            "the runtime cannot read this value and stops loading the document"
        };
        let diagnostic = Diagnostic::new(
            Code::WrongType,
            self.at(node.span),
            format!("{what} must be {expected}, found {}", node.describe()),
        )
        .with_label(format!("expected {expected}"))
        .with_help(help);
        self.report(diagnostic);
    }

    /// A string field: any scalar but null. Numbers and booleans keep their source text, as
    /// the incumbent's decoder does.
    fn string(&mut self, node: &Node, what: &str) -> Option<Text> {
        match &node.kind {
            NodeKind::Scalar(s) if s.is_null() => None,
            NodeKind::Scalar(s) => Some(Text {
                value: s.text.clone(),
                span: node.span,
            }),
            _ => {
                self.wrong_type(node, what, "a string");
                None
            }
        }
    }

    /// A list of strings; null is an empty list.
    fn strings(&mut self, node: &Node, what: &str) -> Vec<Text> {
        match &node.kind {
            NodeKind::Scalar(s) if s.is_null() => Vec::new(),
            NodeKind::Sequence(items) => items
                .iter()
                .filter_map(|item| match &item.kind {
                    NodeKind::Scalar(s) if !s.is_null() => Some(Text {
                        value: s.text.clone(),
                        span: item.span,
                    }),
                    _ => {
                        self.wrong_type(item, &format!("each entry of {what}"), "a string");
                        None
                    }
                })
                .collect(),
            _ => {
                self.wrong_type(node, what, "a list of strings");
                Vec::new()
            }
        }
    }

    fn boolean(&mut self, node: &Node, what: &str) -> Option<(bool, Span)> {
        match &node.kind {
            NodeKind::Scalar(s) if s.is_null() => None,
            NodeKind::Scalar(s) => match (s.resolve(), parse_yaml11_bool(&s.text)) {
                (Resolved::Bool(b), _) => Some((b, node.span)),
                (Resolved::Str(_), Some(b)) if s.style == crate::syntax::ScalarStyle::Plain => {
                    Some((b, node.span))
                }
                _ => {
                    self.wrong_type(node, what, "`true` or `false`");
                    None
                }
            },
            _ => {
                self.wrong_type(node, what, "`true` or `false`");
                None
            }
        }
    }

    fn mapping<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Entry]> {
        match &node.kind {
            NodeKind::Mapping(entries) => Some(entries),
            NodeKind::Scalar(s) if s.is_null() => Some(&[]),
            _ => {
                self.wrong_type(node, what, "a mapping");
                None
            }
        }
    }

    /// Warns about keys that `allowed` does not contain, suggesting the closest allowed key.
    fn unknown_keys(&mut self, entries: &[Entry], allowed: &[&str], context: &str) {
        for entry in entries {
            let Some(key) = entry.key.as_str() else {
                self.wrong_type(&entry.key, &format!("a key in {context}"), "a string");
                continue;
            };
            if allowed.contains(&key) {
                continue;
            }
            let help = match suggest::did_you_mean(key, allowed.iter().copied()) {
                Some(hint) => format!(
                    "{hint} the runtime ignores unknown keys, so a misspelt key silently changes meaning"
                ),
                None => format!(
                    "the runtime ignores unknown keys; known keys here: {}",
                    allowed
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let diagnostic = Diagnostic::new(
                Code::UnknownKey,
                self.at(entry.key.span),
                format!("unknown key `{key}` in {context}"),
            )
            .with_label("not part of the PolicyDomain format")
            .with_help(help);
            self.report(diagnostic);
        }
    }

    fn domain(&mut self, root: &Node) -> Domain {
        let entries = self
            .mapping(root, "a PolicyDomain document")
            .unwrap_or_default();
        self.unknown_keys(entries, TOP_KEYS, "the document");
        self.read_api_version(root);
        self.read_kind(root);
        let name = self.read_name(root);
        let mut domain = Domain {
            file: self.file,
            kind: self.kind,
            api_version: self.version,
            name,
            span: root.span,
            libraries: Vec::new(),
            policies: Vec::new(),
            roles: Vec::new(),
            groups: Vec::new(),
            resource_groups: Vec::new(),
            scopes: Vec::new(),
            operations: Vec::new(),
            mappers: Vec::new(),
            resources: Vec::new(),
            annotation_defaults: None,
            kubernetes_metadata: root
                .get("metadata")
                .and_then(Node::as_mapping)
                .unwrap_or_default()
                .iter()
                .filter_map(|entry| {
                    let key = entry.key.as_str()?;
                    (METADATA_KEYS.contains(&key) && key != "name")
                        .then(|| (key.to_string(), entry.value.clone()))
                })
                .collect(),
        };
        let Some(spec) = root.get("spec") else {
            return domain;
        };
        let Some(spec_entries) = self.mapping(spec, "`spec`") else {
            return domain;
        };
        self.unknown_keys(spec_entries, SPEC_KEYS, "`spec`");
        for section in Section::ALL {
            let Some(list) = spec.get(section.key()) else {
                continue;
            };
            if section == Section::Resource && !self.version.has_resources_and_merge() {
                let key_span = key_span(spec, section.key());
                self.report(
                    Diagnostic::new(
                        Code::IgnoredByVersion,
                        self.at(key_span),
                        format!(
                            "`resources` is ignored by apiVersion `{}`",
                            self.version.as_str()
                        ),
                    )
                    .with_label("the runtime never reads this section")
                    .with_help("resources need `apiVersion: iamlite.manetu.io/v1alpha4` or later"),
                );
            }
            for (index, item, entries) in self.section_items(list, section) {
                self.entity(&mut domain, section, index, item, entries);
            }
        }
        if let Some(defaults) = spec.get("annotation-defaults") {
            domain.annotation_defaults = self.annotation_defaults(spec, defaults);
        }
        domain
    }

    fn read_api_version(&mut self, root: &Node) {
        let Some(node) = root.get("apiVersion") else {
            self.report(
                Diagnostic::new(
                    Code::UnknownApiVersion,
                    self.at(first_line(root)),
                    "missing `apiVersion`",
                )
                .with_label("document starts here")
                .with_help(
                    "add `apiVersion: iamlite.manetu.io/v1beta1` (or `v1alpha4`, `v1alpha3`)",
                ),
            );
            return;
        };
        let Some(text) = self.string(node, "`apiVersion`") else {
            return;
        };
        match ApiVersion::parse(&text.value) {
            Some(version) => self.version = version,
            None => {
                let names = ApiVersion::ALL.map(ApiVersion::as_str);
                let help = suggest::did_you_mean(&text.value, names).unwrap_or_else(|| {
                    format!(
                        "supported: {}; checked as v1beta1",
                        names.map(|n| format!("`{n}`")).join(", ")
                    )
                });
                self.report(
                    Diagnostic::new(
                        Code::UnknownApiVersion,
                        self.at(text.span),
                        format!("unsupported apiVersion `{}`", text.value),
                    )
                    .with_label("not a PolicyDomain apiVersion")
                    .with_help(help),
                );
            }
        }
    }

    fn read_kind(&mut self, root: &Node) {
        let Some(node) = root.get("kind") else {
            self.report(
                Diagnostic::new(Code::UnknownKind, self.at(first_line(root)), "missing `kind`")
                    .with_label("document starts here")
                    .with_help("add `kind: PolicyDomain` (or `PolicyDomainReference` for files using `rego_filename`)"),
            );
            return;
        };
        let Some(text) = self.string(node, "`kind`") else {
            return;
        };
        match Kind::parse(&text.value) {
            Some(kind) => self.kind = kind,
            None => {
                let help =
                    suggest::did_you_mean(&text.value, ["PolicyDomain", "PolicyDomainReference"])
                        .unwrap_or_else(|| {
                            "use `PolicyDomain` or `PolicyDomainReference`".to_string()
                        });
                self.report(
                    Diagnostic::new(
                        Code::UnknownKind,
                        self.at(text.span),
                        format!("unknown kind `{}`", text.value),
                    )
                    .with_label("not a PolicyDomain kind")
                    .with_help(help),
                );
            }
        }
    }

    fn read_name(&mut self, root: &Node) -> Text {
        let missing = Text {
            value: String::new(),
            span: first_line(root),
        };
        let Some(metadata) = root.get("metadata") else {
            self.report(
                Diagnostic::new(
                    Code::MissingMetadata,
                    self.at(first_line(root)),
                    "missing `metadata` section",
                )
                .with_label("document starts here")
                .with_help("add `metadata:` with a `name:` for the domain"),
            );
            return missing;
        };
        let Some(entries) = self.mapping(metadata, "`metadata`") else {
            return missing;
        };
        self.unknown_keys(entries, METADATA_KEYS, "`metadata`");
        let name = metadata
            .get("name")
            .and_then(|n| self.string(n, "`metadata.name`"));
        match name {
            Some(name) if !name.value.trim().is_empty() => name,
            _ => {
                let span = metadata
                    .as_mapping()
                    .and_then(|entries| entries.iter().find(|e| e.key.as_str() == Some("name")))
                    .map_or_else(
                        || key_span(root, "metadata"),
                        |e| {
                            if e.value.span.start == e.value.span.end {
                                e.key.span
                            } else {
                                e.value.span
                            }
                        },
                    );
                self.report(
                    Diagnostic::new(
                        Code::MissingDomainName,
                        self.at(span),
                        "`metadata.name` is required and must not be empty",
                    )
                    .with_label("this metadata has no name")
                    .with_help(
                        "the name identifies the domain; other domains reference it as `name/mrn`",
                    ),
                );
                Text {
                    value: String::new(),
                    span,
                }
            }
        }
    }

    /// The entries of a section list, reporting anything that is not a list of mappings.
    fn section_items<'n>(
        &mut self,
        list: &'n Node,
        section: Section,
    ) -> Vec<(usize, &'n Node, &'n [Entry])> {
        let items = match &list.kind {
            NodeKind::Sequence(items) => items,
            NodeKind::Scalar(s) if s.is_null() => return Vec::new(),
            _ => {
                self.wrong_type(list, &format!("`{}`", section.key()), "a list");
                return Vec::new();
            }
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(index, item)| match &item.kind {
                NodeKind::Mapping(entries) => Some((index, item, entries.as_slice())),
                _ => {
                    self.wrong_type(
                        item,
                        &format!("each entry of `{}`", section.key()),
                        "a mapping",
                    );
                    None
                }
            })
            .collect()
    }

    fn entity(
        &mut self,
        domain: &mut Domain,
        section: Section,
        index: usize,
        item: &Node,
        entries: &[Entry],
    ) {
        let reported = self.out.len();
        self.entity_fields(domain, section, index, item, entries);
        if self.out[reported..]
            .iter()
            .any(|d| d.code == Code::WrongType)
        {
            let position = domain.len(section).saturating_sub(1);
            if let Some(meta) = domain.meta_mut(section, position) {
                meta.malformed = true;
            }
        }
    }

    fn entity_fields(
        &mut self,
        domain: &mut Domain,
        section: Section,
        index: usize,
        item: &Node,
        entries: &[Entry],
    ) {
        let meta = self.meta(section, index, item);
        let context = match meta.id() {
            Some(id) => format!("{} `{id}`", section.noun()),
            None => format!("{} at index {index}", section.noun()),
        };
        self.unknown_keys(entries, entity_keys(section), &context);
        match section {
            Section::Library | Section::Policy => {
                let dependencies = self.strings_field(item, "dependencies");
                let rego = self.rego(section, &meta, item);
                let policy = Policy {
                    meta,
                    dependencies,
                    rego,
                };
                if section == Section::Library {
                    domain.libraries.push(policy);
                } else {
                    domain.policies.push(policy);
                }
            }
            Section::Role | Section::ResourceGroup | Section::Scope => {
                let binding = Binding {
                    policy: self.string_field(item, "policy"),
                    default: item
                        .get("default")
                        .and_then(|n| self.boolean(n, "`default`")),
                    annotations: self.annotations(item),
                    meta,
                };
                match section {
                    Section::Role => domain.roles.push(binding),
                    Section::ResourceGroup => domain.resource_groups.push(binding),
                    _ => domain.scopes.push(binding),
                }
            }
            Section::Group => domain.groups.push(Group {
                roles: self.strings_field(item, "roles"),
                annotations: self.annotations(item),
                meta,
            }),
            Section::Operation => domain.operations.push(Operation {
                selectors: self.selectors(section, &meta, item),
                policy: self.string_field(item, "policy"),
                meta,
            }),
            Section::Mapper => domain.mappers.push(Mapper {
                selectors: self.selectors(section, &meta, item),
                rego: self.rego(section, &meta, item),
                meta,
            }),
            Section::Resource => domain.resources.push(Resource {
                selectors: self.selectors(section, &meta, item),
                group: self.string_field(item, "group"),
                annotations: self.annotations(item),
                meta,
            }),
        }
    }

    fn string_field(&mut self, item: &Node, key: &str) -> Option<Text> {
        item.get(key)
            .and_then(|n| self.string(n, &format!("`{key}`")))
    }

    fn strings_field(&mut self, item: &Node, key: &str) -> Vec<Text> {
        item.get(key)
            .map(|n| self.strings(n, &format!("`{key}`")))
            .unwrap_or_default()
    }

    fn meta(&mut self, section: Section, index: usize, item: &Node) -> Meta {
        let mrn = self
            .string_field(item, "mrn")
            .filter(|t| !t.value.is_empty());
        let name = self
            .string_field(item, "name")
            .filter(|t| !t.value.is_empty());
        let description = self.string_field(item, "description");
        let id = if section.identified_by_mrn() {
            if mrn.is_none() {
                let help = if name.is_some() {
                    format!(
                        "the runtime identifies {} by `mrn`; `name` is only a label, so this entry would be stored under an empty id",
                        section.plural_noun()
                    )
                } else {
                    format!(
                        "add an `mrn`, such as `mrn:iam:{}:example`",
                        section.noun().replace(' ', "-")
                    )
                };
                self.missing_id(section, index, item, help);
            }
            mrn
        } else if name.is_some() {
            name.clone()
        } else if let Some(mrn) = mrn {
            self.report(
                Diagnostic::new(
                    Code::NameExpected,
                    self.at(mrn.span),
                    format!(
                        "{} `{}` is identified by `mrn`, but the runtime only reads `name`",
                        section.noun(),
                        mrn.value
                    ),
                )
                .with_label("used as the id here")
                .with_help(format!(
                    "rename `mrn` to `name` (the runtime would see this {} without a name)",
                    section.noun()
                )),
            );
            Some(mrn)
        } else {
            self.missing_id(
                section,
                index,
                item,
                format!("add a `name` to identify this {}", section.noun()),
            );
            None
        };
        Meta {
            id,
            name,
            description,
            span: item.span,
            index,
            malformed: false,
        }
    }

    fn missing_id(&mut self, section: Section, index: usize, item: &Node, help: String) {
        self.report(
            Diagnostic::new(
                Code::MissingId,
                self.at(first_line(item)),
                format!(
                    "{} at index {index} has no `{}`",
                    section.noun(),
                    section.id_field()
                ),
            )
            .with_label(format!("this {} has no id", section.noun()))
            .with_help(help),
        );
    }

    fn selectors(&mut self, section: Section, meta: &Meta, item: &Node) -> Vec<Text> {
        let selectors = self.strings_field(item, "selector");
        let present = item.get("selector");
        let wrong_type =
            present.is_some_and(|n| !matches!(n.kind, NodeKind::Sequence(_)) && !n.is_null());
        if selectors.is_empty() && !wrong_type {
            let at = item
                .get("selector")
                .map_or_else(|| first_line(item), |n| n.span);
            let what = describe(section, meta);
            let misspelt = item.get("selectors").is_some();
            self.report(
                Diagnostic::new(Code::MissingSelector, self.at(at), format!("{what} has no `selector`"))
                    .with_label(if present.is_some() { "empty selector list" } else { "no `selector` in this entry" })
                    .with_help(if misspelt {
                        "the key is `selector` (singular); `selectors` is ignored by the runtime".to_string()
                    } else {
                        format!("add `selector:` with at least one regular expression; {} without one never matches", with_article(section.noun()))
                    }),
            );
        }
        selectors
    }

    fn rego(&mut self, section: Section, meta: &Meta, item: &Node) -> Option<Rego> {
        let inline = item.get("rego");
        let file = item.get("rego_filename");
        let what = describe(section, meta);
        let reference = self.kind == Kind::PolicyDomainReference;
        if let (Some(_), Some(file)) = (inline, file) {
            if reference {
                self.report(
                    Diagnostic::new(
                        Code::RegoAndRegoFilename,
                        self.at(key_span(item, "rego_filename")),
                        format!("{what} has both `rego` and `rego_filename`"),
                    )
                    .with_label("`rego_filename` here")
                    .with_related(self.at(key_span(item, "rego")), "`rego` here")
                    .with_help("keep one: inline Rego, or a file to inline when building"),
                );
                return None;
            }
            self.report(
                Diagnostic::new(
                    Code::RegoFilenameIgnored,
                    self.at(file.span),
                    "`rego_filename` is ignored in a `PolicyDomain`; only `PolicyDomainReference` files are built",
                )
                .with_label("never read")
                .with_help("remove it, or change `kind` to `PolicyDomainReference` and drop the inline `rego`"),
            );
        }
        if let Some(inline) = inline {
            let scalar = inline.as_scalar();
            return match scalar {
                Some(s) if !s.is_null() && !s.text.trim().is_empty() => Some(Rego::Inline {
                    text: s.text.clone(),
                    span: inline.span,
                    style: s.style,
                }),
                Some(_) => {
                    self.missing_rego(&what, inline.span, "empty `rego`");
                    None
                }
                None => {
                    self.wrong_type(inline, "`rego`", "a string of Rego source");
                    None
                }
            };
        }
        if let Some(file) = file {
            if !reference {
                let diagnostic = Diagnostic::new(Code::MissingRego, self.at(file.span), format!("{what} has no `rego`"))
                    .with_label("`rego_filename` is not read in a `PolicyDomain`")
                    .with_help("change `kind` to `PolicyDomainReference` and run `pdc build`, or inline the Rego with `rego: |`");
                self.report(diagnostic);
                return None;
            }
            return match &file.kind {
                NodeKind::Scalar(s) if s.is_null() || s.text.trim().is_empty() => {
                    self.report(
                        Diagnostic::new(
                            Code::RegoFileEmpty,
                            self.at(file.span),
                            "`rego_filename` is empty",
                        )
                        .with_label("no file named")
                        .with_help("name a `.rego` file, relative to this YAML file"),
                    );
                    None
                }
                NodeKind::Scalar(s) => Some(Rego::File {
                    path: Text {
                        value: s.text.clone(),
                        span: file.span,
                    },
                    source: None,
                }),
                _ => {
                    self.wrong_type(file, "`rego_filename`", "a file path");
                    None
                }
            };
        }
        self.missing_rego(
            &what,
            first_line(item),
            &format!("this {} has no Rego", section.noun()),
        );
        None
    }

    fn missing_rego(&mut self, what: &str, span: Span, label: &str) {
        let help = if self.kind == Kind::PolicyDomainReference {
            "add `rego: |` with the Rego source, or `rego_filename:` naming a `.rego` file"
        } else {
            "add `rego: |` followed by the Rego source"
        };
        self.report(
            Diagnostic::new(
                Code::MissingRego,
                self.at(span),
                format!("{what} has no `rego`"),
            )
            .with_label(label)
            .with_help(help),
        );
    }

    fn annotations(&mut self, item: &Node) -> Vec<Annotation> {
        let Some(list) = item.get("annotations") else {
            return Vec::new();
        };
        let items = match &list.kind {
            NodeKind::Sequence(items) => items,
            NodeKind::Scalar(s) if s.is_null() => return Vec::new(),
            _ => {
                self.wrong_type(list, "`annotations`", "a list of `name`/`value` entries");
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for entry in items {
            let Some(entries) = entry.as_mapping() else {
                self.wrong_type(
                    entry,
                    "each annotation",
                    "a mapping with `name` and `value`",
                );
                continue;
            };
            self.unknown_keys(entries, ANNOTATION_KEYS, "an annotation");
            let name = entry
                .get("name")
                .and_then(|n| self.string(n, "annotation `name`"));
            let value = entry.get("value").and_then(|v| self.annotation_value(v));
            let merge = match entry.get("merge") {
                Some(merge) if !self.version.has_resources_and_merge() => {
                    self.report(
                        Diagnostic::new(
                            Code::IgnoredByVersion,
                            self.at(key_span(entry, "merge")),
                            format!("annotation `merge` is ignored by apiVersion `{}`", self.version.as_str()),
                        )
                        .with_label("never read")
                        .with_help("merge strategies need `apiVersion: iamlite.manetu.io/v1alpha4` or later"),
                    );
                    let _ = merge;
                    None
                }
                Some(merge) => self.string(merge, "annotation `merge`"),
                None => None,
            };
            out.push(Annotation {
                name,
                value,
                merge,
                span: entry.span,
            });
        }
        out
    }

    /// v1alpha3/v1alpha4 values are JSON text in a string; v1beta1 takes any YAML value.
    fn annotation_value(&mut self, value: &Node) -> Option<Node> {
        if self.version.native_annotation_values() || value.as_scalar().is_some() {
            return Some(value.clone());
        }
        self.wrong_type(
            value,
            &format!(
                "an annotation value in apiVersion `{}`",
                self.version.as_str()
            ),
            "a string holding JSON",
        );
        if let Some(last) = self.out.last_mut() {
            last.help = Some("write the value as JSON text, such as `'[\"a\", \"b\"]'`, or use apiVersion `iamlite.manetu.io/v1beta1` for native values".into());
        }
        None
    }

    fn annotation_defaults(&mut self, spec: &Node, defaults: &Node) -> Option<Text> {
        if !self.version.has_resources_and_merge() {
            self.report(
                Diagnostic::new(
                    Code::IgnoredByVersion,
                    self.at(key_span(spec, "annotation-defaults")),
                    format!(
                        "`annotation-defaults` is ignored by apiVersion `{}`",
                        self.version.as_str()
                    ),
                )
                .with_label("never read"),
            );
            return None;
        }
        let entries = self.mapping(defaults, "`annotation-defaults`")?;
        self.unknown_keys(entries, &["merge"], "`annotation-defaults`");
        defaults
            .get("merge")
            .and_then(|m| self.string(m, "`annotation-defaults.merge`"))
    }
}

/// "an operation", "a mapper".
fn with_article(noun: &str) -> String {
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {noun}")
}

/// "policy `mrn:x`", or "policy at index 3" when it has no id.
fn describe(section: Section, meta: &Meta) -> String {
    match meta.id() {
        Some(id) => format!("{} `{id}`", section.noun()),
        None => format!("{} at index {}", section.noun(), meta.index),
    }
}

/// The span of a key in a mapping (the mapping's first line when absent).
fn key_span(mapping: &Node, key: &str) -> Span {
    mapping
        .as_mapping()
        .and_then(|entries| entries.iter().find(|e| e.key.as_str() == Some(key)))
        .map_or_else(|| first_line(mapping), |e| e.key.span)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_stream;

    fn lower(text: &str) -> (Option<Domain>, Vec<Diagnostic>) {
        let parsed = parse_stream(text, FileId(0));
        let mut out = parsed.diagnostics;
        let lowered = lower_document(&parsed.documents[0], FileId(0), true, &mut out);
        match lowered {
            LoweredDocument::Domain(d) => (Some(*d), out),
            _ => (None, out),
        }
    }

    fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
        diagnostics.iter().map(|d| d.code.id()).collect()
    }

    const HEADER: &str =
        "apiVersion: iamlite.manetu.io/v1alpha4\nkind: PolicyDomain\nmetadata:\n  name: d\n";

    #[test]
    fn a_complete_domain_lowers_without_diagnostics() {
        let text = format!(
            "{HEADER}spec:\n  policies:\n    - mrn: p\n      rego: |\n        package authz\n  roles:\n    - mrn: r\n      policy: p\n      annotations:\n        - name: a\n          value: '\"x\"'\n          merge: replace\n  groups:\n    - mrn: g\n      roles: [r]\n  operations:\n    - name: o\n      selector: [\".*\"]\n      policy: p\n"
        );
        let (domain, diagnostics) = lower(&text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let domain = domain.unwrap();
        assert_eq!(domain.name.value, "d");
        assert_eq!(domain.api_version, ApiVersion::V1alpha4);
        assert_eq!(domain.policies[0].meta.id(), Some("p"));
        assert_eq!(
            domain.roles[0].annotations[0].merge.as_ref().unwrap().value,
            "replace"
        );
        assert_eq!(domain.groups[0].roles[0].value, "r");
        assert_eq!(domain.references().len(), 3);
    }

    #[test]
    fn wrong_types_are_reported_once_and_do_not_cascade() {
        let text = format!("{HEADER}spec:\n  roles:\n    - mrn: r\n      policy: [a, b]\n");
        let (_, diagnostics) = lower(&text);
        assert_eq!(codes(&diagnostics), ["PD208"]);
    }

    #[test]
    fn unknown_keys_suggest_the_closest_key() {
        let text =
            format!("{HEADER}spec:\n  operations:\n    - name: o\n      selectors: [\".*\"]\n");
        let (_, diagnostics) = lower(&text);
        assert_eq!(codes(&diagnostics), ["PD209", "PD207"]);
        assert!(
            diagnostics[0]
                .help
                .as_deref()
                .unwrap()
                .contains("did you mean `selector`?")
        );
    }

    #[test]
    fn missing_ids_rego_and_selectors_are_errors() {
        let text = format!(
            "{HEADER}spec:\n  policies:\n    - name: only-a-name\n  mappers:\n    - name: m\n"
        );
        let (_, diagnostics) = lower(&text);
        assert_eq!(codes(&diagnostics), ["PD205", "PD206", "PD207", "PD206"]);
    }

    #[test]
    fn missing_metadata_and_name_are_reported() {
        let (_, diagnostics) = lower("apiVersion: iamlite.manetu.io/v1beta1\nkind: PolicyDomain\n");
        assert_eq!(codes(&diagnostics), ["PD201"]);
        let (_, diagnostics) = lower(
            "apiVersion: iamlite.manetu.io/v1beta1\nkind: PolicyDomain\nmetadata:\n  name:\n",
        );
        assert_eq!(codes(&diagnostics), ["PD202"]);
    }

    #[test]
    fn unknown_version_and_kind_suggest_the_right_spelling() {
        let (domain, diagnostics) = lower(
            "apiVersion: iamlite.manetu.io/v1beta2\nkind: PolicyDomian\nmetadata:\n  name: x\n",
        );
        assert!(domain.is_some());
        assert_eq!(codes(&diagnostics), ["PD204", "PD203"]);
        assert!(
            diagnostics[1]
                .help
                .as_deref()
                .unwrap()
                .contains("`PolicyDomain`")
        );
    }

    #[test]
    fn v1alpha3_ignores_resources_and_merge() {
        let text = "apiVersion: iamlite.manetu.io/v1alpha3\nkind: PolicyDomain\nmetadata:\n  name: d\nspec:\n  roles:\n    - mrn: r\n      policy: p\n      annotations:\n        - name: a\n          value: '1'\n          merge: union\n  resources:\n    - name: x\n      selector: [a]\n";
        let (domain, diagnostics) = lower(text);
        assert_eq!(codes(&diagnostics), ["PD210", "PD210"]);
        assert!(
            domain
                .unwrap()
                .references()
                .iter()
                .all(|r| r.field != "group")
        );
    }

    #[test]
    fn v1alpha4_annotation_values_must_be_strings() {
        let text = format!(
            "{HEADER}spec:\n  roles:\n    - mrn: r\n      policy: p\n      annotations:\n        - name: a\n          value: [1, 2]\n"
        );
        let (_, diagnostics) = lower(&text);
        assert_eq!(codes(&diagnostics), ["PD208"]);
    }

    #[test]
    fn rego_filename_rules_depend_on_the_kind() {
        let reference = "apiVersion: iamlite.manetu.io/v1beta1\nkind: PolicyDomainReference\nmetadata:\n  name: d\nspec:\n  policies:\n    - mrn: a\n      rego: x\n      rego_filename: f.rego\n    - mrn: b\n      rego_filename: \"\"\n    - mrn: c\n      rego_filename: c.rego\n";
        let (domain, diagnostics) = lower(reference);
        assert_eq!(codes(&diagnostics), ["PD211", "PD153"]);
        assert!(matches!(
            domain.unwrap().policies[2].rego,
            Some(Rego::File { .. })
        ));
        let plain = reference.replace("PolicyDomainReference", "PolicyDomain");
        let (_, diagnostics) = lower(&plain);
        assert_eq!(codes(&diagnostics), ["PD213", "PD206", "PD206"]);
    }

    #[test]
    fn non_policy_domain_documents_are_skipped_or_rejected() {
        let parsed = parse_stream("foo: bar\n", FileId(0));
        let mut out = Vec::new();
        assert!(matches!(
            lower_document(&parsed.documents[0], FileId(0), false, &mut out),
            LoweredDocument::Skipped
        ));
        assert!(out.is_empty());
        lower_document(&parsed.documents[0], FileId(0), true, &mut out);
        assert_eq!(codes(&out), ["PD212"]);
    }
}

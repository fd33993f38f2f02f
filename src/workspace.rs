//! Workspace: the pipeline from paths to checked domains.
//!
//! [`load`] finds files, then reads, parses and lowers them in parallel (each file is
//! independent), and resolves `rego_filename`s. [`check`] adds the cross-domain checks. Both
//! return data; nothing here prints.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::checks::{self, Context};
use crate::config::{self, Config};
use crate::diagnostics::{self, Code, Counts, Diagnostic};
use crate::graph::Graph;
use crate::index::Index;
use crate::model::{self, Domain, LoweredDocument, rego_files};
use crate::rego::RegoVersion;
use crate::sources::{
    self, DiscoverError, FileId, Input, Location, SourceFile, SourceMap, Span, Tree,
};
use crate::syntax;

/// Choices made on the command line, which win over `pdc.toml`.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub rego_version: Option<RegoVersion>,
    /// `--base REV`: also check delete-safety against this Git revision.
    pub base: Option<String>,
}

/// Why a check could not run at all (exit 2).
#[derive(Debug)]
pub enum CheckError {
    Discover(DiscoverError),
    Base(crate::diff::side::SideError),
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckError::Discover(e) => e.fmt(f),
            CheckError::Base(e) => write!(f, "cannot read the base revision: {e}"),
        }
    }
}

impl std::error::Error for CheckError {}

/// Everything read from a set of paths.
#[derive(Debug, Default)]
pub struct Workspace {
    pub sources: SourceMap,
    /// `pdc.toml`, or the defaults.
    pub config: Config,
    /// Where each YAML file came from.
    pub origins: HashMap<FileId, rego_files::Origin>,
    /// The directory each YAML file is named relative to in the bundle ([`Input::anchor`]).
    pub anchors: HashMap<FileId, PathBuf>,
    /// What the files were read from.
    pub tree: Tree,
    pub domains: Vec<Domain>,
    /// Names of domains whose document a syntax error cut short.
    pub broken_domains: Vec<String>,
    /// Problems found while reading, parsing and lowering.
    pub diagnostics: Vec<Diagnostic>,
    /// Number of YAML files read.
    pub files: usize,
    /// Documents skipped during directory walks because they are not PolicyDomains.
    pub skipped_documents: usize,
}

/// Outcome of one file, computed independently of all others.
struct FileOutcome {
    text: String,
    diagnostics: Vec<Diagnostic>,
    documents: Vec<LoweredDocument>,
}

/// Reads, parses and lowers the YAML files under `paths` (relative to `cwd`) on disk.
pub fn load(paths: &[PathBuf], cwd: &Path) -> Result<Workspace, DiscoverError> {
    load_tree(Tree::Disk, paths, cwd)
}

/// Reads, parses and lowers the YAML files under `paths` (relative to `cwd`) in `tree`:
/// the disk, or a Git revision in memory (with the `pdc.toml` at its root).
pub fn load_tree(tree: Tree, paths: &[PathBuf], cwd: &Path) -> Result<Workspace, DiscoverError> {
    let (inputs, walk_problems, config_path) = match &tree {
        Tree::Disk => {
            let (inputs, problems) = sources::discover(paths, cwd)?;
            (inputs, problems, config::find(paths, cwd))
        }
        Tree::Snapshot(snapshot) => (
            sources::discover_snapshot(snapshot, paths, cwd),
            Vec::new(),
            Some(snapshot.root.join(config::FILE_NAME)).filter(|p| tree.is_file(p)),
        ),
    };
    let outcomes: Vec<FileOutcome> = inputs
        .par_iter()
        .enumerate()
        .map(|(i, input)| read_file(&tree, input, FileId(i as u32)))
        .collect();

    let mut workspace = Workspace {
        files: inputs.len(),
        ..Workspace::default()
    };
    let mut origins = HashMap::new();
    let mut anchors = HashMap::new();
    for (i, (input, outcome)) in inputs.iter().zip(outcomes).enumerate() {
        let file = FileId(i as u32);
        let mut source =
            SourceFile::new(input.name.clone(), Some(input.path.clone()), outcome.text);
        if let Tree::Snapshot(snapshot) = &tree {
            source = source.at_revision(&snapshot.label);
        }
        let id = workspace.sources.add(source);
        debug_assert_eq!(id, file);
        origins.insert(
            file,
            rego_files::Origin {
                path: input.path.clone(),
                root: input.root.clone(),
            },
        );
        anchors.insert(file, input.anchor.clone());
        let unreadable = outcome
            .diagnostics
            .iter()
            .any(|d| d.code == Code::FileUnreadable);
        let other_documents = outcome
            .diagnostics
            .iter()
            .any(|d| d.code == Code::NotAPolicyDomain);
        workspace.diagnostics.extend(outcome.diagnostics);
        let mut domains_in_file = 0;
        for document in outcome.documents {
            match document {
                LoweredDocument::Domain(domain) => {
                    domains_in_file += 1;
                    workspace.domains.push(*domain);
                }
                LoweredDocument::Skipped if !input.explicit => workspace.skipped_documents += 1,
                LoweredDocument::Skipped => {}
                LoweredDocument::Empty => {}
                LoweredDocument::Broken { name } => {
                    domains_in_file += 1;
                    workspace.broken_domains.extend(name);
                }
            }
        }
        if input.explicit && domains_in_file == 0 && !unreadable && !other_documents {
            workspace.diagnostics.push(
                Diagnostic::new(
                    Code::NotAPolicyDomain,
                    Location::new(file, Span::at(0)),
                    "this file holds no PolicyDomain document",
                )
                .with_label("empty")
                .with_help("a PolicyDomain starts with `apiVersion: iamlite.manetu.io/...` and `kind: PolicyDomain`"),
            );
        }
    }
    if let Some(path) = config_path {
        let name = match &tree {
            Tree::Disk => sources::display_path(&sources::relative_to(
                &path,
                &std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf()),
            )),
            Tree::Snapshot(snapshot) => format!("{}:{}", snapshot.label, config::FILE_NAME),
        };
        match tree.read_text(&path) {
            Ok(text) => {
                let mut source = SourceFile::new(name, Some(path), text);
                if let Tree::Snapshot(snapshot) = &tree {
                    source = source.at_revision(&snapshot.label);
                }
                let file = workspace.sources.add(source);
                match config::parse(&workspace.sources.get(file).text, file) {
                    Ok(config) => {
                        workspace.config = Config {
                            file: Some(file),
                            ..config
                        }
                    }
                    Err(diagnostic) => workspace.diagnostics.push(diagnostic),
                }
            }
            Err(message) => {
                let file =
                    workspace
                        .sources
                        .add(SourceFile::new(name.clone(), Some(path), String::new()));
                workspace.diagnostics.push(Diagnostic::new(
                    Code::InvalidConfig,
                    Location::file(file),
                    format!("cannot read `{name}`: {message}"),
                ));
            }
        }
    }
    let nothing_read = workspace.domains.is_empty() && workspace.broken_domains.is_empty();
    if nothing_read
        && !workspace.diagnostics.iter().any(|d| {
            d.severity == diagnostics::Severity::Error
                || d.category() == crate::diagnostics::Category::File
                || d.code == Code::NotAPolicyDomain
        })
    {
        let shown: Vec<String> = paths
            .iter()
            .map(|p| format!("`{}`", sources::display_path(p)))
            .collect();
        let file = workspace.sources.add(SourceFile::new(
            shown.join(", ").replace('`', ""),
            None,
            String::new(),
        ));
        workspace.diagnostics.push(
            Diagnostic::new(
                Code::NothingToCheck,
                Location::file(file),
                format!("no PolicyDomain documents found under {}", shown.join(", ")),
            )
            .with_help("pdc reads `.yml` and `.yaml` files holding `apiVersion: iamlite.manetu.io/...`; directory walks skip hidden directories and files ignored by `.gitignore`, so name such a directory explicitly"),
        );
    }
    for problem in walk_problems {
        let file = workspace
            .sources
            .add(SourceFile::new(problem.name, None, String::new()));
        workspace.diagnostics.push(Diagnostic::new(
            Code::FileUnreadable,
            Location::file(file),
            format!("cannot read part of the tree: {}", problem.message),
        ));
    }
    rego_files::resolve(
        &tree,
        &mut workspace.domains,
        &origins,
        &mut workspace.sources,
        cwd,
        &mut workspace.diagnostics,
    );
    workspace.origins = origins;
    workspace.anchors = anchors;
    workspace.tree = tree;
    Ok(workspace)
}

fn read_file(tree: &Tree, input: &Input, file: FileId) -> FileOutcome {
    let unreadable = |text: String, diagnostic: Diagnostic| FileOutcome {
        text,
        diagnostics: vec![diagnostic],
        documents: Vec::new(),
    };
    let bytes = match tree.read_bytes(&input.path) {
        Ok(bytes) => bytes,
        Err(message) => {
            return unreadable(
                String::new(),
                Diagnostic::new(
                    Code::FileUnreadable,
                    Location::file(file),
                    format!("cannot read `{}`: {message}", input.name),
                )
                .with_help(
                    "check the file's permissions, or exclude it in `.gitignore` or `.ignore`",
                ),
            );
        }
    };
    let text = match sources::decode(&bytes) {
        Ok(text) => text,
        Err(bad) => {
            let end = bad.text[bad.offset..]
                .chars()
                .next()
                .map_or(bad.offset, |c| bad.offset + c.len_utf8());
            return unreadable(
                bad.text,
                Diagnostic::new(
                    Code::FileUnreadable,
                    Location::new(file, Span::new(bad.offset, end)),
                    format!("`{}` is not valid UTF-8 text", input.name),
                )
                .with_label("first byte that is not UTF-8")
                .with_help("save the file as UTF-8; YAML files are Unicode text, and pdc does not guess other encodings"),
            );
        }
    };
    let parsed = syntax::parse_stream(&text, file);
    if !input.explicit && !parsed.diagnostics.is_empty() && !text.contains(model::ApiVersion::GROUP)
    {
        // Met during a walk and never naming the PolicyDomain API: some other tool's file
        // (a Helm template, a half-written config). Skipped like any other foreign document.
        return FileOutcome {
            text,
            diagnostics: Vec::new(),
            documents: vec![LoweredDocument::Skipped],
        };
    }
    let mut diagnostics = parsed.diagnostics;
    let documents = parsed
        .documents
        .iter()
        .map(|document| model::lower_document(document, file, input.explicit, &mut diagnostics))
        .collect();
    FileOutcome {
        text,
        diagnostics,
        documents,
    }
}

/// Counts for the summary line and the JSON report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: usize,
    pub domains: usize,
    pub entities: usize,
    pub skipped_documents: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

/// The outcome of `pdc check`: what was read and everything found, in stable order.
#[derive(Debug)]
pub struct Report {
    pub workspace: Workspace,
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
}

impl Workspace {
    /// A domain's source file relative to its anchor (`/`-separated): the repository root,
    /// or outside a repository the directory holding every path given; the same wherever
    /// pdc runs from.
    pub fn relative_file(&self, file: FileId) -> String {
        let shown = &self.sources.get(file).name;
        let (Some(origin), Some(anchor)) = (self.origins.get(&file), self.anchors.get(&file))
        else {
            return shown.clone();
        };
        let path = self.tree.canonical(&origin.path);
        let root = self.tree.canonical(anchor);
        path.strip_prefix(&root)
            .map_or_else(|_| shown.clone(), sources::display_path)
    }
}

/// Runs every cross-domain check over a loaded workspace.
pub fn analyze(workspace: &Workspace, options: &Options) -> Vec<Diagnostic> {
    let index = Index::build(&workspace.domains, &workspace.broken_domains);
    let graph = Graph::build(&index);
    let damaged_files = workspace
        .diagnostics
        .iter()
        .filter(|d| d.category() == crate::diagnostics::Category::Yaml)
        .map(|d| d.location.file)
        .collect();
    let context = Context {
        damaged_files: &damaged_files,
        sources: &workspace.sources,
        domains: &workspace.domains,
        index: &index,
        graph: &graph,
        rego_version: options
            .rego_version
            .or(workspace.config.rego.version)
            .unwrap_or_default(),
    };
    let mut found = checks::run(&context);
    found.extend(crate::diff::safety::unknown_external(workspace, &index));
    found
}

/// Loads and checks the PolicyDomains under `paths`.
pub fn check(paths: &[PathBuf], cwd: &Path, options: &Options) -> Result<Report, CheckError> {
    let (current, base) = rayon::join(
        || load(paths, cwd).map_err(CheckError::Discover),
        || {
            options
                .base
                .as_ref()
                .map(|rev| {
                    crate::diff::side::revision_side(rev, paths, cwd).map_err(CheckError::Base)
                })
                .transpose()
        },
    );
    let mut workspace = current?;
    let base = base?;
    let mut found = analyze(&workspace, options);
    if let (Some(base), Some(revision)) = (&base, &options.base)
        && let Some(base_workspace) = &base.workspace
    {
        let (current_bundle, _) = crate::bundle::compile_model(&workspace);
        let safety = crate::diff::safety::check(
            &mut workspace,
            base_workspace,
            &base.compiled.bundle,
            &current_bundle,
            revision,
        );
        // a removed entity explains the dangling reference better than "not found"
        let places: std::collections::HashSet<Location> = safety
            .iter()
            .filter(|d| d.code == Code::RemovedButReferenced)
            .map(|d| d.location)
            .collect();
        // likewise "was removed" explains an external MRN defined nowhere
        let external_removed: std::collections::HashSet<Location> = safety
            .iter()
            .filter(|d| d.code == Code::ExternalMrnRemoved)
            .flat_map(|d| d.related.iter().map(|r| r.location))
            .collect();
        found.retain(|d| {
            !(matches!(d.code, Code::UnresolvedReference | Code::UnknownDomain)
                && places.contains(&d.location)
                || d.code == Code::ExternalMrnUnknown && external_removed.contains(&d.location))
        });
        found.extend(safety);
    }
    let mut diagnostics = std::mem::take(&mut workspace.diagnostics);
    diagnostics.append(&mut found);
    diagnostics::sort_and_dedup(&mut diagnostics, &workspace.sources);
    let counts = Counts::of(&diagnostics);
    let summary = Summary {
        files: workspace.files,
        domains: workspace.domains.len(),
        entities: workspace.domains.iter().map(Domain::entity_count).sum(),
        skipped_documents: workspace.skipped_documents,
        errors: counts.errors,
        warnings: counts.warnings,
        notes: counts.notes,
    };
    Ok(Report {
        workspace,
        diagnostics,
        summary,
    })
}

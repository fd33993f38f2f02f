//! Sources: which files pdc reads, and the text it read from them.
//!
//! Every later stage points into the text through a [`Location`] (a [`FileId`] and a byte
//! [`Span`]), so locations stay small and each file is read exactly once. Line and column
//! numbers are computed only when a diagnostic is rendered.

use std::path::{Component, Path, PathBuf};

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A half-open byte range in one file's text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    /// An empty span at `offset`.
    pub fn at(offset: usize) -> Self {
        Span::new(offset, offset)
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A place in a source file: the file and, when known, the bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub file: FileId,
    pub span: Option<Span>,
}

impl Location {
    pub fn new(file: FileId, span: Span) -> Self {
        Location {
            file,
            span: Some(span),
        }
    }

    /// The whole file, without a position inside it.
    pub fn file(file: FileId) -> Self {
        Location { file, span: None }
    }
}

/// 1-based line and column (the column counts characters, not bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// One file's name and text.
#[derive(Debug)]
pub struct SourceFile {
    /// The name shown to users: as given on the command line, or the walked directory joined
    /// with the path below it.
    pub name: String,
    /// Where the file lives on disk, when it came from disk; for a file of a Git revision,
    /// where it lies in that revision's tree.
    pub path: Option<PathBuf>,
    /// The Git revision the text was read from, when it is not the working tree's.
    pub revision: Option<String>,
    pub text: String,
    line_starts: Vec<u32>,
}

impl SourceFile {
    pub fn new(name: String, path: Option<PathBuf>, text: String) -> Self {
        let mut line_starts = vec![0u32];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| (i + 1) as u32),
        );
        SourceFile {
            name,
            path,
            revision: None,
            text,
            line_starts,
        }
    }

    /// The file as read from Git revision `revision`.
    pub fn at_revision(mut self, revision: &str) -> Self {
        self.revision = Some(revision.to_string());
        self
    }

    /// Line and column of a byte offset (clamped to the text).
    pub fn line_col(&self, offset: u32) -> LineCol {
        let offset = (offset as usize).min(self.text.len());
        let line_index = self
            .line_starts
            .partition_point(|&start| start as usize <= offset)
            .saturating_sub(1);
        let line_start = self.line_starts[line_index] as usize;
        let column = self
            .text
            .get(line_start..offset)
            .map_or(offset - line_start, |prefix| prefix.chars().count())
            + 1;
        LineCol {
            line: line_index + 1,
            column,
        }
    }

    /// Byte offset of the start of a 1-based line (the end of the text past the last line).
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line.saturating_sub(1))
            .map_or(self.text.len(), |&s| s as usize)
    }
}

/// Every file a run has read, addressed by [`FileId`].
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId((self.files.len() - 1) as u32)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }
}

/// A YAML file selected for checking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// Path to read.
    pub path: PathBuf,
    /// Name shown in diagnostics.
    pub name: String,
    /// Named on the command line (must hold PolicyDomains), rather than found by a walk.
    pub explicit: bool,
    /// The repository root that `rego_filename` paths may not leave.
    pub root: PathBuf,
    /// The directory the bundle names the file relative to: the marked repository root
    /// (`.git`, `pdc.toml`), else the deepest directory holding every path given, so that
    /// the names never depend on where pdc runs.
    pub anchor: PathBuf,
}

/// Why a set of paths could not be turned into inputs. These are invocation problems (exit 2),
/// not findings.
#[derive(Debug)]
pub enum DiscoverError {
    NotFound(PathBuf),
}

impl std::fmt::Display for DiscoverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiscoverError::NotFound(p) => write!(f, "path `{}` does not exist", p.display()),
        }
    }
}

impl std::error::Error for DiscoverError {}

/// A directory entry that could not be read during a walk.
#[derive(Clone, Debug)]
pub struct WalkProblem {
    pub name: String,
    pub message: String,
}

/// Finds the YAML files under `paths` (resolved against `cwd`).
///
/// Directories are walked recursively for `.yml`/`.yaml`, honouring `.gitignore`, `.ignore`
/// and hidden files the way `git` and `ripgrep` do. The result is sorted by display name and
/// free of duplicates, so the order of arguments and of entries on disk never matters.
pub fn discover(
    paths: &[PathBuf],
    cwd: &Path,
) -> Result<(Vec<Input>, Vec<WalkProblem>), DiscoverError> {
    let mut inputs = Vec::new();
    let mut problems = Vec::new();
    let mut dirs = Vec::new();
    for given in paths {
        let path = cwd.join(given);
        let metadata =
            std::fs::metadata(&path).map_err(|_| DiscoverError::NotFound(given.clone()))?;
        let shown = display_path(given);
        let dir = if metadata.is_dir() {
            path.clone()
        } else {
            path.parent().unwrap_or(cwd).to_path_buf()
        };
        let root = repository_root(&dir, cwd);
        let first = inputs.len();
        if metadata.is_dir() {
            walk_directory(&path, &shown, &root, &mut inputs, &mut problems);
        } else {
            inputs.push(Input {
                path,
                name: shown,
                explicit: true,
                anchor: root.clone(),
                root,
            });
        }
        dirs.push((first..inputs.len(), dir));
    }
    let common = common_ancestor(dirs.iter().map(|(_, dir)| canonical(dir)));
    for (range, dir) in dirs {
        let anchor = marked_root(&dir).unwrap_or_else(|| common.clone());
        for input in &mut inputs[range] {
            input.anchor = anchor.clone();
        }
    }
    inputs.sort_by(|a, b| a.name.cmp(&b.name).then(b.explicit.cmp(&a.explicit)));
    let mut seen = std::collections::HashSet::new();
    inputs.retain(|input| {
        let key = std::fs::canonicalize(&input.path).unwrap_or_else(|_| input.path.clone());
        seen.insert(key)
    });
    problems.sort_by(|a, b| a.name.cmp(&b.name));
    Ok((inputs, problems))
}

fn walk_directory(
    dir: &Path,
    shown: &str,
    root: &Path,
    inputs: &mut Vec<Input>,
    problems: &mut Vec<WalkProblem>,
) {
    let walker = ignore::WalkBuilder::new(dir)
        .require_git(false)
        .follow_links(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        // A bundle inside the tree (`dist/`, often committed for `pdc build --verify`) is
        // output: its domains would clash with their own sources. Named directly, it is read.
        .filter_entry(|entry| {
            entry.depth() == 0
                || !entry.file_type().is_some_and(|t| t.is_dir())
                || !is_bundle_dir(entry.path())
        })
        .build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                // a link to a file is read through (as Git revisions are); links to
                // directories are not followed, which keeps walks finite
                let file = entry.file_type().is_some_and(|t| t.is_file())
                    || (entry.path_is_symlink() && entry.path().is_file());
                if !file || !is_yaml(entry.path()) {
                    continue;
                }
                let below = entry.path().strip_prefix(dir).unwrap_or(entry.path());
                inputs.push(Input {
                    path: entry.path().to_path_buf(),
                    name: join_display(shown, below),
                    explicit: false,
                    root: root.to_path_buf(),
                    anchor: root.to_path_buf(),
                });
            }
            Err(err) => problems.push(WalkProblem {
                name: shown.to_string(),
                message: err.to_string(),
            }),
        }
    }
}

/// Whether `dir` holds a bundle written by `pdc build`: a `manifest.json` of pdc's format.
pub fn is_bundle_dir(dir: &Path) -> bool {
    std::fs::read(dir.join("manifest.json")).is_ok_and(|bytes| is_bundle_manifest(&bytes))
}

/// Whether `bytes` are a `manifest.json` written by `pdc build`.
fn is_bundle_manifest(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(bytes)
        .is_ok_and(|manifest| manifest["format"] == crate::bundle::MANIFEST_FORMAT)
}

/// Whether a file name ends in `.yml` or `.yaml` (any case).
pub fn is_yaml(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"))
}

/// A path as the user gave it, with `/` separators and without `./` noise.
pub fn display_path(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| match c {
            Component::RootDir => String::new(),
            other => other.as_os_str().to_string_lossy().into_owned(),
        })
        .collect();
    if parts.is_empty() {
        return ".".to_string();
    }
    let joined = parts.join("/");
    if path.is_absolute() && !joined.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

fn join_display(dir: &str, below: &Path) -> String {
    let below = display_path(below);
    if dir == "." {
        below
    } else if dir.ends_with('/') {
        format!("{dir}{below}")
    } else {
        format!("{dir}/{below}")
    }
}

/// The directory that `rego_filename` paths must stay inside: the [`marked_root`] of `start`;
/// failing that the current directory when `start` is inside it, or `start` itself.
pub fn repository_root(start: &Path, cwd: &Path) -> PathBuf {
    if let Some(root) = marked_root(start) {
        return root;
    }
    let start = canonical(start);
    let cwd = canonical(cwd);
    if start.starts_with(&cwd) { cwd } else { start }
}

/// The nearest existing directory at or above the first of `paths` (which may be gone from
/// the work tree), or `cwd` when none is given: where to ask which repository holds them.
pub fn first_existing_dir(paths: &[PathBuf], cwd: &Path) -> PathBuf {
    let first = paths
        .first()
        .map_or_else(|| cwd.to_path_buf(), |p| cwd.join(p));
    first
        .ancestors()
        .find(|dir| dir.is_dir())
        .unwrap_or(cwd)
        .to_path_buf()
}

/// The nearest directory enclosing `start` (itself included) that holds `.git` or `pdc.toml`.
pub fn marked_root(start: &Path) -> Option<PathBuf> {
    canonical(start)
        .ancestors()
        .find(|dir| dir.join(".git").exists() || dir.join("pdc.toml").is_file())
        .map(Path::to_path_buf)
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The deepest directory that every one of `dirs` is inside (`/` when they share nothing).
fn common_ancestor(dirs: impl IntoIterator<Item = PathBuf>) -> PathBuf {
    let mut dirs = dirs.into_iter();
    let Some(mut common) = dirs.next() else {
        return PathBuf::from("/");
    };
    for dir in dirs {
        while !dir.starts_with(&common) {
            if !common.pop() {
                break;
            }
        }
    }
    common
}

/// Where file contents come from: the working tree on disk, or a snapshot of a Git revision
/// held in memory (for `pdc diff` and `pdc check --base`). Snapshot files sit at the paths they
/// would have in the work tree, so every path rule works the same on both.
#[derive(Debug, Default)]
pub enum Tree {
    #[default]
    Disk,
    Snapshot(Snapshot),
}

/// The files of one revision, by absolute path under the repository root.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// How the revision was named, such as `HEAD~1`.
    pub label: String,
    pub root: PathBuf,
    pub files: std::collections::BTreeMap<PathBuf, Vec<u8>>,
}

impl Tree {
    /// The bytes of a file, or what went wrong in words.
    pub fn read_bytes(&self, path: &Path) -> Result<Vec<u8>, String> {
        match self {
            Tree::Disk => std::fs::read(path).map_err(|e| io_message(&e)),
            Tree::Snapshot(snapshot) => snapshot
                .files
                .get(&lexical_normal(path))
                .cloned()
                .ok_or_else(|| "no such file in this revision".to_string()),
        }
    }

    pub fn read_text(&self, path: &Path) -> Result<String, String> {
        match self {
            Tree::Disk => read_text(path),
            Tree::Snapshot(snapshot) => match snapshot.files.get(&lexical_normal(path)) {
                Some(bytes) => decode_text(bytes),
                None => Err("no such file in this revision".to_string()),
            },
        }
    }

    pub fn is_file(&self, path: &Path) -> bool {
        match self {
            Tree::Disk => path.is_file(),
            Tree::Snapshot(snapshot) => snapshot.files.contains_key(&lexical_normal(path)),
        }
    }

    /// The path with symbolic links (on disk) and `.`/`..` resolved.
    pub fn canonical(&self, path: &Path) -> PathBuf {
        match self {
            Tree::Disk => std::fs::canonicalize(path).unwrap_or_else(|_| lexical_normal(path)),
            Tree::Snapshot(_) => lexical_normal(path),
        }
    }
}

/// Names files by their path from the repository root, the way code hosts address them
/// (GitHub annotations, SARIF's `%SRCROOT%`), whatever directory pdc ran in and however the
/// paths were given (`../x`, absolute, through `..`).
#[derive(Clone, Debug)]
pub struct RepositoryPaths {
    root: PathBuf,
    cwd: PathBuf,
}

impl RepositoryPaths {
    pub fn new(root: &Path, cwd: &Path) -> Self {
        RepositoryPaths {
            root: canonical(root),
            cwd: canonical(cwd),
        }
    }

    /// `file`'s path from the root, `/`-separated; its name as shown when it lies outside.
    pub fn of(&self, file: &SourceFile) -> String {
        let given = file
            .path
            .clone()
            .unwrap_or_else(|| PathBuf::from(&file.name));
        let resolved = if file.revision.is_some() {
            lexical_normal(&given)
        } else {
            let absolute = self.cwd.join(given);
            std::fs::canonicalize(&absolute).unwrap_or_else(|_| lexical_normal(&absolute))
        };
        resolved
            .strip_prefix(&self.root)
            .map_or_else(|_| file.name.clone(), display_path)
    }
}

/// `path` relative to the directory `base` (`../pdc.toml`), both taken as absolute or both
/// as relative to the same directory.
pub fn relative_to(path: &Path, base: &Path) -> PathBuf {
    let (path, base) = (lexical_normal(path), lexical_normal(base));
    let shared = path
        .components()
        .zip(base.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut relative = PathBuf::new();
    for _ in base.components().skip(shared) {
        relative.push("..");
    }
    for component in path.components().skip(shared) {
        relative.push(component.as_os_str());
    }
    relative
}

/// Removes `.` and folds `..` without touching the file system.
pub fn lexical_normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let at_parent = matches!(out.components().next_back(), Some(Component::ParentDir));
                if at_parent || (!out.pop() && !out.has_root()) {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The YAML files under `paths` in a Git revision, chosen as a directory walk on disk
/// chooses them: hidden files and directories below a given path, and bundles written by
/// `pdc build`, are left out; a file named exactly is always read. A path the revision does
/// not have contributes nothing (the revision before a directory was added, or after it was
/// removed): the caller decides whether an empty side makes sense.
pub fn discover_snapshot(snapshot: &Snapshot, paths: &[PathBuf], cwd: &Path) -> Vec<Input> {
    let bundles: Vec<&Path> = snapshot
        .files
        .iter()
        .filter(|(path, bytes)| {
            path.file_name().is_some_and(|n| n == "manifest.json") && is_bundle_manifest(bytes)
        })
        .filter_map(|(path, _)| path.parent())
        .collect();
    let mut inputs = Vec::new();
    for given in paths {
        let wanted = lexical_normal(&cwd.join(given));
        let exact = snapshot.files.contains_key(&wanted);
        for path in snapshot.files.keys() {
            if !(path == &wanted || path.starts_with(&wanted)) || !is_yaml(path) {
                continue;
            }
            if !exact {
                let below = path.strip_prefix(&wanted).unwrap_or(path);
                let hidden = below
                    .components()
                    .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
                let in_bundle = bundles
                    .iter()
                    .any(|dir| *dir != wanted && path.starts_with(dir) && dir.starts_with(&wanted));
                if hidden || in_bundle {
                    continue;
                }
            }
            let relative = path.strip_prefix(&snapshot.root).unwrap_or(path);
            inputs.push(Input {
                path: path.clone(),
                name: format!("{}:{}", snapshot.label, display_path(relative)),
                explicit: exact,
                root: snapshot.root.clone(),
                anchor: snapshot.root.clone(),
            });
        }
    }
    inputs.sort_by(|a, b| a.name.cmp(&b.name));
    inputs.dedup_by(|a, b| a.path == b.path);
    inputs
}

/// Reads a file as UTF-8 text, dropping a byte-order mark. The error says what went wrong in
/// words a user can act on.
pub fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| io_message(&e))?;
    decode_text(&bytes)
}

/// UTF-8 text without a byte-order mark, or where the first invalid byte is.
fn decode_text(bytes: &[u8]) -> Result<String, String> {
    decode(bytes).map_err(|bad| {
        let line = bad.text[..bad.offset].matches('\n').count() + 1;
        format!(
            "the file is not valid UTF-8 (first bad byte at offset {}, line {line})",
            bad.offset
        )
    })
}

/// Text that is not UTF-8: where the first bad byte is, and the text with bad bytes replaced
/// (identical up to that offset), so a diagnostic can show the line.
#[derive(Debug)]
pub struct NotUtf8 {
    pub offset: usize,
    pub text: String,
}

/// UTF-8 text without a byte-order mark.
pub fn decode(bytes: &[u8]) -> Result<String, NotUtf8> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(e) => Err(NotUtf8 {
            offset: e.valid_up_to(),
            text: String::from_utf8_lossy(bytes).into_owned(),
        }),
    }
}

/// An I/O error in lower-case words, without Rust's `(os error N)` suffix.
pub fn io_message(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            let text = err.to_string();
            let text = text.split(" (os error").next().unwrap_or(&text).to_string();
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().chain(chars).collect(),
                None => text,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_with_parent_components() {
        assert_eq!(
            relative_to(Path::new("/r/rego/a.rego"), Path::new("/r/domains")),
            PathBuf::from("../rego/a.rego")
        );
        assert_eq!(
            relative_to(Path::new("/r/a.rego"), Path::new("/r")),
            PathBuf::from("a.rego")
        );
        assert_eq!(
            relative_to(Path::new("/r/x/../a.rego"), Path::new("/r/./d")),
            PathBuf::from("../a.rego")
        );
    }

    #[test]
    fn line_col_counts_characters_from_one() {
        let file = SourceFile::new("f".into(), None, "ab\ncé d\n".into());
        assert_eq!(file.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(file.line_col(3), LineCol { line: 2, column: 1 });
        // `d` is byte 7 (é is two bytes) but the third character of line 2
        assert_eq!(file.line_col(7), LineCol { line: 2, column: 4 });
        assert_eq!(file.line_col(100).line, 3);
    }

    #[test]
    fn display_path_drops_current_dir_components() {
        assert_eq!(display_path(Path::new("./a/./b.yml")), "a/b.yml");
        assert_eq!(display_path(Path::new(".")), ".");
        assert_eq!(display_path(Path::new("/x/y")), "/x/y");
        assert_eq!(join_display(".", Path::new("d/f.yml")), "d/f.yml");
        assert_eq!(join_display("dir/", Path::new("f.yml")), "dir/f.yml");
    }

    #[test]
    fn yaml_extension_is_case_insensitive() {
        assert!(is_yaml(Path::new("a.YML")));
        assert!(is_yaml(Path::new("a.yaml")));
        assert!(!is_yaml(Path::new("a.json")));
    }
}

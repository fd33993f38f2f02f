//! Git: the few facts pdc reads from a repository, by running `git` itself.
//!
//! Shelling out keeps pdc small and handles every repository layout `git` does (worktrees,
//! alternates, partial clones). Failures are values, never panics: a tree outside Git, or a
//! machine without `git`, simply has no revision.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::sources::{Snapshot, lexical_normal};

/// The commit a tree is at, and whether the given paths have uncommitted changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revision {
    pub commit: String,
    pub dirty: bool,
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("LC_ALL", "C")
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The revision of the work tree containing `dir`, with `dirty` set when anything under
/// `watched` (absolute files and directories: what a build read and the paths it was given)
/// differs from that commit: modified, staged, deleted or untracked, or when something it
/// read is ignored by Git (and so cannot be in the commit). `None` outside a work tree, or
/// before the first commit.
pub fn revision(dir: &Path, watched: &[PathBuf]) -> Option<Revision> {
    let commit = git(dir, &["rev-parse", "--verify", "-q", "HEAD"])?
        .trim()
        .to_string();
    if commit.is_empty() {
        return None;
    }
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    let top = canonical(Path::new(top.trim_end_matches(['\n', '\r'])));
    let status = git(
        dir,
        &[
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--ignored=matching",
            "--no-renames",
        ],
    )?;
    let watched: Vec<PathBuf> = watched.iter().map(|p| canonical(p)).collect();
    let dirty = status
        .split('\0')
        .filter(|entry| entry.len() > 3)
        .any(|entry| {
            let path = lexical_normal(&top.join(&entry[3..]));
            if entry.starts_with("!!") {
                // ignored: matters only when it is, or holds, something the build read
                watched.iter().any(|w| w.starts_with(&path))
            } else {
                watched.iter().any(|w| path.starts_with(w))
            }
        });
    Some(Revision { commit, dirty })
}

/// `path` with symbolic links resolved where it exists (a deleted file keeps its lexical form
/// under its resolved parent), so it compares equal to Git's view of the same file.
fn canonical(path: &Path) -> PathBuf {
    if let Ok(resolved) = std::fs::canonicalize(path) {
        return resolved;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => canonical(parent).join(name),
        _ => lexical_normal(path),
    }
}

/// Why a revision could not be read. These are invocation problems (exit 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitError {
    /// `git` is not installed or could not be started.
    Unavailable(String),
    /// The directory is not inside a Git work tree.
    NotARepository(PathBuf),
    /// The revision does not name a commit; the reason when one is known (it names a tree
    /// or a blob, the clone is shallow).
    UnknownRevision(String, Option<String>),
    /// `git` failed in some other way.
    Failed(String),
}

impl std::fmt::Display for GitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GitError::Unavailable(e) => write!(f, "cannot run `git`: {e}"),
            GitError::NotARepository(dir) => {
                write!(f, "`{}` is not inside a Git repository", dir.display())
            }
            GitError::UnknownRevision(rev, None) => write!(f, "unknown revision `{rev}`"),
            GitError::UnknownRevision(rev, Some(why)) => {
                write!(f, "unknown revision `{rev}`: {why}")
            }
            GitError::Failed(e) => write!(f, "git failed: {e}"),
        }
    }
}

impl std::error::Error for GitError {}

/// The work tree root of the repository containing `dir`.
pub fn toplevel(dir: &Path) -> Result<PathBuf, GitError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--show-toplevel"])
        .output()
        .map_err(|e| GitError::Unavailable(e.to_string()))?;
    if !output.status.success() {
        return Err(GitError::NotARepository(dir.to_path_buf()));
    }
    let root = String::from_utf8_lossy(&output.stdout).trim().to_string();
    Ok(std::fs::canonicalize(&root).unwrap_or_else(|_| PathBuf::from(root)))
}

/// Reads the files under `paths` (relative to `cwd`) as they are in revision `rev`, without
/// touching the work tree: one `git ls-tree` and one `git cat-file --batch`. The repository
/// is the one holding the first path (which may be gone from the work tree), so pdc can run
/// from outside it.
pub fn snapshot(cwd: &Path, rev: &str, paths: &[PathBuf]) -> Result<Snapshot, GitError> {
    let root = toplevel(&crate::sources::first_existing_dir(paths, cwd))?;
    let commit = git(
        &root,
        &["rev-parse", "--verify", "-q", &format!("{rev}^{{commit}}")],
    )
    .map(|s| s.trim().to_string())
    .filter(|s| !s.is_empty())
    .ok_or_else(|| GitError::UnknownRevision(rev.to_string(), why_not_a_commit(&root, rev)))?;
    let cwd = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_path_buf());
    let mut specs: Vec<String> = Vec::new();
    for path in paths {
        let absolute = lexical_normal(&cwd.join(path));
        let relative = absolute.strip_prefix(&root).map_err(|_| {
            GitError::Failed(format!(
                "`{}` is outside the repository at `{}`",
                path.display(),
                root.display()
            ))
        })?;
        let spec = relative.to_string_lossy().replace('\\', "/");
        specs.push(if spec.is_empty() {
            ".".to_string()
        } else {
            spec
        });
    }
    // the repository's own settings at that revision come along
    specs.push(crate::config::FILE_NAME.to_string());
    let mut args = vec!["ls-tree", "-r", "-z", "--full-tree", commit.as_str(), "--"];
    args.extend(specs.iter().map(String::as_str));
    let listing = git(&root, &args)
        .ok_or_else(|| GitError::Failed(format!("cannot list the files of `{rev}`")))?;
    let files = read_listing(&root, &commit, &listing)?;
    Ok(Snapshot {
        label: rev.to_string(),
        root,
        files,
    })
}

/// The files of an `ls-tree -r -z` listing of `commit` in the repository at `root`, as a
/// checkout would hold them: symbolic links read through, and submodules at the commits the
/// listing records (one not checked out, or lacking that commit, adds nothing, as its empty
/// directory does on disk).
fn read_listing(
    root: &Path,
    commit: &str,
    listing: &str,
) -> Result<BTreeMap<PathBuf, Vec<u8>>, GitError> {
    let mut wanted: Vec<(String, PathBuf)> = Vec::new();
    let mut links: Vec<(String, PathBuf)> = Vec::new();
    let mut submodules: Vec<(&str, PathBuf)> = Vec::new();
    // "<mode> <type> <object>\t<path>" entries separated by NUL
    for entry in listing.split('\0').filter(|e| !e.is_empty()) {
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let mut fields = meta.split(' ');
        match (fields.next(), fields.next(), fields.next()) {
            (Some("120000"), Some("blob"), Some(object)) => {
                links.push((object.to_string(), root.join(path)));
            }
            (_, Some("blob"), Some(object)) => wanted.push((object.to_string(), root.join(path))),
            (Some("160000"), Some("commit"), Some(object)) => {
                submodules.push((object, root.join(path)));
            }
            _ => {}
        }
    }
    let mut files = cat_files(root, &wanted)?;
    follow_links(root, commit, &links, &mut files)?;
    for (commit, sub_root) in submodules {
        if let Some(listing) = git(&sub_root, &["ls-tree", "-r", "-z", "--full-tree", commit]) {
            files.extend(read_listing(&sub_root, commit, &listing)?);
        }
    }
    Ok(files)
}

/// Why `rev` names no commit, when Git can say: it names another kind of object, or the
/// history is cut short by a shallow clone (CI checkouts often are).
fn why_not_a_commit(root: &Path, rev: &str) -> Option<String> {
    if let Some(kind) = git(root, &["cat-file", "-t", rev]) {
        let kind = kind.trim();
        if !kind.is_empty() && kind != "commit" {
            return Some(format!("it names a {kind}, not a commit"));
        }
    }
    let shallow = git(root, &["rev-parse", "--is-shallow-repository"])?;
    (shallow.trim() == "true").then(|| {
        "this clone is shallow and may not hold it; fetch more history \
         (`git fetch --unshallow`, or `fetch-depth: 0` in actions/checkout)"
            .to_string()
    })
}

/// Adds the files that symbolic links in the revision point at, under the links' own paths,
/// as a checkout reading through the links would see them. A link out of the repository or
/// to something the revision lacks (or to a directory) is left out, as a dangling link is.
fn follow_links(
    root: &Path,
    commit: &str,
    links: &[(String, PathBuf)],
    files: &mut BTreeMap<PathBuf, Vec<u8>>,
) -> Result<(), GitError> {
    if links.is_empty() {
        return Ok(());
    }
    let targets = cat_files(root, links)?;
    let mut wanted = Vec::new();
    for (link, target) in &targets {
        let Ok(target) = std::str::from_utf8(target) else {
            continue;
        };
        let resolved = lexical_normal(&link.parent().unwrap_or(root).join(target));
        if let Ok(inside) = resolved.strip_prefix(root) {
            let name = inside.to_string_lossy().replace('\\', "/");
            wanted.push((format!("{commit}:{name}"), link.clone()));
        }
    }
    files.extend(cat_files(root, &wanted)?);
    Ok(())
}

/// Reads many blobs through one `git cat-file --batch`; an object the repository lacks is
/// left out.
fn cat_files(
    root: &Path,
    wanted: &[(String, PathBuf)],
) -> Result<BTreeMap<PathBuf, Vec<u8>>, GitError> {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| GitError::Unavailable(e.to_string()))?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| GitError::Failed("no stdin".into()))?;
    let requests: String = wanted
        .iter()
        .map(|(object, _)| format!("{object}\n"))
        .collect();
    // write from another thread so a full output pipe never blocks the input
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(requests.as_bytes());
    });
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| GitError::Failed("no stdout".into()))?;
    let mut reader = BufReader::new(stdout);
    let mut files = BTreeMap::new();
    for (object, path) in wanted {
        let mut header = String::new();
        reader
            .read_line(&mut header)
            .map_err(|e| GitError::Failed(e.to_string()))?;
        if header.trim_end().ends_with(" missing") || header.trim_end().ends_with(" ambiguous") {
            continue;
        }
        let mut parts = header.split_whitespace();
        let (Some(_), Some(kind), Some(size)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(GitError::Failed(format!(
                "unexpected output reading object {object}: {header}"
            )));
        };
        let size: usize = size
            .parse()
            .map_err(|_| GitError::Failed(format!("bad size for {object}")))?;
        let mut content = vec![0; size + 1];
        reader
            .read_exact(&mut content)
            .map_err(|e| GitError::Failed(e.to_string()))?;
        content.pop();
        if kind == "blob" {
            files.insert(path.clone(), content);
        }
    }
    let _ = writer.join();
    let _ = child.wait();
    Ok(files)
}

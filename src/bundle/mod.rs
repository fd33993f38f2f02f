//! Bundle: the build output, written only for an error-free workspace.
//!
//! `DIR/domains/<domain>.yaml` are deployable PolicyDomains, `DIR/bundle.json` the compiled
//! model ([`model`]), `DIR/sourcemap.json` where each entity was written, and
//! `DIR/manifest.json` the format version, pdc version, source revision and the SHA-256 of
//! every other file. All of it is assembled in a temporary directory beside `DIR` and renamed
//! into place, so an interrupted or failed build never leaves a partial or mixed bundle.

pub mod annotations;
pub mod model;
pub mod yaml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::graph::Graph;
use crate::index::Index;
use crate::workspace::Workspace;
use model::{Bundle, Compiler, sha256_hex};

/// Version of the manifest's shape.
pub const MANIFEST_VERSION: u32 = 1;

/// The manifest's `format`, which also marks a directory as a pdc bundle: one a build may
/// replace, and one a directory walk leaves out.
pub const MANIFEST_FORMAT: &str = "pdc-manifest";

/// Where the sources came from, as recorded in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum SourceRevision {
    /// Read from a Git work tree.
    Git { commit: String, dirty: bool },
    /// Given with `--revision`.
    Given { revision: String },
}

#[derive(Debug, Serialize)]
struct Manifest<'a> {
    domains: BTreeMap<&'a str, &'a str>,
    files: &'a BTreeMap<String, String>,
    format: &'static str,
    format_version: u32,
    pdc: Tool,
    source: Option<&'a SourceRevision>,
}

#[derive(Debug, Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

/// The files of a build, in memory, before anything touches the disk.
#[derive(Debug)]
pub struct Output {
    /// Relative path to contents, sorted.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Domain name to its deployable file.
    pub domains: BTreeMap<String, String>,
}

/// The compiled model of a workspace and where each entity was written. Works on any
/// workspace; references that do not resolve keep their text.
pub fn compile_model(workspace: &Workspace) -> (Bundle, model::SourceMapFile) {
    let index = Index::build(&workspace.domains, &workspace.broken_domains);
    let graph = Graph::build(&index);
    let files = |domain: &crate::model::Domain| workspace.relative_file(domain.file);
    let compiler = Compiler {
        sources: &workspace.sources,
        index: &index,
        graph: &graph,
        files: &files,
    };
    compiler.compile()
}

/// Compiles an error-free workspace into the bundle's files.
pub fn compile(workspace: &Workspace, revision: Option<&SourceRevision>) -> Output {
    let files = |domain: &crate::model::Domain| workspace.relative_file(domain.file);
    let (bundle, source_map) = compile_model(workspace);
    let mut out = BTreeMap::new();
    let mut domains = BTreeMap::new();
    let mut taken = std::collections::BTreeSet::new();
    let mut ordered: Vec<&crate::model::Domain> = workspace.domains.iter().collect();
    ordered.sort_by(|a, b| a.name.value.cmp(&b.name.value));
    let mut paths = Vec::new();
    for domain in ordered {
        let mut stem = file_stem(&domain.name.value);
        let mut n = 2;
        while !taken.insert(stem.clone()) {
            stem = format!("{}-{n}", file_stem(&domain.name.value));
            n += 1;
        }
        let path = format!("domains/{stem}.yaml");
        domains.insert(domain.name.value.clone(), path.clone());
        paths.push((path, domain));
    }
    let ((rendered, bundle_json), sourcemap_json) = rayon::join(
        || {
            rayon::join(
                || {
                    paths
                        .par_iter()
                        .map(|(path, domain)| {
                            (
                                path.clone(),
                                yaml::render(domain, &workspace.sources, &files(domain))
                                    .into_bytes(),
                            )
                        })
                        .collect::<Vec<_>>()
                },
                || canonical_json(&bundle),
            )
        },
        || canonical_json(&source_map),
    );
    out.extend(rendered);
    out.insert("bundle.json".to_string(), bundle_json);
    out.insert("sourcemap.json".to_string(), sourcemap_json);
    let hashes: BTreeMap<String, String> = out
        .par_iter()
        .map(|(k, v)| (k.clone(), sha256_hex(v)))
        .collect();
    let manifest = Manifest {
        format: MANIFEST_FORMAT,
        format_version: MANIFEST_VERSION,
        pdc: Tool {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        },
        source: revision,
        domains: domains
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect(),
        files: &hashes,
    };
    out.insert("manifest.json".to_string(), canonical_json(&manifest));
    Output {
        files: out,
        domains,
    }
}

/// Compact JSON with a final newline. Output structs declare their fields in alphabetical
/// order and every map is a `BTreeMap`, so the derived serializer already writes sorted keys;
/// a test checks that against a key-sorting re-serialization.
pub fn canonical_json<T: Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(value).expect("the bundle model always serializes");
    bytes.push(b'\n');
    bytes
}

/// A file name for a domain: letters, digits, `.`, `-` and `_`; anything else becomes `_`.
fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.is_empty() || stem.chars().all(|c| c == '.') {
        format!("_{stem}")
    } else {
        stem
    }
}

/// The files of `dir` that differ from `output`, are missing, or should not be there. The
/// manifest is compared without its `source` revision, which changes with every commit.
pub fn stale_files(output: &Output, dir: &Path) -> Vec<String> {
    let mut stale = Vec::new();
    let comparable = |name: &str, bytes: &[u8]| -> Vec<u8> {
        if name != "manifest.json" {
            return bytes.to_vec();
        }
        match serde_json::from_slice::<serde_json::Value>(bytes) {
            Ok(mut value) => {
                if let Some(map) = value.as_object_mut() {
                    map.remove("source");
                }
                canonical_json(&value)
            }
            Err(_) => bytes.to_vec(),
        }
    };
    for (name, bytes) in &output.files {
        match std::fs::read(dir.join(name)) {
            Ok(existing) if comparable(name, &existing) == comparable(name, bytes) => {}
            Ok(_) => stale.push(format!("`{name}` differs")),
            Err(_) => stale.push(format!("`{name}` is missing")),
        }
    }
    let mut extra: Vec<String> = entries_below(dir)
        .into_iter()
        .filter(|name| !output.files.contains_key(name))
        .map(|name| format!("`{name}` should not be there"))
        .collect();
    extra.sort();
    stale.extend(extra);
    stale
}

/// Every file under `dir` and every empty directory (with a final `/`), `/`-separated and
/// relative to `dir`: what a build would delete unless it writes it again. Symbolic links
/// are entries, not followed.
fn entries_below(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    while let Some((path, prefix)) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        let mut empty = true;
        for entry in entries.filter_map(Result::ok) {
            empty = false;
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => pending.push((entry.path(), format!("{name}/"))),
                _ => found.push(name),
            }
        }
        if empty && !prefix.is_empty() {
            found.push(prefix);
        }
    }
    found
}

/// Why the output could not be written.
#[derive(Debug)]
pub struct WriteError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot write `{}`: {}",
            self.path.display(),
            self.message
        )
    }
}

impl std::error::Error for WriteError {}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |e| WriteError {
        path: path.to_path_buf(),
        message: crate::sources::io_message(&e),
    }
}

/// Writes `output` to `dir`: everything goes to a temporary sibling directory first, synced
/// to disk, which then replaces `dir` (on Linux in one atomic exchange, so `dir` never goes
/// missing). On any failure `dir` is left as it was.
///
/// Because the whole directory is replaced, `dir` must not hold any of `sources` (the files
/// the build read: path on disk and name shown), and when it exists it must be empty or hold
/// an earlier bundle.
pub fn write(output: &Output, dir: &Path, sources: &[(PathBuf, String)]) -> Result<(), WriteError> {
    let refuse = |message: String| WriteError {
        path: dir.to_path_buf(),
        message,
    };
    if dir.exists() && !dir.is_dir() {
        return Err(refuse("exists and is not a directory".to_string()));
    }
    let target = absolute(dir).map_err(io_error(dir))?;
    let (Some(parent), Some(name)) = (target.parent(), target.file_name()) else {
        return Err(refuse("is not a directory pdc can replace".to_string()));
    };
    let (parent, name) = (parent.to_path_buf(), name.to_string_lossy().into_owned());
    let inside = |path: &PathBuf| absolute(path).is_ok_and(|path| path.starts_with(&target));
    if let Some((_, shown)) = sources.iter().find(|(path, _)| inside(path)) {
        return Err(refuse(format!(
            "it holds `{shown}`, which this build reads, and a build replaces the whole \
             directory; write the bundle outside the sources (the default is `dist/`)"
        )));
    }
    if target.is_dir() && !holds_a_bundle_or_nothing(&target) {
        return Err(refuse(
            "it is not empty and holds no pdc bundle (no pdc `manifest.json`), and a build \
             replaces the whole directory; choose a new or empty directory"
                .to_string(),
        ));
    }
    std::fs::create_dir_all(&parent).map_err(io_error(&parent))?;
    remove_abandoned(&parent, &name);
    let staging = parent.join(format!(".{name}.pdc-staging-{}", std::process::id()));
    let result = stage(output, &staging).and_then(|()| swap(&staging, &target, &parent, &name));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    // name the directory the user asked for; the temporary one only as a detail
    result.map_err(|error| WriteError {
        path: dir.to_path_buf(),
        message: if error.path == target {
            error.message
        } else {
            format!("{} (at `{}`)", error.message, error.path.display())
        },
    })
}

/// `path` made absolute and with symbolic links resolved as far as it exists.
fn absolute(path: &Path) -> std::io::Result<PathBuf> {
    if let Ok(resolved) = std::fs::canonicalize(path) {
        return Ok(resolved);
    }
    let path = std::path::absolute(path)?;
    Ok(match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => absolute(parent)?.join(name),
        _ => path,
    })
}

/// Whether `dir` is empty or holds a bundle that pdc wrote.
fn holds_a_bundle_or_nothing(dir: &Path) -> bool {
    let empty = std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none());
    empty || crate::sources::is_bundle_dir(dir)
}

/// Removes the staging and retired directories that builds into `parent/name` killed midway
/// left behind. Those of a build still running (Linux: its `/proc` entry exists) are kept.
fn remove_abandoned(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let can_tell_alive = Path::new("/proc/self").exists();
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&format!(".{name}.pdc-")) else {
            continue;
        };
        let pid = rest
            .strip_prefix("staging-")
            .or_else(|| rest.strip_prefix("previous-"))
            .and_then(|pid| pid.parse::<u32>().ok());
        let abandoned = pid.is_some_and(|pid| {
            pid != std::process::id()
                && can_tell_alive
                && !Path::new(&format!("/proc/{pid}")).exists()
        });
        if abandoned {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn stage(output: &Output, staging: &Path) -> Result<(), WriteError> {
    if staging.exists() {
        std::fs::remove_dir_all(staging).map_err(io_error(staging))?;
    }
    let mut dirs = std::collections::BTreeSet::from([staging.to_path_buf()]);
    for (relative, bytes) in &output.files {
        let path = staging.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io_error(parent))?;
            dirs.insert(parent.to_path_buf());
        }
        write_synced(&path, bytes).map_err(io_error(&path))?;
    }
    for dir in dirs.iter().rev() {
        sync_dir(dir);
    }
    Ok(())
}

/// Writes a file and waits until its contents are on disk, so the rename that publishes it
/// can never expose an empty or partial file after a crash.
fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Makes a directory's entries durable. Best effort: not every platform can open a directory.
fn sync_dir(dir: &Path) {
    if let Ok(handle) = std::fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

fn swap(staging: &Path, dir: &Path, parent: &Path, name: &str) -> Result<(), WriteError> {
    if !dir.exists() {
        std::fs::rename(staging, dir).map_err(io_error(dir))?;
        sync_dir(parent);
        return Ok(());
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        // Old and new bundle trade places in one step; `staging` then holds the old one.
        if renameat_with(CWD, staging, CWD, dir, RenameFlags::EXCHANGE).is_ok() {
            sync_dir(parent);
            let _ = std::fs::remove_dir_all(staging);
            return Ok(());
        }
    }
    // Without an atomic exchange (other systems, some file systems): two renames.
    let retired = parent.join(format!(".{name}.pdc-previous-{}", std::process::id()));
    std::fs::rename(dir, &retired).map_err(io_error(dir))?;
    if let Err(e) = std::fs::rename(staging, dir) {
        let _ = std::fs::rename(&retired, dir);
        return Err(io_error(dir)(e));
    }
    sync_dir(parent);
    let _ = std::fs::remove_dir_all(&retired);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(file_stem("payments"), "payments");
        assert_eq!(file_stem("team a/b"), "team_a_b");
        assert_eq!(file_stem(".."), "_..");
    }
}

//! One side of a diff: a path on disk, a `bundle.json` from `pdc build`, or a Git revision
//! (`REV` or `REV:path`) read straight from the repository without a checkout.

use std::path::{Path, PathBuf};

use super::Compiled;
use crate::bundle::compile_model;
use crate::bundle::model::{Bundle, FORMAT_VERSION, SourceMapFile};
use crate::git::{self, GitError};
use crate::sources::{DiscoverError, Tree};
use crate::workspace::{self, Workspace};

/// Why a side could not be read. All are invocation problems (exit 2).
#[derive(Debug)]
pub enum SideError {
    Git(GitError),
    Discover(DiscoverError),
    Bundle {
        path: PathBuf,
        message: String,
    },
    /// Not a path on disk, and not a revision either.
    Neither {
        spec: String,
        git: GitError,
    },
}

impl std::fmt::Display for SideError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SideError::Git(e) => e.fmt(f),
            SideError::Discover(e) => e.fmt(f),
            SideError::Bundle { path, message } => {
                write!(f, "cannot read bundle `{}`: {message}", path.display())
            }
            SideError::Neither { spec, git } => {
                write!(
                    f,
                    "`{spec}` is neither an existing path nor a revision: {git}"
                )
            }
        }
    }
}

impl std::error::Error for SideError {}

/// A loaded side: its compiled model and, unless it was a bundle, the workspace it came from.
#[derive(Debug)]
pub struct Side {
    pub compiled: Compiled,
    pub workspace: Option<Workspace>,
}

/// Reads `spec`: an existing path (a `.json` bundle or PolicyDomain files), else `REV:path`,
/// else a revision whose `default_paths` are read.
pub fn load(spec: &str, default_paths: &[PathBuf], cwd: &Path) -> Result<Side, SideError> {
    let on_disk = cwd.join(spec);
    if on_disk.exists() {
        if on_disk.is_file() && on_disk.extension().is_some_and(|e| e == "json") {
            return read_bundle(&on_disk, spec);
        }
        let workspace =
            workspace::load(&[PathBuf::from(spec)], cwd).map_err(SideError::Discover)?;
        return Ok(from_workspace(spec, workspace));
    }
    let (revision, paths) = match spec.split_once(':') {
        Some((revision, path)) if !path.is_empty() => (revision, vec![PathBuf::from(path)]),
        Some((revision, _)) => (revision, default_paths.to_vec()),
        None => (spec, default_paths.to_vec()),
    };
    revision_side(revision, &paths, cwd).map_err(|error| match error {
        // neither a path nor a revision: say both
        SideError::Git(git) => SideError::Neither {
            spec: spec.to_string(),
            git,
        },
        other => other,
    })
}

/// `paths` as they are in `revision`.
pub fn revision_side(revision: &str, paths: &[PathBuf], cwd: &Path) -> Result<Side, SideError> {
    let snapshot = git::snapshot(cwd, revision, paths).map_err(SideError::Git)?;
    let workspace =
        workspace::load_tree(Tree::Snapshot(snapshot), paths, cwd).map_err(SideError::Discover)?;
    Ok(from_workspace(revision, workspace))
}

/// Compiles a loaded workspace into a side.
pub fn from_workspace(label: &str, workspace: Workspace) -> Side {
    let (bundle, locations) = compile_model(&workspace);
    Side {
        compiled: Compiled {
            label: label.to_string(),
            bundle,
            locations,
        },
        workspace: Some(workspace),
    }
}

fn read_bundle(path: &Path, label: &str) -> Result<Side, SideError> {
    let error = |message: String| SideError::Bundle {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| error(crate::sources::io_message(&e)))?;
    let bundle: Bundle =
        serde_json::from_str(&text).map_err(|e| error(format!("not a pdc bundle ({e})")))?;
    if bundle.format != "pdc-bundle" || bundle.format_version > FORMAT_VERSION {
        return Err(error(format!(
            "format `{}` version {} is not one this pdc reads (pdc-bundle up to {FORMAT_VERSION})",
            bundle.format, bundle.format_version
        )));
    }
    let locations: SourceMapFile = path
        .parent()
        .map(|dir| dir.join("sourcemap.json"))
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    Ok(Side {
        compiled: Compiled {
            label: label.to_string(),
            bundle,
            locations,
        },
        workspace: None,
    })
}

//! Finding and reading the `.rego` files that `rego_filename` names.
//!
//! A path is tried relative to the YAML file's directory first and then, as the incumbent
//! `mpe build` does, relative to the current directory (with a warning, since such a
//! repository only builds from one directory). Paths may not leave the repository root:
//! a bundle must never inline a file from elsewhere on the build machine.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{Domain, Rego, Text};
use crate::diagnostics::{Code, Diagnostic};
use crate::sources::{self, FileId, Location, SourceFile, SourceMap, Tree, lexical_normal};

/// Where a YAML file came from, for resolving the paths it names.
#[derive(Clone, Debug)]
pub struct Origin {
    /// The YAML file on disk.
    pub path: PathBuf,
    /// The root `rego_filename` may not leave.
    pub root: PathBuf,
}

/// Fills in [`Rego::File::source`] for every `rego_filename` of `domains`, adding the files
/// read to `sources`. Each file is read once however many entries name it.
pub fn resolve(
    tree: &Tree,
    domains: &mut [Domain],
    origins: &HashMap<FileId, Origin>,
    sources: &mut SourceMap,
    cwd: &Path,
    out: &mut Vec<Diagnostic>,
) {
    let mut cache: HashMap<PathBuf, Option<FileId>> = HashMap::new();
    for domain in domains.iter_mut() {
        let Some(origin) = origins.get(&domain.file) else {
            continue;
        };
        let yaml_name = sources.get(domain.file).name.clone();
        let file = domain.file;
        let mut entries: Vec<&mut Option<Rego>> = Vec::new();
        entries.extend(domain.libraries.iter_mut().map(|p| &mut p.rego));
        entries.extend(domain.policies.iter_mut().map(|p| &mut p.rego));
        entries.extend(domain.mappers.iter_mut().map(|m| &mut m.rego));
        for rego in entries {
            let Some(Rego::File { path, source }) = rego else {
                continue;
            };
            let resolver = Resolver {
                tree,
                file,
                origin,
                yaml_name: &yaml_name,
                cwd,
            };
            *source = resolver.resolve(path, sources, &mut cache, out);
        }
    }
}

struct Resolver<'a> {
    tree: &'a Tree,
    file: FileId,
    origin: &'a Origin,
    yaml_name: &'a str,
    cwd: &'a Path,
}

impl Resolver<'_> {
    fn at(&self, text: &Text) -> Location {
        Location::new(self.file, text.span)
    }

    fn resolve(
        &self,
        value: &Text,
        sources: &mut SourceMap,
        cache: &mut HashMap<PathBuf, Option<FileId>>,
        out: &mut Vec<Diagnostic>,
    ) -> Option<FileId> {
        let given = Path::new(&value.value);
        let yaml_dir = self.origin.path.parent().unwrap_or(Path::new("."));
        let beside_yaml = yaml_dir.join(given);
        let from_cwd = self.cwd.join(given);
        let tree = self.tree;
        let root = tree.canonical(&self.origin.root);

        let (found, via_cwd) = if tree.is_file(&beside_yaml) {
            (beside_yaml.clone(), false)
        } else if !given.is_absolute() && tree.is_file(&from_cwd) {
            (from_cwd.clone(), true)
        } else {
            (beside_yaml.clone(), false)
        };
        let inside = |p: &Path| tree.canonical(&absolute(p, self.cwd)).starts_with(&root);
        if !inside(&found) {
            out.push(
                Diagnostic::new(
                    Code::RegoFileOutsideRoot,
                    self.at(value),
                    format!("rego file `{}` is outside the repository root", value.value),
                )
                .with_label("leaves the repository")
                .with_help(
                    "keep Rego files inside the repository (the nearest directory above holding `.git` or `pdc.toml`) and name them relative to the YAML file",
                ),
            );
            return None;
        }
        if !tree.is_file(&found) {
            let beside = display(&beside_yaml, self.cwd);
            let mut help = format!("looked for `{beside}` (beside the YAML file)");
            let elsewhere = display(&from_cwd, self.cwd);
            if !given.is_absolute() && elsewhere != beside {
                help.push_str(&format!(" and `{elsewhere}` (in the current directory)"));
            }
            if let Some(similar) = similar_file(tree, &beside_yaml) {
                let suggestion = given.with_file_name(&similar);
                help = format!(
                    "did you mean `{}`? {help}",
                    sources::display_path(&suggestion)
                );
            }
            // something is there, but not a file pdc will read (a directory, a FIFO, ...)
            let other = match tree {
                Tree::Disk => std::fs::metadata(&found).ok().map(|m| {
                    if m.is_dir() {
                        ("a directory", "a directory, not a file")
                    } else {
                        (
                            "not a regular file",
                            "a FIFO, socket or device: pdc reads only plain files",
                        )
                    }
                }),
                Tree::Snapshot(_) => None,
            };
            if other.is_some_and(|(what, _)| what == "a directory") {
                let dir = value.value.trim_end_matches('/');
                help = format!("name a file in it, such as `{dir}/policy.rego`");
            }
            let (message, label) = match other {
                Some((what, label)) => (
                    format!("rego file `{}` is {what}", value.value),
                    label.to_string(),
                ),
                None => (
                    format!("rego file `{}` not found", value.value),
                    "no such file".to_string(),
                ),
            };
            out.push(
                Diagnostic::new(Code::RegoFileNotFound, self.at(value), message)
                    .with_label(label)
                    .with_help(help),
            );
            return None;
        }
        if via_cwd {
            out.push(
                Diagnostic::new(
                    Code::RegoFileFromCwd,
                    self.at(value),
                    format!(
                        "rego file `{}` was found relative to the current directory, not to the YAML file",
                        value.value
                    ),
                )
                .with_label("resolved against the current directory")
                .with_help(format!(
                    "write `{}`, the path from the YAML file's directory; as written, it only resolves when pdc runs from this directory",
                    sources::display_path(&sources::relative_to(&tree.canonical(&found), &tree.canonical(yaml_dir)))
                )),
            );
        }
        let key = tree.canonical(&found);
        if let Some(cached) = cache.get(&key) {
            return *cached;
        }
        // line ends are layout, as in YAML, whose parser normalises them: a checkout with
        // CRLF line ends must build the same bundle
        let text = tree.read_text(&found).map(|text| {
            if text.contains('\r') {
                text.replace("\r\n", "\n")
            } else {
                text
            }
        });
        let result = match text {
            Err(message) => {
                out.push(
                    Diagnostic::new(
                        Code::RegoFileNotFound,
                        self.at(value),
                        format!("cannot read rego file `{}`: {message}", value.value),
                    )
                    .with_label("unreadable"),
                );
                None
            }
            Ok(text) if text.trim().is_empty() => {
                out.push(
                    Diagnostic::new(
                        Code::RegoFileEmpty,
                        self.at(value),
                        format!("rego file `{}` is empty", value.value),
                    )
                    .with_label("this file has no Rego")
                    .with_help("a policy, library or mapper needs Rego source"),
                );
                None
            }
            Ok(text) => {
                let name = if via_cwd || given.is_absolute() {
                    sources::display_path(given)
                } else {
                    let dir = self.yaml_name.rsplit_once('/').map_or("", |(d, _)| d);
                    let joined = if dir.is_empty() {
                        sources::display_path(given)
                    } else {
                        format!("{dir}/{}", sources::display_path(given))
                    };
                    sources::display_path(&lexical_normal(Path::new(&joined)))
                };
                let mut source = SourceFile::new(name, Some(found.clone()), text);
                if let Tree::Snapshot(snapshot) = self.tree {
                    source = source.at_revision(&snapshot.label);
                }
                Some(sources.add(source))
            }
        };
        cache.insert(key, result);
        result
    }
}

fn absolute(path: &Path, cwd: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    }
}

/// The name of a file beside `missing` whose name is a likely typo of it.
fn similar_file(tree: &Tree, missing: &Path) -> Option<String> {
    let dir = missing.parent()?;
    let wanted = missing.file_name()?.to_str()?;
    let names: Vec<String> = match tree {
        Tree::Disk => std::fs::read_dir(dir)
            .ok()?
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .collect(),
        Tree::Snapshot(snapshot) => {
            let dir = lexical_normal(dir);
            snapshot
                .files
                .keys()
                .filter(|p| p.parent() == Some(dir.as_path()))
                .filter_map(|p| p.file_name()?.to_str().map(str::to_string))
                .collect()
        }
    };
    crate::diagnostics::suggest::closest(wanted, names.iter().map(String::as_str))
        .map(str::to_string)
}

/// A path for messages: relative to the current directory when below it.
fn display(path: &Path, cwd: &Path) -> String {
    let normal = lexical_normal(path);
    let cwd = lexical_normal(cwd);
    match normal.strip_prefix(&cwd) {
        Ok(rest) if !rest.as_os_str().is_empty() => sources::display_path(rest),
        Ok(_) => ".".to_string(),
        Err(_) => sources::display_path(&normal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_relative_to_the_current_directory() {
        assert_eq!(
            display(Path::new("/w/p/x.rego"), Path::new("/w")),
            "p/x.rego"
        );
        assert_eq!(
            display(Path::new("/elsewhere/x"), Path::new("/w")),
            "/elsewhere/x"
        );
    }
}

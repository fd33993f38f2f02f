//! Configuration: the optional `pdc.toml` at the root of the checked tree.
//!
//! ```toml
//! [rego]
//! version = "v1"          # Rego syntax of the modules: v0 (default, as the incumbent) or v1
//!
//! [delete-safety]
//! external = ["mrn:iam:group:sso-admins"]   # MRNs used outside this repository
//! ```
//!
//! Unknown keys are errors: a misspelt setting must not silently do nothing.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diagnostics::{Code, Diagnostic};
use crate::rego::RegoVersion;
use crate::sources::{FileId, Location, Span};

/// The file name pdc looks for at the repository root.
pub const FILE_NAME: &str = "pdc.toml";

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The file the configuration was read from.
    #[serde(skip)]
    pub file: Option<FileId>,
    #[serde(default)]
    pub rego: RegoConfig,
    #[serde(default, rename = "delete-safety")]
    pub delete_safety: DeleteSafetyConfig,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegoConfig {
    pub version: Option<RegoVersion>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteSafetyConfig {
    /// MRNs that systems outside the repository rely on, with where each is written.
    #[serde(default)]
    pub external: Vec<toml::Spanned<String>>,
}

impl DeleteSafetyConfig {
    /// The listed MRNs.
    pub fn mrns(&self) -> impl Iterator<Item = &str> {
        self.external.iter().map(|m| m.get_ref().as_str())
    }
}

/// Where the configuration for `paths` would be: `pdc.toml` at the repository root of the
/// first path.
pub fn find(paths: &[PathBuf], cwd: &Path) -> Option<PathBuf> {
    let first = cwd.join(paths.first()?);
    let start = if first.is_dir() {
        first
    } else {
        first
            .parent()
            .map_or_else(|| cwd.to_path_buf(), Path::to_path_buf)
    };
    let file = crate::sources::repository_root(&start, cwd).join(FILE_NAME);
    file.is_file().then_some(file)
}

/// Parses configuration text; a problem becomes a diagnostic pointing into the file.
pub fn parse(text: &str, file: FileId) -> Result<Config, Diagnostic> {
    toml::from_str(text).map_err(|error| {
        let span = error.span().map_or(Span::at(0), |r| Span::new(r.start, r.end));
        Diagnostic::new(
            Code::InvalidConfig,
            Location::new(file, span),
            format!("invalid `{FILE_NAME}`: {}", error.message().trim_end_matches('.')),
        )
        .with_label("not understood")
        .with_help("known settings: `[rego] version = \"v0\" | \"v1\"`, `[delete-safety] external = [\"mrn...\"]`")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_known_settings() {
        let config = parse(
            "[rego]\nversion = \"v1\"\n[delete-safety]\nexternal = [\"a\"]\n",
            FileId(0),
        )
        .unwrap();
        assert_eq!(config.rego.version, Some(RegoVersion::V1));
        assert_eq!(config.delete_safety.external[0].get_ref(), "a");
    }

    #[test]
    fn rejects_unknown_keys_with_a_location() {
        let error = parse("[rego]\nversoin = \"v1\"\n", FileId(0)).unwrap_err();
        assert_eq!(error.code, Code::InvalidConfig);
        assert_eq!(error.location.span, Some(Span::new(7, 14)));
    }
}

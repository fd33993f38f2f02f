//! pdc, the PolicyDomain compiler.
//!
//! pdc reads a repository of Manetu PolicyEngine PolicyDomains and checks it. The pipeline is
//! one module per stage:
//!
//! 1. [`sources`]: find the YAML files and hold their text;
//! 2. [`syntax`]: YAML to a tree whose nodes know their spans;
//! 3. [`model`]: the tree to one typed PolicyDomain model for every apiVersion;
//! 4. [`index`] and [`graph`]: every entity by id, and the references between them;
//! 5. [`checks`]: one small unit per rule family, producing [`diagnostics`] ([`rego`] parses
//!    and compile-checks the embedded Rego);
//! 6. [`render`]: diagnostics as text for people or JSON for machines;
//! 7. [`bundle`]: the deployable domains and the compiled model of an error-free repository.
//!
//! [`workspace`] runs the stages in order. The library returns data and never prints.

#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod bundle;
pub mod checks;
pub mod config;
pub mod diagnostics;
pub mod diff;
pub mod explain;
pub mod git;
pub mod graph;
pub mod index;
pub mod model;
pub mod rego;
pub mod render;
pub mod schema;
pub mod sources;
pub mod syntax;
pub mod workspace;

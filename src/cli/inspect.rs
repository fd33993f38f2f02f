//! `pdc graph` and `pdc explain`: read the domains and show how entities connect.

use std::io::Write;
use std::path::PathBuf;

use super::{ExplainArgs, Format, GraphArgs, GraphFormat, Outcome, emit, fail, paths_or_default};
use pdc::graph::Graph;
use pdc::index::Index;
use pdc::render::{explain::explain_text, graph as render_graph};
use pdc::workspace::{self, Workspace};

/// The workspace, and whether reading it met errors (shown on stderr): the output is then
/// incomplete, and the command exits 1 after writing it.
fn load(paths: &[PathBuf]) -> Result<(Workspace, Outcome), Outcome> {
    let cwd = std::env::current_dir()
        .map_err(|e| fail(&format!("cannot read the current directory: {e}")))?;
    let workspace =
        workspace::load(&paths_or_default(paths), &cwd).map_err(|e| fail(&e.to_string()))?;
    let errors = super::report_reading_errors(&workspace, super::Color::Auto);
    if errors > 0 {
        let _ = writeln!(
            std::io::stderr(),
            "pdc: warning: the output leaves out what the {errors} error(s) above cut short"
        );
        return Ok((workspace, Outcome::Findings));
    }
    Ok((workspace, Outcome::Clean))
}

fn not_found(id: &str, nearest: &[String]) -> Outcome {
    let hint = if nearest.is_empty() {
        String::new()
    } else {
        format!(
            "; did you mean {}?",
            nearest
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let _ = writeln!(
        std::io::stderr(),
        "pdc: no entity `{id}` in the checked domains{hint}"
    );
    Outcome::Findings
}

pub fn graph(args: &GraphArgs) -> Outcome {
    let (workspace, read) = match load(&args.paths) {
        Ok(loaded) => loaded,
        Err(outcome) => return outcome,
    };
    let index = Index::build(&workspace.domains, &workspace.broken_domains);
    let graph = Graph::build(&index);
    let focus = match &args.focus {
        None => Vec::new(),
        Some(id) => {
            let found = index.lookup(id);
            if found.is_empty() {
                let ids = index.qualified_ids();
                let nearest: Vec<String> =
                    pdc::diagnostics::suggest::nearest(id, ids.iter().map(String::as_str), 3)
                        .into_iter()
                        .map(str::to_string)
                        .collect();
                return not_found(id, &nearest);
            }
            found
        }
    };
    let depth = args.depth.or(if focus.is_empty() { None } else { Some(2) });
    let selection = graph.neighbourhood(&focus, depth);
    let (nodes, edges) = render_graph::named(&index, &selection);
    emit(&match args.format {
        GraphFormat::Dot => render_graph::dot(&nodes, &edges),
        GraphFormat::Mermaid => render_graph::mermaid(&nodes, &edges),
        GraphFormat::Json => render_graph::json(&nodes, &edges),
    });
    read
}

pub fn explain(args: &ExplainArgs) -> Outcome {
    let (workspace, read) = match load(&args.paths) {
        Ok(loaded) => loaded,
        Err(outcome) => return outcome,
    };
    let index = Index::build(&workspace.domains, &workspace.broken_domains);
    let graph = Graph::build(&index);
    match pdc::explain::explain(&workspace.sources, &index, &graph, &args.id) {
        Err(nearest) => not_found(&args.id, &nearest),
        Ok(explanations) => {
            emit(&match args.format {
                Format::Human => explain_text(&explanations),
                Format::Json => {
                    let mut text = serde_json::to_string_pretty(&explanations).unwrap_or_default();
                    text.push('\n');
                    text
                }
            });
            read
        }
    }
}

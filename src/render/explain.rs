//! `pdc explain` as text: one block per entity, every place as `file:line`.

use std::fmt::Write as _;

use crate::explain::{Explanation, Link};

pub fn explain_text(explanations: &[Explanation]) -> String {
    let mut out = String::new();
    for (i, e) in explanations.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "{} {}", e.kind, e.id);
        let _ = writeln!(
            out,
            "  defined at {}:{}",
            e.defined_at.file, e.defined_at.line
        );
        if let Some(name) = &e.name {
            let _ = writeln!(out, "  name: {name}");
        }
        if let Some(description) = &e.description {
            let _ = writeln!(out, "  description: {description}");
        }
        links(&mut out, "references", &e.references, true);
        links(&mut out, "referenced by", &e.referenced_by, false);
        if e.kind == "group" {
            let _ = writeln!(out, "  effective roles:");
            if e.grants.is_empty() {
                out.push_str("    (none)\n");
            }
            for grant in &e.grants {
                let _ = writeln!(
                    out,
                    "    role {} (granted at {}:{})",
                    grant.role, grant.at.file, grant.at.line
                );
                if let Some(policy) = &grant.policy {
                    let _ = writeln!(out, "      brings policy {policy}");
                }
                for library in &grant.libraries {
                    let _ = writeln!(out, "        with library {library}");
                }
            }
        } else if e.kind == "role" {
            for grant in &e.grants {
                if let Some(policy) = &grant.policy {
                    let _ = writeln!(out, "  brings policy {policy}");
                }
                for library in &grant.libraries {
                    let _ = writeln!(out, "    with library {library}");
                }
            }
        }
        if !e.library_closure.is_empty() {
            let _ = writeln!(out, "  compiled with libraries (dependencies first):");
            for library in &e.library_closure {
                let _ = writeln!(out, "    {library}");
            }
        }
        if !e.annotations.is_empty() {
            let heading = if e.kind == "group" {
                "annotations a member inherits"
            } else {
                "annotations"
            };
            let _ = writeln!(out, "  {heading}:");
            for (name, inherited) in &e.annotations {
                let _ = writeln!(
                    out,
                    "    {name} = {} (from {})",
                    inherited.value,
                    inherited.set_by.join(", then ")
                );
            }
        }
    }
    out
}

fn links(out: &mut String, heading: &str, links: &[Link], outgoing: bool) {
    let _ = writeln!(out, "  {heading}:");
    if links.is_empty() {
        out.push_str("    (nothing)\n");
    }
    for link in links {
        let missing = if link.resolved { "" } else { " (not found)" };
        if outgoing {
            let _ = writeln!(
                out,
                "    {} {}{missing} via `{}` at {}:{}",
                link.kind, link.id, link.field, link.at.file, link.at.line
            );
        } else {
            let _ = writeln!(
                out,
                "    {} {} via `{}` at {}:{}",
                link.kind, link.id, link.field, link.at.file, link.at.line
            );
        }
    }
}

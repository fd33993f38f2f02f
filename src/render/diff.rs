//! `pdc diff` output: text for a terminal, Markdown for a pull-request comment, JSON for bots.
//!
//! Breaking changes come first in every format. The Markdown stays under GitHub's comment
//! limit: when it would not, Rego diffs and then whole entries are left out, with a note of how
//! many.

use std::fmt::Write as _;

use serde_json::Value;

use crate::diff::{Change, Class, Diff, FieldChange, Impact, Kind};

/// GitHub rejects comments over 65,536 characters; leave room for a bot's own header.
pub const MARKDOWN_LIMIT: usize = 60_000;

/// Longest reason or impact line in a comment: a list of thousands of referrers is cut short
/// rather than crowding out (or being dropped with) the change it explains.
const MARKDOWN_LINE_LIMIT: usize = 1_500;

/// `text` cut at the last `, ` list separator that fits in `max` bytes, ending with how
/// many items were left out.
fn shorten(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let Some(end) = text[..cut].rfind(", ") else {
        return text.to_string();
    };
    let more = text[end..].matches(", ").count();
    format!("{}, … and {more} more", &text[..end])
}

fn noun(section: &str) -> &str {
    match section {
        "policy-libraries" => "library",
        "policies" => "policy",
        "roles" => "role",
        "groups" => "group",
        "resource-groups" => "resource group",
        "scopes" => "scope",
        "operations" => "operation",
        "mappers" => "mapper",
        "resources" => "resource",
        other => other,
    }
}

fn subject(change: &Change) -> String {
    if change.kind == Kind::Reordered {
        return format!("{} of domain `{}`", change.section, change.domain);
    }
    let id = format!("{}/{}", change.domain, change.id);
    match &change.renamed_from {
        Some(from) => format!(
            "{} `{}/{from}` → `{id}`",
            noun(&change.section),
            change.domain
        ),
        None => format!("{} `{id}`", noun(&change.section)),
    }
}

fn place(change: &Change, old_label: &str) -> Option<String> {
    match (&change.new_location, &change.old_location) {
        (Some(l), _) => Some(format!("{}:{}", l.file, l.line)),
        (None, Some(l)) => Some(format!("{}:{} in {old_label}", l.file, l.line)),
        _ => None,
    }
}

fn short(value: &Option<Value>) -> String {
    match value {
        None => "(none)".to_string(),
        Some(Value::String(s)) => format!("`{s}`"),
        Some(other) => format!("`{other}`"),
    }
}

fn headline(diff: &Diff) -> String {
    if diff.changes.is_empty() {
        return "no changes".to_string();
    }
    format!(
        "{} breaking, {} access, {} cosmetic",
        diff.counts.breaking, diff.counts.access, diff.counts.cosmetic
    )
}

/// Terminal output; `color` adds ANSI colours by class.
pub fn text(diff: &Diff, color: bool) -> String {
    let paint = |class: Class, s: &str| -> String {
        if !color {
            return s.to_string();
        }
        let code = match class {
            Class::Breaking => "1;31",
            Class::Access => "33",
            Class::Cosmetic => "2",
        };
        format!("\x1b[{code}m{s}\x1b[0m")
    };
    let mut out = format!("pdc diff {} → {}: {}\n", diff.old, diff.new, headline(diff));
    for class in [Class::Breaking, Class::Access, Class::Cosmetic] {
        let changes: Vec<&Change> = diff.changes.iter().filter(|c| c.class == class).collect();
        if changes.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{}", paint(class, &class.as_str().to_uppercase()));
        for change in changes {
            let _ = write!(out, "  {:<9} {}", change.kind.as_str(), subject(change));
            if let Some(place) = place(change, &diff.old) {
                let _ = write!(out, "  ({place})");
            }
            out.push('\n');
            for reason in &change.reasons {
                let _ = writeln!(out, "      {reason}");
            }
            for field in &change.fields {
                field_text(&mut out, field, change.kind);
            }
        }
    }
    if !diff.impact.is_empty() {
        out.push_str("\nIMPACT\n");
        for line in impact_lines(&diff.impact) {
            let _ = writeln!(out, "  {line}");
        }
    }
    out
}

fn field_text(out: &mut String, field: &FieldChange, kind: Kind) {
    if kind == Kind::Added {
        return;
    }
    match &field.diff {
        Some(diff) => {
            let _ = writeln!(out, "      {}:", field.field);
            for line in diff.lines() {
                let _ = writeln!(out, "        {line}");
            }
        }
        None => {
            let _ = writeln!(
                out,
                "      {}: {} → {}",
                field.field,
                short(&field.old),
                short(&field.new)
            );
        }
    }
}

fn list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One line per impact, in a fixed order.
fn impact_lines(impact: &Impact) -> Vec<String> {
    let mut lines = Vec::new();
    for g in &impact.groups {
        let mut parts = Vec::new();
        if !g.roles_gained.is_empty() {
            parts.push(format!("gains roles {}", list(&g.roles_gained)));
        }
        if !g.roles_lost.is_empty() {
            parts.push(format!("loses roles {}", list(&g.roles_lost)));
        }
        if !g.policies_gained.is_empty() {
            parts.push(format!("gains policies {}", list(&g.policies_gained)));
        }
        if !g.policies_lost.is_empty() {
            parts.push(format!("loses policies {}", list(&g.policies_lost)));
        }
        for a in &g.annotations {
            parts.push(format!(
                "annotation `{}` {} → {}",
                a.name,
                short(&a.old),
                short(&a.new)
            ));
        }
        lines.push(format!("group `{}`: {}", g.group, parts.join("; ")));
    }
    for r in &impact.roles {
        lines.push(format!(
            "role `{}`: policy {} → {}",
            r.role,
            short(&r.old_policy.clone().map(Value::from)),
            short(&r.new_policy.clone().map(Value::from))
        ));
    }
    for r in &impact.rego {
        let groups = if r.groups.is_empty() {
            "no group holds it".to_string()
        } else {
            format!("decides for groups {}", list(&r.groups))
        };
        lines.push(format!(
            "policy `{}`: effective Rego changed in {}; {groups}",
            r.policy,
            list(&r.changed)
        ));
    }
    for (kind, items) in [
        ("operation", &impact.operations),
        ("resource", &impact.resources),
    ] {
        for r in items {
            lines.push(format!(
                "{kind} `{}/{}`: {} {} → {}",
                r.domain,
                r.name,
                r.what,
                short(&r.old),
                short(&r.new)
            ));
        }
    }
    lines
}

/// A pull-request comment.
pub fn markdown(diff: &Diff) -> String {
    let mut out = format!(
        "### PolicyDomain changes: `{}` → `{}`\n\n",
        diff.old, diff.new
    );
    if diff.changes.is_empty() {
        out.push_str("No changes.\n");
        return out;
    }
    let _ = writeln!(
        out,
        "**{} breaking**, {} access, {} cosmetic\n",
        diff.counts.breaking, diff.counts.access, diff.counts.cosmetic
    );
    out.push_str("| Section | Added | Removed | Renamed | Modified | Reordered |\n|---|---:|---:|---:|---:|---:|\n");
    for (section, kinds) in &diff.counts.by_section {
        let n = |k: &str| kinds.get(k).copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "| {section} | {} | {} | {} | {} | {} |",
            n("added"),
            n("removed"),
            n("renamed"),
            n("modified"),
            n("reordered")
        );
    }
    out.push('\n');
    let mut budget = MARKDOWN_LIMIT.saturating_sub(out.len() + 400);
    let mut left_out = 0usize;
    let mut diffs_left_out = 0usize;
    let push = |section: &mut String, text: &str, budget: &mut usize| -> bool {
        if text.len() > *budget {
            return false;
        }
        *budget -= text.len();
        section.push_str(text);
        true
    };
    let breaking: Vec<&Change> = diff
        .changes
        .iter()
        .filter(|c| c.class == Class::Breaking)
        .collect();
    if !breaking.is_empty() {
        let mut section = String::from("#### Breaking changes\n\n");
        for change in breaking {
            if !push(&mut section, &entry(change, &diff.old, false), &mut budget) {
                left_out += 1;
            }
        }
        out.push_str(&section);
        out.push('\n');
    }
    let impact = impact_lines(&diff.impact);
    if !impact.is_empty() {
        let mut section = format!(
            "<details><summary>Impact on access ({})</summary>\n\n",
            impact.len()
        );
        for line in impact {
            let line = shorten(&line, MARKDOWN_LINE_LIMIT);
            if !push(&mut section, &format!("- {line}\n"), &mut budget) {
                left_out += 1;
            }
        }
        section.push_str("\n</details>\n\n");
        out.push_str(&section);
    }
    for class in [Class::Access, Class::Cosmetic] {
        let changes: Vec<&Change> = diff.changes.iter().filter(|c| c.class == class).collect();
        if changes.is_empty() {
            continue;
        }
        let title = match class {
            Class::Access => "Access changes",
            _ => "Cosmetic changes",
        };
        let mut section = format!(
            "<details><summary>{title} ({})</summary>\n\n",
            changes.len()
        );
        for change in changes {
            let full = entry(change, &diff.old, true);
            if push(&mut section, &full, &mut budget) {
                continue;
            }
            let brief = entry(change, &diff.old, false);
            if push(&mut section, &brief, &mut budget) {
                diffs_left_out += 1;
            } else {
                left_out += 1;
            }
        }
        section.push_str("\n</details>\n\n");
        out.push_str(&section);
    }
    if left_out > 0 || diffs_left_out > 0 {
        let _ = writeln!(
            out,
            "_Left out to stay under the comment size limit: {left_out} entries and {diffs_left_out} Rego diffs. Run `pdc diff --format json` for everything._"
        );
    }
    out
}

fn entry(change: &Change, old_label: &str, with_diffs: bool) -> String {
    let mut text = format!("- **{}** {}", change.kind.as_str(), subject(change));
    if let Some(place) = place(change, old_label) {
        let _ = write!(text, " (`{place}`)");
    }
    if !change.reasons.is_empty() {
        let reasons: Vec<String> = change
            .reasons
            .iter()
            .map(|r| shorten(r, MARKDOWN_LINE_LIMIT))
            .collect();
        let _ = write!(text, ": {}", reasons.join("; "));
    }
    text.push('\n');
    if change.kind == Kind::Added {
        return text;
    }
    for field in &change.fields {
        match &field.diff {
            Some(diff) if with_diffs => {
                let _ = writeln!(text, "  - `{}`:\n\n    ```diff", field.field);
                for line in diff.lines() {
                    let _ = writeln!(text, "    {line}");
                }
                text.push_str("    ```\n");
            }
            Some(_) => {
                let _ = writeln!(text, "  - `{}` changed", field.field);
            }
            None => {
                let _ = writeln!(
                    text,
                    "  - `{}`: {} → {}",
                    field.field,
                    short(&field.old),
                    short(&field.new)
                );
            }
        }
    }
    text
}

/// The stable JSON contract.
pub fn json(diff: &Diff) -> String {
    let mut text = serde_json::to_string_pretty(diff).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{Counts, GroupImpact, Impact};

    #[test]
    fn shorten_cuts_between_list_items_and_counts_the_rest() {
        let list = (0..100)
            .map(|i| format!("`g{i}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let short = shorten(&format!("still referenced by {list}"), 60);
        assert!(short.len() < 80, "{short}");
        assert!(
            short.starts_with("still referenced by `g0`, `g1`"),
            "{short}"
        );
        assert_eq!(short.matches('`').count() % 2, 0, "{short}");
        let kept = short.matches("`g").count();
        assert!(
            short.ends_with(&format!(", … and {} more", 100 - kept)),
            "{short}"
        );
        assert_eq!(shorten("fits", 60), "fits");
    }

    /// A removal still used by thousands of groups: the breaking change is kept (its
    /// referrers cut short), and the impact lines fill what room is left.
    #[test]
    fn a_huge_breaking_change_is_shortened_not_dropped() {
        let groups: Vec<String> = (0..5000).map(|i| format!("mrn:iam:group:g{i}")).collect();
        let referrers = groups
            .iter()
            .map(|g| format!("group `{g}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let diff = Diff {
            format_version: 1,
            old: "HEAD".into(),
            new: "policy-domains".into(),
            changes: vec![Change {
                class: Class::Breaking,
                kind: Kind::Removed,
                domain: "d".into(),
                section: "roles".into(),
                id: "mrn:iam:role:r".into(),
                renamed_from: None,
                old_location: None,
                new_location: None,
                fields: Vec::new(),
                reasons: vec![
                    "role `mrn:iam:role:r` removed".into(),
                    format!("still referenced by {referrers}"),
                ],
            }],
            impact: Impact {
                groups: groups
                    .iter()
                    .map(|g| GroupImpact {
                        group: g.clone(),
                        roles_lost: vec!["mrn:iam:role:r".into()],
                        ..GroupImpact::default()
                    })
                    .collect(),
                ..Impact::default()
            },
            counts: Counts {
                breaking: 1,
                ..Counts::default()
            },
        };
        let text = markdown(&diff);
        assert!(text.len() <= MARKDOWN_LIMIT, "{}", text.len());
        let breaking = text.split("#### Breaking changes").nth(1).unwrap();
        assert!(
            breaking
                .trim_start()
                .starts_with("- **removed** role `d/mrn:iam:role:r`"),
            "{}",
            &breaking[..200]
        );
        assert!(breaking.contains(" more"));
        assert!(text.contains("_Left out to stay under the comment size limit:"));
    }
}

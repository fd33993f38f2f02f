//! The README stays true: its diagnostic table is the code registry, and the commands it
//! lists exist. `PDC_BLESS=1 cargo test --test readme` rewrites the table.

use std::path::Path;

const START: &str = "<!-- diagnostics:start -->\n";
const END: &str = "<!-- diagnostics:end -->";

#[test]
fn diagnostic_table_matches_the_registry() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md exists");
    let start = readme
        .find(START)
        .expect("README has the diagnostics:start marker")
        + START.len();
    let end = readme
        .find(END)
        .expect("README has the diagnostics:end marker");
    let table = pdc::diagnostics::codes::markdown_table();
    if std::env::var_os("PDC_BLESS").is_some() {
        std::fs::write(
            &path,
            format!("{}{table}{}", &readme[..start], &readme[end..]),
        )
        .unwrap();
        return;
    }
    assert!(
        readme[start..end] == table,
        "the README's diagnostic table differs from the registry; run `PDC_BLESS=1 cargo test --test readme`"
    );
}

#[test]
fn every_subcommand_is_documented() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_pdc"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() >= 4, "{help}");
    for command in commands {
        let documented = readme
            .lines()
            .filter(|l| l.starts_with("### "))
            .any(|l| l.contains(&format!("`pdc {command}")));
        assert!(documented, "README has no section for `pdc {command}`");
    }
}

//! The READMEs: the workspace README's first screen and program (identical to
//! `examples/all_providers.rs`, which `tests/examples.rs` runs), and the MSRV in every crate
//! README. Their Rust blocks are compiled as doctests of this crate (`readme_doctests`).

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

/// The workspace root.
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(workspace().join(path)).unwrap()
}

/// The first fenced block of `language` in `markdown` that follows `after`.
fn fenced_block<'a>(markdown: &'a str, after: &str, language: &str) -> &'a str {
    let start = markdown.find(after).unwrap() + after.len();
    let rest = &markdown[start..];
    let open = rest.find(&format!("```{language}")).unwrap();
    let body = &rest[open..];
    let body = &body[body.find('\n').unwrap() + 1..];
    &body[..body.find("```").unwrap()]
}

#[test]
fn readme_program_is_the_all_providers_example() {
    let readme = read("README.md");
    let example = read("crates/fintra/examples/all_providers.rs");
    let block = fenced_block(&readme, "## Your first program", "rust");
    assert!(
        block == example,
        "the README's program differs from crates/fintra/examples/all_providers.rs; copy \
         the file into the README"
    );
    assert!(block.contains("#[tokio::main]"));

    let toml = fenced_block(&readme, "## Your first program", "toml");
    assert!(toml.starts_with("[dependencies]\n"), "{toml}");
    assert!(
        toml.contains(r#"tokio = { version = "1", features = ["macros", "rt-multi-thread"] }"#),
        "{toml}"
    );
    assert!(toml.contains(r#"features = ["full"]"#), "{toml}");
}

#[test]
fn readme_first_screen_has_the_demo_and_the_test_command() {
    let readme = read("README.md");
    let first = fenced_block(&readme, "# fintra", "sh");
    let commands: Vec<&str> = first
        .lines()
        .map(|line| line.split('#').next().unwrap().trim())
        .collect();
    assert_eq!(
        commands,
        ["cargo run --example quickstart", "cargo xtask test"]
    );
}

#[test]
fn every_crate_readme_states_the_msrv() {
    let manifest = read("Cargo.toml");
    let msrv = manifest
        .lines()
        .find_map(|line| line.strip_prefix("rust-version = "))
        .unwrap()
        .trim_matches('"');
    assert_eq!(msrv, "1.88");
    let mut checked = 0;
    for entry in std::fs::read_dir(workspace().join("crates")).unwrap() {
        let readme = entry.unwrap().path().join("README.md");
        let line = format!("Minimum supported Rust version: {msrv}.");
        let text = std::fs::read_to_string(&readme).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; every crate needs a README.md with the line `{line}`",
                readme.display()
            )
        });
        assert!(
            text.contains(&line),
            "{} does not state the MSRV: add the line `{line}`",
            readme.display()
        );
        checked += 1;
    }
    assert!(checked >= 7, "only {checked} crate READMEs");
    assert!(read("README.md").contains(&format!("Rust {msrv} or newer")));
}

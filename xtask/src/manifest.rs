//! `release bump`: editing the workspace root `Cargo.toml`.
//!
//! [`bump_manifest`] is a pure function from manifest text to manifest
//! text; [`run_bump`] wires it to the file system.

use std::path::Path;

use toml_edit::{DocumentMut, Item, Value};

use crate::Error;
use crate::version::{Level, Version};

/// Result of [`bump_manifest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BumpOutcome {
    /// The edited manifest text.
    pub text: String,
    /// `[workspace.package] version` before the bump.
    pub old: Version,
    /// `[workspace.package] version` after the bump.
    pub new: Version,
    /// Internal (`path`) `[workspace.dependencies]` entries whose `version`
    /// was rewritten, with their previous requirement.
    pub updated: Vec<(String, String)>,
    /// Internal entries without a `version` key (left untouched; such a
    /// dependency is not publishable).
    pub unversioned: Vec<String>,
}

/// Bumps `[workspace.package] version` by `level` and sets the `version` of
/// every `[workspace.dependencies]` entry that has a `path` to the new
/// version, preserving all other formatting and comments.
pub fn bump_manifest(src: &str, level: Level) -> Result<BumpOutcome, Error> {
    let mut doc: DocumentMut = src
        .parse()
        .map_err(|e| Error::new(format!("cannot parse manifest: {e}")))?;
    let workspace = doc
        .get_mut("workspace")
        .and_then(Item::as_table_like_mut)
        .ok_or_else(|| Error::new("manifest has no [workspace] table"))?;

    let version_value = workspace
        .get_mut("package")
        .and_then(Item::as_table_like_mut)
        .and_then(|package| package.get_mut("version"))
        .and_then(Item::as_value_mut)
        .ok_or_else(|| Error::new("manifest has no [workspace.package] version"))?;
    let old: Version = version_value
        .as_str()
        .ok_or_else(|| Error::new("[workspace.package] version is not a string"))?
        .parse()?;
    let new = old.bump(level)?;
    let new_str = new.to_string();
    set_str(version_value, &new_str);

    let mut updated = Vec::new();
    let mut unversioned = Vec::new();
    if let Some(deps) = workspace
        .get_mut("dependencies")
        .and_then(Item::as_table_like_mut)
    {
        for (name, item) in deps.iter_mut() {
            let Some(dep) = item.as_table_like_mut() else {
                continue; // `foo = "1"`: a registry dependency
            };
            if !dep.contains_key("path") {
                continue;
            }
            match dep.get_mut("version").and_then(Item::as_value_mut) {
                Some(value) => {
                    let previous = value
                        .as_str()
                        .ok_or_else(|| {
                            Error::new(format!(
                                "[workspace.dependencies] {name}: version is not a string"
                            ))
                        })?
                        .to_owned();
                    set_str(value, &new_str);
                    updated.push((name.get().to_owned(), previous));
                }
                None => unversioned.push(name.get().to_owned()),
            }
        }
    }

    Ok(BumpOutcome {
        text: doc.to_string(),
        old,
        new,
        updated,
        unversioned,
    })
}

/// Replaces a string value, keeping its surrounding whitespace and comments.
fn set_str(value: &mut Value, new: &str) {
    let decor = value.decor().clone();
    *value = Value::from(new);
    *value.decor_mut() = decor;
}

/// `release bump <level>`: rewrites the manifest at `manifest_path` and
/// prints what changed.
pub fn run_bump(manifest_path: &Path, level: Level) -> Result<(), Error> {
    let shown = manifest_path.display();
    let src = std::fs::read_to_string(manifest_path)
        .map_err(|e| Error::new(format!("cannot read {shown}: {e}")))?;
    let outcome = bump_manifest(&src, level).map_err(|e| Error::new(format!("{shown}: {e}")))?;
    std::fs::write(manifest_path, &outcome.text)
        .map_err(|e| Error::new(format!("cannot write {shown}: {e}")))?;

    println!("workspace version: {} -> {}", outcome.old, outcome.new);
    for (name, previous) in &outcome.updated {
        println!("  {name}: {previous} -> {}", outcome.new);
    }
    for name in &outcome.unversioned {
        eprintln!(
            "warning: [workspace.dependencies] {name} has a path but no version; \
             it cannot be published"
        );
    }
    println!("updated {shown}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"# Root manifest
[workspace]
members = ["crates/*"]

[workspace.package]
version = "0.1.0" # the one true version
edition = "2024"

[workspace.dependencies]
# internal crates
fintra-core = { path = "crates/core", version = "0.1.0" }
fintra-finicity = { version = "0.1.0", path = "crates/finicity" }   # trailing
fintra-unversioned = { path = "crates/unversioned" }

# external
serde = { version = "0.1.0", features = ["derive"] }
bytes = "0.1.0"

[workspace.dependencies.fintra-app-portal]
# dotted table form
path = "crates/app-portal"
version = "0.1.0"

[profile.dev]
debug = "line-tables-only"
"#;

    #[test]
    fn bumps_only_workspace_and_internal_versions() {
        let outcome = bump_manifest(SAMPLE, Level::Minor).unwrap();
        let expected = r#"# Root manifest
[workspace]
members = ["crates/*"]

[workspace.package]
version = "0.2.0" # the one true version
edition = "2024"

[workspace.dependencies]
# internal crates
fintra-core = { path = "crates/core", version = "0.2.0" }
fintra-finicity = { version = "0.2.0", path = "crates/finicity" }   # trailing
fintra-unversioned = { path = "crates/unversioned" }

# external
serde = { version = "0.1.0", features = ["derive"] }
bytes = "0.1.0"

[workspace.dependencies.fintra-app-portal]
# dotted table form
path = "crates/app-portal"
version = "0.2.0"

[profile.dev]
debug = "line-tables-only"
"#;
        assert_eq!(outcome.text, expected);
        assert_eq!(outcome.old, Version::new(0, 1, 0));
        assert_eq!(outcome.new, Version::new(0, 2, 0));
        assert_eq!(
            outcome.updated,
            [
                ("fintra-core".to_owned(), "0.1.0".to_owned()),
                ("fintra-finicity".to_owned(), "0.1.0".to_owned()),
                ("fintra-app-portal".to_owned(), "0.1.0".to_owned()),
            ]
        );
        assert_eq!(outcome.unversioned, ["fintra-unversioned"]);
    }

    #[test]
    fn major_of_zero_x_goes_to_one() {
        let outcome = bump_manifest(SAMPLE, Level::Major).unwrap();
        assert_eq!(outcome.new, Version::new(1, 0, 0));
        assert!(
            outcome
                .text
                .contains("version = \"1.0.0\" # the one true version")
        );
        assert!(
            outcome
                .text
                .contains(r#"fintra-core = { path = "crates/core", version = "1.0.0" }"#)
        );
        assert!(outcome.text.contains("bytes = \"0.1.0\""));
    }

    #[test]
    fn rejects_bad_manifests() {
        let err = |src: &str| bump_manifest(src, Level::Patch).unwrap_err().to_string();
        assert!(err("[package]\nname = \"x\"\n").contains("[workspace]"));
        assert!(err("[workspace]\n").contains("[workspace.package] version"));
        assert!(err("[workspace.package]\nversion = \"1.0.0-rc.1\"\n").contains("pre-release"));
        assert!(err("[workspace.package]\nversion = 1\n").contains("not a string"));
        assert!(err("[workspace\n").contains("cannot parse"));
    }
}

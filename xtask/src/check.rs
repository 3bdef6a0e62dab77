//! `release check`: everything that must pass before a release.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::metadata::{DepKind, Metadata};
use crate::version::{Version, req_matches};
use crate::{Error, cmd};

/// A skippable step of `release check`, in execution order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `cargo fmt --all -- --check`.
    Fmt,
    /// `cargo clippy --workspace --all-targets --all-features -- -D warnings`.
    Clippy,
    /// `cargo xtask test`: the workspace tests with every feature but
    /// `native-tls`, with `redis-server` available.
    Test,
    /// `cargo doc --workspace --no-deps --all-features` with
    /// `RUSTDOCFLAGS=-D warnings`.
    Doc,
    /// The manifest publishability check ([`check_manifests`]).
    Manifests,
}

impl Step {
    /// All steps in execution order.
    pub const ALL: [Step; 5] = [
        Step::Fmt,
        Step::Clippy,
        Step::Test,
        Step::Doc,
        Step::Manifests,
    ];

    /// The name used by `--skip`.
    pub fn name(self) -> &'static str {
        match self {
            Step::Fmt => "fmt",
            Step::Clippy => "clippy",
            Step::Test => "test",
            Step::Doc => "doc",
            Step::Manifests => "manifests",
        }
    }

    /// Parses a `--skip` name.
    pub fn from_name(name: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.name() == name)
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Options of `release check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Steps not to run.
    pub skip: Vec<Step>,
    /// Also run `cargo publish --workspace --dry-run --allow-dirty` (needs
    /// the network and published dependencies).
    pub with_dry_run: bool,
    /// Root `Cargo.toml` of the workspace to check.
    pub manifest_path: PathBuf,
}

/// Runs `release check`, stopping at the first failing step.
pub fn run(opts: &Options) -> Result<(), Error> {
    let root = crate::workspace_dir(&opts.manifest_path);
    for step in Step::ALL {
        println!("==> {step}");
        if opts.skip.contains(&step) {
            println!("    skipped (--skip {step})");
            continue;
        }
        run_step(step, &root, &opts.manifest_path)
            .map_err(|e| Error::new(format!("release check failed at step `{step}`: {e}")))?;
    }
    if opts.with_dry_run {
        println!("==> publish-dry-run");
        let mut command = cargo_in(&root);
        command.args(["publish", "--workspace", "--dry-run", "--allow-dirty"]);
        cmd::run(&mut command).map_err(|e| {
            Error::new(format!(
                "release check failed at step `publish-dry-run`: {e}"
            ))
        })?;
    }
    println!("release check passed");
    Ok(())
}

/// A cargo command run in the workspace root.
fn cargo_in(root: &Path) -> std::process::Command {
    let mut command = cmd::cargo();
    command.current_dir(root);
    command
}

/// Runs one step.
fn run_step(step: Step, root: &Path, manifest_path: &Path) -> Result<(), Error> {
    let mut command = cargo_in(root);
    match step {
        Step::Fmt => command.args(["fmt", "--all", "--", "--check"]),
        Step::Clippy => command.args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ]),
        Step::Test => return crate::test_command::run(manifest_path, &[]),
        Step::Doc => command
            .args(["doc", "--workspace", "--no-deps", "--all-features"])
            .env("RUSTDOCFLAGS", "-D warnings"),
        Step::Manifests => {
            let meta = Metadata::load(manifest_path)?;
            check_manifests(&meta)?;
            println!("    all publishable manifests OK");
            return Ok(());
        }
    };
    cmd::run(&mut command)
}

/// Checks that every publishable workspace member (not `xtask`, not
/// `publish = false`) can be published to crates.io:
///
/// * `description`, `license` (or `license-file`) and `repository` are set;
/// * `[package.metadata.docs.rs]` has `all-features = true`;
/// * every normal/build dependency on another member has a version
///   requirement that the member's current version satisfies, and that
///   member is itself publishable;
/// * a dev-dependency on another member may omit the version (cargo strips
///   it when packaging), but if it has one, it must match too.
///
/// Returns one error listing every problem, each naming its crate.
pub fn check_manifests(meta: &Metadata) -> Result<(), Error> {
    let mut problems = Vec::new();
    for pkg in meta
        .packages
        .iter()
        .filter(|p| p.publishable && p.name != "xtask")
    {
        let name = &pkg.name;
        let missing = |field: &Option<String>| field.as_deref().is_none_or(|s| s.trim().is_empty());
        if missing(&pkg.description) {
            problems.push(format!("{name}: missing `description`"));
        }
        if missing(&pkg.license) && missing(&pkg.license_file) {
            problems.push(format!("{name}: missing `license` (or `license-file`)"));
        }
        if missing(&pkg.repository) {
            problems.push(format!("{name}: missing `repository`"));
        }
        if !pkg.docs_rs_all_features {
            problems.push(format!(
                "{name}: docs.rs would document default features only: add \
                 `[package.metadata.docs.rs]` with `all-features = true`"
            ));
        }
        for dep in &pkg.dependencies {
            if dep.name == *name {
                continue; // self dev-dependency, e.g. to enable test features
            }
            let Some(member) = meta.package(&dep.name) else {
                continue; // external dependency
            };
            let dep_name = &dep.name;
            let kind = match dep.kind {
                DepKind::Normal => "dependency",
                DepKind::Build => "build-dependency",
                DepKind::Dev => "dev-dependency",
            };
            if dep.kind != DepKind::Dev && !member.publishable {
                problems.push(format!(
                    "{name}: {kind} `{dep_name}` is not publishable (publish = false)"
                ));
            }
            if dep.req.trim() == "*" {
                if dep.kind != DepKind::Dev {
                    problems.push(format!(
                        "{name}: {kind} `{dep_name}` has no version requirement \
                         (add `version = \"{}\"` next to its `path`)",
                        member.version
                    ));
                }
                continue;
            }
            let matched = member
                .version
                .parse::<Version>()
                .and_then(|v| req_matches(&dep.req, v));
            match matched {
                Ok(true) => {}
                Ok(false) => problems.push(format!(
                    "{name}: {kind} `{dep_name}` requires `{}` but the workspace has {}",
                    dep.req, member.version
                )),
                Err(e) => problems.push(format!("{name}: {kind} `{dep_name}`: {e}")),
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::new(format!(
            "{} manifest problem(s):\n  {}",
            problems.len(),
            problems.join("\n  ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::tests::SAMPLE_METADATA;

    fn meta(json: &str) -> Metadata {
        Metadata::from_json(json).unwrap()
    }

    #[test]
    fn sample_is_publishable() {
        // `private` (publish = false, no description, `*` dep) and `xtask`
        // are skipped; `core`'s versionless self dev-dep and `mid`'s
        // versionless dev-dep on `top` are fine.
        check_manifests(&meta(SAMPLE_METADATA)).unwrap();
    }

    #[test]
    fn missing_fields_name_the_crate() {
        let json = SAMPLE_METADATA
            .replacen(r#""description": "Mid""#, r#""description": null"#, 1)
            .replacen(
                r#""repository": "https://example.com/r""#,
                r#""repository": """#,
                1,
            )
            .replacen(r#""license_file": "LICENSE""#, r#""license_file": null"#, 1);
        let err = check_manifests(&meta(&json)).unwrap_err().to_string();
        assert!(err.contains("3 manifest problem(s)"), "{err}");
        assert!(err.contains("mid: missing `description`"), "{err}");
        assert!(err.contains("mid: missing `license`"), "{err}");
        assert!(err.contains("top: missing `repository`"), "{err}");
    }

    #[test]
    fn docs_rs_must_document_every_feature() {
        let json = SAMPLE_METADATA.replacen(
            r#""metadata": {"docs": {"rs": {"all-features": true}}}"#,
            r#""metadata": {"docs": {"rs": {"all-features": false}}}"#,
            1,
        );
        let err = check_manifests(&meta(&json)).unwrap_err().to_string();
        assert!(err.contains("1 manifest problem(s)"), "{err}");
        assert!(
            err.contains(
                "top: docs.rs would document default features only: add \
                 `[package.metadata.docs.rs]` with `all-features = true`"
            ),
            "{err}"
        );
        let json = SAMPLE_METADATA.replacen(
            r#""metadata": {"docs": {"rs": {"all-features": true}}},"#,
            "",
            3,
        );
        let err = check_manifests(&meta(&json)).unwrap_err().to_string();
        assert!(err.contains("3 manifest problem(s)"), "{err}");
    }

    #[test]
    fn internal_dep_without_version_is_an_error() {
        let json = SAMPLE_METADATA.replacen(r#""req": "^0.2""#, r#""req": "*""#, 1);
        let err = check_manifests(&meta(&json)).unwrap_err().to_string();
        assert!(
            err.contains("mid: dependency `core` has no version requirement"),
            "{err}"
        );
    }

    #[test]
    fn internal_dep_with_stale_version_is_an_error() {
        let json = SAMPLE_METADATA.replacen(
            r#""req": "^0.2.0", "kind": "build""#,
            r#""req": "^0.1.0", "kind": "build""#,
            1,
        );
        let err = check_manifests(&meta(&json)).unwrap_err().to_string();
        assert!(
            err.contains(
                "top: build-dependency `core` requires `^0.1.0` but the workspace has 0.2.0"
            ),
            "{err}"
        );
    }

    #[test]
    fn depending_on_unpublishable_member_is_an_error() {
        let json = SAMPLE_METADATA.replacen(
            r#"{"name": "serde", "req": "^1", "kind": null}"#,
            r#"{"name": "private", "req": "^0.2.0", "kind": null}"#,
            1,
        );
        let err = check_manifests(&meta(&json)).unwrap_err().to_string();
        assert!(
            err.contains("top: dependency `private` is not publishable"),
            "{err}"
        );
    }

    #[test]
    fn publish_false_crates_are_skipped() {
        // Making `private` publishable exposes its problems.
        let json = SAMPLE_METADATA.replacen(r#""publish": []"#, r#""publish": null"#, 1);
        let err = check_manifests(&meta(&json)).unwrap_err().to_string();
        assert!(err.contains("private: missing `description`"), "{err}");
        assert!(
            err.contains("private: dependency `core` has no version"),
            "{err}"
        );
        assert!(!err.contains("xtask"), "{err}");
    }

    #[test]
    fn step_names_round_trip() {
        for step in Step::ALL {
            assert_eq!(Step::from_name(step.name()), Some(step));
        }
        assert_eq!(Step::from_name("lint"), None);
    }
}

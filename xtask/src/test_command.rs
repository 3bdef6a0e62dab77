//! `cargo xtask test`: the README's test command. Makes sure `redis-server`
//! is available, then runs `cargo test --workspace` with every feature that
//! needs no system library, and prints what it did.

use std::path::Path;
use std::process::Command;

use crate::metadata::Metadata;
use crate::{Error, cmd, features, redis};

/// Runs the whole workspace test suite for the workspace at `manifest_path`.
/// `extra` is appended to the `cargo test` command line (for example
/// `["--", "--nocapture"]`).
pub fn run(manifest_path: &Path, extra: &[String]) -> Result<(), Error> {
    let redis = redis::ensure()?;
    let how = match redis {
        redis::Found::OnPath(_) => "found on PATH",
        redis::Found::Installed(_) => "installed with apt-get",
    };
    println!("redis-server: {} ({how})", redis.path().display());

    let meta = Metadata::load(manifest_path)?;
    let selected = features::test_features(&meta);
    let excluded = features::excluded_features(&meta);
    println!("features: {}", selected.join(" "));
    if !excluded.is_empty() {
        println!(
            "left out: {} (they build openssl-sys, which needs libssl-dev and pkg-config; CI \
             tests them in its native-tls step)",
            excluded.join(" ")
        );
    }

    let mut test = command(manifest_path, &selected, extra);
    cmd::run(&mut test)?;
    println!(
        "cargo xtask test: passed (workspace tests with {} features, redis-server at {})",
        selected.len(),
        redis.path().display()
    );
    Ok(())
}

/// `cargo test --workspace --no-fail-fast --manifest-path <path> --features <list> <extra>`.
///
/// `--no-fail-fast`: one run reports every failing test binary, not only the first.
pub fn command(manifest_path: &Path, features: &[String], extra: &[String]) -> Command {
    let mut test = cmd::cargo();
    test.args(["test", "--workspace", "--no-fail-fast", "--manifest-path"])
        .arg(manifest_path);
    if !features.is_empty() {
        test.args(["--features", &features.join(",")]);
    }
    test.args(extra);
    test
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lists_the_features_and_appends_extra_arguments() {
        let features = vec!["a/x".to_owned(), "b/y".to_owned()];
        let extra = vec!["--".to_owned(), "--nocapture".to_owned()];
        let test = command(Path::new("/w/Cargo.toml"), &features, &extra);
        assert_eq!(
            cmd::display(&test),
            "cargo test --workspace --no-fail-fast --manifest-path /w/Cargo.toml --features a/x,b/y -- \
             --nocapture"
        );
    }

    #[test]
    fn no_features_means_no_features_flag() {
        let test = command(Path::new("Cargo.toml"), &[], &[]);
        assert_eq!(
            cmd::display(&test),
            "cargo test --workspace --no-fail-fast --manifest-path Cargo.toml"
        );
    }

    /// The real workspace: its test features never include `native-tls`,
    /// and include the umbrella's `full` (so the README doctest runs).
    #[test]
    fn this_workspace_tests_everything_but_native_tls() {
        let meta = Metadata::load(&crate::default_manifest_path()).unwrap();
        let selected = features::test_features(&meta);
        assert!(
            selected.iter().all(|f| !f.contains("native-tls")),
            "{selected:?}"
        );
        assert!(selected.contains(&"fintra/full".to_owned()), "{selected:?}");
        assert!(
            selected.contains(&"fintra-core/test-util".to_owned()),
            "{selected:?}"
        );
        assert!(features::excluded_features(&meta).contains(&"fintra-core/native-tls".to_owned()));
    }
}

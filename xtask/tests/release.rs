//! End-to-end tests of `xtask release` against a small fake workspace.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

const ROOT_MANIFEST: &str = r#"# Fake workspace for xtask tests
[workspace]
resolver = "2"
members = ["crates/*"]

[workspace.package]
version = "0.1.0" # shared by all crates
edition = "2021"
license = "MIT"
repository = "https://example.com/fake"

[workspace.dependencies]
# internal crates
z-core = { path = "crates/z-core", version = "0.1.0" }
m-mid = { version = "0.1.0", path = "crates/m-mid" }
a-top = { path = "crates/a-top", version = "0.1.0" } # umbrella

# external (never resolved by `cargo metadata --no-deps`)
some-external = "0.1.0"
"#;

/// A fake workspace in a unique temporary directory, removed on drop.
///
/// Dependency graph: `a-top -> m-mid -> z-core`, `a-top -> z-core`,
/// `b-private -> z-core` (publish = false). Alphabetical order is the
/// opposite of publish order on purpose.
struct FakeWorkspace {
    dir: PathBuf,
}

impl FakeWorkspace {
    fn new(test: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "xtask-release-test-{}-{}-{test}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let ws = Self { dir };
        ws.write("Cargo.toml", ROOT_MANIFEST);
        ws.add_crate("z-core", "Core crate", "", "");
        ws.add_crate("m-mid", "Middle crate", "z-core.workspace = true\n", "");
        ws.add_crate(
            "a-top",
            "Umbrella crate",
            "m-mid.workspace = true\nz-core.workspace = true\n",
            "",
        );
        ws.add_crate(
            "b-private",
            "Unpublished crate",
            "z-core.workspace = true\n",
            "publish = false\n",
        );
        ws
    }

    fn add_crate(&self, name: &str, description: &str, deps: &str, extra: &str) {
        self.write(
            &format!("crates/{name}/Cargo.toml"),
            &format!(
                "[package]\nname = \"{name}\"\ndescription = \"{description}\"\n{extra}\
                 version.workspace = true\nedition.workspace = true\n\
                 license.workspace = true\nrepository.workspace = true\n\n\
                 [package.metadata.docs.rs]\nall-features = true\n\n\
                 [dependencies]\n{deps}"
            ),
        );
        self.write(&format!("crates/{name}/src/lib.rs"), "//! Fake.\n");
    }

    fn write(&self, rel: &str, content: &str) {
        let path = self.dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("has parent")).expect("create dir");
        std::fs::write(path, content).expect("write file");
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.dir.join(rel)).expect("read file")
    }

    fn manifest(&self) -> PathBuf {
        self.dir.join("Cargo.toml")
    }

    /// Runs `xtask release <args> --manifest-path <fake>/Cargo.toml`.
    fn xtask(&self, args: &[&str]) -> Output {
        xtask_cmd(args, Some(&self.manifest()))
    }
}

impl Drop for FakeWorkspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn xtask_cmd(args: &[&str], manifest: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.args(args);
    if let Some(manifest) = manifest {
        cmd.arg("--manifest-path").arg(manifest);
    }
    // Keep registry lookups (`cargo info`) hermetic and fast.
    cmd.env("CARGO_NET_OFFLINE", "true");
    cmd.output().expect("run xtask")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "status {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        stdout(out),
        stderr(out)
    );
}

const ONLY_MANIFESTS: [&str; 10] = [
    "release", "check", "--skip", "fmt", "--skip", "clippy", "--skip", "test", "--skip", "doc",
];

#[test]
fn bump_minor_rewrites_root_manifest() {
    let ws = FakeWorkspace::new("bump");
    let out = ws.xtask(&["release", "bump", "minor"]);
    assert_success(&out);
    let expected = ROOT_MANIFEST
        .replace(
            "version = \"0.1.0\" # shared",
            "version = \"0.2.0\" # shared",
        )
        .replace(
            "z-core = { path = \"crates/z-core\", version = \"0.1.0\" }",
            "z-core = { path = \"crates/z-core\", version = \"0.2.0\" }",
        )
        .replace(
            "m-mid = { version = \"0.1.0\", path",
            "m-mid = { version = \"0.2.0\", path",
        )
        .replace(
            "a-top = { path = \"crates/a-top\", version = \"0.1.0\" } # umbrella",
            "a-top = { path = \"crates/a-top\", version = \"0.2.0\" } # umbrella",
        );
    // The external dependency keeps its version.
    assert!(expected.contains("some-external = \"0.1.0\""));
    assert_eq!(ws.read("Cargo.toml"), expected);
    let printed = stdout(&out);
    assert!(
        printed.contains("workspace version: 0.1.0 -> 0.2.0"),
        "{printed}"
    );
    assert!(printed.contains("m-mid: 0.1.0 -> 0.2.0"), "{printed}");

    // The bumped workspace is still consistent.
    let out = ws.xtask(&ONLY_MANIFESTS);
    assert_success(&out);
    assert!(stdout(&out).contains("release check passed"));
}

#[test]
fn bump_major_of_zero_x_gives_one_zero_zero() {
    let ws = FakeWorkspace::new("bump-major");
    assert_success(&ws.xtask(&["release", "bump", "major"]));
    let text = ws.read("Cargo.toml");
    assert!(text.contains("version = \"1.0.0\" # shared"), "{text}");
    assert_eq!(text.matches("version = \"1.0.0\"").count(), 4, "{text}");
}

#[test]
fn bump_with_bad_level_fails_and_leaves_file_alone() {
    let ws = FakeWorkspace::new("bad-level");
    let out = ws.xtask(&["release", "bump", "huge"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("invalid bump level `huge`"), "{err}");
    assert!(err.contains("Usage: cargo xtask release"), "{err}");
    assert_eq!(ws.read("Cargo.toml"), ROOT_MANIFEST);
}

#[test]
fn bump_rejects_prerelease_workspace_version() {
    let ws = FakeWorkspace::new("prerelease");
    let manifest = ROOT_MANIFEST.replace(
        "version = \"0.1.0\" # shared",
        "version = \"0.1.0-rc.1\" # shared",
    );
    ws.write("Cargo.toml", &manifest);
    let out = ws.xtask(&["release", "bump", "patch"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("pre-release"), "{}", stderr(&out));
    assert_eq!(ws.read("Cargo.toml"), manifest);
}

#[test]
fn publish_dry_run_prints_dependency_order() {
    let ws = FakeWorkspace::new("publish");
    let out = ws.xtask(&["release", "publish", "--dry-run"]);
    assert_success(&out);
    let printed = stdout(&out);
    let steps: Vec<&str> = printed
        .lines()
        .filter(|l| l.contains("would run `cargo publish"))
        .collect();
    assert_eq!(steps.len(), 3, "{printed}");
    assert!(
        steps[0].trim_start().starts_with("1. z-core 0.1.0"),
        "{printed}"
    );
    assert!(
        steps[1].trim_start().starts_with("2. m-mid 0.1.0"),
        "{printed}"
    );
    assert!(
        steps[2].trim_start().starts_with("3. a-top 0.1.0"),
        "{printed}"
    );
    assert!(
        printed.contains("not published (publish = false): b-private"),
        "{printed}"
    );
}

#[test]
fn check_manifests_reports_missing_description() {
    let ws = FakeWorkspace::new("check");
    assert_success(&ws.xtask(&ONLY_MANIFESTS));

    let mid = ws
        .read("crates/m-mid/Cargo.toml")
        .replace("description = \"Middle crate\"\n", "");
    ws.write("crates/m-mid/Cargo.toml", &mid);
    let out = ws.xtask(&ONLY_MANIFESTS);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("failed at step `manifests`"), "{err}");
    assert!(err.contains("m-mid: missing `description`"), "{err}");
}

#[test]
fn check_manifests_reports_unversioned_internal_dep() {
    let ws = FakeWorkspace::new("unversioned");
    let manifest = ROOT_MANIFEST.replace(
        "m-mid = { version = \"0.1.0\", path = \"crates/m-mid\" }",
        "m-mid = { path = \"crates/m-mid\" }",
    );
    ws.write("Cargo.toml", &manifest);
    let out = ws.xtask(&ONLY_MANIFESTS);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("a-top: dependency `m-mid` has no version requirement"),
        "{err}"
    );
}

#[test]
fn help_and_usage_errors() {
    let out = xtask_cmd(&["--help"], None);
    assert_success(&out);
    assert!(stdout(&out).contains("Usage: cargo xtask release"));

    let out = xtask_cmd(&["release", "check", "--skip", "lint"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown step `lint`"));
}

//! Workspace automation, run as `cargo xtask <command>`.
//!
//! See [`USAGE`] for the commands.

mod check;
mod cmd;
mod features;
mod manifest;
mod metadata;
mod publish;
mod redis;
mod test_command;
mod version;

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use version::Level;

/// Usage text, printed for `--help` and (on stderr) for bad arguments.
const USAGE: &str = "\
Usage: cargo xtask release <COMMAND> [OPTIONS]
   or: cargo xtask test [<CARGO TEST ARGS>...]

test
        The README's test command. Finds redis-server on PATH (installs it
        with apt-get when running as root; otherwise fails naming the install
        command), then runs `cargo test --workspace` with every feature of
        every crate except native-tls (which needs OpenSSL), and prints what it
        did. Further arguments go to `cargo test`, e.g.
        `cargo xtask test -- --nocapture`.

features
        Print the feature list `test` uses (comma-separated `crate/feature`),
        for other cargo commands: cargo clippy --features \"$(cargo xtask features)\"

release commands:
  check [--skip <STEP>]... [--with-dry-run]
        Run, failing fast: fmt (cargo fmt --check), clippy (-D warnings),
        test, doc (RUSTDOCFLAGS=-D warnings), manifests (publishability of
        every publishable crate's Cargo.toml). --skip takes one of
        fmt, clippy, test, doc, manifests and may be repeated.
        --with-dry-run also runs `cargo publish --workspace --dry-run`
        (needs the network and already-published internal dependencies).
  bump <major|minor|patch>
        Bump [workspace.package] version and the `version` of every internal
        (path) entry in [workspace.dependencies]. `major` on a 0.x version
        gives 1.0.0; use `minor` for a breaking 0.x release.
  publish [--dry-run]
        Publish publishable crates in dependency order, skipping versions
        already on crates.io. --dry-run only prints the plan.

Options:
  --manifest-path <PATH>  Workspace root Cargo.toml (default: this workspace)
  -h, --help              Print this help

Exit status: 0 success, 1 failure, 2 usage error.
";

/// An error reported to the user; its message says what went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl Error {
    /// Creates an error with the given message.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Command {
    /// `--help`.
    Help,
    /// `release check`.
    Check(check::Options),
    /// `release bump <level>`.
    Bump {
        /// Which component to bump.
        level: Level,
        /// Root manifest to edit.
        manifest_path: PathBuf,
    },
    /// `release publish`.
    Publish(publish::Options),
    /// `test`, with the arguments passed on to `cargo test`.
    Test(Vec<String>),
    /// `features`: print the test feature list.
    Features,
}

/// The root `Cargo.toml` of the workspace xtask belongs to.
fn default_manifest_path() -> PathBuf {
    let xtask_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask_dir.parent().unwrap_or(xtask_dir).join("Cargo.toml")
}

/// The directory containing `manifest_path` (the workspace root).
pub fn workspace_dir(manifest_path: &Path) -> PathBuf {
    match manifest_path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Parses the arguments after the program name. `Err` is a usage error.
fn parse_args(args: &[String]) -> Result<Command, String> {
    match args.first().map(String::as_str) {
        Some("test") => return Ok(Command::Test(args[1..].to_vec())),
        Some("features") if args.len() == 1 => return Ok(Command::Features),
        _ => {}
    }
    if args.iter().any(|a| a == "-h" || a == "--help") {
        return Ok(Command::Help);
    }
    let mut args = args.iter().map(String::as_str);
    match args.next() {
        Some("release") => {}
        Some(other) => return Err(format!("unknown command `{other}`")),
        None => return Err("missing command".into()),
    }
    let sub = args.next().ok_or("missing release subcommand")?;

    let mut manifest_path = None;
    let mut skip = Vec::new();
    let mut with_dry_run = false;
    let mut dry_run = false;
    let mut positional = Vec::new();
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or_else(|| format!("`{flag}` needs a value"));
        match (sub, arg) {
            (_, "--manifest-path") => manifest_path = Some(PathBuf::from(value(arg)?)),
            ("check", "--skip") => {
                let name = value(arg)?;
                let step = check::Step::from_name(name).ok_or_else(|| {
                    format!(
                        "unknown step `{name}` for --skip (expected fmt, clippy, test, doc, \
                         manifests)"
                    )
                })?;
                skip.push(step);
            }
            ("check", "--with-dry-run") => with_dry_run = true,
            ("publish", "--dry-run") => dry_run = true,
            (_, flag) if flag.starts_with('-') => {
                return Err(format!("unknown option `{flag}` for `release {sub}`"));
            }
            (_, word) => positional.push(word),
        }
    }
    let manifest_path = manifest_path.unwrap_or_else(default_manifest_path);

    match (sub, positional.as_slice()) {
        ("check", []) => Ok(Command::Check(check::Options {
            skip,
            with_dry_run,
            manifest_path,
        })),
        ("bump", [level]) => Ok(Command::Bump {
            level: level.parse().map_err(|e: Error| e.to_string())?,
            manifest_path,
        }),
        ("bump", []) => Err("`release bump` needs a level: major, minor or patch".into()),
        ("publish", []) => Ok(Command::Publish(publish::Options {
            dry_run,
            manifest_path,
        })),
        ("check" | "bump" | "publish", extra) => Err(format!(
            "unexpected argument(s) for `release {sub}`: {}",
            extra.join(" ")
        )),
        (other, _) => Err(format!("unknown release subcommand `{other}`")),
    }
}

/// Executes a parsed command.
fn run(command: Command) -> Result<(), Error> {
    match command {
        Command::Help => {
            print!("{USAGE}");
            Ok(())
        }
        Command::Check(opts) => check::run(&opts),
        Command::Bump {
            level,
            manifest_path,
        } => manifest::run_bump(&manifest_path, level),
        Command::Publish(opts) => publish::run(&opts),
        Command::Test(extra) => test_command::run(&default_manifest_path(), &extra),
        Command::Features => {
            let meta = metadata::Metadata::load(&default_manifest_path())?;
            println!("{}", features::test_features(&meta).join(","));
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let args: Result<Vec<String>, _> = std::env::args_os()
        .skip(1)
        .map(|a| a.into_string())
        .collect();
    let parsed = args
        .map_err(|a| format!("argument {a:?} is not valid UTF-8"))
        .and_then(|args| parse_args(&args));
    match parsed {
        Err(usage_error) => {
            eprintln!("error: {usage_error}\n\n{USAGE}");
            ExitCode::from(2)
        }
        Ok(command) => match run(command) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Command, String> {
        let args: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        parse_args(&args)
    }

    #[test]
    fn parses_commands() {
        assert_eq!(parse("--help").unwrap(), Command::Help);
        assert_eq!(parse("release bump -h").unwrap(), Command::Help);
        assert_eq!(
            parse("release bump patch --manifest-path /x/Cargo.toml").unwrap(),
            Command::Bump {
                level: Level::Patch,
                manifest_path: "/x/Cargo.toml".into()
            }
        );
        assert_eq!(
            parse("release check --skip fmt --with-dry-run --skip test").unwrap(),
            Command::Check(check::Options {
                skip: vec![check::Step::Fmt, check::Step::Test],
                with_dry_run: true,
                manifest_path: default_manifest_path(),
            })
        );
        assert_eq!(
            parse("release publish --dry-run").unwrap(),
            Command::Publish(publish::Options {
                dry_run: true,
                manifest_path: default_manifest_path(),
            })
        );
        assert_eq!(
            parse("test -- --nocapture").unwrap(),
            Command::Test(vec!["--".into(), "--nocapture".into()])
        );
        assert_eq!(parse("test").unwrap(), Command::Test(vec![]));
        assert_eq!(parse("features").unwrap(), Command::Features);
        assert!(default_manifest_path().ends_with("Cargo.toml"));
    }

    #[test]
    fn rejects_bad_arguments() {
        for bad in [
            "",
            "build",
            "release",
            "release ship",
            "release bump",
            "release bump huge",
            "release bump minor patch",
            "release bump minor --dry-run",
            "release check --skip",
            "release check --skip lint",
            "release check extra",
            "release publish --with-dry-run",
            "release publish --manifest-path",
            "features extra",
        ] {
            assert!(parse(bad).is_err(), "accepted `{bad}`");
        }
    }

    #[test]
    fn workspace_dir_of_relative_manifest() {
        assert_eq!(workspace_dir(Path::new("Cargo.toml")), PathBuf::from("."));
        assert_eq!(
            workspace_dir(Path::new("/a/b/Cargo.toml")),
            PathBuf::from("/a/b")
        );
    }
}

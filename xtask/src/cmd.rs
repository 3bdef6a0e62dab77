//! Running external commands (mostly `cargo`) and failing loudly.

use std::ffi::OsStr;
use std::process::{Command, Output, Stdio};

use crate::Error;

/// Returns a `Command` for the cargo that runs us (`$CARGO`, set by
/// `cargo run`/`cargo xtask`), falling back to `cargo` on `PATH`.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Renders a command line for messages, e.g.
/// `RUSTDOCFLAGS="-D warnings" cargo doc --workspace`.
pub fn display(cmd: &Command) -> String {
    let mut parts: Vec<String> = cmd
        .get_envs()
        .filter_map(|(key, value)| {
            value.map(|value| format!("{}={}", key.to_string_lossy(), quote(value)))
        })
        .collect();
    // Show `cargo` rather than the absolute path `$CARGO` points to.
    let program = cmd.get_program();
    let is_cargo = std::path::Path::new(program)
        .file_stem()
        .is_some_and(|stem| stem == "cargo");
    parts.push(if is_cargo {
        "cargo".to_owned()
    } else {
        quote(program)
    });
    parts.extend(cmd.get_args().map(quote));
    parts.join(" ")
}

/// Quotes a word for display if it contains whitespace.
fn quote(word: &OsStr) -> String {
    let word = word.to_string_lossy();
    if word.is_empty() || word.contains(char::is_whitespace) {
        format!("\"{word}\"")
    } else {
        word.into_owned()
    }
}

/// Runs `cmd` with inherited stdio, echoing it first. A spawn failure or a
/// non-zero exit status is an error naming the command.
pub fn run(cmd: &mut Command) -> Result<(), Error> {
    let shown = display(cmd);
    println!("$ {shown}");
    let status = cmd
        .status()
        .map_err(|e| Error::new(format!("could not run `{shown}`: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::new(format!("`{shown}` failed ({status})")))
    }
}

/// Runs `cmd` capturing stdout and stderr, whatever its exit status. Only a
/// spawn failure is an error.
pub fn output(cmd: &mut Command) -> Result<Output, Error> {
    cmd.stdin(Stdio::null())
        .output()
        .map_err(|e| Error::new(format!("could not run `{}`: {e}", display(cmd))))
}

/// Runs `cmd` capturing its output and returns stdout; a non-zero exit is
/// an error that includes the command's stderr.
pub fn stdout(cmd: &mut Command) -> Result<String, Error> {
    let out = output(cmd)?;
    if !out.status.success() {
        return Err(Error::new(format!(
            "`{}` failed ({}):\n{}",
            display(cmd),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        )));
    }
    String::from_utf8(out.stdout)
        .map_err(|_| Error::new(format!("`{}` printed non-UTF-8 output", display(cmd))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_shows_env_and_quotes() {
        let mut cmd = Command::new("/opt/rust/bin/cargo");
        cmd.args(["doc", "--workspace"])
            .env("RUSTDOCFLAGS", "-D warnings");
        assert_eq!(
            display(&cmd),
            "RUSTDOCFLAGS=\"-D warnings\" cargo doc --workspace"
        );
    }

    #[test]
    fn failing_command_is_an_error() {
        let mut cmd = cargo();
        cmd.arg("definitely-not-a-cargo-subcommand-xyz");
        let err = stdout(&mut cmd).unwrap_err().to_string();
        assert!(
            err.contains("definitely-not-a-cargo-subcommand-xyz"),
            "{err}"
        );
    }
}

//! `redis-server` for the fleet tests, which start real Redis processes: found
//! on `PATH`, or installed with `apt-get` when running as root, or a failure
//! that names the install command.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Error, cmd};

/// The program the fleet tests start.
pub const PROGRAM: &str = "redis-server";

/// The Debian/Ubuntu command that installs [`PROGRAM`].
pub const INSTALL_COMMAND: &str = "apt-get install -y redis-server";

/// How `redis-server` was made available.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// It was already on `PATH`.
    OnPath(PathBuf),
    /// It was installed just now with `apt-get`.
    Installed(PathBuf),
}

impl Found {
    /// The path of the binary.
    pub fn path(&self) -> &Path {
        match self {
            Found::OnPath(path) | Found::Installed(path) => path,
        }
    }
}

/// Finds `redis-server` on `PATH`; if it is missing and we run as root with
/// `apt-get` available, installs it (`apt-get update -qq && apt-get install
/// -y -qq redis-server`); otherwise fails with [`missing_message`].
pub fn ensure() -> Result<Found, Error> {
    ensure_in(std::env::var_os("PATH").as_deref(), is_root())
}

/// [`ensure`] with the `PATH` value and the root check given.
fn ensure_in(path_var: Option<&OsStr>, root: bool) -> Result<Found, Error> {
    if let Some(found) = find_on_path(PROGRAM, path_var) {
        return Ok(Found::OnPath(found));
    }
    let apt_get = find_on_path("apt-get", path_var);
    let (true, Some(apt_get)) = (root, &apt_get) else {
        return Err(Error::new(missing_message(root, apt_get.is_some())));
    };
    println!("{PROGRAM} not found on PATH; installing it with apt-get (running as root)");
    for args in [
        &["update", "-qq"][..],
        &["install", "-y", "-qq", "redis-server"][..],
    ] {
        let mut apt = Command::new(apt_get);
        apt.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd::run(&mut apt).map_err(|e| {
            Error::new(format!(
                "could not install {PROGRAM}: {e}; install it with '{INSTALL_COMMAND}' and run \
                 `cargo xtask test` again"
            ))
        })?;
    }
    find_on_path(PROGRAM, path_var)
        .map(Found::Installed)
        .ok_or_else(|| {
            Error::new(format!(
                "apt-get installed redis-server but `{PROGRAM}` is still not on PATH; add its \
                 directory (usually /usr/bin) to PATH"
            ))
        })
}

/// The failure when `redis-server` is missing and cannot be installed here:
/// names the exact install command for the situation.
pub fn missing_message(root: bool, has_apt: bool) -> String {
    let why = "the fleet tests start real redis-server processes";
    match (root, has_apt) {
        (false, true) => format!(
            "{PROGRAM} not found on PATH ({why}): install it with 'sudo {INSTALL_COMMAND}' and \
             run `cargo xtask test` again"
        ),
        _ => format!(
            "{PROGRAM} not found on PATH ({why}) and apt-get is not available: install Redis \
             with your package manager so that `{PROGRAM}` is on PATH (Debian/Ubuntu: \
             '{INSTALL_COMMAND}', macOS: 'brew install redis') and run `cargo xtask test` again"
        ),
    }
}

/// The first executable file named `program` in the directories of `path_var`
/// (a `PATH` value).
pub fn find_on_path(program: &str, path_var: Option<&OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path_var?)
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file() || path.with_extension("exe").is_file()
}

/// Whether this process runs as root (`id -u` prints 0). `false` when `id`
/// cannot be run.
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.status.success() && out.stdout.trim_ascii() == b"0")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("xtask-redis-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }

        fn file(&self, name: &str, mode: u32) -> PathBuf {
            let path = self.0.join(name);
            std::fs::write(&path, "#!/bin/sh\n").unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            }
            #[cfg(not(unix))]
            let _ = mode;
            path
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn finds_the_first_executable_on_path() {
        let first = TempDir::new("first");
        let second = TempDir::new("second");
        let empty = TempDir::new("empty");
        let expected = second.file(PROGRAM, 0o755);
        let path = std::env::join_paths([&empty.0, &first.0, &second.0]).unwrap();
        assert_eq!(find_on_path(PROGRAM, Some(&path)), Some(expected.clone()));

        // A directory of that name is not the program.
        std::fs::create_dir(first.0.join(PROGRAM)).unwrap();
        assert_eq!(find_on_path(PROGRAM, Some(&path)), Some(expected));
    }

    #[cfg(unix)]
    #[test]
    fn skips_files_that_are_not_executable() {
        let dir = TempDir::new("noexec");
        dir.file(PROGRAM, 0o644);
        let path = std::env::join_paths([&dir.0]).unwrap();
        assert_eq!(find_on_path(PROGRAM, Some(&path)), None);
    }

    #[test]
    fn missing_or_empty_path_finds_nothing() {
        assert_eq!(find_on_path(PROGRAM, None), None);
        assert_eq!(find_on_path(PROGRAM, Some(OsStr::new(""))), None);
    }

    /// A fake `apt-get` in `dir` that logs its arguments and, for `install`,
    /// puts an executable `redis-server` next to itself (or fails with
    /// `exit_status` when it is not 0).
    #[cfg(unix)]
    fn fake_apt_get(dir: &TempDir, exit_status: u32) {
        let script = format!(
            "#!/bin/sh\n\
             echo \"$DEBIAN_FRONTEND $*\" >> \"$(dirname \"$0\")/apt.log\"\n\
             [ {exit_status} -eq 0 ] || exit {exit_status}\n\
             if [ \"$1\" = install ]; then\n\
               printf '#!/bin/sh\\n' > \"$(dirname \"$0\")/redis-server\"\n\
               chmod +x \"$(dirname \"$0\")/redis-server\"\n\
             fi\n"
        );
        let path = dir.file("apt-get", 0o755);
        std::fs::write(path, script).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn installs_with_apt_get_when_root() {
        let dir = TempDir::new("apt-root");
        fake_apt_get(&dir, 0);
        let path = std::env::join_paths([&dir.0]).unwrap();
        let found = ensure_in(Some(&path), true).unwrap();
        assert_eq!(found, Found::Installed(dir.0.join(PROGRAM)));
        let log = std::fs::read_to_string(dir.0.join("apt.log")).unwrap();
        assert_eq!(
            log,
            "noninteractive update -qq\nnoninteractive install -y -qq redis-server\n"
        );
        // Found on PATH now: no second install.
        assert_eq!(
            ensure_in(Some(&path), true).unwrap(),
            Found::OnPath(dir.0.join(PROGRAM))
        );
        let log = std::fs::read_to_string(dir.0.join("apt.log")).unwrap();
        assert_eq!(log.lines().count(), 2);
    }

    #[cfg(unix)]
    #[test]
    fn does_not_install_unless_root() {
        let dir = TempDir::new("apt-user");
        fake_apt_get(&dir, 0);
        let path = std::env::join_paths([&dir.0]).unwrap();
        let err = ensure_in(Some(&path), false).unwrap_err().to_string();
        assert_eq!(err, missing_message(false, true));
        assert!(!dir.0.join("apt.log").exists(), "apt-get ran");
        let err = ensure_in(None, true).unwrap_err().to_string();
        assert_eq!(err, missing_message(true, false));
    }

    #[cfg(unix)]
    #[test]
    fn a_failed_install_names_the_command() {
        let dir = TempDir::new("apt-fails");
        fake_apt_get(&dir, 100);
        let path = std::env::join_paths([&dir.0]).unwrap();
        let err = ensure_in(Some(&path), true).unwrap_err().to_string();
        assert!(err.starts_with("could not install redis-server: "), "{err}");
        assert!(err.contains("update -qq"), "{err}");
        assert!(err.contains("exit status: 100"), "{err}");
        assert!(err.contains("'apt-get install -y redis-server'"), "{err}");
    }

    #[test]
    fn missing_message_names_the_install_command() {
        let user = missing_message(false, true);
        assert_eq!(
            user,
            "redis-server not found on PATH (the fleet tests start real redis-server \
             processes): install it with 'sudo apt-get install -y redis-server' and run \
             `cargo xtask test` again"
        );
        for (root, has_apt) in [(true, false), (false, false)] {
            let msg = missing_message(root, has_apt);
            assert!(msg.starts_with("redis-server not found on PATH"), "{msg}");
            assert!(msg.contains("'apt-get install -y redis-server'"), "{msg}");
            assert!(msg.contains("apt-get is not available"), "{msg}");
            assert!(msg.contains("cargo xtask test"), "{msg}");
        }
    }
}

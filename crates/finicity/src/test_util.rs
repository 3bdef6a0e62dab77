//! Test support shared by the tests of this crate, `fintra-cli` and
//! `fintra-connect-components` (feature `test-util`): a real `redis-server` on a free loopback
//! port, and [`token_mock`](crate::test_util::token_mock), CreateToken on an httpmock server.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The message a fleet test fails with when `redis-server` is missing.
pub const REDIS_MISSING: &str =
    "redis-server not found on PATH: install it with 'apt-get install -y redis-server'";

/// A `redis-server` child process on `127.0.0.1:<free port>`, with persistence off
/// (`--save '' --appendonly no`). Killed when dropped.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    binary: PathBuf,
}

/// The `redis-server` binary in the directories of `path` (a `PATH` value), or
/// [`REDIS_MISSING`].
pub fn locate_redis_server(path: Option<&std::ffi::OsStr>) -> Result<PathBuf, &'static str> {
    let path = path.ok_or(REDIS_MISSING)?;
    std::env::split_paths(path)
        .map(|dir| dir.join("redis-server"))
        .find(|candidate| candidate.is_file())
        .ok_or(REDIS_MISSING)
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().expect("local address").port()
}

impl RedisServer {
    /// Starts a server and waits until it accepts connections.
    ///
    /// # Panics
    /// With [`REDIS_MISSING`] when `redis-server` is not on `PATH` (fleet tests are never
    /// skipped), or when it does not come up within 10 s.
    pub fn start() -> Self {
        let binary = locate_redis_server(std::env::var_os("PATH").as_deref())
            .unwrap_or_else(|missing| panic!("{missing}"));
        let mut server = RedisServer {
            child: None,
            port: free_port(),
            binary,
        };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let child = Command::new(&self.binary)
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(["--daemonize", "no", "--loglevel", "warning"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.binary.display()));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not listen on port {} within 10 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server (its data is lost: nothing is persisted).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port (empty).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// CreateToken on `server`, matched on its exact request shape for `credentials` (app key,
/// JSON headers, no app token, `{"partnerId","partnerSecret"}` body), answering `token`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use fintra_core::Client;
/// use fintra_finicity::{FinicityClient, FinicityCredentials};
///
/// let server = httpmock::MockServer::start_async().await;
/// let credentials = FinicityCredentials::new("1234583871234", "secret".into(), "key".into());
/// let mock = fintra_finicity::test_util::token_mock(&server, &credentials, "tok-1").await;
/// let client = FinicityClient::with_config(credentials, Client::builder().base_url(server.base_url()))
///     .unwrap();
/// client.access_token().await.unwrap();
/// assert_eq!(mock.hits_async().await, 1);
/// # }
/// ```
#[cfg(feature = "test-util")]
pub async fn token_mock<'a>(
    server: &'a httpmock::MockServer,
    credentials: &crate::FinicityCredentials,
    token: &str,
) -> httpmock::Mock<'a> {
    use fintra_core::secret::ExposeSecret;
    let token = token.to_owned();
    let app_key = credentials.app_key.expose_secret().to_owned();
    let body = serde_json::json!({
        "partnerId": credentials.partner_id,
        "partnerSecret": credentials.partner_secret.expose_secret(),
    });
    server
        .mock_async(move |when, then| {
            when.method("POST")
                .path(crate::auth::AUTHENTICATION_PATH)
                .header("finicity-app-key", app_key)
                .header("accept", "application/json")
                .header("content-type", "application/json")
                .header_missing("finicity-app-token")
                .json_body(body);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(serde_json::json!({ "token": token }));
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_redis_server_fails_with_the_install_command() {
        let empty = std::env::temp_dir().join(format!("fintra-nopath-{}", std::process::id()));
        std::fs::create_dir_all(&empty).unwrap();
        assert_eq!(
            locate_redis_server(Some(empty.as_os_str())),
            Err(
                "redis-server not found on PATH: install it with 'apt-get install -y redis-server'"
            )
        );
        assert_eq!(locate_redis_server(None), Err(REDIS_MISSING));
        std::fs::remove_dir_all(&empty).unwrap();
    }

    #[test]
    fn a_server_starts_answers_and_is_killed() {
        let mut server = RedisServer::start();
        assert!(TcpStream::connect(("127.0.0.1", server.port())).is_ok());
        server.kill();
        assert!(TcpStream::connect(("127.0.0.1", server.port())).is_err());
        server.restart();
        assert!(TcpStream::connect(("127.0.0.1", server.port())).is_ok());
    }
}

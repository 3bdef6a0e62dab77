//! The `fintra-sandbox` binary as a user's test harness runs it: fixed per-provider ports,
//! `--json` output, and a clean exit on SIGTERM.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A port that was free a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

#[test]
fn fixed_ports_json_summary_and_sigterm() {
    let ports = [free_port(), free_port(), free_port(), free_port()];
    let mut child = Command::new(env!("CARGO_BIN_EXE_fintra-sandbox"))
        .args(["--json", "--port", &ports[0].to_string()])
        .args(["--finicity-port", &ports[1].to_string()])
        .args(["--app-portal-port", &ports[2].to_string()])
        .args(["--snaptrade-port", &ports[3].to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("a summary line");
    let summary: Value = serde_json::from_str(&line).expect("JSON");
    let url = |p: u16| format!("http://127.0.0.1:{p}");
    assert_eq!(summary["control_url"], url(ports[0]));
    assert_eq!(summary["finicity"]["base_url"], url(ports[1]));
    assert_eq!(summary["app_portal"]["base_url"], url(ports[2]));
    assert_eq!(summary["snaptrade"]["base_url"], url(ports[3]));
    assert_eq!(
        summary["snaptrade"]["legacy_base_url"],
        format!("{}/api/v1", url(ports[3]))
    );
    assert_eq!(summary["snaptrade"]["client_id"], "PASSIVTEST");
    assert_eq!(
        summary["app_portal"]["token"],
        "testsk_fintra_sandbox_app_portal_token"
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(exit.success(), "{exit:?}");

    // A taken port is named in the error.
    let busy = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = busy.local_addr().expect("addr").port().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_fintra-sandbox"))
        .args(["--snaptrade-port", &port])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot listen for snaptrade on 127.0.0.1:{port}")),
        "{err}"
    );
}

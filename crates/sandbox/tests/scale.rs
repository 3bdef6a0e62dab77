//! 10,000 concurrent connections from one client, against the real `fintra-sandbox` binary
//! in its own process (so the client's and the server's sockets count against separate
//! descriptor limits). Every call must succeed: the sandbox queues, it never closes.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

const CALLS: usize = 10_000;

/// The sandbox process, killed when the test ends however it ends.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary with `--json` and returns it with its summary line.
fn start_binary() -> (Process, Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fintra-sandbox"))
        .arg("--json")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the fintra-sandbox binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let process = Process(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the sandbox prints its summary");
    let summary = serde_json::from_str(&line).expect("--json prints one JSON line");
    (process, summary)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_calls_all_succeed() {
    let (_process, summary) = start_binary();
    let control = summary["control_url"].as_str().unwrap().to_owned();
    let finicity = summary["finicity"]["base_url"].as_str().unwrap().to_owned();
    let client = fintra_core::reqwest_client_builder()
        .no_proxy()
        .pool_max_idle_per_host(CALLS)
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();

    // Each call is held for 300 ms inside the sandbox, so all of them are open at once.
    let fault = json!({"target": "finicity", "kind": "delay", "delay_ms": 300, "times": CALLS});
    let status = client
        .post(format!("{control}/_sandbox/faults"))
        .body(fault.to_string())
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);

    let body = Arc::new(
        json!({
            "partnerId": summary["finicity"]["partner_id"],
            "partnerSecret": summary["finicity"]["partner_secret"],
        })
        .to_string(),
    );
    let app_key = summary["finicity"]["app_key"].as_str().unwrap().to_owned();
    let url = format!("{finicity}/aggregation/v2/partners/authentication");
    let calls: Vec<_> = (0..CALLS)
        .map(|_| {
            let req = client
                .post(&url)
                .header("Finicity-App-Key", &app_key)
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .body(body.as_str().to_owned());
            tokio::spawn(async move {
                let resp = req.send().await.map_err(|e| e.to_string())?;
                let status = resp.status();
                let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
                let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                if status == 200 && body["token"].is_string() {
                    Ok(())
                } else {
                    Err(format!("{status} {body}"))
                }
            })
        })
        .collect();
    let mut failures = Vec::new();
    for call in calls {
        if let Err(e) = call.await.unwrap() {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {CALLS} calls failed, e.g. {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );

    let stats = client
        .get(format!("{control}/_sandbox/stats"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let stats: Value = serde_json::from_slice(&stats).unwrap();
    assert_eq!(stats["routes"]["finicity.create_token"], CALLS);
    assert_eq!(stats["faultsInjected"], CALLS);
}

//! The sandbox's own request rate: Finicity CreateToken calls per second through the
//! sandbox (routing, body read, validation, state lock, token issue, hit counters),
//! against a baseline of a bare hyper HTTP/1.1 server on the same runtime that reads the
//! body and answers a fixed token. Same client, same concurrency, measured in one run.
//!
//! ```sh
//! cargo bench -p fintra-sandbox --bench request_rate
//! ```

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use fintra_sandbox::Sandbox;

/// Concurrent keep-alive connections.
const CONNECTIONS: usize = 32;
/// Requests per connection, per measured round.
const PER_CONNECTION: usize = 1_000;
const ROUNDS: usize = 3;

/// A bare server: read the body, answer a fixed CreateToken response.
async fn baseline_server() -> SocketAddr {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind the baseline server");
    let addr = listener.local_addr().expect("baseline address");
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let service = service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
                    let _ = req.into_body().collect().await;
                    let mut resp = hyper::Response::new(Full::new(Bytes::from_static(
                        br#"{"token":"YBh22Sb9Es6e66Q7lWdt"}"#,
                    )));
                    resp.headers_mut().insert(
                        http::header::CONTENT_TYPE,
                        http::HeaderValue::from_static("application/json"),
                    );
                    Ok::<_, Infallible>(resp)
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

/// Requests per second for `CONNECTIONS` × `PER_CONNECTION` CreateToken calls to `base`.
async fn rate(client: &reqwest::Client, base: &str, body: &Arc<String>, app_key: &str) -> f64 {
    let url = Arc::new(format!("{base}/aggregation/v2/partners/authentication"));
    let start = Instant::now();
    let tasks: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let (client, url, body) = (client.clone(), url.clone(), body.clone());
            let app_key = app_key.to_owned();
            tokio::spawn(async move {
                for _ in 0..PER_CONNECTION {
                    let resp = client
                        .post(url.as_str())
                        .header("Finicity-App-Key", &app_key)
                        .header("content-type", "application/json")
                        .body(body.as_str().to_owned())
                        .send()
                        .await
                        .expect("request");
                    assert_eq!(resp.status(), 200);
                    let bytes = resp.bytes().await.expect("body");
                    assert!(bytes.starts_with(b"{\"token\":\""));
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
    (CONNECTIONS * PER_CONNECTION) as f64 / start.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let sandbox = Sandbox::start().await.expect("sandbox");
    let creds = sandbox.credentials();
    let body = Arc::new(
        serde_json::json!({
            "partnerId": creds.finicity_partner_id,
            "partnerSecret": creds.finicity_partner_secret,
        })
        .to_string(),
    );
    let baseline = format!("http://{}", baseline_server().await);
    let client = fintra_core::reqwest_client_builder()
        .no_proxy()
        .pool_max_idle_per_host(CONNECTIONS)
        .build()
        .expect("client");
    // Warm-up: open the connections to both servers.
    rate(
        &client,
        &sandbox.finicity_url(),
        &body,
        creds.finicity_app_key,
    )
    .await;
    rate(&client, &baseline, &body, creds.finicity_app_key).await;

    println!(
        "Finicity CreateToken, {CONNECTIONS} keep-alive connections x {PER_CONNECTION} requests"
    );
    println!("round  sandbox req/s  bare hyper req/s  ratio (sandbox/bare)");
    for round in 1..=ROUNDS {
        let contender = rate(
            &client,
            &sandbox.finicity_url(),
            &body,
            creds.finicity_app_key,
        )
        .await;
        let base = rate(&client, &baseline, &body, creds.finicity_app_key).await;
        println!(
            "{round:>5}  {contender:>13.0}  {base:>16.0}  {:>20.2}",
            contender / base
        );
    }
    sandbox.shutdown().await;
}

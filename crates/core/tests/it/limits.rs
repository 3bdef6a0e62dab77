//! The per-client in-flight limit and the pool, against a real loopback server.

use std::time::{Duration, Instant};

use fintra_core::{
    Client, DEFAULT_MAX_IN_FLIGHT, DEFAULT_POOL_MAX_IDLE_PER_HOST, Operation, RequestOptions,
};

use crate::loopback::RawServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_calls_queue_and_share_a_bounded_set_of_sockets() {
    let server = RawServer::always(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{\"ok\":true}",
    )
    .await;
    let client = Client::builder()
        .base_url(server.base_url())
        .build()
        .unwrap();
    let started = Instant::now();
    let calls: Vec<_> = (0..10_000)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .send_json::<serde_json::Value>(
                        Operation::get("Ping", "/ping"),
                        &RequestOptions::new(),
                    )
                    .await
            })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap()["ok"], true);
    }
    let elapsed = started.elapsed();
    assert_eq!(server.stats.requests(), 10_000);
    // A socket is in use by one of at most 64 calls, or idle in a pool of at most 64. (The
    // HTTP library hands a finished connection back to its pool on another task and may open
    // a socket meanwhile, so a few more than 64 can be open; the idle cap bounds those.)
    let bound = DEFAULT_MAX_IN_FLIGHT + DEFAULT_POOL_MAX_IDLE_PER_HOST;
    let max_open = server.stats.max_open();
    assert!(
        max_open <= bound,
        "{max_open} sockets open at once, bound {bound}"
    );
    let opened = server.stats.connections();
    assert!(opened <= bound, "{opened} sockets opened for 10,000 calls");
    assert!(elapsed < Duration::from_secs(15), "took {elapsed:?}");
}

#[tokio::test]
async fn a_limit_of_one_serialises_calls_on_one_socket() {
    let server = RawServer::always(b"HTTP/1.1 204 No Content\r\n\r\n").await;
    let client = Client::builder()
        .base_url(server.base_url())
        .max_in_flight(1)
        .build()
        .unwrap();
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .send_empty(Operation::get("Ping", "/ping"), &RequestOptions::new())
                    .await
            })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(server.stats.requests(), 50);
    assert_eq!(server.stats.max_open(), 1);
    assert_eq!(server.stats.connections(), 1);
}

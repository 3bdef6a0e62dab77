//! A raw HTTP/1.1 loopback server (tokio `TcpListener`) whose answers a test scripts byte by
//! byte, and which counts connections: the hostile server of the fault matrix and the
//! socket counter of the in-flight limit test.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as read from the wire.
#[allow(dead_code)] // not every test reads every part
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET /path HTTP/1.1`.
    pub line: String,
    /// The raw header block.
    pub head: String,
    /// The body (read by `Content-Length`).
    pub body: Vec<u8>,
}

/// What the handler did with the connection.
pub enum Next {
    /// Keep the connection for the next request.
    KeepAlive(TcpStream),
    /// Close it.
    Close,
}

type Handler =
    Arc<dyn Fn(Request, TcpStream) -> Pin<Box<dyn Future<Output = Next> + Send>> + Send + Sync>;

/// Connection and request counters.
#[derive(Debug, Default)]
pub struct Stats {
    open: AtomicUsize,
    max_open: AtomicUsize,
    connections: AtomicUsize,
    requests: AtomicUsize,
}

impl Stats {
    /// The most connections open at the same time.
    pub fn max_open(&self) -> usize {
        self.max_open.load(Ordering::SeqCst)
    }
    /// Connections accepted in all.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
    /// Requests read in all.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// A running server; it stops when dropped.
pub struct RawServer {
    addr: SocketAddr,
    pub stats: Arc<Stats>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RawServer {
    /// Starts a server that hands every request to `handler` with its connection.
    pub async fn start<F, Fut>(handler: F) -> Self
    where
        F: Fn(Request, TcpStream) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Next> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |r, s| Box::pin(handler(r, s)));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let stats = Arc::new(Stats::default());
        let counters = stats.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let handler = handler.clone();
                let stats = counters.clone();
                tokio::spawn(async move {
                    stats.connections.fetch_add(1, Ordering::SeqCst);
                    let now = stats.open.fetch_add(1, Ordering::SeqCst) + 1;
                    stats.max_open.fetch_max(now, Ordering::SeqCst);
                    serve(stream, &handler, &stats).await;
                    stats.open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        RawServer { addr, stats, task }
    }

    /// Starts a server answering every request with `response` (raw bytes), keeping the
    /// connection open.
    pub async fn always(response: &'static [u8]) -> Self {
        Self::start(move |_, mut stream| async move {
            match stream.write_all(response).await {
                Ok(()) => Next::KeepAlive(stream),
                Err(_) => Next::Close,
            }
        })
        .await
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

async fn serve(mut stream: TcpStream, handler: &Handler, stats: &Stats) {
    loop {
        let Some(request) = read_request(&mut stream).await else {
            return;
        };
        stats.requests.fetch_add(1, Ordering::SeqCst);
        match handler(request, stream).await {
            Next::KeepAlive(s) => stream = s,
            Next::Close => return,
        }
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = buf[end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let line = head.lines().next().unwrap_or_default().to_owned();
    Some(Request { line, head, body })
}

//! The default TLS stack end to end: HTTPS on loopback against a server whose certificate is
//! issued by a CA generated at test time. Runs with the default features (rustls + `ring` +
//! platform verifier) and with `--all-features` (native-tls, i.e. OpenSSL on Linux).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use fintra_core::secret::SecretString;
use fintra_core::test_util::VirtualTime;
use fintra_core::{Error, Operation, RequestOptions, TransportErrorKind};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::support::builder;

const BODY: &str = r#"{"id":"acc_1","balance":12.5}"#;

/// A throwaway CA and a `localhost` / `127.0.0.1` server certificate it issued.
struct TestPki {
    ca: CertificateDer<'static>,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: PrivateKeyDer<'static>,
}

fn test_pki() -> TestPki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "fintra test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();

    let mut params =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca).unwrap();

    TestPki {
        ca: ca.der().clone(),
        server_chain: vec![cert.der().clone()],
        server_key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
    }
}

/// A minimal HTTPS server on `127.0.0.1:0`: each connection gets one HTTP/1.1 answer (kept
/// alive) with a fixed JSON body.
struct TlsServer {
    port: u16,
    /// TCP connections accepted.
    connections: Arc<AtomicUsize>,
    /// Request heads received over completed TLS handshakes.
    requests: Arc<Mutex<Vec<String>>>,
}

impl TlsServer {
    async fn start(pki: &TestPki) -> TlsServer {
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(pki.server_chain.clone(), pki.server_key.clone_key())
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (count, seen) = (connections.clone(), requests.clone());
        // Dropped with the test's runtime.
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                count.fetch_add(1, Ordering::SeqCst);
                let (acceptor, seen) = (acceptor.clone(), seen.clone());
                tokio::spawn(async move {
                    // A client that distrusts the certificate aborts the handshake here.
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match tls.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    seen.lock()
                        .unwrap()
                        .push(String::from_utf8_lossy(&head).into_owned());
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                         content-length: {}\r\n\r\n{BODY}",
                        BODY.len()
                    );
                    if tls.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                    let _ = tls.flush().await;
                    // Keep-alive: hold the connection until the client closes it.
                    while matches!(tls.read(&mut buf).await, Ok(n) if n > 0) {}
                });
            }
        });
        TlsServer {
            port,
            connections,
            requests,
        }
    }

    fn base_url(&self) -> String {
        format!("https://localhost:{}", self.port)
    }
}

#[derive(Debug, serde::Deserialize)]
struct Account {
    id: String,
    balance: f64,
}

#[tokio::test]
async fn https_with_a_custom_root_ca() {
    let pki = test_pki();
    let server = TlsServer::start(&pki).await;
    let ca = fintra_core::reqwest::Certificate::from_der(&pki.ca).unwrap();
    // `tls_certs_merge` adds the CA to the backend's own roots: with rustls it extends the
    // platform verifier's root store, with native-tls it is added to OpenSSL's default store.
    let http = fintra_core::reqwest_client_builder().tls_certs_merge([ca]);
    let time = Arc::new(VirtualTime::default());
    let client = builder(&server.base_url(), &time)
        .reqwest_builder(http)
        .build()
        .unwrap();

    let account: Account = client
        .send_json(
            Operation::get("GetAccount", "/accounts/acc_1").query("expand", "balance"),
            &RequestOptions::new(),
        )
        .await
        .unwrap();

    assert_eq!(account.id, "acc_1");
    assert!((account.balance - 12.5).abs() < f64::EPSILON);
    let requests = server.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let head = requests[0].to_ascii_lowercase();
    assert!(
        head.starts_with("get /accounts/acc_1?expand=balance http/1.1\r\n"),
        "{head}"
    );
    assert!(
        head.contains(&format!("\r\nhost: localhost:{}\r\n", server.port)),
        "{head}"
    );
    assert!(head.contains("\r\naccept: application/json\r\n"), "{head}");
}

#[tokio::test]
async fn default_client_rejects_an_untrusted_certificate() {
    let pki = test_pki();
    let server = TlsServer::start(&pki).await;
    let time = Arc::new(VirtualTime::default());
    // The default transport (`ReqwestTransport::default_client`), which does not trust the CA.
    let client = builder(&server.base_url(), &time).build().unwrap();
    let token = SecretString::from("s3cret");

    let err = client
        .send_json::<Account>(
            Operation::get("GetAccount", "/accounts/acc_1").secret_query("token", &token),
            &RequestOptions::new(),
        )
        .await
        .unwrap_err();

    // reqwest reports a failed TLS handshake as a connect error (both backends): nothing
    // was sent, so the default classifier retries it like a refused connection.
    let Error::Transport(transport) = &err else {
        panic!("expected a transport error, got {err:?}");
    };
    assert_eq!(transport.kind(), TransportErrorKind::Connect, "{err:?}");
    assert_eq!(server.connections.load(Ordering::SeqCst), 3);
    assert_eq!(time.sleeps().len(), 2);
    assert!(server.requests.lock().unwrap().is_empty());

    // The cause is kept (rustls: "invalid peer certificate: UnknownIssuer"; OpenSSL:
    // "certificate verify failed"), without the URL and its secret query.
    let mut chain = format!("{err} | {err:?}");
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        chain.push_str(&format!(" | {cause}"));
        source = cause.source();
    }
    assert!(chain.to_lowercase().contains("certificate"), "{chain}");
    assert!(!chain.contains("s3cret"), "{chain}");
    assert!(!chain.contains("token="), "{chain}");
}

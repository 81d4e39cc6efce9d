//! HTTPS served by `cairn serve` itself, with a certificate made for the
//! test by its own CA: TLS 1.3 and 1.2 both answer, the certificate is the
//! one configured, plain HTTP is redirected to the HTTPS origin, a renewed
//! certificate is served without a restart, the healthcheck asks over TLS,
//! and production refuses plain HTTP unless a trusted proxy terminates TLS.

use crate::{
    cli::{Guard, PRODUCTION, cairn, free_port, run, stderr, tempdir_with_pkg},
    support::{TestDb, cluster::TestCa},
};
use rustls::{
    ClientConfig, RootCertStore, SupportedProtocolVersion,
    pki_types::{CertificateDer, ServerName, pem::PemObject},
};
use std::{
    path::{Path, PathBuf},
    process::Stdio,
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use tokio_rustls::TlsConnector;

/// Writes a certificate for `localhost` issued by `ca`, and its key.
fn issue_into(ca: &TestCa, dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = ca.issue(&["localhost"]);
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    // The key first: a reload between the two writes sees a pair that does
    // not fit, and keeps the served one until both are in place.
    std::fs::write(&key_path, key).expect("write key");
    std::fs::write(&cert_path, cert).expect("write cert");
    (cert_path, key_path)
}

/// A client that trusts only `ca`, speaks only `version`, and never
/// resumes a session.
fn client(ca: &TestCa, version: &'static SupportedProtocolVersion) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca.pem().as_bytes()).expect("CA pem"))
        .expect("root");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[version])
        .expect("version")
        .with_root_certificates(roots)
        .with_no_client_auth();
    // A full handshake every time: a resumed one shows no certificate anew.
    config.resumption = rustls::client::Resumption::disabled();
    TlsConnector::from(Arc::new(config))
}

/// Reads until the end of the headers (or the connection ends).
async fn head(stream: &mut (impl AsyncReadExt + Unpin)) -> String {
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&seen).into_owned()
}

/// `GET path` over TLS as `localhost`: the head of the answer, and the
/// certificate the server showed.
async fn get_tls(port: u16, tls: &TlsConnector, path: &str) -> std::io::Result<(String, Vec<u8>)> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    let name = ServerName::try_from("localhost").expect("name");
    let mut stream = tls.connect(name, tcp).await?;
    let shown = stream
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .map(|cert| cert.as_ref().to_vec())
        .unwrap_or_default();
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    Ok((head(&mut stream).await, shown))
}

fn status(head: &str) -> Option<u16> {
    app::backend::outbound::status_of(head.as_bytes())
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_speaks_tls_redirects_plain_http_and_serves_a_renewed_certificate() {
    let db = TestDb::new().await;
    let ca = TestCa::new("Cairn HTTPS test CA");
    let dir = tempdir_with_pkg();
    let (cert, key) = issue_into(&ca, &dir);
    let (port, redirect_port) = (free_port(), free_port());
    let (bind, redirect_bind) = (
        format!("127.0.0.1:{port}"),
        format!("127.0.0.1:{redirect_port}"),
    );
    let origin = format!("https://localhost:{port}");
    let (cert, key, site) = (
        cert.to_str().expect("utf-8"),
        key.to_str().expect("utf-8"),
        dir.to_str().expect("utf-8"),
    );
    // Production, with TLS and no proxy: what a small practice runs.
    let env: Vec<(&str, &str)> = PRODUCTION
        .iter()
        .copied()
        .filter(|(name, _)| *name != "CAIRN_TRUSTED_PROXIES")
        .chain([
            ("DATABASE_URL", db.url.as_str()),
            ("CAIRN_BIND", &bind),
            ("CAIRN_SITE_ROOT", site),
            ("CAIRN_PUBLIC_URL", &origin),
            ("CAIRN_TLS_CERT", cert),
            ("CAIRN_TLS_KEY", key),
            ("CAIRN_HTTP_REDIRECT_BIND", &redirect_bind),
        ])
        .collect();
    let _server = Guard(
        cairn(&env, &["--production", "serve"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn cairn serve"),
    );

    let tls13 = client(&ca, &rustls::version::TLS13);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut ready = None;
    while Instant::now() < deadline {
        if let Ok((head, _)) = get_tls(port, &tls13, "/readyz").await
            && status(&head) == Some(200)
        {
            ready = Some(());
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(ready.is_some(), "ready over TLS 1.3 within a minute");

    // TLS 1.2 answers too, with the certificate issued for it.
    let tls12 = client(&ca, &rustls::version::TLS12);
    let (head12, first) = get_tls(port, &tls12, "/healthz").await.expect("TLS 1.2");
    assert_eq!(status(&head12), Some(200), "{head12}");
    assert!(
        head12
            .to_ascii_lowercase()
            .contains("strict-transport-security")
    );

    // Plain HTTP on the HTTPS port gets no HTTP answer.
    let plain = tokio::task::spawn_blocking(move || {
        let target = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        server::cli::healthcheck::probe(target, "/healthz", Duration::from_secs(5))
    })
    .await
    .expect("probe");
    assert!(plain.is_err(), "plain HTTP was answered: {plain:?}");

    // The redirect listener sends every path to the HTTPS origin, whatever
    // Host the request names.
    let mut tcp = TcpStream::connect(("127.0.0.1", redirect_port))
        .await
        .expect("redirect listener");
    tcp.write_all(
        b"GET /sign-in?next=%2Fhome HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
    )
    .await
    .expect("write");
    let redirected = head(&mut tcp).await;
    assert_eq!(status(&redirected), Some(308), "{redirected}");
    assert!(
        redirected
            .to_ascii_lowercase()
            .contains(&format!("location: {origin}/sign-in?next=%2fhome")),
        "{redirected}"
    );

    // `cairn healthcheck` asks over TLS when TLS is configured.
    let check = run(
        &[("CAIRN_BIND", &bind), ("CAIRN_TLS_CERT", cert)],
        &["healthcheck"],
    );
    assert!(check.status.success(), "{}", stderr(&check));

    // A renewed certificate is served without a restart.
    issue_into(&ca, &dir);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut renewed = false;
    while Instant::now() < deadline && !renewed {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if let Ok((head, shown)) = get_tls(port, &tls13, "/healthz").await {
            renewed = status(&head) == Some(200) && shown != first;
        }
    }
    assert!(
        renewed,
        "the renewed certificate was not served within 30 s"
    );
}

#[test]
fn production_refuses_plain_http_without_a_trusted_proxy() {
    let env: Vec<(&str, &str)> = PRODUCTION
        .iter()
        .copied()
        .filter(|(name, _)| *name != "CAIRN_TRUSTED_PROXIES")
        .chain([("DATABASE_URL", "postgres://cairn_app@127.0.0.1:1/cairn")])
        .collect();
    let site = tempdir_with_pkg();
    let site = site.to_str().expect("utf-8");
    let mut env = env;
    env.push(("CAIRN_SITE_ROOT", site));
    let refused = run(&env, &["--production", "serve"]);
    assert!(!refused.status.success());
    let said = stderr(&refused);
    assert!(
        said.contains("CAIRN_TLS_CERT") && said.contains("CAIRN_TRUSTED_PROXIES"),
        "{said}"
    );
}

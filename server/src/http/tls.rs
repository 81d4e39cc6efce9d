//! HTTPS without a proxy. With `CAIRN_TLS_CERT` and `CAIRN_TLS_KEY` set,
//! `serve` speaks TLS itself (rustls): TLS 1.3 and 1.2 only, with the ring
//! provider's suites, every one an AEAD with forward secrecy. The files are
//! read again when they change, so a renewed certificate is served without
//! a restart; and `CAIRN_HTTP_REDIRECT_BIND` adds a plain-HTTP listener
//! that answers every request with a redirect to the HTTPS origin.

use axum::{Router, http::Uri, response::Redirect};
use rustls::{
    ServerConfig,
    crypto::{CryptoProvider, ring},
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
    server::{ClientHello, ResolvesServerCert},
    sign::CertifiedKey,
};
use std::{
    io,
    net::SocketAddr,
    path::PathBuf,
    sync::{Arc, Mutex, RwLock},
    time::{Duration, SystemTime},
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{Semaphore, mpsc},
};
use tokio_rustls::{TlsAcceptor, server::TlsStream};

/// Handshakes in progress at once; past it, new connections wait in the
/// kernel's queue.
const HANDSHAKES: usize = 512;
/// How long a client may take over its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the files are looked at for a renewal.
pub const RELOAD_CHECKED_EVERY: Duration = Duration::from_secs(5);

/// Where the certificate chain and its private key are read from (PEM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TlsFiles {
    /// Reads both files: a chain of one certificate or more, and the
    /// private key of the first. Says what is wrong, never the key.
    pub fn load(&self) -> Result<CertifiedKey, String> {
        let cert_pem = std::fs::read(&self.cert)
            .map_err(|e| format!("CAIRN_TLS_CERT: cannot read {}: {e}", self.cert.display()))?;
        let chain = CertificateDer::pem_slice_iter(&cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| "CAIRN_TLS_CERT: not a PEM certificate chain".to_owned())?;
        if chain.is_empty() {
            return Err("CAIRN_TLS_CERT: holds no certificate".to_owned());
        }
        let key_pem = std::fs::read(&self.key)
            .map_err(|e| format!("CAIRN_TLS_KEY: cannot read {}: {e}", self.key.display()))?;
        let key = PrivateKeyDer::from_pem_slice(&key_pem)
            .map_err(|_| "CAIRN_TLS_KEY: not a PEM private key".to_owned())?;
        CertifiedKey::from_der(chain, key, &provider())
            .map_err(|e| format!("CAIRN_TLS_KEY: does not fit the certificate: {e}"))
    }

    /// When each file last changed.
    fn modified(&self) -> Option<(SystemTime, SystemTime)> {
        let cert = std::fs::metadata(&self.cert)
            .and_then(|m| m.modified())
            .ok()?;
        let key = std::fs::metadata(&self.key)
            .and_then(|m| m.modified())
            .ok()?;
        Some((cert, key))
    }
}

fn provider() -> CryptoProvider {
    ring::default_provider()
}

/// The certificate served now, replaced when its files change.
#[derive(Debug)]
pub struct Certificates {
    files: TlsFiles,
    current: RwLock<Arc<CertifiedKey>>,
    seen: Mutex<Option<(SystemTime, SystemTime)>>,
}

impl Certificates {
    /// Loads the files once; an error stops `serve` with its message.
    pub fn load(files: TlsFiles) -> Result<Arc<Self>, String> {
        let seen = files.modified();
        let current = files.load()?;
        Ok(Arc::new(Self {
            files,
            current: RwLock::new(Arc::new(current)),
            seen: Mutex::new(seen),
        }))
    }

    /// Reads the files again when either changed since last looked at;
    /// answers whether a new certificate is now served. Files that do not
    /// load (a renewal half-written) leave the served one in place, and
    /// are read again once they change again.
    pub fn reload_if_changed(&self) -> Result<bool, String> {
        let now = self.files.modified();
        {
            let mut seen = self.seen.lock().map_err(|_| "poisoned".to_owned())?;
            if *seen == now {
                return Ok(false);
            }
            *seen = now;
        }
        let fresh = self.files.load()?;
        let mut current = self.current.write().map_err(|_| "poisoned".to_owned())?;
        *current = Arc::new(fresh);
        Ok(true)
    }
}

impl ResolvesServerCert for Certificates {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.current.read().ok().map(|current| Arc::clone(&current))
    }
}

/// rustls' settings: TLS 1.3 and 1.2, the certificate from `certs`.
pub fn server_config(certs: Arc<Certificates>) -> Result<Arc<ServerConfig>, String> {
    let mut config = ServerConfig::builder_with_provider(Arc::new(provider()))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| format!("TLS settings: {e}"))?
        .with_no_client_auth()
        .with_cert_resolver(certs);
    // HTTP/1.1 only: axum is built without its http2 feature.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Every few seconds: serves renewed files once they load.
pub async fn watch(certs: Arc<Certificates>) {
    let mut every = tokio::time::interval(RELOAD_CHECKED_EVERY);
    loop {
        every.tick().await;
        match certs.reload_if_changed() {
            Ok(false) => {}
            Ok(true) => tracing::info!("serving the renewed TLS certificate"),
            Err(problem) => tracing::warn!(
                %problem,
                "the TLS files changed but do not load; still serving the previous certificate"
            ),
        }
    }
}

/// TLS connections for `axum::serve`. Handshakes run off the accept loop,
/// so a client slow to finish its own holds up nobody else.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    pub fn new(tcp: TcpListener, config: Arc<ServerConfig>) -> io::Result<Self> {
        let local = tcp.local_addr()?;
        let (done, ready) = mpsc::channel(64);
        tokio::spawn(accept(tcp, TlsAcceptor::from(config), done));
        Ok(Self { ready, local })
    }
}

async fn accept(
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    done: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    let permits = Arc::new(Semaphore::new(HANDSHAKES));
    loop {
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
            return;
        };
        let (stream, peer) = match tcp.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors and the like: pause, then go on.
                tracing::warn!(%error, "could not accept a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if done.is_closed() {
            return;
        }
        let acceptor = acceptor.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let _permit = permit;
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => {
                    let _ = done.send((tls, peer)).await;
                }
                Ok(Err(error)) => tracing::debug!(%error, %peer, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(connection) => connection,
            // The accept loop ended: nothing more will come.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// The plain-HTTP listener's whole service: every request is sent to the
/// same path on the HTTPS origin. The origin is `CAIRN_PUBLIC_URL`, never
/// the request's Host header, so the redirect cannot be pointed elsewhere.
pub fn redirect_router(public_url: &str) -> Router {
    let origin = public_url.trim_end_matches('/').to_owned();
    Router::new().fallback(move |uri: Uri| {
        let to = format!(
            "{origin}{}",
            uri.path_and_query().map_or("/", |pq| pq.as_str())
        );
        async move { Redirect::permanent(&to) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_pair(dir: &std::path::Path, name: &str) -> TlsFiles {
        let cert = rcgen::generate_simple_self_signed(vec![name.to_owned()]).expect("cert");
        let files = TlsFiles {
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        };
        std::fs::write(&files.cert, cert.cert.pem()).expect("write cert");
        std::fs::write(&files.key, cert.signing_key.serialize_pem()).expect("write key");
        files
    }

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("cairn-tls-{name}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("dir");
        dir
    }

    #[test]
    fn a_key_that_is_not_the_certificate_s_is_refused() {
        let (a, b) = (scratch("a"), scratch("b"));
        let first = write_pair(&a, "a.example");
        let second = write_pair(&b, "b.example");
        assert!(first.load().is_ok());
        let mixed = TlsFiles {
            cert: first.cert.clone(),
            key: second.key.clone(),
        };
        let problem = mixed.load().expect_err("mismatched");
        assert!(problem.starts_with("CAIRN_TLS_KEY"), "{problem}");
        let missing = TlsFiles {
            cert: a.join("none.pem"),
            key: first.key,
        };
        assert!(
            missing
                .load()
                .expect_err("missing")
                .starts_with("CAIRN_TLS_CERT")
        );
        std::fs::write(&second.cert, "not a certificate").expect("write");
        assert!(second.load().is_err());
    }

    #[test]
    fn changed_files_are_served_and_broken_ones_are_not() {
        let dir = scratch("reload");
        let files = write_pair(&dir, "one.example");
        let certs = Certificates::load(files.clone()).expect("loads");
        let served = |certs: &Certificates| {
            certs.current.read().expect("lock").cert[0]
                .as_ref()
                .to_vec()
        };
        let first = served(&certs);
        assert_eq!(certs.reload_if_changed(), Ok(false), "nothing changed");

        // A renewal half-written: the served certificate stays.
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(&files.cert, "-----BEGIN CERTIFICATE-----\n").expect("write");
        assert!(certs.reload_if_changed().is_err());
        assert_eq!(served(&certs), first);

        // Written whole: served from then on.
        std::thread::sleep(Duration::from_millis(20));
        write_pair(&dir, "two.example");
        assert_eq!(certs.reload_if_changed(), Ok(true));
        assert_ne!(served(&certs), first);
    }

    #[test]
    fn only_tls_1_2_and_1_3_with_aead_suites_are_offered() {
        let dir = scratch("versions");
        let certs = Certificates::load(write_pair(&dir, "v.example")).expect("loads");
        let config = server_config(certs).expect("config");
        for suite in &config.crypto_provider().cipher_suites {
            let name = format!("{:?}", suite.suite());
            assert!(
                name.contains("GCM") || name.contains("CHACHA20_POLY1305"),
                "{name}"
            );
            assert!(
                name.starts_with("TLS13_") || name.contains("_ECDHE_"),
                "{name}: forward secrecy"
            );
        }
    }
}

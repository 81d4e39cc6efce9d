//! The few HTTP requests Cairn makes itself (an alert to a webhook): one
//! HTTP/1.1 request over rustls, or plain TCP to this machine, answered by
//! its status line. Nothing of the answer's body is read, so a receiver
//! can tell Cairn nothing but whether it took the request.

use rustls::{ClientConfig, RootCertStore, pki_types::ServerName};
use std::{sync::Arc, time::Duration};
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt},
    net::TcpStream,
};
use tokio_rustls::TlsConnector;

/// Where requests go: parsed and checked once, from configuration.
#[derive(Clone)]
pub struct Target {
    tls: Option<Arc<ClientConfig>>,
    host: String,
    /// What the `Host` header says (the host as written, with its port).
    authority: String,
    port: u16,
    path: String,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The path may carry a token: only the host is shown.
        f.debug_struct("Target")
            .field("host", &self.host)
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

impl Target {
    /// `https://host[:port]/path` (the public certificate authorities vouch
    /// for the host), or `http://` to this machine only (a receiver beside
    /// Cairn, or a test's).
    pub fn parse(url: &str) -> Result<Self, String> {
        let uri: http::Uri = url.parse().map_err(|_| "not a URL".to_owned())?;
        let host = uri
            .host()
            .ok_or("the URL has no host")?
            .trim_matches(|c| c == '[' || c == ']')
            .to_owned();
        let authority = uri
            .authority()
            .map_or(host.clone(), |a| a.as_str().to_owned());
        let path = uri
            .path_and_query()
            .map_or("/".to_owned(), |p| p.as_str().to_owned());
        let tls = match uri.scheme_str() {
            Some("https") => {
                let roots = RootCertStore {
                    roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
                };
                let provider = Arc::new(rustls::crypto::ring::default_provider());
                let config = ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .map_err(|_| "TLS is not available".to_owned())?
                    .with_root_certificates(roots)
                    .with_no_client_auth();
                Some(Arc::new(config))
            }
            Some("http") if is_this_machine(&host) => None,
            Some("http") => return Err("must be https:// (http:// only to this machine)".into()),
            _ => return Err("must be an https:// URL".into()),
        };
        let port = uri
            .port_u16()
            .unwrap_or(if tls.is_some() { 443 } else { 80 });
        Ok(Self {
            tls,
            host,
            authority,
            port,
            path,
        })
    }

    /// POSTs `body` as JSON with `headers`; answers the status code.
    pub async fn post_json(
        &self,
        headers: &[(&str, String)],
        body: &[u8],
        timeout: Duration,
    ) -> Result<u16, String> {
        tokio::time::timeout(timeout, self.exchange(headers, body))
            .await
            .map_err(|_| "no answer in time".to_owned())?
    }

    async fn exchange(&self, headers: &[(&str, String)], body: &[u8]) -> Result<u16, String> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|_| "could not connect".to_owned())?;
        let mut request = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
            self.path,
            self.authority,
            body.len()
        );
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        match &self.tls {
            None => send(tcp, &request, body).await,
            Some(config) => {
                let name = ServerName::try_from(self.host.clone())
                    .map_err(|_| "not a host name".to_owned())?;
                let tls = TlsConnector::from(config.clone())
                    .connect(name, tcp)
                    .await
                    .map_err(|_| "the TLS handshake failed".to_owned())?;
                send(tls, &request, body).await
            }
        }
    }
}

async fn send(
    mut stream: impl AsyncRead + AsyncWrite + Unpin,
    head: &str,
    body: &[u8],
) -> Result<u16, String> {
    let sent = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body).await?;
        stream.flush().await
    };
    sent.await
        .map_err(|_| "the request could not be sent".to_owned())?;
    // The status line is all that is read.
    let mut line = [0u8; 64];
    let mut read = 0;
    while read < line.len() && !line[..read].contains(&b'\n') {
        match stream.read(&mut line[read..]).await {
            Ok(0) | Err(_) => break,
            Ok(n) => read += n,
        }
    }
    status_of(&line[..read]).ok_or_else(|| "not an HTTP answer".to_owned())
}

fn is_this_machine(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The status code in an HTTP/1.x status line (`HTTP/1.1 200 OK`).
pub fn status_of(head: &[u8]) -> Option<u16> {
    let line = std::str::from_utf8(head).ok()?.lines().next()?;
    let mut parts = line.split(' ');
    parts
        .next()
        .filter(|version| version.starts_with("HTTP/"))?;
    parts.next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_this_machine() {
        assert!(Target::parse("https://siem.example/hooks/cairn?t=1").is_ok());
        assert!(Target::parse("http://127.0.0.1:9000/hook").is_ok());
        assert!(Target::parse("http://[::1]:9000/hook").is_ok());
        assert!(Target::parse("http://localhost/hook").is_ok());
        for refused in [
            "http://siem.example/hook",
            "ftp://siem.example/",
            "siem.example",
            "",
        ] {
            assert!(Target::parse(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn the_path_and_query_are_kept_and_the_port_defaults() {
        let target = Target::parse("https://siem.example/hooks/cairn?t=1").expect("valid");
        assert_eq!(
            (target.port, target.path.as_str()),
            (443, "/hooks/cairn?t=1")
        );
        let target = Target::parse("http://127.0.0.1:9000").expect("valid");
        assert_eq!((target.port, target.path.as_str()), (9000, "/"));
        // The path is never printed: it may hold a token.
        assert!(!format!("{target:?}").contains("hooks"));
    }

    #[test]
    fn a_status_line_reads_as_its_code() {
        assert_eq!(status_of(b"HTTP/1.1 204 No Content\r\n"), Some(204));
        assert_eq!(status_of(b"HTTP/1.0 500 Oops\r\n"), Some(500));
        assert_eq!(status_of(b"SSH-2.0-OpenSSH\r\n"), None);
        assert_eq!(status_of(b""), None);
    }
}

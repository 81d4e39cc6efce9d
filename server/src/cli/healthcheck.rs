//! `cairn healthcheck`: asks the running server on this machine whether it
//! is alive (or ready), so a container image needs no curl or shell for its
//! `HEALTHCHECK`. It reads only `CAIRN_BIND`, and whether `CAIRN_TLS_CERT`
//! is set (then it asks over TLS): a probe must not fail on a key or
//! database setting it never uses.

use std::{
    io::{self, Read, Write},
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream},
    process::ExitCode,
    time::Duration,
};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Ask `/readyz` (the database is reachable and migrated) instead of
    /// `/healthz` (the process answers). Orchestrators restart on a failed
    /// liveness check, and restarting does not bring a database back, so
    /// the container's check is the liveness one.
    #[arg(long)]
    pub ready: bool,
    /// Seconds to wait for the answer.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub timeout: u64,
}

/// Probes the server listening on `bind`; exit 0 on a 200, 1 otherwise,
/// with one line saying why.
pub fn run(args: &Args, bind: SocketAddr, tls: bool) -> ExitCode {
    let path = if args.ready { "/readyz" } else { "/healthz" };
    let target = local_address(bind);
    let timeout = Duration::from_secs(args.timeout);
    let answer = if tls {
        probe_tls(target, path, timeout)
    } else {
        probe(target, path, timeout)
    };
    match answer {
        Ok(200) => {
            println!("ok: {path} on {target} answered 200");
            ExitCode::SUCCESS
        }
        Ok(status) => {
            eprintln!("cairn healthcheck: {path} on {target} answered {status}");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("cairn healthcheck: no answer from {path} on {target}: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Where to reach a server bound to `bind` from the same machine: a
/// wildcard address (`0.0.0.0`, `[::]`) is reached on loopback.
pub fn local_address(bind: SocketAddr) -> SocketAddr {
    let ip = match bind.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, bind.port())
}

/// The status code of a bare HTTP/1.1 `GET path`: enough for a health
/// check without an HTTP client crate.
pub fn probe(target: SocketAddr, path: &str, timeout: Duration) -> io::Result<u16> {
    ask(&mut connect(target, timeout)?, target, path)
}

/// The same over TLS. The certificate is not checked: the probe reaches
/// this machine's own server by address, which no certificate names, and
/// asks only whether it answers.
pub fn probe_tls(target: SocketAddr, path: &str, timeout: Duration) -> io::Result<u16> {
    use rustls::{ClientConfig, ClientConnection, StreamOwned, pki_types::ServerName};
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .dangerous()
        .with_custom_certificate_verifier(std::sync::Arc::new(AnyCertificate(provider)))
        .with_no_client_auth();
    let name = ServerName::IpAddress(target.ip().into());
    let connection =
        ClientConnection::new(std::sync::Arc::new(config), name).map_err(io::Error::other)?;
    ask(
        &mut StreamOwned::new(connection, connect(target, timeout)?),
        target,
        path,
    )
}

fn connect(target: SocketAddr, timeout: Duration) -> io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&target, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    Ok(stream)
}

/// Sends `GET path` on `stream` and reads the status code.
fn ask(stream: &mut (impl Read + Write), target: SocketAddr, path: &str) -> io::Result<u16> {
    let request = format!("GET {path} HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes())?;
    // The status line is all we need; health bodies are a few bytes.
    let mut head = [0u8; 64];
    let mut read = 0;
    while read < head.len() {
        match stream.read(&mut head[read..])? {
            0 => break,
            n => read += n,
        }
        if head[..read].contains(&b'\n') {
            break;
        }
    }
    app::backend::outbound::status_of(&head[..read])
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "not an HTTP answer"))
}

/// Takes any certificate, but still checks the handshake's signatures with
/// it (see [`probe_tls`] for why no name is checked).
#[derive(Debug)]
struct AnyCertificate(std::sync::Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_binds_are_probed_on_loopback() {
        let probe = |bind: &str| local_address(bind.parse().expect("address")).to_string();
        assert_eq!(probe("0.0.0.0:3000"), "127.0.0.1:3000");
        assert_eq!(probe("[::]:8443"), "[::1]:8443");
        assert_eq!(probe("10.0.0.7:3000"), "10.0.0.7:3000");
    }
}

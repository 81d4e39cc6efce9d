//! Where Cairn listens.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `CAIRN_BIND` | `127.0.0.1:3000` | address to listen on |
//! | `CAIRN_METRICS_BIND` | none: no metrics listener | address of the Prometheus listener (`GET /metrics` and nothing else); refused if it is the public one |
//! | `CAIRN_TLS_CERT` | none | PEM certificate chain: with `CAIRN_TLS_KEY`, `serve` speaks HTTPS itself (TLS 1.3 and 1.2), reading both files again when they change; `CAIRN_PUBLIC_URL` must then be `https://` |
//! | `CAIRN_TLS_KEY` | required with `CAIRN_TLS_CERT` | PEM private key of that certificate |
//! | `CAIRN_HTTP_REDIRECT_BIND` | none | address of a plain-HTTP listener that answers everything with a redirect to `CAIRN_PUBLIC_URL` (e.g. `0.0.0.0:80`); needs TLS on |
//!
//! Production serves HTTPS: `serve` refuses to start without TLS unless a
//! proxy in `CAIRN_TRUSTED_PROXIES` terminates it.

use super::{Config, ConfigError, parse::parse, problem};
use crate::http::tls::TlsFiles;
use std::net::SocketAddr;

/// The address `serve` listens on.
pub(super) fn bind(var: &impl Fn(&str) -> Option<String>) -> Result<SocketAddr, ConfigError> {
    parse(
        var,
        "CAIRN_BIND",
        "127.0.0.1:3000".parse().ok(),
        "an address such as 127.0.0.1:3000",
    )
}

/// The metrics listener's address, when there is one. It must not be the
/// public listener's: the metrics describe the whole server's traffic,
/// which is the operator's business, not the public's.
pub(super) fn metrics(
    var: &impl Fn(&str) -> Option<String>,
    public: SocketAddr,
) -> Result<Option<SocketAddr>, ConfigError> {
    let Some(raw) = var("CAIRN_METRICS_BIND") else {
        return Ok(None);
    };
    let address: SocketAddr = raw.parse().map_err(|_| {
        problem(
            "CAIRN_METRICS_BIND",
            "expected an address such as 127.0.0.1:9464",
        )
    })?;
    if clash(address, public) {
        return Err(problem(
            "CAIRN_METRICS_BIND",
            "must not be the public listener's address (CAIRN_BIND): give the metrics a port of their own",
        ));
    }
    Ok(Some(address))
}

/// Whether listening on both would take the same port of one address.
fn clash(one: SocketAddr, other: SocketAddr) -> bool {
    one.port() == other.port()
        && (one.ip() == other.ip() || one.ip().is_unspecified() || other.ip().is_unspecified())
}

/// The certificate and key files, when `serve` speaks TLS itself.
pub(super) fn tls(
    var: &impl Fn(&str) -> Option<String>,
    public_url: &str,
) -> Result<Option<TlsFiles>, ConfigError> {
    let files = match (var("CAIRN_TLS_CERT"), var("CAIRN_TLS_KEY")) {
        (None, None) => return Ok(None),
        (Some(_), None) => {
            return Err(problem(
                "CAIRN_TLS_KEY",
                "required when CAIRN_TLS_CERT is set",
            ));
        }
        (None, Some(_)) => {
            return Err(problem(
                "CAIRN_TLS_CERT",
                "required when CAIRN_TLS_KEY is set",
            ));
        }
        (Some(cert), Some(key)) => TlsFiles {
            cert: cert.into(),
            key: key.into(),
        },
    };
    if !public_url.starts_with("https://") {
        return Err(problem(
            "CAIRN_PUBLIC_URL",
            "must be the https:// origin when Cairn serves TLS (CAIRN_TLS_CERT)",
        ));
    }
    Ok(Some(files))
}

/// The plain-HTTP redirect listener's address, when there is one.
pub(super) fn redirect(
    var: &impl Fn(&str) -> Option<String>,
    public: SocketAddr,
    tls: bool,
) -> Result<Option<SocketAddr>, ConfigError> {
    const NAME: &str = "CAIRN_HTTP_REDIRECT_BIND";
    let Some(raw) = var(NAME) else {
        return Ok(None);
    };
    if !tls {
        return Err(problem(
            NAME,
            "redirects to HTTPS, which Cairn serves only with CAIRN_TLS_CERT and CAIRN_TLS_KEY",
        ));
    }
    let address: SocketAddr = raw
        .parse()
        .map_err(|_| problem(NAME, "expected an address such as 0.0.0.0:80"))?;
    if clash(address, public) {
        return Err(problem(
            NAME,
            "must not be the HTTPS listener's address (CAIRN_BIND)",
        ));
    }
    Ok(Some(address))
}

impl Config {
    /// Production answers people over HTTPS only: by itself, or behind a
    /// proxy that terminates TLS and is trusted to say who the client is.
    /// `serve` checks it; other commands listen on nothing.
    pub fn refuse_plain_http(&self) -> Result<(), ConfigError> {
        if self.is_production() && self.tls.is_none() && self.trusted_proxies.is_empty() {
            return Err(problem(
                "CAIRN_TLS_CERT",
                "production serves HTTPS: set CAIRN_TLS_CERT and CAIRN_TLS_KEY, or name the proxy that terminates TLS in CAIRN_TRUSTED_PROXIES",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse::lookup;

    fn metrics_with(public: &str, metrics_bind: &str) -> Result<Option<SocketAddr>, ConfigError> {
        metrics(
            &lookup(&[("CAIRN_METRICS_BIND", metrics_bind)]),
            public.parse().expect("address"),
        )
    }

    #[test]
    fn metrics_are_off_unless_asked_and_never_on_the_public_address() {
        assert_eq!(
            metrics(&lookup(&[]), "127.0.0.1:3000".parse().expect("address")).expect("valid"),
            None
        );
        assert_eq!(
            metrics_with("0.0.0.0:3000", "127.0.0.1:9464")
                .expect("valid")
                .map(|a| a.to_string()),
            Some("127.0.0.1:9464".to_owned())
        );
        for (public, asked) in [
            ("127.0.0.1:3000", "127.0.0.1:3000"),
            ("0.0.0.0:3000", "127.0.0.1:3000"),
            ("127.0.0.1:3000", "[::]:3000"),
        ] {
            let refused = metrics_with(public, asked).expect_err("the public address");
            assert!(
                refused.to_string().contains("CAIRN_METRICS_BIND"),
                "{refused}"
            );
        }
        assert!(metrics_with("127.0.0.1:3000", "port 9464").is_err());
    }

    #[test]
    fn tls_needs_both_files_and_an_https_origin() {
        let https = "https://cairn.example";
        assert_eq!(tls(&lookup(&[]), https).expect("valid"), None);
        let both = [("CAIRN_TLS_CERT", "/c.pem"), ("CAIRN_TLS_KEY", "/k.pem")];
        assert!(tls(&lookup(&both), https).expect("valid").is_some());
        let missing = tls(&lookup(&both[..1]), https).expect_err("no key");
        assert_eq!(missing.variable, "CAIRN_TLS_KEY");
        let missing = tls(&lookup(&both[1..]), https).expect_err("no cert");
        assert_eq!(missing.variable, "CAIRN_TLS_CERT");
        let plain = tls(&lookup(&both), "http://cairn.example").expect_err("http origin");
        assert_eq!(plain.variable, "CAIRN_PUBLIC_URL");
    }

    #[test]
    fn the_redirect_listener_needs_tls_and_a_port_of_its_own() {
        let public: SocketAddr = "0.0.0.0:443".parse().expect("address");
        let asked = [("CAIRN_HTTP_REDIRECT_BIND", "0.0.0.0:80")];
        assert_eq!(
            redirect(&lookup(&asked), public, true).expect("valid"),
            "0.0.0.0:80".parse().ok()
        );
        assert_eq!(redirect(&lookup(&[]), public, true).expect("valid"), None);
        let without = redirect(&lookup(&asked), public, false).expect_err("no TLS");
        assert_eq!(without.variable, "CAIRN_HTTP_REDIRECT_BIND");
        let same = [("CAIRN_HTTP_REDIRECT_BIND", "127.0.0.1:443")];
        assert!(redirect(&lookup(&same), public, true).is_err());
    }
}

//! Where Cairn listens.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `CAIRN_BIND` | `127.0.0.1:3000` | address to listen on |
//! | `CAIRN_METRICS_BIND` | none: no metrics listener | address of the Prometheus listener (`GET /metrics` and nothing else); refused if it is the public one |

use super::{ConfigError, parse::parse, problem};
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
    let same_port = address.port() == public.port();
    let same_host = address.ip() == public.ip()
        || address.ip().is_unspecified()
        || public.ip().is_unspecified();
    if same_port && same_host {
        return Err(problem(
            "CAIRN_METRICS_BIND",
            "must not be the public listener's address (CAIRN_BIND): give the metrics a port of their own",
        ));
    }
    Ok(Some(address))
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
}

//! Where the database is and how to reach it: the one way Cairn opens a
//! PostgreSQL connection (the pool, migrations, the CLI, tests, benches).
//!
//! `DATABASE_URL` is a libpq-style URL. Its `sslmode` means what it means
//! to libpq (`disable`, `prefer`, `require`, `verify-ca`, `verify-full`),
//! and the CA bundle comes from its `sslrootcert` (a PEM file, or `system`
//! for the public roots) or from `CAIRN_DB_CA_FILE`. There is no fallback
//! to plain text from `require` or stricter, and a Unix socket never uses
//! TLS.
//!
//! One departure from libpq: without `sslmode`, a database on loopback is
//! reached in plain text (`disable`), elsewhere `prefer`. Traffic that
//! never leaves the machine gains nothing from encryption, and TLS on
//! loopback cost the chart page about 14 % of its rate on two cores (the
//! mean of interleaved bench/sign-in-burst.sh runs). An explicit `sslmode`
//! is always honoured.

use super::tls::{self, Check, Refusal};
use crate::backend::setting::SettingError;
use diesel_async::AsyncPgConnection;
use percent_encoding::percent_decode_str;
use rustls::{
    RootCertStore,
    pki_types::{CertificateDer, pem::PemObject},
};
use std::{fmt, net::IpAddr, str::FromStr, sync::Arc};
use tokio_postgres::{
    Socket,
    config::{Host, SslMode as WireMode},
    tls::MakeTlsConnect,
};

/// libpq's `sslmode`, less `allow` (plain text first: never wanted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "disable" => Self::Disable,
            "prefer" => Self::Prefer,
            "require" => Self::Require,
            "verify-ca" => Self::VerifyCa,
            "verify-full" => Self::VerifyFull,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Prefer => "prefer",
            Self::Require => "require",
            Self::VerifyCa => "verify-ca",
            Self::VerifyFull => "verify-full",
        }
    }
}

fn problem(variable: &'static str, problem: impl Into<String>) -> SettingError {
    SettingError::new(variable, problem)
}

/// Why a connection could not be opened, in one line for an operator:
/// which variable to look at and why, never the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConnectError {
    message: String,
    /// Trying again will not help (a certificate, TLS, a role): the
    /// operator must change a setting. Otherwise the database may simply
    /// not be up yet, or not created yet.
    permanent: bool,
}

impl ConnectError {
    pub fn is_permanent(&self) -> bool {
        self.permanent
    }
}

/// A parsed, checked database address. Cheap to clone. `Debug` shows the
/// TLS mode and whether the host is local, never the URL (it holds the
/// password).
#[derive(Clone)]
pub struct DatabaseTarget {
    inner: Arc<Inner>,
}

struct Inner {
    config: tokio_postgres::Config,
    mode: SslMode,
    /// `None` when no TLS is attempted (disable, or a Unix socket).
    tls: Option<Arc<rustls::ClientConfig>>,
    local: bool,
    /// Which variable the roots came from, for messages.
    ca_source: &'static str,
    /// The variable the URL came from, named by every message.
    variable: &'static str,
}

impl fmt::Debug for DatabaseTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseTarget")
            .field("sslmode", &self.inner.mode)
            .field("local", &self.inner.local)
            .finish_non_exhaustive()
    }
}

impl DatabaseTarget {
    /// Parses `url` (`DATABASE_URL`) with an optional CA bundle file
    /// (`CAIRN_DB_CA_FILE`; the URL's `sslrootcert` wins).
    pub fn new(url: &str, ca_file: Option<&str>) -> Result<Self, SettingError> {
        Self::from_variable("DATABASE_URL", url, ca_file)
    }

    /// Like [`DatabaseTarget::new`], for a URL read from `variable`
    /// (`CAIRN_MIGRATION_DATABASE_URL`), which every message names.
    pub fn from_variable(
        variable: &'static str,
        url: &str,
        ca_file: Option<&str>,
    ) -> Result<Self, SettingError> {
        const URL_HINT: &str = "sslrootcert in the URL";
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(problem(
                variable,
                "expected a postgres:// or postgresql:// URL",
            ));
        }
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut mode = None;
        let mut root_cert = None;
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "sslmode" => {
                    mode = Some(SslMode::parse(value).ok_or_else(|| {
                        problem(
                            variable,
                            format!(
                                "sslmode={value} is not one of disable, prefer, require, verify-ca, verify-full"
                            ),
                        )
                    })?);
                }
                "sslrootcert" => {
                    root_cert = Some(percent_decode_str(value).decode_utf8_lossy().into_owned());
                }
                _ => kept.push(pair),
            }
        }
        let rest = if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        let mut config = tokio_postgres::Config::from_str(&rest)
            .map_err(|e| problem(variable, format!("not a usable PostgreSQL URL ({e})")))?;

        let hosts = config.get_hosts();
        let sockets_only = !hosts.is_empty() && hosts.iter().all(|h| !matches!(h, Host::Tcp(_)));
        let local = hosts.iter().all(|host| match host {
            Host::Tcp(name) => is_loopback(name),
            #[cfg(unix)]
            Host::Unix(_) => true,
        }) && config.get_hostaddrs().iter().all(IpAddr::is_loopback);
        let mode = mode.unwrap_or(if local {
            SslMode::Disable
        } else {
            SslMode::Prefer
        });

        let (roots, ca_source) = match (root_cert, ca_file) {
            (Some(path), _) => (Some(read_roots(&path, variable)?), URL_HINT),
            (None, Some(path)) => (
                Some(read_roots(path, "CAIRN_DB_CA_FILE")?),
                "CAIRN_DB_CA_FILE",
            ),
            (None, None) => (None, "sslrootcert in the URL or CAIRN_DB_CA_FILE"),
        };
        let check = match mode {
            SslMode::VerifyFull => Check::ChainAndName,
            SslMode::VerifyCa => Check::Chain,
            // libpq: with a root certificate, require checks the chain.
            SslMode::Require | SslMode::Prefer if roots.is_some() => Check::Chain,
            _ => Check::Nothing,
        };
        if check != Check::Nothing && roots.is_none() {
            return Err(problem(
                variable,
                format!(
                    "sslmode={} needs the CA that signed the database's certificate: set sslrootcert=/path/ca.pem in {variable}, or CAIRN_DB_CA_FILE (sslrootcert=system trusts the public roots)",
                    mode.as_str()
                ),
            ));
        }
        let tls = (mode != SslMode::Disable && !sockets_only)
            .then(|| tls::client_config(roots.map(Arc::new), check));
        config.ssl_mode(match (&tls, mode) {
            (None, _) => WireMode::Disable,
            (Some(_), SslMode::Prefer) => WireMode::Prefer,
            (Some(_), _) => WireMode::Require,
        });
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                mode,
                tls,
                local,
                ca_source,
                variable,
            }),
        })
    }

    /// The variable this address came from.
    pub fn variable(&self) -> &'static str {
        self.inner.variable
    }

    pub fn ssl_mode(&self) -> SslMode {
        self.inner.mode
    }

    /// Every host is on loopback or a Unix socket: traffic never leaves
    /// the machine.
    pub fn is_local(&self) -> bool {
        self.inner.local
    }

    /// Opens one connection.
    pub async fn connect(&self) -> Result<AsyncPgConnection, ConnectError> {
        match &self.inner.tls {
            None => self.open(tokio_postgres::NoTls).await,
            Some(tls) => self.open(tls::MakeRustls(Arc::clone(tls))).await,
        }
    }

    async fn open<T>(&self, tls: T) -> Result<AsyncPgConnection, ConnectError>
    where
        T: MakeTlsConnect<Socket>,
        T::Stream: Send + 'static,
    {
        let (client, connection) = self
            .inner
            .config
            .connect(tls)
            .await
            .map_err(|error| self.describe(&error))?;
        let connected = AsyncPgConnection::try_from_client_and_connection(client, connection).await;
        connected.map_err(|e| ConnectError {
            message: format!(
                "{}: the database refused the session's settings ({e})",
                self.inner.variable
            ),
            permanent: true,
        })
    }

    fn describe(&self, error: &tokio_postgres::Error) -> ConnectError {
        let mode = self.inner.mode.as_str();
        let variable = self.inner.variable;
        let refused = tls::refusal(error);
        let said = chain(error);
        let no_tls = said.contains("server does not support TLS");
        // A certificate, TLS or a role is the operator's to fix; a database
        // that does not exist yet may be created (serve waits for it).
        let permanent = refused.is_some()
            || no_tls
            || error
                .code()
                .is_some_and(|code| code.code().starts_with("28"));
        let why = match refused {
            Some(Refusal::UnknownCa) => format!(
                "the database's certificate is not signed by a CA in {} (sslmode={mode})",
                self.inner.ca_source
            ),
            Some(Refusal::WrongHost) => format!(
                "the database's certificate is not issued for the host in {variable} (sslmode={mode} checks the host name)"
            ),
            Some(Refusal::Expired) => {
                "the database's certificate has expired or is not valid yet".to_owned()
            }
            Some(Refusal::Other(reason)) => {
                format!("the TLS handshake with the database failed ({reason})")
            }
            None if no_tls => format!(
                "the database does not offer TLS, and sslmode={mode} in {variable} refuses plain text"
            ),
            None => format!("could not connect ({said})"),
        };
        ConnectError {
            message: format!("{variable}: {why}"),
            permanent,
        }
    }
}

/// An error and its causes in one line: tokio-postgres says what it was
/// doing, its cause says why.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut said = error.to_string();
    let mut next = error.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !said.contains(&text) {
            said = format!("{said}: {text}");
        }
        next = cause.source();
    }
    said
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The roots from a PEM bundle, or the public (Mozilla) roots for
/// `system`: compiled in, so no machine's store is consulted.
fn read_roots(path: &str, variable: &'static str) -> Result<RootCertStore, SettingError> {
    if path == "system" {
        return Ok(RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        });
    }
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| problem(variable, format!("cannot read the CA bundle {path}: {e}")))?;
    let mut roots = RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(problem(
            variable,
            format!("{path} holds no usable CA certificate"),
        ));
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> Result<DatabaseTarget, SettingError> {
        DatabaseTarget::new(url, None)
    }

    #[test]
    fn sslmode_is_read_and_taken_out_of_the_url() {
        let t = target("postgres://app@db.example/cairn?sslmode=require&application_name=x")
            .expect("usable");
        assert_eq!(t.ssl_mode(), SslMode::Require);
        assert!(!t.is_local());
        // Unset: plain on loopback, prefer elsewhere.
        let default = |url| target(url).expect("usable").ssl_mode();
        assert_eq!(default("postgres://app@127.0.0.1/cairn"), SslMode::Disable);
        assert_eq!(default("postgres://app@db.example/cairn"), SslMode::Prefer);
        assert_eq!(
            default("postgres://app@127.0.0.1/cairn?sslmode=prefer"),
            SslMode::Prefer
        );
    }

    #[test]
    fn an_unknown_mode_is_named() {
        let error = target("postgres://db.example/cairn?sslmode=allow").expect_err("refused");
        assert_eq!(error.variable, "DATABASE_URL");
        assert!(error.problem.contains("sslmode=allow"), "{error}");
    }

    #[test]
    fn verifying_modes_need_a_ca() {
        for mode in ["verify-ca", "verify-full"] {
            let error = target(&format!("postgres://db.example/cairn?sslmode={mode}"))
                .expect_err("refused");
            assert!(error.problem.contains("CAIRN_DB_CA_FILE"), "{error}");
        }
        let ok = target("postgres://db.example/cairn?sslmode=verify-full&sslrootcert=system")
            .expect("usable");
        assert_eq!(ok.ssl_mode(), SslMode::VerifyFull);
    }

    #[test]
    fn an_unreadable_ca_file_is_named_with_its_variable() {
        let error = DatabaseTarget::new(
            "postgres://db.example/cairn?sslmode=verify-full",
            Some("/nonexistent/ca.pem"),
        )
        .expect_err("refused");
        assert_eq!(error.variable, "CAIRN_DB_CA_FILE");
        let error = target(
            "postgres://db.example/cairn?sslmode=verify-full&sslrootcert=%2Fnonexistent%2Fca.pem",
        )
        .expect_err("refused");
        assert!(error.problem.contains("/nonexistent/ca.pem"), "{error}");
    }

    #[test]
    fn loopback_and_sockets_are_local() {
        for url in [
            "postgres://127.0.0.1/cairn",
            "postgres://localhost:5433/cairn",
            "postgres://[::1]/cairn",
            "postgres://%2Fvar%2Frun%2Fpostgresql/cairn",
        ] {
            assert!(target(url).expect("usable").is_local(), "{url}");
        }
        for url in [
            "postgres://10.0.0.5/cairn",
            "postgres://db.example/cairn",
            "postgres://localhost,db.example/cairn",
        ] {
            assert!(!target(url).expect("usable").is_local(), "{url}");
        }
    }
}

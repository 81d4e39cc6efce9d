//! A PostgreSQL cluster of the test's own, with TLS certificates made at
//! test time: the machine's server has its own certificate, and a TLS test
//! needs a CA it controls (and one it does not).
//!
//! Uses the system's PostgreSQL binaries (`CAIRN_TEST_PG_BIN`, else the
//! newest `/usr/lib/postgresql/*/bin`); as root, the `postgres` user runs
//! it, since PostgreSQL refuses to run as root.

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use std::{
    net::TcpListener,
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::Command,
};

/// A certificate authority made for one test.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl TestCa {
    pub fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().expect("CA key");
        Self {
            issuer: CertifiedIssuer::self_signed(params, key).expect("CA certificate"),
        }
    }

    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// A server certificate for `names` and its key, both PEM.
    pub fn issue(&self, names: &[&str]) -> (String, String) {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let params = CertificateParams::new(names).expect("server parameters");
        let key = KeyPair::generate().expect("server key");
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("server certificate");
        (cert.pem(), key.serialize_pem())
    }
}

pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    pub port: u16,
}

impl Cluster {
    /// initdb and start, serving TLS with a certificate for `localhost`
    /// signed by `ca` when `tls` is set.
    pub fn start(ca: &TestCa, tls: bool) -> Self {
        let bin = postgres_bin();
        let dir = std::env::temp_dir().join(format!("cairn-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("cluster folder");
        let cluster = Self {
            port: free_port(),
            dir,
            bin,
        };
        cluster.give_to_postgres(&cluster.dir);
        cluster.as_postgres(
            "initdb",
            &[
                "-D",
                &cluster.data(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
            ],
        );
        let (cert, key) = ca.issue(&["localhost"]);
        for (name, body) in [("server.crt", cert), ("server.key", key)] {
            let path = Path::new(&cluster.data()).join(name);
            std::fs::write(&path, body).expect("write certificate");
            cluster.give_to_postgres(&path);
        }
        let options = format!(
            "-c listen_addresses=localhost -p {} -k {} -c ssl={} -c ssl_cert_file=server.crt -c ssl_key_file=server.key -c fsync=off",
            cluster.port,
            cluster.dir.display(),
            if tls { "on" } else { "off" }
        );
        let log = format!("{}/server.log", cluster.dir.display());
        cluster.as_postgres(
            "pg_ctl",
            &[
                "-D",
                &cluster.data(),
                "-l",
                &log,
                "-o",
                &options,
                "-w",
                "start",
            ],
        );
        cluster
    }

    /// `postgres://postgres@HOST:PORT/postgres?QUERY`.
    pub fn url(&self, host: &str, query: &str) -> String {
        format!("postgres://postgres@{host}:{}/postgres?{query}", self.port)
    }

    fn data(&self) -> String {
        format!("{}/data", self.dir.display())
    }

    /// A PostgreSQL tool, run as the user who owns the cluster.
    fn tool(&self, tool: &str) -> Command {
        let program = self.bin.join(tool);
        if running_as_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&program);
            command
        } else {
            Command::new(&program)
        }
    }

    fn as_postgres(&self, tool: &str, args: &[&str]) {
        let output = self
            .tool(tool)
            .args(args)
            .output()
            .expect("run a PostgreSQL tool");
        assert!(
            output.status.success(),
            "{tool} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn give_to_postgres(&self, path: &Path) {
        if running_as_root() {
            let status = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(path)
                .status()
                .expect("chown");
            assert!(status.success(), "chown {}", path.display());
        }
        // PostgreSQL refuses a key others may read.
        let mode = if path.is_dir() { 0o700 } else { 0o600 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .tool("pg_ctl")
            .args(["-D", &self.data(), "-m", "immediate", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to the process's own user.
    std::fs::metadata("/proc/self").is_ok_and(|me| me.uid() == 0)
}

fn postgres_bin() -> PathBuf {
    if let Ok(bin) = std::env::var("CAIRN_TEST_PG_BIN") {
        return PathBuf::from(bin);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dirs| dirs.flatten().map(|d| d.path().join("bin")).collect())
        .unwrap_or_default();
    found.retain(|bin| bin.join("initdb").exists());
    found.sort_by_key(|bin| {
        bin.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found.pop().expect(
        "PostgreSQL's server binaries (initdb, pg_ctl): install postgresql or set CAIRN_TEST_PG_BIN",
    )
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

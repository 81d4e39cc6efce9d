//! TLS to PostgreSQL as `sslmode` says, against a cluster of the test's own
//! with a CA made at test time: what connects, what is refused and how
//! the refusal reads, over every path that opens a connection (one
//! connection, the pool, migrations, the `cairn` binary).

use crate::{
    cli::{free_port, run, stderr, tempdir_with_pkg},
    support::cluster::{Cluster, TestCa},
};
use app::backend::db::{ConnectError, Database, DatabaseTarget, migrate};
use diesel::sql_query;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(diesel::QueryableByName)]
struct Encrypted {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    ssl: bool,
}

/// Whether this connection's traffic is encrypted, as the server sees it.
async fn encrypted(conn: &mut AsyncPgConnection) -> bool {
    sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .get_result::<Encrypted>(conn)
        .await
        .expect("pg_stat_ssl")
        .ssl
}

async fn connect(url: &str, ca_file: Option<&str>) -> Result<AsyncPgConnection, ConnectError> {
    DatabaseTarget::new(url, ca_file)
        .expect("a usable URL")
        .connect()
        .await
}

fn write_pem(pem: &str) -> tempfile_path::TempPath {
    tempfile_path::TempPath::with(pem)
}

/// What a connection attempt must come to.
enum Expect {
    /// Connected, and the server sees the session as TLS.
    Encrypted,
    /// Connected in plain text.
    Plain,
    /// Refused for good, the message naming the variable and this reason.
    Refused(&'static str),
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_is_verified_as_sslmode_says() {
    let ca = TestCa::new("Cairn test CA");
    let stranger = TestCa::new("Some other CA");
    let ca_file = write_pem(&ca.pem());
    let stranger_file = write_pem(&stranger.pem());
    let cluster = Cluster::start(&ca, true);
    let (ours, theirs) = (
        format!("sslrootcert={}", ca_file.path()),
        format!("sslrootcert={}", stranger_file.path()),
    );
    let (unknown_ca, wrong_host) = ("not signed by a CA in", "not issued for the host");

    // The server's certificate is signed by `ca` and names localhost only.
    let cases: &[(&str, String, Option<&str>, Expect)] = &[
        (
            "localhost",
            format!("sslmode=verify-full&{ours}"),
            None,
            Expect::Encrypted,
        ),
        // The CA may come from CAIRN_DB_CA_FILE instead.
        (
            "localhost",
            "sslmode=verify-full".into(),
            Some(ca_file.path()),
            Expect::Encrypted,
        ),
        (
            "localhost",
            format!("sslmode=verify-full&{theirs}"),
            None,
            Expect::Refused(unknown_ca),
        ),
        (
            "localhost",
            "sslmode=verify-full".into(),
            Some(stranger_file.path()),
            Expect::Refused("CAIRN_DB_CA_FILE"),
        ),
        (
            "127.0.0.1",
            format!("sslmode=verify-full&{ours}"),
            None,
            Expect::Refused(wrong_host),
        ),
        // verify-ca checks the chain only, as in libpq.
        (
            "127.0.0.1",
            format!("sslmode=verify-ca&{ours}"),
            None,
            Expect::Encrypted,
        ),
        (
            "127.0.0.1",
            format!("sslmode=verify-ca&{theirs}"),
            None,
            Expect::Refused(unknown_ca),
        ),
        // require: encrypted, the server unauthenticated unless a CA is given.
        (
            "127.0.0.1",
            "sslmode=require".into(),
            None,
            Expect::Encrypted,
        ),
        (
            "127.0.0.1",
            format!("sslmode=require&{theirs}"),
            None,
            Expect::Refused(unknown_ca),
        ),
        // prefer encrypts where the server offers it; unset on loopback
        // is plain (the traffic never leaves the machine).
        (
            "127.0.0.1",
            "sslmode=prefer".into(),
            None,
            Expect::Encrypted,
        ),
        ("127.0.0.1", String::new(), None, Expect::Plain),
    ];
    for (host, query, ca_file, expect) in cases {
        let case = format!("{host} ?{query} (CA file {ca_file:?})");
        match (connect(&cluster.url(host, query), *ca_file).await, expect) {
            (Ok(mut conn), Expect::Encrypted) => {
                assert!(
                    encrypted(&mut conn).await,
                    "{case}: the traffic is encrypted"
                );
            }
            (Ok(mut conn), Expect::Plain) => {
                assert!(!encrypted(&mut conn).await, "{case}: plain text");
            }
            (Err(error), Expect::Refused(reason)) => {
                let said = error.to_string();
                assert!(
                    said.starts_with("DATABASE_URL: ") && said.contains(reason),
                    "{case}: {said}"
                );
                assert!(
                    error.is_permanent(),
                    "{case}: a setting to fix is not waited out"
                );
            }
            (Ok(_), Expect::Refused(_)) => panic!("{case}: connected, but must be refused"),
            (Err(error), Expect::Encrypted | Expect::Plain) => {
                panic!("{case}: refused ({error})")
            }
        }
    }
    let ca_query = ours;

    // The pool and migrations open their connections the same way.
    let target = DatabaseTarget::new(
        &cluster.url("localhost", &format!("sslmode=verify-full&{ca_query}")),
        None,
    )
    .expect("target");
    migrate::run_pending(&target)
        .await
        .expect("migrations over verify-full");
    let pool = Database::new(&target, 2);
    pool.set_schema_ready();
    let mut pooled = pool.conn().await.expect("a pooled connection");
    assert!(
        encrypted(&mut pooled).await,
        "pooled connections are encrypted"
    );
    drop(pooled);
    let wrong = DatabaseTarget::new(
        &cluster.url("127.0.0.1", &format!("sslmode=verify-full&{ca_query}")),
        None,
    )
    .expect("target");
    assert!(
        migrate::run_pending(&wrong).await.is_err(),
        "migrations refuse the wrong host"
    );

    // The binary: one line naming the variable and the reason.
    let wrong_ca = cluster.url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={}", stranger_file.path()),
    );
    let output = run(&[("DATABASE_URL", &wrong_ca)], &["migrate"]);
    assert!(!output.status.success());
    let said = stderr(&output);
    assert!(
        said.contains("DATABASE_URL") && said.contains("not signed by a CA"),
        "{said}"
    );
    assert_eq!(said.trim().lines().count(), 1, "one line: {said}");
    let site = tempdir_with_pkg();
    let output = run(
        &[
            ("DATABASE_URL", &wrong_ca),
            ("CAIRN_BIND", &format!("127.0.0.1:{}", free_port())),
            ("CAIRN_SITE_ROOT", site.to_str().expect("utf-8 path")),
        ],
        &["serve"],
    );
    assert!(
        !output.status.success(),
        "serve stops on a certificate it cannot trust"
    );
    assert!(
        stderr(&output).contains("not signed by a CA"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn require_never_falls_back_to_plain_text() {
    let ca = TestCa::new("Cairn test CA");
    let ca_file = write_pem(&ca.pem());
    let cluster = Cluster::start(&ca, false);

    for query in [
        "sslmode=require".to_owned(),
        format!("sslmode=verify-full&sslrootcert={}", ca_file.path()),
    ] {
        let error = connect(&cluster.url("localhost", &query), None)
            .await
            .err()
            .expect("a server without TLS is refused");
        assert!(error.to_string().contains("does not offer TLS"), "{error}");
        assert!(error.is_permanent());
    }
    // prefer and disable take plain text, as libpq does.
    for query in ["sslmode=prefer", "sslmode=disable"] {
        let mut conn = connect(&cluster.url("localhost", query), None)
            .await
            .expect(query);
        assert!(!encrypted(&mut conn).await);
    }
}

/// A PEM file that lives as long as the test.
mod tempfile_path {
    pub struct TempPath(String);

    impl TempPath {
        pub fn with(body: &str) -> Self {
            let path = std::env::temp_dir()
                .join(format!("cairn-ca-{}.pem", uuid::Uuid::new_v4().simple()));
            std::fs::write(&path, body).expect("write PEM");
            Self(path.display().to_string())
        }

        pub fn path(&self) -> &str {
            &self.0
        }
    }

    impl Drop for TempPath {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

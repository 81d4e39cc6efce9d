//! The `cairn` binary itself: configuration errors, commands, and `serve`
//! riding out a database that is not there yet (as `cairn healthcheck` sees it).

use crate::support::{
    TestDb,
    db::{admin_url, app_url_for, url_for},
};
use diesel::sql_query;
use diesel_async::RunQueryDsl;
use std::{
    net::TcpListener,
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

pub(crate) fn cairn(env: &[(&str, &str)], args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cairn"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    // Cheap hashing keeps the binary tests quick; the parameters are real argon2id.
    command
        .env("CAIRN_ARGON2_MEMORY_KIB", "1024")
        .env("CAIRN_ARGON2_ITERATIONS", "1");
    for (key, value) in env {
        command.env(key, value);
    }
    command.stdin(Stdio::null());
    command
}

pub(crate) fn run(env: &[(&str, &str)], args: &[&str]) -> Output {
    cairn(env, args).output().expect("run cairn")
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_missing_database_url_stops_cairn_naming_the_variable() {
    let output = run(&[], &["serve"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("DATABASE_URL"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn production_refuses_an_insecure_public_url() {
    let output = run(
        &[
            ("DATABASE_URL", "postgres://x@127.0.0.1:1/x"),
            ("CAIRN_PUBLIC_URL", "http://cairn.example"),
        ],
        &["--production", "serve"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("CAIRN_PUBLIC_URL"),
        "{}",
        stderr(&output)
    );
}

/// What production needs besides the database: an https origin (here
/// behind a proxy on this machine that terminates TLS), full hashing cost,
/// and keys. Test-only values (bytes repeated), never real ones.
pub(crate) const PRODUCTION: &[(&str, &str)] = &[
    ("CAIRN_PUBLIC_URL", "https://cairn.example"),
    ("CAIRN_TRUSTED_PROXIES", "127.0.0.1"),
    ("CAIRN_ARGON2_MEMORY_KIB", "19456"),
    ("CAIRN_ARGON2_ITERATIONS", "2"),
    (
        "CAIRN_MFA_KEY",
        "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",
    ),
    (
        "CAIRN_AUDIT_SIGNING_KEY",
        "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",
    ),
    (
        "CAIRN_KEKS",
        "1:BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU=",
    ),
    (
        "CAIRN_BLIND_INDEX_KEY",
        "BgYGBgYGBgYGBgYGBgYGBgYGBgYGBgYGBgYGBgYGBgY=",
    ),
];

pub(crate) fn production_with<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    PRODUCTION.iter().chain(extra).copied().collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn production_refuses_to_seed_the_demo() {
    let db = TestDb::new().await;
    let output = run(
        &production_with(&[("DATABASE_URL", &db.url)]),
        &["--production", "seed-demo"],
    );
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("refused in production"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn production_serves_as_the_application_s_role_and_refuses_the_owner() {
    let db = TestDb::new().await;
    let site = tempdir_with_pkg();
    let site = site.to_str().expect("utf-8 path");

    // As the owner (here a superuser): one line naming the variable and why.
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let refused = run(
        &production_with(&[
            ("DATABASE_URL", &db.owner_url),
            ("CAIRN_BIND", &bind),
            ("CAIRN_SITE_ROOT", site),
        ]),
        &["--production", "serve"],
    );
    assert!(!refused.status.success());
    let said = stderr(&refused);
    assert!(
        said.contains("DATABASE_URL: production serves only as the application's role")
            && said.contains("is a superuser"),
        "{said}"
    );

    // As cairn_app it serves, with migrations left to `cairn migrate`.
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let mut server = Guard(
        cairn(
            &production_with(&[
                ("DATABASE_URL", &db.url),
                ("CAIRN_BIND", &bind),
                ("CAIRN_SITE_ROOT", site),
            ]),
            &["--production", "serve"],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn cairn serve"),
    );
    let status = wait_for_status(port, "/readyz", 200).await;
    server.stop();
    assert_eq!(status, 200, "ready as the application's role");
}

#[tokio::test(flavor = "multi_thread")]
async fn create_admin_refuses_weak_input_and_creates_nothing() {
    let db = TestDb::new().await;
    let env = [
        ("DATABASE_URL", db.url.as_str()),
        ("CAIRN_ADMIN_EMAIL", "not-an-email"),
        ("CAIRN_ADMIN_NAME", "Lee Admin"),
        ("CAIRN_ADMIN_PRACTICE", "Alder Street Therapy"),
        ("CAIRN_ADMIN_PASSWORD", "short"),
    ];
    let output = run(&env, &["create-admin"]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("email: Enter an email address"),
        "{message}"
    );
    assert!(
        message.contains("password: Use at least 15 characters"),
        "{message}"
    );
    assert_eq!(user_count(&db).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_admin_creates_an_admin_who_can_sign_in() {
    let db = TestDb::new().await;
    let env = [
        ("DATABASE_URL", db.url.as_str()),
        ("CAIRN_ADMIN_EMAIL", "lee@alder.example"),
        ("CAIRN_ADMIN_NAME", "Lee Admin"),
        ("CAIRN_ADMIN_PRACTICE", "Alder Street Therapy"),
        ("CAIRN_ADMIN_PASSWORD", "a long admin passphrase"),
    ];
    let output = run(&env, &["create-admin"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains("passphrase"),
        "password never echoed"
    );
    let again = run(&env, &["create-admin"]);
    assert!(
        stderr(&again).contains("email: An account with this email already exists"),
        "{}",
        stderr(&again)
    );
    assert_eq!(user_count(&db).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_waits_for_a_missing_database_and_becomes_ready_when_it_appears() {
    let name = format!("cairn_late_{}", uuid::Uuid::new_v4().simple());
    let port = free_port();
    let metrics_port = free_port();
    let site = tempdir_with_pkg();
    let mut server = Guard(
        cairn(
            &[
                ("DATABASE_URL", &app_url_for(&name)),
                ("CAIRN_MIGRATION_DATABASE_URL", &url_for(&name)),
                ("CAIRN_BIND", &format!("127.0.0.1:{port}")),
                ("CAIRN_METRICS_BIND", &format!("127.0.0.1:{metrics_port}")),
                ("CAIRN_SITE_ROOT", site.to_str().expect("utf-8 path")),
            ],
            &["serve"],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn cairn serve"),
    );

    assert_eq!(
        wait_for_status(port, "/healthz", 200).await,
        200,
        "alive without a database"
    );
    assert_eq!(http_status(port, "/readyz").await, Some(503));
    assert_eq!(
        http_status(metrics_port, "/metrics").await,
        Some(200),
        "metrics on their own address, database or not"
    );
    assert_ne!(
        http_status(port, "/metrics").await,
        Some(200),
        "never on the public one"
    );
    let bind = format!("0.0.0.0:{port}");
    let healthcheck = |args: &[&str]| run(&[("CAIRN_BIND", &bind)], args);
    let alive = healthcheck(&["healthcheck"]);
    assert!(alive.status.success(), "{}", stderr(&alive));
    let not_ready = healthcheck(&["healthcheck", "--ready"]);
    assert_eq!(not_ready.status.code(), Some(1));
    assert!(
        stderr(&not_ready).contains("/readyz") && stderr(&not_ready).contains("503"),
        "{}",
        stderr(&not_ready)
    );

    let mut admin = crate::support::db::connect(&admin_url())
        .await
        .expect("admin");
    sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create late database");
    let status = wait_for_status(port, "/readyz", 200).await;
    let ready = healthcheck(&["healthcheck", "--ready"]);
    server.stop();
    let stopped = healthcheck(&["healthcheck"]);
    sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .expect("drop");
    assert_eq!(
        status, 200,
        "ready once the database exists and is migrated"
    );
    assert!(ready.status.success(), "{}", stderr(&ready));
    assert_eq!(
        stopped.status.code(),
        Some(1),
        "nobody answers once stopped"
    );
    assert!(
        stderr(&stopped).contains("no answer"),
        "{}",
        stderr(&stopped)
    );
}

pub(crate) struct Guard(pub(crate) Child);

impl Guard {
    fn stop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn user_count(db: &TestDb) -> i64 {
    use diesel::QueryDsl;
    let mut conn = db.conn().await;
    app::backend::db::schema::users::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count")
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A site folder holding the bundle the `cairn` binary's pages load
/// (`serve` refuses one without it): hashed, when a release build left
/// `hash.txt` beside it.
pub(crate) fn tempdir_with_pkg() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cairn-site-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(dir.join("pkg")).expect("site dir");
    let bundle = server::serve::wasm_file_of(std::path::Path::new(env!("CARGO_BIN_EXE_cairn")));
    std::fs::write(dir.join("pkg").join(bundle), b"\0asm").expect("bundle");
    dir
}

/// Polls `path` for up to 60 s; returns the last status seen.
pub(crate) async fn wait_for_status(port: u16, path: &str, want: u16) -> u16 {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = 0;
    while Instant::now() < deadline {
        if let Some(status) = http_status(port, path).await {
            last = status;
            if status == want {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    last
}

/// The status of `GET path`, through the probe `cairn healthcheck` uses.
async fn http_status(port: u16, path: &str) -> Option<u16> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let target = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        server::cli::healthcheck::probe(target, &path, Duration::from_secs(5)).ok()
    })
    .await
    .ok()?
}

/// Appends one event to the trail (an anonymous failed sign-in): its id.
pub(crate) async fn record_a_failed_sign_in(conn: &mut diesel_async::AsyncPgConnection) -> i64 {
    use app::{
        backend::audit::{self, Actor, Event, Origin},
        model::audit::{AuditAction, AuditOutcome},
    };
    let event = Event::new(
        AuditAction::SignInFailed,
        AuditOutcome::Denied,
        Actor::Anonymous {
            organization_id: None,
        },
        Origin::default(),
    );
    audit::record(conn, event).await.expect("record")
}

#[tokio::test]
async fn audit_checkpoint_and_verify_catch_an_edited_event() {
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(record_a_failed_sign_in(&mut conn).await);
    }
    let env = [("DATABASE_URL", db.url.as_str())];
    let file = std::env::temp_dir().join(format!("cairn-checkpoint-{}", db.name));
    let path = file.to_str().expect("utf-8 path");

    let written = run(&env, &["audit", "checkpoint", "--out", path]);
    assert!(written.status.success(), "{}", stderr(&written));
    let fine = run(&env, &["audit", "verify", "--checkpoint", path]);
    assert!(fine.status.success(), "{}", stderr(&fine));
    assert!(String::from_utf8_lossy(&fine.stdout).contains("intact: 3 events"));

    // Tampering is the owner's: the application's role cannot.
    let mut conn = db.owner_conn().await;
    for sql in [
        "ALTER TABLE audit_events DISABLE TRIGGER USER".to_owned(),
        format!(
            "UPDATE audit_events SET outcome = 'allowed' WHERE id = {}",
            ids[1]
        ),
        "ALTER TABLE audit_events ENABLE TRIGGER USER".to_owned(),
    ] {
        sql_query(sql).execute(&mut conn).await.expect("tamper");
    }
    let caught = run(&env, &["audit", "verify", "--checkpoint", path]);
    let _ = std::fs::remove_file(&file);
    assert!(!caught.status.success());
    assert!(
        stderr(&caught).contains(&format!("event {}: its contents do not match", ids[1])),
        "{}",
        stderr(&caught)
    );
}

#[tokio::test]
async fn keys_rotate_the_kek_and_serve_refuses_to_start_without_a_kek_the_data_needs() {
    use base64::{Engine, engine::general_purpose};
    let db = TestDb::new().await;
    let mut conn = db.conn().await;
    let key = |byte: u8| general_purpose::STANDARD.encode([byte; 32]);
    let old = format!("1:{}", key(1));
    let both = format!("1:{},2:{}", key(1), key(2));
    let blind = key(9);
    let config = crate::support::app::config_with(
        &db,
        &[("CAIRN_KEKS", &old), ("CAIRN_BLIND_INDEX_KEY", &blind)],
    );
    crate::support::records::patient_in_own_practice(&mut conn, &config.vault, "Kai Keys").await;

    let stdout = |output: &Output| String::from_utf8_lossy(&output.stdout).into_owned();
    let with = |keks: &str| -> Vec<(&'static str, String)> {
        vec![
            ("DATABASE_URL", db.url.clone()),
            ("CAIRN_MIGRATION_DATABASE_URL", db.owner_url.clone()),
            ("CAIRN_BLIND_INDEX_KEY", blind.clone()),
            ("CAIRN_KEKS", keks.to_owned()),
        ]
    };

    let status = run(&pairs(&with(&both)), &["keys", "status"]);
    assert!(status.status.success(), "{}", stderr(&status));
    assert!(
        stdout(&status).contains("KEK version 1: wraps 1 data keys"),
        "{}",
        stdout(&status)
    );
    let rotated = run(&pairs(&with(&both)), &["keys", "rotate-kek"]);
    assert!(rotated.status.success(), "{}", stderr(&rotated));
    assert!(stdout(&rotated).contains("Re-wrapped 1 data key(s) with KEK version 2"));

    // Version 2 now wraps the key: without it, commands and the server stop,
    // naming the variable.
    let refused = run(&pairs(&with(&old)), &["keys", "status"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("CAIRN_KEKS"),
        "{}",
        stderr(&refused)
    );
    let site = tempdir_with_pkg();
    let port = free_port();
    let mut vars = with(&old);
    vars.push(("CAIRN_BIND", format!("127.0.0.1:{port}")));
    vars.push(("CAIRN_SITE_ROOT", site.to_string_lossy().into_owned()));
    let mut server = cairn(&pairs(&vars), &["serve"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cairn serve");
    let deadline = Instant::now() + Duration::from_secs(30);
    let exit = loop {
        if let Some(exit) = server.try_wait().expect("wait") {
            break Some(exit);
        }
        if Instant::now() > deadline {
            let _ = server.kill();
            break None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let output = server.wait_with_output().expect("output");
    let exit = exit.expect("serve stopped by itself");
    assert!(!exit.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("CAIRN_KEKS") && said.contains("version 2"),
        "{said}"
    );
}

/// Borrowed name/value pairs for [`run`] and [`cairn`].
pub(crate) fn pairs<'a>(vars: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    vars.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

//! Alerts found as the trail grows and sent to people: by email to the
//! practice's administrators (through a real SMTP conversation with the
//! test's server) and to a webhook (a receiver run by the test checks the
//! signature as the README tells a SIEM to, and fails the first call so
//! the retry is seen). Also: the watcher keeps its place, reads an event
//! whose transaction commits late, and raises locked accounts and failed
//! verifications of the trail.

use crate::{
    alerts::{alerts, failure_from, failure_held_open, person, watched},
    support::{TestApp, app::Browser},
};
use app::{
    backend::{
        audit::alerts::{Channels, deliver, watch},
        db::schema::{alert_deliveries, audit_verifications},
        seed::DEMO_PASSWORD,
    },
    model::audit::AlertKind,
};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

const ADMIN: &str = "admin@juniper-creek.example";
const THERAPIST: &str = "rowan.ellis@juniper-creek.example";
const SECRET: &str = "test-webhook-secret-0123456789abcdef";

/// One request the receiver took: its headers (lower-cased names) and body.
#[derive(Debug, Clone)]
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }
}

/// A webhook receiver on a free port: answers 500 to the first `failing`
/// requests, then 204; keeps every request.
async fn receiver(failing: usize) -> (u16, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let taken = Arc::new(Mutex::new(Vec::new()));
    let store = taken.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut raw = Vec::new();
            let mut buffer = [0u8; 4096];
            // Read the head, then as much body as it announces.
            let (head_end, length) = loop {
                let n = socket.read(&mut buffer).await.unwrap_or(0);
                if n == 0 {
                    break (raw.len(), 0);
                }
                raw.extend_from_slice(&buffer[..n]);
                if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&raw[..end]).to_lowercase();
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length: "))
                        .and_then(|n| n.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    break (end + 4, length);
                }
            };
            while raw.len() < head_end + length {
                let n = socket.read(&mut buffer).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                raw.extend_from_slice(&buffer[..n]);
            }
            let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
            let headers = head
                .lines()
                .skip(1)
                .filter_map(|l| l.split_once(": "))
                .map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned()))
                .collect();
            let body = raw[head_end..].to_vec();
            let seen = {
                let mut store = store.lock().expect("lock");
                store.push(Received { headers, body });
                store.len()
            };
            let answer: &[u8] = if seen <= failing {
                b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"
            } else {
                b"HTTP/1.1 204 No Content\r\n\r\n"
            };
            let _ = socket.write_all(answer).await;
        }
    });
    (port, taken)
}

/// HMAC-SHA-256 as RFC 2104 defines it, written out here so the check does
/// not share Cairn's code.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|k| k ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .to_vec()
}

/// What a receiver does with a request (the README's three checks).
fn verified(request: &Received) -> bool {
    let timestamp = request.header("cairn-timestamp");
    let mut signed = timestamp.as_bytes().to_vec();
    signed.push(b'.');
    signed.extend_from_slice(&request.body);
    let expected: String = hmac_sha256(SECRET.as_bytes(), &signed)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let fresh = timestamp
        .parse::<i64>()
        .is_ok_and(|t| (time::OffsetDateTime::now_utc().unix_timestamp() - t).abs() <= 300);
    request.header("cairn-signature") == format!("v1={expected}") && fresh
}

/// Makes every queued delivery due now (as if its wait had passed).
async fn make_due(app: &TestApp) {
    let mut conn = app.db.conn().await;
    diesel::update(alert_deliveries::table.filter(alert_deliveries::delivered_at.is_null()))
        .set(alert_deliveries::next_attempt_at.eq(time::OffsetDateTime::now_utc()))
        .execute(&mut conn)
        .await
        .expect("due");
}

/// Sends the alert deliveries that are due, as `serve` does every few
/// seconds; answers how many were delivered.
pub(crate) async fn send_due(app: &TestApp) -> usize {
    let mut conn = app.db.conn().await;
    let senders = deliver::Senders {
        mailer: app.state.mailer.as_ref(),
        webhook: app.state.alert_webhook.as_ref(),
    };
    deliver::send_due(&mut conn, &app.state.vault, senders)
        .await
        .expect("a delivery pass")
}

#[tokio::test]
async fn a_new_alert_is_emailed_to_administrators_and_posted_signed_to_the_webhook_again_after_a_failure()
 {
    let (port, webhook) = receiver(1).await;
    let url = format!("http://127.0.0.1:{port}/hooks/cairn");
    let (app, mail) = crate::mail::mailing_app(&[
        ("CAIRN_ALERT_FAILED_SIGN_INS", "3"),
        ("CAIRN_ALERT_WEBHOOK_URL", url.as_str()),
        ("CAIRN_ALERT_WEBHOOK_SECRET", SECRET),
    ])
    .await;
    let mut conn = app.db.conn().await;
    let (_, practice, _) = person(&mut conn, ADMIN).await;
    for _ in 0..3 {
        failure_from(&mut conn, Some(practice), "203.0.113.9").await;
    }
    assert_eq!(watched(&app).await, [AlertKind::FailedSignInsFromIp]);

    // The first pass: the email goes, the webhook answers 500.
    assert_eq!(send_due(&app).await, 1);
    let messages = mail.lock().expect("lock").clone();
    let message = messages
        .iter()
        .find(|m| m.contains("Cairn alert: Failed sign-ins (address)"))
        .expect("the alert was emailed");
    assert!(message.contains(ADMIN), "to the practice's administrator");
    assert!(message.contains("/admin/audit"));
    // No address, name or count that would tell who or what: only the kind.
    for said in ["203.0.113.9", "Rowan", "Avery"] {
        assert!(!message.contains(said), "the email says {said}");
    }
    let (attempts, error): (i32, Option<String>) = alert_deliveries::table
        .filter(alert_deliveries::channel.eq("webhook"))
        .select((alert_deliveries::attempts, alert_deliveries::last_error))
        .first(&mut conn)
        .await
        .expect("the webhook's delivery");
    assert_eq!(attempts, 1);
    assert_eq!(error.as_deref(), Some("the receiver answered 500"));
    // Not yet due again: nothing is sent.
    assert_eq!(send_due(&app).await, 0);

    // Once due, the retry is taken.
    make_due(&app).await;
    assert_eq!(send_due(&app).await, 1);
    let calls = webhook.lock().expect("lock").clone();
    assert_eq!(calls.len(), 2);
    for call in &calls {
        assert!(verified(call), "the signature checks out: {call:?}");
    }
    // The same alert, the same body: a receiver counts it once by its id.
    assert_eq!(calls[0].body, calls[1].body);
    let id = calls[1].header("cairn-alert-id");
    let body: serde_json::Value = serde_json::from_slice(&calls[1].body).expect("JSON");
    assert_eq!(body["id"], id);
    assert_eq!(body["kind"], "failed_sign_ins.ip");
    assert_eq!(body["events"], 3);
    assert_eq!(body["source_ip"], "203.0.113.9");
    // A request changed on the way is refused by that check.
    let mut forged = calls[1].clone();
    forged.body = forged
        .body
        .replace_range_for_test(b"\"events\":3", b"\"events\":1");
    assert!(!verified(&forged));

    // Delivered is delivered; a second look at the trail raises nothing new.
    make_due(&app).await;
    assert_eq!(send_due(&app).await, 0);
    assert!(watched(&app).await.is_empty());
    assert_eq!(webhook.lock().expect("lock").len(), 2);
    let mail_count = mail
        .lock()
        .expect("lock")
        .iter()
        .filter(|m| m.contains("Cairn alert"))
        .count();
    assert_eq!(mail_count, 1);
}

/// Replaces the first `from` in a body (for the forgery above).
trait ReplaceForTest {
    fn replace_range_for_test(self, from: &[u8], to: &[u8]) -> Vec<u8>;
}

impl ReplaceForTest for Vec<u8> {
    fn replace_range_for_test(self, from: &[u8], to: &[u8]) -> Vec<u8> {
        let at = self
            .windows(from.len())
            .position(|w| w == from)
            .expect("the body holds it");
        [&self[..at], to, &self[at + from.len()..]].concat()
    }
}

#[tokio::test]
async fn the_watcher_keeps_its_place_and_reads_an_event_whose_transaction_commits_late() {
    let app = TestApp::with_demo_and(&[("CAIRN_ALERT_FAILED_SIGN_INS", "3")]).await;
    let mut conn = app.db.conn().await;
    let (_, practice, _) = person(&mut conn, ADMIN).await;
    // Whatever the demo's own trail raises is read first.
    watched(&app).await;
    failure_from(&mut conn, Some(practice), "198.51.100.4").await;

    // An append whose transaction stays open: its id is taken, its row not
    // yet seen. Meanwhile another lane commits one more.
    let (commit_tx, late) = failure_held_open(&app, practice, "198.51.100.4").await;
    failure_from(&mut conn, Some(practice), "198.51.100.4").await;
    // Two of three seen: nothing yet, and the place moves past the open id.
    assert!(watched(&app).await.is_empty());
    let _ = commit_tx.send(());
    late.await.expect("the slow append committed");
    // The late one is read: three within five minutes.
    assert_eq!(watched(&app).await, [AlertKind::FailedSignInsFromIp]);
    let mut admin = app.browser();
    admin.sign_in(ADMIN, DEMO_PASSWORD).await;
    let from_address = |list: &app::model::audit::AlertList| {
        let found: Vec<i64> = list
            .alerts
            .iter()
            .filter(|a| a.kind == AlertKind::FailedSignInsFromIp)
            .map(|a| a.events)
            .collect();
        found
    };
    assert_eq!(from_address(&alerts(&app, &mut admin).await), [3]);

    // A second watcher waits for no one: while a pass holds the place,
    // another skips (in `serve`, another instance's).
    let mut holder = app.db.conn().await;
    holder
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            diesel::sql_query("SELECT 1 FROM alert_watch FOR UPDATE")
                .execute(conn)
                .await?;
            failure_from(&mut app.db.conn().await, Some(practice), "198.51.100.4").await;
            let pass = watch(
                &mut app.db.conn().await,
                app.state.alerts,
                Channels::default(),
            )
            .await
            .expect("a pass");
            assert_eq!(pass.read, 0, "the held place was skipped");
            Ok(())
        })
        .await
        .expect("held");
    // Released, the next pass reads on: the episode grows, no new alert.
    assert!(watched(&app).await.is_empty());
    assert_eq!(from_address(&alerts(&app, &mut admin).await), [4]);
}

#[tokio::test]
async fn a_locked_account_and_a_failed_verification_of_the_trail_are_alerts() {
    let app = TestApp::with_demo_and(&[("CAIRN_SENSITIVE_LIMIT", "200")]).await;
    let mut browser = app.browser();
    browser.fail_sign_in(THERAPIST, "not the password", 5).await;
    let raised = watched(&app).await;
    assert!(raised.contains(&AlertKind::AccountLocked), "{raised:?}");

    let mut conn = app.db.conn().await;
    diesel::insert_into(audit_verifications::table)
        .values((
            audit_verifications::events.eq(40),
            audit_verifications::ok.eq(false),
            audit_verifications::problem.eq(Some("event 17: its hash does not match")),
            audit_verifications::head_id.eq(Some(40_i64)),
        ))
        .execute(&mut conn)
        .await
        .expect("a failed verification");
    let raised = watched(&app).await;
    // One for each practice: the trail is theirs together.
    let practices: i64 = app::backend::db::schema::organizations::table
        .count()
        .get_result(&mut conn)
        .await
        .expect("count");
    assert_eq!(
        raised,
        vec![AlertKind::AuditVerificationFailed; usize::try_from(practices).expect("small")]
    );

    let mut admin: Browser = app.browser();
    admin.sign_in(ADMIN, DEMO_PASSWORD).await;
    let list = alerts(&app, &mut admin).await;
    let summaries: Vec<&str> = list.alerts.iter().map(|a| a.summary.as_str()).collect();
    assert!(
        summaries
            .contains(&"The audit trail failed verification: event 17: its hash does not match"),
        "{summaries:?}"
    );
    assert!(
        summaries
            .iter()
            .any(|s| s.starts_with("The account of Dr. Rowan Ellis was locked")),
        "{summaries:?}"
    );
    // Each is reviewable like any other.
    let locked = list
        .alerts
        .iter()
        .find(|a| a.kind == AlertKind::AccountLocked)
        .expect("listed");
    let reply = admin
        .call(
            "/api/audit-alert-review",
            &[
                ("alert", locked.key.as_str()),
                ("through", &locked.last_event_id.to_string()),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(reply.status, http::StatusCode::OK, "{}", reply.body);

    // Counted for the operator's Prometheus, by kind only.
    let scraped = app::backend::metrics::render(app::backend::metrics::PoolUse {
        open: 0,
        idle: 0,
        max: 0,
    });
    assert!(
        scraped.contains("cairn_alerts_raised_total{kind=\"audit_verification_failed\"}"),
        "{scraped}"
    );
}

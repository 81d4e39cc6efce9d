//! Security notices by email, through a real SMTP conversation with a
//! minimal server run by the test.

use crate::support::TestApp;
use app::backend::seed::DEMO_PASSWORD;
use http::StatusCode;
use std::sync::{Arc, Mutex};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

const THERAPIST: &str = "rowan.ellis@juniper-creek.example";

/// A minimal SMTP server on a free port; every message's DATA is kept.
async fn smtp_server() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let store = received.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 test ESMTP\r\n").await;
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(message) = data.as_mut() {
                        if line == "." {
                            store
                                .lock()
                                .expect("lock")
                                .push(data.take().unwrap_or_default());
                            let _ = write.write_all(b"250 queued\r\n").await;
                        } else {
                            message.push_str(&line);
                            message.push('\n');
                        }
                        continue;
                    }
                    let verb = line
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 test\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (port, received)
}

/// A demo practice that mails through the test's SMTP server (with
/// `extra` settings), and the mail it received.
pub(crate) async fn mailing_app(extra: &[(&str, &str)]) -> (TestApp, Arc<Mutex<Vec<String>>>) {
    let (port, received) = smtp_server().await;
    let url = format!("smtp://127.0.0.1:{port}");
    let mut settings = vec![
        ("CAIRN_SMTP_URL", url.as_str()),
        ("CAIRN_MAIL_FROM", "Cairn <security@cairn.example>"),
    ];
    settings.extend_from_slice(extra);
    let app = TestApp::with_demo_and(&settings).await;
    (app, received)
}

/// Signs `email` in and changes their password: a notice to mail.
async fn change_password(app: &TestApp, email: &str) {
    let mut browser = app.browser();
    browser.sign_in(email, DEMO_PASSWORD).await;
    let reply = browser
        .call(
            "/api/change-password",
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", "granite lantern meadow 42"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
}

/// One pass of the server's mailing task; how many it sent.
pub(crate) async fn send_pending(app: &TestApp) -> usize {
    let mailer = app.state.mailer.clone().expect("mail configured");
    mailer
        .send_pending(&mut app.db.conn().await, &app.state.vault)
        .await
        .expect("send")
}

#[tokio::test(flavor = "multi_thread")]
async fn security_notices_are_emailed_once_without_health_information() {
    let (app, received) = mailing_app(&[]).await;
    change_password(&app, THERAPIST).await;
    assert_eq!(
        send_pending(&app).await,
        1,
        "one notice; sign-ins are not mailed"
    );
    assert_eq!(send_pending(&app).await, 0, "never twice");
    let messages = received.lock().expect("lock").clone();
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert!(message.contains(&format!("To: {THERAPIST}")), "{message}");
    assert!(message.contains("Password changed"), "{message}");
    assert!(message.contains("/security"), "{message}");
    assert!(!message.contains("Rowan"), "no names: {message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_patients_notice_goes_to_their_sealed_address_and_names_no_one() {
    const PATIENT: &str = "avery.quinn@patients.example";
    let (app, received) = mailing_app(&[]).await;
    change_password(&app, PATIENT).await;
    assert_eq!(send_pending(&app).await, 1);
    let messages = received.lock().expect("lock").clone();
    let message = &messages[0];
    assert!(message.contains(&format!("To: {PATIENT}")), "{message}");
    assert!(!message.contains("Avery"), "no names: {message}");
}

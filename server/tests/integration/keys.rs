//! The operator's keys over time: every key's age in `cairn keys status`,
//! replacing the audit signing key without losing what the old one
//! signed, and rotating the two-step key.

use crate::{
    cli::{pairs, record_a_failed_sign_in, run, stderr},
    support::TestDb,
};
use diesel::sql_query;
use diesel_async::RunQueryDsl;
use std::process::Output;

#[tokio::test]
async fn keys_status_tells_each_key_s_age_and_warns_past_the_limit() {
    let db = TestDb::new().await;
    let env = [
        ("DATABASE_URL", db.url.as_str()),
        ("CAIRN_MIGRATION_DATABASE_URL", db.owner_url.as_str()),
        ("CAIRN_KEY_MAX_AGE_DAYS", "90"),
    ];
    let stdout = |output: &Output| String::from_utf8_lossy(&output.stdout).into_owned();
    let first = run(&env, &["keys", "status"]);
    assert!(first.status.success(), "{}", stderr(&first));
    for line in [
        "KEK version 1 (current): wraps 0 data keys, in use 0 days",
        "blind-index key, in use 0 days",
        "two-step (MFA) key version 1: seals 0 secrets, in use 0 days",
        "audit signing key, in use 0 days",
        "Every key is younger than 90 days",
    ] {
        assert!(
            stdout(&first).contains(line),
            "no {line:?} in:\n{}",
            stdout(&first)
        );
    }

    // The two-step key has been configured for 120 days: status says so,
    // naming its variable; noting it again does not make it young.
    sql_query(
        "UPDATE configured_keys SET first_seen = now() - interval '120 days' WHERE kind = 'mfa'",
    )
    .execute(&mut db.owner_conn().await)
    .await
    .expect("age the key");
    let later = run(&env, &["keys", "status"]);
    assert!(later.status.success(), "{}", stderr(&later));
    assert!(
        stdout(&later).contains("WARNING: in use longer than 90 days")
            && stdout(&later).contains(
                "two-step (MFA) key version 1: seals 0 secrets: 120 days (CAIRN_MFA_KEY)"
            ),
        "{}",
        stdout(&later)
    );
    // The application's role cannot make a key look younger.
    let younger = sql_query("UPDATE configured_keys SET first_seen = now()")
        .execute(&mut db.conn().await)
        .await;
    assert!(younger.is_err(), "the application's role moved a key's age");
}

#[tokio::test]
async fn a_replaced_audit_signing_key_still_verifies_what_it_signed() {
    use base64::{Engine, engine::general_purpose};
    let db = TestDb::new().await;
    record_a_failed_sign_in(&mut db.conn().await).await;
    let (old, new) = (
        general_purpose::STANDARD.encode([3u8; 32]),
        general_purpose::STANDARD.encode([4u8; 32]),
    );
    let file = std::env::temp_dir().join(format!("cairn-rotated-checkpoints-{}", db.name));
    let path = file.to_str().expect("utf-8 path");
    let with = |key: &str, retired: &str| -> Vec<(&'static str, String)> {
        vec![
            ("DATABASE_URL", db.url.clone()),
            ("CAIRN_MIGRATION_DATABASE_URL", db.owner_url.clone()),
            ("CAIRN_AUDIT_SIGNING_KEY", key.to_owned()),
            ("CAIRN_AUDIT_RETIRED_KEYS", retired.to_owned()),
        ]
    };

    // The old key signs a checkpoint; status shows its public half.
    let signed = run(
        &pairs(&with(&old, "")),
        &["audit", "checkpoint", "--out", path],
    );
    assert!(signed.status.success(), "{}", stderr(&signed));
    let status = run(&pairs(&with(&old, "")), &["keys", "status"]);
    let printed = String::from_utf8_lossy(&status.stdout).into_owned();
    let public = printed
        .split("CAIRN_AUDIT_RETIRED_KEYS once it is replaced: ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .expect("the public half")
        .to_owned();

    // Replaced, and the old public half not kept: the checkpoint is refused.
    let refused = run(
        &pairs(&with(&new, "")),
        &["audit", "verify", "--checkpoint", path],
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("signature does not hold"),
        "{}",
        stderr(&refused)
    );
    // Kept as retired: the old checkpoint verifies, and so does one the new
    // key signs into the same file.
    let kept = with(&new, &public);
    let newer = run(&pairs(&kept), &["audit", "checkpoint", "--out", path]);
    assert!(newer.status.success(), "{}", stderr(&newer));
    let verified = run(&pairs(&kept), &["audit", "verify", "--checkpoint", path]);
    let _ = std::fs::remove_file(&file);
    assert!(verified.status.success(), "{}", stderr(&verified));
    assert!(
        String::from_utf8_lossy(&verified.stdout).contains("2 checkpoint(s) found"),
        "{}",
        String::from_utf8_lossy(&verified.stdout)
    );
    // A retired key that is not a public key is named.
    let malformed = run(&pairs(&with(&new, "not a key")), &["audit", "verify"]);
    assert_eq!(malformed.status.code(), Some(2));
    assert!(stderr(&malformed).contains("CAIRN_AUDIT_RETIRED_KEYS"));
}

/// The command line's variables for `db`, with `extra`.
fn env_of(db: &TestDb, extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("DATABASE_URL", db.url.clone()),
        ("CAIRN_MIGRATION_DATABASE_URL", db.owner_url.clone()),
    ];
    env.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    env
}

fn stdout_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_two_step_key_rotates_and_every_authenticator_still_works() {
    use crate::support::{TestApp, app::Browser};
    use app::backend::{identity::mfa::totp::now_secs, seed::DEMO_PASSWORD};
    use base64::{Engine, engine::general_purpose};
    use http::StatusCode;
    const THERAPIST: &str = "rowan.ellis@juniper-creek.example";
    let (old, new) = (
        general_purpose::STANDARD.encode([5u8; 32]),
        general_purpose::STANDARD.encode([6u8; 32]),
    );
    let app = TestApp::with_demo_and(&[("CAIRN_MFA_KEY", &old)]).await;
    let (secret, _) = {
        let mut browser = app.browser();
        browser.sign_in(THERAPIST, DEMO_PASSWORD).await;
        crate::mfa::enroll(&mut browser).await
    };
    // Signs in on `browser` with a password and the authenticator's code
    // `steps` ahead of now (each code is good once; one step either side
    // of the server's is accepted).
    let signs_in_with_a_code = async |mut browser: Browser, steps: u64| {
        browser.sign_in(THERAPIST, DEMO_PASSWORD).await;
        let code = secret.code_at(now_secs() + 30 * steps);
        let reply = browser.call("/api/sign-in-code", &[("code", &code)]).await;
        reply.status == StatusCode::OK
    };

    // Restarted with the new key current and the old one retired: the
    // secret sealed before still opens.
    let (current, retired) = (format!("2:{new}"), format!("1:{old}"));
    let rotated = [
        ("CAIRN_MFA_KEY", current.as_str()),
        ("CAIRN_MFA_RETIRED_KEYS", retired.as_str()),
    ];
    let during = Browser::new(app.another_instance_with(&rotated));
    assert!(
        signs_in_with_a_code(during, 0).await,
        "opens with the retired key"
    );
    let vars = env_of(&app.db, &rotated);
    let before = run(&pairs(&vars), &["keys", "status"]);
    assert!(
        stdout_of(&before).contains("1 two-step secret(s) are sealed with an older MFA key"),
        "{}",
        stdout_of(&before)
    );
    let resealed = run(&pairs(&vars), &["keys", "reseal-mfa"]);
    assert!(resealed.status.success(), "{}", stderr(&resealed));
    assert!(
        stdout_of(&resealed).contains("Re-sealed 1 authenticator secret(s)"),
        "{}",
        stdout_of(&resealed)
    );
    let again = run(&pairs(&vars), &["keys", "reseal-mfa"]);
    assert!(
        stdout_of(&again).contains("Re-sealed 0 authenticator secret(s)"),
        "a second run has nothing left: {}",
        stdout_of(&again)
    );

    // The old key removed: the code still works, and status sees nothing
    // left under it.
    let only_new = [("CAIRN_MFA_KEY", current.as_str())];
    let after = Browser::new(app.another_instance_with(&only_new));
    assert!(
        signs_in_with_a_code(after, 1).await,
        "opens with the new key alone"
    );
    let status = run(&pairs(&env_of(&app.db, &only_new)), &["keys", "status"]);
    let text = stdout_of(&status);
    assert!(
        text.contains("two-step (MFA) key version 2: seals 1 secrets"),
        "{text}"
    );
    assert!(!text.contains("older MFA key"), "{text}");
}

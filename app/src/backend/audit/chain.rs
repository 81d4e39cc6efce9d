//! The hash chain: each event's hash covers a canonical, versioned encoding
//! of the event and the hash before it, so changing, removing or reordering
//! any event breaks every link after it.
//!
//! The encoding is ours, not JSON: fixed field order, every field tagged
//! present/absent and length-prefixed, so no two different events encode
//! alike and nothing depends on how PostgreSQL prints a value. Never change
//! what `v1` covers; a new encoding gets a new version tag.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The `prev_hash` of the very first event.
pub const GENESIS: [u8; 32] = [0; 32];

const VERSION_TAG: &[u8] = b"cairn-audit-event/v1";

/// Everything an event's hash covers (all but its id and its own hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Covered<'a> {
    /// Microseconds since the Unix epoch (what PostgreSQL keeps).
    pub occurred_at_micros: i64,
    pub organization_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub actor_role: Option<&'a str>,
    pub client_ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub session_hash: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub action: &'a str,
    pub resource_type: Option<&'a str>,
    pub resource_id: Option<&'a str>,
    pub patient_id: Option<Uuid>,
    pub subject_user_id: Option<Uuid>,
    pub outcome: &'a str,
    pub reason: Option<&'a str>,
    pub details: &'a BTreeMap<String, String>,
}

/// SHA-256 over the version tag, `prev` and the event.
pub fn link(prev: &[u8; 32], event: &Covered<'_>) -> [u8; 32] {
    let mut out = Encoder(Sha256::new());
    out.raw(VERSION_TAG);
    out.raw(prev);
    out.raw(&event.occurred_at_micros.to_be_bytes());
    out.uuid(event.organization_id);
    out.uuid(event.actor_id);
    out.text(event.actor_role);
    out.text(event.client_ip);
    out.text(event.user_agent);
    out.text(event.session_hash);
    out.text(event.request_id);
    out.text(Some(event.action));
    out.text(event.resource_type);
    out.text(event.resource_id);
    out.uuid(event.patient_id);
    out.uuid(event.subject_user_id);
    out.text(Some(event.outcome));
    out.text(event.reason);
    out.raw(&len(event.details.len()));
    for (key, value) in event.details {
        out.text(Some(key));
        out.text(Some(value));
    }
    out.0.finalize().into()
}

fn len(n: usize) -> [u8; 4] {
    // Columns are length-checked far below 4 GiB.
    u32::try_from(n).unwrap_or(u32::MAX).to_be_bytes()
}

struct Encoder(Sha256);

impl Encoder {
    fn raw(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn text(&mut self, value: Option<&str>) {
        match value {
            None => self.raw(&[0]),
            Some(text) => {
                self.raw(&[1]);
                self.raw(&len(text.len()));
                self.raw(text.as_bytes());
            }
        }
    }

    fn uuid(&mut self, value: Option<Uuid>) {
        match value {
            None => self.raw(&[0]),
            Some(id) => {
                self.raw(&[1]);
                self.raw(id.as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(details: &BTreeMap<String, String>) -> Covered<'_> {
        Covered {
            occurred_at_micros: 1_795_000_000_000_000,
            organization_id: Some(Uuid::from_u128(1)),
            actor_id: Some(Uuid::from_u128(2)),
            actor_role: Some("therapist"),
            client_ip: Some("127.0.0.1"),
            user_agent: None,
            session_hash: None,
            request_id: Some("r-1"),
            action: "record.viewed",
            resource_type: Some("patient"),
            resource_id: Some("7"),
            patient_id: Some(Uuid::from_u128(3)),
            subject_user_id: None,
            outcome: "allowed",
            reason: None,
            details,
        }
    }

    #[test]
    fn every_field_and_the_previous_hash_change_the_link() {
        let details = BTreeMap::from([("tab".to_owned(), "notes".to_owned())]);
        let base = event(&details);
        let original = link(&GENESIS, &base);
        assert_eq!(original, link(&GENESIS, &base), "deterministic");
        assert_ne!(original, link(&[1; 32], &base));
        let other_details = BTreeMap::from([("tab".to_owned(), "plan".to_owned())]);
        let changes: Vec<Covered<'_>> = vec![
            Covered {
                occurred_at_micros: base.occurred_at_micros + 1,
                ..base.clone()
            },
            Covered {
                organization_id: None,
                ..base.clone()
            },
            Covered {
                actor_id: Some(Uuid::from_u128(9)),
                ..base.clone()
            },
            Covered {
                actor_role: Some("admin"),
                ..base.clone()
            },
            Covered {
                client_ip: Some("127.0.0.2"),
                ..base.clone()
            },
            Covered {
                user_agent: Some(""),
                ..base.clone()
            },
            Covered {
                session_hash: Some("x"),
                ..base.clone()
            },
            Covered {
                request_id: None,
                ..base.clone()
            },
            Covered {
                action: "record.updated",
                ..base.clone()
            },
            Covered {
                resource_type: None,
                ..base.clone()
            },
            Covered {
                resource_id: Some("8"),
                ..base.clone()
            },
            Covered {
                patient_id: None,
                ..base.clone()
            },
            Covered {
                subject_user_id: Some(Uuid::from_u128(3)),
                ..base.clone()
            },
            Covered {
                outcome: "denied",
                ..base.clone()
            },
            Covered {
                reason: Some("because"),
                ..base.clone()
            },
            Covered {
                details: &other_details,
                ..base.clone()
            },
        ];
        for changed in changes {
            assert_ne!(original, link(&GENESIS, &changed), "{changed:?}");
        }
    }

    #[test]
    fn field_boundaries_cannot_be_shifted() {
        // "ab" + "c" must not hash like "a" + "bc", nor absent like empty.
        let details = BTreeMap::new();
        let a = Covered {
            resource_type: Some("ab"),
            resource_id: Some("c"),
            ..event(&details)
        };
        let b = Covered {
            resource_type: Some("a"),
            resource_id: Some("bc"),
            ..event(&details)
        };
        assert_ne!(link(&GENESIS, &a), link(&GENESIS, &b));
        let absent = Covered {
            reason: None,
            ..event(&details)
        };
        let empty = Covered {
            reason: Some(""),
            ..event(&details)
        };
        assert_ne!(link(&GENESIS, &absent), link(&GENESIS, &empty));
    }
}

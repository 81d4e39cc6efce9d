//! Identity: who someone is and how they prove it. Accounts and their
//! passwords (argon2id, the NIST rules), invitations, the practice's people,
//! two-step verification, sessions, the role proofs the rest asks for
//! (`authz`), and the security events shown to their owners.
//!
//! May use: the vault (TOTP secrets), the audit trail, and the plumbing
//! (db, mail, throttle, client, secret, dates). Used by: the records (the
//! signed-in person and role proofs), the server functions and the server.
//! Nothing here reads a patient's record.

pub mod accounts;
pub mod authz;
pub mod invitations;
pub mod mfa;
pub mod password;
pub mod password_rules;
pub mod people;
pub mod security_events;
pub mod session;

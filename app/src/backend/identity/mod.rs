//! Identity: who someone is and how they prove it. Accounts and their
//! passwords (argon2id, the NIST rules), invitations, the practice's people,
//! two-step verification, sessions, the role proofs the rest asks for
//! (`authz`), the security events shown to their owners, and accounts
//! gone unused.
//!
//! May use: the vault (TOTP secrets, patients' sealed account names and
//! emails), the audit trail, and the plumbing (db, throttle, client,
//! secret, dates). Used by: the records (the signed-in person, role proofs,
//! staff names), mail, the server functions and the server. Nothing here
//! opens a patient's record (People reads only which record an account
//! has, to record the listing against it).

pub mod account_identity;
pub mod accounts;
pub mod authz;
pub mod invitations;
pub mod mfa;
pub mod passkeys;
pub mod password;
pub mod password_rules;
pub mod people;
pub mod security_events;
pub mod session;
pub mod unused;

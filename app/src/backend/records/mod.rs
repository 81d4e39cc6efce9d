//! Records: the patient's record and the one way to reach it. The access
//! policy (`access`: decide, then spend the grant inside the transaction
//! that records it) hands out the only value the vault opens a patient's
//! data with; patients, notes, diagnoses, treatment and safety plans, questionnaires
//! (measures), the care team, emergency access and the reasons given for
//! it are read and written through it.
//!
//! May use: identity (who is asking, role proofs), the vault, the audit
//! trail, and the plumbing. Used by: the server functions, the demo seed,
//! and the server's commands. Identity never uses the records.

pub mod access;
pub mod admission;
pub mod amendments;
pub mod care_team;
pub mod consents;
pub mod desk;
pub mod details;
pub mod diagnoses;
pub mod disclosures;
pub mod emergency;
pub mod emergency_reasons;
pub mod export;
pub mod insurance;
pub mod measures;
pub mod names;
pub mod notes;
pub mod patients;
pub mod plans;
pub mod retention;
pub mod sealing;

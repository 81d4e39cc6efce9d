//! The audit trail: who did what to which record, from where, and how it
//! ended. Append-only in the database (a trigger refuses UPDATE, DELETE and
//! TRUNCATE; the application's role may only INSERT and SELECT) and
//! tamper-evident (a hash chain, [`chain`], that [`verify`] recomputes and
//! signed checkpoints, [`checkpoint`], pin from outside the database).
//!
//! Record with [`record`], inside the transaction of the action it
//! describes: if the audit write fails, the action fails with it.

pub mod alerts;
pub mod chain;
pub mod checkpoint;
mod event;
pub mod refusals;
pub mod review;
pub mod tally;
pub mod verify;

pub use event::{Actor, Details, Event, LANES, Origin, authorize, record, record_all};

//! Server-only backend (`ssr`): everything that touches the database or
//! secrets. Nothing in here is compiled into the browser bundle.

pub mod access;
pub mod accounts;
pub mod admission;
pub mod audit;
pub mod authz;
pub mod care_team;
pub mod client;
pub mod dates;
pub mod db;
pub mod diagnoses;
pub mod emergency;
pub mod emergency_reasons;
pub mod invitations;
pub mod mail;
pub mod mfa;
pub mod notes;
pub mod organizations;
pub mod password;
pub mod password_rules;
pub mod patients;
pub mod people;
pub mod sealing;
pub mod secret;
pub mod security_events;
pub mod seed;
pub mod session;
pub mod state;
pub mod throttle;
pub mod treatment_plan;
pub mod vault;

pub use state::{AppState, SignInPolicy};

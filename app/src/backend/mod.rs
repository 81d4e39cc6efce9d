//! Server-only backend (`ssr`): everything that touches the database or
//! secrets. Nothing in here is compiled into the browser bundle.
//!
//! The folders are the architecture: [`identity`] (who someone is),
//! [`records`] (the patient's record and the one way to reach it),
//! [`vault`] (keys and sealing: the only way health information is
//! opened), [`audit`] (the trail, its verification, review and alerts).
//! The rest is plumbing: how many requests are served at once, the database, mail, metrics, throttles, client info,
//! secrets, settings an operator got wrong, dates, the practice, the shared state and the demo seed. No
//! module imports one that imports it back (`server/tests/architecture`).

pub mod audit;
pub mod client;
pub mod dates;
pub mod db;
pub mod identity;
pub mod mail;
pub mod metrics;
pub mod organizations;
pub mod outbound;
pub mod practice_settings;
pub mod records;
pub mod secret;
pub mod seed;
pub mod setting;
pub mod slots;
pub mod state;
pub mod throttle;
pub mod vault;

pub use state::{AppState, SignInPolicy};

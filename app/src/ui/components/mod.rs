//! Small reusable pieces.

mod field;
mod nav;
mod status;

pub use field::{FormAlert, PasswordField, TextField};
pub use nav::NavBar;
pub use status::{ErrorPage, HttpStatus, StatusPage, UnavailableNotice};

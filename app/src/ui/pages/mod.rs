//! One file per page.

mod home;
mod not_found;
mod security;
mod sign_in;

pub use home::HomePage;
pub use not_found::NotFound;
pub use security::SecurityPage;
pub use sign_in::SignInPage;

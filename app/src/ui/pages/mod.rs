//! One file per page.

mod home;
mod not_found;
mod sign_in;

pub use home::HomePage;
pub use not_found::NotFound;
pub use sign_in::SignInPage;

//! One file per page.

mod home;
mod invite;
mod not_found;
mod people;
mod security;
mod sign_in;

pub use home::HomePage;
pub use invite::InvitePage;
pub use not_found::NotFound;
pub use people::PeoplePage;
pub use security::SecurityPage;
pub use sign_in::SignInPage;

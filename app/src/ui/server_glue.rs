//! The one place the pages reach into the server's own state, compiled for
//! the server build only: everything else in `ui/` gets its data from
//! server functions, the same in both builds.

/// The CSRF token the server put on the request before rendering the page
/// (so a form rendered on the server carries it before hydration).
pub(super) fn page_token(parts: &http::request::Parts) -> Option<String> {
    parts
        .extensions
        .get::<crate::backend::identity::session::csrf::PageToken>()
        .map(|token| token.0.clone())
}

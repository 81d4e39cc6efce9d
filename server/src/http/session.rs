//! Sessions on every request: the cookie, and signed-in pages. (Activity
//! that keeps a session alive is recorded by loading it: see the store.)

use app::backend::{
    AppState,
    identity::session::{COOKIE_NAME, PgSessionStore},
};
use axum::{
    extract::Request,
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use http::Method;
use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite};

/// The tower-sessions layer with Cairn's cookie: `__Host-cairn`, Secure,
/// HttpOnly, SameSite=Strict, Path=/, and no Max-Age (the server decides
/// when a session ends; the cookie lives until the browser closes).
/// Browsers accept Secure cookies from http://127.0.0.1 and localhost, so
/// development and tests use the same cookie.
pub fn layer(state: &AppState) -> SessionManagerLayer<PgSessionStore> {
    SessionManagerLayer::new(PgSessionStore::new(state.db.clone(), state.sessions))
        .with_name(COOKIE_NAME)
        .with_secure(true)
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_path("/")
        .with_expiry(Expiry::OnSessionEnd)
}

/// A stranger asking for a signed-in page is sent to sign-in before
/// anything renders, and staff who must set up two-step verification are
/// sent to the setup (runs inside the session layer).
pub async fn signed_in_pages(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let protected =
        matches!(*request.method(), Method::GET | Method::HEAD) && app::ui::needs_sign_in(path);
    if protected {
        let signed_in = match request.extensions().get::<tower_sessions::Session>() {
            Some(session) => app::backend::identity::session::current(session).await,
            None => Ok(None),
        };
        match signed_in {
            Ok(Some(who)) if who.must_enroll && path != app::ui::SETUP_PAGE => {
                return Redirect::to(app::ui::SETUP_PAGE).into_response();
            }
            Ok(Some(_)) => {}
            // The page itself shows that the database is down.
            Err(_) => {}
            Ok(None) => return Redirect::to("/sign-in?reason=required").into_response(),
        }
    }
    next.run(request).await
}

//! Sessions on every request: the cookie, and activity that keeps a session
//! alive.

use app::api::GetSessionStatus;
use app::backend::{
    AppState,
    session::{COOKIE_NAME, PgSessionStore, activity, cookie_hash},
};
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use http::{HeaderMap, Method, header};
use leptos::server_fn::ServerFn;
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

/// Requests that must not count as activity: asking how long the session
/// has left (or polling would keep it alive forever), static files and
/// health checks.
fn is_passive(path: &str) -> bool {
    super::is_asset_or_probe(path)
        // The status check is passive by name of the server function itself.
        || path == <GetSessionStatus as ServerFn>::PATH
}

/// Moves the session's idle deadline for a real request, before anything
/// reads the session (an expired session then reads as signed out).
pub async fn touch_activity(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if !is_passive(request.uri().path())
        && let Some(hash) = session_cookie(request.headers()).and_then(cookie_hash)
        && let Ok(mut conn) = state.db.conn().await
        && let Err(error) = activity::touch(&mut conn, &hash).await
    {
        tracing::warn!(%error, "could not record session activity");
    }
    next.run(request).await
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
            Some(session) => app::backend::session::current(session).await,
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

/// The session cookie's value, if the request carries one.
fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(COOKIE_NAME)?.strip_prefix('='))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn finds_the_session_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; __Host-cairn=abc123"),
        );
        assert_eq!(session_cookie(&headers), Some("abc123"));
        headers.clear();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("__Host-cairnX=nope"),
        );
        assert_eq!(session_cookie(&headers), None);
    }

    #[test]
    fn the_status_check_is_not_activity() {
        assert!(is_passive("/api/session-status"));
        assert!(is_passive("/pkg/cairn.wasm"));
        assert!(!is_passive("/api/extend-session"));
        assert!(!is_passive("/home"));
    }
}

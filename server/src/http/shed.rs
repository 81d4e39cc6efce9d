//! Sign-ins turned away at the front door while the hasher is full.
//!
//! The sign-in function turns a request away itself when too many wait for
//! a password check (`Passwords`), but only after reading the visitor's
//! session, checking its token and looking the account up. Under a flood
//! that reading was most of the cost, taken from the pages of people
//! already signed in. So while the hasher is full a sign-in is answered
//! here, before anything is read: the same 429 and `Retry-After`, the same
//! for any account (nothing here looks at the form), counted for the trail,
//! after the pause every refusal for asking too much takes
//! (`throttle::REFUSAL_PAUSE`).

use app::{
    api::auth::SignIn,
    backend::{AppState, client::ClientInfo, identity::password::SHED_RETRY_SECS},
    error::AppError,
};
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use http::Method;
use leptos::server_fn::ServerFn;

pub async fn sign_ins_while_full(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let is_sign_in = request.method() == Method::POST && request.uri().path() == SignIn::PATH;
    if !is_sign_in || !state.passwords.is_full() {
        return next.run(request).await;
    }
    let ip = request
        .extensions()
        .get::<ClientInfo>()
        .and_then(|client| client.ip);
    state.passwords.turned_away().count(ip);
    let busy = super::throttle::answered_before_the_app(&AppError::Busy {
        retry_after_secs: SHED_RETRY_SECS,
    });
    super::throttle::after_a_pause(busy).await
}

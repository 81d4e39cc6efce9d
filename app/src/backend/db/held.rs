//! Which pooled connections the request being served holds.
//!
//! A request that holds a connection while it waits for something slow
//! (a password hash above all) takes that connection from everyone else:
//! ten sign-ins waiting for two hashing permits once held all ten, and
//! signed-in people's pages timed out waiting for the pool. So a request
//! counts the connections it holds ([`Conn`] counts itself), and the
//! password hasher refuses to start while the count is not zero
//! (`password::Passwords`): code that would hash with a connection in hand
//! fails in every test that reaches it, instead of under load.

use diesel_async::{AsyncPgConnection, pooled_connection::bb8::PooledConnection};
use std::{
    cell::Cell,
    future::Future,
    ops::{Deref, DerefMut},
};

tokio::task_local! {
    static HELD: Cell<u32>;
}

/// Runs `request` (one request's handling) counting the pooled connections
/// it holds.
pub async fn counting_connections<F: Future>(request: F) -> F::Output {
    HELD.scope(Cell::new(0), request).await
}

/// Pooled connections the current request holds now (0 outside a counted
/// request: a command line tool, a background task).
pub fn connections_held() -> u32 {
    HELD.try_with(Cell::get).unwrap_or(0)
}

/// A pooled connection for one unit of work; back to the pool when
/// dropped. Use it as the `AsyncPgConnection` it derefs to (`&mut conn`
/// for a backend function, `&mut *conn` for a query's `execute`).
pub struct Conn<'a>(PooledConnection<'a, AsyncPgConnection>);

impl<'a> Conn<'a> {
    pub(super) fn held(pooled: PooledConnection<'a, AsyncPgConnection>) -> Self {
        let _ = HELD.try_with(|held| held.set(held.get() + 1));
        Self(pooled)
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        let _ = HELD.try_with(|held| held.set(held.get().saturating_sub(1)));
    }
}

impl Deref for Conn<'_> {
    type Target = AsyncPgConnection;

    fn deref(&self) -> &AsyncPgConnection {
        &self.0
    }
}

impl DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut AsyncPgConnection {
        &mut self.0
    }
}

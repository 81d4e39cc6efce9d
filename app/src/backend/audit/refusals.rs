//! Whether the request being served has recorded a refusal already: the
//! server's refusal layer records a generic one only for a refusal that
//! was not (so nothing is recorded twice, and nothing is left out).

use std::{cell::Cell, future::Future};

tokio::task_local! {
    static RECORDED: Cell<bool>;
}

/// Runs `request` (a server function's handling) and answers its output
/// with whether it recorded a refusal (an event whose outcome is denied).
pub async fn watch<F: Future>(request: F) -> (F::Output, bool) {
    RECORDED
        .scope(Cell::new(false), async {
            let output = request.await;
            (output, RECORDED.with(Cell::get))
        })
        .await
}

/// Notes that a refusal was recorded (outside [`watch`], nothing to note).
pub(super) fn noted() {
    // Err only outside a watched request: nobody is asking.
    let _ = RECORDED.try_with(|recorded| recorded.set(true));
}

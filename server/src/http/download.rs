//! What a download route answers: the file, or a refusal in plain words.
//! One shape for every file Cairn sends (the access log, a record).

use app::error::AppError;
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};

/// `body` as a file the browser saves as `filename`; never cached.
pub fn attachment(content_type: &'static str, filename: &'static str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// `error` with its status and `message` (what the person can do about
/// it), never the error's internals.
pub fn refused(error: &AppError, message: String) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, message).into_response()
}

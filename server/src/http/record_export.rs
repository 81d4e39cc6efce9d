//! `GET /me/record.json` and `GET /patients/{id}/record.json`: a patient's
//! record as a FHIR R4 bundle, downloaded as a file. Plain routes rather
//! than server functions so the browser saves the file; the copy itself
//! (step-up, policy, the recorded read) is `app::api::record`'s, the same
//! as the readable copy's.

use super::download;
use app::{
    api::record::{self, Whose},
    backend::{AppState, client::ClientInfo},
    error::AppError,
};
use axum::{
    Extension,
    extract::{Path, State},
    response::Response,
};
use tower_sessions::Session;
use uuid::Uuid;

pub async fn own(
    State(state): State<AppState>,
    session: Session,
    Extension(client): Extension<ClientInfo>,
) -> Response {
    bundle(state, session, client, Whose::Own).await
}

pub async fn of_patient(
    State(state): State<AppState>,
    session: Session,
    Extension(client): Extension<ClientInfo>,
    Path(patient_id): Path<Uuid>,
) -> Response {
    bundle(state, session, client, Whose::Patient(patient_id)).await
}

async fn bundle(
    state: AppState,
    session: Session,
    mut client: ClientInfo,
    whose: Whose,
) -> Response {
    client.set_session(&session);
    match record::fhir_bundle(state, &session, client, whose).await {
        Ok(json) => download::attachment(
            "application/fhir+json; charset=utf-8",
            "record.fhir.json",
            json,
        ),
        Err(error) => {
            // Said plainly: the page the link is on explains what to do.
            let message = match &error {
                AppError::StepUpRequired => "Please confirm it is you again on the page you came from, then download the file.".to_owned(),
                other => other.to_string(),
            };
            download::refused(&error, message)
        }
    }
}

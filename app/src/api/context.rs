//! The request context every record function starts from: who is asking,
//! from where, through which endpoint, and the server's state, with the
//! steps each takes as methods. A function body then reads
//! *principal -> policy -> act (recorded) -> model*:
//!
//! ```ignore
//! let request = Request::anyone("chart").await?;            // principal
//! let grant = request.decide(patient_id, Reach::Chart).await?; // policy
//! request.read(grant, AuditAction::RecordViewed, |conn, vault, access| {
//!     Box::pin(async move { /* open, build the model */ })  // act + audit
//! }).await
//! ```
//!
//! Every refusal on the way is recorded; the capability that opens a
//! record comes only from the policy's grant, spent inside the transaction
//! that records it (`backend::records::access`).

use crate::{
    backend::{
        AppState,
        dates::Zone,
        db::{Conn, Connection},
        identity::session::SignedIn,
        records::access::{self, Caller, Grant, PatientAccess, Reach, ReadError, Work},
        vault::Vault,
    },
    error::AppError,
    model::audit::AuditAction,
};
use uuid::Uuid;

/// One signed-in request to a record endpoint.
pub(crate) struct Request {
    pub caller: Caller,
    pub state: AppState,
}

impl Request {
    /// Anyone signed in: the patient-level policy decides what they reach.
    /// Someone not signed in is refused (401), and since they asked for a
    /// record, the refusal is recorded too.
    pub async fn anyone(endpoint: &'static str) -> Result<Self, AppError> {
        let who = match super::signed_in().await {
            Ok((_, who)) => who,
            Err(AppError::Unauthenticated) => {
                return Err(super::anonymous_refused(endpoint).await);
            }
            Err(error) => return Err(error),
        };
        Ok(Self {
            caller: Caller::new(who, super::client().await, endpoint),
            state: super::state()?,
        })
    }

    /// Only those `check` lets through (a role, answered as its proof):
    /// anyone else is refused (403, recorded), someone not signed in too
    /// (401, recorded).
    pub async fn only<P>(
        endpoint: &'static str,
        check: fn(&SignedIn) -> Result<P, AppError>,
    ) -> Result<(Self, P), AppError> {
        let request = Self::anyone(endpoint).await?;
        let proof = request.authorize(check).await?;
        Ok((request, proof))
    }

    /// The context of a plain route (a download), which has the state, the
    /// session and the client at hand rather than in a server function's
    /// context. Someone not signed in is refused (401).
    pub async fn of_route(
        state: AppState,
        session: &tower_sessions::Session,
        client: crate::backend::client::ClientInfo,
        endpoint: &'static str,
    ) -> Result<Self, AppError> {
        let who = crate::backend::identity::session::signed_in(session).await?;
        Ok(Self {
            caller: Caller::new(who, client, endpoint),
            state,
        })
    }

    /// The proof `check` gives for the caller (their role), or the refusal
    /// (403), recorded.
    pub async fn authorize<P>(
        &self,
        check: fn(&SignedIn) -> Result<P, AppError>,
    ) -> Result<P, AppError> {
        let caller = &self.caller;
        let mut conn = self.conn().await?;
        crate::backend::audit::authorize(
            &mut conn,
            &caller.who,
            caller.endpoint,
            check,
            &caller.client,
        )
        .await
    }

    pub fn who(&self) -> &SignedIn {
        &self.caller.who
    }

    /// The caller's practice's time zone, which the page's times are
    /// written in.
    pub async fn zone(&self) -> Result<Zone, AppError> {
        if let Some(zone) = self.state.zones.remembered(self.who().organization_id) {
            return Ok(zone);
        }
        let mut conn = self.conn().await?;
        Ok(self
            .state
            .zones
            .of(&mut conn, self.who().organization_id)
            .await?)
    }

    /// A connection from the pool, for the backend's functions.
    pub async fn conn(&self) -> Result<Conn<'_>, AppError> {
        self.state.db.conn().await
    }

    /// Asks the policy whether the caller may `reach` patient
    /// `patient_id`'s record: a grant, or the recorded "not found".
    pub async fn decide(&self, patient_id: Uuid, reach: Reach) -> Result<Grant, AppError> {
        self.decide_on(&mut *self.conn().await?, patient_id, reach)
            .await
    }

    /// [`Self::decide`] on a connection the function already holds (one
    /// connection from the policy to the record: a hot page takes the
    /// pool once, not twice).
    pub async fn decide_on(
        &self,
        conn: &mut Connection,
        patient_id: Uuid,
        reach: Reach,
    ) -> Result<Grant, AppError> {
        access::decide(conn, &self.caller, patient_id, reach).await
    }

    /// [`Self::decide`] for the patient a part of a record looked up by its
    /// own id belongs to (`None`: nothing by that id in the caller's
    /// practice, answered as the recorded "not found").
    pub async fn decide_found(
        &self,
        patient_id: Option<Uuid>,
        reach: Reach,
    ) -> Result<Grant, AppError> {
        match patient_id {
            Some(patient_id) => self.decide(patient_id, reach).await,
            None => Err(self.refuse(None, AppError::NotFound).await),
        }
    }

    /// `answer`, with a not-found (an item of the record that is not the
    /// patient's, or no longer there) recorded as a refusal: the act's own
    /// transaction, and its record, went back with it.
    pub async fn not_found_recorded<T>(
        &self,
        patient_id: Uuid,
        answer: Result<T, AppError>,
    ) -> Result<T, AppError> {
        match answer {
            Err(AppError::NotFound) => Err(self.refuse(Some(patient_id), AppError::NotFound).await),
            other => other,
        }
    }

    /// Records a refusal (naming the patient, when there is one) and
    /// answers `answer`.
    pub async fn refuse(&self, patient_id: Option<Uuid>, answer: AppError) -> AppError {
        match self.conn().await {
            Ok(mut conn) => access::refuse(&mut conn, &self.caller, patient_id, answer).await,
            Err(error) => error,
        }
    }

    /// Spends `grant` on a read: `work` runs in one transaction that
    /// records the access as `action`. A value that does not open is
    /// recorded, and answered as unreadable, never as an empty record.
    pub async fn read<T: Send>(
        &self,
        grant: Grant,
        action: AuditAction,
        work: impl for<'c> FnOnce(
            &'c mut Connection,
            &'c Vault,
            &'c PatientAccess,
        ) -> Work<'c, T, ReadError>
        + Send,
    ) -> Result<T, AppError> {
        self.read_on(&mut *self.conn().await?, grant, action, work)
            .await
    }

    /// [`Self::read`] on a connection the function already holds.
    pub async fn read_on<T: Send>(
        &self,
        conn: &mut Connection,
        grant: Grant,
        action: AuditAction,
        work: impl for<'c> FnOnce(
            &'c mut Connection,
            &'c Vault,
            &'c PatientAccess,
        ) -> Work<'c, T, ReadError>
        + Send,
    ) -> Result<T, AppError> {
        let patient_id = grant.patient_id();
        let read = access::within(conn, &self.state.vault, grant, action, work).await;
        access::settle(conn, &self.caller, patient_id, action, read).await
    }

    /// Spends `grant` on a change: `work` runs in one transaction that
    /// records it as `action` (all of it, or none).
    pub async fn act<T: Send>(
        &self,
        grant: Grant,
        action: AuditAction,
        work: impl for<'c> FnOnce(
            &'c mut Connection,
            &'c Vault,
            &'c PatientAccess,
        ) -> Work<'c, T, AppError>
        + Send,
    ) -> Result<T, AppError> {
        let mut conn = self.conn().await?;
        access::within(&mut conn, &self.state.vault, grant, action, work).await
    }
}

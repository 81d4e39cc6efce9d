//! The access review (administrators) and "who accessed my record"
//! (everyone, about themselves). Reading the log is itself recorded; so is
//! verifying the chain. The CSV export is a plain download route in the
//! server (`server/src/http/audit_export.rs`) over the same functions.

use crate::{
    error::AppError,
    model::audit::{AlertList, AuditOverview, AuditPage, AuditQuery, ChainStatus, RecordAccess},
};
use leptos::{prelude::*, server_fn::codec::GetUrl};

/// One page of the access log for the filters in `query`.
#[server(prefix = "/api", endpoint = "audit-log", input = GetUrl)]
pub async fn get_audit_log(query: AuditQuery) -> Result<AuditPage, AppError> {
    use crate::{
        backend::{audit::review, identity::authz::Admin},
        model::audit::AuditAction,
    };
    let (_, who) = super::signed_in().await?;
    let admin = super::authorize(&who, "audit-log", Admin::check).await?;
    let state = super::state()?;
    let client = super::client().await;
    let mut conn = state.db.conn().await?;
    let filter = review::filter(&mut conn, admin, &query).await?;
    let page = review::page(&mut conn, &state.vault, admin, &filter).await?;
    review::record_review(
        &mut conn,
        admin,
        AuditAction::AuditViewed,
        &filter,
        page.rows.len(),
        &client,
    )
    .await?;
    Ok(page)
}

/// Counts and charts for the last `period` ("24h", "7d" or "30d").
#[server(prefix = "/api", endpoint = "audit-overview", input = GetUrl)]
pub async fn get_audit_overview(period: String) -> Result<AuditOverview, AppError> {
    use crate::backend::{audit::review, identity::authz::Admin};
    let (_, who) = super::signed_in().await?;
    let admin = super::authorize(&who, "audit-overview", Admin::check).await?;
    let state = super::state()?;
    let mut conn = state.db.conn().await?;
    review::overview(&mut conn, &state.vault, admin, &period).await
}

/// When the chain was last verified, and what was found.
#[server(prefix = "/api", endpoint = "audit-chain", input = GetUrl)]
pub async fn get_chain_status() -> Result<ChainStatus, AppError> {
    use crate::backend::{audit::verify, identity::authz::Admin};
    let (_, who) = super::signed_in().await?;
    super::authorize(&who, "audit-chain", Admin::check).await?;
    let state = super::state()?;
    let mut conn = state.db.conn().await?;
    verify::status(&mut conn).await
}

/// Recomputes the whole chain now, keeps the result, and answers the new
/// status.
#[server(prefix = "/api", endpoint = "audit-verify")]
pub async fn verify_audit_chain(csrf_token: String) -> Result<ChainStatus, AppError> {
    use crate::{
        backend::{
            audit::{self, Actor, Details, Event, Origin, verify},
            identity::authz::Admin,
        },
        model::audit::{AuditAction, AuditOutcome},
    };
    super::checked_at_the_edge(csrf_token);
    let (_, who) = super::signed_in().await?;
    let admin = super::authorize(&who, "audit-verify", Admin::check).await?;
    let state = super::state()?;
    let client = super::client().await;
    super::throttle_person(&state, &client, who.user_id)?;
    let mut conn = state.db.conn().await?;
    let report = verify::verify(&mut conn, &[]).await?;
    verify::remember(&mut conn, &report).await?;
    let outcome = if report.ok() {
        AuditOutcome::Allowed
    } else {
        AuditOutcome::Error
    };
    let event = Event::new(
        AuditAction::AuditVerified,
        outcome,
        Actor::from(admin),
        Origin::from(&client),
    )
    .details(
        Details::new()
            .with("events", report.events)
            .with("intact", report.ok()),
    );
    audit::record(&mut conn, event).await?;
    verify::status(&mut conn).await
}

/// The alerts of the last 30 days, open ones first.
#[server(prefix = "/api", endpoint = "audit-alerts", input = GetUrl)]
pub async fn get_audit_alerts() -> Result<AlertList, AppError> {
    use crate::backend::{audit::alerts, identity::authz::Admin, records::emergency_reasons};
    const ENDPOINT: &str = "audit-alerts";
    let (_, who) = super::signed_in().await?;
    let admin = super::authorize(&who, ENDPOINT, Admin::check).await?;
    let state = super::state()?;
    let client = super::client().await;
    let mut conn = state.db.conn().await?;
    let mut list = alerts::list(&mut conn, &state.vault, admin, state.alerts).await?;
    // Emergency reasons are sealed with their patients' keys: read (and
    // recorded) for the alerts listed.
    let ids: Vec<uuid::Uuid> = list
        .alerts
        .iter()
        .filter_map(|a| a.emergency_access)
        .collect();
    let caller = crate::backend::records::access::Caller::new(who, client, ENDPOINT);
    let reasons = emergency_reasons::read(&mut conn, &state.vault, &admin, &caller, &ids).await?;
    for alert in &mut list.alerts {
        alert.reason = alert
            .emergency_access
            .and_then(|id| reasons.get(&id).cloned());
    }
    Ok(list)
}

/// Marks alert `alert` reviewed through event `through` (the newest one
/// the reviewer was shown), with an optional note. Recorded in the trail.
#[server(prefix = "/api", endpoint = "audit-alert-review")]
pub async fn review_alert(
    csrf_token: String,
    alert: String,
    through: i64,
    note: String,
) -> Result<(), AppError> {
    use crate::backend::{audit::alerts, identity::authz::Admin};
    super::checked_at_the_edge(csrf_token);
    let (_, who) = super::signed_in().await?;
    let admin = super::authorize(&who, "audit-alert-review", Admin::check).await?;
    let state = super::state()?;
    let client = super::client().await;
    let mut conn = state.db.conn().await?;
    alerts::mark_reviewed(
        &mut conn,
        &state.vault,
        admin,
        state.alerts,
        alerts::Review {
            alert: &alert,
            through,
            note: &note,
        },
        &client,
    )
    .await
}

/// Staff's accesses to the signed-in person's record and account.
#[server(prefix = "/api", endpoint = "my-record-access", input = GetUrl)]
pub async fn get_my_record_access() -> Result<Vec<RecordAccess>, AppError> {
    use crate::backend::{audit::review, records::patients};
    let (_, who) = super::signed_in().await?;
    let state = super::state()?;
    let mut conn = state.db.conn().await?;
    let record = patients::of_user(&mut conn, who.user_id, who.organization_id).await?;
    review::accesses_to(&mut conn, who.user_id, record, who.organization_id).await
}

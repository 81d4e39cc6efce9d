//! The access log as CSV, and the record that it was exported (or viewed).

use super::{EXPORT_LIMIT, Filter, practice_people, rows, select};
use crate::backend::audit::{Actor, Event, Origin};
use crate::{
    backend::{client::ClientInfo, identity::authz::Admin},
    error::AppError,
    model::audit::{AuditAction, AuditOutcome, PersonRef},
};
use diesel_async::AsyncPgConnection;

/// The export: every event `filter` selects (up to [`EXPORT_LIMIT`]) as
/// CSV, and how many there were. The caller records the export.
pub async fn export_csv(
    conn: &mut AsyncPgConnection,
    vault: &crate::backend::vault::Vault,
    admin: Admin,
    filter: &Filter,
) -> Result<(String, usize), AppError> {
    let stored = select(conn, admin.organization_id, filter, EXPORT_LIMIT).await?;
    let people = practice_people(conn, vault, admin.organization_id).await?;
    let rows = rows(stored, &people, crate::backend::dates::utc);
    let mut out = String::from(
        "id,time_utc,actor,actor_role,action,outcome,concerning,resource,ip,user_agent,session,request_id,reason,details\n",
    );
    for row in &rows {
        let person = |p: &Option<PersonRef>| p.as_ref().map(|p| p.name.clone()).unwrap_or_default();
        let details: Vec<String> = row
            .details
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let cells = [
            row.id.to_string(),
            row.at.clone(),
            person(&row.actor),
            row.actor
                .as_ref()
                .map(|p| p.role.as_str().to_owned())
                .unwrap_or_default(),
            row.action.as_str().to_owned(),
            row.outcome.as_str().to_owned(),
            row.subjects
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join("; "),
            row.resource
                .as_ref()
                .map(|(k, id)| format!("{k}:{id}"))
                .unwrap_or_default(),
            row.ip.clone().unwrap_or_default(),
            row.user_agent.clone().unwrap_or_default(),
            row.session.clone().unwrap_or_default(),
            row.request_id.clone().unwrap_or_default(),
            row.reason.clone().unwrap_or_default(),
            details.join(" "),
        ];
        let line: Vec<String> = cells.iter().map(|cell| csv_cell(cell)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    Ok((out, rows.len()))
}

/// One CSV cell: quoted when it holds a comma, quote or line break; a
/// leading `=`, `+`, `-` or `@` is defused with `'` so a spreadsheet does
/// not run it as a formula (a user agent is whatever the client sent).
fn csv_cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// Records that `admin` exported (or viewed) the log with `filter`; the
/// filter's shape goes in the details, never its free text.
pub async fn record_review(
    conn: &mut AsyncPgConnection,
    admin: Admin,
    action: AuditAction,
    filter: &Filter,
    rows: usize,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let mut details = crate::backend::audit::Details::new()
        .with("rows", i64::try_from(rows).unwrap_or(i64::MAX))
        .with(
            "filtered_by_time",
            filter.from.is_some() || filter.until.is_some(),
        )
        .with("filtered_by_ip", filter.ip.is_some());
    if let Some(action) = filter.action {
        details = details.with("action", action.as_str());
    }
    if let Some(outcome) = filter.outcome {
        details = details.with("outcome", outcome.as_str());
    }
    if let Some(actor) = filter.actor {
        details = details.with("actor", actor);
    }
    let mut event = Event::new(
        action,
        AuditOutcome::Allowed,
        Actor::from(admin),
        Origin::from(client),
    )
    .details(details);
    if let Some(subject) = filter.subject {
        event = event.about_user(subject);
    }
    crate::backend::audit::record(conn, event).await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("line\nbreak"), "\"line\nbreak\"");
    }
}

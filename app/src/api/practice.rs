//! Public facts about the practice, for pages shown before sign-in.

use crate::{error::AppError, model::PracticeInfo};
use leptos::{prelude::*, server_fn::codec::GetUrl};

/// The practice's name for the sign-in page. Reads the database, so it also
/// shows whether Cairn can reach it.
#[server(prefix = "/api", endpoint = "practice-info", input = GetUrl)]
pub async fn get_practice_info() -> Result<PracticeInfo, AppError> {
    use crate::backend::organizations;
    let state = super::state()?;
    let mut conn = state.db.conn().await?;
    let name = organizations::single_practice_name(&mut conn).await?;
    Ok(PracticeInfo {
        name,
        passkeys: state.passkeys.available(),
    })
}

/// The practice's settings (administrators).
#[server(prefix = "/api", endpoint = "practice-settings", input = GetUrl)]
pub async fn get_practice_settings() -> Result<crate::model::PracticeSettings, AppError> {
    use crate::backend::{dates::Zone, identity::authz::Admin, practice_settings};
    let (_, who) = super::signed_in().await?;
    let admin = super::authorize(&who, "practice-settings", Admin::check).await?;
    let state = super::state()?;
    let mut conn = state.db.conn().await?;
    let zone = state.zones.of(&mut conn, admin.organization_id).await?;
    let practice_settings::Settings {
        name,
        questionnaires,
        retention,
    } = practice_settings::all(&mut conn, admin.organization_id).await?;
    Ok(crate::model::PracticeSettings {
        name,
        time_zone: zone.name().to_owned(),
        now: zone.minute(time::OffsetDateTime::now_utc()),
        choices: Zone::choices(),
        crisis_resources: questionnaires.crisis_resources,
        patients_see_scores: questionnaires.patients_see_scores,
        retention_years: retention.years,
        age_of_majority: retention.age_of_majority,
    })
}

/// An administrator changing a setting of the practice: who (refused,
/// recorded, if not an administrator) and the request, the change counted
/// against them like any sensitive form.
#[cfg(feature = "ssr")]
async fn changing(
    endpoint: &'static str,
) -> Result<
    (
        super::context::Request,
        crate::backend::identity::authz::Admin,
    ),
    AppError,
> {
    use crate::backend::identity::authz::Admin;
    let (request, admin) = super::context::Request::only(endpoint, Admin::check).await?;
    super::throttle_person(&request.state, &request.caller.client, admin.user_id)?;
    Ok((request, admin))
}

/// Sets the practice's time zone (administrators): every page then writes
/// times, and groups days, in it. Recorded, with the zone it replaced.
#[server(prefix = "/api", endpoint = "practice-time-zone")]
pub async fn set_practice_time_zone(csrf_token: String, time_zone: String) -> Result<(), AppError> {
    use crate::backend::practice_settings;
    super::checked_at_the_edge(csrf_token);
    let (request, admin) = changing("practice-time-zone").await?;
    let state = &request.state;
    let mut conn = request.conn().await?;
    practice_settings::change_time_zone(
        &mut conn,
        &state.zones,
        admin,
        &time_zone,
        &request.caller.client,
    )
    .await?;
    Ok(())
}

/// Sets how the practice runs questionnaires (administrators): the crisis
/// resources a patient sees at once when their answer to a safety item is
/// positive, and whether patients see their own scores. Recorded.
#[server(prefix = "/api", endpoint = "practice-questionnaires")]
pub async fn set_practice_questionnaires(
    csrf_token: String,
    #[server(default)] crisis_resources: String,
    #[server(default)] patients_see_scores: String,
) -> Result<(), AppError> {
    use crate::backend::practice_settings;
    super::checked_at_the_edge(csrf_token);
    let (request, admin) = changing("practice-questionnaires").await?;
    let new = practice_settings::Questionnaires {
        crisis_resources: practice_settings::check_crisis_resources(&crisis_resources)?,
        // A checkbox: sent ("on") when ticked, absent when not.
        patients_see_scores: !patients_see_scores.is_empty(),
    };
    let mut conn = request.conn().await?;
    practice_settings::change_questionnaires(&mut conn, admin, &new, &request.caller.client).await
}

/// Sets how long the practice keeps records (administrators): years after
/// the last activity, and the age of majority a minor's period counts
/// from. Each checked beside its field; recorded with what it replaced.
#[server(prefix = "/api", endpoint = "practice-retention")]
pub async fn set_practice_retention(
    csrf_token: String,
    #[server(default)] retention_years: String,
    #[server(default)] age_of_majority: String,
) -> Result<(), AppError> {
    use crate::backend::practice_settings;
    super::checked_at_the_edge(csrf_token);
    let (request, admin) = changing("practice-retention").await?;
    let new = practice_settings::check_retention(&retention_years, &age_of_majority)?;
    let mut conn = request.conn().await?;
    practice_settings::change_retention(&mut conn, admin, new, &request.caller.client).await
}

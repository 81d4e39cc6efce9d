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
    Ok(PracticeInfo { name })
}

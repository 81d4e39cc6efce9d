//! People: inviting them, using an invitation, and (administrators)
//! managing accounts.

use crate::{
    error::AppError,
    model::{InvitationLink, InvitationView, PersonRow, Role},
};
use leptos::{prelude::*, server_fn::codec::GetUrl};

/// The people the signed-in staff member manages.
#[server(prefix = "/api", endpoint = "people", input = GetUrl)]
pub async fn list_people() -> Result<Vec<PersonRow>, AppError> {
    use crate::backend::{identity::authz::Inviter, identity::people};
    let (_, who) = super::signed_in().await?;
    let viewer = super::authorize(&who, "people", Inviter::check).await?;
    let state = super::state()?;
    let client = super::client().await;
    let mut conn = state.db.conn().await?;
    people::list(&mut conn, &state.vault, viewer, state.unused, &client).await
}

/// Invites someone; answers the link to copy and send them.
#[server(prefix = "/api", endpoint = "invite")]
pub async fn invite_person(
    email: String,
    display_name: String,
    role: Role,
    csrf_token: String,
) -> Result<InvitationLink, AppError> {
    use crate::backend::{
        identity::authz::Inviter,
        identity::invitations::{self, NewInvitation, VALID_FOR},
    };
    super::checked_at_the_edge(csrf_token);
    let (_, who) = super::signed_in().await?;
    let inviter = super::authorize(&who, "invite", Inviter::check).await?;
    let state = super::state()?;
    let client = super::client().await;
    super::throttle_person(&state, &client, who.user_id)?;
    let mut conn = state.db.conn().await?;
    let input = NewInvitation {
        email,
        display_name,
        role,
    };
    let name = input.display_name.trim().to_owned();
    let token = invitations::invite(&mut conn, &state.vault, inviter, input, &client).await?;
    Ok(InvitationLink {
        display_name: name,
        url: format!("{}/invite/{token}", state.public_url),
        valid_for_hours: u32::try_from(VALID_FOR.as_secs() / 3600).unwrap_or(72),
    })
}

/// Whom an invitation is for; a clear message when it cannot be used.
#[server(prefix = "/api", endpoint = "invitation", input = GetUrl)]
pub async fn get_invitation(token: String) -> Result<InvitationView, AppError> {
    use crate::{
        backend::identity::invitations::{self, Link},
        error::FieldErrors,
    };
    let state = super::state()?;
    let mut conn = state.db.conn().await?;
    match invitations::look_up(&mut conn, &state.vault, &token).await? {
        Link::Valid {
            display_name,
            email,
            role,
        } => Ok(InvitationView {
            display_name,
            email,
            role,
        }),
        other => {
            let mut errors = FieldErrors::new();
            errors.add("invitation", other.problem().unwrap_or_default());
            Err(AppError::Invalid(errors))
        }
    }
}

/// Uses an invitation: sets the password, activates the account and signs
/// the person in.
#[server(prefix = "/api", endpoint = "accept-invitation")]
pub async fn accept_invitation(
    token: String,
    password: String,
    csrf_token: String,
) -> Result<(), AppError> {
    use crate::backend::{identity::invitations, secret};
    super::checked_at_the_edge(csrf_token);
    let state = super::state()?;
    let current = super::session().await?;
    let client = super::client().await;
    let link_key = secret::hex(&secret::token_hash(token.trim())[..8]);
    state
        .throttles
        .sensitive(&client.throttle_key(), &format!("invitation:{link_key}"))?;
    let account = invitations::accept(
        &state.db,
        &state.passwords,
        &state.vault,
        &token,
        password,
        &client,
    )
    .await?;
    tracing::info!(user.id = %account.id, "invitation accepted");
    let next = super::after_password(&state, &current, &account, &client).await?;
    leptos_axum::redirect(next);
    Ok(())
}

/// An administrator's action on an account: `deactivate`, `reactivate`,
/// `unlock` or `end-sessions`.
#[server(prefix = "/api", endpoint = "account-action")]
pub async fn account_action(
    user_id: uuid::Uuid,
    action: String,
    csrf_token: String,
) -> Result<(), AppError> {
    use crate::backend::{
        identity::authz::Admin,
        identity::people::{self, AccountAction},
    };
    super::checked_at_the_edge(csrf_token);
    let (_, who) = super::signed_in().await?;
    let admin = super::authorize(&who, "account-action", Admin::check).await?;
    let action = AccountAction::parse(&action).ok_or(AppError::BadRequest)?;
    let state = super::state()?;
    let client = super::client().await;
    let mut conn = state.db.conn().await?;
    people::apply(&mut conn, admin, user_id, action, &client).await
}

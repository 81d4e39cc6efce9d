//! Accounts nobody uses. A staff account that has not signed in for the
//! configured days (45 unless `CAIRN_DORMANT_DAYS` says otherwise) is
//! *unused*: People and the access review name it, and, when
//! `CAIRN_DORMANT_DEACTIVATE` is on, `serve` deactivates it (recorded in
//! the trail, like an administrator's deactivation).
//!
//! Patients are never counted: they use the portal when their care calls
//! for it, and closing it would keep them from their own record.

use crate::backend::{
    audit::{self, Actor, Event, Origin},
    db::schema::users,
    identity::accounts,
};
use crate::{
    error::AppError,
    model::{
        Role, UserStatus,
        audit::{AuditAction, AuditOutcome},
    },
};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use std::collections::HashSet;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// When an account counts as unused, and what is done about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnusedPolicy {
    /// Days without a sign-in after which a staff account is unused.
    pub after_days: u32,
    /// Deactivate unused accounts (an administrator reactivates them).
    pub deactivate: bool,
}

impl UnusedPolicy {
    /// 45 days (the review period health-care security rules commonly
    /// ask for), listed but not deactivated.
    pub const DEFAULT: Self = Self {
        after_days: 45,
        deactivate: false,
    };

    /// Whether the account `use_` describes is unused at `now`.
    pub fn is_unused(&self, use_: &Use, now: OffsetDateTime) -> bool {
        use_.role.is_staff()
            && use_.status == UserStatus::Active
            && now - use_.last_used() >= Duration::days(i64::from(self.after_days))
    }
}

/// What says whether an account is in use.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct Use {
    pub role: Role,
    pub status: UserStatus,
    pub last_signed_in_at: Option<OffsetDateTime>,
    /// When it last became active (set by the database when an invitation
    /// is used or the account is reactivated).
    pub active_since: OffsetDateTime,
}

impl Use {
    /// Its last sign-in, or when it became active if that was later (an
    /// account reactivated today has not gone unused since its last
    /// sign-in).
    pub fn last_used(&self) -> OffsetDateTime {
        self.last_signed_in_at
            .map_or(self.active_since, |at| at.max(self.active_since))
    }
}

/// Deactivates every unused account (all practices), ends its sessions,
/// and records each in the trail; answers how many. An administrator's
/// account is deactivated only while another administrator of the
/// practice is in use, so no practice is left without one who can
/// reactivate the others. Several instances may run it at once: the rows
/// are locked, and those another holds are left for its next run.
pub async fn deactivate_unused(
    conn: &mut AsyncPgConnection,
    policy: UnusedPolicy,
) -> Result<usize, AppError> {
    let now = OffsetDateTime::now_utc();
    conn.transaction::<_, AppError, _>(async |conn| {
        let staff: Vec<(Uuid, Uuid, Use)> = users::table
            .filter(users::status.eq(UserStatus::Active))
            .filter(users::role.ne(Role::Patient))
            .select((users::id, users::organization_id, Use::as_select()))
            .for_update()
            .skip_locked()
            .load(conn)
            .await?;
        let admins_in_use: HashSet<Uuid> = staff
            .iter()
            .filter(|(_, _, use_)| use_.role == Role::Admin && !policy.is_unused(use_, now))
            .map(|(_, organization_id, _)| *organization_id)
            .collect();
        let unused = staff.into_iter().filter(|(_, organization_id, use_)| {
            policy.is_unused(use_, now)
                && (use_.role != Role::Admin || admins_in_use.contains(organization_id))
        });
        let mut count = 0;
        for (user_id, organization_id, use_) in unused {
            accounts::deactivate(conn, user_id).await?;
            let days = (now - use_.last_used()).whole_days();
            let event = Event::new(
                AuditAction::AccountDeactivated,
                AuditOutcome::Allowed,
                Actor::Anonymous {
                    organization_id: Some(organization_id),
                },
                Origin::default(),
            )
            .because(format!(
                "no sign-in for {days} days (CAIRN_DORMANT_DEACTIVATE)"
            ))
            .on("user", user_id)
            .about_user(user_id);
            audit::record(conn, event).await?;
            tracing::info!(user.id = %user_id, days, "deactivated an unused account");
            count += 1;
        }
        Ok(count)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(
        now: OffsetDateTime,
        role: Role,
        status: UserStatus,
        signed_in_days_ago: Option<i64>,
    ) -> Use {
        Use {
            role,
            status,
            last_signed_in_at: signed_in_days_ago.map(|days| now - Duration::days(days)),
            active_since: now - Duration::days(400),
        }
    }

    #[test]
    fn staff_past_the_days_are_unused_and_patients_never() {
        let policy = UnusedPolicy::DEFAULT;
        let now = OffsetDateTime::now_utc();
        let unused = |use_: Use| policy.is_unused(&use_, now);
        assert!(unused(account(
            now,
            Role::Therapist,
            UserStatus::Active,
            Some(45)
        )));
        assert!(unused(account(now, Role::Admin, UserStatus::Active, None)));
        assert!(!unused(account(
            now,
            Role::Therapist,
            UserStatus::Active,
            Some(44)
        )));
        assert!(!unused(account(
            now,
            Role::Patient,
            UserStatus::Active,
            Some(300)
        )));
        assert!(!unused(account(
            now,
            Role::Therapist,
            UserStatus::Deactivated,
            Some(300)
        )));
        assert!(!unused(account(
            now,
            Role::Therapist,
            UserStatus::Invited,
            None
        )));
    }

    #[test]
    fn becoming_active_again_starts_the_count_again() {
        let now = OffsetDateTime::now_utc();
        let mut use_ = account(now, Role::Therapist, UserStatus::Active, Some(300));
        use_.active_since = now - Duration::days(2);
        assert_eq!(use_.last_used(), use_.active_since);
        assert!(!UnusedPolicy::DEFAULT.is_unused(&use_, now));
    }
}

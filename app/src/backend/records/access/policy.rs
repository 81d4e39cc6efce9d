//! The policy, as one pure table: who may reach what of a patient's
//! record, given their relation to the patient.

use super::Reach;
use crate::model::Role;

/// What is true between the person asking and the patient: the facts the
/// policy reads, looked up by [`super::decide`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relation {
    /// The record is the person's own (their portal account).
    pub own_record: bool,
    /// The person is on the patient's care team.
    pub on_care_team: bool,
    /// The person holds an emergency access to this patient, in force.
    pub emergency: bool,
}

/// The policy, as one table: whether someone with `role`, standing in
/// `relation` to a patient of their own practice, may `reach` the record.
/// Patients reach their own details and nothing clinical; therapists reach
/// the charts of the patients whose care team they are on, and for a while
/// any chart they opened with emergency access; a psychotherapy note only
/// its author on the care team, or the care team when the author shares
/// it (never through emergency access); administrators run the practice
/// from its roster and reach no chart. A copy of the whole record (never
/// with psychotherapy notes) the patient takes of their own, and the care
/// team or an administrator makes for them or for a request. Whether a
/// record has reached the end of its retention (name, date of birth,
/// legal holds) administrators alone look at. Pure, so it is tested whole.
#[must_use]
pub fn allows(role: Role, reach: Reach, relation: Relation) -> bool {
    match (role, reach) {
        (Role::Patient, Reach::OwnRecord) => relation.own_record,
        (Role::Therapist, Reach::Chart) => relation.on_care_team || relation.emergency,
        (Role::Therapist, Reach::PsychotherapyNote { wrote_it, shared }) => {
            relation.on_care_team && (wrote_it || shared)
        }
        (Role::Admin, Reach::Roster) => true,
        // A copy of the record: the patient their own; the care team (not
        // an emergency, which is for care now); the practice's
        // administrators, who answer requests for records and move a
        // practice's data.
        (Role::Patient, Reach::RecordSet) => relation.own_record,
        (Role::Therapist, Reach::RecordSet) => relation.on_care_team,
        (Role::Admin, Reach::RecordSet | Reach::Retention) => true,
        (
            Role::Patient,
            Reach::Chart | Reach::Roster | Reach::PsychotherapyNote { .. } | Reach::Retention,
        )
        | (Role::Therapist, Reach::OwnRecord | Reach::Roster | Reach::Retention)
        | (Role::Admin, Reach::OwnRecord | Reach::Chart | Reach::PsychotherapyNote { .. }) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every role × reach × relation: the policy table, whole.
    #[test]
    fn the_policy_table() {
        let relations = [
            Relation::default(),
            Relation {
                own_record: true,
                ..Relation::default()
            },
            Relation {
                on_care_team: true,
                ..Relation::default()
            },
            Relation {
                emergency: true,
                ..Relation::default()
            },
        ];
        for role in Role::ALL.iter().copied() {
            for reach in Reach::ALL {
                for relation in relations {
                    let expected = match (role, reach) {
                        (Role::Patient, Reach::OwnRecord) => relation.own_record,
                        (Role::Therapist, Reach::Chart) => {
                            relation.on_care_team || relation.emergency
                        }
                        (Role::Therapist, Reach::PsychotherapyNote { wrote_it, shared }) => {
                            relation.on_care_team && (wrote_it || shared)
                        }
                        (Role::Admin, Reach::Roster | Reach::RecordSet | Reach::Retention) => true,
                        (Role::Patient, Reach::RecordSet) => relation.own_record,
                        (Role::Therapist, Reach::RecordSet) => relation.on_care_team,
                        _ => false,
                    };
                    assert_eq!(
                        allows(role, reach, relation),
                        expected,
                        "{role:?} {reach:?} {relation:?}"
                    );
                }
            }
        }
        // Spelled out, the cases that matter most:
        let own = Relation {
            own_record: true,
            ..Relation::default()
        };
        assert!(
            !allows(Role::Patient, Reach::Chart, own),
            "no notes through the portal"
        );
        let team = Relation {
            on_care_team: true,
            ..Relation::default()
        };
        assert!(
            !allows(Role::Admin, Reach::Chart, team),
            "administrators see no charts"
        );
        let private = Reach::PsychotherapyNote {
            wrote_it: false,
            shared: false,
        };
        assert!(
            !allows(Role::Therapist, private, team),
            "another therapist on the team does not read a psychotherapy note not shared"
        );
        let emergency = Relation {
            emergency: true,
            ..Relation::default()
        };
        let shared = Reach::PsychotherapyNote {
            wrote_it: false,
            shared: true,
        };
        assert!(
            !allows(Role::Therapist, shared, emergency),
            "emergency access opens the chart, never psychotherapy notes"
        );
        assert!(
            !allows(Role::Therapist, Reach::RecordSet, emergency),
            "emergency access is for care now, not for taking a copy away"
        );
    }
}

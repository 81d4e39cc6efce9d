//! Text columns that hold an enum ([`Role`], [`UserStatus`], [`SecurityEventKind`], the audit
//! trail's action and outcome) read and write
//! through diesel as the enum itself, so no query handles raw spellings.

use crate::model::{
    Role, SecurityEventKind, UserStatus,
    amendment::{AmendmentStatus, ItemKind},
    audit::{AlertKind, AuditAction, AuditOutcome},
    chart::{DiagnosisStatus, NoteKind, NoteStatus, NoteTemplate},
    consent::{ConsentKind, ConsentMethod},
};
use diesel::{
    deserialize::{self, FromSql},
    pg::{Pg, PgValue},
    serialize::{self, Output, ToSql},
    sql_types::Text,
};
use std::io::Write;

macro_rules! text_enum {
    ($ty:ty) => {
        impl ToSql<Text, Pg> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                out.write_all(self.as_str().as_bytes())?;
                Ok(serialize::IsNull::No)
            }
        }

        impl FromSql<Text, Pg> for $ty {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                let text = std::str::from_utf8(bytes.as_bytes())?;
                text.parse()
                    .map_err(|_| format!("unexpected {} value", stringify!($ty)).into())
            }
        }
    };
}

text_enum!(Role);
text_enum!(UserStatus);
text_enum!(SecurityEventKind);
text_enum!(AuditAction);
text_enum!(AuditOutcome);
text_enum!(AlertKind);
text_enum!(NoteKind);
text_enum!(NoteStatus);
text_enum!(NoteTemplate);
text_enum!(DiagnosisStatus);
text_enum!(ItemKind);
text_enum!(AmendmentStatus);
text_enum!(ConsentKind);
text_enum!(ConsentMethod);

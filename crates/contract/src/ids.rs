//! The ids of each kind of thing, distinct types over one uuid, so that one kind cannot be
//! passed where another is expected (`set_reaction(user, activity)` will not take them the
//! other way round). On the wire each is its uuid, as before.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! ids {
    ($($(#[doc = $doc:literal])+ $name:ident;)+) => {
        $(
            $(#[doc = $doc])+
            #[derive(
                Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
            )]
            #[serde(transparent)]
            #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
            pub struct $name(pub Uuid);

            impl $name {
                /// A new random (version 4) id.
                pub fn random() -> Self {
                    $name(Uuid::new_v4())
                }
            }

            impl fmt::Display for $name {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    self.0.fmt(f)
                }
            }

            impl FromStr for $name {
                type Err = uuid::Error;

                fn from_str(text: &str) -> Result<Self, Self::Err> {
                    text.parse().map($name)
                }
            }

            #[cfg(feature = "sqlx")]
            sql::column!($name);
        )+
    };
}

ids! {
    /// A user account.
    UserId;
    /// A crud or a reply.
    ActivityId;
    /// A sign-in session.
    SessionId;
    /// A conversation between two users.
    GroupId;
    /// A direct message.
    MessageId;
    /// A notification.
    NotificationId;
}

/// Ids as SQL columns: hyphenated TEXT on SQLite, `uuid` on PostgreSQL.
#[cfg(feature = "sqlx")]
mod sql {
    macro_rules! column {
        ($name:ident) => {
            impl sqlx::Type<sqlx::Sqlite> for $name {
                fn type_info() -> sqlx::sqlite::SqliteTypeInfo {
                    <uuid::fmt::Hyphenated as sqlx::Type<sqlx::Sqlite>>::type_info()
                }
                fn compatible(ty: &sqlx::sqlite::SqliteTypeInfo) -> bool {
                    <uuid::fmt::Hyphenated as sqlx::Type<sqlx::Sqlite>>::compatible(ty)
                }
            }

            impl<'q> sqlx::Encode<'q, sqlx::Sqlite> for $name {
                fn encode_by_ref(
                    &self,
                    buf: &mut Vec<sqlx::sqlite::SqliteArgumentValue<'q>>,
                ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                    <uuid::fmt::Hyphenated as sqlx::Encode<'q, sqlx::Sqlite>>::encode(
                        self.0.hyphenated(),
                        buf,
                    )
                }
            }

            impl<'r> sqlx::Decode<'r, sqlx::Sqlite> for $name {
                fn decode(
                    value: sqlx::sqlite::SqliteValueRef<'r>,
                ) -> Result<Self, sqlx::error::BoxDynError> {
                    <uuid::fmt::Hyphenated as sqlx::Decode<'r, sqlx::Sqlite>>::decode(value)
                        .map(|uuid| $name(uuid.into_uuid()))
                }
            }

            impl sqlx::Type<sqlx::Postgres> for $name {
                fn type_info() -> sqlx::postgres::PgTypeInfo {
                    <uuid::Uuid as sqlx::Type<sqlx::Postgres>>::type_info()
                }
            }

            impl sqlx::postgres::PgHasArrayType for $name {
                fn array_type_info() -> sqlx::postgres::PgTypeInfo {
                    <uuid::Uuid as sqlx::postgres::PgHasArrayType>::array_type_info()
                }
            }

            impl<'q> sqlx::Encode<'q, sqlx::Postgres> for $name {
                fn encode_by_ref(
                    &self,
                    buf: &mut sqlx::postgres::PgArgumentBuffer,
                ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                    <uuid::Uuid as sqlx::Encode<'q, sqlx::Postgres>>::encode_by_ref(&self.0, buf)
                }
            }

            impl<'r> sqlx::Decode<'r, sqlx::Postgres> for $name {
                fn decode(
                    value: sqlx::postgres::PgValueRef<'r>,
                ) -> Result<Self, sqlx::error::BoxDynError> {
                    <uuid::Uuid as sqlx::Decode<'r, sqlx::Postgres>>::decode(value).map($name)
                }
            }
        };
    }
    pub(super) use column;
}

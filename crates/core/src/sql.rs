//! How the platform's values are stored, in one place (issue 17, the typed storage layer).
//!
//! Both engines are driven through sqlx's `Any` driver with one portable schema (see
//! `migrations/0001_foundation.sql`): instants are `BIGINT` microseconds since the Unix epoch (UTC),
//! money is `BIGINT` fen, booleans are `BIGINT` 0/1, calendar dates are `TEXT` `YYYY-MM-DD`, JSON is
//! `TEXT`, states are `TEXT` codes. This module gives each encoding one Rust type that implements
//! sqlx's `Type`, `Decode` and `Encode` for `Any`, so a row struct is read **by column name** with
//! `#[derive(sqlx::FromRow)]`:
//!
//! ```ignore
//! #[derive(sqlx::FromRow)]
//! struct AccountRow {
//!     id: String,
//!     deposit_fen: Money,                                   // BIGINT fen
//!     #[sqlx(try_from = "At")] created_at: Timestamp,       // BIGINT µs
//!     #[sqlx(try_from = "MaybeAt")] closed_at: Option<Timestamp>,
//!     #[sqlx(try_from = "Flag")] disabled: bool,            // BIGINT 0/1
//!     #[sqlx(try_from = "String")] market: Market,          // TEXT code (TryFrom<String>)
//!     payload: Json<serde_json::Value>,                     // TEXT JSON
//! }
//! let rows: Vec<AccountRow> = sqlx::query_as("SELECT … FROM …").fetch_all(&db).await?;
//! ```
//!
//! The same types bind parameters (`.bind(At(now))`, `.bind(money)`, `.bind(Flag(true))`), so the
//! write side uses the same encoding. A state enum becomes a column type with [`text_enum!`].

use crate::money::Money;
use crate::time::{from_micros, to_micros, Timestamp};
use chrono::NaiveDate;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::any::{Any, AnyTypeInfo};
use sqlx::decode::Decode;
use sqlx::encode::{Encode, IsNull};
use sqlx::error::BoxDynError;
use sqlx::types::Type;
use sqlx::Database;

type ValueRef<'r> = <Any as Database>::ValueRef<'r>;
type ArgBuf<'q> = <Any as Database>::ArgumentBuffer<'q>;

/// Implement `Type`, `Decode` and `Encode` for `Any` for a type stored as one of sqlx's own types
/// (`$repr`), converting with the two given expressions.
macro_rules! stored_as {
    ($ty:ty, $repr:ty, |$d:ident| $decode:expr, |$e:ident| $encode:expr) => {
        impl Type<Any> for $ty {
            fn type_info() -> AnyTypeInfo {
                <$repr as Type<Any>>::type_info()
            }
            fn compatible(ty: &AnyTypeInfo) -> bool {
                <$repr as Type<Any>>::compatible(ty)
            }
        }
        impl<'r> Decode<'r, Any> for $ty {
            fn decode(value: ValueRef<'r>) -> Result<Self, BoxDynError> {
                let $d = <$repr as Decode<'r, Any>>::decode(value)?;
                $decode
            }
        }
        impl<'q> Encode<'q, Any> for $ty {
            fn encode_by_ref(&self, buf: &mut ArgBuf<'q>) -> Result<IsNull, BoxDynError> {
                let $e = self;
                let repr: $repr = $encode;
                <$repr as Encode<'q, Any>>::encode(repr, buf)
            }
        }
    };
}

/// An instant stored as `BIGINT` microseconds since the epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct At(pub Timestamp);

stored_as!(At, i64, |us| Ok(At(from_micros(us))), |t| to_micros(t.0));

impl From<At> for Timestamp {
    fn from(a: At) -> Timestamp {
        a.0
    }
}

/// A nullable instant column, for `#[sqlx(try_from = "MaybeAt")] field: Option<Timestamp>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MaybeAt(pub Option<Timestamp>);

impl Type<Any> for MaybeAt {
    fn type_info() -> AnyTypeInfo {
        <i64 as Type<Any>>::type_info()
    }
    fn compatible(ty: &AnyTypeInfo) -> bool {
        <i64 as Type<Any>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Any> for MaybeAt {
    fn decode(value: ValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(MaybeAt(
            <Option<i64> as Decode<'r, Any>>::decode(value)?.map(from_micros),
        ))
    }
}

impl From<MaybeAt> for Option<Timestamp> {
    fn from(a: MaybeAt) -> Option<Timestamp> {
        a.0
    }
}

/// A boolean stored as `BIGINT` 0/1 (any non-zero value reads as true).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flag(pub bool);

stored_as!(Flag, i64, |v| Ok(Flag(v != 0)), |f| i64::from(f.0));

impl From<Flag> for bool {
    fn from(f: Flag) -> bool {
        f.0
    }
}

/// A calendar date stored as `TEXT` `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub NaiveDate);

stored_as!(
    Day,
    String,
    |s| Ok(Day(NaiveDate::parse_from_str(&s, "%Y-%m-%d")?)),
    |d| d.0.format("%Y-%m-%d").to_string()
);

impl From<Day> for NaiveDate {
    fn from(d: Day) -> NaiveDate {
        d.0
    }
}

/// A nullable date column, for `#[sqlx(try_from = "MaybeDay")] field: Option<NaiveDate>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MaybeDay(pub Option<NaiveDate>);

impl Type<Any> for MaybeDay {
    fn type_info() -> AnyTypeInfo {
        <String as Type<Any>>::type_info()
    }
    fn compatible(ty: &AnyTypeInfo) -> bool {
        <String as Type<Any>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Any> for MaybeDay {
    fn decode(value: ValueRef<'r>) -> Result<Self, BoxDynError> {
        match <Option<String> as Decode<'r, Any>>::decode(value)? {
            None => Ok(MaybeDay(None)),
            Some(s) => Ok(MaybeDay(Some(NaiveDate::parse_from_str(&s, "%Y-%m-%d")?))),
        }
    }
}

impl From<MaybeDay> for Option<NaiveDate> {
    fn from(d: MaybeDay) -> Option<NaiveDate> {
        d.0
    }
}

// Money is stored as BIGINT fen; a stored amount is trusted (it was checked when it was written).
stored_as!(Money, i64, |fen| Ok(Money::from_fen(fen)), |m| m.fen());

/// A nullable money column, for `#[sqlx(try_from = "MaybeMoney")] field: Option<Money>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MaybeMoney(pub Option<Money>);

impl Type<Any> for MaybeMoney {
    fn type_info() -> AnyTypeInfo {
        <i64 as Type<Any>>::type_info()
    }
    fn compatible(ty: &AnyTypeInfo) -> bool {
        <i64 as Type<Any>>::compatible(ty)
    }
}

impl<'r> Decode<'r, Any> for MaybeMoney {
    fn decode(value: ValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(MaybeMoney(
            <Option<i64> as Decode<'r, Any>>::decode(value)?.map(Money::from_fen),
        ))
    }
}

impl From<MaybeMoney> for Option<Money> {
    fn from(m: MaybeMoney) -> Option<Money> {
        m.0
    }
}

/// A JSON value stored as `TEXT`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Json<T>(pub T);

impl<T> Type<Any> for Json<T> {
    fn type_info() -> AnyTypeInfo {
        <String as Type<Any>>::type_info()
    }
    fn compatible(ty: &AnyTypeInfo) -> bool {
        <String as Type<Any>>::compatible(ty)
    }
}

impl<'r, T: DeserializeOwned> Decode<'r, Any> for Json<T> {
    fn decode(value: ValueRef<'r>) -> Result<Self, BoxDynError> {
        let s = <&'r str as Decode<'r, Any>>::decode(value)?;
        Ok(Json(serde_json::from_str(s)?))
    }
}

impl<'q, T: Serialize> Encode<'q, Any> for Json<T> {
    fn encode_by_ref(&self, buf: &mut ArgBuf<'q>) -> Result<IsNull, BoxDynError> {
        <String as Encode<'q, Any>>::encode(serde_json::to_string(&self.0)?, buf)
    }
}

/// Store a state enum as its `TEXT` code: `text_enum!(Status, Status::parse, Status::as_str)`
/// implements `Type`, `Decode` and `Encode` for `Any` (and `TryFrom<String>`), where
/// `parse: fn(&str) -> Result<Status, E>` (any `E: Display`) and `as_str: fn(&Status) -> &str`.
/// An unknown code fails the read with the column named — never a silent default.
#[macro_export]
macro_rules! text_enum {
    ($ty:ty, $parse:expr, $as_str:expr) => {
        impl ::sqlx::types::Type<::sqlx::any::Any> for $ty {
            fn type_info() -> ::sqlx::any::AnyTypeInfo {
                <String as ::sqlx::types::Type<::sqlx::any::Any>>::type_info()
            }
            fn compatible(ty: &::sqlx::any::AnyTypeInfo) -> bool {
                <String as ::sqlx::types::Type<::sqlx::any::Any>>::compatible(ty)
            }
        }
        impl<'r> ::sqlx::decode::Decode<'r, ::sqlx::any::Any> for $ty {
            fn decode(
                value: <::sqlx::any::Any as ::sqlx::Database>::ValueRef<'r>,
            ) -> ::std::result::Result<Self, ::sqlx::error::BoxDynError> {
                let s = <&'r str as ::sqlx::decode::Decode<'r, ::sqlx::any::Any>>::decode(value)?;
                ($parse)(s)
                    .map_err(|e| format!("unknown {} '{}': {}", stringify!($ty), s, e).into())
            }
        }
        impl<'q> ::sqlx::encode::Encode<'q, ::sqlx::any::Any> for $ty {
            fn encode_by_ref(
                &self,
                buf: &mut <::sqlx::any::Any as ::sqlx::Database>::ArgumentBuffer<'q>,
            ) -> ::std::result::Result<::sqlx::encode::IsNull, ::sqlx::error::BoxDynError> {
                let code: &str = ($as_str)(self);
                <String as ::sqlx::encode::Encode<'q, ::sqlx::any::Any>>::encode(
                    code.to_string(),
                    buf,
                )
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Row;

    #[derive(Debug, PartialEq, Clone, Copy)]
    enum Colour {
        Red,
        Blue,
    }

    impl Colour {
        fn parse(s: &str) -> Result<Colour, String> {
            match s {
                "red" => Ok(Colour::Red),
                "blue" => Ok(Colour::Blue),
                other => Err(format!("not a colour: {other}")),
            }
        }
        fn as_str(&self) -> &'static str {
            match self {
                Colour::Red => "red",
                Colour::Blue => "blue",
            }
        }
    }

    crate::text_enum!(Colour, Colour::parse, Colour::as_str);

    #[derive(sqlx::FromRow, Debug)]
    struct Thing {
        id: String,
        #[sqlx(try_from = "At")]
        at: Timestamp,
        #[sqlx(try_from = "MaybeAt")]
        gone: Option<Timestamp>,
        price: Money,
        #[sqlx(try_from = "MaybeMoney")]
        cap: Option<Money>,
        #[sqlx(try_from = "Flag")]
        on_: bool,
        day: Day,
        #[sqlx(try_from = "MaybeDay")]
        maybe_day: Option<NaiveDate>,
        colour: Colour,
        tags: Json<Vec<String>>,
    }

    async fn db() -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        sqlx::query(
            "CREATE TABLE things (id TEXT PRIMARY KEY, at BIGINT NOT NULL, gone BIGINT, \
             price BIGINT NOT NULL, cap BIGINT, on_ BIGINT NOT NULL, day TEXT NOT NULL, \
             maybe_day TEXT, colour TEXT NOT NULL, tags TEXT NOT NULL)",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool
    }

    const SELECT: &str = "SELECT id, at, gone, price, cap, on_, day, maybe_day, colour, tags \
                          FROM things ORDER BY id";

    #[tokio::test]
    async fn every_stored_type_round_trips_by_column_name() {
        let pool = db().await;
        let at = from_micros(1_780_000_000_123_456);
        let day = NaiveDate::from_ymd_opt(2026, 12, 25).unwrap();
        sqlx::query("INSERT INTO things VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind("a")
            .bind(At(at))
            .bind(None::<i64>)
            .bind(Money::parse_str("1234.56").unwrap())
            .bind(Some(Money::from_fen(1)))
            .bind(Flag(true))
            .bind(Day(day))
            .bind(None::<String>)
            .bind(Colour::Blue)
            .bind(Json(vec!["x".to_string(), "道路".to_string()]))
            .execute(&pool)
            .await
            .unwrap();
        let rows: Vec<Thing> = sqlx::query_as(SELECT).fetch_all(&pool).await.unwrap();
        let t = &rows[0];
        assert_eq!(t.id, "a");
        assert_eq!(t.at, at);
        assert_eq!(t.gone, None);
        assert_eq!(t.price.to_string(), "1234.56");
        assert_eq!(t.cap, Some(Money::from_fen(1)));
        assert!(t.on_);
        assert_eq!(t.day, Day(day));
        assert_eq!(t.maybe_day, None);
        assert_eq!(t.colour, Colour::Blue);
        assert_eq!(t.tags.0, vec!["x", "道路"]);
        // The raw encodings are the documented ones.
        let raw = sqlx::query("SELECT at, price, on_, day, colour, tags FROM things")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(raw.try_get::<i64, _>("at").unwrap(), 1_780_000_000_123_456);
        assert_eq!(raw.try_get::<i64, _>("price").unwrap(), 123_456);
        assert_eq!(raw.try_get::<i64, _>("on_").unwrap(), 1);
        assert_eq!(raw.try_get::<String, _>("day").unwrap(), "2026-12-25");
        assert_eq!(raw.try_get::<String, _>("colour").unwrap(), "blue");
        assert_eq!(raw.try_get::<String, _>("tags").unwrap(), r#"["x","道路"]"#);
    }

    #[tokio::test]
    async fn an_unknown_state_code_fails_the_read_naming_the_column() {
        let pool = db().await;
        sqlx::query("INSERT INTO things VALUES ('b', 0, 5, 0, NULL, 0, '2026-01-01', '2026-01-02', 'green', '[]')")
            .execute(&pool)
            .await
            .unwrap();
        let err = sqlx::query_as::<_, Thing>(SELECT)
            .fetch_one(&pool)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("colour") && err.contains("green"), "{err}");
        // A missing column is an error too, never a default.
        let err = sqlx::query_as::<_, Thing>("SELECT id FROM things")
            .fetch_one(&pool)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("at"), "{err}");
    }
}

//! The one builder of a dynamic `WHERE` clause (issue 17, item 2).
//!
//! A list endpoint whose query string picks the conditions (`?market=…&since=…`) adds each
//! condition with its values; `?` in a condition becomes the next numbered placeholder (`$n`, the
//! portable form both engines take) and the values are bound in the same order. The condition
//! text is always the caller's constant SQL — user input only ever reaches the statement as a bound
//! value, never as text.
//!
//! ```ignore
//! let mut f = Filter::all();
//! f.eq("market", market);                                   // market = $1
//! f.and("released_at >= ?", [Value::from(At(since))]);      // released_at >= $2
//! let sql = format!("SELECT {COLS} FROM ocds_releases{} ORDER BY …", f.where_clause());
//! let rows: Vec<ReleaseRow> = f.bind_as(sqlx::query_as(&sql)).fetch_all(db.pool()).await?;
//! ```

use sqlx::any::{Any, AnyArguments};
use sqlx::query::{Query, QueryAs, QueryScalar};

/// A value bound to a filter's placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_string())
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::Text(s.clone())
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<ggzy_core::sql::At> for Value {
    fn from(t: ggzy_core::sql::At) -> Self {
        Value::Int(ggzy_core::time::to_micros(t.0))
    }
}

impl From<ggzy_core::sql::Day> for Value {
    fn from(d: ggzy_core::sql::Day) -> Self {
        Value::Text(d.0.format("%Y-%m-%d").to_string())
    }
}

/// Conditions joined by `AND` ([`Filter::all`]) or `OR` ([`Filter::any`]), with their values.
#[derive(Debug, Clone)]
pub struct Filter {
    conds: Vec<String>,
    values: Vec<Value>,
    /// Placeholders already used by the statement before this filter's (`$1..=$first`).
    first: usize,
    join: &'static str,
}

impl Filter {
    /// Conditions that must all hold; the first placeholder is `$1`.
    pub fn all() -> Self {
        Filter {
            conds: Vec::new(),
            values: Vec::new(),
            first: 0,
            join: " AND ",
        }
    }

    /// Conditions of which one must hold; the first placeholder is `$1`.
    pub fn any() -> Self {
        Filter {
            join: " OR ",
            ..Filter::all()
        }
    }

    /// Start numbering after the `n` placeholders the statement binds before this filter's.
    pub fn after(mut self, n: usize) -> Self {
        self.first = n;
        self
    }

    /// Add a condition; each `?` in `cond` is the next placeholder, bound to the next of `values`.
    ///
    /// # Panics
    /// When the number of `?` differs from the number of values — a programming error that every
    /// test of the caller shows at once.
    pub fn and<I, V>(&mut self, cond: &str, values: I) -> &mut Self
    where
        I: IntoIterator<Item = V>,
        V: Into<Value>,
    {
        let values: Vec<Value> = values.into_iter().map(Into::into).collect();
        let marks = cond.matches('?').count();
        assert_eq!(
            marks,
            values.len(),
            "filter condition `{cond}` has {marks} placeholders for {} values",
            values.len()
        );
        let mut text = String::with_capacity(cond.len() + 4 * marks);
        for (i, part) in cond.split('?').enumerate() {
            if i > 0 {
                let n = self.first + self.values.len() + i;
                text.push('$');
                text.push_str(&n.to_string());
            }
            text.push_str(part);
        }
        self.values.extend(values);
        self.conds.push(text);
        self
    }

    /// Add a condition whose placeholders are already numbered, from [`Filter::next_placeholder`]
    /// on, in the order of `values` (a condition that uses one value several times, e.g. the
    /// portal search's index probes).
    ///
    /// # Panics
    /// When the condition names a placeholder outside the values it brings.
    pub fn and_numbered(&mut self, cond: String, values: Vec<Value>) -> &mut Self {
        let first = self.next_placeholder();
        let last = first + values.len();
        let mut rest = cond.as_str();
        while let Some(at) = rest.find('$') {
            rest = &rest[at + 1..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = digits.parse::<usize>() {
                assert!(
                    n <= self.first + self.values.len() || (first..last).contains(&n),
                    "filter condition `{cond}` names ${n}, not one of its values"
                );
            }
        }
        self.values.extend(values);
        self.conds.push(cond);
        self
    }

    /// `column = ?`.
    pub fn eq(&mut self, column: &str, value: impl Into<Value>) -> &mut Self {
        self.and(&format!("{column} = ?"), [value.into()])
    }

    pub fn is_empty(&self) -> bool {
        self.conds.is_empty()
    }

    /// The conditions joined, in parentheses when there are several (`TRUE`-free: an empty
    /// filter is the empty string, use [`Filter::where_clause`] or [`Filter::and_clause`]).
    pub fn condition(&self) -> String {
        match self.conds.len() {
            0 => String::new(),
            1 => self.conds[0].clone(),
            _ => format!("({})", self.conds.join(self.join)),
        }
    }

    /// ` WHERE …`, or nothing when the filter is empty.
    pub fn where_clause(&self) -> String {
        if self.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.condition())
        }
    }

    /// ` AND …` to follow a fixed `WHERE`, or nothing when the filter is empty.
    pub fn and_clause(&self) -> String {
        if self.is_empty() {
            String::new()
        } else {
            format!(" AND {}", self.condition())
        }
    }

    /// The next free placeholder number after this filter's (for a `LIMIT $n` that follows).
    pub fn next_placeholder(&self) -> usize {
        self.first + self.values.len() + 1
    }

    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// Bind the values, in order, to a query.
    pub fn bind<'q>(
        &self,
        mut q: Query<'q, Any, AnyArguments<'q>>,
    ) -> Query<'q, Any, AnyArguments<'q>> {
        for v in &self.values {
            q = match v {
                Value::Text(s) => q.bind(s.clone()),
                Value::Int(i) => q.bind(*i),
            };
        }
        q
    }

    /// Bind the values, in order, to a `query_as`.
    pub fn bind_as<'q, O>(
        &self,
        mut q: QueryAs<'q, Any, O, AnyArguments<'q>>,
    ) -> QueryAs<'q, Any, O, AnyArguments<'q>> {
        for v in &self.values {
            q = match v {
                Value::Text(s) => q.bind(s.clone()),
                Value::Int(i) => q.bind(*i),
            };
        }
        q
    }

    /// Bind the values, in order, to a `query_scalar`.
    pub fn bind_scalar<'q, O>(
        &self,
        mut q: QueryScalar<'q, Any, O, AnyArguments<'q>>,
    ) -> QueryScalar<'q, Any, O, AnyArguments<'q>> {
        for v in &self.values {
            q = match v {
                Value::Text(s) => q.bind(s.clone()),
                Value::Int(i) => q.bind(*i),
            };
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order_after_the_fixed_ones() {
        let mut f = Filter::all().after(1);
        f.eq("market", "land").and(
            "(at > ? OR (at = ? AND id > ?))",
            [Value::Int(5), 5.into(), "x".into()],
        );
        assert_eq!(
            f.where_clause(),
            " WHERE (market = $2 AND (at > $3 OR (at = $4 AND id > $5)))"
        );
        assert_eq!(f.next_placeholder(), 6);
        assert_eq!(
            f.values(),
            &[
                Value::Text("land".into()),
                Value::Int(5),
                Value::Int(5),
                Value::Text("x".into())
            ]
        );
    }

    #[test]
    fn an_empty_filter_adds_nothing_and_any_joins_with_or() {
        let f = Filter::all();
        assert_eq!(f.where_clause(), "");
        assert_eq!(f.and_clause(), "");
        assert_eq!(f.next_placeholder(), 1);
        let mut o = Filter::any();
        o.and("(level = ? AND idx = ?)", [1i64, 2])
            .and("(level = ? AND idx = ?)", [3i64, 4]);
        assert_eq!(
            o.and_clause(),
            " AND ((level = $1 AND idx = $2) OR (level = $3 AND idx = $4))"
        );
        let mut one = Filter::all();
        one.eq("a", 1i64);
        assert_eq!(one.where_clause(), " WHERE a = $1");
    }

    #[test]
    fn a_numbered_condition_keeps_its_numbers_and_its_values_follow() {
        let mut f = Filter::all();
        f.eq("a.status", "published");
        let n = f.next_placeholder();
        f.and_numbered(
            format!("t.term = ${n} AND t.status = $1 AND x = ${}", n + 1),
            vec!["道路".into(), "y".into()],
        );
        f.and("a.market = ?", ["land"]);
        assert_eq!(
            f.where_clause(),
            " WHERE (a.status = $1 AND t.term = $2 AND t.status = $1 AND x = $3 AND a.market = $4)"
        );
        assert_eq!(f.values().len(), 4);
    }

    #[test]
    #[should_panic(expected = "names $7")]
    fn a_numbered_condition_naming_a_foreign_placeholder_is_a_programming_error() {
        Filter::all().and_numbered("a = $7".into(), vec!["x".into()]);
    }

    #[test]
    #[should_panic(expected = "placeholders")]
    fn a_condition_whose_marks_do_not_match_its_values_is_a_programming_error() {
        Filter::all().and("a = ? AND b = ?", ["x"]);
    }

    #[tokio::test]
    async fn user_input_is_bound_never_spliced() {
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        sqlx::query("CREATE TABLE t (id TEXT, n BIGINT)")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO t VALUES ('a', 1), ('b', 2), ('x'' OR 1=1 --', 3)")
            .execute(&pool)
            .await
            .unwrap();
        let mut f = Filter::all();
        f.eq("id", "a' OR 1=1 --").and("n >= ?", [0i64]);
        let sql = format!("SELECT COUNT(*) FROM t{}", f.where_clause());
        let n: i64 = f
            .bind_scalar(sqlx::query_scalar(&sql))
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(n, 0);
        let mut g = Filter::all();
        g.and("n >= ?", [2i64]);
        let sql = format!("SELECT id FROM t{} ORDER BY id", g.where_clause());
        let ids: Vec<String> = g
            .bind_scalar(sqlx::query_scalar(&sql))
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(ids, vec!["b".to_string(), "x' OR 1=1 --".to_string()]);
    }
}

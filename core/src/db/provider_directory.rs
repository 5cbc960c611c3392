//! The provider directory the app searches to pick a provider for consent.

use diesel::prelude::*;
use diesel::sql_types::Text;

use super::providers::Provider;
use super::schema::providers as pr;
use super::DbConn;
use crate::domain::ProviderStatus;

diesel::define_sql_function! { fn lower(x: Text) -> Text; }

/// Registered providers whose id is `query`, or whose English or Chinese name contains
/// it (any letter case), by English name.
pub fn search(conn: &mut DbConn, query: &str, limit: i64) -> QueryResult<Vec<Provider>> {
    let pattern = format!("%{}%", escape_like(&query.to_lowercase()));
    pr::table
        .filter(pr::status.eq(ProviderStatus::Registered.as_str()))
        .filter(
            pr::id
                .eq(query)
                .or(lower(pr::name_en).like(pattern.clone()).escape('\\'))
                .or(pr::name_zh.like(pattern).escape('\\')),
        )
        .order(pr::name_en)
        .limit(limit)
        .select(Provider::as_select())
        .load(conn)
}

/// `%` and `_` typed by a person are letters, not wildcards.
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

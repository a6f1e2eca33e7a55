//! The row shapes the store loads, by column name.

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};

#[derive(Debug, QueryableByName)]
pub(crate) struct ResourceRow {
    #[diesel(sql_type = Text)]
    pub(crate) resource_type: String,
    #[diesel(sql_type = Text)]
    pub(crate) id: String,
    #[diesel(sql_type = BigInt)]
    pub(crate) seq: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) version: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) created_at: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) updated_at: i64,
    #[diesel(sql_type = Bool)]
    pub(crate) protected: bool,
    #[diesel(sql_type = Text)]
    pub(crate) data: String,
}

#[derive(Debug, QueryableByName)]
pub(crate) struct MemberRow {
    #[diesel(sql_type = Text)]
    pub(crate) group_id: String,
    #[diesel(sql_type = Text)]
    pub(crate) member_id: String,
    #[diesel(sql_type = Text)]
    pub(crate) member_type: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) display: Option<String>,
}

#[derive(Debug, QueryableByName)]
pub(crate) struct EventRow {
    #[diesel(sql_type = Text)]
    pub(crate) tenant_id: String,
    #[diesel(sql_type = BigInt)]
    pub(crate) seq: i64,
    #[diesel(sql_type = Text)]
    pub(crate) resource_type: String,
    #[diesel(sql_type = Text)]
    pub(crate) resource_id: String,
    #[diesel(sql_type = Text)]
    pub(crate) operation: String,
    #[diesel(sql_type = BigInt)]
    pub(crate) version: i64,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) token_id: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub(crate) at: i64,
    #[diesel(sql_type = Text)]
    pub(crate) changed: String,
}

#[derive(Debug, QueryableByName)]
pub(crate) struct TokenRow {
    #[diesel(sql_type = Text)]
    pub(crate) id: String,
    #[diesel(sql_type = Text)]
    pub(crate) tenant_id: String,
    #[diesel(sql_type = Text)]
    pub(crate) token_hash: String,
    #[diesel(sql_type = Text)]
    pub(crate) scopes: String,
    #[diesel(sql_type = Text)]
    pub(crate) description: String,
    #[diesel(sql_type = BigInt)]
    pub(crate) issued_at: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) expires_at: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) revoked_at: Option<i64>,
}

#[derive(Debug, QueryableByName)]
pub(crate) struct TenantRow {
    #[diesel(sql_type = Text)]
    pub(crate) id: String,
    #[diesel(sql_type = BigInt)]
    pub(crate) created_at: i64,
    #[diesel(sql_type = Text)]
    pub(crate) settings: String,
}

#[derive(Debug, QueryableByName)]
pub(crate) struct IntegerRow {
    #[diesel(sql_type = BigInt)]
    pub(crate) n: i64,
}

#[derive(Debug, QueryableByName)]
pub(crate) struct StringRow {
    #[diesel(sql_type = Text)]
    pub(crate) s: String,
}

//! The types the store's resource operations take and return.

use crate::Version;
use scim_core::ScimError;
use scim_core::filter::{AttrPath, Filter, parse_filter, parse_sort_by};
use scim_core::message::{SearchRequest, SortOrder};
use scim_core::resource::Resource;

use crate::TenantId;
use crate::links::Links;

/// Who is writing: the tenant every statement is scoped to, and the token that acts (recorded
/// in the change log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor<'a> {
    /// The tenant.
    pub tenant: &'a TenantId,
    /// The id of the token behind the request, if any.
    pub token_id: Option<&'a str>,
    /// An administrator acting for the application itself rather than a provisioning client:
    /// the tenant's provisioning switches and attribute locks do not apply to it (protection of
    /// the owner, uniqueness and validation still do).
    pub administrative: bool,
    /// Whether the change came through the admin API (recorded as the events' actor `admin`)
    /// rather than the command line or an embedding application (`cli`). A token, when there
    /// is one, is the actor instead.
    pub through_admin_api: bool,
}

impl<'a> Actor<'a> {
    /// A provisioning client of `tenant`, subject to all of the tenant's policies.
    pub fn tenant(tenant: &'a TenantId) -> Self {
        Self {
            tenant,
            token_id: None,
            administrative: false,
            through_admin_api: false,
        }
    }

    /// The application itself, acting on `tenant` (pre-creating groups, say).
    pub fn administrator(tenant: &'a TenantId) -> Self {
        Self {
            tenant,
            token_id: None,
            administrative: true,
            through_admin_api: false,
        }
    }

    /// Records `token_id` as the acting token.
    #[must_use]
    pub fn with_token(mut self, token_id: &'a str) -> Self {
        self.token_id = Some(token_id);
        self
    }

    /// Records that the change came through the admin API.
    #[must_use]
    pub fn through_admin_api(mut self) -> Self {
        self.through_admin_api = true;
        self
    }

    /// Who the change log names as having made the change.
    pub fn event_actor(&self) -> crate::EventActor {
        match self.token_id {
            Some(id) => crate::EventActor::Token(id.to_owned()),
            None if self.through_admin_api => crate::EventActor::Admin,
            None => crate::EventActor::Cli,
        }
    }
}

/// What a read loads besides the resource's own document.
///
/// Group `members` and User `groups` live in the membership table; a read that will not return
/// them (`excludedAttributes=members`) should not pay for loading them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// Load a Group's `members`.
    pub members: bool,
    /// Load a User's `groups`.
    pub groups: bool,
    /// Where the memberships loaded are returned.
    pub memberships: Memberships,
    /// With `members`, the most members a Group may have for [`ResourceStore::get`](crate::ResourceStore::get)
    /// and [`ResourceStore::patch`](crate::ResourceStore::patch) to load them; a larger Group is read without
    /// its members, and [`StoredResource::members_left_out`] says so. Finding out costs at most
    /// this many index entries, whatever the group's size. `None`: no limit.
    pub member_limit: Option<u32>,
}

impl ReadOptions {
    /// Load everything.
    pub const FULL: Self = Self {
        members: true,
        groups: true,
        memberships: Memberships::Inline,
        member_limit: None,
    };
    /// Load only the resources' own documents.
    pub const DOCUMENT_ONLY: Self = Self {
        members: false,
        groups: false,
        memberships: Memberships::Inline,
        member_limit: None,
    };

    /// The same reads, loading a Group's members only if it has at most `limit` of them (see
    /// [`ReadOptions::member_limit`]).
    #[must_use]
    pub fn members_up_to(self, limit: u32) -> Self {
        Self {
            member_limit: Some(limit),
            ..self
        }
    }

    /// The same reads, with the memberships returned in [`StoredResource::links`].
    #[must_use]
    pub fn links_apart(self) -> Self {
        Self {
            memberships: Memberships::Apart,
            ..self
        }
    }
}

/// Where a read returns the memberships it loads (a Group's `members`, a User's `groups`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Memberships {
    /// In the resource's JSON, one object per element, as any other attribute.
    #[default]
    Inline,
    /// In [`StoredResource::links`], three strings per element: for a caller that writes a
    /// large group out itself and should not hold a JSON object per member.
    Apart,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self::FULL
    }
}

/// A resource as stored: its canonical form with `id` and `meta` (without `meta.location`,
/// which depends on the address the server is reached at), and its version.
///
/// Its memberships are in `resource`, unless the read asked for them apart
/// ([`Memberships::Apart`]): then they are in `links`.
///
/// ```
/// use scim_core::schema::SchemaRegistry;
/// use scim_store::{Actor, Linked, ReadOptions, Store, StoreBuilder, TenantId, TenantSettings};
/// use serde_json::json;
///
/// let store = StoreBuilder::new(SchemaRegistry::standard()).open("sqlite::memory:")?;
/// let acme = TenantId::new("acme").unwrap();
/// store.create_tenant(&acme, &TenantSettings::default())?;
/// let ada = store.create(Actor::tenant(&acme), "User", &json!({"userName": "ada"}))?;
/// let ada = ada.id.as_str();
/// let group = store.create(
///     Actor::tenant(&acme),
///     "Group",
///     &json!({"displayName": "Engineering", "members": [{"value": ada}]}),
/// )?;
/// let id = group.id.as_str();
///
/// let inline = store.get(&acme, "Group", id, ReadOptions::FULL)?;
/// let apart = store.get(&acme, "Group", id, ReadOptions::FULL.links_apart())?;
/// assert!(apart.resource.as_json().get("members").is_none());
/// let links = apart.links.as_ref().unwrap();
/// assert_eq!(links.attribute, Linked::Members);
/// assert_eq!(links.items[0].value, ada);
/// assert_eq!(links.items[0].display.as_deref(), Some("ada"));
///
/// assert_eq!(apart.into_inline(), inline);
/// # Ok::<(), scim_store::StoreError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResource {
    /// Its id, which a stored resource always has (the same as in `resource`'s JSON).
    pub id: String,
    /// The resource.
    pub resource: Resource,
    /// Its version: 1 when created, one more after every write. Its ETag is `W/"<version>"`.
    pub version: Version,
    /// Its memberships, when the read asked for them apart and there are any; `None`
    /// otherwise.
    pub links: Option<Links>,
    /// Whether a Group's members were asked for but left out, because it has more than
    /// [`ReadOptions::member_limit`].
    pub members_left_out: bool,
}

impl StoredResource {
    /// The same resource with its [`links`](Self::links) moved into its JSON, where an
    /// [`Inline`](Memberships::Inline) read puts them: just before `meta`.
    #[must_use]
    pub fn into_inline(self) -> Self {
        let Some(links) = self.links else {
            return self;
        };
        let resource_type = self.resource.resource_type().to_owned();
        let mut body = self.resource.into_json();
        let at = body
            .keys()
            .position(|key| key == "meta")
            .unwrap_or(body.len());
        body.shift_insert(at, links.attribute.name().to_owned(), links.into_json());
        Self {
            id: self.id,
            resource: Resource::from_trusted_json(resource_type, body),
            version: self.version,
            links: None,
            members_left_out: self.members_left_out,
        }
    }
}

/// A query over one resource type: RFC 7644 §3.4.2 parameters, with the filter and `sortBy`
/// already parsed (so a search is parsed once, whatever the number of resource types it runs
/// over); the store resolves them against the resource type it queries.
///
/// ```
/// use scim_core::message::SearchRequest;
/// use scim_store::Query;
///
/// let search = SearchRequest::from_query([("filter", r#"userName eq "ada""#), ("sortBy", "name.familyName")])
///     .map_err(scim_core::ScimError::from)?;
/// let query = Query::from_search(&search)?;
/// assert_eq!(query.filter.unwrap().to_string(), r#"userName eq "ada""#);
/// assert_eq!(query.sort_by.unwrap().to_string(), "name.familyName");
///
/// assert!(Query::filtered("userName eq").is_err());
/// # Ok::<(), scim_core::ScimError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    /// The filter.
    pub filter: Option<Filter<'static>>,
    /// The attribute to sort by.
    pub sort_by: Option<AttrPath<'static>>,
    /// Sort descending instead of ascending.
    pub descending: bool,
    /// The 1-based index of the first result (index pagination); values below 1 mean 1.
    pub start_index: Option<u64>,
    /// The page size; `Some(0)` asks only for `totalResults`.
    pub count: Option<u64>,
    /// A cursor from an earlier page (RFC 9865); the empty string asks for the first page.
    pub cursor: Option<String>,
}

impl Query {
    /// The query a search request asks for. A blank filter or `sortBy` is none; one that does
    /// not parse is an `invalidFilter` (`invalidValue` for `sortBy`) error.
    pub fn from_search(search: &SearchRequest) -> Result<Self, ScimError> {
        let filter = match search.filter.as_deref() {
            Some(text) if !text.trim().is_empty() => Some(parse_filter(text)?.into_owned()),
            _ => None,
        };
        let sort_by = match search.sort_by.as_deref() {
            Some(text) if !text.trim().is_empty() => Some(parse_sort_by(text)?.into_owned()),
            _ => None,
        };
        Ok(Self {
            filter,
            sort_by,
            descending: search.sort_order == Some(SortOrder::Descending),
            start_index: search.start_index,
            count: search.count,
            cursor: search.cursor.clone(),
        })
    }

    /// A query with just the filter `text`, parsed.
    pub fn filtered(text: &str) -> Result<Self, ScimError> {
        Ok(Self {
            filter: Some(parse_filter(text)?.into_owned()),
            ..Self::default()
        })
    }

    /// The same query with `filter`.
    #[must_use]
    pub fn with_filter(mut self, filter: Filter<'static>) -> Self {
        self.filter = Some(filter);
        self
    }
}

/// One page of query results.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The resources of the page, in order.
    pub resources: Vec<StoredResource>,
    /// How many resources match the filter in all.
    pub total_results: u64,
    /// The 1-based index of the first resource of the page (index pagination).
    pub start_index: u64,
    /// The cursor of the next page, when cursor pagination is used and more results exist.
    pub next_cursor: Option<String>,
}

/// The statement a query runs, and the database's plan for it (from
/// [`SqliteStore::explain_query`](crate::SqliteStore::explain_query) or
/// [`PostgresStore::explain_query`](crate::PostgresStore::explain_query)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementPlan {
    /// The SQL text, with placeholders where the values are bound.
    pub sql: String,
    /// The plan, one line per step, as the database prints it.
    pub plan: Vec<String>,
}

/// The page size when a query names none.
pub const DEFAULT_PAGE_SIZE: u64 = 100;
/// The largest page a query may ask for; larger `count`s are lowered to it (RFC 7644 §3.4.2.4).
pub const MAX_PAGE_SIZE: u64 = 1000;

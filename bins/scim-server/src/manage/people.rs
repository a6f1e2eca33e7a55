//! The people of a tenant (its SCIM users): a search a page at a time, with cursors that stay
//! as fast on the thousandth page of 100,000 users as on the first, and one person with their
//! groups and the projects and roles those give them.

use std::collections::BTreeMap;

use scim_core::filter::{AttrPath, CompValue, CompareOp, Filter};
use scim_store::{Organisation, Query, ReadOptions, Store, StoreError, StoredResource, TenantId};
use serde::Serialize;
use serde_json::Value;

use super::{ManageError, require_tenant};

/// What to look for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    /// Everyone.
    All,
    /// Plain text, found (ignoring case) in the userName, the display name or an email.
    Text(String),
    /// A SCIM filter (RFC 7644 §3.4.2.2), for those who know one.
    Filter(String),
}

impl Search {
    /// The SCIM filter this search runs: built for a text, parsed for a filter.
    fn filter(&self) -> Result<Option<Filter<'static>>, scim_core::ScimError> {
        match self {
            Self::All => Ok(None),
            Self::Text(text) => {
                let contains = |path: AttrPath<'static>| {
                    Filter::compare(path, CompareOp::Co, CompValue::String(text.clone().into()))
                };
                Ok(Filter::any_of(vec![
                    contains(AttrPath::name("userName")),
                    contains(AttrPath::name("displayName")),
                    contains(AttrPath::name("emails").with_sub_attr("value")),
                ]))
            }
            Self::Filter(filter) => Ok(Query::filtered(filter)?.filter),
        }
    }

    /// The input a failure of this search is about.
    fn field(&self) -> &'static str {
        match self {
            Self::Filter(_) => "filter",
            _ => "q",
        }
    }
}

/// The most people one page holds.
pub const MAX_PAGE: u32 = 200;

/// A page of a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeopleRequest {
    /// What to look for.
    pub search: Search,
    /// Where the previous page ended (`None`: the first page).
    pub cursor: Option<String>,
    /// How many at most (1 to [`MAX_PAGE`]).
    pub limit: u32,
}

/// A person as a list shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonSummary {
    /// The SCIM id.
    pub id: String,
    /// The userName.
    pub user_name: String,
    /// The display name (`displayName`, else `name.formatted`, else given and family name).
    pub display_name: Option<String>,
    /// The primary (else the first) email.
    pub email: Option<String>,
    /// Whether the person is active.
    pub active: bool,
    /// The identity provider's id for them.
    pub external_id: Option<String>,
    /// When they were created.
    pub created: Option<String>,
    /// When they were last changed.
    pub last_modified: Option<String>,
}

impl PersonSummary {
    fn of(stored: &StoredResource) -> Self {
        let body = stored.resource.as_json();
        let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
        let name = body.get("name");
        let name_text = |key: &str| {
            name.and_then(|n| n.get(key))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let display_name = text("displayName")
            .or_else(|| name_text("formatted"))
            .or_else(|| match (name_text("givenName"), name_text("familyName")) {
                (Some(given), Some(family)) => Some(format!("{given} {family}")),
                (given, family) => given.or(family),
            });
        let emails = body.get("emails").and_then(Value::as_array);
        let email = emails.and_then(|emails| {
            emails
                .iter()
                .find(|e| e.get("primary").and_then(Value::as_bool) == Some(true))
                .or_else(|| emails.first())
                .and_then(|e| e.get("value"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
        let meta = body.get("meta");
        let meta_text = |key: &str| {
            meta.and_then(|m| m.get(key))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        Self {
            id: stored.resource.id().unwrap_or_default().to_owned(),
            user_name: text("userName").unwrap_or_default(),
            display_name,
            email,
            active: body.get("active").and_then(Value::as_bool) != Some(false),
            external_id: text("externalId"),
            created: meta_text("created"),
            last_modified: meta_text("lastModified"),
        }
    }
}

/// A page of people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeoplePage {
    /// The people, in creation order.
    pub people: Vec<PersonSummary>,
    /// How many match in all.
    pub total: u64,
    /// The cursor of the next page, when there is one.
    pub next_cursor: Option<String>,
}

/// A page of the tenant's people matching the search.
pub fn search(
    store: &dyn Store,
    tenant: &TenantId,
    request: &PeopleRequest,
) -> Result<PeoplePage, ManageError> {
    if !(1..=MAX_PAGE).contains(&request.limit) {
        return Err(ManageError::malformed(
            "limit",
            format!("must be 1 to {MAX_PAGE}"),
        ));
    }
    require_tenant(store, tenant)?;
    let filter = request
        .search
        .filter()
        .map_err(|e| scim_input(e.into(), request.search.field()))?;
    let query = Query {
        filter,
        cursor: Some(request.cursor.clone().unwrap_or_default()),
        count: Some(u64::from(request.limit)),
        ..Query::default()
    };
    let page = store
        .query(tenant, "User", &query, ReadOptions::DOCUMENT_ONLY)
        .map_err(|e| scim_input(e, request.search.field()))?;
    Ok(PeoplePage {
        people: page.resources.iter().map(PersonSummary::of).collect(),
        total: page.total_results,
        next_cursor: page.next_cursor,
    })
}

/// A group a person belongs to, with the project and role it gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Membership {
    /// The group's id.
    pub id: String,
    /// The group's name.
    pub name: String,
    /// The project, for a project x role group.
    pub project: Option<String>,
    /// The role, for a project x role group.
    pub role: Option<String>,
}

/// One person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Person {
    /// The summary.
    #[serde(flatten)]
    pub summary: PersonSummary,
    /// Whether they are the tenant's protected owner.
    pub owner: bool,
    /// Their groups.
    pub groups: Vec<Membership>,
    /// Project to roles, from the project x role groups.
    pub access: BTreeMap<String, Vec<String>>,
    /// The SCIM document as stored (without its groups, listed above).
    pub attributes: Value,
}

/// One person of the tenant ([`ManageError::NotFound`] for an id of no user of it).
pub fn show(store: &dyn Store, tenant: &TenantId, id: &str) -> Result<Person, ManageError> {
    let settings = require_tenant(store, tenant)?.settings;
    let stored = store
        .get(tenant, "User", id, ReadOptions::FULL)
        .map_err(|e| not_found(e, "user", id))?;
    let organisation = Organisation::of(&settings);
    let mut attributes = stored.resource.as_json().clone();
    let groups: Vec<Membership> = attributes
        .remove("groups")
        .and_then(|g| g.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|g| {
            let name = g
                .get("display")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let (project, role) = organisation
                .project_role_of(&name)
                .map(|(p, r)| (Some(p.to_owned()), Some(r.to_owned())))
                .unwrap_or_default();
            Membership {
                id: g
                    .get("value")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                name,
                project,
                role,
            }
        })
        .collect();
    let mut access: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for group in &groups {
        if let (Some(project), Some(role)) = (&group.project, &group.role) {
            access
                .entry(project.clone())
                .or_default()
                .push(role.clone());
        }
    }
    Ok(Person {
        summary: PersonSummary::of(&stored),
        owner: crate::organisation::owner_of(&settings).as_deref() == Some(id),
        groups,
        access,
        attributes: Value::Object(attributes),
    })
}

/// A SCIM error of a read as an error of the input `field` (of `cursor` for a bad cursor); a missing
/// tenant or resource as not found.
pub(crate) fn scim_input(error: StoreError, field: &str) -> ManageError {
    match error {
        StoreError::Scim(e) if e.scim_type() == Some(scim_core::ScimType::InvalidCursor) => {
            ManageError::malformed("cursor", e.detail().to_owned())
        }
        StoreError::Scim(e) if e.status() == 400 => {
            ManageError::malformed(field, e.detail().to_owned())
        }
        StoreError::TenantNotFound(id) => ManageError::TenantNotFound(id),
        e => e.into(),
    }
}

/// [`StoreError::NotFound`] as [`ManageError::NotFound`] of `kind`.
pub(crate) fn not_found(error: StoreError, kind: &'static str, id: &str) -> ManageError {
    match error {
        StoreError::NotFound { .. } => ManageError::NotFound {
            kind,
            id: id.to_owned(),
        },
        StoreError::TenantNotFound(id) => ManageError::TenantNotFound(id),
        e => e.into(),
    }
}
